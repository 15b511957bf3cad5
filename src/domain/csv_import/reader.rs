//! Bytes → text → records: the file-format half of the CSV import.
//!
//! Kept apart from the column logic because it knows nothing about
//! applications. It copes with what Polish Excel and LibreOffice produce:
//! UTF-8 with or without BOM, Windows-1250 ("CSV (rozdzielany przecinkami)"
//! in Polish Excel), UTF-16 ("Tekst Unicode", tab-separated), `;`/`,`/tab
//! delimiters, CRLF or LF, quoted fields with `""` escapes and line breaks,
//! and Excel's optional `sep=;` first line.

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1250};

use super::CsvError;

/// One record with the 1-based file line it starts on (a quoted field may
/// span lines, so the next record's line is not always this one's plus 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Record {
    /// Excel writes untouched rows as `;;;;`, so those count as empty too.
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Decodes the file, trying the encodings a school is likely to produce.
///
/// UTF-8 is tried first: Windows-1250 text with Polish letters is practically
/// never valid UTF-8, while the reverse check would accept anything.
pub(super) fn decode(bytes: &[u8]) -> Result<String, CsvError> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        std::str::from_utf8(rest)
            .map_err(|_| CsvError::UnknownEncoding)?
            .to_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        decode_with(UTF_16LE, rest)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        decode_with(UTF_16BE, rest)?
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_owned()
    } else {
        decode_with(WINDOWS_1250, bytes)?
    };
    // Control characters other than tab and line breaks do not occur in a
    // spreadsheet export. They mean a binary file (an .xlsx workbook) or bytes
    // that Windows-1250 leaves undefined, which encoding_rs maps to C1
    // controls (U+0080–U+009F) instead of failing.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(CsvError::UnknownEncoding);
    }
    Ok(text)
}

fn decode_with(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> Result<String, CsvError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(CsvError::UnknownEncoding)
}

/// Splits the text into records. The delimiter is taken from Excel's `sep=`
/// line if present (that line is then skipped), otherwise from the header.
pub(super) fn read_records(text: &str) -> Result<Vec<Record>, CsvError> {
    let (delimiter, skip_first_line) = match excel_separator_hint(text) {
        Some(delimiter) => (delimiter, true),
        None => (detect_delimiter(text), false),
    };
    let mut records = split_records(text, delimiter)?;
    if skip_first_line {
        records.retain(|r| r.line != 1);
    }
    Ok(records)
}

/// Excel's `sep=;` convention: a first line naming the delimiter.
fn excel_separator_hint(text: &str) -> Option<char> {
    let first = text.lines().next()?.trim_end();
    let mut chars = first.strip_prefix("sep=")?.chars();
    match (chars.next(), chars.next()) {
        (Some(delimiter), None) => Some(delimiter),
        _ => None,
    }
}

/// Picks the delimiter occurring most often, outside quotes, in the first
/// non-blank line (the header, whose names contain none of them). Ties go to
/// `;`, the Polish Excel default, then tab, then `,`; no delimiter at all
/// means a one-column file, reported later as missing columns.
fn detect_delimiter(text: &str) -> char {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut in_quotes = false;
    let mut counts = [(';', 0usize), ('\t', 0), (',', 0)];
    for c in header.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            for (delimiter, count) in &mut counts {
                if c == *delimiter {
                    *count += 1;
                }
            }
        }
    }
    // max_by_key keeps the last maximum, so iterate in reverse priority.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map_or(';', |(delimiter, _)| *delimiter)
}

/// RFC 4180-style tokenizer, lenient where Excel output is sloppy: a quote
/// opens a quoted field only at the start of a field (after optional spaces);
/// elsewhere it is an ordinary character. Line ends are LF, CRLF or lone CR.
fn split_records(text: &str, delimiter: char) -> Result<Vec<Record>, CsvError> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut quoted_field = false;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();

    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    field.push('\n');
                    line += 1;
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !quoted_field && field.chars().all(|c| c == ' ') => {
                field.clear();
                in_quotes = true;
                quoted_field = true;
                quote_line = line;
            }
            _ if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                quoted_field = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                records.push(Record {
                    line: record_line,
                    fields: std::mem::take(&mut fields),
                });
                quoted_field = false;
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(CsvError::UnterminatedQuote(quote_line));
    }
    // Last line without a trailing line break.
    if !fields.is_empty() || !field.is_empty() || quoted_field {
        fields.push(field);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests;
