//! What leaves mleg about a child: a photo without GPS, camera and time; logs
//! without the password, the mails' text, PESELs and names, even at trace.

use std::process::Command;

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::phone_photo::{self, metadata_left};
use crate::support::stack::PASSWORD;

fn db_photos(t: &TestApp) -> Vec<(u32, u32, Vec<u8>)> {
    mleg::store::probe::stored_photos(t.app.store().conn()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_photo_reaches_the_secretary_and_the_database_without_gps_or_camera() {
    let t = TestApp::spawn();
    let parent = t.parent("kowalska");
    t.register("Zofia", "Kowalska", &pesel(2014, 3, 3, 77), &parent);
    let sent = phone_photo::phone_jpeg();
    assert_eq!(metadata_left(&sent).len(), 6, "the test photo has it all");
    t.send(&Mail::new(&parent, SCHOOL, "legitymacja").photo("Zofia Kowalska.jpg", sent))
        .await;
    let (intake, _) = t.once().await;
    assert_eq!(intake.processed, 1);

    let note = &t.mails_about(SECRETARY, "Zdjęcie do wprowadzenia", 1).await[0];
    assert_eq!(note.images.len(), 1);
    let attached = &note.images[0].data;
    assert_eq!(metadata_left(attached), Vec::<&str>::new());
    // Turned upright: shown portrait, the stored top-left red corner now
    // top-right, as the parent's phone showed it.
    let shown = image::load_from_memory(attached).unwrap().to_rgb8();
    assert_eq!(shown.dimensions(), (354, 496));
    let [r, g, b] = shown.get_pixel(354 - 16, 16).0;
    assert!(r > 200 && g < 60 && b < 60, "corner is {:?}", [r, g, b]);
    assert!(shown.get_pixel(16, 16).0.iter().all(|&c| c > 200));
    assert!(note.text.contains("354×496"), "{}", note.text);

    let stored = db_photos(&t);
    assert_eq!(stored.len(), 1);
    let (width, height, data) = &stored[0];
    assert_eq!((*width, *height), (354, 496));
    assert_eq!(metadata_left(data), Vec::<&str>::new());
    assert_eq!(data, attached, "the secretary got the stored copy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_shows_no_password_login_mail_text_pesel_or_name() {
    let t = TestApp::spawn();
    let parent = t.parent("wisniewska");
    let pesel = pesel(2013, 7, 21, 4242);
    t.register("Bożydar", "Wiśniewski", &pesel, &parent);
    let body = "Przesyłam zdjęcie syna, kod do furtki ZZTAJNE-9931.";
    t.send(
        &Mail::new(&parent, SCHOOL, "legitymacja")
            .text(body)
            .photo("Bożydar Wiśniewski.jpg", phone_photo::phone_jpeg()),
    )
    .await;

    let out = Command::new(env!("CARGO_BIN_EXE_mleg"))
        .arg("--config")
        .arg(&t.config_path)
        .arg("once")
        .env("MLEG_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .expect("mleg runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("obsłużono: 1"),
        "the mail was really read and handled"
    );
    // Trace is on for mleg itself, so the test sees what a real run logs.
    assert!(log.contains("DEBUG"), "{log}");
    assert!(log.contains("logging ready"), "{log}");
    for secret in [
        PASSWORD,
        "LOGIN",
        "ZZTAJNE",
        "furtki",
        &pesel,
        "Wiśniewski",
        "Bożydar",
        "Wi=C5=9Bniewski",
        phone_photo::CAMERA_MODEL,
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}
