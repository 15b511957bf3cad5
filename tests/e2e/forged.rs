//! Only the secretary commands: a staff address in `From` is not enough.
//! With `[staff] trusted_authserv_id` set, a command acts only when the
//! school's receiving server vouches for the sender in its topmost
//! `Authentication-Results`; a mail with two senders, or a look-alike
//! domain, never acts. Each refusal is audited and the secretary alerted.
//!
//! The test stack's Postfix stamps no `Authentication-Results`, so each
//! test writes the stamp the school's receiving server would put on top.

use mleg::domain::Status;

use crate::support::app::{SCHOOL, SECRETARY, TestApp};
use crate::support::replies::{Style, reply};

const TRUSTED: &str = "mx.szkola.test";

fn with_trusted_server() -> TestApp {
    TestApp::spawn_with(|c| {
        *c = c.replace(
            "[staff]\n",
            &format!("[staff]\ntrusted_authserv_id = \"{TRUSTED}\"\n"),
        )
    })
}

/// (command, outcome) of the audit rows of application `id`.
fn audited(t: &TestApp, id: i64) -> Vec<(String, String)> {
    t.audit(Some(id))
        .into_iter()
        .map(|(_, command, outcome)| (command, outcome))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_acts_only_when_the_school_s_server_vouches_for_the_sender() {
    let t = with_trusted_server();
    let (id, _, note) = t.photo_with_secretary("Łucja", "Żak", 61).await;
    let forged = [
        // No verdict at all: anyone can type the secretary's address.
        (reply(SECRETARY, &note, "TAK", Style::GmailPlain), "no_authentication_results"),
        // The server says it failed; a "pass" the forger wrote lower down
        // (or in a comment) does not count.
        (
            reply(SECRETARY, &note, "TAK", Style::GmailPlain)
                .header(&format!(
                    "Authentication-Results: {TRUSTED}; dkim=none; dmarc=fail (dmarc=pass) header.from=szkola.test"
                ))
                .header(&format!("Authentication-Results: {TRUSTED}; dmarc=pass")),
            "not_authenticated",
        ),
        // Another server's pass is not the school's.
        (
            reply(SECRETARY, &note, "TAK", Style::GmailPlain)
                .header("Authentication-Results: mx.evil.test; dmarc=pass"),
            "no_authentication_results",
        ),
        // Two senders: the mail program shows one, a naive reader takes the other.
        (
            reply(SECRETARY, &note, "TAK", Style::GmailPlain)
                .header("From: obcy@evil.test")
                .header(&format!("Authentication-Results: {TRUSTED}; dmarc=pass")),
            "several_senders",
        ),
    ];
    for (mail, _) in &forged {
        t.send(mail).await;
        t.once().await;
        assert_eq!(t.application(id).status, Status::AwaitingReview);
    }
    let refused: Vec<String> = audited(&t, id)
        .into_iter()
        .filter(|(_, outcome)| outcome.starts_with("refused"))
        .map(|(_, outcome)| outcome)
        .collect();
    let expected: Vec<String> = forged
        .iter()
        .map(|(_, why)| format!("refused_{why}"))
        .collect();
    assert_eq!(refused, expected);
    let alerts = t.mails_about(SECRETARY, "Odrzucono polecenie", 1).await;
    assert!(
        alerts
            .iter()
            .any(|a| a.subject.contains("brak potwierdzenia nadawcy")),
        "{:?}",
        alerts.iter().map(|a| &a.subject).collect::<Vec<_>>()
    );

    // The school's server vouches: the same command acts.
    t.send(
        &reply(SECRETARY, &note, "TAK", Style::GmailPlain).header(&format!(
            "Authentication-Results: {TRUSTED}; spf=pass smtp.mailfrom=szkola.test; dkim=pass header.d=szkola.test; dmarc=pass header.from=szkola.test"
        )),
    )
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_look_alike_domain_is_not_the_school_s() {
    let t = TestApp::spawn();
    let (id, _, note) = t.photo_with_secretary("Łucja", "Żak", 62).await;
    // `szkola.test` with U+212A KELVIN SIGN for the k: Unicode case folding
    // would make it the school's own domain.
    let look_alike = "sekretariat@sz\u{212A}ola.test";
    let mail = reply(look_alike, &note, "TAK", Style::GmailPlain);
    t.stack
        .send_raw("obcy@example.pl", &[SCHOOL], &mail.build())
        .await;
    t.stack.wait_for_mails(SCHOOL, "INBOX", 1).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert!(
        audited(&t, id)
            .iter()
            .any(|(_, outcome)| outcome == "refused_not_staff"),
        "{:?}",
        audited(&t, id)
    );
}

/// `mleg check` tells the IT person which server stamps the mail in the
/// watched mailbox, and warns when the setting would refuse every command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_the_server_that_stamps_authentication_results() {
    let t = with_trusted_server();
    let out = crate::support::app::mleg(&t, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no mail in the mailbox yet"), "{text}");
    let unstamped = "From: a@example.pl\r\nSubject: x\r\n\r\nb\r\n";
    t.stack.append(SCHOOL, "INBOX", unstamped.as_bytes()).await;
    let out = crate::support::app::mleg(&t, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("would refuse every command by mail"),
        "{text}"
    );
    assert!(!out.status.success());
    let stamped = format!(
        "Authentication-Results: {TRUSTED}; dmarc=pass header.from=example.pl\r\n{unstamped}"
    );
    t.stack.append(SCHOOL, "INBOX", stamped.as_bytes()).await;
    let out = crate::support::app::mleg(&t, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "1 of the 2 newest mails carry Authentication-Results, topmost from {TRUSTED} (1)"
        )),
        "{text}"
    );
}

/// A forger who got hold of a live token cannot make mleg mail a parent a
/// QR code of their own: a `KOD` whose screenshot holds a link to a foreign
/// site is refused with the reason, and nothing is recorded or sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kod_whose_qr_links_outside_gov_pl_is_refused() {
    let t = TestApp::spawn();
    let (id, parent, note) = t.photo_with_secretary("Łucja", "Żak", 63).await;
    let qr = mleg::qr::render_qr_png("https://mobywatel-aktywacja.example/kod?t=7Q2M9XK4").unwrap();
    let kod = crate::codes::with_attachment(
        reply(SECRETARY, &note, "KOD AB12CD34", Style::GmailPlain),
        "qr.png",
        "image/png",
        qr,
    );
    t.send(&kod).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert!(
        mleg::store::lifecycle::code_info(t.app.store().conn(), id)
            .unwrap()
            .is_none()
    );
    let alert = t.newest(SECRETARY, id, "Odrzucono polecenie", 1).await;
    assert!(
        alert.subject.contains("kod QR nie wygląda"),
        "{}",
        alert.subject
    );
    assert!(
        alert.text.contains("mobywatel-aktywacja.example"),
        "{}",
        alert.text
    );
    assert_eq!(
        audited(&t, id).last().map(|(_, o)| o.as_str()),
        Some("refused_qr_not_mobywatel")
    );
    t.exactly(&parent, 1).await;
}

/// A notification older than `token_valid_days` no longer acts: the reply
/// is refused with the reason, audited, and the application stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_older_than_token_valid_days_is_refused() {
    let t = TestApp::spawn_with(|c| *c = c.replace("[staff]\n", "[staff]\ntoken_valid_days = 1\n"));
    let (id, _, note) = t.photo_with_secretary("Łucja", "Żak", 64).await;
    t.send(&reply(SECRETARY, &note, "TAK", Style::GmailPlain))
        .await;
    // The secretary answers two days later.
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    mleg::daemon::once(&crate::support::dates::at(&t, later))
        .await
        .unwrap();
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    assert_eq!(
        audited(&t, id).last().map(|(_, o)| o.as_str()),
        Some("refused_token_expired")
    );
    let alert = t.newest(SECRETARY, id, "Odrzucono polecenie", 1).await;
    assert!(alert.text.contains("starsza niż 1 dzień"), "{}", alert.text);
}
