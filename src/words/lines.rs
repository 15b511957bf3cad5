//! The sentences of `mleg apps …` in the school's language; the values in
//! them (statuses, dates) are put in words by the caller.

use crate::config::Language;

/// The CLI's lines in one language.
#[derive(Debug, Clone, Copy)]
pub struct Lines(pub Language);

impl Lines {
    pub(super) fn pick(self, pl: &'static str, en: &'static str) -> &'static str {
        super::pick(self.0, pl, en)
    }

    pub fn added(self, id: i64, class: &str) -> String {
        match self.0 {
            Language::Pl => format!("Dodano wniosek #{id} ({class})."),
            Language::En => format!("Added application #{id} ({class})."),
        }
    }

    pub fn matched_earlier_photo(self) -> &'static str {
        self.pick(
            "Zdjęcie przysłane wcześniej zostało przypisane; wniosek czeka na sprawdzenie.",
            "A photo sent earlier was matched; the application awaits review.",
        )
    }

    pub fn skipped_row(self, why: &str) -> String {
        format!("{}: {why}", self.pick("pominięto", "skipped"))
    }

    pub fn row_error(self, why: &str) -> String {
        format!("{}: {why}", self.pick("błąd", "error"))
    }

    pub fn imported(self, n: usize, matched: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Zaimportowano wniosków: {n} (ze zdjęciem przysłanym wcześniej: {matched})."
            ),
            Language::En => {
                format!("Applications imported: {n} (with a photo sent earlier: {matched}).")
            }
        }
    }

    pub fn nothing_imported(self, rows: usize) -> String {
        match self.0 {
            Language::Pl => format!(
                "Nic nie zaimportowano: {rows} wiersz(y) z błędami. Popraw plik albo użyj --skip-invalid."
            ),
            Language::En => format!(
                "Nothing imported: {rows} row(s) with errors. Fix the file or use --skip-invalid."
            ),
        }
    }

    pub fn pesel_and_parents(self, pesel: &str, parents: &str) -> String {
        let label = self.pick("e-mail rodzica", "parent's e-mail");
        format!("PESEL: {pesel}   {label}: {parents}")
    }

    pub fn status(self, status: &str) -> String {
        format!("Status: {status}")
    }

    pub fn bounces(self, what: &str) -> String {
        let label = self.pick(
            "Adres rodzica nie przyjmuje poczty (zwrot)",
            "The parent's address does not accept mail (bounce)",
        );
        format!("{label}: {what}")
    }

    /// `apps show` of an application reduced to an anonymous trail.
    pub fn anonymised(self, id: i64, at: &str) -> String {
        match self.0 {
            Language::Pl => format!(
                "Wniosek #{id}: dane osobowe usunięte {at} (okres przechowywania minął); \
                 zostały tylko status, daty i rodzaje zdarzeń."
            ),
            Language::En => format!(
                "Application #{id}: personal data deleted {at} (retention period over); \
                 only the status, dates and kinds of events remain."
            ),
        }
    }

    pub fn photo_deleted(self, at: &str) -> String {
        format!("{} {at}", self.pick("Zdjęcie: usunięte", "Photo: deleted"))
    }

    pub fn photo(self, width: u32, height: u32, kb: u64, at: &str) -> String {
        let (photo, received) = (
            self.pick("Zdjęcie", "Photo"),
            self.pick("otrzymane", "received"),
        );
        format!("{photo}: {width}×{height} px, {kb} KB, {received} {at}")
    }

    pub fn no_photo(self) -> &'static str {
        self.pick("Zdjęcie: brak", "Photo: none")
    }

    pub fn code(self, code: &str, generated: &str, expires: &str) -> String {
        // Once no longer live the code itself is deleted; its dates stay.
        let deleted = self.pick("(usunięty)", "(deleted)");
        let code = if code.is_empty() { deleted } else { code };
        match self.0 {
            Language::Pl => {
                format!("Kod aktywacyjny: {code} (wygenerowany {generated}, ważny do {expires})")
            }
            Language::En => {
                format!("Activation code: {code} (generated {generated}, valid until {expires})")
            }
        }
    }

    pub fn history(self) -> &'static str {
        self.pick("Historia:", "History:")
    }

    pub fn audit(self) -> &'static str {
        self.pick("Polecenia (audyt):", "Commands (audit):")
    }

    pub fn complete(self, complete: &str, deadline: &str, overdue: bool) -> String {
        let late = if overdue {
            self.pick(" — PO TERMINIE", " — OVERDUE")
        } else {
            ""
        };
        match self.0 {
            Language::Pl => format!("Kompletny: {complete}   termin wydania: {deadline}{late}"),
            Language::En => format!("Complete: {complete}   issue deadline: {deadline}{late}"),
        }
    }

    /// A reminder: to the parent `day` days before the code expires, or to
    /// the office on day `day` since the application was complete.
    pub fn reminder(self, to_parent: bool, day: u32, sent: bool, at: &str) -> String {
        let what = if sent {
            self.pick("wysłane", "sent")
        } else {
            self.pick("pominięte", "skipped")
        };
        match (self.0, to_parent) {
            (Language::Pl, true) => {
                format!("Przypomnienie (rodzic, {day} dni przed wygaśnięciem): {what} {at}")
            }
            (Language::Pl, false) => {
                format!("Przypomnienie (sekretariat, {day} dni od kompletu): {what} {at}")
            }
            (Language::En, true) => {
                format!("Reminder (parent, {day} days before expiry): {what} {at}")
            }
            (Language::En, false) => {
                format!("Reminder (office, {day} days since complete): {what} {at}")
            }
        }
    }

    pub fn overdue_mark(self) -> &'static str {
        self.pick("  (po terminie)", "  (overdue)")
    }

    pub fn total(self, n: usize) -> String {
        format!("{}: {n}", self.pick("Razem", "Total"))
    }

    pub fn done(self, id: i64, from: &str, to: &str) -> String {
        match self.0 {
            Language::Pl => format!("Wykonano: wniosek #{id}: {from} → {to}."),
            Language::En => format!("Done: application #{id}: {from} → {to}."),
        }
    }

    pub fn objection_withdrawn(self, id: i64) -> String {
        match self.0 {
            Language::Pl => format!(
                "Wycofano sprzeciw (wniosek #{id}). Aby wydać mLegitymację, zarejestruj nowy wniosek (mleg apps add)."
            ),
            Language::En => format!(
                "Objection withdrawn (application #{id}). To issue an mLegitymacja, register a new application (mleg apps add)."
            ),
        }
    }

    pub fn no_objection(self, id: i64) -> String {
        match self.0 {
            Language::Pl => {
                format!("Bez zmian: uczeń z wniosku #{id} nie ma zapisanego sprzeciwu.")
            }
            Language::En => {
                format!("No change: the student of application #{id} has no objection on file.")
            }
        }
    }

    pub fn already_done(self, status: &str) -> String {
        match self.0 {
            Language::Pl => format!("Bez zmian: to już zostało zrobione (status: {status})."),
            Language::En => format!("No change: this was already done (status: {status})."),
        }
    }

    pub fn not_now(self, id: i64, status: &str) -> String {
        match self.0 {
            Language::Pl => format!("Nie można teraz: wniosek #{id} ma status „{status}”."),
            Language::En => format!("Not now: application #{id} is \"{status}\"."),
        }
    }

    pub fn wrong_process(self, process: &str) -> String {
        match self.0 {
            Language::Pl => format!(
                "To polecenie nie dotyczy procesu „{process}” (zob. `process` w konfiguracji)."
            ),
            Language::En => format!(
                "This command does not apply to the \"{process}\" process (see `process` in the config)."
            ),
        }
    }

    /// A typed code generation time that cannot be right; `why` from the
    /// `issue_time_*` sentences below.
    pub fn bad_issue_time(self, at: &str, why: &str) -> String {
        match self.0 {
            Language::Pl => {
                format!("Nie zapisano kodu: data wygenerowania {at} {why}. Nic nie zmieniono.")
            }
            Language::En => format!(
                "The code was not recorded: the generation time {at} {why}. Nothing changed."
            ),
        }
    }

    pub fn issue_time_future(self) -> &'static str {
        self.pick("jest w przyszłości", "is in the future")
    }

    pub fn issue_time_before_completion(self, complete_at: &str) -> String {
        match self.0 {
            Language::Pl => {
                format!("jest wcześniejsza niż skompletowanie wniosku ({complete_at}); sprawdź rok")
            }
            Language::En => {
                format!("is before the application was complete ({complete_at}); check the year")
            }
        }
    }

    pub fn issue_time_lapsed(self, valid_days: i64) -> String {
        match self.0 {
            Language::Pl => format!("była ponad {valid_days} dni temu, taki kod już wygasł"),
            Language::En => format!("was over {valid_days} days ago, such a code has lapsed"),
        }
    }

    /// `apps show`: the mail she can send to act on the application.
    pub fn command_mail(self, mailbox: &str, subject: &str) -> String {
        match self.0 {
            Language::Pl => format!(
                "Polecenie mailem (z adresu sekretariatu do {mailbox}, ważne jednorazowo):\n  Temat: {subject}\n  Treść, pierwszy wiersz:"
            ),
            Language::En => format!(
                "Command by mail (from a staff address to {mailbox}, good once):\n  Subject: {subject}\n  Body, first line:"
            ),
        }
    }

    pub fn reason_word(self) -> &'static str {
        self.pick("powód", "reason")
    }

    pub fn invalidation_reasons(self) -> &'static str {
        self.pick(
            "powód: wniosek rodzica | zmiana nazwiska | legitymacja nieważna | zmiana szkoły | sprzeciw",
            "reason: parent_request | name_change | card_invalid | transfer | objection",
        )
    }

    pub fn reissued_as(self, new: i64) -> String {
        match self.0 {
            Language::Pl => format!(
                "Ponowne wydanie: nowy wniosek #{new} czeka na zdjęcie (rodzic dostał prośbę)."
            ),
            Language::En => {
                format!("Reissue: new application #{new} awaits a photo (the parent was asked).")
            }
        }
    }

    pub fn reissued_with_photo(self, new: i64) -> String {
        match self.0 {
            Language::Pl => format!(
                "Ponowne wydanie: nowy wniosek #{new} z zachowanym zdjęciem czeka na sprawdzenie \
                 (sekretariat dostał zdjęcie; rodzica nie proszono o nowe)."
            ),
            Language::En => format!(
                "Reissue: new application #{new} with the kept photo awaits review \
                 (the secretary got the photo; the parent was not asked for a new one)."
            ),
        }
    }

    /// A refused `--keep-photo`, in one line: no photo kept, or kept only
    /// until `until` (a day), now past. No reissue was started.
    pub fn photo_not_kept(self, id: i64, until: Option<&str>) -> String {
        match (self.0, until) {
            (Language::Pl, None) => format!(
                "Nie rozpoczęto ponownego wydania: dla wniosku #{id} nie zachowano zdjęcia \
                 (usunięto je zgodnie z zasadą szkoły); bez --keep-photo rodzic zostanie poproszony o nowe."
            ),
            (Language::Pl, Some(d)) => format!(
                "Nie rozpoczęto ponownego wydania: zdjęcie wniosku #{id} było zachowane do {d}, \
                 ten termin minął; bez --keep-photo rodzic zostanie poproszony o nowe."
            ),
            (Language::En, None) => format!(
                "No reissue started: no photo was kept for application #{id} (deleted under \
                 the school's rule); without --keep-photo the parent is asked for a new one."
            ),
            (Language::En, Some(d)) => format!(
                "No reissue started: the photo of application #{id} was kept until {d}, \
                 which has passed; without --keep-photo the parent is asked for a new one."
            ),
        }
    }

    /// `apps show`: a photo kept for a reissue, and until when (a day).
    pub fn photo_kept_until(self, day: &str) -> String {
        match self.0 {
            Language::Pl => format!("  zdjęcie zachowane do {day} (do ponownego wydania)"),
            Language::En => format!("  photo kept until {day} (for a reissue)"),
        }
    }

    /// `apps show`: the application's place in a chain of reissues.
    pub fn chain(self, chain: &str) -> String {
        match self.0 {
            Language::Pl => format!("Kolejne wydania: {chain}"),
            Language::En => format!("Issues in turn: {chain}"),
        }
    }

    pub fn this_one(self) -> &'static str {
        self.pick("ten", "this one")
    }
}
