//! `PATCH /api/v1/rounds/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::RoundView;
use super::visible_round;
use crate::api::extract::{Caller, ClientTime, IfMatch, JsonBody, due_of, etag, present};
use crate::db::round;
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::rounds::{self, RoundChanges};
use crate::state::AppState;

/// The settings to change; absent fields stay, and none may be `null`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRound {
    #[serde(default, deserialize_with = "present")]
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[validate(length(max = 10000))]
    pub instructions: Option<String>,
    /// A new deadline for every request without an extension (RFC 3339 with an offset).
    #[serde(default, deserialize_with = "present")]
    pub deadline: Option<ClientTime>,
    /// Before opening only: the deadline as working days from opening.
    #[serde(default, deserialize_with = "present")]
    #[validate(range(min = 1, max = 60))]
    pub working_days: Option<u32>,
    /// Before opening only: the clause keys open for comment.
    #[serde(default, deserialize_with = "present")]
    #[validate(length(min = 1, max = 20000))]
    pub scope: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub accept_late: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub silence_is_no_comments: Option<bool>,
    /// Let the invited agencies read the whole adoption table once decisions are published.
    #[serde(default, deserialize_with = "present")]
    pub share_report: Option<bool>,
    /// Hours before the deadline at which agencies that have not replied are reminded.
    #[serde(default, deserialize_with = "present")]
    #[validate(
        length(max = 5),
        custom(function = "crate::api::rounds::validate_reminders")
    )]
    pub reminder_hours: Option<Vec<u32>>,
    /// Before opening only: the reference the letters go out under (文号); `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "杭发改函〔2026〕88号")]
    pub letter_reference: Option<Option<String>>,
    /// Before opening only: number each letter under the reference (…88-3号).
    #[serde(default, deserialize_with = "present")]
    pub number_letters: Option<bool>,
}

/// Changes a round: anything while it is a draft; its words, deadline and reply rules while
/// open; its words once closed. Drafters and admins only.
#[utoipa::path(
    patch,
    operation_id = "rounds_update",
    path = "/api/v1/rounds/{id}",
    tag = "rounds",
    request_body = UpdateRound,
    params(
        ("id" = String, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the round"),
    ),
    responses(
        (status = 200, description = "The changed round", body = RoundView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens may not change rounds"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Not changeable in the round's state (`round_opened`, `round_closed`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: UpdateRound = body.parse()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let changes = RoundChanges {
        title: input.title,
        instructions: input.instructions,
        due: due_of(input.deadline, input.working_days)?,
        scope: input.scope,
        accept_late: input.accept_late,
        reminder_hours: input.reminder_hours,
        silence_is_no_comments: input.silence_is_no_comments,
        share_report: input.share_report,
        letter_reference: input.letter_reference,
        number_letters: input.number_letters,
    };
    let (row, version, requests) = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (before, version, _) = visible_round(conn, &caller, &id)?;
            if_match.check(&etag(before.revision))?;
            let row = rounds::update_round(conn, &actor, before, changes, now)?;
            let requests = round::requests_of_round(conn, &row.id)?;
            Ok((row, version, requests))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(RoundView::new(&row, version, &requests, now)))
}
