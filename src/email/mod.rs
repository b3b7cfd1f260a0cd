//! Email: what the messages to agencies and drafters say. They are queued in the outbox
//! (`db::outbox`) in the transaction of the change that causes them.

pub mod delivery;
pub mod notices;
pub mod templates;
