//! `POST /api/v1/documents/{id}/versions/{n}/publish`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::VersionView;
use super::{find, require_writer, version};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag};
use crate::api::unit::{Reply, Work};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::drafting;
use crate::state::AppState;

/// How to publish.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Publishes even though unfilled figures remain, for this recorded reason.
    #[validate(length(min = 1, max = 500), custom(function = "not_blank"))]
    pub placeholder_override: Option<String>,
}

/// Publishes a draft version: from then on it cannot change. `If-Match` with the version's `ETag`
/// is required, so that what is published is what the publisher saw. Refused while unfilled figures
/// remain, unless `placeholder_override` gives the reason, which is recorded. Drafters and
/// admins only.
#[utoipa::path(
    post,
    operation_id = "documents_publish_version",
    path = "/api/v1/documents/{id}/versions/{n}/publish",
    tag = "documents",
    request_body = Publish,
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = i32, Path, description = "Version number"),
        ("If-Match" = String, Header, description = "ETag of the revision being published"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 200, description = "The published version", body = VersionView, headers(("ETag" = String))),
        (status = 403, description = "Agencies do not write drafts"),
        (status = 404, description = "No such document or version"),
        (status = 409, description = "Already published (`version_published`), or unfilled figures remain (`placeholders_remain`)"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 415, description = "Body is not JSON"),
        (status = 422, description = "Invalid fields"),
        (status = 428, description = "No If-Match header"),
    ),
    security(("bearer" = []))
)]
pub async fn publish_version(
    state: Data<AppState>,
    caller: Caller,
    path: Path<(String, String)>,
    if_match: IfMatch,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    require_writer(&state, &caller, &path.0).await?;
    let input: Publish = body.parse()?;
    let (id, number) = path.into_inner();
    let now = state.clock.now().naive_utc();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let document = find(conn, &id)?;
            let before = version(conn, &document.id, &number)?;
            // What is published must be what the publisher last saw.
            if_match.require(&etag(before.revision))?;
            Ok(drafting::publish(
                conn,
                &actor,
                before,
                input.placeholder_override,
                now,
            )?)
        },
        move |(row, clauses)| {
            Ok(
                Reply::ok(&VersionView::new(&row, &clauses))?
                    .with(header::ETAG, etag(row.revision)),
            )
        },
    )
    .await
}
