//! `POST /api/v1/requests/{id}/submit`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::{ReplyBody, visible_request};
use crate::api::extract::{Caller, JsonBody};
use crate::api::receipts::views::{Answered, ReceiptView};
use crate::api::rounds::views::RequestView;
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::commenting;
use crate::service::round_facts::zone;
use crate::state::AppState;

/// Submits the agency's comments as its reply: a new reply revision that freezes the comments as
/// they stand. Changes after it reach the drafters only when submitted again; every revision stays
/// readable. After the effective deadline: 409 `deadline_passed`, unless the round accepts late
/// replies (then marked late). The agency itself, or a drafter entering a reply that came on
/// paper, by email or by fax.
#[utoipa::path(
    post,
    operation_id = "requests_submit",
    path = "/api/v1/requests/{id}/submit",
    tag = "requests",
    request_body = ReplyBody,
    params(
        ("id" = String, Path, description = "Request id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    responses(
        (status = 201, description = "The request with its new reply, and the reply's receipt (回执)", body = Answered),
        (status = 404, description = "No such request, or another agency's"),
        (status = 409, description = "`no_comments_to_submit`, `deadline_passed`, `round_closed`, `round_not_open`, `request_cancelled`"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn submit(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (round, entry, _) = visible_request(conn, &caller, &id)?;
            let input: ReplyBody = body.parse()?;
            let details = input.details(&caller)?;
            let (_, receipt) =
                commenting::submit(conn, &actor, &round, &entry.request, details, now)?;
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            Ok(Answered {
                request: RequestView::new(&round, &entry, &replies, now),
                receipt: ReceiptView::new(receipt, &zone(&round)),
            })
        },
        move |view| Reply::created(&view),
    )
    .await
}
