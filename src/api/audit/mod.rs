//! `/api/v1/audit`: the audit log, for administrators.

pub mod list;
pub mod views;
