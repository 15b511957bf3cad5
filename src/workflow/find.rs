//! Whose photo is it: the student a mail's file name, subject, body or
//! sender points at (see [`find_student`] for the order), worked out by
//! [`super::decide`] for every picture in the mail.

use crate::domain::mail::IncomingMail;
use crate::domain::matching::{self, Candidate, MatchOutcome, TextSource};
use crate::domain::{Application, EmailAddress, Status};

/// Who the subject and the body name, worked out once per mail rather than
/// once per image (a mail may carry many images and a long body).
pub(super) struct MailNames {
    subject: MatchOutcome,
    body: MatchOutcome,
    /// Tokens of a person the subject or body names who is no open
    /// application's student (see `matching::person_named`).
    stranger: Option<Vec<String>>,
}

impl MailNames {
    pub(super) fn of(
        mail: &IncomingMail,
        sender: Option<&EmailAddress>,
        candidates: &[Candidate<'_>],
    ) -> Self {
        let subject = matching::match_student(&mail.subject, sender, candidates);
        let body = matching::match_student(&mail.text, sender, candidates);
        let own = own_name(mail);
        let own = own.as_deref();
        let stranger = (subject == MatchOutcome::NoMatch && body == MatchOutcome::NoMatch)
            .then(|| {
                matching::person_named(&mail.subject, TextSource::Subject, own)
                    .or_else(|| matching::person_named(&mail.text, TextSource::Body, own))
            })
            .flatten();
        MailNames {
            subject,
            body,
            stranger,
        }
    }
}

/// File name first, then the subject, then the body; last, the sender when
/// that parent has exactly one application awaiting a photo. With several
/// images, subject and body only decide when they name exactly as many
/// students as there are images left unnamed — otherwise "Anna and Jan" in
/// the subject would give both photos to the same child.
///
/// The sender decides only when nothing in the mail names anybody: a file
/// name, subject or body naming a person with no open application (a
/// sibling, a friend's child) keeps the photo for that person instead of
/// filing it as the sender's child's.
pub(super) fn find_student(
    mail: &IncomingMail,
    index: usize,
    sender: Option<&EmailAddress>,
    candidates: &[Candidate<'_>],
    names: &MailNames,
    open_apps: &[Application],
) -> MatchOutcome {
    let image = &mail.images[index];
    if let Some(name) = image.file_name.as_deref() {
        let by_file = matching::match_student(file_stem(name), sender, candidates);
        if by_file != MatchOutcome::NoMatch {
            return by_file;
        }
        let own = own_name(mail);
        if matching::person_named(file_stem(name), TextSource::FileName, own.as_deref()).is_some() {
            return MatchOutcome::NoMatch;
        }
    }
    let several_images = mail.images.len() > 1;
    for found in [&names.subject, &names.body] {
        match found {
            MatchOutcome::NoMatch => continue,
            found if !several_images => return found.clone(),
            _ => break,
        }
    }
    if several_images || names.stranger.is_some() {
        return MatchOutcome::NoMatch;
    }
    let Some(sender) = sender else {
        return MatchOutcome::NoMatch;
    };
    let waiting: Vec<i64> = open_apps
        .iter()
        .filter(|a| {
            a.has_parent(sender) && matches!(a.status, Status::AwaitingPhoto | Status::NotRequested)
        })
        .map(|a| a.id)
        .collect();
    match waiting.as_slice() {
        [one] => MatchOutcome::One(*one),
        [] => MatchOutcome::NoMatch,
        _ => MatchOutcome::Ambiguous(waiting),
    }
}

/// The sender's own name as far as the mail tells it: the display name and
/// the address's local part (`anna.swiatek@…`). Never a student's name.
pub(super) fn own_name(mail: &IncomingMail) -> Option<String> {
    let local = mail
        .from
        .as_deref()
        .and_then(|a| a.split_once('@'))
        .map(|(l, _)| l);
    match (mail.from_name.as_deref(), local) {
        (None, None) => None,
        (name, local) => Some(format!("{} {}", name.unwrap_or(""), local.unwrap_or(""))),
    }
}

/// Name tokens to remember with a photo that has no application yet.
pub(super) fn name_guess(mail: &IncomingMail, index: usize, names: &MailNames) -> Vec<String> {
    let from_file = mail.images[index]
        .file_name
        .as_deref()
        .map(|n| matching::name_tokens(file_stem(n)))
        .unwrap_or_default();
    if from_file.len() >= 2 {
        return from_file;
    }
    match &names.stranger {
        Some(person) => person.clone(),
        None => matching::name_tokens(&mail.subject),
    }
}

/// The candidates for matching. An application has several parent
/// addresses; the one that counts for the sender tie-break is the sender's
/// own when it is among them.
pub(super) fn candidates<'a>(
    apps: &'a [Application],
    sender: Option<&EmailAddress>,
) -> Vec<Candidate<'a>> {
    apps.iter()
        .map(|a| Candidate {
            id: a.id,
            name: &a.name,
            parent_email: sender
                .and_then(|s| a.parent_emails.iter().find(|p| *p == s))
                .unwrap_or(&a.parent_email),
        })
        .collect()
}

/// The name keys ([`matching::text_keys`]) of everything in `mail` that
/// [`find_student`] reads for a name: the pictures' file names, the subject
/// and the body. The store gives `decide` the open applications under these
/// keys, and the sender's own: every student the mail can name, and every
/// application the sender fallback can pick.
pub fn mail_name_keys(mail: &IncomingMail) -> Vec<String> {
    let mut keys = std::collections::BTreeSet::new();
    for name in mail.images.iter().filter_map(|i| i.file_name.as_deref()) {
        matching::text_keys(file_stem(name), &mut keys);
    }
    matching::text_keys(&mail.subject, &mut keys);
    matching::text_keys(&mail.text, &mut keys);
    keys.into_iter().collect()
}

/// `Łucja Żak.jpg` → `Łucja Żak` (the extension must not count as a word).
pub fn file_stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem,
        _ => name,
    }
}
