//! Settings, read from the environment (and a `.env` file in the working directory, if any).
//! Every setting has a default; `.env.example` and docs/configuration.md list them.

use std::env;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::db::{DatabaseUrl, Durability, StorageError};
use crate::limits::RatePolicy;

/// The service's settings. `Debug` hides the database password.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://consult.db` unless set.
    pub database_url: DatabaseUrl,
    /// `CONSULT_BIND`: host:port to listen on.
    pub bind: String,
    /// `CONSULT_MAX_BODY_BYTES`: largest request body accepted.
    pub max_body_bytes: usize,
    /// `CONSULT_MAX_ATTACHMENT_BYTES`: largest file attached to a reply.
    pub max_attachment_bytes: usize,
    /// `CONSULT_MAX_FILES_PER_REQUEST`: most files a request holds, all its replies together.
    pub max_files_per_request: u32,
    /// `CONSULT_MAX_FILE_BYTES_PER_REQUEST`: most bytes of files a request holds.
    pub max_file_bytes_per_request: u64,
    /// `CONSULT_BODY_TIMEOUT_SECONDS`: how long a request body may take to arrive.
    pub body_timeout_seconds: u64,
    /// `CONSULT_DB_POOL_SIZE`: connections for readers (SQLite) or for everything (PostgreSQL).
    pub db_pool_size: u32,
    /// `CONSULT_WORKERS`: HTTP worker threads; 0 means one per core.
    pub http_workers: usize,
    /// `CONSULT_STREAM_STALL_SECONDS`: how long a streamed response (the adoption table) waits
    /// for a reader that reads nothing before it is cut off.
    pub stream_stall_seconds: u64,
    /// `CONSULT_IDEMPOTENCY_CLAIM_SECONDS`: how long a keyed request may stay unfinished before
    /// a retry with its key takes it to have died with its server and runs it again.
    pub idempotency_claim_seconds: u64,
    /// `CONSULT_SHUTDOWN_SECONDS`: how long a stop waits for requests and an email in flight.
    pub shutdown_seconds: u64,
    /// `CONSULT_RATE_LIMIT_ADDRESS_PER_MINUTE`, `CONSULT_RATE_LIMIT_TOKEN_PER_MINUTE` and
    /// `CONSULT_RATE_LIMIT_FAILED_AUTH_PER_MINUTE`: requests per client address, per token, and
    /// failed authentications per client address; 0 turns one off.
    pub rate_limits: RatePolicy,
    /// `CONSULT_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// `CONSULT_PUBLIC_URL`: the address agencies reach the service at, which the letters give;
    /// `http://` and `CONSULT_BIND` unless set.
    pub public_url: String,
    /// `CONSULT_CLAIM_GRACE_DAYS`: how long after a request's deadline its claim code still
    /// works.
    pub claim_grace: chrono::Duration,
    /// `CONSULT_DESK_SESSION_HOURS`: how long a sign-in to the desk lasts.
    pub desk_session: chrono::Duration,
    /// `SMTP_URL` and `SMTP_FROM`: where and as whom email goes; without them messages stay in
    /// the outbox.
    pub smtp: Option<SmtpSettings>,
}

/// A setting that is present but unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} must be {expected}, not {value:?}")]
    Invalid {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error(transparent)]
    Database(#[from] StorageError),
}

/// Seconds a request body may take to arrive unless configured.
pub const DEFAULT_BODY_SECONDS: u64 = 60;

/// The default `DATABASE_URL`: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://consult.db";

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env file is the normal case; a broken one is reported by the settings it
        // fails to provide.
        let _ = dotenvy::dotenv();
        Config::from_vars(|name| env::var(name).ok())
    }

    /// Reads the settings from `vars` (a variable's value by name), defaults for the rest: the
    /// environment for the program, a list of a few for a test.
    pub fn from_vars(vars: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars(&vars);
        let database_url = vars
            .get("DATABASE_URL")
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let bind = vars
            .get("CONSULT_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        Ok(Config {
            public_url: vars.public_url(&bind)?,
            claim_grace: chrono::Duration::days(vars.number("CONSULT_CLAIM_GRACE_DAYS", 7)?),
            desk_session: vars.hours("CONSULT_DESK_SESSION_HOURS", 12)?,
            database_url: DatabaseUrl::parse(&database_url)?
                .with_durability(vars.durability()?)
                .with_connect_timeout(Duration::from_secs(vars.positive(
                    "CONSULT_DB_CONNECT_TIMEOUT_SECONDS",
                    crate::db::DEFAULT_CONNECT_TIMEOUT.as_secs(),
                )?)),
            bind,
            max_body_bytes: vars.number("CONSULT_MAX_BODY_BYTES", 1_048_576)?,
            max_attachment_bytes: vars.number("CONSULT_MAX_ATTACHMENT_BYTES", 10_485_760)?,
            max_files_per_request: vars.number("CONSULT_MAX_FILES_PER_REQUEST", 20)?,
            max_file_bytes_per_request: vars
                .number("CONSULT_MAX_FILE_BYTES_PER_REQUEST", 52_428_800)?,
            body_timeout_seconds: vars
                .positive("CONSULT_BODY_TIMEOUT_SECONDS", DEFAULT_BODY_SECONDS)?,
            db_pool_size: vars.number("CONSULT_DB_POOL_SIZE", 8)?,
            http_workers: vars.number("CONSULT_WORKERS", 0)?,
            stream_stall_seconds: vars.number("CONSULT_STREAM_STALL_SECONDS", 30)?,
            idempotency_claim_seconds: vars.positive("CONSULT_IDEMPOTENCY_CLAIM_SECONDS", 120)?,
            shutdown_seconds: vars.number("CONSULT_SHUTDOWN_SECONDS", 10)?,
            rate_limits: RatePolicy {
                per_address: NonZeroU32::new(
                    vars.number("CONSULT_RATE_LIMIT_ADDRESS_PER_MINUTE", 6000)?,
                ),
                per_token: NonZeroU32::new(
                    vars.number("CONSULT_RATE_LIMIT_TOKEN_PER_MINUTE", 1200)?,
                ),
                failed_authentication: NonZeroU32::new(
                    vars.number("CONSULT_RATE_LIMIT_FAILED_AUTH_PER_MINUTE", 30)?,
                ),
            },
            trusted_proxies: vars.addresses("CONSULT_TRUSTED_PROXIES")?,
            smtp: vars.smtp()?,
        })
    }
}

/// How to reach the mail server.
#[derive(Clone)]
pub struct SmtpSettings {
    pub url: String,
    pub from: String,
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("SmtpSettings")
            .field("from", &self.from)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish_non_exhaustive()
    }
}

/// The variables settings are read from; blank counts as unset.
struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }

    fn smtp(&self) -> Result<Option<SmtpSettings>, ConfigError> {
        let Some(url) = self.get("SMTP_URL") else {
            return Ok(None);
        };
        let from = self.get("SMTP_FROM").ok_or(ConfigError::Invalid {
            name: "SMTP_FROM",
            expected: "set when SMTP_URL is (the sender, such as 发改委 <consult@fgw.example>)",
            value: String::new(),
        })?;
        Ok(Some(SmtpSettings {
            url,
            from,
            timeout_seconds: self.positive("SMTP_TIMEOUT_SECONDS", 30)?,
        }))
    }

    /// `CONSULT_PUBLIC_URL`, an `http` or `https` URL without a trailing slash.
    fn public_url(&self, bind: &str) -> Result<String, ConfigError> {
        let Some(value) = self.get("CONSULT_PUBLIC_URL") else {
            return Ok(format!("http://{bind}"));
        };
        let url = value.trim().trim_end_matches('/');
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match host {
            Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
                Ok(url.to_owned())
            }
            _ => Err(ConfigError::Invalid {
                name: "CONSULT_PUBLIC_URL",
                expected: "an http:// or https:// address (https://consult.fgw.example)",
                value,
            }),
        }
    }

    /// `CONSULT_SQLITE_SYNCHRONOUS`: `full` unless set.
    fn durability(&self) -> Result<Durability, ConfigError> {
        match self.get("CONSULT_SQLITE_SYNCHRONOUS") {
            Some(value) => Durability::parse(&value).ok_or(ConfigError::Invalid {
                name: "CONSULT_SQLITE_SYNCHRONOUS",
                expected: "full or normal",
                value,
            }),
            None => Ok(Durability::Full),
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            Some(value) => value.trim().parse().map_err(|_| ConfigError::Invalid {
                name,
                expected: "a whole number",
                value,
            }),
            None => Ok(default),
        }
    }

    /// A comma-separated list of IP addresses.
    fn addresses(&self, name: &'static str) -> Result<Vec<IpAddr>, ConfigError> {
        let Some(value) = self.get(name) else {
            return Ok(Vec::new());
        };
        value
            .split(',')
            .map(|address| address.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| ConfigError::Invalid {
                name,
                expected: "IP addresses separated by commas",
                value,
            })
    }

    /// A whole number of seconds above 0: a timeout of none would refuse everything.
    /// A number of hours from 1 to a year's.
    fn hours(&self, name: &'static str, default: u16) -> Result<chrono::Duration, ConfigError> {
        match self.number(name, default)? {
            hours @ 1..=8784 => Ok(chrono::Duration::hours(i64::from(hours))),
            hours => Err(ConfigError::Invalid {
                name,
                expected: "a whole number of hours from 1 to 8784",
                value: hours.to_string(),
            }),
        }
    }

    fn positive(&self, name: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.number(name, default)? {
            0 => Err(ConfigError::Invalid {
                name,
                expected: "a whole number of seconds above 0",
                value: "0".to_owned(),
            }),
            seconds => Ok(seconds),
        }
    }
}
