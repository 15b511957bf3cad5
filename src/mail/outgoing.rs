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
    /// The stored photo (`photos` row) these bytes are, if any: the outbox
    /// then keeps a reference, not a second copy, and reads the bytes when
    /// it sends, so a purge of the photo leaves nothing queued behind it.
    pub stored_photo: Option<i64>,
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
    /// "mleg gave up sending a mail" (never alerted about itself: no loop).
    StaffDeliveryFailed,
    /// The sender's last automatic reply within 24 hours: "further mails
    /// will be read by the secretariat".
    ParentLastNotice,
    /// "This parent's address bounces": to the secretary, once per
    /// application and address.
    StaffBounce,
    /// A date rule's mail to the parent: the code expires soon, or expired.
    ParentReminder,
    /// A date rule's mail to the secretary: a code expired, a deadline nears.
    StaffReminder,
    /// The secretary's working-day digest of what waits for her.
    StaffDigest,
    /// "The mail server will not give (or let mleg move) this mail; it is
    /// left where it is": once per mail.
    StaffStuckMail,
    /// To `[alerts] to`: a login failing, working again, or a credential
    /// nearing its end.
    ItAlert,
    /// A parent's request by mail (lost phone, opting out, an objection):
    /// the secretary confirms it with a command.
    StaffParentRequest,
}

impl MailKind {
    /// A mail to the secretary that she may answer with a command: its
    /// subject's token is recorded when it is queued.
    pub fn asks_for_a_command(self) -> bool {
        matches!(
            self,
            MailKind::StaffPhoto
                | MailKind::StaffSlip
                | MailKind::StaffAnswer
                | MailKind::StaffAlert
                | MailKind::StaffReminder
                | MailKind::StaffNeedsHuman
                | MailKind::StaffParentRequest
        )
    }

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
            MailKind::StaffDeliveryFailed => "staff_delivery_failed",
            MailKind::ParentLastNotice => "parent_last_notice",
            MailKind::StaffBounce => "staff_bounce",
            MailKind::ParentReminder => "parent_reminder",
            MailKind::StaffReminder => "staff_reminder",
            MailKind::StaffDigest => "staff_digest",
            MailKind::StaffStuckMail => "staff_stuck_mail",
            MailKind::ItAlert => "it_alert",
            MailKind::StaffParentRequest => "staff_parent_request",
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

impl OutgoingMail {
    /// The same mail, its attachments being the stored photo `photo`.
    pub fn with_stored_photo(mut self, photo: i64) -> OutgoingMail {
        for a in &mut self.attachments {
            a.stored_photo = Some(photo);
        }
        self
    }
}

/// Longest file name (or other short text from a received mail) echoed into
/// a mail, in characters.
pub const ECHO_MAX_CHARS: usize = 80;
/// Longest echoed subject: more room, because the subject of a reply to one
/// of mleg's notifications carries the application token at its end.
pub const ECHO_SUBJECT_MAX_CHARS: usize = 200;

/// A text from a received mail (file name, subject, sender) made safe to
/// echo into a mail to a parent or the secretary: control characters
/// (CR/LF included) become spaces, invisible and direction-changing
/// characters (bidi overrides U+202A–U+202E, isolates U+2066–U+2069, marks)
/// are removed, runs of spaces collapse, and the result is cut to
/// `max_chars` characters ending in "…". Every compose path uses this.
pub fn echo_safe(text: &str, max_chars: usize) -> String {
    let visible = text
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| if c.is_control() { ' ' } else { c });
    let words: Vec<String> = visible
        .collect::<String>()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let clean = words.join(" ");
    if clean.chars().count() <= max_chars {
        return clean;
    }
    let kept: String = clean.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Characters that change how the text around them is shown without being
/// seen themselves: a file name "gpj.exe" shown reversed, zero-width joins.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

/// "Re: " once, never "Re: Re: ". The original is made [`echo_safe`].
pub fn reply_subject(original: &str, fallback: &str) -> String {
    let original = echo_safe(original, ECHO_SUBJECT_MAX_CHARS);
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
    use super::{echo_safe, reply_subject};

    #[test]
    fn echoed_text_loses_control_and_bidi_characters_and_is_capped() {
        assert_eq!(
            echo_safe("Kamil\r\nBcc: x@y.pl\t.jpg", 80),
            "Kamil Bcc: x@y.pl .jpg"
        );
        assert_eq!(
            echo_safe("zdj\u{202e}gpj.exe\u{2066}\u{2069}", 80),
            "zdjgpj.exe"
        );
        assert_eq!(echo_safe("  \u{200b}Łucja  Żak  ", 80), "Łucja Żak");
        let long = "ą".repeat(300);
        let cut = echo_safe(&long, 80);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with("ąąą…"));
        assert_eq!(echo_safe(&"a".repeat(80), 80), "a".repeat(80));
    }

    #[test]
    fn a_reply_subject_is_cleaned_too() {
        assert_eq!(
            reply_subject("zdjęcie\r\nX-Evil: 1", "x"),
            "Re: zdjęcie X-Evil: 1"
        );
    }

    #[test]
    fn reply_subject_adds_re_once() {
        assert_eq!(reply_subject("Legitymacja", "x"), "Re: Legitymacja");
        assert_eq!(reply_subject("RE: Legitymacja", "x"), "RE: Legitymacja");
        assert_eq!(reply_subject("Odp: zdjęcie", "x"), "Odp: zdjęcie");
        assert_eq!(reply_subject("  ", "Twoja wiadomość"), "Twoja wiadomość");
    }
}
