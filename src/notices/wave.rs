//! The re-validation wave's one mail to a family: which children get a new
//! mLegitymacja and what the parent does (send a current photo of each).

use serde::Serialize;

use super::{PolicyView, policy_view};
use crate::config::{Config, School};
use crate::domain::{Application, EmailAddress};
use crate::mail::outgoing::{MailKind, OutgoingMail};
use crate::templates::{TemplateError, Templates};

#[derive(Debug, Serialize)]
struct ChildView {
    full_name: String,
    class: String,
}

#[derive(Debug, Serialize)]
struct WaveView<'a> {
    school: &'a School,
    children: Vec<ChildView>,
    /// The new validity date, as the family reads it.
    valid_until: String,
    policy: PolicyView,
}

/// The family's one mail for `children` (their reissues), to each of the
/// family's addresses (every parent address of any child, each once); none
/// for no children.
pub fn family_mail(
    t: &Templates,
    cfg: &Config,
    children: &[Application],
    valid_until: chrono::NaiveDate,
) -> Result<Vec<OutgoingMail>, TemplateError> {
    let Some(first) = children.first() else {
        return Ok(Vec::new());
    };
    let view = WaveView {
        school: &cfg.school,
        children: children
            .iter()
            .map(|a| ChildView {
                full_name: a.name.full(),
                class: a.class.as_str().to_owned(),
            })
            .collect(),
        valid_until: valid_until.format("%d.%m.%Y").to_string(),
        policy: policy_view(&cfg.photo),
    };
    let r = t.render("parent_revalidation", &view)?;
    let mut to: Vec<&EmailAddress> = Vec::new();
    for a in children.iter().flat_map(|c| &c.parent_emails) {
        if !to.contains(&a) {
            to.push(a);
        }
    }
    Ok(to
        .into_iter()
        .map(|address| super::mail(MailKind::ParentNews, first, address.clone(), r.clone()))
        .collect())
}
