//! `GET` and `POST /api/v1/comments/{id}/notes`

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::NoteView;
use crate::api::extract::{Caller, JsonBody, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of};
use crate::api::unit::{Reply, Work};
use crate::db::decision;
use crate::error::ApiError;
use crate::service::decisions;
use crate::service::triage;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("notes");

/// An internal note.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// 1 to 10,000 characters, not blank.
    pub body: String,
}

/// The office's internal notes on a submitted comment, oldest first; agencies never see them.
/// Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "decisions_notes",
    path = "/api/v1/comments/{id}/notes",
    tag = "decisions",
    params(("id" = String, Path, description = "Comment id"), PageQuery),
    responses(
        (status = 200, description = "The notes", body = Page<NoteView>),
        (status = 403, description = "Agency tokens do not see notes"),
        (status = 404, description = "No such submitted comment"),
    ),
    security(("bearer" = []))
)]
pub async fn notes(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<NoteView>>, ApiError> {
    caller.require_staff()?;
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            decisions::standing_comment(conn, &id)?;
            Ok(decision::notes_of(conn, &id)?)
        })
        .await?;
    Ok(Json(page_of(
        LISTING,
        rows,
        &page,
        Order::Ascending,
        |row| row.id.clone(),
        NoteView::from,
    )?))
}

/// Adds an internal note to a submitted comment. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "decisions_add_note",
    path = "/api/v1/comments/{id}/notes",
    tag = "decisions",
    request_body = NoteBody,
    params(
        ("id" = String, Path, description = "Comment id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The note", body = NoteView),
        (status = 403, description = "Agency tokens do not write notes"),
        (status = 404, description = "No such submitted comment"),
        (status = 422, description = "Empty or too long"),
    ),
    security(("bearer" = []))
)]
pub async fn add_note(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (comment, _) = decisions::standing_comment(conn, &id)?;
            let input: NoteBody = body.parse()?;
            Ok(triage::add_note(conn, &actor, &comment, &input.body, now)?)
        },
        move |row| Reply::created(&NoteView::from(row)),
    )
    .await
}
