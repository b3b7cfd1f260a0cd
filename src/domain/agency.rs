//! Agencies: the departments, districts and counties a drafting office consults.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{ValidateEmail, ValidationError};

/// What sort of body an agency is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// A municipal department (市级部门).
    Department,
    /// A district, county or county-level city (区、县（市）).
    District,
    Other,
}

stored_names!(AgencyKind, "agency kind" {
    Department => "department",
    District => "district",
    Other => "other",
});

/// The language an agency's emails are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

stored_names!(Locale, "locale" {
    ZhCn => "zh-CN",
    En => "en",
});

/// Most contact addresses an agency may list.
pub const MAX_EMAILS: usize = 10;

/// An agency code: 2 to 32 characters of lower-case ASCII letters, digits and `-`, starting with
/// a letter or digit. Codes appear in URLs, file names and the command line, hence ASCII.
pub fn validate_code(code: &str) -> Result<(), ValidationError> {
    let bytes = code.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let ok = (2..=32).contains(&bytes.len()) && bytes[0] != b'-' && bytes.iter().all(allowed);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "invalid_code",
            "2 to 32 characters: lower-case ASCII letters, digits and '-', not starting with '-'",
        ))
    }
}

/// A name: not blank, at most 100 characters.
pub fn validate_name(name: &str) -> Result<(), ValidationError> {
    let length = name.chars().count();
    if crate::domain::text::is_blank(name) || length > 100 {
        Err(invalid(
            "invalid_name",
            "must be 1 to 100 characters and not blank",
        ))
    } else {
        Ok(())
    }
}

/// Contact addresses: one or more, each a valid address, no repeats.
pub fn validate_emails(emails: &[String]) -> Result<(), ValidationError> {
    if emails.is_empty() || emails.len() > MAX_EMAILS {
        return Err(invalid("invalid_count", "list 1 to 10 contact addresses"));
    }
    for (index, email) in emails.iter().enumerate() {
        if !email.validate_email() {
            return Err(at_index(
                invalid("invalid_email", "not a valid email address"),
                index,
            ));
        }
        if emails[..index]
            .iter()
            .any(|e| e.eq_ignore_ascii_case(email))
        {
            return Err(at_index(
                invalid("duplicate_email", "repeats an earlier address"),
                index,
            ));
        }
    }
    Ok(())
}

/// Marks an error as about one item of a list field; the API reports it as `field[index]`.
fn at_index(mut error: ValidationError, index: usize) -> ValidationError {
    error.add_param(Cow::Borrowed("index"), &index);
    error
}

fn invalid(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_lower_case_ascii() {
        assert!(validate_code("jingxin").is_ok());
        assert!(validate_code("hz-12").is_ok());
        for bad in ["j", "-abc", "Jingxin", "经信局", "a b", &"x".repeat(33)] {
            assert!(validate_code(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn emails_need_one_valid_unrepeated_address() {
        assert!(validate_emails(&["a@b.example".into()]).is_ok());
        assert!(validate_emails(&[]).is_err());
        let bad = validate_emails(&["a@b.example".into(), "nope".into()]).unwrap_err();
        assert_eq!(bad.code, "invalid_email");
        let repeated = validate_emails(&["a@b.example".into(), "A@b.example".into()]).unwrap_err();
        assert_eq!(repeated.code, "duplicate_email");
    }

    #[test]
    fn names_are_not_blank() {
        assert!(validate_name("上城区").is_ok());
        assert!(validate_name("  ").is_err());
    }
}
