//! The workflow: what the product does, shared by the API, the command line and the demo data.
//! Each operation runs inside the caller's transaction, records itself in the audit log, and
//! queues the emails it causes; a refusal is an [`crate::error::ServiceError`].
//!
//! - [`agencies`]: the agencies consulted.
//! - [`drafting`]: documents and versions.
//! - [`rounds`]: rounds, from creation through opening, changes, closing and reopening.
//! - [`round_facts`]: the round facts read model (deadlines and states from stored facts).
//! - [`letters`]: the request letters and the notices of a new deadline.
//! - [`requests`]: a round's requests: invitations, removals, extensions.
//! - [`replies`]: replies, "no comments", withdrawal, and when a round takes them.
//! - [`attachments`]: files attached to a request.
//! - [`commenting`]: comments checked against the version, and their freezing on submit.
//! - [`queue`]: the drafters' queue, one page at a time.
//! - [`triage`]: assignments and notes.
//! - [`groups`]: groups of like comments.
//! - [`decisions`]: decisions on comments and groups.
//! - [`publication`]: the consistency check and publishing the decisions.
//! - [`reporting`]: the adoption table (意见采纳情况表).
//! - [`outbox`]: sending again an email that was given up.
//! - [`reminding`]: reminders, overdue notices and digests over time.
//! - [`calendaring`]: the working-day calendar, and deadlines counted again.
//! - [`tokens`]: API tokens, made and revoked.

pub mod agencies;
pub mod attachments;
pub mod calendaring;
pub mod claims;
pub mod commenting;
pub mod decisions;
pub mod drafting;
pub mod error;
pub mod groups;
pub mod letters;
pub mod outbox;
pub mod people;
pub mod publication;
pub mod queue;
pub mod receipts;
pub mod reminding;
pub mod replies;
pub mod reporting;
pub mod requests;
pub mod round_facts;
pub mod rounds;
pub mod sessions;
pub mod tokens;
pub mod triage;
