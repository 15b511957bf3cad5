//! The mails a transition causes after a secretary's command: the parent's
//! news and the printable hand-over slip (the applier, `apply_outcome`,
//! queues them). The answer to the secretary
//! herself is in [`super::answer`].

use base64::Engine;
use serde::Serialize;

use super::dates::local_time;
use super::{PolicyView, StudentView, mail, policy_view};
use crate::config::{Config, Delivery, School};
use crate::domain::Application;
use crate::domain::CodeInfo;
use crate::mail::outgoing::{MailKind, OutAttachment, OutgoingMail};
use crate::templates::{TemplateError, Templates};
use crate::workflow::lifecycle::ParentNotice;

#[derive(Debug, Serialize)]
struct CodeView {
    code: String,
    generated: String,
    expires: String,
    has_qr: bool,
}

fn code_view(cfg: &Config, c: &CodeInfo) -> CodeView {
    CodeView {
        code: c.code.clone(),
        generated: local_time(cfg, c.generated_at),
        // With the time: a code generated at 14:35 dies at 14:35, and a bare
        // "20.12.2026" reads as "through the 20th".
        expires: local_time(cfg, c.expires_at),
        has_qr: c.qr_content.is_some(),
    }
}

#[derive(Debug, Serialize)]
struct ParentView<'a> {
    school: &'a School,
    student: StudentView,
    reason: &'a str,
    code: Option<CodeView>,
    policy: PolicyView,
}

fn qr_png(code: Option<&CodeInfo>) -> Option<Vec<u8>> {
    // An unrenderable QR (absurdly long content) only costs the picture: the
    // activation code and the steps still go out.
    code.and_then(|c| c.qr_content.as_deref())
        .and_then(|q| crate::qr::render_qr_png(q).ok())
}

/// The parent's mail for a transition (None when the parent need not hear).
pub fn parent_notice(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    notice: &ParentNotice,
    code: Option<&CodeInfo>,
) -> Result<Option<OutgoingMail>, TemplateError> {
    let invalidation;
    let (template, reason) = match notice {
        ParentNotice::Approved => ("parent_approved", ""),
        ParentNotice::Rejected { reason } => ("parent_rejected", reason.as_str()),
        ParentNotice::NewPhotoNeeded { reason } => ("parent_new_photo", reason.as_str()),
        ParentNotice::CodeReady if cfg.delivery == Delivery::Email => ("parent_code_email", ""),
        ParentNotice::CodeReady => ("parent_code_pickup", ""),
        ParentNotice::SioEntered => ("parent_sio_entered", ""),
        ParentNotice::Cancelled { reason } => ("parent_cancelled", reason.as_str()),
        ParentNotice::Activated => ("parent_activated", ""),
        ParentNotice::Objected => ("parent_objection_recorded", ""),
        ParentNotice::ReissuePhotoNeeded => ("parent_reissue", ""),
        ParentNotice::Invalidated { reason } => {
            invalidation = crate::words::invalidation_reason(cfg.language, *reason);
            ("parent_invalidated", invalidation)
        }
        ParentNotice::Nothing => return Ok(None),
    };
    let view = ParentView {
        school: &cfg.school,
        student: StudentView::of(a),
        reason,
        code: code.map(|c| code_view(cfg, c)),
        policy: policy_view(&cfg.photo),
    };
    // The code mail is purged like the photo once handed over: its own kind.
    let kind = if template == "parent_code_email" {
        MailKind::ParentCode
    } else {
        MailKind::ParentNews
    };
    let mut m = mail(kind, a, a.parent_email.clone(), t.render(template, &view)?);
    if template == "parent_code_email"
        && let Some(png) = qr_png(code)
    {
        m.attachments.push(OutAttachment {
            file_name: format!("mLegitymacja_QR_{}.png", a.name.file_stem()),
            content_type: "image/png".into(),
            data: png,
            stored_photo: None,
        });
    }
    Ok(Some(m))
}

#[derive(Debug, Serialize)]
struct SlipView<'a> {
    school: &'a School,
    student: StudentView,
    code: CodeView,
    delivery: Delivery,
    qr_data_uri: Option<String>,
}

/// The printable hand-over slip (HTML, one A4 page) for the secretary.
pub fn staff_slip(
    t: &Templates,
    cfg: &Config,
    a: &Application,
    code: &CodeInfo,
) -> Result<OutgoingMail, TemplateError> {
    let view = SlipView {
        school: &cfg.school,
        student: StudentView::of(a),
        code: code_view(cfg, code),
        delivery: cfg.delivery,
        qr_data_uri: qr_png(Some(code)).map(|png| {
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png)
            )
        }),
    };
    let html = t.render_html("handover_slip.html", &view)?;
    let mut m = mail(
        MailKind::StaffSlip,
        a,
        cfg.staff.notify.clone(),
        t.render("staff_slip", &view)?,
    );
    m.attachments.push(OutAttachment {
        file_name: format!("karta_odbioru_{}.html", a.name.file_stem()),
        content_type: "text/html; charset=utf-8".into(),
        data: html.into_bytes(),
        stored_photo: None,
    });
    Ok(m)
}
