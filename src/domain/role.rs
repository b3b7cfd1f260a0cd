//! Who a caller is: the three roles a token can carry.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a token may do.
///
/// `admin` runs the installation (reads the audit log); `drafter` works for the drafting office;
/// `agency` answers on behalf of the one agency its token is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Drafter,
    Agency,
}

impl Role {
    /// Whether the role works for the drafting office (and so sees every agency's data).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Drafter)
    }
}

stored_names!(Role, "role" {
    Admin => "admin",
    Drafter => "drafter",
    Agency => "agency",
});
