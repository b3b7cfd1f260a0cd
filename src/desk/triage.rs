//! `POST /desk/comments/{id}/assignee` and `POST /desk/comments/{id}/notes`: giving a comment
//! to one of the office's people, and leaving a note on it, from beside the comment; and the
//! groups of like comments: made from the comments ticked on a page, renamed, a comment put in
//! taken out, dissolved.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};
use serde::Deserialize;

use super::error::DeskError;
use super::session::AtDesk;
use crate::db::{decision, round};
use crate::service::decisions;
use crate::service::error::ServiceError;
use crate::service::{groups, triage};
use crate::state::AppState;

#[derive(Deserialize)]
struct AssignForm {
    csrf: String,
    back: String,
    /// Empty for nobody.
    #[serde(default)]
    person_id: String,
}

#[derive(Deserialize)]
struct NoteForm {
    csrf: String,
    back: String,
    body: String,
}

/// Where a form goes back to: the desk page it was on, and nowhere else (not another host,
/// nor anything that cannot stand in a `Location` header).
pub fn back_to(back: &str, comment: &str) -> String {
    let page = if back.starts_with("/desk/")
        && !back.starts_with("/desk//")
        && back.chars().all(|c| c.is_ascii_graphic())
    {
        back
    } else {
        "/desk"
    };
    format!("{page}#c-{comment}")
}

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

pub async fn assign(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: AssignForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let id = id.into_inner();
    let location = back_to(&form.back, &id);
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    let person = Some(form.person_id).filter(|p| !p.is_empty());
    state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let (comment, _) = decisions::standing_comment(conn, &id)?;
            triage::assign(conn, &actor, &comment, person.as_deref(), now)
        })
        .await?;
    Ok(see_other(location))
}

/// `POST /desk/rounds/{id}/groups`: the comments ticked on the page, made one group of like
/// comments (同类意见) to be decided once.
pub async fn group(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let (mut csrf, mut back, mut title, mut ids) = (None, None, None, Vec::new());
    // Each ticked comment sends its own `comment_ids` field.
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "csrf" => csrf = Some(value.into_owned()),
            "back" => back = Some(value.into_owned()),
            "title" => title = Some(value.into_owned()),
            "comment_ids" => ids.push(value.into_owned()),
            _ => return Err(DeskError::BadForm),
        }
    }
    let (Some(csrf), Some(back), Some(title)) = (csrf, back, title) else {
        return Err(DeskError::BadForm);
    };
    desk.check(&csrf)?;
    let first = ids.first().cloned().unwrap_or_default();
    let location = back_to(&back, &first);
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    let id = id.into_inner();
    state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let round = round::find_round(conn, &id)?.ok_or(ServiceError::NotFound)?;
            groups::create_group(conn, &actor, &round, title.trim(), &ids, now)
        })
        .await?;
    Ok(see_other(location))
}

/// What a group's form does.
enum GroupChange {
    Rename(String),
    Remove(String),
    Dissolve,
}

#[derive(Deserialize)]
struct GroupForm {
    csrf: String,
    back: String,
    /// The comment whose card holds the form.
    at: String,
    /// The group's revision the form was read with.
    base: i32,
    action: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    comment_id: String,
}

/// `POST /desk/groups/{id}`: a group renamed, a comment taken out, or the group
/// dissolved. The form carries the group's revision, so that a change someone made meanwhile
/// is reported, never overwritten.
pub async fn change_group(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: GroupForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let change = match form.action.as_str() {
        "rename" => GroupChange::Rename(form.title),
        "remove" => GroupChange::Remove(form.comment_id),
        "dissolve" => GroupChange::Dissolve,
        _ => return Err(DeskError::BadForm),
    };
    let back = back_to(&form.back, &form.at);
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    let (id, base) = (id.into_inner(), form.base);
    let changed = state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let group = decision::find_group(conn, &id)?.ok_or(ServiceError::NotFound)?;
            let round = round::find_round(conn, &group.round_id)?.ok_or(ServiceError::NotFound)?;
            if group.revision != base {
                return Err(ServiceError::Stale);
            }
            let one = |id: String| vec![id];
            match change {
                GroupChange::Rename(title) => {
                    groups::change_group(conn, &actor, &round, &group, Some(title), &[], &[], now)
                }
                GroupChange::Remove(comment) => groups::change_group(
                    conn,
                    &actor,
                    &round,
                    &group,
                    None,
                    &[],
                    &one(comment),
                    now,
                ),
                GroupChange::Dissolve => {
                    groups::delete_group(conn, &actor, &round, &group.id, Some(base), now)
                        .map(|()| group)
                }
            }
        })
        .await;
    match changed {
        Ok(_) => Ok(see_other(back)),
        Err(
            error @ (ServiceError::Stale | ServiceError::Invalid(_) | ServiceError::Refused { .. }),
        ) => {
            let failed = DeskError::Service(error);
            Ok(failed.page(
                "同类意见组未修改",
                &failed.explained(),
                (&back, "重新载入并返回这条意见"),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn note(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form: NoteForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
    desk.check(&form.csrf)?;
    let id = id.into_inner();
    let location = back_to(&form.back, &id);
    let now = state.clock.now().naive_utc();
    let actor = desk.0.actor(None);
    state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let (comment, _) = decisions::standing_comment(conn, &id)?;
            triage::add_note(conn, &actor, &comment, form.body.trim(), now)
        })
        .await?;
    Ok(see_other(location))
}
