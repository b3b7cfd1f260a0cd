//! What the service counts about itself, exported in the Prometheus text format at
//! `/metrics`: one registry for the process, fed where things happen (the request middleware,
//! the database handle, the comment workflow); what is a state rather than an event (the
//! pools, the outbox, memory) is read for each page into a registry of its own, so that two
//! pages read at once never mix their figures.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    db_wait: HistogramVec,
    db_commit: HistogramVec,
    db_batch: Histogram,
    comment_batch: Histogram,
    db_waiting: IntGaugeVec,
}

/// What stands at the moment of a scrape, read by the caller: the pools and the outbox.
#[derive(Debug, Default)]
pub struct Now {
    /// Each pool's name, connections in use and idle.
    pub pools: Vec<(&'static str, u32, u32)>,
    /// Messages in the outbox by state.
    pub outbox: Vec<(&'static str, i64)>,
}

/// Seconds, from a quarter of a millisecond to ten seconds.
const LATENCY: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Comments in one request, up to the largest batch.
const BATCH: [f64; 8] = [1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0];

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// A family with a constant name, help and labels: made once, when the process starts.
#[allow(clippy::expect_used)]
fn registered<M: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    made: prometheus::Result<M>,
) -> M {
    // Names and labels are constants of this module: a bad one fails every test that reads
    // the page, never a request in production.
    let family = made.expect("a metric family with a valid name");
    registry
        .register(Box::new(family.clone()))
        .expect("a metric family registered once");
    family
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        let histogram = |name: &str, help: &str, buckets: &[f64], labels: &[&str]| {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            registered(&registry, HistogramVec::new(opts, labels))
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            registered(&registry, IntGaugeVec::new(Opts::new(name, help), labels))
        };
        Metrics {
            requests: histogram(
                "consult_http_request_duration_seconds",
                "Requests by route pattern, method and status, and how long each took.",
                &LATENCY,
                &["route", "method", "status"],
            ),
            db_wait: histogram(
                "consult_db_checkout_wait_seconds",
                "Time waiting for a database connection, by pool.",
                &LATENCY,
                &["pool"],
            ),
            db_commit: histogram(
                "consult_db_commit_seconds",
                "Write transactions from begin to commit (or rollback), by outcome.",
                &LATENCY,
                &["outcome"],
            ),
            db_batch: registered(
                &registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "consult_db_write_batch_size",
                        "Writes committed together in one transaction.",
                    )
                    .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
                ),
            ),
            comment_batch: registered(
                &registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "consult_comment_batch_size",
                        "Comments written by one request.",
                    )
                    .buckets(BATCH.to_vec()),
                ),
            ),
            db_waiting: gauge(
                "consult_db_waiting",
                "Callers waiting for a database connection, by pool.",
                &["pool"],
            ),
            registry,
        }
    }

    /// A request answered: `route` is the pattern it matched, never the path, so that ids do
    /// not make a series each.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .with_label_values(&[route, method_label(method), status_label(status)])
            .observe(took.as_secs_f64());
    }

    /// A database connection handed out after `waited`.
    pub fn checkout(&self, pool: &str, waited: Duration) {
        self.db_wait
            .with_label_values(&[pool])
            .observe(waited.as_secs_f64());
    }

    /// Callers now waiting on `pool` go up or down by `by`.
    pub fn waiting(&self, pool: &str, by: i64) {
        self.db_waiting.with_label_values(&[pool]).add(by);
    }

    /// A write transaction of `writes` writes ended after `took`.
    pub fn commit(&self, committed: bool, writes: usize, took: Duration) {
        let outcome = if committed { "commit" } else { "rollback" };
        self.db_commit
            .with_label_values(&[outcome])
            .observe(took.as_secs_f64());
        self.db_batch.observe(writes as f64);
    }

    /// A request wrote `comments` comments.
    pub fn comment_batch(&self, comments: usize) {
        self.comment_batch.observe(comments as f64);
    }

    /// The page: the process's counts, and `now` with the process's memory.
    pub fn render(&self, now: &Now) -> prometheus::Result<String> {
        let scraped = Registry::new();
        let gauge = |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntGaugeVec> {
            let family = IntGaugeVec::new(Opts::new(name, help), labels)?;
            scraped.register(Box::new(family.clone()))?;
            Ok(family)
        };
        let connections = gauge(
            "consult_db_connections",
            "Database connections by pool and state (in_use, idle).",
            &["pool", "state"],
        )?;
        for (pool, in_use, idle) in &now.pools {
            connections
                .with_label_values(&[pool, "in_use"])
                .set(i64::from(*in_use));
            connections
                .with_label_values(&[pool, "idle"])
                .set(i64::from(*idle));
        }
        let outbox = gauge(
            "consult_outbox_messages",
            "Messages in the outbox by state.",
            &["state"],
        )?;
        for (state, messages) in &now.outbox {
            outbox.with_label_values(&[state]).set(*messages);
        }
        let memory = gauge(
            "consult_process_memory_bytes",
            "The process's resident memory now (resident) and at its highest (peak).",
            &["kind"],
        )?;
        for (kind, field) in [("resident", "VmRSS:"), ("peak", "VmHWM:")] {
            if let Some(bytes) = memory_bytes(field) {
                memory.with_label_values(&[kind]).set(bytes);
            }
        }
        let mut families = self.registry.gather();
        families.extend(scraped.gather());
        let mut page = Vec::new();
        TextEncoder::new().encode(&families, &mut page)?;
        String::from_utf8(page).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The methods the service answers by name; any other (a client may send any token) counts as
/// `other`, so that nobody can make series at will.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Statuses as their numbers, without a string made per request.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        409 => "409",
        412 => "412",
        413 => "413",
        415 => "415",
        422 => "422",
        428 => "428",
        429 => "429",
        500 => "500",
        503 => "503",
        s if s < 300 => "2xx",
        s if s < 400 => "3xx",
        s if s < 500 => "4xx",
        _ => "5xx",
    }
}

/// A memory figure of this process from Linux's `/proc/self/status`; none elsewhere.
fn memory_bytes(field: &str) -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: i64 = status
        .lines()
        .find(|line| line.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}
