//! The demo data: data files under `seeds/`, built into the binary so that `consult serve` needs
//! nothing beside it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use validator::Validate;

use crate::db::agency::{self, NewAgency};
use crate::db::audit::Actor;
use crate::db::{Db, DbConnection, Unavailable, document};
use crate::domain::agency::{AgencyKind, Locale, validate_code, validate_emails, validate_name};
use crate::domain::draft::{Content, parse};
use crate::domain::round::Due;
use crate::service::error::ServiceError;
use crate::service::rounds::{self, NewRound};
use crate::service::{agencies, drafting};

const AGENCIES: &str = include_str!("../seeds/agencies.json");
const DRAFT: &str = include_str!("../seeds/draft.txt");

/// Label of the demo draft's first version, the one sent out for comment.
pub const DRAFT_LABEL: &str = "征求意见稿";

/// What the demo round asks of the agencies.
const ROUND_INSTRUCTIONS: &str = "请结合本单位职能研究提出修改意见，重点关注涉及本单位的措施和量化指标，意见请注明对应条款并尽量提出具体修改文字；无意见的请反馈“无意见”。";

/// Why the demo's first version goes out with figures unfilled, as the source's did.
const DRAFT_OVERRIDE: &str = "部分指标待相关部门核定后填写，征求意见稿先行印发";

/// Why the demo data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo data is not valid: {0}")]
    Invalid(String),
    #[error("loading the demo data failed: {0}")]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    #[error("seeds/draft.txt cannot be loaded: {0}")]
    Draft(String),
}

impl From<ServiceError> for SeedError {
    fn from(error: ServiceError) -> Self {
        SeedError::Draft(error.describe())
    }
}

/// What loading the demo data did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub agencies_added: usize,
    pub agencies_present: usize,
    /// Whether the demo draft was added (it is left alone when a document has its title).
    pub draft_added: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyFile {
    /// Where the list comes from; for readers of the file.
    #[serde(rename = "about")]
    _about: String,
    agencies: Vec<SeedAgency>,
}

#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct SeedAgency {
    #[validate(custom(function = "validate_code"))]
    code: String,
    #[validate(custom(function = "validate_name"))]
    name: String,
    kind: AgencyKind,
    #[validate(custom(function = "validate_emails"))]
    emails: Vec<String>,
    locale: Locale,
    illustrative: bool,
    /// Why the agency is in the list.
    #[serde(rename = "basis")]
    _basis: String,
}

/// Adds the demo agencies that are not there yet (matched by code), and the demo draft with its
/// open round, in one transaction.
pub fn load_demo(db: &Db, now: DateTime<Utc>) -> Result<SeedReport, SeedError> {
    let clock_now = now;
    let file: AgencyFile = serde_json::from_str(AGENCIES)
        .map_err(|e| SeedError::Invalid(format!("seeds/agencies.json: {e}")))?;
    for seed in &file.agencies {
        seed.validate()
            .map_err(|e| SeedError::Invalid(format!("agency {}: {e}", seed.code)))?;
    }
    let now = now.naive_utc();
    let actor = Actor::command_line();
    db.write_now(|conn| {
        let mut report = SeedReport::default();
        for seed in file.agencies {
            if agency::find_by_code(conn, &seed.code)?.is_some() {
                report.agencies_present += 1;
                continue;
            }
            agencies::create(
                conn,
                &actor,
                NewAgency {
                    code: seed.code,
                    name: seed.name,
                    kind: seed.kind,
                    emails: seed.emails,
                    locale: seed.locale,
                    active: true,
                    illustrative: seed.illustrative,
                },
                now,
            )?;
            report.agencies_added += 1;
        }
        report.draft_added = load_draft(conn, &actor, clock_now)?;
        Ok(report)
    })
}

/// Adds the demo draft as version 1, published for comment with its unfilled figures, and opens
/// the round that consults every demo agency on it, due in five working days.
fn load_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<bool, SeedError> {
    let stamp = now.naive_utc();
    let title = parse::parse_text(DRAFT)
        .title
        .ok_or_else(|| SeedError::Draft("the first line must be the title".to_owned()))?;
    if document::find_by_title(conn, &title)?.is_some() {
        return Ok(false);
    }
    let created = drafting::create_document(conn, actor, &title, stamp)?;
    let (version, _) = drafting::add_version(
        conn,
        actor,
        &created.id,
        DRAFT_LABEL,
        Content::Text(DRAFT.to_owned()),
        stamp,
    )?;
    let (version, _) =
        drafting::publish(conn, actor, version, Some(DRAFT_OVERRIDE.to_owned()), stamp)?;
    let agencies = agency::active_ids(conn)?;
    let round = rounds::create_round(
        conn,
        actor,
        NewRound {
            document_id: created.id,
            version_number: version.number,
            title: format!("《{title}》征求意见"),
            instructions: ROUND_INSTRUCTIONS.to_owned(),
            time_zone: chrono_tz::Asia::Shanghai,
            due: Due::WorkingDays(5),
            scope: None,
            accept_late: false,
            reminder_hours: crate::service::rounds::DEFAULT_REMINDER_HOURS.to_vec(),
            silence_is_no_comments: false,
            share_report: false,
            follows_round_id: None,
            agencies,
            // Illustrative, like the demo's agencies: the source document gives no number.
            letter_reference: Some("杭发改函〔2026〕88号".to_owned()),
            number_letters: true,
        },
        now,
    )?;
    rounds::open_round(conn, actor, round, now)?;
    Ok(true)
}
