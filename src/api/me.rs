//! `GET /api/v1/me`: who the token is.

use actix_web::web::{Data, Json};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::extract::Caller;
use crate::api::people::views::PersonRef;
use crate::api::rounds::views::AgencyRef;
use crate::db::{agency, person, token};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// The token that made the request, and whom it answers for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The token's id (the one `consult token revoke` takes), never its secret.
    pub token_id: String,
    /// Who or what uses the token, as it was named when made (a laptop, a script).
    pub name: String,
    pub role: Role,
    /// The agency an `agency` token answers for.
    pub agency: Option<AgencyRef>,
    /// The person in the office a staff token belongs to.
    pub person: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    /// When the token stops working; absent if it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Who this token is: its name, role, person or agency, and expiry. Any usable token may ask.
#[utoipa::path(
    get,
    operation_id = "me_show",
    path = "/api/v1/me",
    tag = "tokens",
    responses((status = 200, description = "The token's holder", body = Me)),
    security(("bearer" = []))
)]
pub async fn show(state: Data<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let me = state
        .db
        .read(move |conn| -> Result<Me, ApiError> {
            let row = token::find(conn, &caller.token_id)?
                .ok_or_else(|| ServiceError::internal("an authenticated token is missing"))?;
            let agency = match &row.agency_id {
                Some(id) => agency::find(conn, id)?.map(|a| AgencyRef {
                    id: a.id,
                    code: a.code,
                    name: a.name,
                }),
                None => None,
            };
            let person = match &row.person_id {
                Some(id) => person::find(conn, id)?.map(PersonRef::from),
                None => None,
            };
            Ok(Me {
                token_id: row.id,
                name: row.name,
                role: row.role,
                agency,
                person,
                created_at: row.created_at.and_utc(),
                expires_at: row.expires_at.map(|t| t.and_utc()),
            })
        })
        .await?;
    Ok(Json(me))
}
