//! Domain types of the mLegitymacja secretariat daemon.
//!
//! Everything that enters the daemon — CSV rows from the secretariat, photo
//! file names and mails from parents — is untrusted text. This module turns
//! that text into types that can only hold valid values ("parse, don't
//! validate"): once a [`Pesel`], [`StudentName`], [`EmailAddress`] or
//! [`SchoolClass`] exists, the rest of the program never checks it again.
//!
//! * [`pesel`], [`name`], [`email`], [`class`] — the value types, each with its
//!   own error enum.
//! * [`application`], [`status`] — a registered application and the states
//!   it moves through, as the workflow, the workers and the store share them.
//! * [`invalidation`] — why an issued mLegitymacja is invalidated.
//! * [`mail`] — a received mail as the core reads it (`mail::parse` builds it).
//! * [`staff`] — the secretariat's addresses, the only ones whose replies act.
//! * [`calendar`] — Polish public holidays, working days, DST-safe local times.
//! * [`matching`] — which registered student a photo or mail is about.
//! * [`csv_import`] — the secretariat's application list, row by row.
//! * [`when`] — the spans and instants typed at the terminal, bounded.
//!
//! Children's personal data (PESEL, names) never prints in full through
//! `Debug`, so `{:?}` in logs stays safe.

pub mod application;
pub mod calendar;
pub mod class;
pub mod csv_import;
pub mod email;
pub mod invalidation;
pub mod mail;
pub mod matching;
pub mod name;
pub mod pesel;
pub mod staff;
pub mod status;
pub mod when;

#[cfg(test)]
pub(crate) mod test_support;

pub use application::{Application, CodeInfo};
pub use class::{ClassError, SchoolClass};
pub use csv_import::{CsvError, ParsedCsv, RowError, parse_applications_csv};
pub use email::{EmailAddress, EmailError};
pub use invalidation::InvalidationReason;
pub use matching::{
    Candidate, MatchOutcome, match_student, name_tokens, students_named_in, tokens_name_student,
};
pub use name::{NameError, NameField, StudentName, fold};
pub use pesel::{Pesel, PeselError};
pub use staff::StaffAddresses;
pub use status::{Status, UnknownStatus};

/// A student application as registered by the secretariat, fully validated.
///
/// Built by [`csv_import`] (or a form handler) at the edge; storage and the
/// ministry export take it as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub name: StudentName,
    pub pesel: Pesel,
    pub class: SchoolClass,
    /// The primary parent address: where news goes when nobody wrote.
    pub parent_email: EmailAddress,
    /// Further addresses that count as this student's parents (mothers and
    /// fathers both write); without duplicates of `parent_email`.
    pub other_parent_emails: Vec<EmailAddress>,
    /// Number of the existing paper/plastic ID, when the school knows it.
    pub legitymacja_number: Option<String>,
    /// Until when the paper/plastic ID is valid (its last sticker), when the
    /// school knows it: the yearly re-validation wave reissues those before
    /// the new date.
    pub valid_until: Option<chrono::NaiveDate>,
    /// Whether the activation code goes to the student rather than the parent.
    pub code_to_student: bool,
}

impl NewApplication {
    /// Every parent address, the primary one first, each once.
    pub fn parent_emails(&self) -> Vec<&EmailAddress> {
        let mut all = vec![&self.parent_email];
        for e in &self.other_parent_emails {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        all
    }
}
