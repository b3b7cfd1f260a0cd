//! A decision recorded from the form beside a comment, on the comment or on its group.
//! The form carries the revision of the decision it was read with, so that a decision another
//! drafter recorded meanwhile is reported, never overwritten.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};
use serde::Deserialize;

use super::error::DeskError;
use super::session::AtDesk;
use super::triage::back_to;
use crate::db::{decision, round};
use crate::domain::decision::Outcome;
use crate::domain::decision::SubjectKind;
use crate::service::decisions::{self, DecisionInput};
use crate::service::error::ServiceError;
use crate::state::AppState;

#[derive(Deserialize)]
struct DecideForm {
    csrf: String,
    /// The revision of the decision the form was read with; 0 for none.
    base: i32,
    back: String,
    outcome: String,
    #[serde(default)]
    reason: String,
    /// The comment whose card holds the form, when it decides the comment's group.
    #[serde(default)]
    at: String,
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
    let form: DecideForm = serde_urlencoded::from_bytes(&body).map_err(|_| DeskError::BadForm)?;
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
            // The clauses an adoption was linked to stay linked while it still changes text.
            let clause_keys = match decision::history(conn, &id)?.last() {
                Some(last) if outcome.changes_text() && last.outcome.changes_text() => last.keys(),
                _ => Vec::new(),
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
