//! Receipts (回执): each reply, "no comments" and withdrawal gets a number the agency can quote,
//! and the agency's contacts get an email listing what the reply holds (its comments by clause,
//! its files with their checksums), so that a clerk can show what was sent and when.

use chrono::{DateTime, Utc};

use crate::db::outbox;
use crate::db::receipt::{self, ReceiptRow, SentFile};
use crate::db::round::{ReplyRow, RequestRow, RoundRow};
use crate::db::{DbConnection, agency, document};
use crate::domain::receipt::{ReceiptKind, number};
use crate::email::notices::agency_message;
use crate::email::templates::{self, ReceiptNotice};
use crate::service::error::ServiceError;
use crate::service::round_facts::zone;

/// A receipt with what it acknowledges.
#[derive(Debug)]
pub struct Receipt {
    pub row: ReceiptRow,
    /// The comments by clause: the clause's key and number as printed (`None` for general
    /// comments), and how many; for a submission only.
    pub clauses: Vec<ClauseCount>,
    pub files: Vec<SentFile>,
}

/// How many comments of a reply name one clause.
#[derive(Debug)]
pub struct ClauseCount {
    pub clause_key: Option<String>,
    pub number: Option<String>,
    pub comments: i64,
}

/// Gives `reply` its receipt and queues the receipt email, in the caller's transaction.
pub fn issue(
    conn: &mut DbConnection,
    round: &RoundRow,
    request: &RequestRow,
    reply: &ReplyRow,
    kind: ReceiptKind,
    now: DateTime<Utc>,
) -> Result<Receipt, ServiceError> {
    let (clauses, files) = acknowledged(conn, round, kind, &reply.id)?;
    let total: i64 = clauses.iter().map(|c| c.comments).sum();
    let day = now.with_timezone(&zone(round)).date_naive();
    let stamp = now.naive_utc();
    let mut row = None;
    // A repeat of a fifty-bit number is drawn again rather than failing the reply.
    for _ in 0..3 {
        let mut random = [0u8; 10];
        getrandom::fill(&mut random).map_err(ServiceError::internal)?;
        let candidate = ReceiptRow {
            number: number(day, random),
            request_id: request.id.clone(),
            round_id: round.id.clone(),
            agency_id: request.agency_id.clone(),
            reply_id: reply.id.clone(),
            reply_revision: reply.revision,
            kind,
            issued_at: stamp,
            comment_count: i32::try_from(total).unwrap_or(i32::MAX),
            file_count: i32::try_from(files.len()).unwrap_or(i32::MAX),
        };
        if receipt::insert(conn, &candidate)? {
            row = Some(candidate);
            break;
        }
    }
    let row = row.ok_or_else(|| ServiceError::internal("no free receipt number"))?;
    let made = Receipt {
        row,
        clauses,
        files,
    };
    queue_email(conn, round, reply, &made, now)?;
    Ok(made)
}

/// The receipt numbered `number` with what it acknowledges.
pub fn find(conn: &mut DbConnection, number: &str) -> Result<Option<Receipt>, ServiceError> {
    let Some(row) = receipt::find(conn, number)? else {
        return Ok(None);
    };
    let round = crate::db::round::find_round(conn, &row.round_id)?
        .ok_or_else(|| ServiceError::internal("a receipt of a missing round"))?;
    let (clauses, files) = acknowledged(conn, &round, row.kind, &row.reply_id)?;
    Ok(Some(Receipt {
        row,
        clauses,
        files,
    }))
}

/// What a receipt of `kind` acknowledges of the reply: a submission's comments by clause, and
/// the files sent with it.
fn acknowledged(
    conn: &mut DbConnection,
    round: &RoundRow,
    kind: ReceiptKind,
    reply_id: &str,
) -> Result<(Vec<ClauseCount>, Vec<SentFile>), ServiceError> {
    let clauses = match kind {
        ReceiptKind::Submission => clause_counts(conn, round, reply_id)?,
        ReceiptKind::NoComments | ReceiptKind::Withdrawal => Vec::new(),
    };
    Ok((clauses, receipt::files_of(conn, reply_id)?))
}

/// The reply's comments by clause, with each clause's number as the round's version prints it.
fn clause_counts(
    conn: &mut DbConnection,
    round: &RoundRow,
    reply_id: &str,
) -> Result<Vec<ClauseCount>, ServiceError> {
    let counted = receipt::clause_counts(conn, reply_id)?;
    let keys: Vec<String> = counted.iter().filter_map(|(key, _)| key.clone()).collect();
    let printed: std::collections::HashMap<String, String> =
        document::clauses_named(conn, &round.version_id, &keys)?
            .into_iter()
            .map(|(_, clause)| (clause.key, clause.number))
            .collect();
    Ok(counted
        .into_iter()
        .map(|(clause_key, comments)| ClauseCount {
            number: clause_key
                .as_ref()
                .and_then(|key| printed.get(key).cloned()),
            clause_key,
            comments,
        })
        .collect())
}

fn queue_email(
    conn: &mut DbConnection,
    round: &RoundRow,
    reply: &ReplyRow,
    made: &Receipt,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Some(agency) = agency::find(conn, &made.row.agency_id)? else {
        return Ok(());
    };
    let clauses: Vec<(Option<String>, i64)> = made
        .clauses
        .iter()
        .map(|c| {
            let named = c.number.clone().or_else(|| c.clause_key.clone());
            (named, c.comments)
        })
        .collect();
    let rendered = templates::receipt(
        agency.locale,
        &ReceiptNotice {
            agency_name: &agency.name,
            round_title: &round.title,
            number: &made.row.number,
            kind: made.row.kind,
            issued_at: now,
            time_zone: zone(round),
            request_id: &made.row.request_id,
            reply_revision: reply.revision,
            signer: &reply.signer,
            clauses: &clauses,
            files: &made.files,
        },
    );
    let stamp = now.naive_utc();
    outbox::enqueue(
        conn,
        agency_message(
            &agency,
            &round.id,
            "receipt",
            format!("receipt:{}", made.row.number),
            rendered,
            now,
            None,
        ),
        stamp,
    )?;
    Ok(())
}
