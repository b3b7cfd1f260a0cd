//! `/api/v1/calendar`: the working-day calendar in force, and loading a year's notice.

pub mod import;
pub mod list;
pub mod show;
