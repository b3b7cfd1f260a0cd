//! `POST /api/v1/requests/{id}/withdraw`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::visible_request;
use crate::api::extract::Caller;
use crate::api::receipts::views::{Answered, ReceiptView};
use crate::api::rounds::views::RequestView;
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::replies;
use crate::service::round_facts::zone;
use crate::state::AppState;

/// Withdraws the reply that stands, before the deadline: the request is pending again, and the
/// withdrawn revision stays readable.
#[utoipa::path(
    post,
    operation_id = "requests_withdraw",
    path = "/api/v1/requests/{id}/withdraw",
    tag = "requests",
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request without a reply, and the withdrawal's receipt (回执)", body = Answered),
        (status = 404, description = "No such request, or another agency's"),
        (status = 409, description = "`no_reply`, `deadline_passed`, `round_closed`, `round_not_open`, `request_cancelled`"),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let (round, entry, _) = visible_request(conn, &caller, &id)?;
            let (_, receipt) = replies::withdraw(conn, &actor, &round, &entry.request, now)?;
            let (round, entry, replies) = visible_request(conn, &caller, &id)?;
            Ok(Answered {
                request: RequestView::new(&round, &entry, &replies, now),
                receipt: ReceiptView::new(receipt, &zone(&round)),
            })
        },
        move |view| Reply::ok(&view),
    )
    .await
}
