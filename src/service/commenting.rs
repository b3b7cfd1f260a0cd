//! Comment operations shared by the API: an agency's working comments, checked against the
//! round's version and scope, and frozen into a reply revision when it submits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change};
use crate::db::comment::{self, CommentRow, SubmittedRow};
use crate::db::round::{self, ReplyRow, RequestRow, RoundRow};
use crate::db::{DbConnection, agency, document};
use crate::domain::comment::{CommentKind, Quote, QuoteProblem, locate};
use crate::domain::decision::DecisionState;
use crate::domain::draft::{Clause, normalize};
use crate::domain::receipt::ReceiptKind;
use crate::domain::refusal::Refusal;
use crate::domain::round::ReplyKind;
use crate::domain::text::trim_blank;
use crate::service::drafting;
use crate::service::error::{FieldError, ServiceError};
use crate::service::receipts::{self, Receipt};
use crate::service::replies::{self, ReplyDetails, check_open_for_replies};

/// Most characters in a comment's body, proposed wording or rationale.
pub const MAX_TEXT: usize = 10_000;

/// A comment as an agency writes it.
#[derive(Clone, Debug)]
pub struct CommentInput {
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    pub quote: Option<Quote>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub rationale: Option<String>,
}

/// The clauses of the round's version by key, with their place in document order.
pub struct VersionClauses {
    by_key: HashMap<String, (usize, Clause)>,
    scope: Option<Vec<String>>,
}

impl VersionClauses {
    /// The clauses of `round`'s version, and its scope.
    pub fn of(conn: &mut DbConnection, round: &RoundRow) -> Result<Self, ServiceError> {
        let by_key = document::clauses_of(conn, &round.version_id)?
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c.key.clone(), (i, c)))
            .collect();
        Ok(VersionClauses {
            by_key,
            scope: round.scope_keys(),
        })
    }

    /// Only the clauses `keys` of `round`'s version (those it has), and its scope: what
    /// checking or freezing comments on those clauses needs, read by key whatever the
    /// version's size.
    pub fn named<'k>(
        conn: &mut DbConnection,
        round: &RoundRow,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<Self, ServiceError> {
        let mut keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
        keys.sort_unstable();
        keys.dedup();
        let by_key = document::clauses_named(conn, &round.version_id, &keys)?
            .into_iter()
            .map(|(ordinal, c)| {
                let place = usize::try_from(ordinal).unwrap_or(usize::MAX);
                (c.key.clone(), (place, c))
            })
            .collect();
        Ok(VersionClauses {
            by_key,
            scope: round.scope_keys(),
        })
    }

    /// The place of a clause in document order; -1 for none (general comments).
    pub fn ordinal(&self, key: Option<&str>) -> i32 {
        key.and_then(|k| self.by_key.get(k))
            .map_or(-1, |(i, _)| i32::try_from(*i).unwrap_or(i32::MAX))
    }

    /// Every clause in document order.
    pub fn in_order(&self) -> Vec<&Clause> {
        let mut clauses: Vec<&(usize, Clause)> = self.by_key.values().collect();
        clauses.sort_by_key(|(i, _)| *i);
        clauses.into_iter().map(|(_, c)| c).collect()
    }
}

/// Normalises a comment's text: NFC, without surrounding blanks; blank optional text is absent.
fn tidy(input: &mut CommentInput) {
    fn clean(text: &str) -> String {
        normalize(trim_blank(text))
    }
    input.body = clean(&input.body);
    input.proposed_text = input
        .proposed_text
        .as_deref()
        .map(clean)
        .filter(|t| !t.is_empty());
    input.rationale = input
        .rationale
        .as_deref()
        .map(clean)
        .filter(|t| !t.is_empty());
    if let Some(quote) = input.quote.as_mut() {
        quote.exact = normalize(&quote.exact);
        quote.prefix = quote.prefix.as_deref().map(normalize);
        quote.suffix = quote.suffix.as_deref().map(normalize);
    }
}

/// Checks one comment against the version; errors name fields under `at` (`items[3]`).
fn check(input: &mut CommentInput, clauses: &VersionClauses, at: &str) -> Vec<FieldError> {
    tidy(input);
    let field = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    let mut errors = Vec::new();
    let mut too_long = |name: &str, value: Option<&str>, min: usize| {
        let length = value.map_or(0, |v| v.chars().count());
        if value.is_some() && (length < min || length > MAX_TEXT) {
            errors.push(FieldError::new(
                field(name),
                "length",
                format!("{min} to {MAX_TEXT} characters"),
            ));
        }
    };
    too_long("body", Some(input.body.as_str()), 1);
    too_long("proposed_text", input.proposed_text.as_deref(), 1);
    too_long("rationale", input.rationale.as_deref(), 1);
    match (&input.kind, &input.clause_key) {
        (CommentKind::General, Some(_)) => errors.push(FieldError::new(
            field("clause_key"),
            "not_allowed",
            "a general comment is about the whole document, not a clause",
        )),
        (CommentKind::General, None) => {
            if input.quote.is_some() {
                errors.push(FieldError::new(
                    field("quote"),
                    "not_allowed",
                    "a general comment quotes no clause",
                ));
            }
        }
        (_, None) => errors.push(FieldError::new(
            field("clause_key"),
            "required",
            "name the clause the comment is about (or make it a general comment)",
        )),
        (_, Some(key)) => match clauses.by_key.get(key) {
            None => errors.push(FieldError::new(
                field("clause_key"),
                "unknown_clause",
                format!("the version has no clause {key:?}"),
            )),
            Some(_)
                if clauses
                    .scope
                    .as_ref()
                    .is_some_and(|scope| !scope.contains(key)) =>
            {
                errors.push(FieldError::new(
                    field("clause_key"),
                    "outside_scope",
                    "the round does not ask for comments on this clause",
                ));
            }
            Some((_, clause)) => {
                if let Some(quote) = input.quote.as_mut() {
                    match locate(&clause.text, quote) {
                        Ok((start, end)) => {
                            quote.start = Some(start);
                            quote.end = Some(end);
                        }
                        Err(QuoteProblem::NotFound) => errors.push(FieldError::new(
                            field("quote.exact"),
                            "quote_not_found",
                            "the quoted passage is not in the clause's text",
                        )),
                        Err(QuoteProblem::Ambiguous) => errors.push(FieldError::new(
                            field("quote.exact"),
                            "quote_ambiguous",
                            "the passage is in the clause more than once: give its offsets, or a prefix or suffix",
                        )),
                    }
                }
            }
        },
    }
    errors
}

fn row_from(
    input: CommentInput,
    request: &RequestRow,
    entered_by: Option<String>,
    now: DateTime<Utc>,
) -> CommentRow {
    let stamp = now.naive_utc();
    let quote = input.quote.unwrap_or_default();
    let has_quote = !quote.exact.is_empty();
    let offset = |v: Option<usize>| v.and_then(|v| i32::try_from(v).ok());
    CommentRow {
        id: Uuid::now_v7().to_string(),
        request_id: request.id.clone(),
        round_id: request.round_id.clone(),
        agency_id: request.agency_id.clone(),
        kind: input.kind,
        clause_key: input.clause_key,
        quote_exact: has_quote.then(|| quote.exact.clone()),
        quote_prefix: quote.prefix.filter(|_| has_quote),
        quote_suffix: quote.suffix.filter(|_| has_quote),
        quote_start: offset(quote.start).filter(|_| has_quote),
        quote_end: offset(quote.end).filter(|_| has_quote),
        body: input.body,
        proposed_text: input.proposed_text,
        rationale: input.rationale,
        entered_by,
        revision: 1,
        created_at: stamp,
        updated_at: stamp,
        deleted_at: None,
    }
}

/// Who is writing comments into a round.
#[derive(Debug)]
pub enum Author {
    /// An agency, writing its own reply; `named` is whether it named an agency (it may not).
    Agency { agency_id: String, named: bool },
    /// A drafter entering an agency's comments that came on paper, by email or fax.
    Office {
        agency: Option<String>,
        drafter: String,
    },
}

/// Adds comments to the working copy of the request `author` writes for in round `round_id`:
/// an agency its own, a drafter the agency it names.
pub fn create_in_round(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    author: Author,
    inputs: Vec<CommentInput>,
    batch: bool,
    now: DateTime<Utc>,
) -> Result<Vec<CommentRow>, ServiceError> {
    let round_row = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
    // The one request the comments go to, by key: the round's other requests do not matter.
    let (request, entered_by) = match author {
        Author::Agency { agency_id, named } => {
            let request = round::issued_request(conn, &round_row.id, &agency_id)?
                .ok_or(ServiceError::NotFound)?;
            if named {
                return Err(ServiceError::field(
                    "agency",
                    "not_allowed",
                    "an agency writes its own comments",
                ));
            }
            (request, None)
        }
        Author::Office {
            agency: Some(name),
            drafter,
        } => {
            let found = match agency::find_by_id_or_code(conn, &name)? {
                Some(a) => round::issued_request(conn, &round_row.id, &a.id)?,
                None => None,
            };
            let request = found.ok_or_else(|| {
                ServiceError::field(
                    "agency",
                    "not_invited",
                    "no agency with this id or code has a request in the round",
                )
            })?;
            (request, Some(drafter))
        }
        Author::Office { agency: None, .. } => {
            return Err(ServiceError::field(
                "agency",
                "required",
                "a drafter entering comments names the agency, in a batch",
            ));
        }
    };
    create(
        conn, actor, &round_row, &request, inputs, batch, entered_by, now,
    )
}

/// The clauses `inputs` name, read by key, with keys given as the draft prints the clause
/// (`9.`, `第九条`, `二（三）`) turned into the clauses' keys first. A reference that several
/// clauses print is an error naming them (by item, when `batch`); one that names none is left
/// for the check to call unknown. The version's outline is read only when some key is not a
/// key of it.
fn clauses_for(
    conn: &mut DbConnection,
    round: &RoundRow,
    inputs: &mut [CommentInput],
    batch: bool,
) -> Result<
    (
        VersionClauses,
        std::collections::BTreeMap<usize, FieldError>,
    ),
    ServiceError,
> {
    let named = |inputs: &[CommentInput]| -> Vec<String> {
        inputs.iter().filter_map(|i| i.clause_key.clone()).collect()
    };
    let mut unclear = std::collections::BTreeMap::new();
    let given = named(inputs);
    let clauses = VersionClauses::named(conn, round, given.iter().map(String::as_str))?;
    if given.iter().all(|key| clauses.by_key.contains_key(key)) {
        return Ok((clauses, unclear));
    }
    let outline = drafting::outline_of(conn, &round.version_id)?;
    for (i, input) in inputs.iter_mut().enumerate() {
        let Some(reference) = input.clause_key.clone() else {
            continue;
        };
        if clauses.by_key.contains_key(&reference) {
            continue;
        }
        let field = if batch {
            format!("items[{i}].clause_key")
        } else {
            "clause_key".to_owned()
        };
        match drafting::key_of(&reference, &outline, &field) {
            Ok(Some(key)) => input.clause_key = Some(key),
            Ok(None) => {}
            Err(error) => {
                unclear.insert(i, error);
            }
        }
    }
    // The clauses the references turned out to name are read too.
    let resolved = named(inputs);
    let clauses = VersionClauses::named(conn, round, resolved.iter().map(String::as_str))?;
    Ok((clauses, unclear))
}

/// Adds comments to an agency's working copy: all of them, or none when any is invalid (the
/// errors name each bad item by its index when `batch`).
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    inputs: Vec<CommentInput>,
    batch: bool,
    entered_by: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<CommentRow>, ServiceError> {
    let request = &lock(conn, request, now)?;
    check_editable(conn, round, request, now)?;
    let mut inputs = inputs;
    let (clauses, mut unclear) = clauses_for(conn, round, &mut inputs, batch)?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(inputs.len());
    for (i, mut input) in inputs.into_iter().enumerate() {
        let at = if batch {
            format!("items[{i}]")
        } else {
            String::new()
        };
        if let Some(error) = unclear.remove(&i) {
            errors.push(error);
            continue;
        }
        let found = check(&mut input, &clauses, &at);
        if found.is_empty() {
            rows.push(row_from(input, request, entered_by.clone(), now));
        }
        errors.extend(found);
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    comment::insert(conn, &rows)?;
    audit::record_all(
        conn,
        actor,
        now.naive_utc(),
        rows.iter().map(|row| Change {
            action: "comment.create",
            entity_type: "comment",
            entity_id: &row.id,
            before: None,
            after: audit_value(row),
        }),
    )?;
    crate::metrics::metrics().comment_batch(rows.len());
    Ok(rows)
}

/// Replaces a working comment's content; deleting it (`input` absent) marks it deleted.
pub fn change(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    before: CommentRow,
    input: Option<CommentInput>,
    now: DateTime<Utc>,
) -> Result<CommentRow, ServiceError> {
    let request = &lock(conn, request, now)?;
    check_editable(conn, round, request, now)?;
    let stamp = now.naive_utc();
    let mut after = match input {
        Some(input) => {
            let mut inputs = [input];
            let (clauses, mut unclear) = clauses_for(conn, round, &mut inputs, false)?;
            if let Some(error) = unclear.remove(&0) {
                return Err(ServiceError::Invalid(vec![error]));
            }
            let [mut input] = inputs;
            let errors = check(&mut input, &clauses, "");
            if !errors.is_empty() {
                return Err(ServiceError::Invalid(errors));
            }
            let fresh = row_from(input, request, before.entered_by.clone(), now);
            CommentRow {
                id: before.id.clone(),
                created_at: before.created_at,
                ..fresh
            }
        }
        None => CommentRow {
            deleted_at: Some(stamp),
            ..before.clone()
        },
    };
    after.revision = before.revision + 1;
    after.updated_at = stamp;
    if !comment::update(conn, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    audit::record(
        conn,
        actor,
        stamp,
        Change {
            action: if after.deleted_at.is_some() {
                "comment.delete"
            } else {
                "comment.update"
            },
            entity_type: "comment",
            entity_id: &after.id,
            before: audit_value(&before),
            after: audit_value(&after),
        },
    )?;
    Ok(after)
}

/// Submits the agency's comments as a reply revision: the working copy as it stands is frozen
/// into it. Needs at least one comment (a reply without any is "no comments").
pub fn submit(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    request: &RequestRow,
    details: ReplyDetails,
    now: DateTime<Utc>,
) -> Result<(ReplyRow, Receipt), ServiceError> {
    // The round's lock before the request's, as every change to a round's replies takes them:
    // the decisions this submission may make stale are the round's.
    let held = crate::db::round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    let request = &lock(conn, request, now)?;
    let working = comment::working(conn, &request.id)?;
    // A drafter submits what it entered from paper; an agency's own drafts are not its to send.
    if details.entered_by.is_some() && working.iter().any(|c| c.entered_by.is_none()) {
        return Err(ServiceError::refused(
            Refusal::AgencyDrafts,
            "the agency has unsubmitted comments of its own: it submits them itself",
        ));
    }
    if working.is_empty() {
        return Err(ServiceError::refused(
            Refusal::NoCommentsToSubmit,
            "there are no comments to submit: add some, or answer \"no comments\"",
        ));
    }
    let reply = replies::reply(
        conn,
        actor,
        round,
        request,
        ReplyKind::Comments,
        details,
        now,
    )?;
    let named = working.iter().filter_map(|c| c.clause_key.as_deref());
    let clauses = VersionClauses::named(conn, round, named)?;
    let ids: Vec<String> = working.iter().map(|c| c.id.clone()).collect();
    let before: HashMap<String, SubmittedRow> = comment::latest_copies(conn, &ids)?
        .into_iter()
        .map(|row| (row.comment_id.clone(), row))
        .collect();
    let mut frozen: Vec<SubmittedRow> = working
        .into_iter()
        .map(|c| SubmittedRow {
            // Every copy carries the comment's assignee: the last one says who it is.
            assignee_person_id: before
                .get(&c.id)
                .and_then(|last| last.assignee_person_id.clone()),
            reply_id: reply.id.clone(),
            clause_ordinal: clauses.ordinal(c.clause_key.as_deref()),
            comment_id: c.id,
            request_id: c.request_id,
            round_id: c.round_id,
            agency_id: c.agency_id,
            kind: c.kind,
            clause_key: c.clause_key,
            quote_exact: c.quote_exact,
            quote_prefix: c.quote_prefix,
            quote_suffix: c.quote_suffix,
            quote_start: c.quote_start,
            quote_end: c.quote_end,
            body: c.body,
            proposed_text: c.proposed_text,
            rationale: c.rationale,
            entered_by: c.entered_by,
            submitted_at: reply.submitted_at,
            content_revision: 1,
            search_text: None,
            // This reply is now the request's current one, with comments.
            standing: true,
            late: reply.late,
            // Written just below, from the decisions as they stand after this submission.
            decided: false,
            decision_state: DecisionState::Undecided,
        })
        .collect();
    // A comment that says something else than when it was last submitted has a new content
    // revision, and a decision on it (or on its group) no longer answers it.
    let mut changed = Vec::new();
    for row in &mut frozen {
        row.search_text = Some(comment::search_text(
            &row.body,
            row.proposed_text.as_deref(),
            row.rationale.as_deref(),
        ));
        if let Some(last) = before.get(&row.comment_id) {
            if last.same_content(row) {
                row.content_revision = last.content_revision;
            } else {
                row.content_revision = last.content_revision + 1;
                changed.push(row.comment_id.clone());
            }
        }
    }
    comment::insert_submitted(conn, &held, &frozen)?;
    if !changed.is_empty() {
        let mut subjects = changed.clone();
        subjects.extend(
            crate::db::decision::triage_among(conn, &changed)?
                .into_iter()
                .filter_map(|t| t.group_id),
        );
        crate::db::decision::mark_stale(conn, &held, &subjects)?;
    }
    let ids: Vec<String> = frozen.iter().map(|row| row.comment_id.clone()).collect();
    crate::db::decision::refresh_decided(conn, &held, &ids)?;
    let receipt = receipts::issue(conn, round, request, &reply, ReceiptKind::Submission, now)?;
    Ok((reply, receipt))
}

/// The request locked for this transaction and read afresh, so that a cancellation, extension
/// or submission committing at the same moment is seen.
fn lock(
    conn: &mut DbConnection,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<RequestRow, ServiceError> {
    crate::db::round::lock_request(conn, &request.id, now.naive_utc())?
        .ok_or(ServiceError::NotFound)
}

/// Whether the agency may change its draft now: while its request takes replies, and after the
/// deadline (in a round that takes late replies) only if it has not answered yet, since a late
/// reply does not replace an answer given in time.
fn check_editable(
    conn: &mut DbConnection,
    round: &RoundRow,
    request: &RequestRow,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let late = check_open_for_replies(round, request, now)?;
    let answered = crate::service::round_facts::current_reply(&crate::db::round::replies_of(
        conn,
        std::slice::from_ref(&request.id),
    )?)
    .is_some();
    if late && answered {
        return Err(ServiceError::refused(
            Refusal::DeadlinePassed,
            "the deadline has passed and the agency has answered: its reply stands",
        ));
    }
    Ok(())
}

fn audit_value(row: &CommentRow) -> Option<serde_json::Value> {
    Some(serde_json::json!({
        "request_id": row.request_id,
        "kind": row.kind,
        "clause_key": row.clause_key,
        "quote_exact": row.quote_exact,
        "body": row.body,
        "proposed_text": row.proposed_text,
        "rationale": row.rationale,
        "entered_by": row.entered_by,
        "revision": row.revision,
        "deleted_at": row.deleted_at.map(|t| t.and_utc()),
    }))
}
