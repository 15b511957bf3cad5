use encoding_rs::WINDOWS_1250;

use super::*;
use crate::domain::test_support::{class, email, name, pesel, valid_pesel};

fn parse(text: &str) -> ParsedCsv {
    parse_applications_csv(text.as_bytes()).unwrap()
}

fn messages(parsed: &ParsedCsv) -> Vec<String> {
    parsed.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn column_discriminants_match_all() {
    for (index, column) in Column::ALL.iter().enumerate() {
        assert_eq!(*column as usize, index);
    }
}

#[test]
fn windows_1250_with_semicolons_and_polish_headers() {
    let p = valid_pesel(2012, 3, 4, 5678);
    let text = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica\r\nŁucja;Żak;{p};3A;Rodzic@Example.pl\r\n"
    );
    let (bytes, _, unmappable) = WINDOWS_1250.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "test needs non-UTF-8 input"
    );

    let parsed = parse_applications_csv(&bytes).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        parsed.rows,
        vec![(
            2,
            NewApplication {
                name: name("Łucja", "Żak"),
                pesel: pesel(2012, 3, 4, 5678),
                class: class("3A"),
                parent_email: email("rodzic@example.pl"),
                other_parent_emails: vec![],
                legitymacja_number: None,
                valid_until: None,
                code_to_student: false,
            }
        )]
    );
}

#[test]
fn utf8_bom_commas_english_headers_and_optional_columns() {
    let (p1, p2) = (valid_pesel(2010, 1, 2, 1), valid_pesel(2011, 12, 31, 2));
    let text = format!(
        "\u{feff}First_Name,Last_Name,PESEL,Class,Parent_Email,Legitymacja_Number,Code_To_Student\n\
         Anna Maria,Nowak-Kowalska,{p1},2 b,a@example.pl,ABC/123,yes\n\
         Jan,Kowalski,{p2},IIIb,b@example.pl,,\n"
    );
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let [(2, first), (3, second)] = parsed.rows.as_slice() else {
        panic!("unexpected rows: {:?}", parsed.rows);
    };
    assert_eq!(first.name.full(), "Anna Maria Nowak-Kowalska");
    assert_eq!(first.class.as_str(), "2B");
    assert_eq!(first.legitymacja_number.as_deref(), Some("ABC/123"));
    assert!(first.code_to_student);
    assert_eq!(second.class.as_str(), "IIIB");
    assert_eq!(second.legitymacja_number, None);
    assert!(!second.code_to_student);
}

#[test]
fn header_variants_tabs_and_ignored_columns() {
    let p = valid_pesel(2009, 9, 9, 9);
    let text = format!(
        "Lp\tImiona\tNAZWISKO\tPesel\tKlasa\tE-mail rodzica\tNr legitymacji\tKod dla ucznia\tUwagi\n\
         1\tJan\tNowak\t{p}\t1 TI\tx@szkola.test\t 77 \tTAK\tcokolwiek\n"
    );
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let app = &parsed.rows[0].1;
    assert_eq!(app.class.as_str(), "1TI");
    assert_eq!(app.legitymacja_number.as_deref(), Some("77"));
    assert!(app.code_to_student);
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_crlf() {
    let p = valid_pesel(2013, 6, 1, 42);
    let text = format!(
        "imie;nazwisko;pesel;klasa;email;uwagi\r\n\
         \"Anna; Maria\";\"O'Brien\";\"{p}\";\"3a\";\"r@example.pl\";\"mówi \"\"cześć\"\"\"\r\n"
    );
    let parsed = parse(&text);
    // "Anna; Maria" is one field (the ';' is inside quotes) — and not a valid name.
    assert_eq!(
        messages(&parsed),
        ["line 2: imie: first name contains a character not allowed in names: ';'"]
    );

    let text = format!(
        "imie;nazwisko;pesel;klasa;email\r\n\"Anna\";\"O'Brien\";\"{p}\";\"3a\";\"r@example.pl\"\r\n"
    );
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows[0].1.name.last_name(), "O'Brien");
}

#[test]
fn bad_rows_are_reported_with_line_numbers() {
    let good = valid_pesel(2012, 3, 4, 1);
    let other = valid_pesel(2012, 3, 4, 2);
    let text = format!(
        "imie;nazwisko;pesel;klasa;email_rodzica;kod_dla_ucznia\n\
         Anna;Nowak;{good};3A;a@example.pl;nie\n\
         \n\
         ;;;;;\n\
         Jan;Kowalski;15251212345;3A;b@example.pl;\n\
         Ola;Nowak;{good};3A;c@example.pl;\n\
         Ewa2;Zając;{other};3A+;d@example;może\n\
         Piotr;Lis;812031234;3A;p@example.pl;\n\
         \"Adam\nJan\";Mały;;3A;a@example.pl;\n\
         Iga;Lis;{};3A;a@example.pl;;x\n",
        valid_pesel(2014, 1, 1, 7)
    );
    let parsed = parse(&text);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].0, 2);
    assert_eq!(
        messages(&parsed),
        [
            "line 5: pesel: bad checksum (a digit is probably mistyped)",
            "line 6: pesel: the same PESEL is already on line 2",
            "line 7: imie: first name contains a digit",
            "line 7: klasa: class may contain only letters and digits, found '+'",
            "line 7: email_rodzica: e-mail domain \"example\" is not valid (it needs a dot, e.g. example.pl)",
            "line 7: kod_dla_ucznia: expected tak/nie (yes/no, 1/0, true/false), found \"może\"",
            "line 8: pesel: a PESEL has 11 digits, this one has 9",
            "line 9: pesel: missing value",
            "line 11: expected 6 fields, found 7 (a value containing the delimiter must be in double quotes)",
        ]
    );
}

#[test]
fn excel_dropped_leading_zero_gets_a_hint() {
    let p = valid_pesel(2005, 1, 1, 1);
    assert!(p.starts_with('0'));
    let text = format!(
        "imie;nazwisko;pesel;klasa;email\nJan;Nowak;{};3A;a@b.pl\n",
        &p[1..]
    );
    let message = &parse(&text).errors[0].message;
    assert!(message.contains("leading zero"), "{message}");
}

#[test]
fn short_rows_are_read_as_empty_values() {
    let p = valid_pesel(2012, 3, 4, 1);
    let text = format!("imie;nazwisko;pesel;klasa;email;kod_dla_ucznia\nJan;Nowak;{p};3A;a@b.pl\n");
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn missing_required_columns_are_named() {
    let err = parse_applications_csv(b"imie;nazwisko;email\nJan;Nowak;a@b.pl\n").unwrap_err();
    assert_eq!(
        err,
        CsvError::MissingColumns(vec!["pesel".into(), "klasa (class)".into()])
    );
    assert_eq!(
        err.to_string(),
        "missing required column(s): pesel, klasa (class)"
    );
}

#[test]
fn duplicate_columns_are_rejected() {
    let err =
        parse_applications_csv(b"imie;nazwisko;pesel;klasa;email;E-mail rodzica\n").unwrap_err();
    assert_eq!(
        err,
        CsvError::DuplicateColumn("email".into(), "E-mail rodzica".into())
    );
}

#[test]
fn whole_file_problems() {
    assert!(matches!(parse_applications_csv(b""), Err(CsvError::Empty)));
    assert!(matches!(
        parse_applications_csv(b" \r\n\r\n;;\n"),
        Err(CsvError::Empty)
    ));
    assert!(matches!(
        parse_applications_csv(b"\xEF\xBB\xBF"),
        Err(CsvError::Empty)
    ));
    assert!(matches!(
        parse_applications_csv(b"imie;nazwisko\x98"),
        Err(CsvError::UnknownEncoding)
    ));
    assert!(matches!(
        parse_applications_csv(b"imie;\"nazwisko\npesel"),
        Err(CsvError::UnterminatedQuote(1))
    ));
}

#[test]
fn header_only_is_an_empty_import() {
    let parsed = parse("imie;nazwisko;pesel;klasa;email\r\n");
    assert!(parsed.rows.is_empty() && parsed.errors.is_empty());
}

#[test]
fn yes_no_values() {
    for yes in ["tak", "TAK", "Yes", "1", "true", " tak "] {
        assert_eq!(parse_yes_no(yes.trim()), Some(true), "{yes}");
    }
    for no in ["nie", "NO", "0", "false", ""] {
        assert_eq!(parse_yes_no(no), Some(false), "{no}");
    }
    assert_eq!(parse_yes_no("x"), None);
}

#[test]
fn a_second_parent_address_column_is_optional_and_validated() {
    let (p1, p2, p3) = (
        valid_pesel(2012, 1, 2, 11),
        valid_pesel(2012, 1, 3, 12),
        valid_pesel(2012, 1, 4, 13),
    );
    let text = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica;E-mail rodzica 2\n\
         Anna;Nowak;{p1};3A;mama@example.pl;Tata@Example.pl\n\
         Jan;Nowak;{p2};3A;mama@example.pl;\n\
         Ewa;Nowak;{p3};3A;mama@example.pl;nie-email\n"
    );
    let parsed = parse(&text);
    let [(2, both), (3, one)] = parsed.rows.as_slice() else {
        panic!("unexpected rows: {:?}", parsed.rows);
    };
    assert_eq!(both.parent_email, email("mama@example.pl"));
    assert_eq!(both.other_parent_emails, vec![email("tata@example.pl")]);
    assert_eq!(
        both.parent_emails(),
        vec![&email("mama@example.pl"), &email("tata@example.pl")]
    );
    assert!(one.other_parent_emails.is_empty());
    let errors = messages(&parsed);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 4: E-mail rodzica 2:"),
        "{errors:?}"
    );

    // The English header, and the same address twice counts once.
    let text = format!(
        "first_name,last_name,pesel,class,parent_email,parent_email_2\n\
         Anna,Nowak,{p1},3A,mama@example.pl,MAMA@example.pl\n"
    );
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert!(parsed.rows[0].1.other_parent_emails.is_empty());
}

#[test]
fn the_id_validity_column_is_optional_and_takes_both_date_forms() {
    let (p1, p2, p3) = (
        valid_pesel(2012, 3, 4, 11),
        valid_pesel(2012, 3, 5, 12),
        valid_pesel(2012, 3, 6, 13),
    );
    let text = format!(
        "imię;nazwisko;pesel;klasa;email_rodzica;Ważna do\n\
         Anna;Nowak;{p1};3A;a@example.pl;2026-09-30\n\
         Jan;Kowal;{p2};3A;b@example.pl;30.09.2027\n\
         Ewa;Lis;{p3};3A;c@example.pl;\n"
    );
    let parsed = parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let dates: Vec<_> = parsed.rows.iter().map(|(_, a)| a.valid_until).collect();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    assert_eq!(dates, vec![day(2026, 9, 30), day(2027, 9, 30), None]);

    let bad = parse(&format!(
        "imie;nazwisko;pesel;klasa;email;valid_until\nAnna;Nowak;{p1};3A;a@example.pl;wrzesień\n"
    ));
    assert!(
        messages(&bad)[0].contains("2027-09-30"),
        "{:?}",
        messages(&bad)
    );
}
