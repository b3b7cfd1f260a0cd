//! `/api/v1/tokens`: the office's admins make, list and revoke tokens. A new token's secret is
//! in the answer that made it and nowhere else: a retry of that request is refused, not
//! replayed.

pub mod create;
pub mod list;
pub mod revoke;
pub mod views;
