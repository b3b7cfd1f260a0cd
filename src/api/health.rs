//! `GET /healthz`

use actix_web::web::{Data, Json};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// The service is up and its database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200.
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
}

/// Checks that the database answers a query. No token needed.
#[utoipa::path(
    get,
    operation_id = "health_check",
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "Up", body = Health),
        (status = 503, description = "The database does not answer"),
    )
)]
pub async fn check(state: Data<AppState>) -> Result<Json<Health>, ApiError> {
    state
        .db
        .read(|conn| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .map_err(ApiError::from)
        })
        .await
        .map_err(|e| match e {
            ApiError::Unavailable(cause) | ApiError::Internal(cause) => {
                ApiError::Unavailable(cause)
            }
            other => other,
        })?;
    Ok(Json(Health {
        status: "ok",
        database: state.db.engine().as_str(),
    }))
}
