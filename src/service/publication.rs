//! The consistency check against the next version, and publishing the decisions: the round
//! closes for good and every agency that commented is told what became of its comments.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::decisions::{Handling, changes, check_open_for_decisions, next_version};
use crate::db::audit::Actor;
use crate::db::comment::StandingComment;
use crate::db::document::{self, VersionRow};
use crate::db::outbox::{self, NewMessage};
use crate::db::round::{self, RoundRow};
use crate::db::{DbConnection, agency};
use crate::domain::decision::Finding;
use crate::domain::refusal::Refusal;
use crate::domain::round::RoundState;
use crate::email::templates::{self, HandledComment};
use crate::service::error::ServiceError;
use crate::service::round_facts::{RoundReplies, round_state_of};
use crate::service::rounds;

/// The consistency check of a round's decisions against the next version, with what it read.
pub struct Checked {
    pub replies: RoundReplies,
    pub handling: Handling,
    pub next: Option<VersionRow>,
    pub findings: Vec<Finding>,
}

/// Runs the consistency check.
pub fn check(conn: &mut DbConnection, round: &RoundRow) -> Result<Checked, ServiceError> {
    let replies = RoundReplies::of(conn, &round.id)?;
    let handling = Handling::load(conn, &round.id)?;
    let next = next_version(conn, round)?;
    let changes = changes(conn, round, next.as_ref())?;
    let findings = crate::domain::decision::check(&handling.subjects(), changes.as_ref());
    Ok(Checked {
        replies,
        handling,
        next,
        findings,
    })
}

/// Publishes a closed round's decisions: refused while the next version is an unpublished
/// draft, and while the consistency check finds problems unless `override_reason` says why
/// they stand. The round stays closed for good, and each agency with comments is mailed how
/// they were handled.
pub fn publish_decisions(
    conn: &mut DbConnection,
    actor: &Actor,
    round_id: &str,
    expected: Option<i32>,
    override_reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<RoundRow, ServiceError> {
    let before = round::lock_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
    if expected.is_some_and(|e| e != before.revision) {
        return Err(ServiceError::Stale);
    }
    check_open_for_decisions(&before)?;
    let Checked {
        replies,
        handling,
        next,
        findings,
    } = check(conn, &before)?;
    let requests: Vec<_> = replies.requests.iter().map(|r| r.request.clone()).collect();
    if round_state_of(&before, &requests, now) != RoundState::Closed {
        return Err(ServiceError::refused(
            Refusal::RoundNotClosed,
            "decisions are published once the round has closed",
        ));
    }
    if next.as_ref().is_some_and(|v| !v.is_published()) {
        return Err(ServiceError::refused(
            Refusal::NextVersionUnpublished,
            "publish the next version before the decisions on the comments that shaped it",
        ));
    }
    let override_reason = override_reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if !findings.is_empty() && override_reason.is_none() {
        return Err(ServiceError::refused(
            Refusal::CheckFailed,
            format!(
                "the consistency check finds {} problem(s), the first: {}; see the round's check, or publish with override_reason",
                findings.len(),
                findings[0].detail
            ),
        ));
    }
    let mut after = before.clone();
    // Closed for good: no late reply can add a comment nobody decided.
    after.closed_at = after.closed_at.or(Some(now.naive_utc()));
    after.decisions_published_at = Some(now.naive_utc());
    after.decisions_published_by = Some(actor.name.clone());
    after.check_override = override_reason.filter(|_| !findings.is_empty());
    after.decisions_version_id = next.as_ref().map(|v| v.id.clone());
    let after = rounds::save_round(
        conn,
        actor,
        "round.publish_decisions",
        &before,
        after,
        now.naive_utc(),
    )?;
    announce(conn, &after, &replies, &handling, next.as_ref(), now)?;
    Ok(after)
}

/// Queues to each agency with comments the decisions on them.
fn announce(
    conn: &mut DbConnection,
    round: &RoundRow,
    replies: &RoundReplies,
    handling: &Handling,
    next: Option<&VersionRow>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let old = document::clauses_of(conn, &round.version_id)?;
    let new = match next {
        Some(v) => document::clauses_of(conn, &v.id)?,
        None => Vec::new(),
    };
    let numbers = |clauses: Vec<crate::domain::draft::Clause>| -> HashMap<String, String> {
        clauses.into_iter().map(|c| (c.key, c.number)).collect()
    };
    let (old, new) = (numbers(old), numbers(new));
    let number = |numbers: &HashMap<String, String>, key: &Option<String>| {
        key.as_ref().and_then(|k| numbers.get(k).cloned())
    };
    let mut by_agency: HashMap<&str, Vec<&StandingComment>> = HashMap::new();
    for c in &handling.comments {
        by_agency.entry(c.agency_id.as_str()).or_default().push(c);
    }
    for (entry, _) in replies.standing() {
        let Some(found) = agency::find(conn, &entry.request.agency_id)? else {
            continue;
        };
        let items: Vec<HandledComment> = by_agency
            .get(found.id.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|c| {
                let decided = handling.decision_of(&c.comment_id);
                HandledComment {
                    clause: number(&old, &c.clause_key),
                    clause_now: number(&new, &c.clause_key),
                    body: c.body.clone(),
                    outcome: decided.map(|d| d.outcome),
                    reason: decided.and_then(|d| d.reason.clone()),
                    // The linked clauses the next version has (a removed one has no number now).
                    carried_to: decided
                        .map(|d| d.keys())
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|k| new.get(k).cloned())
                        .collect(),
                }
            })
            .collect();
        let rendered = templates::decisions_published(
            found.locale,
            &found.name,
            &round.title,
            &items,
            next.is_some(),
        );
        outbox::enqueue(
            conn,
            NewMessage {
                dedupe_key: format!("decisions_published:{}:{}", round.id, found.id),
                kind: "decisions_published".to_owned(),
                agency_id: Some(found.id.clone()),
                round_id: Some(round.id.clone()),
                recipients: found.email_list(),
                body_html: Some(rendered.body_html()),
                subject: rendered.subject,
                body_text: rendered.body_text,
                send_at: now.naive_utc(),
                secret: None,
            },
            now.naive_utc(),
        )?;
    }
    Ok(())
}
