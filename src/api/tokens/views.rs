//! What the API sends about tokens: never a secret, but where one is made.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::token::TokenRow;
use crate::domain::role::Role;

/// Whether a token works now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

/// A token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    /// Who uses it: a person or a system.
    pub name: String,
    pub role: Role,
    /// The id of the agency an `agency` token answers for.
    pub agency_id: Option<String>,
    /// The person a staff token belongs to.
    pub person_id: Option<String>,
    pub state: TokenState,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenView {
    pub fn new(row: &TokenRow, now: NaiveDateTime) -> TokenView {
        let state = if row.revoked_at.is_some() {
            TokenState::Revoked
        } else if row.expires_at.is_some_and(|at| at <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        };
        TokenView {
            id: row.id.clone(),
            name: row.name.clone(),
            role: row.role,
            agency_id: row.agency_id.clone(),
            person_id: row.person_id.clone(),
            state,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A token just made, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The bearer token to hand to its holder. It is stored only as a hash and never sent
    /// again, not even to a retry of this request.
    pub secret: String,
}
