//! `PATCH /api/v1/comments/{id}`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Path};

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::own_comment;
use super::views::{CommentView, quote};
use crate::api::extract::{Caller, IfMatch, JsonBody, etag, present};
use crate::db::comment::CommentRow;
use crate::domain::comment::{CommentKind, Quote};
use crate::error::ApiError;
use crate::service::commenting::{self, CommentInput};
use crate::state::AppState;

/// The fields to change; a field not sent keeps its value, `null` clears an optional one
/// (JSON merge patch, RFC 7396, with `quote` replaced whole).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentPatch {
    pub kind: Option<CommentKind>,
    #[serde(default, deserialize_with = "present")]
    #[validate(length(min = 1, max = 40))]
    #[schema(value_type = Option<String>)]
    pub clause_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Quote>)]
    pub quote: Option<Option<Quote>>,
    pub body: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub proposed_text: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub rationale: Option<Option<String>>,
}

impl CommentPatch {
    /// The comment as it reads once the patch is applied to `before`.
    fn apply(self, before: &CommentRow) -> Result<CommentInput, ApiError> {
        let kind = match self.kind {
            Some(kind) => kind,
            None => before.kind,
        };
        Ok(CommentInput {
            kind,
            clause_key: self.clause_key.unwrap_or_else(|| before.clause_key.clone()),
            quote: self.quote.unwrap_or_else(|| {
                quote(
                    &before.quote_exact,
                    &before.quote_prefix,
                    &before.quote_suffix,
                    before.quote_start,
                    before.quote_end,
                )
            }),
            body: self.body.unwrap_or_else(|| before.body.clone()),
            proposed_text: self
                .proposed_text
                .unwrap_or_else(|| before.proposed_text.clone()),
            rationale: self.rationale.unwrap_or_else(|| before.rationale.clone()),
        })
    }
}

/// Changes the fields sent of a working comment, keeping the others. After a submission the
/// change reaches the drafters only when the reply is submitted again.
#[utoipa::path(
    patch,
    operation_id = "comments_update",
    path = "/api/v1/comments/{id}",
    tag = "comments",
    request_body = CommentPatch,
    params(
        ("id" = String, Path, description = "Comment id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the comment"),
    ),
    responses(
        (status = 200, description = "The comment", body = CommentView, headers(("ETag" = String))),
        (status = 404, description = "No such comment, or another agency's"),
        (status = 409, description = "The request takes no reply now"),
        (status = 412, description = "Changed since the If-Match revision"),
        (status = 422, description = "Invalid comment"),
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
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let row = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            let (before, round, request) = own_comment(conn, &caller, &id)?;
            if_match.check(&etag(before.revision))?;
            let patch: CommentPatch = body.parse()?;
            let input = patch.apply(&before)?;
            Ok(commenting::change(
                conn,
                &actor,
                &round,
                &request,
                before,
                Some(input),
                now,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.revision)))
        .json(CommentView::from(&row)))
}
