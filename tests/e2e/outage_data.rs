//! "Only a 5xx at `RCPT TO` for that recipient is permanent for
//! that row". A server that refuses every mail after `DATA` (Microsoft
//! 365's `554 5.2.252 SendAsDenied`) is the server's failure: nothing is
//! given up or charged, and the round says so in one line. A mail refused
//! at `DATA` while the server takes the next one is that mail's problem:
//! given up, and the secretary is told.
//!
//! The server here is a relay on loopback: it refuses at the end of `DATA`
//! what `judge` says, and hands everything else to the test's Postfix, so
//! the parent's mailbox shows what went through.

use std::sync::Arc;

use lettre::address::{Address, Envelope};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use mleg::daemon;
use mleg::mail::outgoing::MailKind;
use mleg::store::{delivery, outbox};

use crate::outage::sibling;
use crate::support::app::{SECRETARY, TestApp};

/// The answer to the end of a mail's `DATA` (None: accepted, relayed).
type Judge = Arc<dyn Fn(&str) -> Option<&'static str> + Send + Sync>;

/// `<a@b>` in `MAIL FROM:<a@b>` / `RCPT TO:<a@b>`.
fn address(line: &str) -> Address {
    let start = line.find('<').unwrap() + 1;
    let end = line.rfind('>').unwrap();
    line[start..end].parse().unwrap()
}

/// Hands an accepted mail to Postfix on `port`.
async fn relay_to(port: u16, from: Option<Address>, to: Vec<Address>, content: &str) {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        .send_raw(&Envelope::new(from, to).unwrap(), content.as_bytes())
        .await
        .expect("Postfix takes the relayed mail");
}

/// A scripted SMTP server that judges each mail at the end of `DATA`.
async fn judging_relay(t: &TestApp, judge: Judge) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let postfix = t.stack.smtp_port;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let judge = judge.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                let (mut from, mut to) = (None, Vec::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split([' ', ':']).next().unwrap_or("");
                    let reply = match verb.to_ascii_uppercase().as_str() {
                        "EHLO" => "250-fake\r\n250 8BITMIME\r\n",
                        "MAIL" => {
                            from = Some(address(&line));
                            "250 2.1.0 ok\r\n"
                        }
                        "RCPT" => {
                            to.push(address(&line));
                            "250 2.1.5 ok\r\n"
                        }
                        "DATA" => {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut content = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                content.push_str(l.strip_prefix('.').unwrap_or(&l));
                                content.push_str("\r\n");
                            }
                            match judge(&content) {
                                Some(refusal) => refusal,
                                None => {
                                    relay_to(
                                        postfix,
                                        from.take(),
                                        std::mem::take(&mut to),
                                        &content,
                                    )
                                    .await;
                                    "250 2.0.0 queued\r\n"
                                }
                            }
                        }
                        "RSET" => {
                            (from, to) = (None, Vec::new());
                            "250 2.0.0 ok\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => "250 ok\r\n",
                    };
                    let _ = write.write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    port
}

fn rows(t: &TestApp) -> Vec<delivery::Row> {
    delivery::list(t.app.store().conn(), false).unwrap()
}

fn alerts_queued(t: &TestApp) -> usize {
    t.outbox_state()
        .iter()
        .filter(|(_, kind, _, _)| kind == "staff_delivery_failed")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_refusing_every_mail_at_data_gives_none_up_and_says_so_in_one_line() {
    let t = TestApp::spawn();
    let parent = t.parent("sendas");
    t.queue_mails(MailKind::ParentNews, &parent, 5);
    let port = judging_relay(
        &t,
        Arc::new(|_| {
            Some("554 5.2.252 SendAsDenied; szkola@szkola.test not allowed to send as szkola@szkola.test\r\n")
        }),
    )
    .await;
    let m365 = sibling(&t, |c| {
        c.smtp.port = port;
        c.smtp.credentials = None;
    });
    let e = daemon::deliver_once(&m365)
        .await
        .expect_err("the round fails: the server refuses everything")
        .to_string();
    println!("the round's line: {e}");
    assert!(!e.contains('\n'), "one line: {e}");
    assert!(
        e.contains("at DATA") && e.contains("5.2.252") && e.contains("no mail charged"),
        "{e}"
    );
    for r in rows(&t) {
        assert_eq!(
            (r.state, r.attempts),
            ("pending", 0),
            "nothing charged: {r:?}"
        );
    }
    assert_eq!(outbox::counts(t.app.store().conn()).unwrap().failed, 0);
    assert_eq!(alerts_queued(&t), 0, "no alert: no mail was lost");
    assert!(
        delivery::server_backoff(t.app.store().conn())
            .unwrap()
            .is_some(),
        "the server backs off, as after a refused login"
    );
    // The account may send again: every mail goes out.
    delivery::server_ok(t.app.store().conn()).unwrap();
    let (_, report) = t.once().await;
    assert_eq!((report.sent, report.gave_up), (5, 0));
    t.exactly(&parent, 5).await;
    t.exactly(SECRETARY, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_refused_at_data_while_the_next_goes_through_is_given_up_and_the_secretary_told() {
    let t = TestApp::spawn();
    let parent = t.parent("zaduza");
    let mids = t.queue_mails(MailKind::ParentNews, &parent, 4);
    // The 2nd and the last are too large for the server.
    let too_large = [mids[1].clone(), mids[3].clone()];
    let port = judging_relay(
        &t,
        Arc::new(move |content| {
            too_large
                .iter()
                .any(|id| content.contains(id.as_str()))
                .then_some("552 5.3.4 Message size exceeds fixed maximum message size\r\n")
        }),
    )
    .await;
    let server = sibling(&t, |c| {
        c.smtp.port = port;
        c.smtp.credentials = None;
    });
    let report = daemon::deliver_once(&server)
        .await
        .expect("the server takes mail: the round goes on");
    // The 2nd is judged by the 3rd, accepted after it; nothing came after
    // the 4th, so it is only retried later.
    assert_eq!((report.sent, report.gave_up, report.retry_later), (2, 1, 1));
    let got = t.exactly(&parent, 2).await;
    let ids: Vec<_> = got.iter().filter_map(|m| m.message_id.clone()).collect();
    assert_eq!(ids, vec![mids[0].clone(), mids[2].clone()]);
    let failed = delivery::list(t.app.store().conn(), true).unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("552"),
        "{failed:?}"
    );
    let last = rows(&t)
        .into_iter()
        .find(|r| r.state == "pending")
        .expect("the 4th waits");
    assert_eq!(last.attempts, 1, "{last:?}");
    // The alert goes out through the school's real server.
    t.once().await;
    let alert = &t.mails_about(SECRETARY, "nie została wysłana", 1).await[0];
    assert!(
        alert.text.contains("odrzucił na stałe tę jedną wiadomość"),
        "{}",
        alert.text
    );
    t.exactly(SECRETARY, 1).await;
}
