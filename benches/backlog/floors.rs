//! The floors: what the hardware and the servers allow at best, each done
//! the plainest way (no checks, no records).

use std::time::{Duration, Instant};

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::Figure;
use crate::mails::Backlog;
use crate::support::app::{SCHOOL, SECRETARY};
use crate::support::mime::base64;
use crate::support::stack::{MailStack, PASSWORD};

/// A raw `UID FETCH 1:* (UID FLAGS BODY.PEEK[])` of the filled INBOX.
pub async fn raw_fetch(stack: &MailStack, n: usize) -> Figure {
    let start = Instant::now();
    let mails = stack.fetch_all(SCHOOL, "INBOX").await;
    let took = start.elapsed();
    assert_eq!(mails.len(), n, "the backlog is in the INBOX");
    figure("raw UID FETCH BODY.PEEK[] (floor)", took)
}

/// One full decode of every mail's photo, spread over all cores.
pub fn decode(backlog: &Backlog) -> Figure {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let start = Instant::now();
    std::thread::scope(|s| {
        for core in 0..cores {
            s.spawn(move || {
                for i in (core..backlog.n).step_by(cores) {
                    let img = image::load_from_memory(backlog.photo(i)).expect("decodes");
                    std::hint::black_box(img);
                }
            });
        }
    });
    figure("decode floor: every photo once, all cores", start.elapsed())
}

/// The same mails mleg sends (a short reply to each parent, a notification
/// with the photo to the secretary), built beforehand and sent over one
/// logged-in session by a minimal client.
pub async fn smtp(stack: &MailStack, backlog: &Backlog) -> Figure {
    let mut mails = Vec::with_capacity(2 * backlog.n);
    for i in 0..backlog.n {
        let parent = backlog.parent(i);
        mails.push((parent.clone(), reply(&parent)));
        mails.push((SECRETARY.to_owned(), notification(backlog.photo(i))));
    }
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(stack.smtp_port)
        .credentials(Credentials::new(SCHOOL.into(), PASSWORD.into()))
        .timeout(Some(Duration::from_secs(120)))
        .build();
    let from: Address = SCHOOL.parse().expect("address");
    let start = Instant::now();
    for (to, raw) in &mails {
        let envelope = Envelope::new(Some(from.clone()), vec![to.parse().expect("address")])
            .expect("envelope");
        smtp.send_raw(&envelope, raw).await.expect("sent");
    }
    figure("SMTP floor: the same 2 mails per parent", start.elapsed())
}

fn reply(to: &str) -> Vec<u8> {
    format!(
        "From: {SCHOOL}\r\nTo: {to}\r\nSubject: Re: Zdjęcie\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPrzyjęliśmy zdjęcie.\r\n"
    )
    .into_bytes()
}

fn notification(photo: &[u8]) -> Vec<u8> {
    let body = base64(photo);
    format!(
        "From: {SCHOOL}\r\nTo: {SECRETARY}\r\nSubject: Zdjęcie do sprawdzenia\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nZdjęcie do sprawdzenia.\r\n--b\r\n\
         Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=photo.jpg\r\n\r\n{body}\r\n--b--\r\n"
    )
    .into_bytes()
}

pub fn figure(label: &'static str, took: Duration) -> Figure {
    Figure {
        label,
        took,
        cpu: None,
        rss_mib: None,
    }
}
