//! `GET /api/v1/staff`

use actix_web::web::{Data, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::extract::Caller;
use crate::db::token;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// One of the office's staff, as a working token names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMember {
    /// What a comment is given to: `PUT /api/v1/comments/{id}/assignee` takes it as
    /// `assignee_token_id`.
    pub token_id: String,
    pub name: String,
    pub role: Role,
    pub email: Option<String>,
}

/// The office's drafters and admins whose tokens work now, by name: whom a comment can be given
/// to. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "staff_list",
    path = "/api/v1/staff",
    tag = "tokens",
    responses(
        (status = 200, description = "The staff", body = Vec<StaffMember>),
        (status = 403, description = "Agency tokens may not list the office's staff"),
    ),
    security(("bearer" = []))
)]
pub async fn staff(
    state: Data<AppState>,
    caller: Caller,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    caller.require_staff()?;
    let now = state.clock.now().naive_utc();
    let rows = state
        .db
        .read(move |conn| token::usable_staff(conn, now).map_err(ApiError::from))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| StaffMember {
                token_id: row.id,
                name: row.name,
                role: row.role,
                email: row.email,
            })
            .collect(),
    ))
}
