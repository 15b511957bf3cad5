//! Finding the student a photo is for, as parents really name files.

use mleg::domain::Status;

use crate::support::app::{NEEDS_HUMAN, SCHOOL, SECRETARY, TestApp, pesel, the_one};
use crate::support::mime::{Mail, percent};
use crate::support::photos;

/// "Łucja Żak.jpg" in Windows-1250, as old Outlook versions send it.
fn lucja_win1250() -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode("Łucja Żak.jpg");
    bytes.into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lucja_zak_matches_whether_the_name_comes_in_utf8_or_windows_1250() {
    let t = TestApp::spawn();
    let mama = t.parent("mama");
    let tata = t.parent("tata");
    let lucja = t.register("Łucja", "Żak", &pesel(2016, 2, 29, 11), &mama);
    let jozef = t.register("Józef", "Żak", &pesel(2014, 7, 1, 12), &tata);

    let utf8 = format!(
        "attachment; filename*=UTF-8''{}",
        percent("Łucja Żak.jpg".as_bytes())
    );
    t.send(&Mail::new(&mama, SCHOOL, "zdjęcie").part("image/jpeg", &utf8, photos::good_jpeg()))
        .await;
    // Józef's father's phone names it "zak jozef" in Windows-1250 (RFC 2231 and RFC 2047 forms).
    let win = format!(
        "attachment; filename*=windows-1250''{}",
        percent(&lucja_win1250())
    );
    let jozef_name = encoding_rs::WINDOWS_1250
        .encode("ŻAK_Józef.JPG")
        .0
        .into_owned();
    let rfc2047 = format!(
        "attachment; filename=\"=?windows-1250?Q?{}?=\"",
        percent(&jozef_name).replace('%', "=")
    );
    t.send(&Mail::new(&tata, SCHOOL, "zdjęcie").part("image/jpeg", &rfc2047, photos::good_jpeg()))
        .await;
    t.once().await;
    assert_eq!(t.application(lucja).status, Status::AwaitingReview);
    assert_eq!(t.application(jozef).status, Status::AwaitingReview);

    // And a second, Windows-1250 named photo for Łucja replaces the first.
    t.send(&Mail::new(&mama, SCHOOL, "Re: zdjęcie").part(
        "image/jpeg",
        &win,
        photos::jpeg(708, 992),
    ))
    .await;
    t.once().await;
    let notes = t.exactly(SECRETARY, 3).await;
    let lucja_notes: Vec<_> = notes
        .iter()
        .filter(|n| n.subject.contains("Żak Łucja"))
        .collect();
    assert_eq!(
        lucja_notes.len(),
        2,
        "{:?}",
        notes.iter().map(|n| &n.subject).collect::<Vec<_>>()
    );
    // Postfix delivers asynchronously, so the two notes may arrive in either
    // order: the newer one is the one carrying the second photo, byte for byte.
    let newer = lucja_notes
        .iter()
        .find(|n| n.images[0].data == photos::jpeg(708, 992))
        .expect("the second photo reached the secretary unchanged");
    assert_eq!(newer.images[0].file_name.as_deref(), Some("Zak_Lucja.jpg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_students_photo_is_kept_and_matched_when_the_secretary_registers_them() {
    let t = TestApp::spawn();
    let parent = t.parent("wczesny");
    t.send(
        &Mail::new(&parent, SCHOOL, "mLegitymacja")
            .photo("Zofia Nowak 2B.jpg", photos::good_jpeg()),
    )
    .await;
    t.once().await;
    // Not yet a parent on any application: the neutral answer, which says
    // the photo is kept but never whether the student has an application.
    let first = &t.exactly(&parent, 1).await[0];
    for words in [
        "sekretariat ją sprawdzi",
        "Poprawne zdjęcie zachowaliśmy",
        "prosimy złożyć go w sekretariacie",
    ] {
        assert!(first.text.contains(words), "{words}: {}", first.text);
    }
    assert!(t.inbox(SECRETARY).await.is_empty());

    let id = t.register("Zofia", "Nowak", &pesel(2017, 4, 5, 3), &parent);
    assert_eq!(t.application(id).status, Status::AwaitingReview);
    let (_, sent) = t.once().await;
    assert_eq!(sent.sent, 2);
    let mails = t.exactly(&parent, 2).await;
    // Both answer the parent's mail ("Re: …"): the new one says the kept
    // photo is now the application's.
    let matched = the_one(&mails, "zostało przypisane do wniosku");
    assert!(
        matched
            .text
            .contains("Wniosek dotyczy: Zofia Nowak (klasa 3A)"),
        "{}",
        matched.text
    );
    let note = &t.exactly(SECRETARY, 1).await[0];
    assert!(
        note.text.contains("przysłane przed jego rejestracją"),
        "{}",
        note.text
    );
    assert_eq!(note.images[0].file_name.as_deref(), Some("Nowak_Zofia.jpg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_students_with_one_name_are_told_apart_by_the_sender_or_left_to_the_secretary() {
    let t = TestApp::spawn();
    let a = t.parent("kowalska");
    let b = t.parent("kowalski");
    let babcia = t.parent("babcia");
    let first = t.register("Jan", "Kowalski", &pesel(2012, 5, 5, 1), &a);
    let second = t.register("Jan", "Kowalski", &pesel(2013, 6, 6, 2), &b);

    t.send(&Mail::new(&b, SCHOOL, "legitymacja").photo("jan_kowalski.jpg", photos::good_jpeg()))
        .await;
    t.send(
        &Mail::new(&babcia, SCHOOL, "legitymacja wnuka")
            .photo("Jan Kowalski.jpg", photos::good_jpeg()),
    )
    .await;
    let (intake, _) = t.once().await;
    assert_eq!((intake.processed, intake.needs_human), (1, 1));
    assert_eq!(t.application(second).status, Status::AwaitingReview);
    assert_eq!(t.application(first).status, Status::AwaitingPhoto);

    let told = &t.exactly(&babcia, 1).await[0];
    assert!(
        told.text.contains("sekretariat ją sprawdzi"),
        "{}",
        told.text
    );
    let notes = t.exactly(SECRETARY, 2).await;
    let alert = notes
        .iter()
        .find(|n| n.subject.contains("Do sprawdzenia"))
        .expect("a needs-human mail");
    assert!(
        alert.text.contains(&format!("#{first}")) && alert.text.contains(&format!("#{second}")),
        "{}",
        alert.text
    );
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siblings_photos_in_one_mail_are_each_matched_and_answered_in_one_reply() {
    let t = TestApp::spawn();
    let parent = t.parent("dwoje");
    let anna = t.register("Anna", "Wiśniewska", &pesel(2012, 1, 1, 5), &parent);
    let piotr = t.register("Piotr", "Wiśniewski", &pesel(2015, 1, 1, 6), &parent);
    let mail = Mail::new(&parent, SCHOOL, "Zdjęcia do legitymacji")
        .photo("wisniewska anna.jpg", photos::good_jpeg())
        .photo("Piotr-Wiśniewski-1B.jpeg", photos::jpeg(300, 300));
    t.send(&mail).await;
    t.once().await;
    let reply = &t.exactly(&parent, 1).await[0];
    assert!(
        reply
            .text
            .contains("Przyjęliśmy zdjęcie „wisniewska anna.jpg” dla: Anna Wiśniewska (klasa 3A)"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("„Piotr-Wiśniewski-1B.jpeg” dla: Piotr Wiśniewski nie spełnia wymagań"),
        "{}",
        reply.text
    );
    assert_eq!(t.application(anna).status, Status::AwaitingReview);
    assert_eq!(t.application(piotr).status, Status::AwaitingPhoto);
}

/// What phones and forwarding produce: an inline image in multipart/related
/// named IMG_….jpeg (matched by the sender), and a photo inside a forwarded mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_phone_photos_and_forwarded_photos_are_found() {
    use crate::support::mime::base64;
    let t = TestApp::spawn();
    let phone = t.parent("iphone");
    let babcia = t.parent("babciaola");
    let by_phone = t.register("Tola", "Telefon", &pesel(2015, 7, 7, 71), &phone);
    let forwarded = t.register("Ola", "Przekazana", &pesel(2015, 8, 8, 72), &babcia);
    let photo = base64(&photos::good_jpeg());
    let inline = format!(
        "From: {phone}\r\nTo: {SCHOOL}\r\nSubject: \r\nMessage-ID: <iphone.1@example.pl>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Zdjęcie</p><img src=\"cid:img1\">\r\n--rel\r\nContent-Type: image/jpeg; name=IMG_2034.jpeg\r\n\
         Content-Disposition: inline; filename=IMG_2034.jpeg\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--rel--\r\n"
    );
    t.send_raw(&phone, inline.as_bytes()).await;
    let fwd = format!(
        "From: {babcia}\r\nTo: {SCHOOL}\r\nSubject: Fwd: legitymacja\r\nMessage-ID: <fwd.1@example.pl>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"out\"\r\n\r\n--out\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPrzesyłam dalej.\r\n\
         --out\r\nContent-Type: message/rfc822\r\n\r\nFrom: corka@example.pl\r\nTo: {babcia}\r\nSubject: zdjęcie\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nDla szkoły.\r\n--in\r\n\
         Content-Type: image/jpeg; name=\"Ola Przekazana.jpg\"\r\nContent-Disposition: attachment; filename=\"Ola Przekazana.jpg\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--in--\r\n\r\n--out--\r\n"
    );
    t.send_raw(&babcia, fwd.as_bytes()).await;
    t.once().await;
    assert_eq!(t.application(by_phone).status, Status::AwaitingReview);
    assert_eq!(t.application(forwarded).status, Status::AwaitingReview);
    let notes = t.exactly(SECRETARY, 2).await;
    assert!(notes.iter().all(|n| n.images.len() == 1));
}
