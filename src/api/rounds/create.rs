//! `POST /api/v1/rounds`

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Data;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::views::RoundView;
use crate::api::extract::{Caller, ClientTime, JsonBody, etag, required_due};
use crate::api::unit::{Reply, Work};
use crate::db::{agency, round};
use crate::domain::text::not_blank;
use crate::error::ApiError;
use crate::service::agencies;
use crate::service::error::ServiceError;
use crate::service::rounds::{self, NewRound};
use crate::state::AppState;

/// A new round, prepared as a draft; nothing is sent until it opens.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRound {
    pub document_id: String,
    /// The number of the published version to consult on.
    pub version: i32,
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[schema(example = "《关于促进杭州市生产性服务业高质量发展的若干举措》征求意见")]
    pub title: String,
    /// What the agencies are asked to do.
    #[serde(default)]
    #[validate(length(max = 10000))]
    pub instructions: String,
    /// A fixed deadline (RFC 3339 with an offset). Give this or `working_days`.
    pub deadline: Option<ClientTime>,
    /// The deadline as working days from opening, counting the day of opening; it falls at
    /// 18:00 in `time_zone`.
    #[validate(range(min = 1, max = 60))]
    pub working_days: Option<u32>,
    /// An IANA time zone; Asia/Shanghai unless given.
    pub time_zone: Option<String>,
    /// The clause keys open for comment; the whole version unless given.
    #[validate(length(min = 1, max = 20000))]
    pub scope: Option<Vec<String>>,
    /// Accept replies after the deadline, marked late.
    #[serde(default)]
    pub accept_late: bool,
    /// Count an agency silent at its deadline as having no comments.
    #[serde(default)]
    pub silence_is_no_comments: bool,
    /// Let the invited agencies read the whole adoption table once the decisions are published
    /// (each reads its own rows in any case).
    #[serde(default)]
    pub share_report: bool,
    /// Hours before the deadline at which agencies that have not replied are reminded; 72 and 24
    /// unless given (an empty list sends none).
    #[validate(
        length(max = 5),
        custom(function = "crate::api::rounds::validate_reminders")
    )]
    pub reminder_hours: Option<Vec<u32>>,
    /// The reference the letters go out under (文号).
    #[schema(example = "杭发改函〔2026〕88号")]
    pub letter_reference: Option<String>,
    /// Number each letter under the reference, in the order they go out (…88-3号).
    #[serde(default)]
    pub number_letters: bool,
    /// The agencies to consult, by id or code; every active agency unless given.
    #[validate(length(min = 1, max = 1000))]
    pub agencies: Option<Vec<String>>,
}

/// Prepares a round on a published version, with a comment request per invited agency.
/// Drafters and admins only.
#[utoipa::path(
    post,
    operation_id = "rounds_create",
    path = "/api/v1/rounds",
    tag = "rounds",
    request_body = CreateRound,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "The round, as a draft", body = RoundView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Agency tokens may not prepare rounds"),
        (status = 409, description = "The version is not published (`version_not_published`)"),
        (status = 422, description = "Invalid fields"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    state: Data<AppState>,
    caller: Caller,
    body: JsonBody,
    work: Work,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let input: CreateRound = body.parse()?;
    let due = required_due(input.deadline, input.working_days)?;
    let time_zone = match input.time_zone.as_deref() {
        None => chrono_tz::Asia::Shanghai,
        Some(name) => name.parse().map_err(|_| {
            ApiError::from(ServiceError::field(
                "time_zone",
                "unknown_time_zone",
                "not an IANA time zone name",
            ))
        })?,
    };
    let now = state.clock.now();
    let actor = caller.actor();
    let version = input.version;
    work.commit(
        move |conn| -> Result<_, ApiError> {
            let agencies = match input.agencies {
                Some(names) => agencies::ids_of(conn, &names)?,
                None => agency::active_ids(conn)?,
            };
            let row = rounds::create_round(
                conn,
                &actor,
                NewRound {
                    document_id: input.document_id,
                    version_number: input.version,
                    title: input.title,
                    instructions: input.instructions,
                    time_zone,
                    due,
                    scope: input.scope,
                    accept_late: input.accept_late,
                    reminder_hours: input
                        .reminder_hours
                        .unwrap_or_else(|| rounds::DEFAULT_REMINDER_HOURS.to_vec()),
                    silence_is_no_comments: input.silence_is_no_comments,
                    share_report: input.share_report,
                    follows_round_id: None,
                    agencies,
                    letter_reference: input.letter_reference,
                    number_letters: input.number_letters,
                },
                now,
            )?;
            let requests = round::requests_of_round(conn, &row.id)?;
            Ok((row, requests))
        },
        move |(row, requests)| {
            Ok(
                Reply::created(&RoundView::new(&row, version, &requests, now))?
                    .with(header::LOCATION, format!("/api/v1/rounds/{}", row.id))
                    .with(header::ETAG, etag(row.revision)),
            )
        },
    )
    .await
}
