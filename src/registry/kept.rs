//! A reissue with the photo the school kept (`PONOWNIE ZE ZDJĘCIEM`,
//! `apps reissue --keep-photo`): the kept row moves to the new application
//! (no second copy) and the new one goes where a freshly accepted photo
//! goes, the secretary getting the photo as for a new one
//! ([`Event::ReissueOpenedWithPhoto`]). The parent is not asked for a photo.

use tracing::info;

use super::{insert_reissue, photo_info};
use crate::app::App;
use crate::apply_outcome::{Context, PhotoSource, advance};
use crate::domain::Application;
use crate::store::{StoreError, Tx, inbox, kept_photos};
use crate::templates::TemplateError;
use crate::workflow::transition::Event;

/// Opens the reissue of `old` with its kept photo `photo` (the caller's
/// `transition` found it inside its window). Returns the new application's
/// number.
pub fn reissue_with_photo<E>(
    app: &App,
    tx: Tx<'_>,
    old: &Application,
    actor: &str,
    photo: i64,
) -> Result<i64, E>
where
    E: From<StoreError> + From<TemplateError>,
{
    let valid_until = crate::store::wave::valid_until(tx, old.id)?;
    let new = insert_reissue(app, tx, old, actor, valid_until)?;
    kept_photos::hand_to(tx, photo, new.id)?;
    let data = inbox::photo_data(tx, photo)?.unwrap_or_default();
    let check = photo_info(tx, photo)?;
    let source = kept_photos::source(tx, photo)?;
    let ctx = Context {
        actor,
        qr_content: None,
        photo: Some(PhotoSource {
            photo,
            check: &check,
            data: &data,
            sender: source.sender.as_deref(),
            subject: &source.subject,
            message_id: source.message_id.as_deref(),
        }),
        audit: None,
    };
    let event = Event::ReissueOpenedWithPhoto { of: old.id };
    advance::<E>(app, tx, &new, &event, &ctx)?;
    info!(
        application = new.id,
        reissue_of = old.id,
        "reissue opened with the kept photo"
    );
    Ok(new.id)
}
