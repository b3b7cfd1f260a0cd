//! `POST /api/v1/requests/{id}/no-comments`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::visible_request;
use crate::api::extract::{Caller, JsonBody};
use crate::api::rounds::views::RequestView;
use crate::app::AppState;
use crate::consulting::{self, ReplyDetails};
use crate::domain::round::ReplyKind;
use crate::error::{ApiError, Problem};

/// How a reply reached the drafting office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplySource {
    /// Sent by the agency through the API.
    Api,
    Paper,
    Email,
    Fax,
    Other,
}

impl ReplySource {
    fn as_str(self) -> &'static str {
        match self {
            ReplySource::Api => "api",
            ReplySource::Paper => "paper",
            ReplySource::Email => "email",
            ReplySource::Fax => "fax",
            ReplySource::Other => "other",
        }
    }
}

/// A "no comments" (无意见) reply.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoComments {
    /// Who signs for the agency.
    #[validate(length(min = 1, max = 100))]
    pub signer: String,
    #[validate(length(min = 1, max = 100))]
    pub contact_name: String,
    #[validate(length(min = 3, max = 40))]
    pub contact_phone: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// For a drafter entering the reply on the agency's behalf: how it came (`paper`, `email`,
    /// `fax`, `other`). Agencies leave it out.
    pub source: Option<ReplySource>,
    /// Ids of files uploaded to the request (`POST …/attachments`) to send with the reply, such
    /// as the stamped reply letter.
    #[serde(default)]
    #[validate(length(max = 10))]
    pub attachments: Vec<String>,
}

/// Answers a request with "no comments". Before the deadline a later reply replaces it as a new
/// revision. After the effective deadline: 409 `deadline_passed`, unless the round accepts late
/// replies (then it is marked late). The agency itself, or a drafter entering a reply that came
/// on paper, by email or by fax.
#[utoipa::path(
    post,
    path = "/api/v1/requests/{id}/no-comments",
    tag = "requests",
    request_body = NoComments,
    params(
        ("id" = String, Path, description = "Request id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The request with its new reply", body = RequestView),
        (status = 401, description = "No usable token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or another agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`deadline_passed`, `round_closed`, `round_not_open` or `request_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn no_comments(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    let view = state
        .db
        .write(move |conn| -> Result<_, ApiError> {
            // Visibility first: another agency's request is not found, whatever the body says.
            let (round, entry, _) = visible_request(conn, &caller, &id)?;
            let input: NoComments = body.parse()?;
            let (source, entered_by) = match (caller.role.is_staff(), input.source) {
                (false, None | Some(ReplySource::Api)) => (ReplySource::Api, None),
                (false, Some(_)) => {
                    return Err(ApiError::field("source", "agency_source", "an agency's own reply comes through the API"));
                }
                (true, Some(source)) if source != ReplySource::Api => (source, Some(caller.name.clone())),
                (true, _) => {
                    return Err(ApiError::field(
                        "source",
                        "required",
                        "a reply entered for an agency says how it came: paper, email, fax or other",
                    ));
                }
            };
            consulting::reply(
                conn,
                &actor,
                &round,
                &entry.request,
                ReplyKind::NoComments,
                ReplyDetails {
                    signer: input.signer,
                    contact_name: input.contact_name,
                    contact_phone: input.contact_phone,
                    note: input.note,
                    source: source.as_str().to_owned(),
                    entered_by,
                    attachments: input.attachments,
                },
                now,
            )?;
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            Ok(RequestView::new(&round, &entry, &replies, now))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
