use super::*;

fn canon(input: &str) -> String {
    SchoolClass::parse(input).unwrap().to_string()
}

#[test]
fn canonicalises_spellings() {
    assert_eq!(canon("3A"), "3A");
    assert_eq!(canon("3 a"), "3A");
    assert_eq!(canon("3a"), "3A");
    assert_eq!(canon(" 3A\t"), "3A");
    assert_eq!(canon("IIIb"), "IIIB");
    assert_eq!(canon("1 TI"), "1TI");
    assert_eq!(canon("8ż"), "8Ż");
    assert_eq!(canon("abcdefghij"), "ABCDEFGHIJ");
}

#[test]
fn equal_after_parsing() {
    assert_eq!(
        SchoolClass::parse("3 a").unwrap(),
        "3A".parse::<SchoolClass>().unwrap()
    );
}

#[test]
fn rejects_bad_labels() {
    assert_eq!(SchoolClass::parse(""), Err(ClassError::Empty));
    assert_eq!(SchoolClass::parse("  "), Err(ClassError::Empty));
    assert_eq!(
        SchoolClass::parse("3-A"),
        Err(ClassError::InvalidCharacter('-'))
    );
    assert_eq!(
        SchoolClass::parse("3A."),
        Err(ClassError::InvalidCharacter('.'))
    );
    assert_eq!(
        SchoolClass::parse("Anna Kowalska"),
        Err(ClassError::TooLong(12))
    );
}

#[test]
fn converts_to_and_from_string() {
    let c = SchoolClass::try_from("2b".to_owned()).unwrap();
    assert_eq!(c.as_str(), "2B");
    assert_eq!(String::from(c), "2B");
}
