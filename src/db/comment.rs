//! Comments: agencies' working copies, and the snapshots frozen into reply revisions.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::dialect::{contains_pattern, execute_on_engine};
use super::round::{LockedRound, RequestRow};
use super::schema::{clause_tallies, comments, submitted_comments, triage};
use crate::domain::comment::CommentKind;
use crate::domain::decision::DecisionState;

/// A working comment as stored.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(
    table_name = comments,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct CommentRow {
    pub id: String,
    pub request_id: String,
    pub round_id: String,
    pub agency_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub quote_exact: Option<String>,
    pub quote_prefix: Option<String>,
    pub quote_suffix: Option<String>,
    pub quote_start: Option<i32>,
    pub quote_end: Option<i32>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
    pub entered_by: Option<String>,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

/// A comment as it stood in a submitted reply revision.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = submitted_comments, treat_none_as_default_value = false)]
pub struct SubmittedRow {
    pub reply_id: String,
    pub comment_id: String,
    pub request_id: String,
    pub round_id: String,
    pub agency_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub clause_ordinal: i32,
    pub quote_exact: Option<String>,
    pub quote_prefix: Option<String>,
    pub quote_suffix: Option<String>,
    pub quote_start: Option<i32>,
    pub quote_end: Option<i32>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
    pub entered_by: Option<String>,
    pub submitted_at: NaiveDateTime,
    /// The number of the comment's content: kept while text, quote, clause and proposal stay
    /// the same from one submission to the next.
    pub content_revision: i32,
    /// Body, proposed wording and rationale folded for search (see [`search_text`]).
    pub search_text: Option<String>,
    /// Its reply is the request's current revision, with comments, and the request stands:
    /// kept by [`restand`] whenever any of that changes.
    pub standing: bool,
    /// Its reply came after the effective deadline.
    pub late: bool,
    /// It has a decision, its own or its group's, that is not stale: kept by
    /// [`super::decision::refresh_decided`].
    pub decided: bool,
    /// The drafter the comment is assigned to: written to every copy by
    /// [`super::decision::set_assignee`], and taken by a new copy when it is frozen.
    pub assignee_person_id: Option<String>,
    /// Where its decision stands, kept with `decided`.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub decision_state: DecisionState,
}

/// What the queue's text search matches for a comment: its body, proposed wording and
/// rationale, each folded, apart so that a query never matches across two of them.
pub fn search_text(body: &str, proposed_text: Option<&str>, rationale: Option<&str>) -> String {
    [Some(body), proposed_text, rationale]
        .into_iter()
        .flatten()
        .map(crate::domain::text::fold)
        .collect::<Vec<_>>()
        .join("\u{1F}")
}

/// A submitted copy's key and the texts search folds: reply, comment, body, proposal, rationale.
type Unfolded = (String, String, String, Option<String>, Option<String>);

/// Folds the search text of rows written before it was stored, a thousand at a time; returns
/// how many it folded.
pub fn fold_unsearchable(conn: &mut DbConnection) -> QueryResult<usize> {
    use submitted_comments as s;
    let mut folded = 0;
    loop {
        let rows: Vec<Unfolded> = s::table
            .filter(s::search_text.is_null())
            .select((
                s::reply_id,
                s::comment_id,
                s::body,
                s::proposed_text,
                s::rationale,
            ))
            .limit(1000)
            .load(conn)?;
        if rows.is_empty() {
            return Ok(folded);
        }
        for (reply_id, comment_id, body, proposed, rationale) in rows {
            diesel::update(s::table.find((reply_id, comment_id)))
                .set(s::search_text.eq(search_text(
                    &body,
                    proposed.as_deref(),
                    rationale.as_deref(),
                )))
                .execute(conn)?;
            folded += 1;
        }
    }
}

impl SubmittedRow {
    /// Whether `other` says the same: the same text, quote, clause and proposed wording.
    pub fn same_content(&self, other: &SubmittedRow) -> bool {
        self.body == other.body
            && self.clause_key == other.clause_key
            && self.quote_exact == other.quote_exact
            && self.quote_prefix == other.quote_prefix
            && self.quote_suffix == other.quote_suffix
            && self.quote_start == other.quote_start
            && self.quote_end == other.quote_end
            && self.proposed_text == other.proposed_text
    }
}

/// The copy each of `comment_ids` was last submitted with (with the newest reply revision of
/// its request), whatever became of that reply.
pub fn latest_copies(
    conn: &mut DbConnection,
    comment_ids: &[String],
) -> QueryResult<Vec<SubmittedRow>> {
    use super::schema::replies;
    use submitted_comments as s;
    let mut latest: std::collections::HashMap<String, (i32, SubmittedRow)> =
        std::collections::HashMap::new();
    for chunk in comment_ids.chunks(BATCH) {
        let rows: Vec<SubmittedRow> = s::table.filter(s::comment_id.eq_any(chunk)).load(conn)?;
        let reply_ids: Vec<&str> = rows
            .iter()
            .map(|r| r.reply_id.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // Replies submitted in the same instant are still numbered one after another.
        let revisions: std::collections::HashMap<String, i32> = replies::table
            .filter(replies::id.eq_any(reply_ids))
            .select((replies::id, replies::revision))
            .load::<(String, i32)>(conn)?
            .into_iter()
            .collect();
        for row in rows {
            let revision = revisions.get(&row.reply_id).copied().unwrap_or(0);
            match latest.get(&row.comment_id) {
                Some((kept, _)) if *kept >= revision => {}
                _ => {
                    latest.insert(row.comment_id.clone(), (revision, row));
                }
            }
        }
    }
    Ok(latest.into_values().map(|(_, row)| row).collect())
}

/// Rows per INSERT: below both engines' limits on bound parameters (at most 19 per row).
const BATCH: usize = 500;

/// Adds working comments, many rows to a statement.
pub fn insert(conn: &mut DbConnection, rows: &[CommentRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        execute_on_engine!(
            conn,
            diesel::insert_into(comments::table).values(chunk.to_vec())
        )?;
    }
    Ok(())
}

/// A working comment (deleted ones too).
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CommentRow>> {
    comments::table.find(id).first(conn).optional()
}

/// Writes `row` over the stored comment if that is still at revision `expected`.
pub fn update(conn: &mut DbConnection, row: &CommentRow, expected: i32) -> QueryResult<bool> {
    diesel::update(
        comments::table
            .find(&row.id)
            .filter(comments::revision.eq(expected)),
    )
    .set(row.clone())
    .execute(conn)
    .map(|n| n == 1)
}

/// A request's working comments that are not deleted, oldest first.
pub fn working(conn: &mut DbConnection, request_id: &str) -> QueryResult<Vec<CommentRow>> {
    comments::table
        .filter(comments::request_id.eq(request_id))
        .filter(comments::deleted_at.is_null())
        .order((comments::created_at.asc(), comments::id.asc()))
        .load(conn)
}

/// Freezes comments into a reply revision; those that stand are counted into their clauses' tallies.
pub fn insert_submitted(
    conn: &mut DbConnection,
    held: &LockedRound,
    rows: &[SubmittedRow],
) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        execute_on_engine!(
            conn,
            diesel::insert_into(submitted_comments::table).values(chunk.to_vec())
        )?;
    }
    let mut counted: Vec<(&str, &str)> = rows
        .iter()
        .filter(|row| row.standing)
        .map(|row| (row.round_id.as_str(), row.agency_id.as_str()))
        .collect();
    counted.sort_unstable();
    counted.dedup();
    for (round_id, agency_id) in counted {
        retally(conn, held, round_id, agency_id)?;
    }
    Ok(())
}

/// The comments frozen into these reply revisions, in submission order.
pub fn submitted_in(
    conn: &mut DbConnection,
    reply_ids: &[String],
) -> QueryResult<Vec<SubmittedRow>> {
    submitted_comments::table
        .filter(submitted_comments::reply_id.eq_any(reply_ids))
        .order((
            submitted_comments::clause_ordinal.asc(),
            submitted_comments::comment_id.asc(),
        ))
        .load(conn)
}

/// A submitted comment as the office decides on it: only what decisions and the adoption table
/// need, which keeps loading a whole round's comments quick.
#[derive(Clone, Debug, PartialEq, Queryable)]
pub struct StandingComment {
    pub comment_id: String,
    pub reply_id: String,
    pub agency_id: String,
    #[diesel(deserialize_as = String)]
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub clause_ordinal: i32,
    pub quote_exact: Option<String>,
    pub quote_start: Option<i32>,
    pub quote_end: Option<i32>,
    pub body: String,
    pub proposed_text: Option<String>,
}

/// The standing comments of a round, in clause order, then comment id (sorted here: cheaper
/// than an ordered walk of the index that fetches each row on its own).
pub fn standing(conn: &mut DbConnection, round_id: &str) -> QueryResult<Vec<StandingComment>> {
    use submitted_comments as s;
    let mut rows: Vec<StandingComment> = s::table
        .filter(s::round_id.eq(round_id))
        .filter(s::standing.eq(true))
        .select((
            s::comment_id,
            s::reply_id,
            s::agency_id,
            s::kind,
            s::clause_key,
            s::clause_ordinal,
            s::quote_exact,
            s::quote_start,
            s::quote_end,
            s::body,
            s::proposed_text,
        ))
        .load(conn)?;
    rows.sort_unstable_by(|a, b| {
        (a.clause_ordinal, &a.comment_id).cmp(&(b.clause_ordinal, &b.comment_id))
    });
    Ok(rows)
}

/// The copy of a comment that stands, if one does: by key.
pub fn standing_one(
    conn: &mut DbConnection,
    comment_id: &str,
) -> QueryResult<Option<SubmittedRow>> {
    submitted_comments::table
        .filter(submitted_comments::comment_id.eq(comment_id))
        .filter(submitted_comments::standing.eq(true))
        .first(conn)
        .optional()
}

/// Which of `ids` stand in round `round_id`, by key.
pub fn standing_among(
    conn: &mut DbConnection,
    round_id: &str,
    ids: &[String],
) -> QueryResult<Vec<String>> {
    submitted_comments::table
        .filter(submitted_comments::comment_id.eq_any(ids))
        .filter(submitted_comments::round_id.eq(round_id))
        .filter(submitted_comments::standing.eq(true))
        .select(submitted_comments::comment_id)
        .load(conn)
}

/// The standing copies of the comments in groups `group_ids` of round `round_id`, with their
/// group, in clause order: by key through the groups' triage.
pub fn standing_in_groups(
    conn: &mut DbConnection,
    round_id: &str,
    group_ids: &[String],
) -> QueryResult<Vec<(String, SubmittedRow)>> {
    let mut group_of: HashMap<String, String> = HashMap::new();
    for chunk in group_ids.chunks(BATCH) {
        let members: Vec<(String, Option<String>)> = triage::table
            .filter(triage::group_id.eq_any(chunk))
            .select((triage::comment_id, triage::group_id))
            .load(conn)?;
        group_of.extend(members.into_iter().filter_map(|(c, g)| Some((c, g?))));
    }
    let ids: Vec<String> = group_of.keys().cloned().collect();
    let mut rows = Vec::new();
    for chunk in ids.chunks(BATCH) {
        rows.extend(
            submitted_comments::table
                .filter(submitted_comments::comment_id.eq_any(chunk))
                .filter(submitted_comments::round_id.eq(round_id))
                .filter(submitted_comments::standing.eq(true))
                .load::<SubmittedRow>(conn)?,
        );
    }
    rows.sort_unstable_by(|a, b| {
        (a.clause_ordinal, &a.comment_id).cmp(&(b.clause_ordinal, &b.comment_id))
    });
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((group_of.get(&row.comment_id)?.clone(), row)))
        .collect())
}

/// Marks which of a request's submitted comments stand: those of `standing_reply` (its current
/// revision, when that has comments and the request stands), no others. Runs with the round
/// held, in the transaction that changes the request's replies.
pub fn restand(
    conn: &mut DbConnection,
    held: &LockedRound,
    request: &RequestRow,
    standing_reply: Option<&str>,
) -> QueryResult<()> {
    use submitted_comments as s;
    let others = s::table
        .filter(s::request_id.eq(&request.id))
        .filter(s::standing.eq(true));
    match standing_reply {
        Some(reply) => {
            diesel::update(others.filter(s::reply_id.ne(reply)))
                .set(s::standing.eq(false))
                .execute(conn)?;
            diesel::update(
                s::table
                    .filter(s::reply_id.eq(reply))
                    .filter(s::standing.eq(false)),
            )
            .set(s::standing.eq(true))
            .execute(conn)?;
        }
        None => {
            diesel::update(others)
                .set(s::standing.eq(false))
                .execute(conn)?;
        }
    }
    retally(conn, held, &request.round_id, &request.agency_id)
}

/// What stands on one clause from one agency, as counted when its standing comments last
/// changed.
#[derive(Clone, Debug, PartialEq, Queryable, Insertable)]
#[diesel(table_name = clause_tallies)]
pub struct TallyRow {
    pub round_id: String,
    pub agency_id: String,
    pub clause_key: String,
    pub comments: i64,
    pub proposals: i64,
    /// The agency proposes more than one wording for the clause.
    pub several_wordings: bool,
    /// The digest of the one wording it proposes, when it proposes one.
    pub wording_digest: Option<String>,
    /// Of `comments`, those decided: kept with every change to their decisions by
    /// [`super::decision::refresh_decided`].
    pub decided: i64,
}

/// One clause's count as the database aggregates it: key, comments, proposals, least and
/// greatest wording, decided.
type Counted = (
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

/// Counts again what stands from agency `agency_id` in round `round_id`, clause by clause. The
/// count reads one agency's standing comments through its queue index; the others' tallies
/// are untouched.
fn retally(
    conn: &mut DbConnection,
    _held: &LockedRound,
    round_id: &str,
    agency_id: &str,
) -> QueryResult<()> {
    count_into_tallies(conn, round_id, agency_id)
}

/// Counts every agency's standing comments into the tallies, for a database whose comments
/// were submitted before the tallies existed (once, after the migration that adds them).
pub fn tally_everything(conn: &mut DbConnection) -> QueryResult<()> {
    use submitted_comments as s;
    let pairs: Vec<(String, String)> = s::table
        .filter(s::standing.eq(true))
        .select((s::round_id, s::agency_id))
        .distinct()
        .load(conn)?;
    for (round_id, agency_id) in pairs {
        count_into_tallies(conn, &round_id, &agency_id)?;
    }
    Ok(())
}

/// Whether comments stand that no tally counts: true only for a database whose comments were
/// submitted before the tallies existed, since every later change keeps them. One row read
/// once they exist.
pub fn untallied(conn: &mut DbConnection) -> QueryResult<bool> {
    use diesel::dsl::exists;
    let tallied: bool = diesel::select(exists(
        clause_tallies::table.select(clause_tallies::round_id),
    ))
    .get_result(conn)?;
    // Counted once, counted for good: the usual start reads one row and stops here.
    if tallied {
        return Ok(false);
    }
    let standing: bool = diesel::select(exists(
        submitted_comments::table
            .filter(submitted_comments::standing.eq(true))
            .filter(submitted_comments::clause_key.is_not_null())
            .select(submitted_comments::comment_id),
    ))
    .get_result(conn)?;
    Ok(standing)
}

/// What a tally keeps of a wording: enough to tell two apart.
fn digest(wording: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::domain::token::hex(&Sha256::digest(wording.as_bytes())[..16])
}

fn count_into_tallies(conn: &mut DbConnection, round_id: &str, agency_id: &str) -> QueryResult<()> {
    use diesel::dsl::{count, count_star, max, min};
    use submitted_comments as s;
    diesel::delete(
        clause_tallies::table
            .filter(clause_tallies::round_id.eq(round_id))
            .filter(clause_tallies::agency_id.eq(agency_id)),
    )
    .execute(conn)?;
    let counted: Vec<Counted> = s::table
        .filter(s::round_id.eq(round_id))
        .filter(s::agency_id.eq(agency_id))
        .filter(s::standing.eq(true))
        .filter(s::clause_key.is_not_null())
        .group_by(s::clause_key)
        .select((
            s::clause_key,
            count_star(),
            count(s::proposed_text),
            min(s::proposed_text),
            max(s::proposed_text),
            // Counts the rows the expression is not null for: the decided ones.
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "COUNT(CASE WHEN submitted_comments.decided THEN 1 END)",
            ),
        ))
        .load(conn)?;
    let rows: Vec<TallyRow> = counted
        .into_iter()
        .filter_map(|(key, comments, proposals, least, greatest, decided)| {
            // The least and greatest wording differ exactly when there are two.
            let several_wordings = least != greatest;
            Some(TallyRow {
                round_id: round_id.to_owned(),
                agency_id: agency_id.to_owned(),
                clause_key: key?,
                comments,
                proposals,
                several_wordings,
                wording_digest: least.filter(|_| !several_wordings).map(|w| digest(&w)),
                decided,
            })
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        execute_on_engine!(
            conn,
            diesel::insert_into(clause_tallies::table).values(chunk.to_vec())
        )?;
    }
    Ok(())
}

/// What stands on one clause of a round, counted.
#[derive(Debug, Default)]
pub struct ClauseCounts {
    pub comments: i64,
    /// Comments that propose wording.
    pub proposals: i64,
    /// More than one wording is proposed.
    pub several_wordings: bool,
    /// Agencies that propose wording.
    pub proposers: i64,
    /// Every agency with a standing comment on it.
    pub agency_ids: Vec<String>,
    /// Of `comments`, those with a decision that is not stale.
    pub decided: i64,
    /// The digest of the one wording proposed, while no other has been seen.
    wording: Option<String>,
}

impl ClauseCounts {
    fn add(&mut self, tally: TallyRow) {
        self.comments += tally.comments;
        self.proposals += tally.proposals;
        self.decided += tally.decided;
        if tally.proposals > 0 {
            self.proposers += 1;
        }
        self.agency_ids.push(tally.agency_id);
        if tally.several_wordings {
            self.several_wordings = true;
        }
        // Two wordings differ when one agency proposes two, or one agency's differs from
        // another's.
        if let Some(digest) = tally.wording_digest {
            match &self.wording {
                Some(seen) if *seen != digest => self.several_wordings = true,
                Some(_) => {}
                None => self.wording = Some(digest),
            }
        }
    }
}

/// The standing comments of round `round_id` counted by clause, from the tallies kept with
/// every change to them: the answer is as large as the version and the agencies, not as the
/// comments.
pub fn counts_by_clause(
    conn: &mut DbConnection,
    round_id: &str,
) -> QueryResult<HashMap<String, ClauseCounts>> {
    let tallies: Vec<TallyRow> = clause_tallies::table
        .filter(clause_tallies::round_id.eq(round_id))
        .load(conn)?;
    let mut by_clause: HashMap<String, ClauseCounts> = HashMap::new();
    for tally in tallies {
        by_clause
            .entry(tally.clause_key.clone())
            .or_default()
            .add(tally);
    }
    Ok(by_clause)
}

/// At most this many comments are looked up through SQLite's search index for one page: a term
/// more of a round's comments contain is common enough that reading the queue in clause order
/// finds a page of it soon (one comment in a thousand, at a million).
const SEARCH_CANDIDATES: i64 = 1000;

/// The standing comments of round `round_id` whose folded text contains `folded`, through
/// SQLite's trigram index, when there are at most [`SEARCH_CANDIDATES`]. `None` when there are
/// more, when the term is too short for a trigram, and on PostgreSQL, whose planner weighs its
/// own trigram index against reading in order.
fn search_candidates(
    conn: &mut DbConnection,
    round_id: &str,
    folded: &str,
) -> QueryResult<Option<Vec<String>>> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        comment_id: String,
    }
    if !matches!(conn, DbConnection::Sqlite(_)) || folded.chars().count() < 3 {
        return Ok(None);
    }
    // One phrase: its trigrams in a row, which is the term as a substring.
    let phrase = format!("\"{}\"", folded.replace('"', "\"\""));
    let found: Vec<Found> = diesel::sql_query(
        "SELECT s.comment_id FROM submitted_search \
         JOIN submitted_comments s ON s.rowid = submitted_search.rowid \
         WHERE submitted_search MATCH ? AND s.round_id = ? AND s.standing = 1 LIMIT ?",
    )
    .bind::<Text, _>(phrase)
    .bind::<Text, _>(round_id)
    .bind::<BigInt, _>(SEARCH_CANDIDATES + 1)
    .load(conn)?;
    Ok((found.len() as i64 <= SEARCH_CANDIDATES)
        .then(|| found.into_iter().map(|f| f.comment_id).collect()))
}

/// Which submitted comments the queue shows: always the standing ones of one round.
#[derive(Debug, Default)]
pub struct QueueFilter {
    pub round_id: String,
    /// Only those of late replies, or only those of replies in time.
    pub late: Option<bool>,
    /// Only those on the clauses in this range of document order (a clause, or a chapter with
    /// everything under it, which is contiguous).
    pub ordinals: Option<(i32, i32)>,
    pub agency_id: Option<String>,
    pub kind: Option<CommentKind>,
    pub has_proposal: Option<bool>,
    pub text: Option<String>,
    /// Only comments with a decision (their own or their group's), or only those without.
    pub decided: Option<bool>,
    /// Only comments whose decision stands so.
    pub decision: Option<DecisionState>,
    /// Only comments given to this person.
    pub assignee: Option<String>,
}

/// Where a queue page starts: after this (clause order, comment id).
pub type QueuePosition = (i32, String);

/// One page of the queue, by clause order, then comment id. Ids are time-ordered and a comment
/// keeps its id through resubmissions, so a cursor neither repeats nor skips comments that were
/// there when paging began; new comments on earlier clauses wait for the next pass.
pub fn queue(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    after: Option<QueuePosition>,
    limit: i64,
) -> QueryResult<Vec<SubmittedRow>> {
    use submitted_comments as s;
    // One range of the queue indexes (round, [agency,] standing, clause order, id): the page is
    // read in index order and stops after `limit` rows, whatever the round's size.
    let mut query = s::table
        .filter(s::round_id.eq(filter.round_id.clone()))
        .filter(s::standing.eq(true))
        // The cursor is (clause order, comment id): the order must be exactly that, or a page
        // boundary skips or repeats comments submitted in another order than written.
        .order((s::clause_ordinal.asc(), s::comment_id.asc()))
        .into_boxed();
    if let Some((first, last)) = filter.ordinals {
        // Past the start of the range, the cursor is where the index read begins; both bounds
        // would make SQLite start at the range's first row and skip its way to the cursor.
        query = match &after {
            Some((ordinal, _)) if *ordinal >= first => query.filter(s::clause_ordinal.le(last)),
            _ => query.filter(s::clause_ordinal.between(first, last)),
        };
    }
    if let Some(late) = filter.late {
        query = query.filter(s::late.eq(late));
    }
    if let Some(agency) = &filter.agency_id {
        query = query.filter(s::agency_id.eq(agency.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(s::kind.eq(kind.as_str()));
    }
    match filter.has_proposal {
        Some(true) => query = query.filter(s::proposed_text.is_not_null()),
        Some(false) => query = query.filter(s::proposed_text.is_null()),
        None => {}
    }
    if let Some(text) = &filter.text {
        // Folded as the stored text was: the same comments match on both engines.
        let folded = crate::domain::text::fold(text);
        if let Some(found) = search_candidates(conn, &filter.round_id, &folded)? {
            query = query.filter(s::comment_id.eq_any(found));
        }
        query = query.filter(s::search_text.like(contains_pattern(&folded)).escape('\\'));
    }
    if let Some(decided) = filter.decided {
        query = query.filter(s::decided.eq(decided));
    }
    if let Some(state) = filter.decision {
        query = query.filter(s::decision_state.eq(state.as_str()));
    }
    if let Some(person) = &filter.assignee {
        query = query.filter(s::assignee_person_id.eq(person.clone()));
    }
    if let Some((ordinal, id)) = after {
        // A row-value comparison, which both engines read as the start of an index range; the
        // equivalent `a > x OR (a = x AND b > y)` makes them scan the clause from its start.
        use diesel::sql_types::{Bool, Integer, Text};
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "(submitted_comments.clause_ordinal, submitted_comments.comment_id) > (",
            )
            .bind::<Integer, _>(ordinal)
            .sql(", ")
            .bind::<Text, _>(id)
            .sql(")"),
        );
    }
    query.limit(limit).load(conn)
}
