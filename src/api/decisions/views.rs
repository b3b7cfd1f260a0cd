//! What the API sends about decisions, triage and the consistency check.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::decision::{DecisionRow, NoteRow, TriageRow};
use crate::domain::decision::{Finding, Outcome, SubjectKind};
use crate::domain::draft::VersionState;

/// One revision of a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionRevision {
    pub revision: i32,
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// The clauses of the next version that carry it.
    pub clause_keys: Vec<String>,
    /// Who decided; for staff only.
    pub decided_by: Option<String>,
    pub decided_at: DateTime<Utc>,
    /// Which content revision (`content_revision` of the submitted comment) of each comment
    /// this revision answered, by comment id.
    pub answered: std::collections::BTreeMap<String, i32>,
    /// A comment it answered has changed since (or a comment joined or left the group): it
    /// counts as undecided (in the queue, the check and the table) until a drafter confirms or
    /// changes it with a new revision.
    pub stale: bool,
}

impl From<&DecisionRow> for DecisionRevision {
    fn from(row: &DecisionRow) -> Self {
        DecisionRevision {
            revision: row.revision,
            outcome: row.outcome,
            reason: row.reason.clone(),
            clause_keys: row.keys(),
            decided_by: Some(row.decided_by.clone()),
            decided_at: row.decided_at.and_utc(),
            answered: row.answered_revisions(),
            stale: row.stale,
        }
    }
}

/// The decision on a comment or a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// The comment or group decided.
    pub subject_id: String,
    /// `comment`, or `group` when the comment was decided with others.
    pub subject_kind: SubjectKind,
    pub round_id: String,
    #[serde(flatten)]
    pub current: DecisionRevision,
    /// Every revision, oldest first (the current one last).
    pub history: Vec<DecisionRevision>,
}

impl DecisionView {
    /// The view of a decision's revisions, the current one last.
    pub fn new(history: &[DecisionRow]) -> Option<Self> {
        let last = history.last()?;
        Some(DecisionView {
            subject_id: last.subject_id.clone(),
            subject_kind: last.subject_kind,
            round_id: last.round_id.clone(),
            current: last.into(),
            history: history.iter().map(DecisionRevision::from).collect(),
        })
    }
}

impl DecisionView {
    /// The view an agency gets: who in the office decided is the office's business.
    pub fn for_agency(mut self) -> Self {
        self.current.decided_by = None;
        for revision in &mut self.history {
            revision.decided_by = None;
        }
        self
    }
}

/// Who works on a comment, and the group it is in.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageView {
    pub comment_id: String,
    /// The person the comment is given to.
    pub assignee_person_id: Option<String>,
    pub group_id: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<TriageRow> for TriageView {
    fn from(row: TriageRow) -> Self {
        TriageView {
            comment_id: row.comment_id,
            assignee_person_id: row.assignee_person_id,
            group_id: row.group_id,
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// An internal note on a comment; agencies never see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: String,
    pub comment_id: String,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl From<NoteRow> for NoteView {
    fn from(row: NoteRow) -> Self {
        NoteView {
            id: row.id,
            comment_id: row.comment_id,
            author: row.author,
            body: row.body,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// The next version, as the check compared it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRef {
    pub number: i32,
    pub state: VersionState,
}

/// The consistency check of a round's decisions and the next version.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub round_id: String,
    /// The version after the one consulted on; absent until it is prepared.
    pub next_version: Option<VersionRef>,
    /// No findings: the decisions may be published.
    pub ok: bool,
    pub findings: Vec<Finding>,
}
