//! Receipts (回执): the number every reply, "no comments" and withdrawal is answered with, and
//! what it acknowledges.

pub mod show;
pub mod views;
