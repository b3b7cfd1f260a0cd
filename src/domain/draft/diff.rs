//! Comparing two versions clause by clause, in one vocabulary that later stages reuse: each
//! clause is `added`, `removed`, `modified`, `moved` or `unchanged`, and flagged `renumbered` when
//! its displayed number changed. Deleting a measure renumbers the ones after it; they stay
//! `unchanged`, flagged `renumbered`.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff, capture_diff_slices};
use utoipa::ToSchema;

use super::{Clause, ClauseKind};

/// What happened to a clause between two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    /// Heading or text changed (it may also have moved: see `moved`).
    Modified,
    /// Same words, another parent or another place among its siblings than insertions and
    /// removals explain.
    Moved,
    Unchanged,
}

/// A clause as it reads in one of the two versions.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ClauseSide {
    pub number: String,
    pub heading: Option<String>,
    pub text: String,
    pub parent_key: Option<String>,
    /// Index among its siblings, from 0.
    pub position: usize,
}

/// Whether a piece of text is in both, only the old, or only the new version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentOp {
    Equal,
    Delete,
    Insert,
}

/// A run of characters of an inline diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Segment {
    pub op: SegmentOp,
    pub text: String,
}

/// One clause's change.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ClauseChange {
    pub key: String,
    pub kind: ClauseKind,
    pub status: ChangeKind,
    /// It has another parent, or another place among its siblings.
    pub moved: bool,
    /// Its displayed number changed (whatever else happened to it).
    pub renumbered: bool,
    /// Absent for added clauses.
    pub old: Option<ClauseSide>,
    /// Absent for removed clauses.
    pub new: Option<ClauseSide>,
    /// Character-level changes of the heading, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading_diff: Option<Vec<Segment>>,
    /// Character-level changes of the text, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_diff: Option<Vec<Segment>>,
    /// The drafter's note on the change (修改说明), from the newer version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How many clauses had each fate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiffSummary {
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    pub moved: usize,
    pub unchanged: usize,
    /// Clauses whose number changed, whatever their status.
    pub renumbered: usize,
}

/// The changes between two versions: the newer version's clauses in order, each removed clause
/// after the clause it used to follow.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct VersionDiff {
    pub summary: DiffSummary,
    pub changes: Vec<ClauseChange>,
}

struct Placed<'a> {
    clause: &'a Clause,
    position: usize,
}

/// Each clause by key with its place, and each parent's children in order.
type Layout<'a> = (
    HashMap<&'a str, Placed<'a>>,
    HashMap<Option<&'a str>, Vec<&'a str>>,
);

fn place(clauses: &[Clause]) -> Layout<'_> {
    let mut children: HashMap<Option<&str>, Vec<&str>> = HashMap::new();
    let mut placed = HashMap::with_capacity(clauses.len());
    for clause in clauses {
        let siblings = children.entry(clause.parent_key.as_deref()).or_default();
        placed.insert(
            clause.key.as_str(),
            Placed {
                clause,
                position: siblings.len(),
            },
        );
        siblings.push(clause.key.as_str());
    }
    (placed, children)
}

fn side(placed: &Placed<'_>) -> ClauseSide {
    ClauseSide {
        number: placed.clause.number.clone(),
        heading: placed.clause.heading.clone(),
        text: placed.clause.text.clone(),
        parent_key: placed.clause.parent_key.clone(),
        position: placed.position,
    }
}

/// Compares version `old` with version `new`, clauses matched by key.
pub fn diff(old: &[Clause], new: &[Clause]) -> VersionDiff {
    let (old_placed, old_children) = place(old);
    let (new_placed, new_children) = place(new);

    // Clauses kept under the same parent but out of their old order: the ones outside the
    // longest common order of the siblings both versions share.
    let mut reordered: HashSet<&str> = HashSet::new();
    for (parent, new_siblings) in &new_children {
        let Some(old_siblings) = old_children.get(parent) else {
            continue;
        };
        let stays = |key: &&str, other: &HashMap<&str, Placed<'_>>| {
            other
                .get(*key)
                .is_some_and(|p| p.clause.parent_key.as_deref() == *parent)
        };
        let before: Vec<&str> = old_siblings
            .iter()
            .copied()
            .filter(|k| stays(k, &new_placed))
            .collect();
        let after: Vec<&str> = new_siblings
            .iter()
            .copied()
            .filter(|k| stays(k, &old_placed))
            .collect();
        for op in capture_diff_slices(Algorithm::Myers, &before, &after) {
            if let DiffOp::Insert {
                new_index, new_len, ..
            } = op
            {
                reordered.extend(&after[new_index..new_index + new_len]);
            }
        }
    }

    // A removed clause is shown where it was: after the subtree of the nearest earlier sibling
    // that is still there, else right after its parent, else at the start.
    let mut last_in_subtree: HashMap<&str, &str> = HashMap::new();
    for clause in new {
        let mut ancestor = Some(clause.key.as_str());
        while let Some(key) = ancestor {
            last_in_subtree.insert(key, clause.key.as_str());
            ancestor = new_placed
                .get(key)
                .and_then(|p| p.clause.parent_key.as_deref());
        }
    }
    let mut followers: HashMap<&str, Vec<&Placed<'_>>> = HashMap::new();
    let mut leading = Vec::new();
    for clause in old {
        let key = clause.key.as_str();
        let Some(gone) = old_placed
            .get(key)
            .filter(|_| !new_placed.contains_key(key))
        else {
            continue;
        };
        let parent = clause.parent_key.as_deref();
        let siblings = old_children.get(&parent).map_or(&[][..], Vec::as_slice);
        let earlier_sibling = siblings[..gone.position].iter().rev().find(|s| {
            new_placed
                .get(**s)
                .is_some_and(|p| p.clause.parent_key.as_deref() == parent)
        });
        let anchor = match (earlier_sibling, parent) {
            (Some(sibling), _) => last_in_subtree.get(sibling).copied(),
            (None, Some(parent)) => Some(parent),
            (None, None) => None,
        };
        match anchor {
            Some(anchor) => followers.entry(anchor).or_default().push(gone),
            None => leading.push(gone),
        }
    }

    let mut changes = Vec::with_capacity(new.len() + old.len());
    fn emit_removed<'a>(
        gone: &Placed<'a>,
        followers: &mut HashMap<&str, Vec<&Placed<'a>>>,
        changes: &mut Vec<ClauseChange>,
    ) {
        changes.push(removed(gone));
        for next in followers
            .remove(gone.clause.key.as_str())
            .unwrap_or_default()
        {
            emit_removed(next, followers, changes);
        }
    }
    for gone in leading {
        emit_removed(gone, &mut followers, &mut changes);
    }
    for clause in new {
        let key = clause.key.as_str();
        let Some(now) = new_placed.get(key) else {
            continue;
        };
        changes.push(match old_placed.get(key) {
            Some(before) => compared(before, now, reordered.contains(key)),
            None => added(now),
        });
        for gone in followers.remove(key).unwrap_or_default() {
            emit_removed(gone, &mut followers, &mut changes);
        }
    }

    let mut summary = DiffSummary::default();
    for change in &changes {
        match change.status {
            ChangeKind::Added => summary.added += 1,
            ChangeKind::Removed => summary.removed += 1,
            ChangeKind::Modified => summary.modified += 1,
            ChangeKind::Moved => summary.moved += 1,
            ChangeKind::Unchanged => summary.unchanged += 1,
        }
        summary.renumbered += usize::from(change.renumbered);
    }
    VersionDiff { summary, changes }
}

fn added(new: &Placed<'_>) -> ClauseChange {
    ClauseChange {
        key: new.clause.key.clone(),
        kind: new.clause.kind,
        status: ChangeKind::Added,
        moved: false,
        renumbered: false,
        old: None,
        new: Some(side(new)),
        heading_diff: None,
        text_diff: None,
        note: new.clause.note.clone(),
    }
}

fn removed(old: &Placed<'_>) -> ClauseChange {
    ClauseChange {
        key: old.clause.key.clone(),
        kind: old.clause.kind,
        status: ChangeKind::Removed,
        moved: false,
        renumbered: false,
        old: Some(side(old)),
        new: None,
        heading_diff: None,
        text_diff: None,
        note: None,
    }
}

fn compared(old: &Placed<'_>, new: &Placed<'_>, reordered: bool) -> ClauseChange {
    let (o, n) = (old.clause, new.clause);
    let heading_changed = o.heading != n.heading;
    let text_changed = o.text != n.text;
    let moved = o.parent_key != n.parent_key || reordered;
    let status = if heading_changed || text_changed {
        ChangeKind::Modified
    } else if moved {
        ChangeKind::Moved
    } else {
        ChangeKind::Unchanged
    };
    ClauseChange {
        key: n.key.clone(),
        kind: n.kind,
        status,
        moved,
        renumbered: o.number != n.number,
        old: Some(side(old)),
        new: Some(side(new)),
        heading_diff: heading_changed.then(|| {
            inline(
                o.heading.as_deref().unwrap_or(""),
                n.heading.as_deref().unwrap_or(""),
            )
        }),
        text_diff: text_changed.then(|| inline(&o.text, &n.text)),
        // A note explains this change; one carried over unchanged from an earlier version
        // explains nothing here.
        note: n
            .note
            .clone()
            .filter(|note| status != ChangeKind::Unchanged || o.note.as_ref() != Some(note)),
    }
}

/// Character-level diff (Chinese has no spaces to split words on), merged into runs.
pub fn inline(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_chars(old, new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => SegmentOp::Equal,
            ChangeTag::Delete => SegmentOp::Delete,
            ChangeTag::Insert => SegmentOp::Insert,
        };
        match segments.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => segments.push(Segment {
                op,
                text: change.value().to_owned(),
            }),
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(key: &str, parent: Option<&str>, number: &str, text: &str) -> Clause {
        Clause {
            key: key.into(),
            parent_key: parent.map(Into::into),
            kind: if parent.is_some() {
                ClauseKind::Measure
            } else {
                ClauseKind::Chapter
            },
            number: number.into(),
            heading: None,
            text: text.into(),
            note: None,
        }
    }

    fn statuses(diff: &VersionDiff) -> Vec<(String, ChangeKind, bool, bool)> {
        diff.changes
            .iter()
            .map(|c| (c.key.clone(), c.status, c.moved, c.renumbered))
            .collect()
    }

    #[test]
    fn edits_deletions_insertions_and_moves_are_told_apart_from_renumbering() {
        let v1 = vec![
            clause("ch1", None, "一、", "甲"),
            clause("m1", Some("ch1"), "1.", "一"),
            clause("m2", Some("ch1"), "2.", "二"),
            clause("m3", Some("ch1"), "3.", "三"),
            clause("ch2", None, "二、", "乙"),
            clause("m4", Some("ch2"), "4.", "四"),
            clause("m5", Some("ch2"), "5.", "五"),
        ];
        // m2 deleted (m3 renumbered), m4 edited, m1 moved to ch2, m6 inserted.
        let v2 = vec![
            clause("ch1", None, "一、", "甲"),
            clause("m3", Some("ch1"), "1.", "三"),
            clause("ch2", None, "二、", "乙"),
            clause("m1", Some("ch2"), "2.", "一"),
            clause("m4", Some("ch2"), "3.", "四改"),
            clause("m6", Some("ch2"), "4.", "六"),
            clause("m5", Some("ch2"), "5.", "五"),
        ];
        let diff = diff(&v1, &v2);
        use ChangeKind::*;
        let expected = [
            ("ch1", Unchanged, false, false),
            ("m2", Removed, false, false),
            ("m3", Unchanged, false, true),
            ("ch2", Unchanged, false, false),
            ("m1", Moved, true, true),
            ("m4", Modified, false, true),
            ("m6", Added, false, false),
            ("m5", Unchanged, false, false),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(k, s, m, r)| (k.to_string(), *s, *m, *r))
            .collect();
        assert_eq!(statuses(&diff), expected);
        assert_eq!(
            diff.summary,
            DiffSummary {
                added: 1,
                removed: 1,
                modified: 1,
                moved: 1,
                unchanged: 4,
                renumbered: 3
            }
        );
        let edit = &diff.changes[5];
        assert_eq!(edit.key, "m4");
        assert_eq!(
            edit.text_diff.as_deref(),
            Some(
                &[
                    Segment {
                        op: SegmentOp::Equal,
                        text: "四".into()
                    },
                    Segment {
                        op: SegmentOp::Insert,
                        text: "改".into()
                    }
                ][..]
            )
        );
    }

    #[test]
    fn a_removed_chapter_shows_with_its_measures_where_it_was() {
        let v1 = vec![
            clause("ch1", None, "一、", "甲"),
            clause("m1", Some("ch1"), "1.", "一"),
            clause("ch2", None, "二、", "乙"),
            clause("m2", Some("ch2"), "2.", "二"),
            clause("m3", Some("ch2"), "3.", "三"),
            clause("ch3", None, "三、", "丙"),
            clause("m4", Some("ch3"), "4.", "四"),
        ];
        let v2 = vec![
            clause("ch1", None, "一、", "甲"),
            clause("m1", Some("ch1"), "1.", "一"),
            clause("ch3", None, "二、", "丙"),
            clause("m4", Some("ch3"), "2.", "四"),
        ];
        let keys: Vec<String> = diff(&v1, &v2).changes.into_iter().map(|c| c.key).collect();
        assert_eq!(keys, ["ch1", "m1", "ch2", "m2", "m3", "ch3", "m4"]);
    }

    #[test]
    fn a_swap_among_siblings_is_a_move_of_one() {
        let v1 = vec![
            clause("a", None, "1.", "a"),
            clause("b", None, "2.", "b"),
            clause("c", None, "3.", "c"),
        ];
        let v2 = vec![
            clause("c", None, "1.", "c"),
            clause("a", None, "2.", "a"),
            clause("b", None, "3.", "b"),
        ];
        let moved: Vec<String> = diff(&v1, &v2)
            .changes
            .into_iter()
            .filter(|c| c.moved)
            .map(|c| c.key)
            .collect();
        assert_eq!(moved, ["c"]);
    }
}
