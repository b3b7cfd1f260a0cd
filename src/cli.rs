//! The command line's work that is more than starting the server: tokens, draft import, the
//! working-day calendar and backups.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::db::audit::Actor;
use crate::db::token;
use crate::db::{Db, Unavailable, document};
use crate::domain::calendar::{Basis, CalendarFile};
use crate::domain::draft::{self, ClauseInput, ClauseKind, Content, diff, parse};
use crate::domain::role::Role;
use crate::domain::token::generate;
use crate::service::calendaring;
use crate::service::claims;
use crate::service::drafting;
use crate::service::error::ServiceError;
use crate::service::{people, tokens};

/// A command that could not be carried out, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Usage(String),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

/// Who a new token is for.
#[derive(Debug)]
pub enum TokenHolder {
    /// An administrator or drafter, with an optional address for digests. With an address,
    /// the person in the office who has it and the role gets one more token; otherwise a
    /// new person, named as the token, holds it.
    Staff { role: Role, email: Option<String> },
    /// An agency, by its code.
    Agency { code: String },
}

/// Creates a token; returns the secret, which is shown this once and stored only as a hash.
pub fn create_token(
    db: &Db,
    holder: TokenHolder,
    name: &str,
    expires: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, CommandError> {
    let expires_at = expires.map(parse_expiry).transpose()?;
    let secret = generate().map_err(|e| CommandError::Usage(format!("no randomness: {e}")))?;
    db.write_now(|conn| {
        let actor = Actor::command_line();
        let holder = match holder {
            TokenHolder::Staff { role, email } => {
                let new = people::NewPerson {
                    name: name.to_owned(),
                    email,
                    role,
                };
                let found =
                    people::find_or_create(conn, &actor, new, now.naive_utc()).map_err(as_usage)?;
                tokens::Holder::Person { person: found.id }
            }
            TokenHolder::Agency { code } => tokens::Holder::Agency { agency: code },
        };
        let new = tokens::NewToken {
            holder,
            name: name.to_owned(),
            expires_at,
        };
        tokens::create(conn, &actor, new, &secret.hash, now).map_err(as_usage)
    })?;
    Ok(secret.secret)
}

/// Issues a new claim code for the request and returns it, for the office to hand over itself.
pub fn hand_out_claim(
    db: &Db,
    request: &str,
    expires: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, CommandError> {
    let expires_at = expires.map(parse_expiry).transpose()?;
    db.write_now(|conn| {
        claims::hand_out(conn, &Actor::command_line(), request, expires_at, now).map_err(as_usage)
    })
}

/// A refusal of the workflow in the words of the command's flags.
fn as_usage(error: ServiceError) -> CommandError {
    match error {
        ServiceError::Invalid(errors) => CommandError::Usage(
            errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "agency" => e.message,
                    "expires_at" => format!("--expires {}", e.message),
                    field => format!("--{field} {}", e.message),
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => CommandError::Usage(other.to_string()),
    }
}

/// A table of every token, without secrets.
pub fn list_tokens(db: &Db, now: DateTime<Utc>) -> Result<String, CommandError> {
    let rows = db.read_now(|conn| token::list(conn).map_err(CommandError::from))?;
    let now = now.naive_utc();
    let mut out = format!(
        "{:<36}  {:<7}  {:<12}  {:<8}  {:<20}  {}\n",
        "ID", "ROLE", "AGENCY", "STATE", "EXPIRES (UTC)", "NAME <EMAIL>"
    );
    for (row, agency_code, person_email) in rows {
        let state = if row.revoked_at.is_some() {
            "revoked"
        } else if row.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "active"
        };
        let expires = row.expires_at.map_or_else(
            || "never".to_owned(),
            |at| at.format("%Y-%m-%d %H:%M").to_string(),
        );
        let email = person_email.map(|e| format!(" <{e}>")).unwrap_or_default();
        out.push_str(&format!(
            "{:<36}  {:<7}  {:<12}  {:<8}  {:<20}  {}{}\n",
            row.id,
            row.role.as_str(),
            agency_code.unwrap_or_else(|| "-".to_owned()),
            state,
            expires,
            row.name,
            email
        ));
    }
    Ok(out)
}

/// Revokes the token with this id.
pub fn revoke_token(db: &Db, id: &str, now: DateTime<Utc>) -> Result<(), CommandError> {
    db.write_now(|conn| {
        tokens::revoke(conn, &Actor::command_line(), id, now)
            .map(drop)
            .map_err(|error| match error {
                ServiceError::NotFound => {
                    CommandError::Usage(format!("no token has the id {id:?}"))
                }
                ServiceError::Refused { .. } => {
                    CommandError::Usage(format!("token {id} is already revoked"))
                }
                other => as_usage(other),
            })
    })
}

/// Writes a consistent copy of the SQLite database to `target` while the service runs.
pub fn backup(db: &Db, target: &str) -> Result<(), CommandError> {
    if db.engine() != crate::db::Engine::Sqlite {
        return Err(CommandError::Usage(
            "backup copies the SQLite file; on PostgreSQL use pg_dump (see docs/deployment.md)"
                .into(),
        ));
    }
    if std::path::Path::new(target).exists() {
        return Err(CommandError::Usage(format!("{target} exists already")));
    }
    db.sqlite_backup(target)
}

/// `YYYY-MM-DD` (valid to the end of that day in Asia/Shanghai) or an RFC 3339 instant.
fn parse_expiry(value: &str) -> Result<DateTime<Utc>, CommandError> {
    // China has kept UTC+8 without daylight saving since 1991.
    let shanghai =
        FixedOffset::east_opt(8 * 3600).ok_or_else(|| CommandError::Usage("offset".into()))?;
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Ok(instant.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        CommandError::Usage(format!(
            "--expires {value:?}: give a date (2026-12-31) or an RFC 3339 time"
        ))
    })?;
    let next_midnight: NaiveDateTime = date
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| CommandError::Usage(format!("--expires {value:?} is out of range")))?;
    shanghai
        .from_local_datetime(&next_midnight)
        .single()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| CommandError::Usage(format!("--expires {value:?} is out of range")))
}

/// What `consult draft import` was asked to do.
#[derive(Debug, Default)]
pub struct ImportOptions {
    /// Add the version to this document instead of starting a new one.
    pub document: Option<String>,
    /// The title of a new document; else the file's own title.
    pub title: Option<String>,
    /// The version's label; else the file's, else 征求意见稿.
    pub label: Option<String>,
    /// Publish the version at once.
    pub publish: bool,
    /// Publish even with unfilled figures, for this reason.
    pub placeholder_override: Option<String>,
}

/// A draft file in JSON: the same tree the API takes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftFile {
    /// A note for readers of the file.
    #[serde(default, rename = "about")]
    _about: Option<String>,
    title: Option<String>,
    label: Option<String>,
    clauses: Vec<ClauseInput>,
}

/// Imports a draft from a file of plain text or JSON (`{"title", "label", "clauses"}`) as the
/// next version of a document; returns a summary of what was read.
pub fn import_draft(
    db: &Db,
    path: &str,
    options: ImportOptions,
    now: DateTime<Utc>,
) -> Result<String, CommandError> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| CommandError::Usage(format!("cannot read {path}: {e}")))?;
    // Editors on Windows start files with a byte-order mark.
    let raw = raw
        .strip_prefix('\u{FEFF}')
        .map(str::to_owned)
        .unwrap_or(raw);
    let (file_title, file_label, content) = if raw.trim_start().starts_with('{') {
        let file: DraftFile = serde_json::from_str(&raw)
            .map_err(|e| CommandError::Usage(format!("{path} is not a draft in JSON: {e}")))?;
        (file.title, file.label, Content::Clauses(file.clauses))
    } else {
        (parse::parse_text(&raw).title, None, Content::Text(raw))
    };
    let label = options
        .label
        .or(file_label)
        .unwrap_or_else(|| crate::seed::DRAFT_LABEL.to_owned());
    draft::validate_label(&label).map_err(|e| CommandError::Usage(format!("label: {e}")))?;
    let title = options.title.or(file_title);
    if let Some(title) = &title {
        draft::validate_title(title).map_err(|e| CommandError::Usage(format!("title: {e}")))?;
    }
    let now = now.naive_utc();
    let actor = Actor::command_line();
    let (document, version, clauses, previous) = db
        .write_now(|conn| -> Result<_, ServiceError> {
            let document = match &options.document {
                Some(id) => document::find_document(conn, id)?.ok_or(ServiceError::NotFound)?,
                None => {
                    let title = title.as_deref().ok_or_else(|| {
                        ServiceError::field("title", "required", "give --title; the file has none")
                    })?;
                    drafting::create_document(conn, &actor, title, now)?
                }
            };
            let previous = drafting::previous_published(conn, &document.id)?;
            let (mut version, mut clauses) =
                drafting::add_version(conn, &actor, &document.id, &label, content, now)?;
            if options.publish {
                (version, clauses) = drafting::publish(
                    conn,
                    &actor,
                    version,
                    options.placeholder_override.clone(),
                    now,
                )?;
            }
            Ok((document, version, clauses, previous))
        })
        .map_err(|e| CommandError::Usage(e.describe()))?;

    let count = |kind: ClauseKind| clauses.iter().filter(|c| c.kind == kind).count();
    let mut out = format!(
        "document {} «{}»\nversion {} ({}, {}): {} clauses: {} chapters, {} sections, {} measures, {} paragraphs\n",
        document.id,
        document.title,
        version.number,
        version.label,
        version.state.as_str(),
        clauses.len(),
        count(ClauseKind::Chapter),
        count(ClauseKind::Section),
        count(ClauseKind::Measure),
        count(ClauseKind::Paragraph),
    );
    let found = draft::placeholders(&clauses);
    out.push_str(&format!("unfilled figures: {}\n", found.len()));
    for (clause, p) in found {
        out.push_str(&format!(
            "  {} {} {:?} in «{}»\n",
            clause.key, clause.number, p.found, p.context
        ));
    }
    if let Some((before, old)) = previous {
        let s = diff::diff(&old, &clauses).summary;
        out.push_str(&format!(
            "against version {}: {} added, {} removed, {} modified, {} moved, {} unchanged ({} renumbered)\n",
            before.number, s.added, s.removed, s.modified, s.moved, s.unchanged, s.renumbered
        ));
    }
    Ok(out)
}

/// Loads the years of a calendar file (the format of `seeds/calendar.json`), replacing their
/// notices; returns what is now in force for them and the rounds that could be counted again.
pub fn import_calendar(db: &Db, path: &str, now: DateTime<Utc>) -> Result<String, CommandError> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| CommandError::Usage(format!("cannot read {path}: {e}")))?;
    let raw = raw.strip_prefix('\u{FEFF}').unwrap_or(&raw);
    let file: CalendarFile = serde_json::from_str(raw)
        .map_err(|e| CommandError::Usage(format!("{path} is not a calendar file: {e}")))?;
    let imported = db
        .write_now(|conn| calendaring::import(conn, &Actor::command_line(), file, now))
        .map_err(|e| CommandError::Usage(e.describe()))?;
    let mut out = String::new();
    for year in &imported.years {
        out.push_str(&format!(
            "{}: {} holidays, {} working weekend days ({})\n",
            year.year,
            year.holidays.len(),
            year.working_weekends.len(),
            year.source.as_deref().unwrap_or_default()
        ));
    }
    if !imported.rounds_to_recount.is_empty() {
        out.push_str(&format!(
            "rounds whose deadlines the notices may move (count them again with POST /api/v1/rounds/ID/recount): {}\n",
            imported.rounds_to_recount.join(", ")
        ));
    }
    Ok(out)
}

/// The year as deadlines count it: its notice, or its statutory holidays when provisional.
pub fn show_calendar(db: &Db, year: i32) -> Result<String, CommandError> {
    let found = db
        .read_now(|conn| calendaring::year(conn, year))
        .map_err(|e| match e {
            ServiceError::NotFound => CommandError::Usage(format!(
                "the calendar covers {} to {}",
                crate::domain::calendar::YEARS.start(),
                crate::domain::calendar::YEARS.end()
            )),
            other => CommandError::Usage(other.describe()),
        })?;
    let days = |list: &[chrono::NaiveDate]| {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = match found.calendar {
        Basis::Official => format!(
            "{}: official — {} (loaded {} by {})\n",
            found.year,
            found.source.as_deref().unwrap_or_default(),
            found
                .loaded_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
            found.loaded_by.as_deref().unwrap_or_default()
        ),
        Basis::Provisional => format!(
            "{}: provisional — no notice loaded; statutory holidays and weekends only\n",
            found.year
        ),
    };
    out.push_str(&format!("holidays: {}\n", days(&found.holidays)));
    out.push_str(&format!(
        "working weekends: {}\n",
        days(&found.working_weekends)
    ));
    Ok(out)
}
