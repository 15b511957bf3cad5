//! A phone photo over the school's file-size limit, and otherwise fine, is
//! compressed and accepted instead of being sent back.

use mleg::domain::Status;

use crate::support::app::{SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

const ONE_MB: usize = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4_8_mb_phone_photo_under_a_1_mb_rule_is_compressed_accepted_and_the_parent_told() {
    let t = TestApp::spawn_with(|toml| {
        toml.push_str(
            r#"
[photo]
formats = ["jpeg"]
max_bytes = 1048576
min_width = 354
min_height = 496
aspect = { width = 354, height = 496, tolerance_percent = 1.0 }
"#,
        );
    });
    let parent = t.parent("kowalska");
    let id = t.register("Zofia", "Kowalska", &pesel(2015, 4, 2, 77), &parent);
    let sent = photos::phone_jpeg_4_8_mb();
    t.send(
        &Mail::new(&parent, SCHOOL, "Legitymacja Zosi").photo("Zofia Kowalska.jpg", sent.clone()),
    )
    .await;

    let (intake, _) = t.once().await;
    assert_eq!(intake.processed, 1);

    let reply = &t.exactly(&parent, 1).await[0];
    assert!(
        reply
            .text
            .contains("Przyjęliśmy zdjęcie „Zofia Kowalska.jpg” dla: Zofia Kowalska"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("więc skompresowaliśmy zdjęcie do"),
        "{}",
        reply.text
    );
    assert!(
        !reply.text.contains("nie spełnia wymagań"),
        "{}",
        reply.text
    );

    let note = &t.exactly(SECRETARY, 1).await[0];
    assert_eq!(note.images.len(), 1);
    let copy = &note.images[0].data;
    assert!(
        copy.len() < ONE_MB,
        "the secretary got {} bytes",
        copy.len()
    );
    let picture = image::load_from_memory(copy).expect("the copy is a picture");
    assert!(
        picture.width() >= 354 && picture.height() >= 496,
        "{}×{}",
        picture.width(),
        picture.height()
    );
    // The proportions are the photo's own.
    let ratio = f64::from(picture.width()) / f64::from(picture.height());
    assert!((ratio - 2832.0 / 3968.0).abs() < 0.005, "{ratio}");

    assert_eq!(t.application(id).status, Status::AwaitingReview);
    // Only the compressed copy is kept.
    let stored = mleg::store::probe::stored_photos(t.app.store().conn()).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(&stored[0].2, copy);
    assert_ne!(stored[0].2, sent);
}
