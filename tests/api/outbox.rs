//! The outbox: messages queued in the caller's transaction, once per dedupe key.

use chrono::NaiveDateTime;
use consult::db::agency::{self, AgencyRow, NewAgency};
use consult::db::outbox::{self, NewMessage};
use consult::domain::agency::{AgencyKind, Locale};
use consult::error::ApiError;

use crate::support::{TestApp, engine_tests};

fn message(key: &str, now: NaiveDateTime) -> NewMessage {
    NewMessage {
        dedupe_key: key.to_owned(),
        kind: "comment_request".to_owned(),
        agency_id: None,
        round_id: None,
        recipients: vec!["liaison@jingxin.hangzhou.example".to_owned()],
        subject: "征求意见函".to_owned(),
        body_text: "请于6月5日前反馈意见。".to_owned(),
        body_html: None,
        send_at: now,
        secret: None,
    }
}

engine_tests!(
    a_repeated_dedupe_key_is_a_no_op_inside_a_transaction_that_still_commits,
    a_rolled_back_transaction_queues_nothing,
);

async fn a_repeated_dedupe_key_is_a_no_op_inside_a_transaction_that_still_commits(app: TestApp) {
    let now = app.clock.now().naive_utc();
    let (first, second) = app
        .db()
        .write_now(|conn| -> Result<(bool, bool), ApiError> {
            let first = outbox::enqueue(conn, message("request:r1:a1", now), now)?;
            // On PostgreSQL a caught unique violation would abort this transaction; the
            // clash must leave it usable for the writes that follow.
            let second = outbox::enqueue(conn, message("request:r1:a1", now), now)?;
            let row = AgencyRow::new(
                NewAgency {
                    code: "after-clash".to_owned(),
                    name: "之后".to_owned(),
                    kind: AgencyKind::Other,
                    emails: vec!["a@b.example".to_owned()],
                    locale: Locale::ZhCn,
                    active: true,
                    illustrative: false,
                },
                now,
            );
            agency::insert(conn, &row)?;
            Ok((first, second))
        })
        .expect("transaction commits");
    assert!(first);
    assert!(!second);
    let (queued, added) = app
        .db()
        .read_now(|conn| -> Result<_, ApiError> {
            Ok((
                outbox::find_by_dedupe_key(conn, "request:r1:a1")?,
                agency::find_by_code(conn, "after-clash")?,
            ))
        })
        .expect("read");
    let queued = queued.expect("queued once");
    assert_eq!(queued.state.as_str(), "pending");
    assert_eq!(queued.attempts, 0);
    assert!(queued.message_id.starts_with('<') && queued.message_id.ends_with("@consult>"));
    assert!(added.is_some(), "the rest of the transaction landed");
}

async fn a_rolled_back_transaction_queues_nothing(app: TestApp) {
    let now = app.clock.now().naive_utc();
    let failed = app.db().write_now(|conn| -> Result<(), ApiError> {
        outbox::enqueue(conn, message("request:r1:a2", now), now)?;
        Err(ApiError::from(
            consult::service::error::ServiceError::refused(
                consult::domain::refusal::Refusal::RoundClosed,
                "the round is closed",
            ),
        ))
    });
    assert!(failed.is_err());
    let queued = app
        .db()
        .read_now(|conn| outbox::find_by_dedupe_key(conn, "request:r1:a2").map_err(ApiError::from))
        .expect("read");
    assert!(queued.is_none());
}
