//! The workflow: what the product does, shared by the API, the command line and the demo data.
//! Each operation runs inside the caller's transaction, records itself in the audit log, and
//! queues the emails it causes; a refusal is an [`crate::error::ApiError`].

pub mod agencies;
pub mod calendaring;
pub mod commenting;
pub mod consulting;
pub mod deciding;
pub mod drafting;
pub mod reminding;
pub mod reporting;
pub mod round_facts;
