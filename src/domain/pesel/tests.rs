use super::*;
use crate::domain::test_support::valid_pesel;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn known_real_world_example_is_valid() {
    // A widely published example PESEL (born 1902-07-08).
    let p = Pesel::parse("02070803628").unwrap();
    assert_eq!(p.birth_date(), date(1902, 7, 8));
    assert_eq!(p.as_str(), "02070803628");
}

#[test]
fn trims_surrounding_whitespace() {
    let text = valid_pesel(2015, 5, 12, 1234);
    let p = Pesel::parse(&format!("  {text}\t\n")).unwrap();
    assert_eq!(p.as_str(), text);
}

#[test]
fn decodes_every_century() {
    for (y, m, d) in [
        (1899, 12, 31),
        (1900, 1, 1),
        (1999, 6, 15),
        (2000, 2, 29),
        (2015, 5, 12),
        (2099, 12, 31),
        (2100, 3, 1),
        (2299, 12, 31),
    ] {
        let p = Pesel::parse(&valid_pesel(y, m, d, 42)).unwrap();
        assert_eq!(p.birth_date(), date(y, m, d), "{y}-{m}-{d}");
    }
}

#[test]
fn rejects_wrong_length() {
    assert_eq!(Pesel::parse(""), Err(PeselError::WrongLength(0)));
    assert_eq!(Pesel::parse("1234567890"), Err(PeselError::WrongLength(10)));
    assert_eq!(
        Pesel::parse("123456789012"),
        Err(PeselError::WrongLength(12))
    );
}

#[test]
fn rejects_non_digits() {
    assert_eq!(Pesel::parse("1525121234a"), Err(PeselError::NotDigits));
    assert_eq!(Pesel::parse("152512 12345"), Err(PeselError::NotDigits));
    assert_eq!(Pesel::parse("-1525121234"), Err(PeselError::NotDigits));
    // Arabic-Indic digits are digits, but not PESEL digits.
    assert_eq!(Pesel::parse("١٢٣٤٥٦٧٨٩٠١"), Err(PeselError::NotDigits));
}

#[test]
fn rejects_bad_checksum() {
    let good = valid_pesel(2015, 5, 12, 1234);
    let last = good.chars().last().unwrap().to_digit(10).unwrap();
    let bad = format!("{}{}", &good[..10], (last + 1) % 10);
    assert_eq!(Pesel::parse(&bad), Err(PeselError::BadChecksum));
}

#[test]
fn spec_example_has_bad_checksum() {
    // 15251212345 appears in documentation but its check digit is wrong.
    assert_eq!(Pesel::parse("15251212345"), Err(PeselError::BadChecksum));
}

#[test]
fn rejects_impossible_dates() {
    // 2015-02-30, 2001-02-29 (not a leap year), month 13 and month offset 93.
    for first_ten in ["1522301234", "0122291234", "1513011234", "1593011234"] {
        let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
        let sum: u32 = first_ten
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let text = format!("{first_ten}{}", (10 - sum % 10) % 10);
        assert_eq!(Pesel::parse(&text), Err(PeselError::NoSuchDate), "{text}");
    }
}

#[test]
fn debug_is_masked_and_masked_keeps_date_part() {
    let text = valid_pesel(2015, 5, 12, 1234);
    let p = Pesel::parse(&text).unwrap();
    assert_eq!(p.masked(), "152512*****");
    let debug = format!("{p:?}");
    assert!(!debug.contains(&text), "{debug}");
    assert!(debug.contains("152512*****"), "{debug}");
}

#[test]
fn from_str_and_string_round_trip() {
    let text = valid_pesel(2010, 1, 31, 5);
    let p: Pesel = text.parse().unwrap();
    assert_eq!(String::from(p.clone()), text);
    assert_eq!(Pesel::try_from(text.clone()).unwrap(), p);
}

#[test]
fn error_messages_are_readable() {
    assert_eq!(
        PeselError::WrongLength(10).to_string(),
        "a PESEL has 11 digits, this one has 10"
    );
    assert!(PeselError::BadChecksum.to_string().contains("checksum"));
}

#[test]
fn deserialising_rechecks_the_value() {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    let text = valid_pesel(2015, 5, 12, 1234);
    let ok: StrDeserializer<'_, Error> = text.as_str().into_deserializer();
    assert_eq!(Pesel::deserialize(ok).unwrap().as_str(), text);
    let bad: StrDeserializer<'_, Error> = "15251212345".into_deserializer();
    let err = Pesel::deserialize(bad).unwrap_err().to_string();
    assert!(err.contains("checksum"), "{err}");
}
