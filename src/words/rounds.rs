//! What `mleg once` and `mleg tick` say at the end of a round, and the
//! labels of the terminal's progress bar, in the school's language.
//!
//! The round lines are one line each, counts only (nothing personal), so a
//! cron mail or a log keeps them whole. `once`'s line starts with the mails
//! examined and ends with the mails sent: scripts read those two numbers.

use super::Lines;
use crate::config::Language;
use crate::progress::Job;

/// What a `mleg tick` round did, as counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickCounts {
    pub parent_reminders: usize,
    pub skipped_reminders: usize,
    pub expired: usize,
    pub staff_reminders: usize,
    pub digest: bool,
    pub anonymised: usize,
    pub orphan_mails: usize,
    pub orphan_photos: usize,
    pub staff_mails: usize,
    pub texts_cleared: usize,
    pub sent: usize,
}

impl Lines {
    /// The bar's label for a job.
    pub fn job(self, job: Job) -> &'static str {
        match job {
            Job::Intake => self.pick("Poczta przychodząca", "Incoming mail"),
            Job::Delivery => self.pick("Wysyłanie", "Sending"),
            Job::Import => self.pick("Import wniosków", "Importing applications"),
            Job::Anonymise => self.pick("Anonimizacja", "Anonymising"),
        }
    }

    /// The bar's "time left" word.
    pub fn time_left(self) -> &'static str {
        self.pick("zostało", "left")
    }

    /// `mleg once`'s summary: examined first, sent last.
    pub fn once_summary(
        self,
        examined: usize,
        handled: usize,
        needs_human: usize,
        ignored: usize,
        sent: usize,
    ) -> String {
        match self.0 {
            Language::Pl => format!(
                "przejrzano: {examined}, obsłużono: {handled}, do sprawdzenia: {needs_human}, pominięto: {ignored}, wysłano: {sent}"
            ),
            Language::En => format!(
                "examined: {examined}, handled: {handled}, for a person: {needs_human}, ignored: {ignored}, sent: {sent}"
            ),
        }
    }

    /// `mleg tick`'s summary: the instant, then each count by name.
    pub fn tick_summary(self, at: &str, c: &TickCounts) -> String {
        let digest = match (c.digest, self.0) {
            (true, Language::Pl) => "tak",
            (false, Language::Pl) => "nie",
            (true, Language::En) => "yes",
            (false, Language::En) => "no",
        };
        match self.0 {
            Language::Pl => format!(
                "tick {at}: przypomnienia dla rodziców: {}, pominięte: {}, kody wygasłe: {}, \
                 przypomnienia dla sekretariatu: {}, podsumowanie dnia: {digest}, \
                 wnioski zanonimizowane: {}, maile ze zdjęciami bez wniosku: {}, \
                 zdjęcia bez wniosku usunięte: {}, stare maile do sekretariatu: {}, \
                 treści wysłanych maili usunięte: {}, wysłano: {}",
                c.parent_reminders,
                c.skipped_reminders,
                c.expired,
                c.staff_reminders,
                c.anonymised,
                c.orphan_mails,
                c.orphan_photos,
                c.staff_mails,
                c.texts_cleared,
                c.sent
            ),
            Language::En => format!(
                "tick {at}: parent reminders: {}, skipped: {}, codes expired: {}, \
                 secretariat reminders: {}, digest: {digest}, \
                 applications anonymised: {}, mails with unclaimed photos: {}, \
                 unclaimed photos deleted: {}, old mails to the secretariat: {}, \
                 sent mails' texts deleted: {}, sent: {}",
                c.parent_reminders,
                c.skipped_reminders,
                c.expired,
                c.staff_reminders,
                c.anonymised,
                c.orphan_mails,
                c.orphan_photos,
                c.staff_mails,
                c.texts_cleared,
                c.sent
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_starts_with_examined_and_ends_with_sent_in_both_languages() {
        for lang in [Language::Pl, Language::En] {
            let line = Lines(lang).once_summary(7, 5, 1, 1, 11);
            let numbers: Vec<usize> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            assert_eq!(numbers, vec![7, 5, 1, 1, 11], "{line}");
        }
        assert!(
            Lines(Language::En)
                .once_summary(0, 0, 0, 0, 0)
                .contains("for a person: 0")
        );
    }

    #[test]
    fn tick_names_each_count_once() {
        let c = TickCounts {
            parent_reminders: 1,
            skipped_reminders: 2,
            expired: 3,
            staff_reminders: 4,
            digest: true,
            anonymised: 5,
            orphan_mails: 6,
            orphan_photos: 7,
            staff_mails: 8,
            texts_cleared: 9,
            sent: 10,
        };
        let pl = Lines(Language::Pl).tick_summary("2026-12-01T08:00:00+00:00", &c);
        assert!(pl.starts_with("tick 2026-12-01T08:00:00+00:00: "), "{pl}");
        for part in [
            "przypomnienia dla rodziców: 1,",
            "pominięte: 2,",
            "kody wygasłe: 3,",
            "przypomnienia dla sekretariatu: 4,",
            "podsumowanie dnia: tak,",
            "wnioski zanonimizowane: 5,",
            "maile ze zdjęciami bez wniosku: 6,",
            "zdjęcia bez wniosku usunięte: 7,",
            "stare maile do sekretariatu: 8,",
            "treści wysłanych maili usunięte: 9,",
        ] {
            assert!(pl.contains(part), "{part} in {pl}");
        }
        assert!(pl.ends_with("wysłano: 10"), "{pl}");
        assert!(!pl.contains('{') && !pl.contains("Report"), "{pl}");
        let en = Lines(Language::En).tick_summary("x", &TickCounts::default());
        assert!(
            en.contains("digest: no,") && en.ends_with("sent: 0"),
            "{en}"
        );
    }
}
