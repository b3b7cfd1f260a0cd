//! `POST /api/v1/rounds/{id}/comments`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::CommentBody;
use super::views::CommentView;
use crate::api::extract::{Caller, JsonBody};
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::commenting::{self, Author, CommentInput};
use crate::state::AppState;

/// Many comments at once: all are added, or none.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBatch {
    /// For a drafter entering comments that came on paper, by email or fax: the agency (id or
    /// code). Agencies leave it out.
    #[validate(length(min = 1, max = 64))]
    pub agency: Option<String>,
    #[validate(length(min = 1, max = 500), nested)]
    pub items: Vec<CommentBody>,
}

/// The comments added.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedComments {
    pub items: Vec<CommentView>,
}

/// Adds comments to the agency's reply being drafted: one comment object, or `{"items": [...]}`
/// with up to 500 (all or nothing, each error named by its item). They reach the drafters when
/// the agency submits its reply (`POST /api/v1/requests/{id}/submit`).
#[utoipa::path(
    post,
    operation_id = "comments_create",
    path = "/api/v1/rounds/{id}/comments",
    tag = "comments",
    request_body(content = CommentBatch, description = "A batch; a single comment object is taken too"),
    params(
        ("id" = String, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The comments added", body = CreatedComments),
        (status = 404, description = "No such round, or not one that sent the agency a request"),
        (status = 409, description = "The request takes no reply now (`deadline_passed`, `round_closed`, …)"),
        (status = 422, description = "Invalid comments: unknown clause, outside the round's scope, a quote not in the clause, …"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let batch = body.has_key("items");
    let (inputs, named) = if batch {
        let parsed: CommentBatch = body.parse()?;
        (parsed.items, parsed.agency)
    } else {
        (vec![body.parse::<CommentBody>()?], None)
    };
    let author = match (&caller.agency_id, caller.role.is_staff()) {
        (_, true) => Author::Office {
            agency: named,
            drafter: caller.name.clone(),
        },
        (Some(agency_id), false) => Author::Agency {
            agency_id: agency_id.clone(),
            named: named.is_some(),
        },
        (None, false) => return Err(ApiError::Forbidden),
    };
    let inputs: Vec<CommentInput> = inputs.into_iter().map(Into::into).collect();
    work.commit(
        move |conn| {
            Ok(commenting::create_in_round(
                conn, &actor, &id, author, inputs, batch, now,
            )?)
        },
        move |items| {
            Reply::created(&CreatedComments {
                items: items.iter().map(CommentView::from).collect(),
            })
        },
    )
    .await
}
