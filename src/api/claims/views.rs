//! What the API sends about claim codes: the token a code was exchanged for (its secret, once),
//! and a code issued again (never the code itself, which goes by email only).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::rounds::views::AgencyRef;
use crate::api::tokens::views::TokenView;

/// The agency's new token, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedToken {
    /// The bearer token: `Authorization: Bearer <secret>`.
    pub secret: String,
    pub token: TokenView,
    pub agency: AgencyRef,
    /// The request whose letter carried the code: `GET /api/v1/requests/{request_id}`.
    pub request_id: String,
}

/// A new claim code, sent to the agency's addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedClaim {
    pub id: String,
    pub request_id: String,
    pub created_at: DateTime<Utc>,
    /// When given; otherwise the code works for the configured grace
    /// (`CONSULT_CLAIM_GRACE_DAYS`) after the request's effective deadline or after it was
    /// issued, whichever is later.
    pub expires_at: Option<DateTime<Utc>>,
    /// The queued email that carries it: `GET /api/v1/outbox?kind=claim_code` shows where it
    /// stands.
    pub message_id: String,
}
