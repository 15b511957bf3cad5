//! The intake rules, without a mail server: each test builds a mail and the
//! applications it may be about, and checks the decision.

use chrono::{TimeZone, Utc};
use image::codecs::jpeg::JpegEncoder;

use super::*;
use crate::domain::Status;
use crate::domain::mail::Attachment;
use crate::domain::test_support::{class, email, name, pesel};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .unwrap();
    out
}

fn application(id: i64, first: &str, last: &str, parent: &str, status: Status) -> Application {
    let at = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    Application {
        id,
        student_id: id,
        name: name(first, last),
        pesel: pesel(2015, 5, 12, id as u32),
        class: class("3A"),
        parent_email: email(parent),
        parent_emails: vec![email(parent)],
        legitymacja_number: None,
        code_to_student: false,
        status,
        token: format!("tok{id}"),
        created_at: at,
        updated_at: at,
    }
}

fn staff() -> StaffAddresses {
    StaffAddresses::new(vec![email("sekretariat@szkola.test")])
}

fn mail(from: &str, subject: &str, images: Vec<(&str, Vec<u8>)>) -> IncomingMail {
    IncomingMail {
        message_id: Some("m1@example.pl".into()),
        from: Some(from.into()),
        from_name: None,
        reply_to: None,
        to: vec!["sekretariat@szkola.test".into()],
        subject: subject.into(),
        in_reply_to: vec![],
        references: vec![],
        text: String::new(),
        html: None,
        images: images
            .into_iter()
            .map(|(n, data)| Attachment {
                file_name: Some(n.into()),
                content_type: "image/jpeg".into(),
                data,
                inline: false,
            })
            .collect(),
        other_attachments: vec![],
        robot: None,
        x_loop: vec![],
        bounce: None,
        over_limit: None,
        from_ambiguous: false,
        auth_results: vec![],
    }
}

struct World {
    apps: Vec<Application>,
    staff: StaffAddresses,
    policy: PhotoPolicy,
}

impl World {
    fn new(apps: Vec<Application>) -> World {
        World {
            apps,
            staff: staff(),
            policy: PhotoPolicy::default(),
        }
    }

    fn decide(&self, m: &IncomingMail) -> Decision {
        let sender_is_parent = self
            .apps
            .iter()
            .any(|a| a.has_parent_text(m.from.as_deref()));
        self.decide_with(m, sender_is_parent, false)
    }

    fn decide_with(
        &self,
        m: &IncomingMail,
        sender_is_parent: bool,
        reply_to_ours: bool,
    ) -> Decision {
        let ctx = Context {
            open_apps: &self.apps,
            sender_is_parent,
            reply_to_ours,
            too_large: None,
            staff: &self.staff,
            policy: &self.policy,
            robot: None,
            last_reply: false,
        };
        decide(m, &ctx)
    }
}

fn lucja() -> Application {
    application(1, "Łucja", "Żak", "mama@example.pl", Status::AwaitingPhoto)
}

#[test]
fn a_good_photo_named_after_the_student_is_accepted() {
    let w = World::new(vec![lucja()]);
    let d = w.decide(&mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("lucja_zak.JPG", jpeg(354, 496))],
    ));
    assert_eq!(d.disposition, Disposition::Processed);
    assert!(d.reply_to_parent);
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));
}

#[test]
fn a_bad_photo_is_rejected_with_its_reasons_and_keeps_the_student() {
    let w = World::new(vec![lucja()]);
    let d = w.decide(&mail(
        "mama@example.pl",
        "Legitymacja",
        vec![("Łucja Żak.jpg", jpeg(600, 600))],
    ));
    match &d.photos[..] {
        [
            PhotoDecision::Rejected {
                application_id: Some(1),
                problems,
                ..
            },
        ] => {
            assert_eq!(
                problems.iter().map(|p| p.code()).collect::<Vec<_>>(),
                vec!["wrong_aspect"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.disposition, Disposition::Processed);
}

#[test]
fn unrelated_mail_to_the_general_address_is_ignored() {
    let w = World::new(vec![lucja()]);
    let d = w.decide(&mail("dostawca@firma.pl", "Faktura za październik", vec![]));
    assert_eq!(d, Decision::ignore());
    // A picture from a stranger that names nobody is not ours either (newsletters, logos).
    let d = w.decide(&mail(
        "dostawca@firma.pl",
        "Oferta",
        vec![("logo.jpg", jpeg(354, 496))],
    ));
    assert_eq!(d.disposition, Disposition::Ignore);
}

#[test]
fn a_keyword_mail_without_a_photo_asks_for_one_and_goes_to_a_human() {
    let w = World::new(vec![lucja()]);
    let d = w.decide(&mail("obcy@example.pl", "Pytanie o mLegitymację", vec![]));
    assert_eq!(d.disposition, Disposition::NeedsHuman);
    assert_eq!(d.human, Some(HumanReason::NoPhoto));
    assert!(d.reply_to_parent);
}

#[test]
fn the_subject_then_the_body_then_the_sender_identify_an_unnamed_photo() {
    // x@example.pl is a second parent address of both (a photo from a
    // stranger is held, see `a_stranger_s_photo_is_held`); being the parent
    // of two waiting students, the sender alone decides nothing.
    let mut apps = vec![
        lucja(),
        application(
            2,
            "Jan",
            "Kowalski",
            "tata@example.pl",
            Status::AwaitingPhoto,
        ),
    ];
    for a in &mut apps {
        a.parent_emails.push(email("x@example.pl"));
    }
    let w = World::new(apps);
    let d = w.decide(&mail(
        "x@example.pl",
        "Zdjęcie Łucji Żak",
        vec![("IMG_2034.jpg", jpeg(354, 496))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));

    let mut m = mail(
        "x@example.pl",
        "Legitymacja",
        vec![("IMG_2034.jpg", jpeg(354, 496))],
    );
    m.text = "Przesyłam zdjęcie syna, Jana Kowalskiego.".into();
    assert!(matches!(
        w.decide(&m).photos[..],
        [PhotoDecision::Accepted {
            application_id: 2,
            ..
        }]
    ));

    let d = w.decide(&mail(
        "tata@example.pl",
        "foto",
        vec![("IMG_2034.jpg", jpeg(354, 496))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 2,
            ..
        }]
    ));
}

#[test]
fn the_sender_decides_between_two_students_of_the_same_name() {
    let w = World::new(vec![
        application(1, "Jan", "Kowalski", "a@example.pl", Status::AwaitingPhoto),
        application(2, "Jan", "Kowalski", "b@example.pl", Status::AwaitingPhoto),
    ]);
    let d = w.decide(&mail(
        "b@example.pl",
        "Legitymacja",
        vec![("Jan Kowalski.jpg", jpeg(354, 496))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 2,
            ..
        }]
    ));

    let d = w.decide(&mail(
        "babcia@example.pl",
        "Legitymacja",
        vec![("Jan Kowalski.jpg", jpeg(354, 496))],
    ));
    assert_eq!(d.disposition, Disposition::NeedsHuman);
    assert_eq!(d.human, Some(HumanReason::AmbiguousStudent));
    assert!(d.reply_to_parent, "the parent is told it is being checked");
    match &d.photos[..] {
        [PhotoDecision::Ambiguous { candidates, .. }] => assert_eq!(candidates, &vec![1, 2]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_valid_photo_of_an_unregistered_student_is_kept_with_its_name() {
    let w = World::new(vec![lucja()]);
    let d = w.decide(&mail(
        "nowy@example.pl",
        "mLegitymacja",
        vec![("Zofia Nowak 2B.jpg", jpeg(708, 992))],
    ));
    match &d.photos[..] {
        [PhotoDecision::Unregistered { name_tokens, .. }] => {
            assert_eq!(name_tokens, &vec!["zofia", "nowak"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.disposition, Disposition::Processed);
}

#[test]
fn siblings_in_one_mail_are_matched_each_on_their_own() {
    let w = World::new(vec![
        application(
            1,
            "Anna",
            "Nowak",
            "rodzic@example.pl",
            Status::AwaitingPhoto,
        ),
        application(
            2,
            "Piotr",
            "Nowak",
            "rodzic@example.pl",
            Status::AwaitingPhoto,
        ),
    ]);
    let m = mail(
        "rodzic@example.pl",
        "Zdjęcia Anny i Piotra Nowak",
        vec![
            ("Piotr.Nowak.jpg", jpeg(354, 496)),
            ("anna-nowak.jpeg", jpeg(354, 496)),
        ],
    );
    let d = w.decide(&m);
    assert!(matches!(
        d.photos[..],
        [
            PhotoDecision::Accepted {
                image: 0,
                application_id: 2,
                ..
            },
            PhotoDecision::Accepted {
                image: 1,
                application_id: 1,
                ..
            }
        ]
    ));
    // Two unnamed photos from a parent of two: the sender alone cannot split them.
    let m = mail(
        "rodzic@example.pl",
        "foto",
        vec![("IMG_1.jpg", jpeg(354, 496)), ("IMG_2.jpg", jpeg(354, 496))],
    );
    assert!(
        w.decide(&m)
            .photos
            .iter()
            .all(|p| matches!(p, PhotoDecision::Unregistered { .. }))
    );
}

#[test]
fn robots_and_staff_never_get_an_automatic_answer() {
    let w = World::new(vec![lucja()]);
    let mut bounce = mail(
        "mailer-daemon@example.pl",
        "Undelivered: Re: Legitymacja",
        vec![],
    );
    bounce.robot = Some(RobotReason::Report);
    // Answering one of mleg's mails it is filed for a human with a note;
    // otherwise it is the secretary's other mail, left where it is.
    let d = w.decide_with(&bounce, false, true);
    assert_eq!(
        (d.disposition, d.human, d.reply_to_parent),
        (Disposition::NeedsHuman, Some(HumanReason::AutoReply), false)
    );
    assert_eq!(w.decide_with(&bounce, false, false), Decision::ignore());

    let staff_mail = mail(
        "sekretariat@szkola.test",
        "Re: [mLegitymacja #1] Zdjęcie",
        vec![],
    );
    let d = w.decide_with(&staff_mail, false, true);
    assert_eq!(
        (d.disposition, d.reply_to_parent),
        (Disposition::NeedsHuman, false)
    );
}

#[test]
fn a_too_large_mail_from_a_parent_gets_an_answer_and_a_human() {
    let w = World::new(vec![lucja()]);
    let m = mail("mama@example.pl", "zdjęcia", vec![]);
    let ctx = Context {
        open_apps: &w.apps,
        sender_is_parent: true,
        reply_to_ours: false,
        too_large: Some(60 << 20),
        staff: &w.staff,
        policy: &w.policy,
        robot: None,
        last_reply: false,
    };
    let d = decide(&m, &ctx);
    assert_eq!(
        (d.disposition, d.human, d.reply_to_parent),
        (Disposition::NeedsHuman, Some(HumanReason::TooLarge), true)
    );
}

#[test]
fn file_stem_drops_only_a_real_extension() {
    assert_eq!(file_stem("Łucja Żak.jpg"), "Łucja Żak");
    assert_eq!(file_stem("Zak.Lucja.JPEG"), "Zak.Lucja");
    assert_eq!(file_stem("noextension"), "noextension");
    assert_eq!(file_stem(".jpg"), ".jpg");
}

#[test]
fn a_stranger_s_photo_is_held_and_a_second_parent_s_is_accepted() {
    let mut anna = application(
        1,
        "Anna",
        "Nowak",
        "mama@example.pl",
        Status::AwaitingReview,
    );
    anna.parent_emails.push(email("tata@example.pl"));
    let w = World::new(vec![anna]);

    let d = w.decide(&mail(
        "obcy@example.pl",
        "zdjęcie",
        vec![("Anna Nowak.jpg", jpeg(354, 496))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Held {
            application_id: 1,
            ..
        }]
    ));
    assert_eq!(d.disposition, Disposition::NeedsHuman);
    assert!(d.reply_to_parent, "the sender gets a neutral answer");
    assert_eq!(
        d.human, None,
        "the held photo's own mail tells the secretary"
    );

    // A bad photo from a stranger names no application either.
    let d = w.decide(&mail(
        "obcy@example.pl",
        "zdjęcie",
        vec![("Anna Nowak.jpg", jpeg(100, 100))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Rejected {
            application_id: None,
            ..
        }]
    ));

    for parent in ["tata@example.pl", "mama@example.pl"] {
        let d = w.decide(&mail(
            parent,
            "zdjęcie",
            vec![("Anna Nowak.jpg", jpeg(354, 496))],
        ));
        assert!(
            matches!(
                d.photos[..],
                [PhotoDecision::Accepted {
                    application_id: 1,
                    ..
                }]
            ),
            "{parent}: {d:?}"
        );
        assert_eq!(d.disposition, Disposition::Processed);
    }
}

#[test]
fn a_second_parent_address_counts_for_the_sender_fallback() {
    let mut anna = application(1, "Anna", "Nowak", "mama@example.pl", Status::AwaitingPhoto);
    anna.parent_emails.push(email("tata@example.pl"));
    let w = World::new(vec![anna]);
    let d = w.decide(&mail(
        "tata@example.pl",
        "foto",
        vec![("IMG_1.jpg", jpeg(354, 496))],
    ));
    assert!(matches!(
        d.photos[..],
        [PhotoDecision::Accepted {
            application_id: 1,
            ..
        }]
    ));
}
// Name slips (a name that is nobody registered stops the sender
// fallback) and mails over the MIME caps.
mod hostile;

// A robot's mail (or one past the per-sender cap) is never answered; one
// that does not concern mleg is left alone.
mod robots;
// Signature logos, icons and tracking pixels are not photos.
mod decorations;
// A photo refused only for its file size is made to fit.
mod checked;
mod compressed;
