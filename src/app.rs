//! The application: the actix `App` built from the state, and the running server.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::rt::signal::unix::{Signal, SignalKind, signal};
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};

use crate::api::{extract, headers, idempotency, limits, request_log};
use crate::db::{Db, DbError};
use crate::desk;
use crate::email::delivery::{self, DeliveryPolicy, Mailer, Shift, StepReport};
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
        .configure(desk::configure)
        .default_service(web::to(routes::no_such_route))
        .wrap(from_fn(idempotency::idempotent_post))
        .wrap(from_fn(extract::refuse_nul_in_path))
        .wrap(from_fn(limits::limit_rate))
        .wrap(from_fn(request_log::log_request))
        .wrap(from_fn(headers::secure))
}

/// Runs the HTTP server, the background housekeeping and, with a mailer, the delivery of the
/// outbox, until the process is told to stop (SIGTERM or SIGINT). A stop takes at most
/// `CONSULT_SHUTDOWN_SECONDS`: requests in flight and the email being sent get that long to
/// finish; an email still unsent then is given back to be sent at the next start.
pub async fn serve(state: AppState, mailer: Option<Mailer>) -> std::io::Result<()> {
    let bind = state.config.bind.clone();
    let workers = state.config.http_workers;
    let grace = Duration::from_secs(state.config.shutdown_seconds);
    // Listened for before anything starts, so that an early stop is not the default handler's.
    let signals = StopSignals::listen()?;
    let shift = Shift::default();
    let courier = mailer
        .map(|mailer| Courier::start(state.clone(), mailer, shift.clone()))
        .transpose()?;
    let housekeeping = actix_web::rt::spawn(housekeeping(state.clone()));
    let reminders = actix_web::rt::spawn(schedule_messages(state.clone()));
    let server_state = state.clone();
    let mut server = HttpServer::new(move || build(server_state.clone()))
        .bind(&bind)?
        .disable_signals()
        .shutdown_timeout(state.config.shutdown_seconds);
    if workers > 0 {
        server = server.workers(workers);
    }
    let server = server.run();
    let stopper = actix_web::rt::spawn(signals.stop(server.handle(), shift.clone()));
    let result = server.await;
    shift.stop();
    stopper.abort();
    housekeeping.abort();
    reminders.abort();
    if let Some(courier) = courier {
        courier.finish(&state.db, shift.deadline(grace));
    }
    result
}

/// SIGTERM (a service manager's stop) and SIGINT.
struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    fn listen() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for either, then stops taking work: no new email is claimed, and the server stops
    /// accepting and lets requests in flight finish.
    async fn stop(mut self, server: ServerHandle, shift: Shift) {
        futures_util::future::select(
            Box::pin(self.terminate.recv()),
            Box::pin(self.interrupt.recv()),
        )
        .await;
        tracing::info!("stopping");
        shift.stop();
        server.stop(true).await;
    }
}

/// The thread that sends the outbox, every few seconds. It is a thread of its own, not a task,
/// so that a stop need not wait for an SMTP conversation that hangs.
struct Courier {
    finished: mpsc::Receiver<()>,
    shift: Shift,
}

impl Courier {
    fn start(state: AppState, mailer: Mailer, shift: Shift) -> std::io::Result<Courier> {
        let (done, finished) = mpsc::channel();
        let worker = shift.clone();
        std::thread::Builder::new()
            .name("outbox".to_owned())
            .spawn(move || {
                deliver(&state, &mailer, &worker);
                drop(done);
            })?;
        Ok(Courier { finished, shift })
    }

    /// Waits until `deadline` for the message being sent; past it, gives that message back.
    fn finish(self, db: &Db, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Err(mpsc::RecvTimeoutError::Timeout) = self.finished.recv_timeout(left) {
            match self.shift.release(db) {
                Ok(true) => tracing::warn!(
                    "an email still being sent at the stop is sent again at the next start"
                ),
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "giving back the email being sent failed"),
            }
        }
    }
}

/// Sends due outbox messages every five seconds until the shift stops.
fn deliver(state: &AppState, mailer: &Mailer, shift: &Shift) {
    let timeout = state.config.smtp.as_ref().map_or(30, |s| s.timeout_seconds);
    let policy = DeliveryPolicy::for_timeout(Duration::from_secs(timeout));
    while !shift.stopping() {
        // A step that panics is logged and the next tick goes on: delivery must not end
        // silently while the server keeps taking work.
        let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            delivery::step(&state.db, mailer, state.clock.now(), &policy, shift)
        }));
        match stepped {
            Ok(Ok(report)) if report == StepReport::default() => {}
            Ok(Ok(report)) => tracing::info!(
                sent = report.sent,
                retrying = report.retrying,
                given_up = report.given_up,
                "outbox delivery"
            ),
            Ok(Err(error)) => tracing::warn!(%error, "outbox delivery failed"),
            Err(_) => {
                shift.forget_sending();
                tracing::error!(
                    "an outbox delivery step panicked; its message is sent again once its lease lapses"
                );
            }
        }
        shift.rest(Duration::from_secs(5));
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

/// Forgets idempotency keys past their retention and rate-limit buckets that are full again,
/// hourly.
async fn housekeeping(state: AppState) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        state.limits.forget_idle();
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
