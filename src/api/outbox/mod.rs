//! `/api/v1/outbox`: the emails queued, sent and given up, for drafters and admins.

pub mod list;
pub mod retry;
pub mod views;
