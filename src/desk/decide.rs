//! A decision recorded from the form beside a comment, on the comment or on its group.
//! The form carries the revision of the decision it was read with, so that a decision another
//! drafter recorded meanwhile is reported, never overwritten.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};

use super::error::DeskError;
use super::session::AtDesk;
use super::triage::back_to;
use crate::db::{decision, round};
use crate::domain::decision::Outcome;
use crate::domain::decision::SubjectKind;
use crate::service::decisions::{self, DecisionInput};
use crate::service::error::ServiceError;
use crate::state::AppState;

/// The decision form, as sent.
#[derive(Default)]
struct DecideForm {
    csrf: String,
    /// The revision of the decision the form was read with; 0 for none.
    base: i32,
    back: String,
    outcome: String,
    reason: String,
    /// The comment whose card holds the form, when it decides the comment's group.
    at: String,
    /// The form lists the next version's clauses: `clause_keys` are the ones to link, none
    /// when none is chosen. Without it, an adoption keeps the clauses it was linked to.
    linking: bool,
    clause_keys: Vec<String>,
}

impl DecideForm {
    /// Reads the form; each chosen clause comes as a `clause_keys` field of its own.
    fn parse(body: &[u8]) -> Result<Self, DeskError> {
        let mut form = DecideForm::default();
        let (mut csrf, mut base, mut back) = (None, None, None);
        for (name, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => csrf = Some(value),
                "base" => base = Some(value.parse().map_err(|_| DeskError::BadForm)?),
                "back" => back = Some(value),
                "outcome" => form.outcome = value,
                "reason" => form.reason = value,
                "at" => form.at = value,
                "linking" => form.linking = true,
                "clause_keys" => form.clause_keys.push(value),
                _ => return Err(DeskError::BadForm),
            }
        }
        match (csrf, base, back) {
            (Some(csrf), Some(base), Some(back)) => Ok(DecideForm {
                csrf,
                base,
                back,
                ..form
            }),
            _ => Err(DeskError::BadForm),
        }
    }
}

/// `POST /desk/comments/{id}/decision`
pub async fn decide(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    record(state, desk, SubjectKind::Comment, id.into_inner(), body).await
}

/// `POST /desk/groups/{id}/decision`: one decision for every comment of a group.
pub async fn decide_group(
    state: Data<AppState>,
    desk: AtDesk,
    id: Path<String>,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    record(state, desk, SubjectKind::Group, id.into_inner(), body).await
}

async fn record(
    state: Data<AppState>,
    desk: AtDesk,
    kind: SubjectKind,
    id: String,
    body: Bytes,
) -> Result<HttpResponse, DeskError> {
    let form = DecideForm::parse(&body)?;
    desk.check(&form.csrf)?;
    let Some(outcome) = Outcome::parse(&form.outcome) else {
        return Err(ServiceError::field("outcome", "required", "请选择决定。").into());
    };
    let card = if form.at.is_empty() { &id } else { &form.at };
    let back = back_to(&form.back, card);
    let now = state.clock.now();
    let actor = desk.0.actor(None);
    let expected = (form.base > 0).then_some(form.base);
    let reason = Some(form.reason).filter(|r| !r.trim().is_empty());
    let (linking, chosen) = (form.linking, form.clause_keys);
    let recorded = state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            let round = match kind {
                SubjectKind::Comment => decisions::standing_comment(conn, &id)?.1,
                SubjectKind::Group => {
                    let group = decision::find_group(conn, &id)?.ok_or(ServiceError::NotFound)?;
                    round::find_round(conn, &group.round_id)?.ok_or(ServiceError::NotFound)?
                }
            };
            // Only an adoption is linked to clauses; one decided without the list of them
            // keeps those it was linked to while it still changes text.
            let clause_keys = if !outcome.changes_text() {
                Vec::new()
            } else if linking {
                chosen
            } else {
                match decision::history(conn, &id)?.last() {
                    Some(last) if last.outcome.changes_text() => last.keys(),
                    _ => Vec::new(),
                }
            };
            let input = DecisionInput {
                outcome,
                reason,
                clause_keys,
            };
            decisions::decide(conn, &actor, &round, &id, kind, expected, input, now)
        })
        .await;
    match recorded {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, back))
            .finish()),
        Err(
            error @ (ServiceError::Stale | ServiceError::Invalid(_) | ServiceError::Refused { .. }),
        ) => {
            let failed = DeskError::Service(error);
            let message = match &failed {
                DeskError::Service(ServiceError::Stale) => {
                    "有人刚刚修改了这条意见的决定——请重新载入后再决定，以免覆盖别人的决定。"
                        .to_owned()
                }
                DeskError::Service(ServiceError::Invalid(errors)) => errors
                    .iter()
                    .map(|e| match (e.field.as_str(), e.code.as_str()) {
                        ("reason", "required") => "采纳以外的决定须写明理由。".to_owned(),
                        _ => e.message.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.explained(),
            };
            Ok(failed.page("决定未记录", &message, (&back, "重新载入并返回这条意见")))
        }
        Err(other) => Err(other.into()),
    }
}
