//! Receipts (回执): every reply, "no comments" and withdrawal answered with a number the agency
//! can quote, made of the day it was given (in the round's time zone) and ten random symbols.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::claim::{ALPHABET, symbols};

/// What a receipt acknowledges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Comments submitted.
    Submission,
    /// 无意见
    NoComments,
    /// The standing reply withdrawn.
    Withdrawal,
}

stored_names!(ReceiptKind, "receipt kind" {
    Submission => "submission",
    NoComments => "no_comments",
    Withdrawal => "withdrawal",
});

/// A receipt number for `day` (`20261201`): `20261201-7K3M9-QXD2A`. Fifty random bits keep
/// numbers apart among millions of replies a day; storage refuses a repeat outright.
pub fn number(day: chrono::NaiveDate, random: [u8; 10]) -> String {
    // Crockford's base 32, as in claim codes: read aloud and retyped without confusion.
    let symbols = symbols(&random);
    format!(
        "{}-{}-{}",
        day.format("%Y%m%d"),
        &symbols[..5],
        &symbols[5..]
    )
}

/// Whether `text` has the shape of a receipt number (so that a lookup of anything else is
/// answered without reading storage).
pub fn is_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), [day, a, b]
        if day.len() == 8 && day.bytes().all(|c| c.is_ascii_digit())
            && [a, b].iter().all(|p| p.len() == 5 && p.bytes().all(|c| ALPHABET.contains(&c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_names_its_day_and_reads_back() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        let made = number(day, [0, 1, 2, 3, 4, 5, 6, 7, 8, 31]);
        assert_eq!(made, "20261201-01234-5678Z");
        assert!(is_number(&made));
        assert!(!is_number("20261201-01234-5678U"));
        assert!(!is_number("2026121-01234-56789"));
        assert!(!is_number("../etc"));
    }
}
