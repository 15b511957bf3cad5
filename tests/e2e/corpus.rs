//! The school's general mailbox as it really is: 531 mails written by
//! others (helpdesks', mail parsers' and bounce parsers' test mail, read
//! from `../shared/mail-corpus`, never copied here) land in the watched
//! INBOX next to a few registered parents' mails. mleg must take only what
//! is about mLegitymacja and leave the secretary's other mail exactly where
//! it was, unread; it must answer no robot and mention no signature logo.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mleg::mail::parse::parse_mail;
use mleg::workflow::decoration;

use crate::support::app::{NEEDS_HUMAN, PROCESSED, SCHOOL, SECRETARY, TestApp, pesel};
use crate::support::mime::Mail;
use crate::support::photos;

/// Which corpus mails a robot sent, and why (see the file's header).
const ROBOTS: &str = include_str!("../fixtures/corpus-robots.txt");

/// Students of the parents whose corpus mail carries only logos.
const LAST_NAMES: [&str; 16] = [
    "Nowak",
    "Wiśniewska",
    "Wójcik",
    "Kamińska",
    "Lewandowska",
    "Zielińska",
    "Szymańska",
    "Woźniak",
    "Dąbrowska",
    "Kozłowska",
    "Jankowska",
    "Mazur",
    "Kwiatkowska",
    "Krawczyk",
    "Piotrowska",
    "Grabowska",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/mail-corpus")
}

/// Every corpus mail as (path under the corpus, bytes as a mailbox stores
/// them): without an mbox `From ` line, every line ending CRLF.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = corpus_dir();
    let mut out = Vec::new();
    let sources = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "the mail corpus must sit beside the repository at {}: {e}",
            root.display()
        )
    });
    for source in sources.map(Result::unwrap).filter(|e| e.path().is_dir()) {
        for file in std::fs::read_dir(source.path())
            .unwrap()
            .map(Result::unwrap)
        {
            let name = format!(
                "{}/{}",
                source.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            );
            out.push((name, as_stored(&std::fs::read(file.path()).unwrap())));
        }
    }
    out.sort();
    out
}

fn as_stored(raw: &[u8]) -> Vec<u8> {
    let raw = match raw.strip_prefix(b"From ") {
        Some(rest) => rest.splitn(2, |&b| b == b'\n').nth(1).unwrap_or_default(),
        None => raw,
    };
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    let mut bytes = raw.iter().peekable();
    while let Some(&b) = bytes.next() {
        match b {
            b'\r' => {
                bytes.next_if_eq(&&b'\n');
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
    }
    out
}

fn robots() -> BTreeSet<&'static str> {
    ROBOTS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

/// Senders of corpus mails whose only pictures are small (signature logos,
/// icons), and who sent no real picture in any other mail: registered as
/// parents, their everyday mail must be left alone.
fn logo_senders(corpus: &[(String, Vec<u8>)], robots: &BTreeSet<&str>) -> Vec<String> {
    let mails: Vec<_> = corpus
        .iter()
        .filter(|(name, _)| !robots.contains(name.as_str()))
        .filter_map(|(_, raw)| parse_mail(raw).ok())
        .collect();
    let photo_senders: BTreeSet<&str> = mails
        .iter()
        .filter(|m| !m.images.iter().all(decoration::small))
        .filter_map(|m| m.from.as_deref())
        .collect();
    let logo_senders: BTreeSet<&str> = mails
        .iter()
        .filter(|m| !m.images.is_empty() && m.images.iter().all(decoration::small))
        .filter_map(|m| m.from.as_deref())
        .filter(|f| !photo_senders.contains(f))
        .filter(|f| mleg::domain::EmailAddress::parse(f).is_ok())
        .collect();
    logo_senders.into_iter().map(str::to_owned).collect()
}

/// Rounds until nothing is left to examine or deliver.
async fn until_idle(t: &TestApp) {
    for _ in 0..10 {
        let (intake, outbox) = t.once().await;
        if intake.examined == 0 && outbox.sent == 0 && intake.moved == 0 {
            return;
        }
    }
    panic!("mleg still had work after 10 rounds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretary_s_other_mail_stays_where_it_was_and_no_robot_is_answered() {
    let t = TestApp::spawn();
    let corpus = corpus();
    let robots = robots();
    assert_eq!(
        corpus.len(),
        531,
        "the corpus in {}",
        corpus_dir().display()
    );
    for name in &robots {
        assert!(
            corpus.iter().any(|(n, _)| n == name),
            "{name} is not in the corpus"
        );
    }
    // mleg knows each robot for one: none of them would be answered even if
    // it wrote about mLegitymacja. Two set no header, sender or subject a
    // robot can be told by; they are never answered only because they do
    // not concern mleg.
    let unrecognised: Vec<&str> = corpus
        .iter()
        .filter(|(name, _)| robots.contains(name.as_str()))
        .filter(|(_, raw)| parse_mail(raw).is_ok_and(|m| m.robot.is_none() && m.bounce.is_none()))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        unrecognised,
        [
            "bounceparser/bluebottle.eml",
            "sisimai/bsd-lhost-fml-03.eml"
        ]
    );
    let logo_parents = logo_senders(&corpus, &robots);
    assert!(logo_parents.len() >= 3, "{logo_parents:?}");
    for (i, (parent, last)) in logo_parents.iter().zip(LAST_NAMES).enumerate() {
        t.register("Ala", last, &pesel(2015, 2, 2, 100 + i as u32), parent);
    }
    // A registered parent writing from Outlook: a photo with the signature
    // logo, and the next day an everyday mail with only the logo.
    let mama = t.parent("mama");
    t.register("Łucja", "Żak", &pesel(2015, 5, 12, 7), &mama);
    let logo = photos::png(60, 19);
    let photo_mail = Mail::new(&mama, SCHOOL, "legitymacja")
        .part(
            "image/png",
            "inline; filename=\"image001.png\"",
            logo.clone(),
        )
        .photo("zdjecie.jpg", photos::good_jpeg())
        .build();
    let everyday = Mail::new(&mama, SCHOOL, "Wycieczka klasy 3A")
        .text("Dzień dobry, w piątek Łucja nie jedzie na wycieczkę.")
        .part("image/png", "inline; filename=\"image001.png\"", logo)
        .build();

    let mut all: Vec<Vec<u8>> = corpus.iter().map(|(_, raw)| raw.clone()).collect();
    all.push(photo_mail);
    all.push(everyday);
    t.stack.append_all(SCHOOL, "INBOX", &all).await;
    until_idle(&t).await;

    // The photo was answered, about the photo only.
    let to_mama = t.exactly(&mama, 1).await;
    assert!(
        to_mama[0].text.contains("zdjecie.jpg"),
        "{}",
        to_mama[0].text
    );
    let secretary = t.inbox(SECRETARY).await;
    for m in to_mama.iter().chain(&secretary) {
        assert!(!m.text.contains("image001"), "a logo mentioned: {}", m.text);
        assert!(m.images.iter().all(|i| !i.data.starts_with(b"\x89PNG")));
    }

    // Everything else is still in the INBOX, unread: the whole corpus and
    // the everyday mail. Only the photo mail was filed.
    let inbox = t.stack.fetch_all(SCHOOL, "INBOX").await;
    let filed: Vec<String> = [PROCESSED, NEEDS_HUMAN]
        .iter()
        .map(|f| t.stack.fetch_all(SCHOOL, f))
        .collect::<futures::future::JoinAll<_>>()
        .await
        .iter()
        .flatten()
        .map(|m| head_of(&m.raw))
        .collect();
    assert_eq!(inbox.len(), corpus.len() + 1, "filed: {filed:#?}");
    assert!(inbox.iter().all(|m| !m.seen), "a mail was marked read");
    assert_eq!(t.stack.fetch_all(SCHOOL, PROCESSED).await.len(), 1);
    assert!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.is_empty());

    // Nobody but the parent (and the secretary, about the photo) was written to.
    let written: BTreeSet<String> = t.outbox_state().into_iter().map(|r| r.0).collect();
    let expected: BTreeSet<String> = [mama.clone(), SECRETARY.to_string()].into();
    assert_eq!(written, expected);

    // Robots' auto-replies that answer mleg's mail to the parent are mleg's:
    // filed for the secretary, still never answered.
    let ours = to_mama[0].message_id.clone().expect("our reply has an id");
    let auto_replies: Vec<Vec<u8>> = corpus
        .iter()
        .filter(|(name, _)| robots.contains(name.as_str()))
        .filter(|(_, raw)| parse_mail(raw).is_ok_and(|m| m.robot.is_some() && m.bounce.is_none()))
        .take(5)
        .map(|(_, raw)| answering(raw, &ours))
        .collect();
    assert_eq!(auto_replies.len(), 5);
    t.stack.append_all(SCHOOL, "INBOX", &auto_replies).await;
    until_idle(&t).await;
    assert_eq!(t.stack.fetch_all(SCHOOL, NEEDS_HUMAN).await.len(), 5);
    assert_eq!(
        t.stack.fetch_all(SCHOOL, "INBOX").await.len(),
        corpus.len() + 1
    );
    let written: BTreeSet<String> = t.outbox_state().into_iter().map(|r| r.0).collect();
    assert_eq!(written, expected, "a robot was answered");
    t.exactly(&mama, 1).await;
}

/// The From and Subject lines of a raw mail, for failure messages.
fn head_of(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("from:") || l.starts_with("subject:")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `raw` as an answer to the mail `id`: its own threading headers replaced.
fn answering(raw: &[u8], id: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines: Vec<&str> = Vec::new();
    let mut skipping = false;
    for line in head.split("\r\n") {
        let continued = line.starts_with([' ', '\t']);
        if !continued {
            let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
            skipping = name == "in-reply-to" || name == "references";
        }
        if !skipping {
            lines.push(line);
        }
    }
    format!(
        "In-Reply-To: <{id}>\r\nReferences: <{id}>\r\n{}\r\n\r\n{body}",
        lines.join("\r\n")
    )
    .into_bytes()
}
