//! The outbox: emails written in the transaction of the change that causes them, delivered later
//! by a worker.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::dialect::insert_or_ignore;
use super::schema::outbox_messages;
use crate::domain::outbox::OutboxState;

/// A queued email as stored.
#[derive(Clone, Debug, Queryable, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxRow {
    pub id: String,
    pub dedupe_key: String,
    pub kind: String,
    pub agency_id: Option<String>,
    pub round_id: Option<String>,
    pub recipients: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub state: OutboxState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The claim code the message carries until it is delivered; the bodies hold a marker.
    pub secret: Option<String>,
}

/// An email to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// Two messages with the same key are one message: the second enqueue does nothing. A
    /// reminder's key names the request and the deadline it is about, for instance.
    pub dedupe_key: String,
    pub kind: String,
    pub agency_id: Option<String>,
    pub round_id: Option<String>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// When to send it first.
    pub send_at: NaiveDateTime,
    /// A claim code to put where the bodies mark it, kept only until delivery.
    pub secret: Option<String>,
}

/// Queues `message` in the caller's transaction. Returns `false`, changing nothing, when a
/// message with the same dedupe key is already queued or sent.
pub fn enqueue(
    conn: &mut DbConnection,
    message: NewMessage,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let id = Uuid::now_v7();
    let row = OutboxRow {
        id: id.to_string(),
        dedupe_key: message.dedupe_key,
        kind: message.kind,
        agency_id: message.agency_id,
        round_id: message.round_id,
        recipients: serde_json::Value::from(message.recipients).to_string(),
        subject: message.subject,
        body_text: message.body_text,
        body_html: message.body_html,
        message_id: format!("<{}@consult>", id.simple()),
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: message.send_at,
        locked_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
        secret: message.secret,
    };
    insert_or_ignore!(conn, outbox_messages::table, row).map(|inserted| inserted == 1)
}

/// The message queued under `dedupe_key`.
pub fn find_by_dedupe_key(
    conn: &mut DbConnection,
    dedupe_key: &str,
) -> QueryResult<Option<OutboxRow>> {
    outbox_messages::table
        .filter(outbox_messages::dedupe_key.eq(dedupe_key))
        .first(conn)
        .optional()
}

/// The ids of messages due to be sent at `now` and not held by a worker, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    outbox_messages::table
        .filter(outbox_messages::state.eq(OutboxState::Pending.as_str()))
        .filter(outbox_messages::next_attempt_at.le(now))
        .filter(
            outbox_messages::locked_until
                .is_null()
                .or(outbox_messages::locked_until.lt(now)),
        )
        .order((
            outbox_messages::next_attempt_at.asc(),
            outbox_messages::id.asc(),
        ))
        .select(outbox_messages::id)
        .limit(limit)
        .load(conn)
}

/// Takes a message for one worker until `until`: returns it if nobody else holds it.
pub fn claim(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<OutboxRow>> {
    let taken = diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::state.eq(OutboxState::Pending.as_str()))
            // Another worker may have failed it and set it to wait since our list was read.
            .filter(outbox_messages::next_attempt_at.le(now))
            .filter(
                outbox_messages::locked_until
                    .is_null()
                    .or(outbox_messages::locked_until.lt(now)),
            ),
    )
    .set(outbox_messages::locked_until.eq(Some(until)))
    .execute(conn)?;
    if taken == 1 {
        outbox_messages::table.find(id).first(conn).optional()
    } else {
        Ok(None)
    }
}

/// Records how an attempt held until `until` ended: sent, to be tried again at `retry_at`, or
/// given up (`retry_at` absent). Returns false when the hold had lapsed and another worker may
/// have the message.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
    outcome: Result<(), (String, Option<NaiveDateTime>)>,
) -> QueryResult<bool> {
    let target = outbox_messages::table
        .find(id)
        .filter(outbox_messages::locked_until.eq(Some(until)));
    let attempts = outbox_messages::attempts + 1;
    let changed = match outcome {
        Ok(()) => diesel::update(target)
            .set((
                outbox_messages::state.eq(OutboxState::Sent.as_str()),
                outbox_messages::attempts.eq(attempts),
                outbox_messages::sent_at.eq(Some(now)),
                outbox_messages::locked_until.eq(None::<NaiveDateTime>),
                outbox_messages::last_error.eq(None::<String>),
                // Delivered: the code is the recipient's now, and kept nowhere here.
                outbox_messages::secret.eq(None::<String>),
            ))
            .execute(conn)?,
        Err((error, Some(retry_at))) => diesel::update(target)
            .set((
                outbox_messages::attempts.eq(attempts),
                outbox_messages::next_attempt_at.eq(retry_at),
                outbox_messages::locked_until.eq(None::<NaiveDateTime>),
                outbox_messages::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        Err((error, None)) => diesel::update(target)
            .set((
                outbox_messages::state.eq(OutboxState::Failed.as_str()),
                outbox_messages::attempts.eq(attempts),
                outbox_messages::locked_until.eq(None::<NaiveDateTime>),
                outbox_messages::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Gives back the hold until `until` on a message whose sending was abandoned, so that it is due
/// at once. Returns false when the hold had lapsed already.
pub fn release(conn: &mut DbConnection, id: &str, until: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::locked_until.eq(Some(until))),
    )
    .set(outbox_messages::locked_until.eq(None::<NaiveDateTime>))
    .execute(conn)
    .map(|n| n == 1)
}

/// Which messages a listing returns.
#[derive(Debug, Default)]
pub struct OutboxFilter {
    pub state: Option<OutboxState>,
    pub kind: Option<String>,
    pub round_id: Option<String>,
    pub agency_id: Option<String>,
}

/// One page of messages, newest first, starting after `(created_at, id)`.
pub fn list(
    conn: &mut DbConnection,
    filter: &OutboxFilter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    use outbox_messages as o;
    let mut query = o::table
        .order((o::created_at.desc(), o::id.desc()))
        .into_boxed();
    if let Some(state) = filter.state {
        query = query.filter(o::state.eq(state.as_str()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(o::kind.eq(kind.clone()));
    }
    if let Some(round_id) = &filter.round_id {
        query = query.filter(o::round_id.eq(round_id.clone()));
    }
    if let Some(agency_id) = &filter.agency_id {
        query = query.filter(o::agency_id.eq(agency_id.clone()));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            o::created_at
                .lt(at)
                .or(o::created_at.eq(at).and(o::id.lt(id))),
        );
    }
    query.limit(limit).load(conn)
}

/// Puts a message that was given up back in the queue, due at `now`; returns whether it was
/// given up.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::state.eq(OutboxState::Failed.as_str())),
    )
    .set((
        outbox_messages::state.eq(OutboxState::Pending.as_str()),
        outbox_messages::attempts.eq(0),
        outbox_messages::next_attempt_at.eq(now),
        outbox_messages::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The message with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox_messages::table.find(id).first(conn).optional()
}

/// Skips the request letters to a request still waiting: the agency was removed first.
pub fn skip_pending_letters(conn: &mut DbConnection, request_id: &str) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(outbox_messages::dedupe_key.like(format!("comment_request:{request_id}:%")))
            .filter(outbox_messages::state.eq(OutboxState::Pending.as_str())),
    )
    .set(outbox_messages::state.eq(OutboxState::Skipped.as_str()))
    .execute(conn)
}

/// Writes the request letters to a request still waiting again (its deadline changed before
/// they went out); returns how many there were.
pub fn rewrite_pending_letters(
    conn: &mut DbConnection,
    request_id: &str,
    (subject, body_text, body_html): (&str, &str, &str),
) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(outbox_messages::dedupe_key.like(format!("comment_request:{request_id}:%")))
            .filter(outbox_messages::state.eq(OutboxState::Pending.as_str())),
    )
    .set((
        outbox_messages::subject.eq(subject),
        outbox_messages::body_text.eq(body_text),
        outbox_messages::body_html.eq(Some(body_html)),
    ))
    .execute(conn)
}

/// Drops the claim codes that the request's messages carry (the code was used or replaced):
/// a message still waiting goes out saying that its code no longer works.
pub fn forget_secrets(conn: &mut DbConnection, request_id: &str) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(
                outbox_messages::dedupe_key
                    .like(format!("comment_request:{request_id}:%"))
                    .or(outbox_messages::dedupe_key.like(format!("claim_code:{request_id}:%"))),
            )
            .filter(outbox_messages::secret.is_not_null()),
    )
    .set(outbox_messages::secret.eq(None::<String>))
    .execute(conn)
}

/// Marks the request's reminders and overdue notices still waiting as overtaken (it was
/// answered, cancelled, given more time, or its round closed).
pub fn skip_pending_notices(conn: &mut DbConnection, request_id: &str) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(
                outbox_messages::dedupe_key
                    .like(format!("reminder:{request_id}:%"))
                    .or(outbox_messages::dedupe_key.like(format!("overdue:{request_id}:%"))),
            )
            .filter(outbox_messages::state.eq(OutboxState::Pending.as_str())),
    )
    .set(outbox_messages::state.eq(OutboxState::Skipped.as_str()))
    .execute(conn)
}

/// Marks the request's reminders still waiting, other than `keep`, as overtaken.
pub fn skip_pending_reminders(
    conn: &mut DbConnection,
    request_id: &str,
    keep: &str,
) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(outbox_messages::dedupe_key.like(format!("reminder:{request_id}:%")))
            .filter(outbox_messages::dedupe_key.ne(keep))
            .filter(outbox_messages::state.eq(OutboxState::Pending.as_str())),
    )
    .set(outbox_messages::state.eq(OutboxState::Skipped.as_str()))
    .execute(conn)
}

/// Messages of one kind to one agency in one state, counted: agency, kind, state, how many,
/// and when the last of them went out.
pub type Counted = (Option<String>, String, String, i64, Option<NaiveDateTime>);

/// What of `kinds` was written to each agency of round `round_id`, counted. Through the index that leads with the round, so
/// the answer costs what the round's own messages do.
pub fn of_round_by_agency(
    conn: &mut DbConnection,
    round_id: &str,
    kinds: &[&str],
) -> QueryResult<Vec<Counted>> {
    use diesel::dsl::{count_star, max};
    use outbox_messages as o;
    o::table
        .filter(o::round_id.eq(round_id))
        .filter(o::kind.eq_any(kinds))
        .group_by((o::agency_id, o::kind, o::state))
        .select((
            o::agency_id,
            o::kind,
            o::state,
            count_star(),
            max(o::sent_at),
        ))
        .load(conn)
}

/// How many messages are in each state: one count per state, through the index that leads
/// with it.
pub fn depth(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox_messages::table
        .group_by(outbox_messages::state)
        .select((outbox_messages::state, diesel::dsl::count_star()))
        .load(conn)
}
