//! The office's side of a round's comments: triage (assignee, group), internal notes, groups,
//! and the decisions with every earlier revision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::{execute_on_engine, insert_or_ignore};
use super::round::LockedRound;
use super::schema::{comment_groups, comment_notes, decisions, submitted_comments, triage};
use crate::domain::decision::{DecisionState, Outcome, SubjectKind};

/// A group of comments decided together.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = comment_groups)]
pub struct GroupRow {
    pub id: String,
    pub round_id: String,
    pub title: String,
    pub revision: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Who works on a comment, and the group it is in.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = triage, treat_none_as_default_value = false)]
pub struct TriageRow {
    pub comment_id: String,
    pub round_id: String,
    pub assignee_person_id: Option<String>,
    pub group_id: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// A drafter's internal note on a comment.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = comment_notes)]
pub struct NoteRow {
    pub id: String,
    pub comment_id: String,
    pub round_id: String,
    pub author: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// One revision of a decision.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = decisions, treat_none_as_default_value = false)]
pub struct DecisionRow {
    pub subject_id: String,
    pub revision: i32,
    pub round_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub subject_kind: SubjectKind,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub outcome: Outcome,
    pub reason: Option<String>,
    /// JSON array of clause keys.
    pub clause_keys: String,
    pub decided_by: String,
    pub decided_by_token: Option<String>,
    pub decided_at: NaiveDateTime,
    /// JSON object: the content revision of each comment the decision answered.
    pub answered: String,
    /// A comment it answered has changed since: it no longer counts as decided.
    pub stale: bool,
}

impl DecisionRow {
    /// The linked clause keys.
    pub fn keys(&self) -> Vec<String> {
        // Most decisions link no clause; the table asks for every one.
        if self.clause_keys == "[]" {
            return Vec::new();
        }
        serde_json::from_str(&self.clause_keys).unwrap_or_default()
    }

    /// The content revision of each comment the decision answered.
    pub fn answered_revisions(&self) -> std::collections::BTreeMap<String, i32> {
        serde_json::from_str(&self.answered).unwrap_or_default()
    }
}

/// Marks the decisions on `subject_ids` stale: a comment they answered has changed. Every
/// revision of a subject is marked, so that the subject has a decision that is not stale
/// exactly when its newest revision is not.
pub fn mark_stale(
    conn: &mut DbConnection,
    held: &LockedRound,
    subject_ids: &[String],
) -> QueryResult<usize> {
    let mut marked = 0;
    for chunk in subject_ids.chunks(500) {
        marked += diesel::update(
            decisions::table
                .filter(decisions::subject_id.eq_any(chunk))
                .filter(decisions::stale.eq(false)),
        )
        .set(decisions::stale.eq(true))
        .execute(conn)?;
    }
    let touched = decided_by(conn, subject_ids)?;
    refresh_decided(conn, held, &touched)?;
    Ok(marked)
}

/// The comments that `subject_ids` (comments or groups) decide: the comments themselves and
/// the members of the groups.
fn decided_by(conn: &mut DbConnection, subject_ids: &[String]) -> QueryResult<Vec<String>> {
    let mut ids = subject_ids.to_vec();
    for chunk in subject_ids.chunks(500) {
        ids.extend(
            triage::table
                .filter(triage::group_id.eq_any(chunk))
                .select(triage::comment_id)
                .load::<String>(conn)?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Writes again where the decision of each of `comment_ids` stands (its group's when grouped,
/// else its own: undecided, stale, or its outcome, with `decided`) on its submitted copies,
/// which the queue filters by, and moves each standing copy that became decided or undecided
/// in its clause's tally. Every change to decisions or to groups' members calls it for the
/// comments it touches, in the same transaction.
pub fn refresh_decided(
    conn: &mut DbConnection,
    held: &LockedRound,
    comment_ids: &[String],
) -> QueryResult<()> {
    use std::collections::HashMap;
    use submitted_comments as s;
    // A copy: comment, agency, clause, standing, state as stored.
    type Copy = (String, String, Option<String>, bool, String);
    for chunk in comment_ids.chunks(500) {
        // Keyed reads only: the comments' groups, then the newest decisions of those subjects.
        let group_of: HashMap<String, String> = triage::table
            .filter(triage::comment_id.eq_any(chunk))
            .filter(triage::group_id.is_not_null())
            .select((triage::comment_id, triage::group_id))
            .load::<(String, Option<String>)>(conn)?
            .into_iter()
            .filter_map(|(c, g)| Some((c, g?)))
            .collect();
        let subject_of = |id: &String| group_of.get(id).unwrap_or(id).clone();
        let mut subjects: Vec<String> = chunk.iter().map(subject_of).collect();
        subjects.sort_unstable();
        subjects.dedup();
        // Only what the state needs: a group's decision carries every member's revision.
        let mut newest: HashMap<String, (Outcome, bool)> = HashMap::new();
        for (subject, outcome, stale) in decisions::table
            .filter(decisions::subject_id.eq_any(&subjects))
            .order((decisions::subject_id.asc(), decisions::revision.asc()))
            .select((decisions::subject_id, decisions::outcome, decisions::stale))
            .load::<(String, String, bool)>(conn)?
        {
            if let Some(outcome) = Outcome::parse(&outcome) {
                newest.insert(subject, (outcome, stale));
            }
        }
        let state_of = |id: &String| DecisionState::of(newest.get(&subject_of(id)).copied());
        let copies: Vec<Copy> = s::table
            .filter(s::comment_id.eq_any(chunk))
            .select((
                s::comment_id,
                s::agency_id,
                s::clause_key,
                s::standing,
                s::decision_state,
            ))
            .load(conn)?;
        let mut moved: HashMap<(String, String), i64> = HashMap::new();
        let mut by_state: HashMap<DecisionState, Vec<String>> = HashMap::new();
        for (id, agency, clause, standing, stored) in copies {
            let state = state_of(&id);
            if stored == state.as_str() {
                continue;
            }
            let was_decided = DecisionState::parse(&stored).is_some_and(DecisionState::is_decided);
            if let (true, Some(clause)) = (standing, clause) {
                if was_decided != state.is_decided() {
                    *moved.entry((agency, clause)).or_default() +=
                        if state.is_decided() { 1 } else { -1 };
                }
            }
            by_state.entry(state).or_default().push(id);
        }
        for (state, mut ids) in by_state {
            ids.sort_unstable();
            ids.dedup();
            diesel::update(
                s::table
                    .filter(s::comment_id.eq_any(ids))
                    .filter(s::decision_state.ne(state.as_str())),
            )
            .set((
                s::decision_state.eq(state.as_str()),
                s::decided.eq(state.is_decided()),
            ))
            .execute(conn)?;
        }
        for ((agency, clause), by) in moved.into_iter().filter(|(_, by)| *by != 0) {
            use super::schema::clause_tallies as t;
            diesel::update(
                t::table
                    .filter(t::round_id.eq(&held.id))
                    .filter(t::agency_id.eq(agency))
                    .filter(t::clause_key.eq(clause)),
            )
            .set(t::decided.eq(t::decided + by))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Adds a group.
pub fn insert_group(
    conn: &mut DbConnection,
    _held: &LockedRound,
    row: &GroupRow,
) -> QueryResult<()> {
    diesel::insert_into(comment_groups::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// A group.
pub fn find_group(conn: &mut DbConnection, id: &str) -> QueryResult<Option<GroupRow>> {
    comment_groups::table.find(id).first(conn).optional()
}

/// A round's groups, oldest first.
pub fn groups_of_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<GroupRow>> {
    comment_groups::table
        .filter(comment_groups::round_id.eq(round_id))
        .order(comment_groups::id.asc())
        .load(conn)
}

/// Writes `row` over the stored group if that is still at revision `expected`.
pub fn update_group(
    conn: &mut DbConnection,
    _held: &LockedRound,
    row: &GroupRow,
    expected: i32,
) -> QueryResult<bool> {
    diesel::update(
        comment_groups::table
            .find(&row.id)
            .filter(comment_groups::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// Removes a group (its members must have left it).
pub fn delete_group(conn: &mut DbConnection, _held: &LockedRound, id: &str) -> QueryResult<()> {
    diesel::delete(comment_groups::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// The triage of a round's comments.
pub fn triage_of_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<TriageRow>> {
    triage::table
        .filter(triage::round_id.eq(round_id))
        .load(conn)
}

/// The triage of one comment.
pub fn triage_of(conn: &mut DbConnection, comment_id: &str) -> QueryResult<Option<TriageRow>> {
    triage::table.find(comment_id).first(conn).optional()
}

/// The triage of some comments (those that have one).
pub fn triage_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<TriageRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            triage::table
                .filter(triage::comment_id.eq_any(chunk))
                .load::<TriageRow>(conn)?,
        );
    }
    Ok(rows)
}

/// Which of `ids` (comments or groups) have ever been decided.
pub fn decided_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    decisions::table
        .filter(decisions::subject_id.eq_any(ids))
        .select(decisions::subject_id)
        .distinct()
        .load(conn)
}

/// The comments in a group.
pub fn members(conn: &mut DbConnection, group_id: &str) -> QueryResult<Vec<String>> {
    triage::table
        .filter(triage::group_id.eq(group_id))
        .select(triage::comment_id)
        .order(triage::comment_id.asc())
        .load(conn)
}

fn ensure_triage(
    conn: &mut DbConnection,
    comment_id: &str,
    round_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let row = TriageRow {
        comment_id: comment_id.to_owned(),
        round_id: round_id.to_owned(),
        assignee_person_id: None,
        group_id: None,
        updated_at: now,
    };
    insert_or_ignore!(conn, triage::table, &row).map(|_| ())
}

/// Puts comments into a group, or out of any (`None`).
pub fn set_group(
    conn: &mut DbConnection,
    round: &LockedRound,
    comment_ids: &[String],
    group_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for id in comment_ids {
        ensure_triage(conn, id, &round.id, now)?;
    }
    diesel::update(triage::table.filter(triage::comment_id.eq_any(comment_ids)))
        .set((triage::group_id.eq(group_id), triage::updated_at.eq(now)))
        .execute(conn)?;
    // Joining a group takes its decision; leaving one, the comment's own.
    refresh_decided(conn, round, comment_ids)
}

/// Gives a comment to a person, or to nobody (`None`): in its triage and on every submitted
/// copy of it. Runs with the round held, so that a copy frozen at the same moment is frozen
/// after it and takes the new assignee.
pub fn set_assignee(
    conn: &mut DbConnection,
    round: &LockedRound,
    comment_id: &str,
    person_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    ensure_triage(conn, comment_id, &round.id, now)?;
    diesel::update(triage::table.find(comment_id))
        .set((
            triage::assignee_person_id.eq(person_id),
            triage::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(submitted_comments::table.filter(submitted_comments::comment_id.eq(comment_id)))
        .set(submitted_comments::assignee_person_id.eq(person_id))
        .execute(conn)
        .map(|_| ())
}

/// Adds an internal note.
pub fn insert_note(conn: &mut DbConnection, row: &NoteRow) -> QueryResult<()> {
    diesel::insert_into(comment_notes::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// The notes of the comments `ids`, by comment, each comment's oldest first.
pub fn notes_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<NoteRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            comment_notes::table
                .filter(comment_notes::comment_id.eq_any(chunk))
                .order((comment_notes::comment_id.asc(), comment_notes::id.asc()))
                .load::<NoteRow>(conn)?,
        );
    }
    Ok(rows)
}

/// A comment's notes, oldest first.
pub fn notes_of(conn: &mut DbConnection, comment_id: &str) -> QueryResult<Vec<NoteRow>> {
    comment_notes::table
        .filter(comment_notes::comment_id.eq(comment_id))
        .order(comment_notes::id.asc())
        .load(conn)
}

/// Adds revisions of decisions, many rows to a statement (below both engines' limits on bound
/// parameters). Revisions of one subject are numbered under the round's lock.
pub fn insert_decisions(
    conn: &mut DbConnection,
    held: &LockedRound,
    rows: &[DecisionRow],
) -> QueryResult<()> {
    for chunk in rows.chunks(1000) {
        execute_on_engine!(
            conn,
            diesel::insert_into(decisions::table).values(chunk.to_vec())
        )?;
    }
    let subjects: Vec<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    let touched = decided_by(conn, &subjects)?;
    refresh_decided(conn, held, &touched)
}

/// Every revision of the decision on a comment or group, oldest first.
pub fn history(conn: &mut DbConnection, subject_id: &str) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::subject_id.eq(subject_id))
        .order(decisions::revision.asc())
        .load(conn)
}

/// The current revision of each decision on `subject_ids` (comments or groups), by key.
pub fn current_among(
    conn: &mut DbConnection,
    subject_ids: &[String],
) -> QueryResult<Vec<DecisionRow>> {
    let mut current: Vec<DecisionRow> = Vec::new();
    for chunk in subject_ids.chunks(500) {
        let all: Vec<DecisionRow> = decisions::table
            .filter(decisions::subject_id.eq_any(chunk))
            .order((decisions::subject_id.asc(), decisions::revision.asc()))
            .load(conn)?;
        keep_last_revisions(&mut current, all);
    }
    Ok(current)
}

/// Adds the last of each subject's revisions in `rows` (ordered by subject, then revision)
/// to `current`.
fn keep_last_revisions(current: &mut Vec<DecisionRow>, rows: Vec<DecisionRow>) {
    for row in rows {
        match current.last_mut() {
            Some(last) if last.subject_id == row.subject_id => *last = row,
            _ => current.push(row),
        }
    }
}

/// Groups `ids`, by key.
pub fn groups_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<GroupRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            comment_groups::table
                .filter(comment_groups::id.eq_any(chunk))
                .load::<GroupRow>(conn)?,
        );
    }
    Ok(rows)
}

/// The standing decision of each subject of a round (its highest revision).
pub fn current_of_round(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<DecisionRow>> {
    let all: Vec<DecisionRow> = decisions::table
        .filter(decisions::round_id.eq(round_id))
        .order((
            decisions::round_id.asc(),
            decisions::subject_id.asc(),
            decisions::revision.asc(),
        ))
        .load(conn)?;
    let mut current = Vec::new();
    keep_last_revisions(&mut current, all);
    Ok(current)
}
