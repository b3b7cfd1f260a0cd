//! `GET /api/v1/receipts/{number}`

use actix_web::web::{Data, Json, Path};

use super::views::ReceiptView;
use crate::api::extract::Caller;
use crate::db::round;
use crate::domain::receipt::is_number;
use crate::error::ApiError;
use crate::service::receipts;
use crate::service::round_facts::zone;
use crate::state::AppState;

/// A receipt by its number: what the reply it acknowledges held (comments by clause, files with
/// their SHA-256) and when it was taken. An agency reads its own receipts; another agency's is
/// 404.
#[utoipa::path(
    get,
    operation_id = "receipts_show",
    path = "/api/v1/receipts/{number}",
    tag = "requests",
    params(("number" = String, Path, description = "Receipt number, such as 20261201-7K3M9-QXD2A")),
    responses(
        (status = 200, description = "The receipt", body = ReceiptView),
        (status = 404, description = "No such receipt, or another agency's"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    state: Data<AppState>,
    caller: Caller,
    number: Path<String>,
) -> Result<Json<ReceiptView>, ApiError> {
    let number = number.into_inner().to_ascii_uppercase();
    if !is_number(&number) {
        return Err(ApiError::NotFound);
    }
    let view = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let found = receipts::find(conn, &number)?.ok_or(ApiError::NotFound)?;
            if !caller.can_see_agency(&found.row.agency_id) {
                return Err(ApiError::NotFound);
            }
            let round = round::find_round(conn, &found.row.round_id)?.ok_or(ApiError::NotFound)?;
            Ok(ReceiptView::new(found, &zone(&round)))
        })
        .await?;
    Ok(Json(view))
}
