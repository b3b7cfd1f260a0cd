//! `/api/v1/agencies`: the agencies a drafting office consults.

pub mod create;
pub mod list;
pub mod show;
pub mod update;
pub mod views;
