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
    /// The student's record (`students`): a reissue is another application
    /// of the same student.
    pub student_id: i64,
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
    /// The code record's id (`replaced_by` names another).
    pub id: i64,
    pub code: String,
    pub qr_content: Option<String>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub handed_over_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who recorded the hand-over ("mail:…", "cli:…").
    pub handed_over_by: Option<String>,
    /// "handed" (the secretary's WYDANO) or "activated" (the parent's AKTYWOWANO).
    pub handed_over_how: Option<String>,
    /// "parent" or "student".
    pub handed_over_to: Option<String>,
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub expired_at: Option<chrono::DateTime<chrono::Utc>>,
    pub invalidated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A stable id: parent_request, name_change, card_invalid, transfer, objection.
    pub invalidated_reason: Option<String>,
    pub replaced_by: Option<i64>,
}

impl CodeInfo {
    /// A code just recorded: nothing has happened to it yet.
    pub fn new(
        id: i64,
        code: &str,
        generated_at: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> CodeInfo {
        CodeInfo {
            id,
            code: code.to_owned(),
            qr_content: None,
            generated_at,
            expires_at,
            handed_over_at: None,
            handed_over_by: None,
            handed_over_how: None,
            handed_over_to: None,
            activated_at: None,
            expired_at: None,
            invalidated_at: None,
            invalidated_reason: None,
            replaced_by: None,
        }
    }
}
