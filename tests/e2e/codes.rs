//! Activation codes reach the family, and the parent's materials are deleted.

use mail_parser::{MessageParser, MimeHeaders};
use mleg::domain::Status;

use crate::support::app::{PROCESSED, SCHOOL, SECRETARY, TestApp, the_one};
use crate::support::dates::{set_clock, utc};
use crate::support::photos;
use crate::support::replies::{Style, reply};

const QR: &str = "https://mobywatel.gov.pl/mlegitymacja/aktywacja?t=7Q2M9XK4PL0Z";

/// A "screenshot" of the ministry page: a light page with some dark boxes and
/// the QR code somewhere in it.
pub(crate) fn screenshot_with_qr() -> Vec<u8> {
    let qr = image::load_from_memory(&mleg::qr::render_qr_png(QR).unwrap())
        .unwrap()
        .to_luma8();
    let qr = image::imageops::resize(&qr, 240, 240, image::imageops::FilterType::Nearest);
    let mut page = image::GrayImage::from_pixel(1280, 900, image::Luma([235]));
    for (x, y, w, h) in [
        (40, 40, 1200, 60),
        (40, 160, 500, 20),
        (40, 200, 420, 20),
        (40, 240, 460, 20),
    ] {
        for px in x..x + w {
            for py in y..y + h {
                page.put_pixel(px, py, image::Luma([40]));
            }
        }
    }
    image::imageops::overlay(&mut page, &qr, 760, 300);
    let mut out = std::io::Cursor::new(Vec::new());
    page.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub(crate) fn with_attachment(
    mail: crate::support::mime::Mail,
    name: &str,
    ctype: &str,
    data: Vec<u8>,
) -> crate::support::mime::Mail {
    mail.part(ctype, &format!("attachment; filename=\"{name}\""), data)
}

/// The bytes of the attachment called `name` in a raw mail.
fn attachment(raw: &[u8], name: &str) -> Vec<u8> {
    let msg = MessageParser::default().parse(raw).unwrap();
    msg.attachments()
        .find(|a| a.attachment_name() == Some(name))
        .unwrap_or_else(|| panic!("no attachment {name}"))
        .contents()
        .to_vec()
}

fn file_contains(path: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle))
        .unwrap_or(false)
}

fn db_holds(t: &TestApp, needle: &[u8]) -> bool {
    let db = &t.app.config.database;
    let wal = db.with_extension("sqlite3-wal");
    file_contains(db, needle) || file_contains(&wal, needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kod_with_a_qr_screenshot_readies_the_code_for_pickup_and_purges_the_photo() {
    let mut t = TestApp::spawn();
    // The photo at 13:00 on 20 November, the code generated at 14:35 and
    // replied at 15:00 (Warsaw): the typed time fits, whatever day this runs.
    set_clock(&mut t, utc(2026, 11, 20, 12, 0));
    let (id, parent, note) = t.photo_with_secretary("Łucja", "Żak", 40).await;
    let photo = photos::good_jpeg();
    let sample = &photo[photo.len() / 2..photo.len() / 2 + 64];
    assert!(
        db_holds(&t, sample),
        "the photo is stored until the code is entered"
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 1);

    let kod = reply(
        SECRETARY,
        &note,
        "KOD AB12-CD34 20.11.2026 14:35",
        Style::GmailPlain,
    );
    set_clock(&mut t, utc(2026, 11, 20, 14, 0));
    t.send(&with_attachment(
        kod,
        "ekran.png",
        "image/png",
        screenshot_with_qr(),
    ))
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(intake.expunged, 1, "the parent's mail was expunged");

    let a = t.application(id);
    assert_eq!(a.status, Status::CodeReady);
    let code = mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (code.code.as_str(), code.qr_content.as_deref()),
        ("AB12-CD34", Some(QR))
    );
    assert_eq!(code.expires_at.to_rfc3339(), "2026-12-20T13:35:00+00:00");

    let news = t.mails_about(&parent, "", 2).await;
    let pickup = the_one(&news, "do odbioru w sekretariacie");
    assert!(
        pickup.text.contains("20.12.2026"),
        "expiry date: {}",
        pickup.text
    );
    assert!(
        pickup.text.contains("pon.–pt. 8:00–15:00"),
        "opening hours: {}",
        pickup.text
    );
    assert!(
        !pickup.text.contains("AB12-CD34"),
        "pickup: the code is not e-mailed"
    );

    let slip_mail = t.mails_about(SECRETARY, "Karta odbioru", 1).await;
    assert!(
        slip_mail[0]
            .other_attachments
            .contains(&"karta_odbioru_Zak_Lucja.html".to_string())
    );
    let raw = t.stack.fetch_all(SECRETARY, "INBOX").await;
    let raw_slip = raw
        .iter()
        .find(|m| String::from_utf8_lossy(&m.raw).contains("karta_odbioru"))
        .unwrap();
    let html =
        String::from_utf8(attachment(&raw_slip.raw, "karta_odbioru_Zak_Lucja.html")).unwrap();
    for expected in [
        "AB12-CD34",
        "Łucja",
        "Żak",
        "3A",
        "data:image/png;base64,",
        "20.12.2026",
        "Potwierdzam odbiór",
    ] {
        assert!(html.contains(expected), "{expected} missing from the slip");
    }

    assert!(
        !db_holds(&t, sample),
        "no byte of the photo survives in the database"
    );
    let left: Vec<_> = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    assert!(
        left.iter()
            .all(|m| !String::from_utf8_lossy(&m.raw).contains(&format!("From: {parent}"))),
        "the parent's original mail is gone from the mailbox"
    );
    let photo_info = mleg::store::inbox::current_photo(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert!(photo_info.purged_at.is_some());

    // The next command answers the newest mail: its token is the live one.
    let answer = t.newest(SECRETARY, id, "Re:", 1).await;
    t.send(&reply(SECRETARY, &answer, "WYDANO", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    let code = mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(
        code.handed_over_by.as_deref(),
        Some("mail:sekretariat@szkola.test")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_email_delivery_the_parent_gets_the_code_a_clean_qr_and_the_steps() {
    let t = TestApp::spawn_with(|c| c.insert_str(0, "delivery = \"email\"\n"));
    let (id, parent, note) = t.photo_with_secretary("Kamil", "Mailowy", 41).await;
    let kod = reply(SECRETARY, &note, "CODE XY98ZT76", Style::OutlookHtml);
    t.send(&with_attachment(
        kod,
        "screen.png",
        "image/png",
        screenshot_with_qr(),
    ))
    .await;
    t.once().await;
    assert_eq!(
        t.application(id).status,
        Status::CodeReady,
        "an implicit approval on the way"
    );
    let news = t.mails_about(&parent, "", 2).await;
    // The subject "mLegitymacja – kod aktywacyjny"; the photo answer's text
    // mentions a "kod aktywacyjny" too, but never after a dash.
    let code_mail = the_one(&news, "– kod aktywacyjny");
    assert!(code_mail.text.contains("XY98ZT76"), "{}", code_mail.text);
    assert!(code_mail.text.contains("mObywatel"), "{}", code_mail.text);
    let qr = code_mail
        .images
        .iter()
        .find(|i| i.content_type == "image/png")
        .expect("the QR image");
    assert_eq!(
        mleg::qr::decode_qr(&qr.data).unwrap(),
        QR,
        "the clean QR scans to the same content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_without_a_readable_qr_changes_nothing_and_the_secretary_is_told() {
    let t = TestApp::spawn();
    let (id, _, note) = t.photo_with_secretary("Nina", "Nieczytelna", 42).await;
    let kod = reply(SECRETARY, &note, "KOD AB12CD34", Style::GmailPlain);
    t.send(&with_attachment(
        kod,
        "zdjecie_ekranu.jpg",
        "image/jpeg",
        photos::jpeg(800, 600),
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let alert = t.mails_about(SECRETARY, "Odrzucono polecenie", 1).await;
    assert!(alert[0].text.contains("QR"), "{}", alert[0].text);
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(outcomes, vec!["refused_qr_unreadable"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_sio_wprowadzono_hands_over_and_the_parent_gets_the_self_service_steps() {
    let t = TestApp::spawn_with(|c| c.insert_str(0, "process = \"sio\"\n"));
    let (id, parent, note) = t.photo_with_secretary("Olek", "Sio", 43).await;
    t.send(&reply(SECRETARY, &note, "KOD AB12CD34", Style::GmailPlain))
        .await;
    t.once().await;
    assert_eq!(
        t.application(id).status,
        Status::AwaitingReview,
        "no codes pass through the school under SIO"
    );
    t.send(&reply(
        SECRETARY,
        &note,
        "wprowadzono",
        Style::ThunderbirdBottom,
    ))
    .await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::HandedOver);
    let news = t.mails_about(&parent, "", 2).await;
    let entered = the_one(&news, "można wygenerować kod aktywacyjny");
    assert!(entered.text.contains("ZPE"), "{}", entered.text);
    assert!(
        mleg::store::lifecycle::code_info(t.app.store().conn(), id)
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_is_replaced_by_a_new_kod_and_the_same_kod_again_is_already_done() {
    let mut t = TestApp::spawn();
    // The photo at 07:00 on 20 November (Warsaw), the first code at 07:30,
    // the corrected one generated at 08:00 and replied at 08:30.
    set_clock(&mut t, utc(2026, 11, 20, 6, 0));
    let (id, parent, note) = t.photo_with_secretary("Marta", "Poprawka", 44).await;
    set_clock(&mut t, utc(2026, 11, 20, 6, 30));
    t.send(&reply(SECRETARY, &note, "KOD AB12-CD34", Style::GmailPlain))
        .await;
    t.once().await;
    // She corrects it by answering mleg's answer, as she would.
    let answer = t.newest(SECRETARY, id, "Re:", 1).await;
    t.send(&reply(
        SECRETARY,
        &answer,
        "KOD XY77-ZZ88 20.11.2026 08:00",
        Style::OutlookPlain,
    ))
    .await;
    set_clock(&mut t, utc(2026, 11, 20, 7, 30));
    t.once().await;
    let code = mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(code.code, "XY77-ZZ88");
    assert_eq!(code.expires_at.to_rfc3339(), "2026-12-20T07:00:00+00:00");
    // Two pickup mails, one per code, sent in two rounds without waiting in
    // between: only the new one names the new expiry, with its time.
    let news = t.mails_about(&parent, "", 3).await;
    let pickups: Vec<&str> = news
        .iter()
        .filter(|m| m.subject.contains("do odbioru w sekretariacie"))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(pickups.len(), 2, "one pickup mail per code");
    assert_eq!(
        pickups
            .iter()
            .filter(|text| text.contains("20.12.2026 08:00"))
            .count(),
        1,
        "the new expiry, with its time, in the new code's mail: {pickups:#?}"
    );
    let answer = t.newest(SECRETARY, id, "Re:", 2).await;
    t.send(&reply(
        SECRETARY,
        &answer,
        "KOD XY77-ZZ88",
        Style::GmailPlain,
    ))
    .await;
    t.once().await;
    // The first notification's token was spent by the first KOD.
    t.send(&reply(SECRETARY, &note, "KOD XY77-ZZ88", Style::GmailPlain))
        .await;
    t.once().await;
    let outcomes: Vec<String> = t.audit(Some(id)).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(
        outcomes,
        vec![
            "accepted",
            "accepted",
            "already_done",
            "refused_token_spent"
        ]
    );
    assert_eq!(
        t.mails_about(&parent, "", 3).await.len(),
        3,
        "no mail to the parent for the replay"
    );
}

/// A photo refused by the checks is a photo of the child too: when the
/// application is closed, that mail is expunged along with the accepted one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_an_application_expunges_every_mail_with_a_photo_of_the_child() {
    use crate::support::app::pesel;
    use crate::support::mime::Mail;
    let t = TestApp::spawn();
    let parent = t.parent("dwazdjecia");
    let id = t.register("Nela", "Dwazdjecia", &pesel(2014, 4, 14, 45), &parent);
    let small = photos::jpeg(177, 248);
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Nela Dwazdjecia.jpg", small.clone()))
        .await;
    t.once().await;
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja")
            .photo("Nela Dwazdjecia.jpg", photos::good_jpeg()),
    )
    .await;
    t.once().await;
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 2);
    let note = t
        .mails_about(SECRETARY, &format!("[mLegitymacja #{id}]"), 1)
        .await
        .remove(0);
    t.send(&reply(
        SECRETARY,
        &note,
        "Nie: rodzic wycofał wniosek",
        Style::GmailPlain,
    ))
    .await;
    let (intake, _) = t.once().await;
    assert_eq!(t.application(id).status, Status::Rejected);
    assert_eq!(intake.expunged, 2);
    let left = t.stack.fetch_all(SCHOOL, PROCESSED).await;
    assert!(
        left.iter()
            .all(|m| !String::from_utf8_lossy(&m.raw).contains(&format!("From: {parent}")))
    );
    let sample = &photos::good_jpeg()[2000..2064];
    assert!(
        !db_holds(&t, sample),
        "no byte of the photo survives in the database"
    );
}

/// Outlook adds the school crest inline to every reply: a KOD without a
/// screenshot is then recorded without a QR, not refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_signature_logo_is_not_taken_for_a_failed_qr_screenshot() {
    let t = TestApp::spawn();
    let (id, _, note) = t.photo_with_secretary("Lena", "Logo", 46).await;
    let kod = reply(SECRETARY, &note, "KOD LG12-OO34", Style::OutlookPlain).part(
        "image/png",
        "inline; filename=\"image001.png\"",
        photos::png(120, 60),
    );
    t.send(&kod).await;
    t.once().await;
    assert_eq!(t.application(id).status, Status::CodeReady);
    let code = mleg::store::lifecycle::code_info(t.app.store().conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!((code.code.as_str(), code.qr_content), ("LG12-OO34", None));
}
