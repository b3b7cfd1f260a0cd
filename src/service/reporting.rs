//! Builds a round's adoption table from its replies, comments, groups, decisions and the next
//! version, reading the comments a chunk at a time in clause order and handing each row to a
//! sink as it is made: memory holds a chunk, the version and the agencies, not the round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Seek, SeekFrom, Write};

use chrono::{DateTime, Utc};

use crate::db::comment::{self, QueueFilter, SubmittedRow};
use crate::db::decision::{self, DecisionRow};
use crate::db::round::RoundRow;
use crate::db::{DbConnection, document};
use crate::domain::carry::{CarriedQuote, ClauseCarry, orphaned};
use crate::domain::decision::Outcome;
use crate::domain::draft::Clause;
use crate::domain::draft::diff::diff;
use crate::domain::report::{
    AgencyTotal, ClauseFate, CsvForm, JsonForm, LinkedClause, OutcomeTotal, TableAgency,
    TableComment, TableFormat, TableGroup, TableHead, TableRow, TableSink, TableTail, Totals,
    XlsxForm,
};
use crate::domain::round::RequestState;
use crate::service::decisions;
use crate::service::error::ServiceError;
use crate::service::round_facts::{RoundReplies, state_of};

fn label(clause: &Clause) -> String {
    match &clause.heading {
        Some(heading) => format!("{} {heading}", clause.number).trim().to_owned(),
        None => clause.number.clone(),
    }
}

/// How many comments are read at a time.
const CHUNK: i64 = 1000;

/// Whose table it is: every row or one agency's, and whether with the office's own business
/// (who decided, and why it published despite the check's findings).
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    /// Only this agency's comments, in rows numbered as in the whole table.
    pub agency_id: Option<&'a str>,
    pub internals: bool,
}

impl Reader<'_> {
    /// The office: every row, with its internals.
    pub const OFFICE: Reader<'static> = Reader {
        agency_id: None,
        internals: true,
    };
}

/// The version consulted on and the next one, clause by clause, and what became of each.
struct Versions {
    old: HashMap<String, Clause>,
    new: HashMap<String, Clause>,
    fates: HashMap<String, ClauseFate>,
    /// Whether there is a next version at all.
    next: bool,
}

impl Versions {
    /// Puts a row on clause `key`: its words as commented and in the next version, and its fate.
    fn place(&self, row: &mut TableRow, key: Option<&str>) {
        let old_clause = key.and_then(|k| self.old.get(k));
        let new_clause = key.and_then(|k| self.new.get(k));
        row.clause_key = key.map(str::to_owned);
        row.clause_label = old_clause.map(label);
        row.clause_as_commented = old_clause.map(|c| c.text.clone());
        row.clause_label_next = new_clause.map(label);
        row.clause_in_next = new_clause.map(|c| c.text.clone());
        row.clause_fate = key.and_then(|k| self.fates.get(k)).copied();
    }

    /// The clauses a decision links to, as the next version has them.
    fn linked(&self, keys: &[String]) -> Vec<LinkedClause> {
        keys.iter()
            .map(|k| match (self.new.get(k), self.old.get(k)) {
                (Some(now), _) => LinkedClause {
                    key: k.clone(),
                    label: Some(label(now)),
                    text: Some(now.text.clone()),
                },
                (None, was) => LinkedClause {
                    key: k.clone(),
                    label: was.map(label),
                    text: None,
                },
            })
            .collect()
    }
}

/// Where quoted passages land in the next version: one character diff per clause, shared by
/// every quote on it; and many comments quote the same passage, which is placed once. The
/// passages are kept for the clause being read only, since the rows come in clause order.
#[derive(Default)]
struct Carrier {
    carries: HashMap<String, ClauseCarry>,
    placed: HashMap<(String, i32, i32), CarriedQuote>,
    clause: Option<String>,
}

impl Carrier {
    fn carry(&mut self, versions: &Versions, row: &SubmittedRow) -> Option<CarriedQuote> {
        let (Some(key), Some(exact), Some(start), Some(end)) = (
            row.clause_key.as_deref(),
            &row.quote_exact,
            row.quote_start,
            row.quote_end,
        ) else {
            return None;
        };
        if !versions.next {
            return None;
        }
        if self.clause.as_deref() != Some(key) {
            self.placed.clear();
            self.clause = Some(key.to_owned());
        }
        let at = (key.to_owned(), start, end);
        if let Some(known) = self.placed.get(&at) {
            return Some(known.clone());
        }
        let carried = match (versions.old.get(key), versions.new.get(key)) {
            (Some(o), Some(n)) => self
                .carries
                .entry(key.to_owned())
                .or_insert_with(|| ClauseCarry::new(&o.text, &n.text))
                .quote(
                    exact,
                    usize::try_from(start).unwrap_or(0),
                    usize::try_from(end).unwrap_or(0),
                ),
            _ => orphaned(),
        };
        self.placed.insert(at, carried.clone());
        Some(carried)
    }
}

/// The totals, counted as the rows go by.
struct Counting {
    by_outcome: Vec<OutcomeTotal>,
    by_agency: BTreeMap<String, AgencyTotal>,
}

impl Counting {
    fn new() -> Self {
        Counting {
            by_outcome: Outcome::ALL
                .into_iter()
                .map(Some)
                .chain([None])
                .map(|outcome| OutcomeTotal {
                    outcome,
                    comments: 0,
                    rows: 0,
                })
                .collect(),
            by_agency: BTreeMap::new(),
        }
    }

    fn count(&mut self, row: &TableRow) {
        if let Some(total) = self
            .by_outcome
            .iter_mut()
            .find(|t| t.outcome == row.outcome)
        {
            total.rows += 1;
            total.comments += row.comments.len();
        }
        for comment in &row.comments {
            self.by_agency
                .entry(comment.agency.code.clone())
                .or_insert_with(|| AgencyTotal::new(comment.agency.clone()))
                .count(row.outcome);
        }
    }
}

/// The table of `round` for `reader` in `format`, written to `out` as it is read; a workbook,
/// a zip whose directory comes last, is put together in a temporary file first.
pub fn write_form(
    conn: &mut DbConnection,
    round: &RoundRow,
    reader: Reader<'_>,
    now: DateTime<Utc>,
    format: TableFormat,
    out: &mut dyn Write,
) -> Result<(), ServiceError> {
    match format {
        TableFormat::Json => write_table(conn, round, reader, now, &mut JsonForm::new(out)),
        TableFormat::Csv => write_table(conn, round, reader, now, &mut CsvForm::new(out)),
        TableFormat::Xlsx => {
            let mut form = XlsxForm::new();
            write_table(conn, round, reader, now, &mut form)?;
            let mut file = tempfile::tempfile().map_err(ServiceError::internal)?;
            form.finish(&mut file).map_err(ServiceError::internal)?;
            file.seek(SeekFrom::Start(0))
                .map_err(ServiceError::internal)?;
            std::io::copy(&mut file, out).map_err(ServiceError::internal)?;
            Ok(())
        }
    }
}

/// The table of `round` for `reader`, given to `sink` head, rows, tail: each comment, or group
/// (at the place of its first member, with all its standing members), in clause order.
pub fn write_table(
    conn: &mut DbConnection,
    round: &RoundRow,
    reader: Reader<'_>,
    now: DateTime<Utc>,
    sink: &mut dyn TableSink,
) -> Result<(), ServiceError> {
    let replies = RoundReplies::of(conn, &round.id)?;
    let consulted =
        document::find_version_by_id(conn, &round.version_id)?.ok_or(ServiceError::NotFound)?;
    let document_title = document::find_document(conn, &round.document_id)?
        .map(|d| d.title)
        .unwrap_or_default();
    let next = decisions::next_version(conn, round)?;
    let old = document::clauses_of(conn, &round.version_id)?;
    let new = match &next {
        Some(v) => document::clauses_of(conn, &v.id)?,
        None => Vec::new(),
    };
    let fates: HashMap<String, ClauseFate> = match next {
        Some(_) => diff(&old, &new)
            .changes
            .into_iter()
            .map(|c| {
                (
                    c.key,
                    ClauseFate {
                        status: c.status,
                        renumbered: c.renumbered,
                    },
                )
            })
            .collect(),
        None => HashMap::new(),
    };
    let versions = Versions {
        old: old.into_iter().map(|c| (c.key.clone(), c)).collect(),
        new: new.into_iter().map(|c| (c.key.clone(), c)).collect(),
        fates,
        next: next.is_some(),
    };
    let agencies: HashMap<&str, TableAgency> = replies
        .requests
        .iter()
        .map(|entry| {
            (
                entry.request.agency_id.as_str(),
                TableAgency {
                    id: entry.request.agency_id.clone(),
                    code: entry.agency_code.clone(),
                    name: entry.agency_name.clone(),
                },
            )
        })
        .collect();
    let io = ServiceError::internal;
    sink.head(&TableHead {
        round_id: round.id.clone(),
        round_title: round.title.clone(),
        document_title,
        version: consulted.number,
        next_version: next.as_ref().map(|v| v.number),
        decisions_published_at: round.decisions_published_at.map(|t| t.and_utc()),
        check_override: round.check_override.clone().filter(|_| reader.internals),
    })
    .map_err(io)?;

    let table_comment = |row: &SubmittedRow, carrier: &mut Carrier| TableComment {
        comment_id: row.comment_id.clone(),
        agency: agencies
            .get(row.agency_id.as_str())
            .cloned()
            .unwrap_or_else(|| TableAgency {
                id: row.agency_id.clone(),
                code: String::new(),
                name: String::new(),
            }),
        kind: row.kind,
        clause_key: row.clause_key.clone(),
        clause_fate: row
            .clause_key
            .as_deref()
            .and_then(|k| versions.fates.get(k))
            .copied(),
        quote: row.quote_exact.clone(),
        quote_carried: carrier.carry(&versions, row),
        body: row.body.clone(),
        proposed_text: row.proposed_text.clone(),
        late: row.late,
    };
    let filter = QueueFilter {
        round_id: round.id.clone(),
        ..QueueFilter::default()
    };
    let mut carrier = Carrier::default();
    let mut counting = Counting::new();
    // Groups whose row is written: their later members are in it already.
    let mut written_groups: HashSet<String> = HashSet::new();
    let mut number = 0;
    let mut after = None;
    loop {
        let chunk = comment::queue(conn, &filter, after.take(), CHUNK)?;
        let Some(last) = chunk.last() else { break };
        after = Some((last.clause_ordinal, last.comment_id.clone()));
        let ids: Vec<String> = chunk.iter().map(|r| r.comment_id.clone()).collect();
        let group_of: HashMap<String, String> = decision::triage_among(conn, &ids)?
            .into_iter()
            .filter_map(|t| Some((t.comment_id, t.group_id?)))
            .collect();
        let mut new_groups: Vec<String> = group_of
            .values()
            .filter(|g| !written_groups.contains(*g))
            .cloned()
            .collect();
        new_groups.sort_unstable();
        new_groups.dedup();
        let groups: HashMap<String, TableGroup> = decision::groups_among(conn, &new_groups)?
            .into_iter()
            .map(|g| {
                (
                    g.id.clone(),
                    TableGroup {
                        id: g.id,
                        title: g.title,
                    },
                )
            })
            .collect();
        let mut members: HashMap<String, Vec<SubmittedRow>> = HashMap::new();
        for (group, row) in comment::standing_in_groups(conn, &round.id, &new_groups)? {
            members.entry(group).or_default().push(row);
        }
        let subjects: Vec<String> = chunk
            .iter()
            .filter(|r| !group_of.contains_key(&r.comment_id))
            .map(|r| r.comment_id.clone())
            .chain(new_groups.iter().cloned())
            .collect();
        // A stale decision answers what the comment said before: the row is undecided.
        let decided: HashMap<String, DecisionRow> = decision::current_among(conn, &subjects)?
            .into_iter()
            .filter(|d| !d.stale)
            .map(|d| (d.subject_id.clone(), d))
            .collect();
        for row in &chunk {
            let group = group_of.get(&row.comment_id);
            let (subject, comments) = match group {
                Some(g) if written_groups.contains(g) => continue,
                Some(g) => {
                    written_groups.insert(g.clone());
                    let members = members.remove(g).unwrap_or_default();
                    let comments = members
                        .iter()
                        .map(|m| table_comment(m, &mut carrier))
                        .collect::<Vec<_>>();
                    (g, comments)
                }
                None => (&row.comment_id, vec![table_comment(row, &mut carrier)]),
            };
            number += 1;
            let decision = decided.get(subject);
            let mut table_row = TableRow {
                number,
                group: group.and_then(|g| groups.get(g)).cloned(),
                comments,
                clause_key: None,
                clause_label: None,
                clause_as_commented: None,
                clause_label_next: None,
                clause_in_next: None,
                clause_fate: None,
                outcome: decision.map(|d| d.outcome),
                reason: decision.and_then(|d| d.reason.clone()),
                linked_clauses: decision.map(|d| d.keys()).unwrap_or_default(),
                linked_in_next: Vec::new(),
                decided_by: decision
                    .filter(|_| reader.internals)
                    .map(|d| d.decided_by.clone()),
                decided_at: decision.map(|d| d.decided_at.and_utc()),
            };
            // An agency's rows keep the numbers of the whole table, and only its own comments;
            // a group row is on its first member's clause, which is now the agency's first.
            if let Some(own) = reader.agency_id {
                table_row.comments.retain(|c| c.agency.id == own);
            }
            let Some(first) = table_row.comments.first() else {
                continue;
            };
            let key = first.clause_key.clone();
            versions.place(&mut table_row, key.as_deref());
            table_row.linked_in_next = versions.linked(&table_row.linked_clauses);
            counting.count(&table_row);
            sink.row(&table_row).map_err(io)?;
        }
    }

    let mut no_comments = Vec::new();
    let mut deemed_no_comments = Vec::new();
    let mut no_reply = Vec::new();
    for entry in &replies.requests {
        if reader
            .agency_id
            .is_some_and(|a| a != entry.request.agency_id)
        {
            continue;
        }
        let state = state_of(
            round,
            &entry.request,
            replies.revisions(&entry.request.id),
            now,
        );
        let list = match state {
            RequestState::NoComments => &mut no_comments,
            RequestState::DeemedNoComments => &mut deemed_no_comments,
            RequestState::Pending | RequestState::Viewed | RequestState::Overdue => &mut no_reply,
            RequestState::Submitted | RequestState::Cancelled => continue,
        };
        if let Some(agency) = agencies.get(entry.request.agency_id.as_str()) {
            list.push(agency.clone());
        }
    }
    sink.tail(&TableTail {
        no_comments,
        deemed_no_comments,
        no_reply,
        totals: Totals {
            by_outcome: counting.by_outcome,
            by_agency: counting.by_agency.into_values().collect(),
        },
    })
    .map_err(io)
}
