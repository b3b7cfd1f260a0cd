//! `GET /healthz` (the process answers) and `GET /readyz` (and so does its database).

use actix_web::web::{Data, Json};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// The process is up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200.
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
}

/// Liveness: the process answers HTTP. It does not touch the database, so that a database
/// outage does not get the process restarted. No token needed.
#[utoipa::path(
    get,
    operation_id = "health_check",
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "Up", body = Health))
)]
pub async fn check(state: Data<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        database: state.db.engine().as_str(),
    })
}

/// Readiness: the database answers a query, within the connection timeout when it cannot be
/// reached. A load balancer sends requests only to an instance that is ready. No token needed.
#[utoipa::path(
    get,
    operation_id = "health_ready",
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready: the database answers", body = Health),
        (status = 503, description = "The database does not answer"),
    )
)]
pub async fn ready(state: Data<AppState>) -> Result<Json<Health>, ApiError> {
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
