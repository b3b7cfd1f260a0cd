//! Comments on a clause: what kind, where in the clause they point, and the checks that make a
//! comment say where it belongs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a comment asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// Change the wording of a clause.
    Amend,
    /// Remove a clause or part of it.
    Delete,
    /// Add something at a clause.
    Add,
    /// About the whole document; no clause.
    General,
}

stored_names!(CommentKind, "comment kind" {
    Amend => "amend",
    Delete => "delete",
    Add => "add",
    General => "general",
});

/// A passage of the clause a comment is about (W3C Web Annotation: a text quote selector with a
/// position selector). Offsets count Unicode code points of the clause's NFC text, end exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub exact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
}

/// Why a quote cannot be placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteProblem {
    /// The passage is not in the clause.
    NotFound,
    /// The passage is there more than once and the offsets (or prefix and suffix) do not say
    /// which.
    Ambiguous,
}

/// Places `quote` in `text`: at its offsets when they hold the passage, else where it occurs
/// exactly once (among the occurrences that fit its prefix and suffix). Returns the offsets.
pub fn locate(text: &str, quote: &Quote) -> Result<(usize, usize), QuoteProblem> {
    let chars: Vec<char> = text.chars().collect();
    let exact: Vec<char> = quote.exact.chars().collect();
    if exact.is_empty() || exact.len() > chars.len() {
        return Err(QuoteProblem::NotFound);
    }
    if let (Some(start), Some(end)) = (quote.start, quote.end) {
        if start.checked_add(exact.len()) == Some(end)
            && chars.get(start..end) == Some(exact.as_slice())
        {
            return Ok((start, end));
        }
    }
    let prefix: Vec<char> = quote.prefix.as_deref().unwrap_or("").chars().collect();
    let suffix: Vec<char> = quote.suffix.as_deref().unwrap_or("").chars().collect();
    let found: Vec<usize> = (0..=chars.len() - exact.len())
        .filter(|&i| chars[i..i + exact.len()] == exact[..])
        .filter(|&i| chars[..i].ends_with(&prefix))
        .filter(|&i| chars[i + exact.len()..].starts_with(&suffix))
        .collect();
    match found.as_slice() {
        [] => Err(QuoteProblem::NotFound),
        [only] => Ok((*only, *only + exact.len())),
        _ => Err(QuoteProblem::Ambiguous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(exact: &str) -> Quote {
        Quote {
            exact: exact.into(),
            ..Quote::default()
        }
    }

    const TEXT: &str =
        "到2027年，力争研发经费支出占GDP比重达**%，营业收入超1.4万亿元，营业收入稳步提升。";

    #[test]
    fn a_passage_is_placed_by_offsets_or_by_being_there_once() {
        assert_eq!(locate(TEXT, &quote("研发经费")), Ok((9, 13)));
        let mut stale = quote("研发经费");
        stale.start = Some(2);
        stale.end = Some(6);
        assert_eq!(
            locate(TEXT, &stale),
            Ok((9, 13)),
            "stale offsets fall back to the text"
        );
        assert_eq!(
            locate(TEXT, &quote("营业收入")),
            Err(QuoteProblem::Ambiguous)
        );
        let mut placed = quote("营业收入");
        placed.start = Some(26);
        placed.end = Some(30);
        assert_eq!(locate(TEXT, &placed), Ok((26, 30)));
        let mut disambiguated = quote("营业收入");
        disambiguated.suffix = Some("稳步".into());
        assert_eq!(locate(TEXT, &disambiguated), Ok((38, 42)));
        assert_eq!(locate(TEXT, &quote("不存在")), Err(QuoteProblem::NotFound));
    }
}
