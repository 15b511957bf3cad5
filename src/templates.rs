//! Mail texts, as template files the school can edit.
//!
//! Each template lives in `templates/<lang>/<name>.txt` and is rendered with
//! minijinja. Its first line is `Subject: …`, then a blank line, then the
//! body. If `templates_dir` is configured, files there win; otherwise (or for
//! a file the school did not copy) the copies built into the binary are used,
//! so an installed `mleg` works without the source tree.

use std::path::PathBuf;

use minijinja::{Environment, syntax::SyntaxConfig};
use serde::Serialize;

use crate::config::Language;

/// Both languages' built-in copy of one template file.
macro_rules! built_in {
    ($($name:literal => $file:literal),* $(,)?) => {
        &[$(
            ("pl", $name, include_str!(concat!("../templates/pl/", $file))),
            ("en", $name, include_str!(concat!("../templates/en/", $file))),
        )*]
    };
}

/// The templates `mleg` knows, with the built-in text for each language.
const BUILT_IN: &[(&str, &str, &str)] = built_in![
    "parent_reply" => "parent_reply.txt",
    "stranger_reply" => "stranger_reply.txt",
    "parent_status" => "parent_status.txt",
    "parent_revalidation" => "parent_revalidation.txt",
    "parent_photo_matched" => "parent_photo_matched.txt",
    "staff_photo" => "staff_photo.txt",
    "staff_needs_human" => "staff_needs_human.txt",
    "photo_problems" => "photo_problems.txt",
    "parent_approved" => "parent_approved.txt",
    "parent_rejected" => "parent_rejected.txt",
    "parent_new_photo" => "parent_new_photo.txt",
    "parent_code_pickup" => "parent_code_pickup.txt",
    "parent_code_email" => "parent_code_email.txt",
    "parent_sio_entered" => "parent_sio_entered.txt",
    "parent_cancelled" => "parent_cancelled.txt",
    "parent_invalidated" => "parent_invalidated.txt",
    "parent_reissue" => "parent_reissue.txt",
    "staff_slip" => "staff_slip.txt",
    "handover_slip.html" => "handover_slip.html",
    "staff_answer" => "staff_answer.txt",
    "staff_alert" => "staff_alert.txt",
    "staff_purge_failed" => "staff_purge_failed.txt",
    "staff_delivery_failed" => "staff_delivery_failed.txt",
    "staff_held_photo" => "staff_held_photo.txt",
    "staff_held_answer" => "staff_held_answer.txt",
    "parent_held" => "parent_held.txt",
    "parent_last_notice" => "parent_last_notice.txt",
    "staff_bounce" => "staff_bounce.txt",
    "parent_code_reminder" => "parent_code_reminder.txt",
    "parent_activated" => "parent_activated.txt",
    "parent_code_expired" => "parent_code_expired.txt",
    "staff_code_expired" => "staff_code_expired.txt",
    "staff_deadline" => "staff_deadline.txt",
    "staff_digest" => "staff_digest.txt",
    "staff_stuck_mail" => "staff_stuck_mail.txt",
    "it_alert" => "it_alert.txt",
    "parent_request" => "parent_request.txt",
    "staff_parent_request" => "staff_parent_request.txt",
    "parent_objection" => "parent_objection.txt",
    "parent_objection_recorded" => "parent_objection_recorded.txt",
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}: {source}")]
    Render {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("template {0}: the first line must be `Subject: …`")]
    NoSubject(String),
}

/// A rendered mail text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The template set for one language.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// `dir` is the directory holding `pl/` and `en/` (the school's copies).
    pub fn new(language: Language, dir: Option<PathBuf>) -> Templates {
        let lang = language.code();
        let mut env = Environment::new();
        if let Ok(syntax) = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.add_filter("mb", |bytes: u64| format_mb(bytes));
        // The status names the terminal uses too, so her mails and `mleg
        // apps show` say the same.
        env.add_global(
            "status_words",
            minijinja::Value::from_pairs(crate::words::status_words(language)),
        );
        env.set_loader(move |name| {
            if let Some(dir) = &dir {
                // "x" is the file x.txt; a name with an extension ("slip.html") is used as is.
                let file = if name.contains('.') {
                    name.to_owned()
                } else {
                    format!("{name}.txt")
                };
                let path = dir.join(lang).join(file);
                if let Ok(text) = std::fs::read_to_string(&path) {
                    return Ok(Some(text));
                }
            }
            Ok(BUILT_IN
                .iter()
                .find(|(l, n, _)| *l == lang && *n == name)
                .map(|(_, _, text)| (*text).to_owned()))
        });
        Templates { env }
    }

    /// Renders template `name` with `ctx`, splitting off the subject line.
    pub fn render<C: Serialize>(&self, name: &str, ctx: &C) -> Result<Rendered, TemplateError> {
        let err = |source| TemplateError::Render {
            name: name.to_owned(),
            source,
        };
        let text = self
            .env
            .get_template(name)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
            .map_err(err)?;
        split_subject(name, &text)
    }
}

/// Bytes as megabytes the Polish way: "5", "2,5", "5,6".
pub fn format_mb(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let s = format!("{mb:.1}");
    s.trim_end_matches(".0").replace('.', ",")
}

impl Templates {
    /// Renders a whole-document template (HTML, auto-escaped) without a subject line.
    pub fn render_html<C: Serialize>(&self, name: &str, ctx: &C) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
            .map_err(|source| TemplateError::Render {
                name: name.to_owned(),
                source,
            })
    }
}

fn split_subject(name: &str, text: &str) -> Result<Rendered, TemplateError> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| TemplateError::NoSubject(name.to_owned()))?
        .trim()
        .to_owned();
    Ok(Rendered {
        subject,
        body: tidy(rest),
    })
}

/// Collapses the runs of blank lines that conditional blocks leave behind.
fn tidy(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut blank = 0;
    for line in body.trim_start_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_copy_overrides_built_in_and_subject_is_split() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pl")).unwrap();
        std::fs::write(
            dir.path().join("pl/staff_needs_human.txt"),
            "Subject: Uwaga {{ n }}\n\nTreść {{ n }}\n\n\n\nKoniec\n",
        )
        .unwrap();
        let t = Templates::new(Language::Pl, Some(dir.path().to_owned()));
        let r = t
            .render("staff_needs_human", &serde_json::json!({"n": 7}))
            .unwrap();
        assert_eq!(r.subject, "Uwaga 7");
        assert_eq!(r.body, "Treść 7\n\nKoniec\n");
    }

    fn slip_view(code_to_student: bool) -> serde_json::Value {
        serde_json::json!({
            "school": {"name": "SP 1 <Testowo>", "address": "ul. Szkolna 1", "office_hours": ""},
            "student": {"id": 7, "first_names": "Łucja", "last_name": "Żak", "full_name": "Łucja Żak",
                "class": "3A", "pesel": "16222912340", "birth_date": "29.02.2016",
                "legitymacja_number": null, "code_to_student": code_to_student,
                "parent_email": "rodzic@example.pl", "token": "0123456789abcdef"},
            "code": {"code": "AB12-CD34", "generated": "20.11.2026 14:35", "expires": "20.12.2026", "has_qr": true},
            "delivery": "pickup",
            "qr_data_uri": "data:image/png;base64,iVBORw0KGgo="
        })
    }

    #[test]
    fn the_slip_escapes_text_keeps_the_qr_and_says_when_a_student_may_collect() {
        let t = Templates::new(Language::Pl, None);
        let html = t
            .render_html("handover_slip.html", &slip_view(true))
            .unwrap();
        assert!(
            html.contains("SP 1 &lt;Testowo&gt;"),
            "school name is escaped"
        );
        assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""));
        assert!(html.contains("AB12-CD34") && html.contains("Potwierdzam odbiór"));
        let to_student = html.contains("uczniowi");
        let without = t
            .render_html("handover_slip.html", &slip_view(false))
            .unwrap();
        assert!(
            to_student && !without.contains("uczniowi"),
            "only a --code-to-student slip mentions it"
        );
        let en = Templates::new(Language::En, None)
            .render_html("handover_slip.html", &slip_view(true))
            .unwrap();
        assert!(en.contains("AB12-CD34") && en.contains("I confirm receipt"));
    }

    #[test]
    fn missing_subject_line_is_an_error() {
        assert!(matches!(
            split_subject("x", "Hello\n\nbody"),
            Err(TemplateError::NoSubject(_))
        ));
    }
}
