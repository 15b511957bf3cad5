//! What `mleg apps import --sync` prints, in the school's language.

use super::Lines;
use crate::config::Language;

impl Lines {
    /// The cancellation's reason the parent of a student who left is given.
    pub fn left_school_reason(self) -> &'static str {
        match self.0 {
            Language::Pl => "uczeń nie figuruje już w wykazie uczniów szkoły (zmiana szkoły)",
            Language::En => {
                "the student is no longer on the school's register (moved to another school)"
            }
        }
    }

    /// The plan: students now, leaving, and the rows mleg does not know.
    pub fn sync_plan(self, register: usize, leaving: usize, unknown: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Uczniów w rejestrze: {register}; brak w nowym pliku (odeszli): {leaving}; \
                 wierszy z uczniami spoza rejestru: {unknown} (nie dodano; dodaj je przez mleg apps import)."
            ),
            Language::En => format!(
                "Students on the register: {register}; missing from the new file (left): {leaving}; \
                 rows of students not on the register: {unknown} (not added; add them with mleg apps import)."
            ),
        }
    }

    /// One application to close: unieważnienie (issued) or anulowanie.
    pub fn sync_closing(self, id: i64, invalidate: bool) -> String {
        let what = match (self.0, invalidate) {
            (Language::Pl, true) => "unieważnienie mLegitymacji (zmiana szkoły)",
            (Language::Pl, false) => "anulowanie wniosku (uczeń odszedł ze szkoły)",
            (Language::En, true) => "invalidate the mLegitymacja (transfer)",
            (Language::En, false) => "cancel the application (the student left)",
        };
        format!("  #{id}: {what}")
    }

    pub fn sync_dry_run(self) -> &'static str {
        super::pick(
            self.0,
            "Próba (--dry-run): nic nie zmieniono.",
            "Dry run (--dry-run): nothing changed.",
        )
    }

    pub fn sync_done(self, closed: usize, refused: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Zamknięto wniosków: {closed} (rodzice dostali wiadomość; mLegitymacje unieważnij także w systemie ministerstwa). Nie dało się zamknąć: {refused}."
            ),
            Language::En => format!(
                "Applications closed: {closed} (parents were told; invalidate the mLegitymacje in the ministry system too). Could not be closed: {refused}."
            ),
        }
    }

    pub fn sync_too_many(self, leaving: usize, register: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Odmowa: plik zamknąłby {leaving} z {register} uczniów (ponad połowę). Czy plik jest kompletny? \
                 Sprawdź najpierw z --dry-run; jeśli to zamierzone, powtórz z --yes."
            ),
            Language::En => format!(
                "Refused: the file would close {leaving} of {register} students (more than half). Is the file complete? \
                 Check with --dry-run first; if this is intended, repeat with --yes."
            ),
        }
    }

    pub fn sync_invalid_rows(self, rows: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Nic nie zmieniono: {rows} wiersz(y) z błędami, a każdy może być uczniem, który zostaje. Popraw plik."
            ),
            Language::En => format!(
                "Nothing changed: {rows} row(s) with errors, and each may be a student who stays. Fix the file."
            ),
        }
    }
}
