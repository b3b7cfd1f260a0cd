//! Decisions on comments (处理意见), and the consistency check that stands between the
//! decisions, the next version and their publication.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::draft::diff::{ChangeKind, VersionDiff};

/// How the office handled a comment.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 采纳
    Adopted,
    /// 部分采纳
    PartiallyAdopted,
    /// 不予采纳
    NotAdopted,
    /// Already covered, or for information (已知悉).
    Noted,
}

impl Outcome {
    /// Every outcome, in the order tables show them.
    pub const ALL: [Outcome; 4] = [
        Outcome::Adopted,
        Outcome::PartiallyAdopted,
        Outcome::NotAdopted,
        Outcome::Noted,
    ];

    /// The words of the published table.
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Adopted => "采纳",
            Outcome::PartiallyAdopted => "部分采纳",
            Outcome::NotAdopted => "不予采纳",
            Outcome::Noted => "已知悉",
        }
    }

    /// The words of an English letter.
    pub fn label_en(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::PartiallyAdopted => "partly adopted",
            Outcome::NotAdopted => "not adopted",
            Outcome::Noted => "noted",
        }
    }

    /// Everything but adoption has to say why.
    pub fn needs_reason(self) -> bool {
        self != Outcome::Adopted
    }

    /// Adoption, whole or in part, changes the text.
    pub fn changes_text(self) -> bool {
        matches!(self, Outcome::Adopted | Outcome::PartiallyAdopted)
    }
}

stored_names!(Outcome, "outcome" {
    Adopted => "adopted",
    PartiallyAdopted => "partially_adopted",
    NotAdopted => "not_adopted",
    Noted => "noted",
});

/// Where a comment's decision stands: the decision that applies to it (its group's when it is
/// grouped, else its own), as of its newest revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionState {
    /// No decision yet.
    Undecided,
    /// Decided, but the comment changed since: the decision is to be looked at again.
    Stale,
    Adopted,
    PartiallyAdopted,
    NotAdopted,
    Noted,
}

impl DecisionState {
    /// The state of a comment whose applicable decision's newest revision has `outcome` and
    /// is `stale` or not; `None` when it has none.
    pub fn of(newest: Option<(Outcome, bool)>) -> Self {
        match newest {
            None => DecisionState::Undecided,
            Some((_, true)) => DecisionState::Stale,
            Some((Outcome::Adopted, false)) => DecisionState::Adopted,
            Some((Outcome::PartiallyAdopted, false)) => DecisionState::PartiallyAdopted,
            Some((Outcome::NotAdopted, false)) => DecisionState::NotAdopted,
            Some((Outcome::Noted, false)) => DecisionState::Noted,
        }
    }

    /// Whether it counts as decided: a decision that is not stale.
    pub fn is_decided(self) -> bool {
        !matches!(self, DecisionState::Undecided | DecisionState::Stale)
    }
}

stored_names!(DecisionState, "decision state" {
    Undecided => "undecided",
    Stale => "stale",
    Adopted => "adopted",
    PartiallyAdopted => "partially_adopted",
    NotAdopted => "not_adopted",
    Noted => "noted",
});

/// What a decision is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// One comment.
    Comment,
    /// A group of comments that say the same thing, decided once.
    Group,
}

stored_names!(SubjectKind, "decision subject" {
    Comment => "comment",
    Group => "group",
});

/// A decision as the check sees it.
#[derive(Clone, Debug)]
pub struct Decided {
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// The clauses of the next version that carry it, as the drafter linked them.
    pub clause_keys: Vec<String>,
    /// A comment it answered has changed since it was made.
    pub stale: bool,
}

/// What is decided once: one comment, or a group of comments that say the same thing.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The comment's id, or the group's.
    pub id: String,
    pub group: bool,
    pub comment_ids: Vec<String>,
    /// The clauses the comments are on (none for general comments).
    pub clause_keys: Vec<String>,
    pub decision: Option<Decided>,
}

impl Subject {
    /// The clauses a text-changing decision is said to change: the ones it was linked to, or
    /// else the ones its comments are on.
    pub fn linked_clauses(&self) -> &[String] {
        match &self.decision {
            Some(d) if !d.clause_keys.is_empty() => &d.clause_keys,
            _ => &self.clause_keys,
        }
    }
}

/// What the consistency check can find.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// A comment (or group) has no decision.
    Undecided,
    /// A comment changed after its decision (or its group's) was made: the decision answers
    /// what it said before.
    DecisionStale,
    /// A decision other than adoption gives no reason.
    ReasonMissing,
    /// There is no next version to carry adopted comments.
    NoNextVersion,
    /// An adopted or partly adopted decision whose clauses did not change.
    ClauseUnchanged,
    /// An adopted or partly adopted general comment linked to no clause.
    NoLinkedClause,
    /// A clause changed with no adopted comment behind it and no drafter's note.
    UnexplainedChange,
}

impl FindingCode {
    /// What the finding is called on the office's pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            FindingCode::Undecided => "尚未决定",
            FindingCode::DecisionStale => "意见已修改，决定待复核",
            FindingCode::ReasonMissing => "缺少理由",
            FindingCode::NoNextVersion => "没有下一版草案",
            FindingCode::ClauseUnchanged => "已采纳但条文未改",
            FindingCode::NoLinkedClause => "已采纳的总体意见未关联条文",
            FindingCode::UnexplainedChange => "条文修改没有对应意见或说明",
        }
    }
}

/// One problem the check found.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub code: FindingCode,
    /// The comment or group concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// The comments concerned (a group's members).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comment_ids: Vec<String>,
    /// The clause concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause_key: Option<String>,
    pub detail: String,
}

fn finding(code: FindingCode, subject: &Subject, detail: String) -> Finding {
    Finding {
        code,
        subject_id: Some(subject.id.clone()),
        comment_ids: subject.comment_ids.clone(),
        clause_key: None,
        detail,
    }
}

/// Checks the decisions against the changes from the consulted version to the next (`None`
/// when there is no next version yet). Findings come in the order of `subjects`, then the
/// unexplained changes in document order.
pub fn check(subjects: &[Subject], changes: Option<&VersionDiff>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let status: HashMap<&str, ChangeKind> = changes
        .map(|d| {
            d.changes
                .iter()
                .map(|c| (c.key.as_str(), c.status))
                .collect()
        })
        .unwrap_or_default();
    let mut explained: HashSet<&str> = HashSet::new();
    let any_change = subjects.iter().any(|s| {
        s.decision
            .as_ref()
            .is_some_and(|d| d.outcome.changes_text())
    });
    if changes.is_none() && any_change {
        findings.push(Finding {
            code: FindingCode::NoNextVersion,
            subject_id: None,
            comment_ids: Vec::new(),
            clause_key: None,
            detail: "comments are adopted but there is no next version to carry them".into(),
        });
    }
    for subject in subjects {
        let what = if subject.group { "group" } else { "comment" };
        let Some(decision) = &subject.decision else {
            findings.push(finding(
                FindingCode::Undecided,
                subject,
                format!("the {what} has no decision"),
            ));
            continue;
        };
        if decision.stale {
            findings.push(finding(
                FindingCode::DecisionStale,
                subject,
                format!("a comment changed after the {what}'s decision: confirm or change it"),
            ));
        }
        if decision.outcome.needs_reason()
            && decision
                .reason
                .as_deref()
                .is_none_or(crate::domain::text::is_blank)
        {
            findings.push(finding(
                FindingCode::ReasonMissing,
                subject,
                format!("a decision of {} needs a reason", decision.outcome.as_str()),
            ));
        }
        if !decision.outcome.changes_text() {
            continue;
        }
        let linked = subject.linked_clauses();
        explained.extend(linked.iter().map(String::as_str));
        if changes.is_none() {
            continue;
        }
        if linked.is_empty() {
            findings.push(finding(
                FindingCode::NoLinkedClause,
                subject,
                format!("the {what} is adopted but linked to no clause of the next version"),
            ));
        } else if linked.iter().all(|k| {
            status
                .get(k.as_str())
                .is_none_or(|s| *s == ChangeKind::Unchanged)
        }) {
            let mut found = finding(
                FindingCode::ClauseUnchanged,
                subject,
                format!(
                    "the {what} is {} but {} did not change in the next version",
                    decision.outcome.as_str(),
                    linked.join(", ")
                ),
            );
            found.clause_key = linked.first().cloned();
            findings.push(found);
        }
    }
    for change in changes.map_or(&[][..], |d| d.changes.as_slice()) {
        if change.status == ChangeKind::Unchanged
            || explained.contains(change.key.as_str())
            || change
                .note
                .as_deref()
                .is_some_and(|n| !crate::domain::text::is_blank(n))
        {
            continue;
        }
        findings.push(Finding {
            code: FindingCode::UnexplainedChange,
            subject_id: None,
            comment_ids: Vec::new(),
            clause_key: Some(change.key.clone()),
            detail: format!(
                "{} was {} with no adopted comment behind it and no drafter's note",
                change.key,
                match change.status {
                    ChangeKind::Added => "added",
                    ChangeKind::Removed => "removed",
                    ChangeKind::Moved => "moved",
                    _ => "changed",
                }
            ),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draft::diff::diff;
    use crate::domain::draft::{Clause, ClauseKind};

    #[test]
    fn a_decided_state_is_stored_under_its_outcomes_name() {
        // The migration that first wrote the states copied each decision's stored outcome.
        for outcome in Outcome::ALL {
            let state = DecisionState::of(Some((outcome, false)));
            assert_eq!(state.as_str(), outcome.as_str());
            assert!(state.is_decided());
        }
        assert_eq!(
            DecisionState::of(Some((Outcome::Adopted, true))),
            DecisionState::Stale
        );
        assert!(!DecisionState::Stale.is_decided());
        assert!(!DecisionState::of(None).is_decided());
    }

    fn clause(key: &str, text: &str, note: Option<&str>) -> Clause {
        Clause {
            key: key.into(),
            parent_key: None,
            kind: ClauseKind::Measure,
            number: String::new(),
            heading: None,
            text: text.into(),
            note: note.map(Into::into),
        }
    }

    fn subject(id: &str, key: &str, decision: Option<(Outcome, Option<&str>)>) -> Subject {
        Subject {
            id: id.into(),
            group: false,
            comment_ids: vec![id.into()],
            clause_keys: vec![key.into()],
            decision: decision.map(|(outcome, reason)| Decided {
                outcome,
                reason: reason.map(Into::into),
                clause_keys: Vec::new(),
                stale: false,
            }),
        }
    }

    #[test]
    fn the_check_finds_what_does_not_add_up() {
        let old = [
            clause("m1", "甲", None),
            clause("m2", "乙", None),
            clause("m3", "丙", None),
            clause("m4", "丁", None),
        ];
        let new = [
            clause("m1", "甲一", None),
            clause("m2", "乙", None),
            clause("m3", "丙三", None),
            clause("m4", "丁四", Some("按市领导意见修改")),
        ];
        let changes = diff(&old, &new);
        let subjects = [
            subject("c1", "m1", Some((Outcome::Adopted, None))),
            subject("c2", "m2", Some((Outcome::Adopted, None))),
            subject("c3", "m2", None),
            subject("c4", "m2", Some((Outcome::NotAdopted, Some(" ")))),
        ];
        let codes: Vec<(FindingCode, Option<String>)> = check(&subjects, Some(&changes))
            .into_iter()
            .map(|f| (f.code, f.subject_id.or(f.clause_key)))
            .collect();
        assert_eq!(
            codes,
            [
                (FindingCode::ClauseUnchanged, Some("c2".into())),
                (FindingCode::Undecided, Some("c3".into())),
                (FindingCode::ReasonMissing, Some("c4".into())),
                (FindingCode::UnexplainedChange, Some("m3".into())),
            ],
            "m1 is explained by c1, m4 by its note"
        );
        assert_eq!(
            check(&subjects[..1], None)[0].code,
            FindingCode::NoNextVersion
        );
    }
}
