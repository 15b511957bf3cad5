use super::*;

/// Records as (line, fields) for compact assertions.
fn records(text: &str, delimiter: char) -> Vec<(usize, Vec<String>)> {
    split_records(text, delimiter)
        .unwrap()
        .into_iter()
        .map(|r| (r.line, r.fields))
        .collect()
}

fn rec(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
    (line, fields.iter().map(|f| f.to_string()).collect())
}

#[test]
fn splits_quoted_fields_and_tracks_lines() {
    let text = "a;b\r\n\"x;y\";\"say \"\"hi\"\"\"\r\n\"multi\nline\";z\n\nlast;\"\"";
    assert_eq!(
        records(text, ';'),
        vec![
            rec(1, &["a", "b"]),
            rec(2, &["x;y", "say \"hi\""]),
            rec(3, &["multi\nline", "z"]),
            rec(5, &[""]),
            rec(6, &["last", ""]),
        ]
    );
}

#[test]
fn quote_inside_unquoted_field_is_literal() {
    assert_eq!(
        records("5\" tall,x\n", ','),
        vec![rec(1, &["5\" tall", "x"])]
    );
}

#[test]
fn unterminated_quote_reports_its_line() {
    assert_eq!(
        split_records("a,b\nc,\"oops\nd,e\n", ','),
        Err(CsvError::UnterminatedQuote(2))
    );
}

#[test]
fn detects_delimiters() {
    assert_eq!(detect_delimiter("imie;nazwisko;pesel"), ';');
    assert_eq!(detect_delimiter("first_name,last_name"), ',');
    assert_eq!(detect_delimiter("a\tb\tc"), '\t');
    assert_eq!(detect_delimiter("\n\"a;b\",c,d"), ',');
    assert_eq!(detect_delimiter("single"), ';');
    assert_eq!(detect_delimiter("a;b,c"), ';');
}

#[test]
fn honours_excel_sep_line() {
    let records = read_records("sep=,\r\na,b;c\r\n").unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].line, 2);
    assert_eq!(records[0].fields, ["a", "b;c"]);
}

#[test]
fn decodes_known_encodings() {
    assert_eq!(decode("żółw".as_bytes()).unwrap(), "żółw");
    assert_eq!(decode(b"\xEF\xBB\xBFabc").unwrap(), "abc");
    let (cp1250, _, _) = WINDOWS_1250.encode("Łucja Żak");
    assert_eq!(decode(&cp1250).unwrap(), "Łucja Żak");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("ż;a".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(decode(&utf16).unwrap(), "ż;a");
    // 0x98 is unassigned in Windows-1250; NUL and friends mean binary.
    assert_eq!(decode(b"a\x98b"), Err(CsvError::UnknownEncoding));
    assert_eq!(
        decode(b"PK\x03\x04\x00\x00"),
        Err(CsvError::UnknownEncoding)
    );
}
