//! mleg logs in to send (SMTP AUTH through Dovecot, as on a school server):
//! a wrong password is one clear line, and no queued mail is lost or
//! charged; once the password is fixed the mail goes out.

use std::process::Command;

use crate::support::app::{SCHOOL, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_smtp_password_keeps_the_queue_and_the_reply_goes_out_once_it_is_fixed() {
    let mut t = TestApp::spawn();
    t.write_secret("smtp.password", "wrong-password");
    t.reload();
    let parent = t.parent("haslo");
    t.register("Ala", "Hasło", &pesel(2014, 2, 2, 41), &parent);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Ala Hasło.jpg", photos::good_jpeg()))
        .await;

    let err = mleg::daemon::once(&t.app)
        .await
        .expect_err("a round whose SMTP login is refused fails");
    let line = err.to_string();
    assert!(
        line.contains(&format!("SMTP login as {SCHOOL} refused"))
            && line.contains("535")
            && line.contains("smtp.password_file")
            && !line.contains('\n')
            && !line.contains("wrong-password"),
        "{line}"
    );
    let rows = t.outbox_state();
    assert_eq!(
        rows.len(),
        2,
        "the parent's answer and the secretary's note are queued"
    );
    assert!(
        rows.iter()
            .all(|(_, _, sent, error)| !sent && error.is_none()),
        "no row sent, none charged with the login failure: {rows:?}"
    );

    // The same from the terminal: one line naming the setting.
    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .arg("once")
        .env("MLEG_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("535")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("smtp.password_file"), "{stderr}");
    assert!(
        t.outbox_state()
            .iter()
            .all(|(_, _, sent, error)| !sent && error.is_none())
    );

    t.write_secret("smtp.password", "secret");
    t.reload();
    // The server is left alone for a short while after each failure.
    crate::outage::backoff_over(&t).await;
    let (_, sent) = t.once().await;
    assert_eq!(sent.sent, 2);
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(reply.text.contains("Przyjęliśmy zdjęcie"), "{}", reply.text);
    let log = t.mail_log(SCHOOL);
    assert!(
        log.contains(&format!("sasl_method=PLAIN, sasl_username={SCHOOL}")),
        "mleg logged in to send: {log}"
    );
}
