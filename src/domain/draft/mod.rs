//! Drafts: versions as trees of clauses, read from JSON or plain text, checked for unfilled
//! figures, matched to the previous version's keys, and compared clause by clause.

pub mod diff;
pub mod matching;
pub mod parse;
pub mod placeholder;
pub mod reference;
pub mod render;

use crate::domain::text::trim_blank;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

/// Whether a version can still change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Published,
}

stored_names!(VersionState, "version state" {
    Draft => "draft",
    Published => "published",
});

/// What level a clause is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseKind {
    /// 一、 or 第一章
    Chapter,
    /// （一）
    Section,
    /// 1. or 第一条
    Measure,
    /// （1）, or text outside any numbered clause
    Paragraph,
}

impl ClauseKind {
    /// The prefix of keys made for clauses of this kind (`m12`).
    pub fn key_prefix(self) -> &'static str {
        match self {
            ClauseKind::Chapter => "ch",
            ClauseKind::Section => "s",
            ClauseKind::Measure => "m",
            ClauseKind::Paragraph => "p",
        }
    }
}

stored_names!(ClauseKind, "clause kind" {
    Chapter => "chapter",
    Section => "section",
    Measure => "measure",
    Paragraph => "paragraph",
});

/// A clause as given for a new version: a tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseInput {
    /// Keeps the clause's identity across versions; made by the service when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub kind: ClauseKind,
    /// The number as displayed: `一、`, `（一）`, `1.`, `第三条`; empty for plain paragraphs.
    #[serde(default)]
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    #[serde(default)]
    pub text: String,
    /// The drafter's note on why the clause changed (修改说明).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub children: Vec<ClauseInput>,
}

/// A clause of a version, flattened in document order with a link to its parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub key: String,
    pub parent_key: Option<String>,
    pub kind: ClauseKind,
    pub number: String,
    pub heading: Option<String>,
    pub text: String,
    pub note: Option<String>,
}

/// A document title: not blank, at most 200 characters.
pub fn validate_title(title: &str) -> Result<(), validator::ValidationError> {
    if crate::domain::text::is_blank(title) || title.chars().count() > 200 {
        Err(validator::ValidationError::new("invalid_title")
            .with_message("must be 1 to 200 characters and not blank".into()))
    } else {
        Ok(())
    }
}

/// A version label: not blank, at most 50 characters.
pub fn validate_label(label: &str) -> Result<(), validator::ValidationError> {
    if crate::domain::text::is_blank(label) || label.chars().count() > 50 {
        Err(validator::ValidationError::new("invalid_label")
            .with_message("must be 1 to 50 characters and not blank".into()))
    } else {
        Ok(())
    }
}

/// Text as stored: NFC, so that the same words compare equal whatever produced them.
pub fn normalize(text: &str) -> String {
    text.nfc().collect()
}

/// A clause without its key yet, flattened: `parent` is the index of its parent in the list.
#[derive(Clone, Debug, PartialEq)]
pub struct FlatInput {
    /// Where the clause is in the input (`clauses[2].children[0]`), to name it in errors.
    pub path: String,
    pub key: Option<String>,
    pub parent: Option<usize>,
    pub kind: ClauseKind,
    pub number: String,
    pub heading: Option<String>,
    pub text: String,
    pub note: Option<String>,
}

/// Flattens a tree in document order, normalizing its text.
pub fn flatten(tree: &[ClauseInput]) -> Vec<FlatInput> {
    fn walk(nodes: &[ClauseInput], parent: Option<usize>, prefix: &str, out: &mut Vec<FlatInput>) {
        for (position, node) in nodes.iter().enumerate() {
            let index = out.len();
            let path = format!("{prefix}[{position}]");
            out.push(FlatInput {
                path: path.clone(),
                key: node.key.clone(),
                parent,
                kind: node.kind,
                number: normalize(trim_blank(&node.number)),
                heading: node
                    .heading
                    .as_deref()
                    .map(|h| normalize(trim_blank(h)))
                    .filter(|h| !h.is_empty()),
                text: normalize(trim_blank(&node.text)),
                note: node
                    .note
                    .as_deref()
                    .map(|n| normalize(trim_blank(n)))
                    .filter(|n| !n.is_empty()),
            });
            walk(
                &node.children,
                Some(index),
                &format!("{path}.children"),
                out,
            );
        }
    }
    let mut out = Vec::new();
    walk(tree, None, "clauses", &mut out);
    out
}

/// Rebuilds the tree of a version from its clauses in document order.
pub fn tree(clauses: &[Clause]) -> Vec<ClauseInput> {
    let mut children: HashMap<Option<&str>, Vec<&Clause>> = HashMap::new();
    for clause in clauses {
        children
            .entry(clause.parent_key.as_deref())
            .or_default()
            .push(clause);
    }
    fn build(
        children: &HashMap<Option<&str>, Vec<&Clause>>,
        parent: Option<&str>,
    ) -> Vec<ClauseInput> {
        children
            .get(&parent)
            .map(|list| {
                list.iter()
                    .map(|c| ClauseInput {
                        key: Some(c.key.clone()),
                        kind: c.kind,
                        number: c.number.clone(),
                        heading: c.heading.clone(),
                        text: c.text.clone(),
                        note: c.note.clone(),
                        children: build(children, Some(&c.key)),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    build(&children, None)
}

/// What a new version is made from: a tree of clauses, or plain text to parse.
#[derive(Clone, Debug)]
pub enum Content {
    Clauses(Vec<ClauseInput>),
    Text(String),
}

/// Most clauses a version may have.
pub const MAX_CLAUSES: usize = 20_000;
/// Deepest nesting of clauses.
pub const MAX_DEPTH: usize = 8;

/// Something in the content that keeps it from becoming a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentIssue {
    /// A path into the JSON tree (`clauses[2].children[0].text`), or `text` for plain text.
    pub field: String,
    /// `unclear_structure`, `too_long`, `too_many`, `too_deep`, `invalid_key`.
    pub code: &'static str,
    pub message: String,
}

/// A version's content, ready to store: keyed clauses in document order.
#[derive(Clone, Debug)]
pub struct Built {
    /// The title line of a plain-text draft, if it had one.
    pub title: Option<String>,
    pub clauses: Vec<Clause>,
}

/// Reads `content`, checks it, and gives its clauses keys matched to the `previous` version.
pub fn build(
    content: Content,
    previous: &[Clause],
    used_keys: &std::collections::HashSet<String>,
) -> Result<Built, Vec<ContentIssue>> {
    let (title, tree) = match content {
        Content::Clauses(tree) => (None, tree),
        Content::Text(text) => {
            let parsed = parse::parse_text(&text);
            if !parsed.issues.is_empty() {
                return Err(parsed
                    .issues
                    .into_iter()
                    .map(|issue| ContentIssue {
                        field: "text".to_owned(),
                        code: "unclear_structure",
                        message: format!("line {}: {}", issue.line, issue.message),
                    })
                    .collect());
            }
            (parsed.title, parsed.clauses)
        }
    };
    let flat = flatten(&tree);
    let issues = check(&flat);
    if !issues.is_empty() {
        return Err(issues);
    }
    let clauses = matching::assign_keys(previous, &flat, used_keys).map_err(|issues| {
        issues
            .into_iter()
            .map(|issue| ContentIssue {
                field: issue.path,
                code: "invalid_key",
                message: issue.message,
            })
            .collect::<Vec<_>>()
    })?;
    Ok(Built { title, clauses })
}

/// Size limits, so that one request cannot store an unbounded tree.
fn check(flat: &[FlatInput]) -> Vec<ContentIssue> {
    let mut issues = Vec::new();
    if flat.is_empty() {
        issues.push(ContentIssue {
            field: "clauses".to_owned(),
            code: "too_few",
            message: "a version needs at least one clause".to_owned(),
        });
    }
    if flat.len() > MAX_CLAUSES {
        issues.push(ContentIssue {
            field: "clauses".to_owned(),
            code: "too_many",
            message: format!("at most {MAX_CLAUSES} clauses"),
        });
        return issues;
    }
    let mut depth = vec![0usize; flat.len()];
    for (i, clause) in flat.iter().enumerate() {
        depth[i] = clause.parent.map_or(1, |p| depth[p] + 1);
        if depth[i] == MAX_DEPTH + 1 {
            issues.push(ContentIssue {
                field: clause.path.clone(),
                code: "too_deep",
                message: format!("clauses nest at most {MAX_DEPTH} deep"),
            });
        }
        let limits = [
            ("number", Some(clause.number.as_str()), 30),
            ("heading", clause.heading.as_deref(), 500),
            ("text", Some(clause.text.as_str()), 20_000),
            ("note", clause.note.as_deref(), 2_000),
        ];
        for (field, value, max) in limits {
            if value.is_some_and(|v| v.chars().count() > max) {
                issues.push(ContentIssue {
                    field: format!("{}.{field}", clause.path),
                    code: "too_long",
                    message: format!("at most {max} characters"),
                });
            }
        }
        if clause.heading.is_none() && clause.text.is_empty() {
            issues.push(ContentIssue {
                field: clause.path.clone(),
                code: "empty_clause",
                message: "a clause needs a heading or text".to_owned(),
            });
        }
    }
    issues
}

/// Every unfilled figure in the clauses, with the clause it is in.
pub fn placeholders(clauses: &[Clause]) -> Vec<(&Clause, placeholder::Placeholder)> {
    let mut found = Vec::new();
    for clause in clauses {
        let fields = [
            (placeholder::Field::Heading, clause.heading.as_deref()),
            (placeholder::Field::Text, Some(clause.text.as_str())),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                found.extend(
                    placeholder::scan(field, value)
                        .into_iter()
                        .map(|p| (clause, p)),
                );
            }
        }
    }
    found
}
