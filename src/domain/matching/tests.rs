use super::*;
use crate::domain::test_support::{email, name};

/// Owned student data; `candidates()` borrows it like the daemon borrows rows.
struct Roster(Vec<(i64, StudentName, EmailAddress)>);

impl Roster {
    fn new(students: &[(i64, &str, &str, &str)]) -> Self {
        Self(
            students
                .iter()
                .map(|&(id, first, last, parent)| (id, name(first, last), email(parent)))
                .collect(),
        )
    }

    fn candidates(&self) -> Vec<Candidate<'_>> {
        self.0
            .iter()
            .map(|(id, name, parent_email)| Candidate {
                id: *id,
                name,
                parent_email,
            })
            .collect()
    }
}

fn school() -> Roster {
    Roster::new(&[
        (1, "Łucja", "Żak", "zak@example.pl"),
        (2, "Jan", "Kowalski", "kowalski@example.pl"),
        (3, "Anna Maria", "Nowak-Kowalska", "nowak@example.pl"),
        (4, "Jan", "Nowak", "jn@example.pl"),
        (5, "Jan Maria", "Nowak", "jmn@example.pl"),
        (6, "Seán", "O'Brien", "ob@example.pl"),
        (7, "Anna", "Kowalska", "kowalski@example.pl"),
    ])
}

fn named(text: &str) -> Vec<i64> {
    students_named_in(text, &school().candidates())
}

#[test]
fn folds_case_and_diacritics_and_ignores_separators() {
    for text in [
        "Łucja Żak.jpg",
        "lucja_zak.JPG",
        "ŁUCJA-ŻAK.jpeg",
        "lucja.zak.png",
        "  łucja   żak ",
        // NFD, as macOS/iOS write file names.
        "Łucja Z\u{307}ak.heic",
    ] {
        assert_eq!(named(text), vec![1], "{text:?}");
    }
}

#[test]
fn ignores_order_and_extra_tokens() {
    for text in [
        "Zak Lucja",
        "3A_Żak_Łucja_zdjecie.jpg",
        "legitymacja Łucja Żak kl. 3A 2024",
        "IMG_2034 Łucja Żak",
    ] {
        assert_eq!(named(text), vec![1], "{text:?}");
    }
}

#[test]
fn nobody_named_by_camera_names_or_partial_names() {
    for text in [
        "IMG_2034.jpg",
        "",
        "Łucja.jpg",
        "Żak.jpg",
        "zdjecie do legitymacji",
    ] {
        assert!(named(text).is_empty(), "{text:?}");
    }
}

#[test]
fn double_last_name_needs_both_parts_and_one_first_name() {
    assert_eq!(named("Nowak-Kowalska Anna Maria.jpg"), vec![3]);
    assert_eq!(named("Maria Nowak Kowalska"), vec![3]);
    assert_eq!(named("anna_kowalska_nowak"), vec![3]);
    // Only one part of the double name: that is Anna Kowalska (id 7).
    assert_eq!(named("Anna Kowalska"), vec![7]);
}

#[test]
fn apostrophes_join() {
    assert_eq!(named("Sean OBrien.jpg"), vec![6]);
    assert_eq!(named("Seán O'Brien.jpg"), vec![6]);
    assert_eq!(named("sean o’brien"), vec![6]);
}

#[test]
fn declined_forms_in_subjects_and_bodies() {
    assert_eq!(named("zdjęcie Łucji Żak"), vec![1]);
    assert_eq!(
        named("Przesyłam zdjęcie syna Jana Kowalskiego, klasa 2b"),
        vec![2]
    );
    assert_eq!(named("dla Anny Kowalskiej"), vec![7]);
    assert_eq!(named("Łucja Żaka"), vec![1]);
    assert_eq!(named("Janowi Kowalskiemu"), vec![2]);
}

#[test]
fn declension_does_not_confuse_related_names() {
    // Jan must not match Janusz/Janina; Kowalski must not match Kowalska.
    assert!(named("Janusz Kowalski").is_empty());
    assert!(named("Janina Kowalski").is_empty());
    assert!(named("Jan Kowalska").is_empty());
    assert_eq!(named("Anna Kowalski"), Vec::<i64>::new());
    // The ending may be at most 4 letters and must be a case ending.
    assert!(!token_matches("nowak", "nowakowskiego"));
    assert!(token_matches("kowalski", "kowalskiego"));
    assert!(token_matches("lucja", "lucji"));
    assert!(token_matches("zak", "zaka"));
    // Stems shorter than 3 letters only match exactly.
    assert!(!token_matches("ewa", "ewy"));
    assert!(token_matches("ewa", "ewa"));
}

#[test]
fn most_specific_match_wins() {
    assert_eq!(named("Jan Maria Nowak.jpg"), vec![5]);
    assert_eq!(named("Jan Nowak.jpg"), vec![4, 5]);
    assert_eq!(named("Maria Nowak"), vec![5]);
}

#[test]
fn match_student_outcomes() {
    let roster = school();
    let c = roster.candidates();
    assert_eq!(
        match_student("Łucja Żak.jpg", None, &c),
        MatchOutcome::One(1)
    );
    assert_eq!(
        match_student("IMG_2034.jpg", None, &c),
        MatchOutcome::NoMatch
    );
    assert_eq!(
        match_student("Jan Nowak.jpg", None, &c),
        MatchOutcome::Ambiguous(vec![4, 5])
    );
    // The sender of the mail picks the child.
    let sender = email("JN@example.pl");
    assert_eq!(
        match_student("Jan Nowak.jpg", Some(&sender), &c),
        MatchOutcome::One(4)
    );
    // A sender who is parent of neither leaves both.
    let stranger = email("obcy@example.pl");
    assert_eq!(
        match_student("Jan Nowak.jpg", Some(&stranger), &c),
        MatchOutcome::Ambiguous(vec![4, 5])
    );
    // One named student wins regardless of the sender.
    assert_eq!(
        match_student("Łucja Żak.jpg", Some(&stranger), &c),
        MatchOutcome::One(1)
    );
}

#[test]
fn same_name_twice_sender_decides() {
    let roster = Roster::new(&[
        (10, "Jan", "Kowalski", "a@example.pl"),
        (11, "Jan", "Kowalski", "b@example.pl"),
    ]);
    let c = roster.candidates();
    assert_eq!(
        match_student("Jan Kowalski.jpg", Some(&email("b@example.pl")), &c),
        MatchOutcome::One(11)
    );
    assert_eq!(
        match_student("Jan Kowalski.jpg", None, &c),
        MatchOutcome::Ambiguous(vec![10, 11])
    );
}

#[test]
fn same_name_twice_same_parent_is_ambiguous() {
    let roster = Roster::new(&[
        (10, "Jan", "Kowalski", "a@example.pl"),
        (11, "Jan", "Kowalski", "a@example.pl"),
        (12, "Jan", "Kowalski", "c@example.pl"),
    ]);
    let c = roster.candidates();
    assert_eq!(
        match_student("Jan Kowalski.jpg", Some(&email("a@example.pl")), &c),
        MatchOutcome::Ambiguous(vec![10, 11])
    );
}

#[test]
fn siblings_named_in_one_mail_are_ambiguous() {
    let roster = school();
    let c = roster.candidates();
    let sender = email("kowalski@example.pl");
    assert_eq!(
        match_student(
            "Zdjęcia Jana i Anny Kowalskich: Jan Kowalski, Anna Kowalska",
            Some(&sender),
            &c
        ),
        MatchOutcome::Ambiguous(vec![2, 7])
    );
}

#[test]
fn name_tokens_drop_noise() {
    assert_eq!(name_tokens("Łucja Żak 3A.jpg"), ["lucja", "zak"]);
    assert_eq!(name_tokens("IMG_2034.jpg"), Vec::<String>::new());
    assert_eq!(
        name_tokens("zdjecie_do_legitymacji_Nowak-Kowalska_Anna_Maria_kl_3b.JPEG"),
        ["nowak", "kowalska", "anna", "maria"]
    );
    assert_eq!(name_tokens("Żak Łucja (1).jpg"), ["zak", "lucja"]);
    assert_eq!(name_tokens("O'Brien O'Brien"), ["obrien"]);
    assert_eq!(name_tokens("IMG-20240101-WA0001.jpg"), Vec::<String>::new());
}

#[test]
fn stored_tokens_name_student_with_same_rules() {
    let tokens = name_tokens("zdjęcie Łucji Żak 3A.jpg");
    assert_eq!(tokens, ["lucji", "zak"]);
    assert!(tokens_name_student(&tokens, &name("Łucja", "Żak")));
    assert!(!tokens_name_student(&tokens, &name("Łucja", "Nowak")));
    assert!(!tokens_name_student(&[], &name("Łucja", "Żak")));
    // Hand-written, unfolded tokens still work.
    let raw = vec!["Żak".to_owned(), "ŁUCJA".to_owned()];
    assert!(tokens_name_student(&raw, &name("Łucja", "Żak")));
    let double = name_tokens("Anna Nowak-Kowalska");
    assert!(tokens_name_student(
        &double,
        &name("Anna Maria", "Nowak-Kowalska")
    ));
    assert!(!tokens_name_student(
        &name_tokens("Anna Nowak"),
        &name("Anna", "Nowak-Kowalska")
    ));
}
