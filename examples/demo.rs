//! Helper for `./scripts/demo`: plays the parent (sends a mail with a freshly
//! generated photo) and reads mailboxes like a mail client would.
//!
//! `demo send SMTP_PORT FROM TO` — send a parent's mail with a 354×496 JPEG.
//! `demo show IMAP_PORT USER [N]` — wait (bounded) until USER has N mails, print them.
//! `demo reply IMAP_PORT SMTP_PORT FROM TO COMMAND` — the secretary answers the newest
//!   notification in her mailbox with COMMAND, attaching a screenshot with a QR code.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use image::codecs::jpeg::JpegEncoder;
use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["send", port, from, to] => send(port.parse()?, from, to).await,
        ["show", port, user] => show(port.parse()?, user, 1).await,
        ["show", port, user, n] => show(port.parse()?, user, n.parse()?).await,
        ["reply", imap, smtp, from, to, command] => reply(imap.parse()?, smtp.parse()?, from, to, command).await,
        _ => Err("usage: demo send SMTP_PORT FROM TO | demo show IMAP_PORT USER [N] | demo reply IMAP SMTP FROM TO CMD".into()),
    }
}

/// A portrait photo of the right size: a face-ish oval on a light background.
fn photo() -> Result<Vec<u8>> {
    let (w, h) = (354u32, 496u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - 177.0, y as f32 - 220.0);
        if (dx / 95.0).powi(2) + (dy / 125.0).powi(2) < 1.0 {
            image::Rgb([224, 180, 150])
        } else {
            image::Rgb([235, 240, 245])
        }
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    Ok(out)
}

async fn send(port: u16, from: &str, to: &str) -> Result<()> {
    let mail = Message::builder()
        .from(from.parse()?)
        .to(to.parse()?)
        .subject("Zdjęcie do mLegitymacji – Łucja Żak")
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(
                    "Dzień dobry,\nprzesyłam zdjęcie córki do mLegitymacji.\nPozdrawiam, Anna Żak"
                        .to_owned(),
                ))
                .singlepart(
                    Attachment::new("Łucja Żak.jpg".into())
                        .body(photo()?, ContentType::parse("image/jpeg")?),
                ),
        )?;
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        .send(mail)
        .await?;
    println!("  → {from} sent \"Łucja Żak.jpg\" to {to}");
    Ok(())
}

/// A "screenshot" of the ministry page: a light page with the QR code on it.
fn screenshot() -> Result<Vec<u8>> {
    let png = mleg::qr::render_qr_png("https://mobywatel.gov.pl/mlegitymacja/demo?t=DEMO1234")?;
    let qr = image::load_from_memory(&png)?.to_luma8();
    let mut page = image::GrayImage::from_pixel(1024, 700, image::Luma([240]));
    image::imageops::overlay(&mut page, &qr, 600, 150);
    let mut out = std::io::Cursor::new(Vec::new());
    page.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

async fn reply(imap: u16, smtp: u16, from: &str, to: &str, command: &str) -> Result<()> {
    let notes: Vec<_> = fetch(imap, from)
        .await?
        .iter()
        .filter_map(|raw| mleg::mail::parse::parse_mail(raw).ok())
        .filter(|m| m.subject.starts_with("[mLegitymacja #"))
        .collect();
    let note = notes
        .last()
        .ok_or("no notification in the secretary's mailbox")?;
    let id = note
        .message_id
        .clone()
        .ok_or("notification without Message-ID")?;
    let quoted: String = note.text.lines().map(|l| format!("> {l}\n")).collect();
    let mail = Message::builder()
        .from(from.parse()?)
        .to(to.parse()?)
        .subject(format!("Re: {}", note.subject))
        .in_reply_to(format!("<{id}>"))
        .references(format!("<{id}>"))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(format!(
                    "{command}\n\nW dniu dzisiejszym mleg pisze:\n{quoted}"
                )))
                .singlepart(
                    Attachment::new("ekran.png".into())
                        .body(screenshot()?, ContentType::parse("image/png")?),
                ),
        )?;
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(smtp)
        .build()
        .send(mail)
        .await?;
    println!(
        "  → {from} replied \"{command}\" to \"{}\" (with a QR screenshot)",
        note.subject
    );
    Ok(())
}

async fn show(port: u16, user: &str, n: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mails = loop {
        let mails = fetch(port, user).await?;
        if mails.len() >= n || Instant::now() > deadline {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("══ Mailbox of {user}: {} mail(s)", mails.len());
    for raw in mails {
        let m = mleg::mail::parse::parse_mail(&raw)?;
        println!("── Subject: {}", m.subject);
        for img in &m.images {
            println!(
                "   Attachment: {} ({} bytes)",
                img.file_name.as_deref().unwrap_or("?"),
                img.data.len()
            );
        }
        for other in &m.other_attachments {
            println!("   Attachment: {other}");
        }
        for line in m.text.lines() {
            println!("   │ {line}");
        }
    }
    Ok(())
}

async fn fetch(port: u16, user: &str) -> Result<Vec<Vec<u8>>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await?;
    let mut session = client.login(user, "secret").await.map_err(|(e, _)| e)?;
    if session.select("INBOX").await?.exists == 0 {
        let _ = session.logout().await;
        return Ok(vec![]);
    }
    let fetched: Vec<_> = session
        .fetch("1:*", "BODY.PEEK[]")
        .await?
        .try_collect()
        .await?;
    let out = fetched
        .iter()
        .filter_map(|f| f.body().map(<[u8]>::to_vec))
        .collect();
    let _ = session.logout().await;
    Ok(out)
}
