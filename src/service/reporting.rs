//! Builds a round's adoption table from its replies, comments, groups, decisions and the next
//! version.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::db::round::RoundRow;
use crate::db::{DbConnection, document};
use crate::domain::carry::{CarriedQuote, ClauseCarry, orphaned};
use crate::domain::decision::Outcome;
use crate::domain::draft::Clause;
use crate::domain::draft::diff::diff;
use crate::domain::report::{
    AdoptionTable, AgencyTotal, ClauseFate, LinkedClause, OutcomeTotal, TableAgency, TableComment,
    TableGroup, TableRow, Totals,
};
use crate::domain::round::RequestState;
use crate::service::decisions;
use crate::service::decisions::Handling;
use crate::service::error::ServiceError;
use crate::service::round_facts::{RoundReplies, state_of};

fn label(clause: &Clause) -> String {
    match &clause.heading {
        Some(heading) => format!("{} {heading}", clause.number).trim().to_owned(),
        None => clause.number.clone(),
    }
}

/// Puts a row on clause `key`: its words as commented and in the next version, and its fate.
fn place(
    row: &mut TableRow,
    key: Option<&str>,
    old_by_key: &HashMap<&str, &Clause>,
    new_by_key: &HashMap<&str, &Clause>,
    fates: &HashMap<String, ClauseFate>,
) {
    let old_clause = key.and_then(|k| old_by_key.get(k));
    let new_clause = key.and_then(|k| new_by_key.get(k));
    row.clause_key = key.map(str::to_owned);
    row.clause_label = old_clause.map(|c| label(c));
    row.clause_as_commented = old_clause.map(|c| c.text.clone());
    row.clause_label_next = new_clause.map(|c| label(c));
    row.clause_in_next = new_clause.map(|c| c.text.clone());
    row.clause_fate = key.and_then(|k| fates.get(k)).copied();
}

/// The table of `round`; with `agency_id`, only that agency's comments (in rows numbered as in
/// the whole table) and reply.
pub fn adoption_table(
    conn: &mut DbConnection,
    round: &RoundRow,
    agency_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AdoptionTable, ServiceError> {
    let replies = RoundReplies::of(conn, &round.id)?;
    let handling = Handling::load(conn, &round.id)?;
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
    let old_by_key: HashMap<&str, &Clause> = old.iter().map(|c| (c.key.as_str(), c)).collect();
    let new_by_key: HashMap<&str, &Clause> = new.iter().map(|c| (c.key.as_str(), c)).collect();

    let mut agencies: HashMap<&str, TableAgency> = HashMap::new();
    let mut late: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for entry in &replies.requests {
        agencies.insert(
            &entry.request.agency_id,
            TableAgency {
                id: entry.request.agency_id.clone(),
                code: entry.agency_code.clone(),
                name: entry.agency_name.clone(),
            },
        );
    }
    for (_, reply) in replies.standing() {
        if reply.late {
            late.insert(&reply.id);
        }
    }
    let groups: HashMap<&str, TableGroup> = handling
        .groups
        .iter()
        .map(|g| {
            (
                g.id.as_str(),
                TableGroup {
                    id: g.id.clone(),
                    title: g.title.clone(),
                },
            )
        })
        .collect();

    // One character diff per clause, shared by every quote on it; and many comments quote the
    // same passage, which is placed once.
    let mut carries: HashMap<&str, ClauseCarry> = HashMap::new();
    let mut placed: HashMap<(&str, i32, i32), CarriedQuote> = HashMap::new();
    let mut rows: Vec<TableRow> = Vec::new();
    let mut row_of_group: HashMap<&str, usize> = HashMap::new();
    let mut by_agency: BTreeMap<String, AgencyTotal> = BTreeMap::new();
    for row in &handling.comments {
        let agency = agencies
            .get(row.agency_id.as_str())
            .cloned()
            .unwrap_or_else(|| TableAgency {
                id: row.agency_id.clone(),
                code: String::new(),
                name: String::new(),
            });
        let decision = handling.decision_of(&row.comment_id);
        let outcome = decision.map(|d| d.outcome);
        by_agency
            .entry(agency.code.clone())
            .or_insert_with(|| AgencyTotal::new(agency.clone()))
            .count(outcome);
        let key = row.clause_key.as_deref();
        let fate = key.and_then(|k| fates.get(k)).copied();
        let quote_carried = match (key, &row.quote_exact, row.quote_start, row.quote_end) {
            (Some(k), Some(exact), Some(start), Some(end)) if next.is_some() => {
                let carried = match placed.get(&(k, start, end)) {
                    Some(known) => known.clone(),
                    None => {
                        let carried = match (old_by_key.get(k), new_by_key.get(k)) {
                            (Some(o), Some(n)) => carries
                                .entry(k)
                                .or_insert_with(|| ClauseCarry::new(&o.text, &n.text))
                                .quote(
                                    exact,
                                    usize::try_from(start).unwrap_or(0),
                                    usize::try_from(end).unwrap_or(0),
                                ),
                            _ => orphaned(),
                        };
                        placed.insert((k, start, end), carried.clone());
                        carried
                    }
                };
                Some(carried)
            }
            _ => None,
        };
        let comment = TableComment {
            comment_id: row.comment_id.clone(),
            agency,
            kind: row.kind,
            clause_key: row.clause_key.clone(),
            clause_fate: fate,
            quote: row.quote_exact.clone(),
            quote_carried,
            body: row.body.clone(),
            proposed_text: row.proposed_text.clone(),
            late: late.contains(row.reply_id.as_str()),
        };
        let group = handling.group_of(&row.comment_id);
        if let Some(&i) = group.and_then(|g| row_of_group.get(g)) {
            rows[i].comments.push(comment);
            continue;
        }
        if let Some(g) = group {
            row_of_group.insert(g, rows.len());
        }
        let mut table_row = TableRow {
            number: rows.len() + 1,
            group: group.and_then(|g| groups.get(g)).cloned(),
            comments: vec![comment],
            clause_key: None,
            clause_label: None,
            clause_as_commented: None,
            clause_label_next: None,
            clause_in_next: None,
            clause_fate: None,
            outcome,
            reason: decision.and_then(|d| d.reason.clone()),
            linked_clauses: decision.map(|d| d.keys()).unwrap_or_default(),
            linked_in_next: Vec::new(),
            decided_by: decision.map(|d| d.decided_by.clone()),
            decided_at: decision.map(|d| d.decided_at.and_utc()),
        };
        place(&mut table_row, key, &old_by_key, &new_by_key, &fates);
        table_row.linked_in_next = table_row
            .linked_clauses
            .iter()
            .map(
                |k| match (new_by_key.get(k.as_str()), old_by_key.get(k.as_str())) {
                    (Some(now), _) => LinkedClause {
                        key: k.clone(),
                        label: Some(label(now)),
                        text: Some(now.text.clone()),
                    },
                    (None, was) => LinkedClause {
                        key: k.clone(),
                        label: was.map(|c| label(c)),
                        text: None,
                    },
                },
            )
            .collect();
        rows.push(table_row);
    }

    // An agency's rows keep the numbers of the whole table, and only its own comments.
    if let Some(own) = agency_id {
        for row in &mut rows {
            row.comments.retain(|c| c.agency.id == own);
            // A group row is on its first member's clause: now the agency's first.
            if let Some(key) = row.comments.first().map(|c| c.clause_key.clone()) {
                if key != row.clause_key {
                    place(row, key.as_deref(), &old_by_key, &new_by_key, &fates);
                }
            }
        }
        rows.retain(|row| !row.comments.is_empty());
        by_agency.retain(|_, total| total.agency.id == own);
    }

    let mut no_comments = Vec::new();
    let mut deemed_no_comments = Vec::new();
    let mut no_reply = Vec::new();
    for entry in &replies.requests {
        if agency_id.is_some_and(|a| a != entry.request.agency_id) {
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

    let mut by_outcome: Vec<OutcomeTotal> = Outcome::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .map(|outcome| OutcomeTotal {
            outcome,
            comments: 0,
            rows: 0,
        })
        .collect();
    for row in &rows {
        if let Some(total) = by_outcome.iter_mut().find(|t| t.outcome == row.outcome) {
            total.rows += 1;
            total.comments += row.comments.len();
        }
    }
    Ok(AdoptionTable {
        round_id: round.id.clone(),
        round_title: round.title.clone(),
        document_title,
        version: consulted.number,
        next_version: next.as_ref().map(|v| v.number),
        decisions_published_at: round.decisions_published_at.map(|t| t.and_utc()),
        check_override: round.check_override.clone(),
        rows,
        no_comments,
        deemed_no_comments,
        no_reply,
        totals: Totals {
            by_outcome,
            by_agency: by_agency.into_values().collect(),
        },
    })
}
