//! A forged staff reply is judged by its sender and token before any picture
//! in it is decoded.

use std::cell::Cell;

use super::*;
use crate::domain::mail::Attachment;
use crate::intake::tests::fixtures::TOKEN;

thread_local! {
    /// How many times this thread started decoding QR codes in a mail.
    pub(super) static QR_DECODES: Cell<usize> = const { Cell::new(0) };
}

/// The middle-layer tests' App (one application, Jan Kowalski, token `TOKEN`).
fn app(dir: &std::path::Path) -> App {
    crate::intake::tests::fixtures::app(dir).0
}

fn kod_reply(from: &str, subject: &str) -> IncomingMail {
    IncomingMail {
        message_id: Some("forged@example.pl".into()),
        from: Some(from.into()),
        from_name: None,
        reply_to: None,
        to: vec!["szkola@szkola.test".into()],
        subject: subject.into(),
        in_reply_to: vec![],
        references: vec![],
        text: "KOD AB12CD34".into(),
        html: None,
        images: vec![Attachment {
            file_name: Some("qr.png".into()),
            content_type: "image/png".into(),
            data: b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            inline: false,
        }],
        other_attachments: vec![],
        robot: None,
        x_loop: vec![],
        bounce: None,
        over_limit: None,
        from_ambiguous: false,
        auth_results: vec![],
    }
}

fn audit_outcomes(app: &App) -> Vec<String> {
    crate::store::lifecycle::audit_log(app.store().conn(), None)
        .unwrap()
        .into_iter()
        .map(|e| e.outcome)
        .collect()
}

#[test]
fn a_forged_kod_with_a_qr_picture_is_refused_without_decoding_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = |uid| Watermark {
        uid_validity: 1,
        last_uid: uid,
    };
    QR_DECODES.with(|n| n.set(0));
    let stranger = kod_reply("obcy@example.pl", &format!("Re: wniosek [{TOKEN}]"));
    let d = handle(&app, w(1), &stranger).unwrap();
    assert_eq!(d, Some(Disposition::NeedsHuman));
    let mut staff_no_token = kod_reply("sekretariat@szkola.test", "Re: wniosek");
    staff_no_token.message_id = Some("forged2@example.pl".into());
    let d = handle(&app, w(2), &staff_no_token).unwrap();
    assert_eq!(d, Some(Disposition::NeedsHuman));
    assert_eq!(
        audit_outcomes(&app),
        ["refused_not_staff", "refused_no_token"]
    );
    assert_eq!(QR_DECODES.with(Cell::get), 0, "nothing was decoded");

    // The real secretary with the token: now the picture is looked at.
    let mut real = kod_reply("sekretariat@szkola.test", &format!("Re: wniosek [{TOKEN}]"));
    real.message_id = Some("real@example.pl".into());
    handle(&app, w(3), &real).unwrap();
    assert_eq!(QR_DECODES.with(Cell::get), 1);
}
