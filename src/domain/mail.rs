//! A received mail as the core reads it: who sent it, what it answers, its
//! text and its pictures.
//!
//! Plain data, built by `mail::parse` (the only code that knows MIME) and read
//! by `workflow::decide` and the workers. Nothing here parses anything.

/// What the rest of the daemon knows about one received mail.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingMail {
    /// Message-ID without `<>`.
    pub message_id: Option<String>,
    /// Bare sender address, lowercased, e.g. `rodzic@example.pl`.
    pub from: Option<String>,
    /// Sender's display name, if any.
    pub from_name: Option<String>,
    /// Bare Reply-To address, lowercased.
    pub reply_to: Option<String>,
    /// Bare To and Cc addresses, lowercased.
    pub to: Vec<String>,
    /// Decoded subject, `""` if none.
    pub subject: String,
    /// Message ids without `<>`.
    pub in_reply_to: Vec<String>,
    /// Message ids without `<>`.
    pub references: Vec<String>,
    /// Best plain text: text parts joined (HTML converted when there is no
    /// plain text), followed by the text of forwarded messages; at most
    /// `mail::parse::MAX_TEXT_CHARS` characters.
    pub text: String,
    /// The raw HTML body of the mail itself (not of forwarded mails), if it
    /// has one, at most `mail::parse::MAX_TEXT_CHARS` bytes: a secretary's HTML-only reply
    /// keeps its quote structure (`<blockquote>`) only here.
    pub html: Option<String>,
    /// Every picture-like part, anywhere in the MIME tree.
    pub images: Vec<Attachment>,
    /// Names (or content types) of the other attachments, so the reply can
    /// tell the parent what we received instead.
    pub other_attachments: Vec<String>,
    /// Why this is a robot's mail (bounce, auto-reply, list, no-reply
    /// sender), read from its own headers and sender: never auto-reply to it.
    pub robot: Option<RobotReason>,
    /// Addresses named in its `X-Loop` headers, lowercased: one naming
    /// mleg's own address has been through mleg already.
    pub x_loop: Vec<String>,
    /// Set when this is a delivery report (RFC 3464, or a Postfix/Exchange
    /// style bounce) for a returned mail: what it says about it.
    pub bounce: Option<Bounce>,
    /// Set when the MIME tree is over one of the caps of `mail::parse`
    /// (parts, pictures, nesting); `images` is then empty.
    pub over_limit: Option<OverLimit>,
    /// The mail has several `From` fields, or several addresses in its
    /// `From`: who sent it is not clear, so it never acts as staff.
    pub from_ambiguous: bool,
    /// Its `Authentication-Results` fields, topmost (added last, by the
    /// receiving server) first.
    pub auth_results: Vec<AuthResults>,
}

/// One `Authentication-Results` field (RFC 8601): which server judged the
/// mail, and the verdicts a staff command is checked by. Comments are
/// dropped before reading, so `(dmarc=pass)` in a comment counts for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthResults {
    /// The server that wrote it (`mx.szkola.pl`), lowercased.
    pub authserv_id: String,
    /// `dmarc=pass`.
    pub dmarc_pass: bool,
    /// The `header.d` domains of the `dkim=pass` results, lowercased.
    pub dkim_pass: Vec<String>,
    /// Exchange Online's own stamp that the sender logged in to the same
    /// organisation (`X-MS-Exchange-Organization-AuthAs: Internal`; Exchange
    /// strips such fields from mail arriving from outside).
    pub internal: bool,
}

impl IncomingMail {
    /// Bounce, auto-reply or list mail: never auto-reply to it.
    pub fn auto_generated(&self) -> bool {
        self.robot.is_some()
    }
}

/// Why a mail gets no automatic answer (RFC 3834 and what helpdesks learned):
/// its headers or sender say a robot sent it, it loops back to mleg, or the
/// sender has had enough automatic replies. Shown to the secretary and
/// logged, so a silent mail always has a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotReason {
    /// `Return-Path: <>`: an empty envelope sender (bounces, notifications).
    EmptyReturnPath,
    /// `Auto-Submitted` other than `no`.
    AutoSubmitted,
    /// `Precedence: bulk`, `list`, `junk` or `auto_reply`.
    Precedence,
    /// `List-Id` or `List-Unsubscribe`: a mailing list.
    MailingList,
    /// `X-Autoreply`, `X-Autorespond`, or `X-Auto-Response-Suppress` asking
    /// for no auto-reply (`All`, `AutoReply`, `OOF`).
    AutoReplyHeader,
    /// A delivery or read report (`multipart/report`).
    Report,
    /// `mailer-daemon`, `postmaster`, `noreply`, `no-reply`, `do-not-reply`…
    RobotSender,
    /// A subject robots begin with and people do not (`Automatic reply:`,
    /// `Undeliverable:`, `Mail delivery failed`…), from robots that set no
    /// robot header.
    RobotSubject,
    /// `X-Loop` names mleg's own address.
    Loop,
    /// Sent from mleg's own address, or with a Message-ID mleg minted.
    OwnMail,
    /// The sender already had `max_auto_replies_per_day` automatic replies
    /// in the last 24 hours.
    ReplyCap,
    /// The third near-identical mail (same sender, subject and text) within
    /// an hour: a broken auto-responder without headers.
    Repeated,
}

impl RobotReason {
    /// Its own headers or sender say so (not the count of replies): a mail
    /// without a photo from such a sender is no question to answer.
    pub fn from_headers(self) -> bool {
        !matches!(self, RobotReason::ReplyCap | RobotReason::Repeated)
    }
}

/// What a delivery report says about the mail it returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bounce {
    /// Message-IDs (without `<>`) of the returned mail, from its returned
    /// headers (`message/rfc822` or `text/rfc822-headers`).
    pub original_ids: Vec<String>,
    /// Some recipient failed for good (a `5.x.x` status): retrying is useless.
    pub permanent: bool,
}

/// One picture-like MIME part.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub file_name: Option<String>,
    /// Declared type, lowercased (`image/jpeg`); `application/octet-stream`
    /// when none was declared. Not to be trusted: check the bytes.
    pub content_type: String,
    /// Decoded content.
    pub data: Vec<u8>,
    /// Shown in the body (inline / `multipart/related`) rather than attached.
    pub inline: bool,
}

/// Which cap a mail's MIME tree went over, with what it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OverLimit {
    Parts { found: usize, max: usize },
    Images { found: usize, max: usize },
    Depth { found: usize, max: usize },
}
