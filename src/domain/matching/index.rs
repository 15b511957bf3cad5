//! Name keys: the narrowing that lets the store hand [`super::match_student`]
//! only the students a mail may name, instead of every open application.
//!
//! A student is named only when every token of the last name is in the text,
//! itself or declined (stem plus an ending of at most [`MAX_ENDING_CHARS`]
//! letters, the stem at least [`super::MIN_STEM_CHARS`] long). So a student
//! can be named by a text only if one of the last name's *keys* (each token,
//! and its stem) is one of the text's keys (each token, and each of its
//! prefixes that is at most that many letters shorter and long enough to be
//! a stem). The keys are folded once, at registration, and indexed; the
//! pure matching still decides among the students it is given, so the
//! outcome is the same as over the whole register.

use std::collections::BTreeSet;

use super::{MIN_STEM_CHARS, declension, tokenize};
use crate::domain::name::StudentName;

/// The longest case ending [`declension`] lists (`iego`, `iemu`).
const MAX_ENDING_CHARS: usize = 4;

/// The keys a student is indexed under: the folded tokens of the last name
/// and their stems.
pub fn name_keys(name: &StudentName) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for token in tokenize(name.last_name()) {
        let (stem, _) = declension(&token);
        if stem.chars().count() >= MIN_STEM_CHARS {
            keys.insert(stem.to_owned());
        }
        keys.insert(token);
    }
    keys.into_iter().collect()
}

/// Adds the keys under which `text` may name a student: each folded token,
/// and each prefix that leaves an ending of up to four letters.
pub fn text_keys(text: &str, keys: &mut BTreeSet<String>) {
    for token in tokenize(text) {
        let chars: Vec<(usize, char)> = token.char_indices().collect();
        for cut in 1..=MAX_ENDING_CHARS {
            let Some(kept) = chars.len().checked_sub(cut) else {
                break;
            };
            if kept < MIN_STEM_CHARS {
                break;
            }
            keys.insert(token[..chars[kept].0].to_owned());
        }
        keys.insert(token);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Candidate, students_named_in};
    use super::*;
    use crate::domain::test_support::{email, name};

    /// Whenever a text names a student, the two share a key: narrowing by
    /// keys never loses a match.
    #[test]
    fn every_text_that_names_a_student_shares_a_key_with_the_name() {
        let cases = [
            ("Łucja", "Żak", "zdjęcie Łucji Żak"),
            ("Łucja", "Żak", "ZAK LUCJA 3A"),
            ("Jan", "Kowalski", "legitymacja Jana Kowalskiego"),
            ("Anna", "Nowak-Kowalska", "Annie Nowak Kowalskiej"),
            ("Ewa", "Li", "ewa li"),
            ("Maria", "Kościuszko", "Marii Kościuszki"),
            ("Sean", "O'Brien", "sean obrien"),
            ("Jerzy", "Wójcik", "Jerzego Wójcikiem"),
            ("Oksana", "Шевченко", "Oksana Шевченко"),
        ];
        let parent = email("rodzic@example.pl");
        for (first, last, text) in cases {
            let student = name(first, last);
            let candidate = Candidate {
                id: 1,
                name: &student,
                parent_email: &parent,
            };
            assert_eq!(students_named_in(text, &[candidate]), vec![1], "{text}");
            let mut keys = BTreeSet::new();
            text_keys(text, &mut keys);
            assert!(
                name_keys(&student).iter().any(|k| keys.contains(k)),
                "{text}: {keys:?} vs {:?}",
                name_keys(&student)
            );
        }
    }

    #[test]
    fn unrelated_words_do_not_share_keys_with_a_name() {
        let mut keys = BTreeSet::new();
        text_keys(
            "Dzień dobry, przesyłam nowe zdjęcie do legitymacji",
            &mut keys,
        );
        for (first, last) in [("Jan", "Nowak"), ("Anna", "Kowalska"), ("Ewa", "Li")] {
            let student = name(first, last);
            assert!(
                !name_keys(&student).iter().any(|k| keys.contains(k)),
                "{last}"
            );
        }
    }
}
