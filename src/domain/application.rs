//! A registered application as the rest of `mleg` sees it: the student,
//! the parents, where it stands, and its token.
//!
//! The store reads it back from SQLite; the workflow, the workers and the
//! CLI take it as plain data.

use chrono::{DateTime, Utc};

use super::{EmailAddress, Pesel, SchoolClass, Status, StudentName};

/// A registered application, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub name: StudentName,
    pub pesel: Pesel,
    pub class: SchoolClass,
    /// The primary parent address (news goes here when nobody wrote).
    pub parent_email: EmailAddress,
    /// Every address that counts as a parent, the primary one first.
    pub parent_emails: Vec<EmailAddress>,
    pub legitymacja_number: Option<String>,
    pub code_to_student: bool,
    pub status: Status,
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Application {
    /// Is `address` one of this application's parents?
    pub fn has_parent(&self, address: &EmailAddress) -> bool {
        self.parent_email == *address || self.parent_emails.contains(address)
    }

    /// Is the sender of a mail (its raw From address) one of the parents?
    pub fn has_parent_text(&self, sender: Option<&str>) -> bool {
        sender
            .and_then(|s| EmailAddress::parse(s).ok())
            .is_some_and(|s| self.has_parent(&s))
    }
}

/// An application's activation code as recorded, for the parent's mail, the
/// slip and `apps show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodeInfo {
    pub code: String,
    pub qr_content: Option<String>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub handed_over_at: Option<chrono::DateTime<chrono::Utc>>,
    pub handed_over_by: Option<String>,
}
