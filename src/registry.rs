//! The secretary's register of applications (what `mleg apps …` does).
//!
//! Registering an application also looks for a valid photo that arrived
//! before the application existed (an "orphan"): if one names this student
//! and came from one of the application's parent addresses, it is attached
//! at once, the application moves to `awaiting_review`, and the parent and
//! the secretary are told — in the same transaction. One from any other
//! address is held for the secretary instead (see [`crate::secretary::held`]).

use tracing::info;

use crate::app::App;
use crate::apply_outcome::{Context, PhotoSource, advance, named_orphans};
use crate::config::Issuance;
use crate::domain::csv_import::{ParsedCsv, RowError};
use crate::domain::{Application, EmailAddress, NewApplication, Status};
use crate::notices;
use crate::photo::{DetectedKind, PhotoCheck, PhotoFormat, detect_kind};
use crate::progress::{Counter, Job};
use crate::store::Tx;
use crate::store::apps;
use crate::store::inbox::{self, Orphan, PhotoShape};
use crate::store::{StoreError, outbox};
use crate::templates::TemplateError;
use crate::workflow::transition::Event;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("nothing imported: {} row(s) have errors", .0.len())]
    InvalidRows(Vec<RowError>),
}

/// The result of registering one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub id: i64,
    /// A photo received earlier was matched to it.
    pub matched_photo: bool,
}

fn new_token() -> String {
    // 60 random bits: enough that a forged reply cannot guess it.
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
}

/// Registers one application (see the module doc for orphan photos).
pub fn add(app: &App, new: &NewApplication, actor: &str) -> Result<Added, RegistryError> {
    // Registered by hand: the paper application is the parent's request.
    app.store()
        .transaction(|tx| add_in(app, tx, new, Status::AwaitingPhoto, actor))
}

fn add_in(
    app: &App,
    tx: Tx<'_>,
    new: &NewApplication,
    status: Status,
    actor: &str,
) -> Result<Added, RegistryError> {
    let now = app.clock.now();
    if crate::store::requests::objected_student(tx, &new.pesel)? {
        // Found before anything is written, like an open application.
        return Err(StoreError::Conflict(
            "the parent objected to the mLegitymacja for this student; \
             withdraw the objection first (mleg apps objection <id> --withdraw)"
                .into(),
        )
        .into());
    }
    if status == Status::AwaitingPhoto
        && let Some(waiting) = apps::open_by_pesel(tx, &new.pesel)?
        && waiting.status == Status::NotRequested
    {
        return requested_on_paper(app, tx, &waiting, actor);
    }
    let id = apps::insert_as(tx, new, (&new_token(), status), now, actor)?;
    let application = apps::get(tx, id)?.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    // A kept photo from someone who is not one of this student's parents is
    // held for the secretary, never adopted.
    let (orphans, strangers): (Vec<Orphan>, Vec<Orphan>) = named_orphans(tx, &application)?
        .into_iter()
        .partition(|o| application.has_parent_text(o.sender.as_deref()));
    for o in &strangers {
        hold(app, tx, &application, o)?;
    }
    // Every kept photo of this student from a parent joins the application
    // (so a later purge reaches all of them); the newest is the one the
    // secretary gets.
    let matched_photo = match orphans.split_last() {
        Some((newest, older)) => {
            for o in older {
                inbox::adopt_orphan(tx, o.id, id, now)?;
            }
            adopt(app, tx, &application, newest, actor)?;
            true
        }
        None => false,
    };
    info!(application = id, matched_photo, "application registered");
    Ok(Added { id, matched_photo })
}

/// A paper application for a student imported as `not_requested`: the
/// student is known, so the parent's request opens that application
/// ([`Event::PaperRequest`]) instead of registering a second one.
fn requested_on_paper(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    actor: &str,
) -> Result<Added, RegistryError> {
    let ctx = Context {
        actor,
        qr_content: None,
        photo: None,
        audit: None,
    };
    // "Not now" (already requested) leaves it as it is.
    advance::<RegistryError>(app, tx, a, &Event::PaperRequest, &ctx)?;
    info!(application = a.id, "paper request for an imported student");
    Ok(Added {
        id: a.id,
        matched_photo: false,
    })
}

/// The newest parent's orphan becomes the application's photo
/// ([`Event::OrphanAdopted`]: the status, the secretary's notification, the
/// parent's "matched" news).
fn adopt(
    app: &App,
    tx: Tx<'_>,
    a: &Application,
    o: &Orphan,
    actor: &str,
) -> Result<(), RegistryError> {
    let now = app.clock.now();
    let data = inbox::photo_data(tx, o.id)?.unwrap_or_default();
    let info = photo_info(tx, o.id)?;
    inbox::adopt_orphan(tx, o.id, a.id, now)?;
    // A new application awaits its photo, so this is never refused.
    let ctx = Context {
        actor,
        qr_content: None,
        photo: Some(PhotoSource {
            photo: o.id,
            check: &info,
            data: &data,
            sender: o.sender.as_deref(),
            subject: &o.source_subject,
            message_id: o.source_message_id.as_deref(),
        }),
        audit: None,
    };
    advance::<RegistryError>(app, tx, a, &Event::OrphanAdopted, &ctx)?;
    Ok(())
}

/// Holds a stranger's kept photo for the secretary's decision, and tells
/// the sender (promised news when the photo was kept) without naming anyone.
fn hold(app: &App, tx: Tx<'_>, a: &Application, o: &Orphan) -> Result<(), RegistryError> {
    let data = inbox::photo_data(tx, o.id)?.unwrap_or_default();
    let info = photo_info(tx, o.id)?;
    let src = crate::secretary::held::HeldSource {
        photo: o.id,
        sender: o.sender.as_deref().unwrap_or_default(),
        subject: &o.source_subject,
        message_id: o.source_message_id.as_deref(),
    };
    crate::secretary::held::hold::<RegistryError>(app, tx, a, src, &info, &data)?;
    if let Some(to) = o
        .sender
        .as_deref()
        .and_then(|s| EmailAddress::parse(s).ok())
    {
        let (t, cfg) = (&app.templates, &app.config);
        let m = notices::sender_held_notice(
            t,
            cfg,
            &to,
            ("held", ""),
            &o.source_subject,
            o.source_message_id.as_deref(),
        )?;
        outbox::enqueue(tx, &m, cfg.smtp.from.domain(), app.clock.now())?;
    }
    Ok(())
}

fn photo_info(tx: Tx<'_>, photo: i64) -> Result<PhotoCheck, StoreError> {
    let PhotoShape {
        width,
        height,
        bytes,
        data,
    } = inbox::photo_shape(tx, photo)?;
    let format = match data.as_deref().map(detect_kind) {
        Some(DetectedKind::Png) => PhotoFormat::Png,
        _ => PhotoFormat::Jpeg,
    };
    Ok(PhotoCheck {
        format,
        width,
        height,
        bytes: bytes.max(0) as usize,
    })
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub added: Vec<Added>,
    /// Rows left out (only with `skip_invalid`).
    pub skipped: Vec<RowError>,
}

/// Imports parsed CSV rows. All-or-nothing unless `skip_invalid`: then the
/// good rows go in and the bad ones are reported.
pub fn import(
    app: &App,
    parsed: ParsedCsv,
    skip_invalid: bool,
    actor: &str,
) -> Result<Imported, RegistryError> {
    if !parsed.errors.is_empty() && !skip_invalid {
        return Err(RegistryError::InvalidRows(parsed.errors));
    }
    let mut skipped = parsed.errors;
    // Under `on_request` an imported student waits for the parent to ask.
    let status = match app.config.school.issuance {
        Issuance::Default => Status::AwaitingPhoto,
        Issuance::OnRequest => Status::NotRequested,
    };
    app.store().transaction(|tx| {
        let mut added = Vec::new();
        let counter = Counter::start(app.progress(), Job::Import, parsed.rows.len());
        for (line, row) in &parsed.rows {
            let _item = counter.item();
            // A conflict (open application for the PESEL) is found before
            // anything is written, so the row leaves no trace.
            match add_in(app, tx, row, status, actor) {
                Ok(a) => added.push(a),
                Err(RegistryError::Store(StoreError::Conflict(message))) => {
                    skipped.push(RowError {
                        line: *line,
                        message,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        if !skipped.is_empty() && !skip_invalid {
            skipped.sort_by_key(|e| e.line);
            return Err(RegistryError::InvalidRows(std::mem::take(&mut skipped)));
        }
        Ok(Imported {
            added,
            skipped: std::mem::take(&mut skipped),
        })
    })
}

/// Opens the reissue of `old` (the secretary's `PONOWNIE`, already decided
/// by `transition`): a new application for the same student, linked both
/// ways, awaiting a photo — the parent is asked for one
/// ([`Event::ReissueOpened`]). The deadline, reminders and digest then run on
/// it as on any application. Returns the new application's number.
pub fn reissue_in<E>(app: &App, tx: Tx<'_>, old: &Application, actor: &str) -> Result<i64, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    open_reissue(app, tx, old, (actor, false), None)
}

/// Opens the reissue of `old`, for the same student (nothing is copied);
/// `valid_until`: the paper ID's new validity date, recorded on the student
/// (the wave's sticker). `in_wave`: the re-validation wave mails the family
/// itself, once for all children.
pub fn open_reissue<E>(
    app: &App,
    tx: Tx<'_>,
    old: &Application,
    (actor, in_wave): (&str, bool),
    valid_until: Option<chrono::NaiveDate>,
) -> Result<i64, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let application = insert_reissue(app, tx, old, actor, valid_until)?;
    let id = application.id;
    // A new photo is asked for: a photo kept on the old one has no use left.
    crate::store::kept_photos::end_window(tx, old.id, app.clock.now())?;
    let ctx = Context {
        actor,
        qr_content: None,
        photo: None,
        audit: None,
    };
    advance::<E>(
        app,
        tx,
        &application,
        &Event::ReissueOpened {
            of: old.id,
            in_wave,
        },
        &ctx,
    )?;
    info!(application = id, reissue_of = old.id, "reissue opened");
    Ok(id)
}

/// The reissue's row: the same student, linked both ways, awaiting a photo.
fn insert_reissue(
    app: &App,
    tx: Tx<'_>,
    old: &Application,
    actor: &str,
    valid_until: Option<chrono::NaiveDate>,
) -> Result<Application, StoreError> {
    let now = app.clock.now();
    if let Some(date) = valid_until {
        crate::store::students::set_valid_until(tx, old.student_id, date, now)?;
    }
    let id = apps::insert_reissue(tx, old, &new_token(), now, actor)?;
    apps::get(tx, id)?.ok_or_else(|| StoreError::NotFound(id.to_string()))
}

mod kept;
pub use kept::reissue_with_photo;
