//! What the API sends about receipts.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::rounds::views::RequestView;
use crate::domain::receipt::ReceiptKind;
use crate::domain::round::local;
use crate::service::receipts::Receipt;

/// A receipt: the number to quote, when the reply was taken, and what it held.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// `20261201-7K3M9-QXD2A`: the day it was given, in the round's time zone, and ten symbols.
    #[schema(example = "20261201-7K3M9-QXD2A")]
    pub number: String,
    pub kind: ReceiptKind,
    pub request_id: String,
    pub round_id: String,
    pub agency_id: String,
    /// The reply revision it acknowledges (for a withdrawal, the one withdrawn).
    pub reply_revision: i32,
    pub issued_at: DateTime<Utc>,
    /// The same instant in the round's time zone, with its offset.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at_local: DateTime<FixedOffset>,
    /// How many comments the reply holds (a submission's).
    pub comments: i32,
    /// A submission's comments by clause, in clause order.
    pub clauses: Vec<ClauseCountView>,
    /// The files sent with the reply.
    pub files: Vec<SentFileView>,
}

/// How many comments name one clause.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseCountView {
    /// `null` for general comments.
    pub clause_key: Option<String>,
    /// The clause's number as the draft prints it (`9.`).
    pub number: Option<String>,
    pub comments: i64,
}

/// A file as sent, with its checksum.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentFileView {
    pub filename: String,
    pub size_bytes: i32,
    pub sha256: String,
}

impl ReceiptView {
    pub fn new(receipt: Receipt, zone: &chrono_tz::Tz) -> ReceiptView {
        let row = receipt.row;
        ReceiptView {
            issued_at: row.issued_at.and_utc(),
            issued_at_local: local(row.issued_at.and_utc(), zone),
            number: row.number,
            kind: row.kind,
            request_id: row.request_id,
            round_id: row.round_id,
            agency_id: row.agency_id,
            reply_revision: row.reply_revision,
            comments: row.comment_count,
            clauses: receipt
                .clauses
                .into_iter()
                .map(|c| ClauseCountView {
                    clause_key: c.clause_key,
                    number: c.number,
                    comments: c.comments,
                })
                .collect(),
            files: receipt
                .files
                .into_iter()
                .map(|(filename, size_bytes, sha256)| SentFileView {
                    filename,
                    size_bytes,
                    sha256,
                })
                .collect(),
        }
    }
}

/// A request just answered, with the receipt of the answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Answered {
    #[serde(flatten)]
    pub request: RequestView,
    pub receipt: ReceiptView,
}
