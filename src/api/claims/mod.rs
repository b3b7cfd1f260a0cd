//! Claim codes: an agency's liaison exchanges the code in the request letter for the agency's
//! token (no token needed to call); the office issues a new code when one is lost or expired.

pub mod exchange;
pub mod reissue;
pub mod views;
