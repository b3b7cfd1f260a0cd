//! The rules of the consultation, free of HTTP and storage: what an agency is, who may act, how
//! tokens are made.

#[macro_use]
pub mod stored;

pub mod agency;
pub mod calendar;
pub mod carry;
pub mod claim;
pub mod comment;
pub mod decision;
pub mod draft;
pub mod ledger;
pub mod outbox;
pub mod receipt;
pub mod refusal;
pub mod report;
pub mod revision;
pub mod role;
pub mod round;
pub mod text;
pub mod token;
