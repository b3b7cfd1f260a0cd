//! `POST /api/v1/tokens/{id}/revoke`

use actix_web::HttpResponse;
use actix_web::web::{Data, Path};

use super::views::TokenView;
use crate::api::extract::Caller;
use crate::api::unit::{Reply, Work};
use crate::error::ApiError;
use crate::service::tokens;
use crate::state::AppState;

/// Revokes a token: it stops working at once. Admins only.
#[utoipa::path(
    post,
    operation_id = "tokens_revoke",
    path = "/api/v1/tokens/{id}/revoke",
    tag = "tokens",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 200, description = "Revoked", body = TokenView),
        (status = 403, description = "Only admins revoke tokens"),
        (status = 404, description = "No such token"),
        (status = 409, description = "Revoked already (`token_revoked`)"),
    ),
    security(("bearer" = []))
)]
pub async fn revoke(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = caller.actor();
    work.commit(
        move |conn| Ok(tokens::revoke(conn, &actor, &id, now)?),
        move |row| Reply::ok(&TokenView::new(&row, now.naive_utc())),
    )
    .await
}
