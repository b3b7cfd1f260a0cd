//! The application: the actix `App` built from the state, and the running server.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};

use crate::api::{extract, idempotency, request_log};
use crate::db::DbError;
use crate::email::delivery::{self, DeliveryPolicy, Mailer, StepReport};
use crate::routes;
use crate::service::reminding;
use crate::state::AppState;

/// The actix application over `state`: every route, the middleware, and the error forms.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(Data::new(state))
        .configure(routes::configure)
        .default_service(web::to(routes::no_such_route))
        .wrap(from_fn(idempotency::idempotent_post))
        .wrap(from_fn(extract::refuse_nul_in_path))
        .wrap(from_fn(request_log::log_request))
}

/// Runs the HTTP server, the background housekeeping and, with a mailer, the delivery of the
/// outbox, until the process is told to stop.
pub async fn serve(state: AppState, mailer: Option<Mailer>) -> std::io::Result<()> {
    let bind = state.config.bind.clone();
    let workers = state.config.http_workers;
    let housekeeping = actix_web::rt::spawn(housekeeping(state.clone()));
    let reminders = actix_web::rt::spawn(schedule_messages(state.clone()));
    let delivery = mailer.map(|mailer| actix_web::rt::spawn(deliver(state.clone(), mailer)));
    let mut server = HttpServer::new(move || build(state.clone())).bind(&bind)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    let result = server.run().await;
    housekeeping.abort();
    reminders.abort();
    if let Some(delivery) = delivery {
        delivery.abort();
    }
    result
}

/// Sends due outbox messages every few seconds. A step runs on the blocking pool; a stop in the
/// middle of one leaves its claimed messages to be sent again once their lease lapses.
async fn deliver(state: AppState, mailer: Mailer) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(5));
    let timeout = state.config.smtp.as_ref().map_or(30, |s| s.timeout_seconds);
    let policy = DeliveryPolicy::for_timeout(Duration::from_secs(timeout));
    loop {
        tick.tick().await;
        let (db, mailer, now, policy) = (
            state.db.clone(),
            mailer.clone(),
            state.clock.now(),
            policy.clone(),
        );
        let stepped =
            actix_web::rt::task::spawn_blocking(move || delivery::step(&db, &mailer, now, &policy))
                .await;
        match stepped {
            Ok(Ok(report)) if report == StepReport::default() => {}
            Ok(Ok(report)) => tracing::info!(
                sent = report.sent,
                retrying = report.retrying,
                given_up = report.given_up,
                "outbox delivery"
            ),
            Ok(Err(error)) => tracing::warn!(%error, "outbox delivery failed"),
            Err(error) => tracing::warn!(%error, "outbox delivery stopped"),
        }
    }
}

/// Queues the reminders, overdue notices and digests that time makes due, every thirty seconds
/// (with or without SMTP: without it they wait in the outbox).
async fn schedule_messages(state: AppState) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        let now = state.clock.now();
        match state.db.write(move |conn| reminding::tick(conn, now)).await {
            Ok(report) if report == reminding::TickReport::default() => {}
            Ok(report) => tracing::info!(
                reminders = report.reminders,
                notices = report.notices,
                digests = report.digests,
                "queued scheduled emails"
            ),
            Err(error) => tracing::warn!(%error, "scheduling emails failed"),
        }
    }
}

/// Forgets idempotency keys past their retention, hourly.
async fn housekeeping(state: AppState) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let cutoff = (state.clock.now() - idempotency::RETENTION).naive_utc();
        let purged = state
            .db
            .write(move |conn| {
                crate::db::idempotency::purge_before(conn, cutoff).map_err(DbError::from)
            })
            .await;
        match purged {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "forgot expired idempotency keys"),
            Err(error) => tracing::warn!(%error, "purging idempotency keys failed"),
        }
    }
}
