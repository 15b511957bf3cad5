//! Import of the secretariat's application list (a CSV saved from Excel).
//!
//! The file is the edge where hand-typed data enters the daemon, so every
//! row is parsed into a [`NewApplication`] here or reported. Whole-file
//! problems (empty, unreadable encoding, missing columns) stop the import with
//! a [`CsvError`]; problems in single rows become [`RowError`]s with the file's
//! line number, so the secretary can fix exactly those lines and the good rows
//! are still usable.
//!
//! Accepted header names (case, diacritics and punctuation ignored, so
//! `Imię`, `IMIE` and `e-mail rodzica` work): `imie|imiona|first_name`,
//! `nazwisko|last_name`, `pesel`, `klasa|class`,
//! `email_rodzica|e-mail rodzica|email|parent_email`, optional
//! `email_rodzica_2|e-mail rodzica 2|parent_email_2` (a second parent's
//! address: both parents may send the photo), optional
//! `numer_legitymacji|nr_legitymacji|legitymacja_number` and optional
//! `kod_dla_ucznia|code_to_student` (tak/nie/yes/no/1/0/true/false, empty =
//! no), optional `wazna_do|valid_until` (the paper ID's validity). Other
//! columns (`lp`, `uwagi`, …) are ignored. Encodings, delimiters, quoting: `reader`.

mod reader;

use std::collections::HashMap;
use std::fmt;

use super::{
    EmailAddress, NameField, NewApplication, Pesel, PeselError, SchoolClass, StudentName, fold,
};
use reader::Record;

/// Longest accepted ID number; real ones are around 10 characters.
const MAX_LEGITYMACJA_LEN: usize = 30;

/// A problem with one row; the row is not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (where the row starts).
    pub line: usize,
    /// English, naming the column as written in the header, e.g.
    /// `"pesel: bad checksum (a digit is probably mistyped)"`.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Result of an import: good rows with their line numbers, and row errors in
/// file order (a row may have several, one per bad column).
#[derive(Debug, Clone, Default)]
pub struct ParsedCsv {
    pub rows: Vec<(usize, NewApplication)>,
    pub errors: Vec<RowError>,
}

/// Problems with the file as a whole; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is not text in UTF-8, UTF-16 or Windows-1250 \
         (an .xlsx workbook? save it as CSV)"
    )]
    UnknownEncoding,
    #[error("missing required column(s): {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("two columns in the header mean the same thing: {0:?} and {1:?}")]
    DuplicateColumn(String, String),
    #[error("line {0}: a quoted field is never closed (a missing \")")]
    UnterminatedQuote(usize),
}

/// The columns we understand. The discriminant is the index into
/// [`Column::ALL`] and [`Layout::positions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    FirstNames,
    LastName,
    Pesel,
    Class,
    ParentEmail,
    LegitymacjaNumber,
    CodeToStudent,
    ParentEmail2,
    ValidUntil,
}

impl Column {
    const ALL: [Self; 9] = [
        Self::FirstNames,
        Self::LastName,
        Self::Pesel,
        Self::Class,
        Self::ParentEmail,
        Self::LegitymacjaNumber,
        Self::CodeToStudent,
        Self::ParentEmail2,
        Self::ValidUntil,
    ];

    /// Accepted header names, already in [`header_key`] form.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::FirstNames => &["imie", "imiona", "first_name", "first_names"],
            Self::LastName => &["nazwisko", "last_name"],
            Self::Pesel => &["pesel"],
            Self::Class => &["klasa", "class"],
            Self::ParentEmail => &[
                "email_rodzica",
                "e_mail_rodzica",
                "email",
                "e_mail",
                "parent_email",
            ],
            Self::LegitymacjaNumber => {
                &["numer_legitymacji", "nr_legitymacji", "legitymacja_number"]
            }
            Self::CodeToStudent => &["kod_dla_ucznia", "code_to_student"],
            Self::ParentEmail2 => &["email_rodzica_2", "e_mail_rodzica_2", "parent_email_2"],
            Self::ValidUntil => &["wazna_do", "valid_until"],
        }
    }

    fn is_required(self) -> bool {
        !matches!(
            self,
            Self::LegitymacjaNumber | Self::CodeToStudent | Self::ParentEmail2 | Self::ValidUntil
        )
    }

    /// How a missing column is named in [`CsvError::MissingColumns`].
    fn description(self) -> &'static str {
        match self {
            Self::FirstNames => "imię (first_name)",
            Self::LastName => "nazwisko (last_name)",
            Self::Pesel => "pesel",
            Self::Class => "klasa (class)",
            Self::ParentEmail => "email_rodzica (parent_email)",
            Self::LegitymacjaNumber => "numer_legitymacji (legitymacja_number)",
            Self::CodeToStudent => "kod_dla_ucznia (code_to_student)",
            Self::ParentEmail2 => "email_rodzica_2 (parent_email_2)",
            Self::ValidUntil => "wazna_do (valid_until)",
        }
    }
}

/// Where each known column is, and its header text for messages.
struct Layout {
    positions: [Option<usize>; Column::ALL.len()],
    headers: Vec<String>,
}

impl Layout {
    fn from_header(header: &Record) -> Result<Self, CsvError> {
        let mut positions = [None; Column::ALL.len()];
        let headers: Vec<String> = header.fields.iter().map(|h| h.trim().to_owned()).collect();
        for (index, text) in headers.iter().enumerate() {
            let key = header_key(text);
            let Some(slot) = Column::ALL
                .iter()
                .position(|c| c.aliases().contains(&key.as_str()))
            else {
                continue;
            };
            if let Some(previous) = positions[slot] {
                let first: &String = &headers[previous];
                return Err(CsvError::DuplicateColumn(first.clone(), text.clone()));
            }
            positions[slot] = Some(index);
        }
        let missing: Vec<String> = Column::ALL
            .iter()
            .zip(positions)
            .filter(|(column, position)| column.is_required() && position.is_none())
            .map(|(column, _)| column.description().to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(CsvError::MissingColumns(missing));
        }
        Ok(Self { positions, headers })
    }

    /// The trimmed value of `column` in `record`; "" when absent or short row.
    fn value<'r>(&self, record: &'r Record, column: Column) -> &'r str {
        self.positions[column as usize]
            .and_then(|i| record.fields.get(i))
            .map_or("", |v| v.trim())
    }

    /// The column's header as the secretary wrote it.
    fn header(&self, column: Column) -> &str {
        self.positions[column as usize]
            .and_then(|i| self.headers.get(i))
            .map_or(column.description(), String::as_str)
    }
}

/// Header comparison key: folded, every run of non-alphanumerics → `_`.
fn header_key(text: &str) -> String {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.join("_")
}

/// Parses the application list. See the module docs for the accepted format.
pub fn parse_applications_csv(bytes: &[u8]) -> Result<ParsedCsv, CsvError> {
    let text = reader::decode(bytes)?;
    let mut records = reader::read_records(&text)?
        .into_iter()
        .filter(|r| !r.is_blank());
    let header = records.next().ok_or(CsvError::Empty)?;
    let layout = Layout::from_header(&header)?;

    let mut parsed = ParsedCsv::default();
    let mut first_line_of_pesel: HashMap<String, usize> = HashMap::new();
    for record in records {
        match parse_row(&record, &layout, &mut first_line_of_pesel) {
            Ok(application) => parsed.rows.push((record.line, application)),
            Err(messages) => parsed
                .errors
                .extend(messages.into_iter().map(|message| RowError {
                    line: record.line,
                    message,
                })),
        }
    }
    Ok(parsed)
}

/// One row → application, or every problem found in it.
fn parse_row(
    record: &Record,
    layout: &Layout,
    first_line_of_pesel: &mut HashMap<String, usize>,
) -> Result<NewApplication, Vec<String>> {
    // Surplus non-empty fields mean an unquoted delimiter shifted the values;
    // any per-column message would then be misleading.
    let expected = layout.headers.len();
    if record.fields.len() > expected
        && record.fields[expected..]
            .iter()
            .any(|f| !f.trim().is_empty())
    {
        return Err(vec![format!(
            "expected {expected} fields, found {} (a value containing the delimiter \
             must be in double quotes)",
            record.fields.len()
        )]);
    }

    let mut problems = Vec::new();
    let value = |column| layout.value(record, column);
    let header = |column| layout.header(column);

    let name = StudentName::parse(value(Column::FirstNames), value(Column::LastName))
        .map_err(|e| {
            let column = match e.field() {
                NameField::FirstNames => Column::FirstNames,
                NameField::LastName => Column::LastName,
            };
            problems.push(format!("{}: {e}", header(column)));
        })
        .ok();

    let pesel = match Pesel::parse(value(Column::Pesel)) {
        Ok(pesel) => match first_line_of_pesel.get(pesel.as_str()) {
            Some(first) => {
                problems.push(format!(
                    "{}: the same PESEL is already on line {first}",
                    header(Column::Pesel)
                ));
                None
            }
            None => {
                first_line_of_pesel.insert(pesel.as_str().to_owned(), record.line);
                Some(pesel)
            }
        },
        Err(PeselError::WrongLength(0)) => {
            problems.push(format!("{}: missing value", header(Column::Pesel)));
            None
        }
        Err(e @ PeselError::WrongLength(10)) => {
            // Excel stores PESEL as a number and drops the leading zero of
            // everyone born 2000–2009.
            problems.push(format!(
                "{}: {e} (Excel drops a leading zero; format the column as text)",
                header(Column::Pesel)
            ));
            None
        }
        Err(e) => {
            problems.push(format!("{}: {e}", header(Column::Pesel)));
            None
        }
    };

    let class = SchoolClass::parse(value(Column::Class))
        .map_err(|e| problems.push(format!("{}: {e}", header(Column::Class))))
        .ok();

    let parent_email = EmailAddress::parse(value(Column::ParentEmail))
        .map_err(|e| problems.push(format!("{}: {e}", header(Column::ParentEmail))))
        .ok();

    // Optional: an empty cell means one parent address only.
    let other_parent_emails: Vec<EmailAddress> = match value(Column::ParentEmail2) {
        "" => vec![],
        v => EmailAddress::parse(v)
            .map_err(|e| problems.push(format!("{}: {e}", header(Column::ParentEmail2))))
            .ok()
            .filter(|e| Some(e) != parent_email.as_ref())
            .into_iter()
            .collect(),
    };

    let legitymacja_number = parse_legitymacja_number(value(Column::LegitymacjaNumber))
        .map_err(|e| problems.push(format!("{}: {e}", header(Column::LegitymacjaNumber))))
        .ok()
        .flatten();

    let valid_until = parse_valid_until(value(Column::ValidUntil))
        .map_err(|e| problems.push(format!("{}: {e}", header(Column::ValidUntil))))
        .ok()
        .flatten();

    let code_to_student = parse_yes_no(value(Column::CodeToStudent))
        .ok_or_else(|| {
            problems.push(format!(
                "{}: expected tak/nie (yes/no, 1/0, true/false), found {:?}",
                header(Column::CodeToStudent),
                value(Column::CodeToStudent)
            ));
        })
        .ok();

    match (name, pesel, class, parent_email, code_to_student) {
        (Some(name), Some(pesel), Some(class), Some(parent_email), Some(code_to_student))
            if problems.is_empty() =>
        {
            Ok(NewApplication {
                name,
                pesel,
                class,
                parent_email,
                other_parent_emails,
                legitymacja_number,
                valid_until,
                code_to_student,
            })
        }
        _ => Err(problems),
    }
}

/// Optional ID number: empty → `None`; otherwise kept as written (formats
/// differ between schools), but bounded and on one line.
fn parse_legitymacja_number(value: &str) -> Result<Option<String>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().any(char::is_control) {
        return Err("contains a line break or control character".to_owned());
    }
    let len = value.chars().count();
    if len > MAX_LEGITYMACJA_LEN {
        return Err(format!(
            "too long ({len} characters, at most {MAX_LEGITYMACJA_LEN})"
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Optional validity date: empty → `None`; `2027-09-30` or Polish `30.09.2027`.
fn parse_valid_until(value: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%d", "%d.%m.%Y"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(value, f).ok())
        .map(Some)
        .ok_or_else(|| format!("{value:?}: write the date as 2027-09-30 or 30.09.2027"))
}

/// Yes/no cell; empty means no, since the code normally goes to the parent.
fn parse_yes_no(value: &str) -> Option<bool> {
    match fold(value).as_str() {
        "tak" | "yes" | "1" | "true" => Some(true),
        "" | "nie" | "no" | "0" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
