//! The yearly re-validation wave on 30 handed-over applications (10
//! families of two, 10 of one) at 10 students an hour, advanced by scheduler
//! steps on a test clock, with mleg restarted half-way: every family is
//! mailed exactly once (one mail naming all its children), and each old
//! mLegitymacja is invalidated only once its reissue is handed over.

use chrono::{Duration, Utc};
use mleg::domain::{EmailAddress, NewApplication, Pesel, SchoolClass, Status, StudentName};
use mleg::secretary::{self, Source};
use mleg::workflow::command::StaffCommand;

use crate::invalidate::current_code;
use crate::support::app::{SCHOOL, TestApp, pesel};
use crate::support::dates::{command, mleg, tick};
use crate::support::mime::Mail;
use crate::support::photos;
use crate::support::replies::{Style, reply};

const LAST: [&str; 30] = [
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Stępień",
    "Pawłowski",
    "Michalski",
    "Górski",
    "Adamczyk",
    "Dudek",
    "Zając",
    "Wieczorek",
    "Jabłoński",
    "Król",
    "Majewski",
    "Olszewski",
    "Jaworski",
    "Malinowski",
];
const WAVE: &str = "nowy rok szkolny";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Student `i`'s family: 0..9 two children each (students 2f, 2f+1), then one each.
fn family_of(i: usize) -> usize {
    if i < 20 { i / 2 } else { i - 10 }
}

fn register(t: &TestApp, i: usize, parent: &str) -> i64 {
    let new = NewApplication {
        name: StudentName::parse("Jan", LAST[i]).unwrap(),
        pesel: Pesel::parse(&pesel(
            2013,
            1 + (i as u32 % 12),
            1 + i as u32,
            300 + i as u32,
        ))
        .unwrap(),
        class: SchoolClass::parse("3A").unwrap(),
        parent_email: EmailAddress::parse(parent).unwrap(),
        other_parent_emails: vec![],
        legitymacja_number: None,
        valid_until: Some(chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()),
        code_to_student: false,
    };
    mleg::registry::add(&t.app, &new, "test").unwrap().id
}

/// 30 applications through the real path: photo by mail, KOD, WYDANO.
async fn thirty_handed_over(t: &TestApp) -> (Vec<i64>, Vec<String>) {
    let parents: Vec<String> = (0..20).map(|f| t.parent(&format!("rodzina{f}"))).collect();
    let mut ids = Vec::new();
    for (i, last) in LAST.iter().enumerate() {
        let parent = &parents[family_of(i)];
        ids.push(register(t, i, parent));
        let mail = Mail::new(parent, SCHOOL, "zdjęcie")
            .photo(&format!("Jan {last}.jpg"), photos::good_jpeg());
        t.send(&mail).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ids
        .iter()
        .any(|&id| t.application(id).status != Status::AwaitingReview)
    {
        assert!(std::time::Instant::now() < deadline, "photos not all in");
        t.once().await;
    }
    for &id in &ids {
        let code = StaffCommand::Code {
            code: format!("KOD{id:05}"),
            generated_at: None,
        };
        command(&t.app, id, &code);
        command(&t.app, id, &StaffCommand::HandedOver);
    }
    t.once().await;
    (ids, parents)
}

fn reissue_of(t: &TestApp, id: i64) -> Option<i64> {
    mleg::store::apps::reissue_links(t.app.store().conn(), id)
        .unwrap()
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wave_mails_each_family_once_across_a_restart_and_keeps_the_old_one_until_hand_over() {
    let mut t = TestApp::spawn_with(|c| c.push_str("[dates]\nwave_per_hour = 10\n"));
    let (ids, parents) = thirty_handed_over(&t).await;

    let dry = stdout(&mleg(
        &t,
        &[
            "apps",
            "revalidate",
            "--all",
            "--valid-until",
            "2027-09-30",
            "--dry-run",
        ],
    ));
    assert!(
        dry.contains("Do ponownego wydania (ważność do 2027-09-30): 30"),
        "{dry}"
    );
    assert!(dry.contains(&format!("#{:<5}", ids[0])), "{dry}");
    assert!(
        ids.iter().all(|&id| reissue_of(&t, id).is_none()),
        "a dry run changes nothing"
    );

    let started = stdout(&mleg(
        &t,
        &["apps", "revalidate", "--all", "--valid-until", "2027-09-30"],
    ));
    assert!(started.contains("30 uczniów"), "{started}");

    // Hour 1: five families of two (10 students); half an hour on, nobody.
    let base = Utc::now();
    assert_eq!(tick(&t, base).await.wave.reissued, 10);
    assert_eq!(
        tick(&t, base + Duration::minutes(30)).await.wave.reissued,
        0
    );
    let first: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|&id| reissue_of(&t, id).is_some())
        .collect();
    assert_eq!(
        first,
        ids[..10].to_vec(),
        "families are started whole, in order"
    );

    // mleg stops and starts again on the same database.
    t.reload();
    let hour2 = base + Duration::minutes(61);
    assert_eq!(tick(&t, hour2).await.wave.reissued, 10);
    assert_eq!(
        tick(&t, hour2).await.wave.reissued,
        0,
        "the same step again starts nobody"
    );
    let hour3 = base + Duration::minutes(122);
    let last = tick(&t, hour3).await.wave;
    assert_eq!((last.families, last.reissued), (10, 10));
    assert_eq!(
        tick(&t, base + Duration::minutes(183)).await.wave.reissued,
        0
    );

    // Every family got exactly one wave mail, naming each of its children;
    // and exactly the mails the outbox marked sent.
    let sent = mleg::store::probe::sent_mails(t.app.store().conn()).unwrap();
    for (f, parent) in parents.iter().enumerate() {
        let n = sent.iter().filter(|(to, _)| to == parent).count();
        let inbox = t.exactly(parent, n).await;
        let wave: Vec<_> = inbox.iter().filter(|m| m.subject.contains(WAVE)).collect();
        assert_eq!(wave.len(), 1, "{parent}");
        for i in (0..30).filter(|&i| family_of(i) == f) {
            assert!(
                wave[0].text.contains(&format!("Jan {}", LAST[i])),
                "{}",
                wave[0].text
            );
        }
    }
    let status = stdout(&mleg(&t, &["apps", "revalidate", "--status"]));
    assert!(
        status.contains("30/30 wysłano, zdjęcia: 0, kody wydane: 0"),
        "{status}"
    );

    // A parent answers with the photo; the old mLegitymacja stays valid
    // through the new code and is invalidated at the new one's hand-over.
    let old = ids[20];
    let new = reissue_of(&t, old).expect("reissued");
    assert_eq!(t.application(new).status, Status::AwaitingPhoto);
    let parent = &parents[family_of(20)];
    let asked = t.mails_about(parent, WAVE, 1).await;
    let answer = reply(
        parent,
        &asked[0],
        "Zdjęcie w załączniku.",
        Style::GmailPlain,
    )
    .photo(&format!("Jan {}.jpg", LAST[20]), photos::good_jpeg());
    t.send(&answer).await;
    t.once().await;
    assert_eq!(t.application(new).status, Status::AwaitingReview);
    let code = StaffCommand::Code {
        code: "NOWY2027".into(),
        generated_at: None,
    };
    command(&t.app, new, &code);
    assert_eq!(t.application(old).status, Status::HandedOver);
    assert!(current_code(&t, old).invalidated_at.is_none());
    let cli = Source {
        actor: "cli:test".into(),
        mail: None,
    };
    secretary::execute(&t.app, new, &StaffCommand::HandedOver, None, &cli).unwrap();
    assert_eq!(t.application(new).status, Status::HandedOver);
    assert_eq!(t.application(old).status, Status::Invalidated);
    let reason = current_code(&t, old).invalidated_reason;
    assert_eq!(reason.as_deref(), Some("card_invalid"));
    let others = ids.iter().filter(|&&id| id != old);
    assert!(
        others
            .clone()
            .all(|&id| t.application(id).status == Status::HandedOver)
    );
    let status = stdout(&mleg(&t, &["apps", "revalidate", "--status"]));
    assert!(
        status.contains("30/30 wysłano, zdjęcia: 1, kody wydane: 1"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_starts_the_wave_on_its_day_once_a_school_year_but_not_under_sio() {
    let on = "[dates]\nrevalidate_on = \"09-01\"\n";
    let t = TestApp::spawn_with(|c| c.push_str(on));
    let id = t.register("Ola", "Sowa", &pesel(2013, 2, 3, 77), &t.parent("sowa"));
    let warsaw = |d, h| {
        crate::support::dates::warsaw(chrono::NaiveDate::from_ymd_opt(2027, 9, d).unwrap(), h, 0)
    };
    assert_eq!(
        tick(&t, warsaw(1, 6) - Duration::days(1))
            .await
            .wave
            .started,
        None
    );
    let first = tick(&t, warsaw(1, 6)).await.wave;
    assert!(first.started.is_some(), "{first:?}");
    assert_eq!(
        tick(&t, warsaw(2, 6)).await.wave.started,
        None,
        "once a school year"
    );
    // Nothing issued yet for Ola: the wave has nobody to mail.
    assert_eq!(reissue_of(&t, id), None);

    let sio = TestApp::spawn_with(|c| {
        c.insert_str(0, "process = \"sio\"\n");
        c.push_str(on);
    });
    assert_eq!(tick(&sio, warsaw(1, 6)).await.wave.started, None);
    let refused = crate::support::app::mleg(&sio, &["apps", "revalidate", "--all"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("revalidation = false"), "{err}");
}
