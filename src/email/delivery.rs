//! Sending queued messages over SMTP: one worker step that claims due messages with a lease,
//! sends them, and records the outcome, retrying with backoff.
//!
//! Delivery is at-least-once: a message is claimed before it is sent and marked sent after, so a
//! crash between the receiver's acceptance and that mark sends it again once the lease lapses,
//! with the same Message-ID for the receiver to recognise.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

use crate::db::outbox::{self, OutboxRow};
use crate::db::{Db, DbError};
use crate::domain::claim;

/// How a worker sends.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// How long a claim holds: longer than the SMTP timeout, so that a message is never sent by
    /// two workers at once.
    pub lease: chrono::Duration,
    /// Messages claimed per step.
    pub batch: i64,
    /// Attempts before a message is given up (state `failed`).
    pub max_attempts: i32,
}

impl DeliveryPolicy {
    /// A policy whose lease outlasts a whole SMTP conversation: the timeout applies to each step
    /// of it (connect, greeting, sender, each recipient, data), so ten times it, and never less
    /// than the default.
    pub fn for_timeout(timeout: Duration) -> Self {
        let default = DeliveryPolicy::default();
        let conversation = chrono::Duration::from_std(timeout * 10).unwrap_or(default.lease);
        DeliveryPolicy {
            lease: default.lease.max(conversation),
            ..default
        }
    }
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            lease: chrono::Duration::seconds(90),
            batch: 50,
            max_attempts: 8,
        }
    }
}

/// The SMTP side: a transport and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    /// The service's public address, which letters give where their text marks it.
    address: String,
}

/// What a message says where its claim code was, once the code is used or replaced.
const CODE_GONE: &str = "（此领取码已不再有效，请联系我委重新发放 / this code no longer works: ask the office for a new one）";

/// The address letters give unless told the service's public one.
pub const DEFAULT_ADDRESS: &str = "http://127.0.0.1:8080";

impl Mailer {
    /// A mailer for `SMTP_URL` (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`) sending as `SMTP_FROM`.
    pub fn from_url(url: &str, from: &str, timeout: Duration) -> Result<Mailer, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("SMTP_FROM {from:?}: {e}"))?;
        Ok(Mailer {
            transport,
            from,
            address: DEFAULT_ADDRESS.to_owned(),
        })
    }

    /// The mailer, giving `address` as the service's address in the letters it sends.
    pub fn serving(mut self, address: &str) -> Mailer {
        address.trim_end_matches('/').clone_into(&mut self.address);
        self
    }

    /// Sends one message; an error says whether trying again could help.
    fn send(&self, row: &OutboxRow) -> Result<(), (String, bool)> {
        let message = build(row, &self.from, &self.address).map_err(|e| (e, false))?;
        self.transport
            .send(&message)
            .map(drop)
            .map_err(|e| (e.to_string(), !e.is_permanent()))
    }
}

/// The email for a queued message, with its stable Message-ID: the service's `address` and the
/// claim code the row carries (or word that it is gone) where its text marks them.
pub fn build(row: &OutboxRow, from: &Mailbox, address: &str) -> Result<Message, String> {
    let fill = |text: &str| claim::fill(text, address, row.secret.as_deref(), CODE_GONE);
    let recipients: Vec<String> =
        serde_json::from_str(&row.recipients).map_err(|e| e.to_string())?;
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date(row.created_at.and_utc().into());
    for recipient in &recipients {
        builder = builder.to(recipient.parse().map_err(|e| format!("recipient: {e}"))?);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(fill(&row.body_text));
    match &row.body_html {
        Some(html) => builder.multipart(
            MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(fill(html)),
            ),
        ),
        None => builder.singlepart(text),
    }
    .map_err(|e| e.to_string())
}

/// A worker's shift: whether it has been told to stop, and the message it is sending, whose
/// claim is released if the stop cannot wait for it.
#[derive(Clone, Default)]
pub struct Shift {
    inner: Arc<(Mutex<ShiftState>, Condvar)>,
}

#[derive(Default)]
struct ShiftState {
    stopped_at: Option<Instant>,
    /// The id of the message being sent and the end of its claim.
    sending: Option<(String, NaiveDateTime)>,
}

impl Shift {
    fn state(&self) -> std::sync::MutexGuard<'_, ShiftState> {
        self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the worker to claim nothing more; the first call's instant is when the stop began.
    pub fn stop(&self) {
        let mut state = self.state();
        state.stopped_at.get_or_insert_with(Instant::now);
        self.inner.1.notify_all();
    }

    /// Whether the worker has been told to stop.
    pub fn stopping(&self) -> bool {
        self.state().stopped_at.is_some()
    }

    /// When a stop that began `grace` ago must end; now if none began.
    pub fn deadline(&self, grace: Duration) -> Instant {
        let began = self.state().stopped_at.unwrap_or_else(Instant::now);
        began.checked_add(grace).unwrap_or(began)
    }

    /// Waits `pause`, or less if told to stop meanwhile.
    pub fn rest(&self, pause: Duration) {
        let state = self.state();
        let _ = self
            .inner
            .1
            .wait_timeout_while(state, pause, |state| state.stopped_at.is_none());
    }

    /// Forgets the message being sent, as after a step that stopped half-way (its claim
    /// lapses with its lease).
    pub fn forget_sending(&self) {
        self.sending(None);
    }

    fn sending(&self, message: Option<(String, NaiveDateTime)>) {
        self.state().sending = message;
    }

    /// Gives back the claim of the message still being sent, so that the next start sends it
    /// at once instead of after its lease. Returns whether there was one.
    pub fn release(&self, db: &Db) -> Result<bool, DbError> {
        let Some((id, until)) = self.state().sending.take() else {
            return Ok(false);
        };
        db.write_now(|conn| outbox::release(conn, &id, until).map_err(DbError::from))?;
        Ok(true)
    }
}

/// What one step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    pub sent: usize,
    pub retrying: usize,
    pub given_up: usize,
}

/// Claims the messages due at `now`, sends them, and records each outcome. Failed sends are
/// tried again after 1, 2, 4 … minutes (at most an hour), and given up after
/// `policy.max_attempts`. Once `shift` is told to stop, no further message is claimed.
pub fn step(
    db: &Db,
    mailer: &Mailer,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
    shift: &Shift,
) -> Result<StepReport, DbError> {
    let started = std::time::Instant::now();
    let due = db
        .read_now(|conn| outbox::due(conn, now.naive_utc(), policy.batch).map_err(DbError::from))?;
    let mut report = StepReport::default();
    for id in due {
        if shift.stopping() {
            break;
        }
        // Each claim's lease runs from when it is taken: earlier sends in this step take time.
        let now = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let (stamp, until) = (now.naive_utc(), (now + policy.lease).naive_utc());
        let claimed =
            db.write_now(|conn| outbox::claim(conn, &id, stamp, until).map_err(DbError::from))?;
        let Some(row) = claimed else {
            continue;
        };
        shift.sending(Some((id.clone(), until)));
        let sent = mailer.send(&row);
        shift.sending(None);
        let outcome = match sent {
            Ok(()) => {
                report.sent += 1;
                Ok(())
            }
            Err((error, transient)) => {
                let attempt = row.attempts + 1;
                // A refusal that will not change (a 5xx, a message that cannot be built) is given
                // up at once.
                let retry_at = (transient && attempt < policy.max_attempts).then(|| {
                    let minutes = 1i64 << (attempt - 1).clamp(0, 6);
                    (now + chrono::Duration::minutes(minutes.min(60))).naive_utc()
                });
                if retry_at.is_some() {
                    report.retrying += 1;
                } else {
                    report.given_up += 1;
                }
                tracing::warn!(message = %row.id, attempt, error = %mask(&error), "sending failed");
                Err((mask(&error), retry_at))
            }
        };
        let recorded = db.write_now(|conn| {
            outbox::finish(conn, &id, until, stamp, outcome).map_err(DbError::from)
        })?;
        if !recorded {
            tracing::warn!(message = %row.id, "the claim lapsed before the outcome was recorded");
        }
    }
    Ok(report)
}

/// An SMTP error without the addresses it may quote: recipients are not for the logs.
fn mask(error: &str) -> String {
    error
        .split_whitespace()
        .map(|word| if word.contains('@') { "***" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}
