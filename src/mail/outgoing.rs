//! A mail `mleg` wants to send, as plain data.
//!
//! It is rendered and queued in the outbox in the same transaction as the
//! state change that causes it; only the SMTP adapter turns it into MIME.

use crate::domain::EmailAddress;

/// A file attached to an outgoing mail.
#[derive(Debug, Clone, PartialEq)]
pub struct OutAttachment {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What the mail is about, stored with it for the audit trail and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// The combined answer to a parent's mail (accepted / rejected / …).
    ParentReply,
    /// A photo matched later, when the application was registered.
    ParentPhotoMatched,
    /// "Here is a photo to enter in the ministry system."
    StaffPhoto,
    /// "A human needs to look at this mail."
    StaffNeedsHuman,
    /// News for the parent after a secretary's command (approved, code ready, …).
    ParentNews,
    /// The printable hand-over slip.
    StaffSlip,
    /// The answer to a secretary's command (done / already done / help).
    StaffAnswer,
    /// A command that was not accepted (wrong sender, no token, unreadable QR).
    StaffAlert,
    /// The activation code, its QR image and the steps, e-mailed to the parent.
    ParentCode,
    /// "mleg could not delete this mail after the purge: delete it by hand."
    StaffPurgeFailed,
    /// "A stranger sent a photo named after this student: TAK or NIE?"
    StaffHeldPhoto,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::ParentReply => "parent_reply",
            MailKind::ParentPhotoMatched => "parent_photo_matched",
            MailKind::StaffPhoto => "staff_photo",
            MailKind::StaffNeedsHuman => "staff_needs_human",
            MailKind::ParentNews => "parent_news",
            MailKind::StaffSlip => "staff_slip",
            MailKind::StaffAnswer => "staff_answer",
            MailKind::StaffAlert => "staff_alert",
            MailKind::ParentCode => "parent_code_email",
            MailKind::StaffPurgeFailed => "staff_purge_failed",
            MailKind::StaffHeldPhoto => "staff_held_photo",
        }
    }
}

/// A fully rendered mail, ready for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMail {
    pub kind: MailKind,
    pub application_id: Option<i64>,
    pub to: EmailAddress,
    pub subject: String,
    pub body: String,
    /// Message-ID (without `<>`) of the mail this answers, for threading.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<OutAttachment>,
}

/// "Re: " once, never "Re: Re: ".
pub fn reply_subject(original: &str, fallback: &str) -> String {
    let s = original.trim();
    if s.is_empty() {
        return fallback.to_owned();
    }
    let lower = s.to_lowercase();
    if lower.starts_with("re:") || lower.starts_with("odp:") || lower.starts_with("aw:") {
        s.to_owned()
    } else {
        format!("Re: {s}")
    }
}

#[cfg(test)]
mod tests {
    use super::reply_subject;

    #[test]
    fn reply_subject_adds_re_once() {
        assert_eq!(reply_subject("Legitymacja", "x"), "Re: Legitymacja");
        assert_eq!(reply_subject("RE: Legitymacja", "x"), "RE: Legitymacja");
        assert_eq!(reply_subject("Odp: zdjęcie", "x"), "Odp: zdjęcie");
        assert_eq!(reply_subject("  ", "Twoja wiadomość"), "Twoja wiadomość");
    }
}
