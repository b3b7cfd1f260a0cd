//! Drafts: versions as trees of clauses, read from JSON or plain text, checked for unfilled
//! figures, matched to the previous version's keys, and compared clause by clause.

pub mod diff;
pub mod matching;
pub mod parse;
pub mod placeholder;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

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
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseKind::Chapter => "chapter",
            ClauseKind::Section => "section",
            ClauseKind::Measure => "measure",
            ClauseKind::Paragraph => "paragraph",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "chapter" => Some(ClauseKind::Chapter),
            "section" => Some(ClauseKind::Section),
            "measure" => Some(ClauseKind::Measure),
            "paragraph" => Some(ClauseKind::Paragraph),
            _ => None,
        }
    }

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
                number: normalize(node.number.trim()),
                heading: node
                    .heading
                    .as_deref()
                    .map(|h| normalize(h.trim()))
                    .filter(|h| !h.is_empty()),
                text: normalize(node.text.trim()),
                note: node
                    .note
                    .as_deref()
                    .map(|n| normalize(n.trim()))
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
