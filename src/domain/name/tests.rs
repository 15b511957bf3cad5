use super::*;

fn parse(first: &str, last: &str) -> StudentName {
    StudentName::parse(first, last).unwrap()
}

#[test]
fn trims_and_collapses_whitespace() {
    let n = parse("  Anna \t Maria ", " Nowak ");
    assert_eq!(n.first_names(), "Anna Maria");
    assert_eq!(n.last_name(), "Nowak");
    assert_eq!(n.full(), "Anna Maria Nowak");
}

#[test]
fn accepts_double_barrelled_and_apostrophes_and_diacritics() {
    let n = parse("Łucja", "Nowak - Kowalska");
    assert_eq!(n.last_name(), "Nowak-Kowalska");
    assert_eq!(parse("Seán", "O'Brien").last_name(), "O'Brien");
    assert_eq!(parse("Żaneta", "Źdźbło").full(), "Żaneta Źdźbło");
    assert_eq!(
        parse("Jean-Pierre", "de la Cruz").full(),
        "Jean-Pierre de la Cruz"
    );
    // Non-breaking space from Excel counts as whitespace.
    assert_eq!(
        parse("Anna\u{a0}Maria", "Nowak").first_names(),
        "Anna Maria"
    );
}

#[test]
fn keeps_registered_case() {
    assert_eq!(parse("ANNA", "nowak").full(), "ANNA nowak");
}

#[test]
fn rejects_empty() {
    use NameField::*;
    assert_eq!(
        StudentName::parse("  ", "Nowak"),
        Err(NameError::Empty(FirstNames))
    );
    assert_eq!(
        StudentName::parse("Anna", ""),
        Err(NameError::Empty(LastName))
    );
}

#[test]
fn rejects_digits_and_symbols() {
    use NameField::*;
    assert_eq!(
        StudentName::parse("Anna2", "Nowak"),
        Err(NameError::ContainsDigit(FirstNames))
    );
    assert_eq!(
        StudentName::parse("Anna", "Nowak 3A"),
        Err(NameError::ContainsDigit(LastName))
    );
    assert_eq!(
        StudentName::parse("Anna", "Nowak;Kowalska"),
        Err(NameError::InvalidCharacter {
            field: LastName,
            ch: ';'
        })
    );
    assert_eq!(
        StudentName::parse("Anna", "a@b.pl"),
        Err(NameError::InvalidCharacter {
            field: LastName,
            ch: '@'
        })
    );
}

#[test]
fn rejects_stray_hyphens_and_apostrophes() {
    for last in ["-", "Nowak-", "-Nowak", "Nowak--Kowalska", "'", "Nowak ' "] {
        assert_eq!(
            StudentName::parse("Anna", last),
            Err(NameError::StrayPunctuation(NameField::LastName)),
            "{last:?}"
        );
    }
}

#[test]
fn length_limit_counts_characters() {
    let ok = "ż".repeat(100);
    assert!(StudentName::parse("Anna", &ok).is_ok());
    let long = "ż".repeat(101);
    assert_eq!(
        StudentName::parse("Anna", &long),
        Err(NameError::TooLong {
            field: NameField::LastName,
            len: 101
        })
    );
}

#[test]
fn file_stem_is_ascii_last_name_first() {
    assert_eq!(
        parse("Anna Maria", "Nowak-Kowalska").file_stem(),
        "Nowak-Kowalska_Anna_Maria"
    );
    assert_eq!(parse("Łucja", "Żak").file_stem(), "Zak_Lucja");
    assert_eq!(parse("ŁUCJA", "ŻÓŁĆ").file_stem(), "ZOLC_LUCJA");
    assert_eq!(parse("Seán", "O'Brien").file_stem(), "OBrien_Sean");
    assert_eq!(parse("Jürgen", "Weiß").file_stem(), "Weiss_Jurgen");
    assert_eq!(parse("Jean", "de la Cruz").file_stem(), "de_la_Cruz_Jean");
    assert!(parse("Олена", "Шевченко").file_stem().is_empty());
}

#[test]
fn initials_and_debug_hide_the_name() {
    let n = parse("anna Maria", "Nowak-Kowalska");
    assert_eq!(n.initials(), "A.N.");
    let debug = format!("{n:?}");
    assert_eq!(debug, "StudentName(\"A.N.\")");
    assert!(!debug.contains("Nowak"));
    assert_eq!(parse("Łucja", "Żak").initials(), "Ł.Ż.");
}

#[test]
fn fold_strips_polish_and_latin_diacritics() {
    assert_eq!(fold("ąćęłńóśźż"), "acelnoszz");
    assert_eq!(fold("ĄĆĘŁŃÓŚŹŻ"), "acelnoszz");
    assert_eq!(fold("Łucja Żak.JPG"), "lucja zak.jpg");
    assert_eq!(fold("éüöàçñ ß Æ"), "euoacn ss ae");
    assert_eq!(fold("Dvořák Šťastný"), "dvorak stastny");
    assert_eq!(fold("Олена"), "олена");
}

#[test]
fn fold_handles_decomposed_text() {
    // "Żak Łucja ó" in NFD, as a macOS file name would spell it.
    assert_eq!(fold("Z\u{307}ak o\u{301}"), "zak o");
    assert_eq!(parse("Łucja", "Z\u{307}ak").file_stem(), "Zak_Lucja");
}
