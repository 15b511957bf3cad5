//! An application's activation codes as `mleg apps show` lists them, in the
//! school's language; `--json` keeps the stable identifiers.

use super::pick;
use crate::config::Language;
use crate::domain::CodeInfo;

/// The heading of the code list.
pub fn heading(lang: Language) -> &'static str {
    pick(lang, "Kody aktywacyjne:", "Activation codes:")
}

/// One code and what happened to it, times already put in local words by
/// `local`.
pub fn code_line(
    lang: Language,
    c: &CodeInfo,
    local: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> String {
    let mut parts = vec![match lang {
        Language::Pl => format!(
            "#{} {} (wygenerowany {}, ważny do {})",
            c.id,
            c.code,
            local(c.generated_at),
            local(c.expires_at)
        ),
        Language::En => format!(
            "#{} {} (generated {}, valid until {})",
            c.id,
            c.code,
            local(c.generated_at),
            local(c.expires_at)
        ),
    }];
    if let Some(at) = c.handed_over_at {
        let how = c.handed_over_how.as_deref().map(|h| handed_how(lang, h));
        let to = c.handed_over_to.as_deref().map(|t| handed_to(lang, t));
        let extra = [how, to]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!(
            "{} {}{}",
            pick(lang, "wydany", "handed over"),
            local(at),
            if extra.is_empty() {
                String::new()
            } else {
                format!(" ({extra})")
            }
        ));
    }
    if let Some(at) = c.expired_at {
        parts.push(format!("{} {}", pick(lang, "wygasł", "expired"), local(at)));
    }
    if let Some(at) = c.invalidated_at {
        let why = c
            .invalidated_reason
            .as_deref()
            .map(|r| reason(lang, r))
            .unwrap_or_default();
        parts.push(format!(
            "{} {} ({why})",
            pick(lang, "unieważniony", "invalidated"),
            local(at)
        ));
    }
    if let Some(by) = c.replaced_by {
        parts.push(match lang {
            Language::Pl => format!("zastąpiony kodem #{by}"),
            Language::En => format!("replaced by code #{by}"),
        });
    }
    format!("  {}", parts.join("; "))
}

fn handed_how(lang: Language, how: &str) -> &'static str {
    match how {
        "activated" => pick(
            lang,
            "rodzic potwierdził aktywację",
            "the parent confirmed activation",
        ),
        _ => pick(
            lang,
            "wydany przez sekretariat",
            "handed over by the office",
        ),
    }
}

fn handed_to(lang: Language, to: &str) -> &'static str {
    match to {
        "student" => pick(lang, "uczniowi", "to the student"),
        _ => pick(lang, "rodzicowi", "to the parent"),
    }
}

/// An invalidation reason's words, by its stable id (shown as stored when
/// unknown).
pub fn reason(lang: Language, id: &str) -> String {
    crate::domain::InvalidationReason::from_id(id)
        .map(|r| super::invalidation_reason(lang, r).to_owned())
        .unwrap_or_else(|| id.to_owned())
}
