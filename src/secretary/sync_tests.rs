//! The sync's plan: who left, how each is closed, and the half-register guard.

use chrono::Utc;

use super::*;
use crate::domain::NewApplication;
use crate::domain::csv_import::ParsedCsv;
use crate::domain::test_support::{class, email, name, pesel};

fn app(id: i64, n: u32, status: Status) -> Application {
    Application {
        id,
        student_id: id,
        name: name("Jan", "Kowalski"),
        pesel: pesel(2012, 5, 17, n),
        class: class("3a"),
        parent_email: email("rodzic@example.pl"),
        parent_emails: vec![email("rodzic@example.pl")],
        legitymacja_number: None,
        code_to_student: false,
        status,
        token: "0123456789abcdef".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn file(pesels: &[u32]) -> ParsedCsv {
    ParsedCsv {
        rows: pesels
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let row = NewApplication {
                    name: name("Jan", "Kowalski"),
                    pesel: pesel(2012, 5, 17, *n),
                    class: class("3a"),
                    parent_email: email("rodzic@example.pl"),
                    other_parent_emails: vec![],
                    legitymacja_number: None,
                    code_to_student: false,
                    valid_until: None,
                };
                (i + 2, row)
            })
            .collect(),
        errors: vec![],
    }
}

#[test]
fn a_missing_student_is_closed_by_status_and_closed_ones_are_left_alone() {
    let all = [
        app(1, 1, Status::HandedOver),
        app(2, 2, Status::AwaitingPhoto),
        app(3, 3, Status::CodeReady),
        app(4, 4, Status::Cancelled),
        app(5, 5, Status::AwaitingReview),
        app(6, 6, Status::HandedOver),
        app(7, 7, Status::Approved),
    ];
    let p = plan(&all, &file(&[5, 6, 7, 8]));
    assert_eq!(p.register, 6);
    assert_eq!(p.leaving, 3);
    assert_eq!(
        p.closings,
        vec![
            (1, Closing::Invalidate),
            (2, Closing::Cancel),
            (3, Closing::Invalidate)
        ]
    );
    assert_eq!(p.unknown_rows, 1, "8 is new");
    assert!(!p.too_many());
}

#[test]
fn a_truncated_file_would_close_more_than_half() {
    let all: Vec<Application> = (1..=10)
        .map(|n| app(n, n as u32, Status::HandedOver))
        .collect();
    assert!(plan(&all, &file(&[1, 2, 3, 4])).too_many());
    assert!(!plan(&all, &file(&[1, 2, 3, 4, 5])).too_many());
    assert!(plan(&all, &file(&[])).too_many());
}

#[test]
fn a_student_with_a_reissue_under_way_has_both_applications_closed() {
    let all = [
        app(1, 1, Status::HandedOver),
        app(2, 1, Status::AwaitingPhoto),
        app(3, 2, Status::HandedOver),
    ];
    let p = plan(&all, &file(&[2]));
    assert_eq!((p.register, p.leaving), (2, 1));
    assert_eq!(
        p.closings,
        vec![(1, Closing::Invalidate), (2, Closing::Cancel)]
    );
}
