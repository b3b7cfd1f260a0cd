//! The notices about one request (reminders, overdue notices, new deadlines), as the outbox
//! message that carries them to the agency's addresses in its language.

use chrono::{DateTime, Utc};

use crate::db::agency::AgencyRow;
use crate::db::outbox::NewMessage;
use crate::email::templates::{self, Notice, RequestNotice};

/// The message carrying `rendered` to `agency`'s addresses about round `round_id`, queued under
/// `key` to go out at `now`, with the claim code its text marks, if any.
pub fn agency_message(
    agency: &AgencyRow,
    round_id: &str,
    kind: &str,
    key: String,
    rendered: templates::Rendered,
    now: DateTime<Utc>,
    secret: Option<String>,
) -> NewMessage {
    NewMessage {
        dedupe_key: key,
        kind: kind.to_owned(),
        agency_id: Some(agency.id.clone()),
        round_id: Some(round_id.to_owned()),
        recipients: agency.email_list(),
        body_html: Some(rendered.body_html()),
        subject: rendered.subject,
        body_text: rendered.body_text,
        send_at: now.naive_utc(),
        secret,
    }
}

/// The message telling `agency` of `notice`, queued under `key` to go out at `now`.
pub fn request_message(
    agency: &AgencyRow,
    round_id: &str,
    notice: Notice,
    details: &RequestNotice,
    key: &str,
    now: DateTime<Utc>,
) -> NewMessage {
    let rendered = templates::request_notice(agency.locale, notice, details);
    agency_message(
        agency,
        round_id,
        kind(notice),
        key.to_owned(),
        rendered,
        now,
        None,
    )
}

/// The outbox kind of a notice.
pub fn kind(notice: Notice) -> &'static str {
    match notice {
        Notice::Reminder => "reminder",
        Notice::Overdue => "overdue_notice",
        Notice::DeemedNoComments => "deemed_no_comments_notice",
        Notice::Extended => "extension_notice",
        Notice::Recounted | Notice::DeadlineChanged => "deadline_notice",
        Notice::Reopened => "reopen_notice",
    }
}
