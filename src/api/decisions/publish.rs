//! `POST /api/v1/rounds/{id}/decisions/publish`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::api::rounds::views::RoundView;
use crate::api::rounds::visible_round;
use crate::api::unit::{Reply, Work};
use crate::db::round;
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::publication;
use crate::state::AppState;

/// Publishing the decisions.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishDecisions {
    /// Why the decisions go out although the consistency check finds problems; recorded.
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    pub override_reason: Option<String>,
}

/// Publishes the decisions of a closed round, after the next version is published: refused
/// while the consistency check finds problems, unless `override_reason` says why they stand.
/// Each agency that commented is then emailed how its comments were handled, and reads its rows
/// of the adoption table. Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "decisions_publish",
    path = "/api/v1/rounds/{id}/decisions/publish",
    tag = "decisions",
    request_body = PublishDecisions,
    params(
        ("id" = String, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the round"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 200, description = "The round, its decisions published", body = RoundView, headers(("ETag" = String))),
        (status = 403, description = "Agency tokens do not publish"),
        (status = 404, description = "No such round"),
        (status = 409, description = "Round not closed (`round_not_closed`), next version a draft (`next_version_unpublished`), check failed (`check_failed`), already published (`decisions_published`)"),
        (status = 412, description = "The round changed since the If-Match revision"),
        (status = 415, description = "Body is not JSON"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    if_match: IfMatch,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let before = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            if_match.check(&etag(before.revision))?;
            let input: PublishDecisions = body.parse()?;
            // Compared again under the round's lock, against a change made meanwhile.
            let expected = if_match.names_a_revision().then_some(before.revision);
            let row = publication::publish_decisions(
                conn,
                &actor,
                &before.id,
                expected,
                input.override_reason,
                now,
            )?;
            let (_, version, requests) = visible_round(conn, &caller, &row.id)?;
            Ok((row, version, requests))
        },
        move |(row, version, requests)| {
            Ok(Reply::ok(&RoundView::new(&row, version, &requests, now))?
                .with(header::ETAG, etag(row.revision)))
        },
    )
    .await
}
