//! `/api/v1/people`: the office's staff. Admins add, change and retire people; drafters and
//! admins list them, to know whom a comment can be given to.

pub mod create;
pub mod list;
pub mod retire;
pub mod show;
pub mod update;
pub mod views;
