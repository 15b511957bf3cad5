//! Why an issued mLegitymacja is invalidated: the reasons the school's
//! procedure names, as the secretary types them and as they are stored.

use std::fmt;

use super::name::fold;

/// Why an issued mLegitymacja is invalidated. The ids (`as_str`) are what
/// the database, `--reason` and `--json` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidationReason {
    /// The parent asked: a lost, damaged or badly working phone, or opting out.
    ParentRequest,
    /// The student's name changed (an administrative decision or a court ruling).
    NameChange,
    /// The paper school ID (or e-legitymacja) lost its validity, or was lost.
    CardInvalid,
    /// The student moved to another school.
    Transfer,
    /// A parent objected to the mLegitymacja.
    Objection,
}

/// The words a secretary may type for each reason, folded (lowercase, no
/// diacritics): the id, its English words, and the Polish ones.
const WORDS: [(InvalidationReason, &[&str]); 5] = [
    (
        InvalidationReason::ParentRequest,
        &[
            "parent_request",
            "parent request",
            "wniosek rodzica",
            "na wniosek rodzica",
            "prosba rodzica",
            "rodzic",
        ],
    ),
    (
        InvalidationReason::NameChange,
        &[
            "name_change",
            "name change",
            "zmiana nazwiska",
            "zmiana imienia",
            "nazwisko",
        ],
    ),
    (
        InvalidationReason::CardInvalid,
        &[
            "card_invalid",
            "card invalid",
            "legitymacja niewazna",
            "niewazna legitymacja",
            "utrata legitymacji",
            "legitymacja",
        ],
    ),
    (
        InvalidationReason::Transfer,
        &["transfer", "zmiana szkoly", "przeniesienie", "inna szkola"],
    ),
    (
        InvalidationReason::Objection,
        &["objection", "sprzeciw", "sprzeciw rodzica"],
    ),
];

impl InvalidationReason {
    pub const ALL: [InvalidationReason; 5] = [
        InvalidationReason::ParentRequest,
        InvalidationReason::NameChange,
        InvalidationReason::CardInvalid,
        InvalidationReason::Transfer,
        InvalidationReason::Objection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvalidationReason::ParentRequest => "parent_request",
            InvalidationReason::NameChange => "name_change",
            InvalidationReason::CardInvalid => "card_invalid",
            InvalidationReason::Transfer => "transfer",
            InvalidationReason::Objection => "objection",
        }
    }

    /// The reason stored under `id`.
    pub fn from_id(id: &str) -> Option<InvalidationReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == id)
    }

    /// What the secretary typed: an id or its words, Polish with or without
    /// diacritics, any case, surrounding punctuation and a trailing period
    /// ignored. `None` when it names no reason.
    pub fn parse(typed: &str) -> Option<InvalidationReason> {
        let folded = fold(typed);
        let words: Vec<&str> = folded
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let typed = words.join(" ");
        WORDS
            .iter()
            .find(|(_, ws)| ws.contains(&typed.as_str()))
            .map(|(r, _)| *r)
    }
}

impl fmt::Display for InvalidationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidationReason::{self, *};

    #[test]
    fn the_secretary_may_type_each_reason_in_polish_with_or_without_diacritics_or_as_its_id() {
        let cases: [(&str, InvalidationReason); 15] = [
            ("wniosek rodzica", ParentRequest),
            ("Wniosek rodzica.", ParentRequest),
            ("parent_request", ParentRequest),
            ("zmiana nazwiska", NameChange),
            ("ZMIANA NAZWISKA", NameChange),
            ("name_change", NameChange),
            ("legitymacja nieważna", CardInvalid),
            ("legitymacja niewazna", CardInvalid),
            ("card_invalid", CardInvalid),
            ("zmiana szkoły", Transfer),
            ("zmiana szkoly", Transfer),
            ("transfer", Transfer),
            ("sprzeciw", Objection),
            ("Sprzeciw!", Objection),
            ("objection", Objection),
        ];
        for (typed, want) in cases {
            assert_eq!(InvalidationReason::parse(typed), Some(want), "{typed}");
        }
    }

    #[test]
    fn words_that_name_no_reason_are_refused() {
        for typed in [
            "",
            "bo tak",
            "zmiana",
            "wniosek",
            "rodzica telefon zgubiony",
        ] {
            assert_eq!(InvalidationReason::parse(typed), None, "{typed}");
        }
    }

    #[test]
    fn every_reason_has_its_id_among_its_words_and_round_trips() {
        for r in InvalidationReason::ALL {
            assert_eq!(InvalidationReason::from_id(r.as_str()), Some(r));
            assert_eq!(InvalidationReason::parse(r.as_str()), Some(r));
        }
    }
}
