//! What the desk answers when a page cannot be shown: a page, never a JSON problem.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use maud::html;

use super::layout;
use crate::domain::refusal::{Answer, Refusal};
use crate::service::error::ServiceError;

/// Why a desk page or form failed.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No live session: to the sign-in page.
    #[error("sign in first")]
    SignIn,
    /// A form that did not come from the desk's own page (no or a wrong CSRF token).
    #[error("the form is out of date or did not come from this page; reload it and try again")]
    Forged,
    /// A form whose fields are not the page's.
    #[error("the form is incomplete; reload the page and try again")]
    BadForm,
    #[error("no such page")]
    NotFound,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl DeskError {
    /// The status a failure of the workflow is answered with, as the API answers it.
    pub fn status_of(error: &ServiceError) -> StatusCode {
        match error {
            ServiceError::NotFound => StatusCode::NOT_FOUND,
            ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ServiceError::Stale => StatusCode::CONFLICT,
            ServiceError::Refused { refusal, .. } => match refusal.answer() {
                Answer::Conflict => StatusCode::CONFLICT,
                Answer::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            },
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl DeskError {
    /// What went wrong, in the words of the page.
    pub fn explained(&self) -> String {
        match self {
            DeskError::Service(ServiceError::Invalid(errors)) => errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
            DeskError::Service(ServiceError::Stale) => {
                "有人刚刚修改了这里——请重新载入页面后再操作。".to_owned()
            }
            DeskError::NotFound | DeskError::Service(ServiceError::NotFound) => {
                "没有这个页面。".to_owned()
            }
            DeskError::Service(ServiceError::Refused { refusal, .. }) => match refusal_zh(*refusal)
            {
                Some(words) => words.to_owned(),
                None => refusal.meaning().to_owned(),
            },
            DeskError::Forged => "表单已过期或并非来自本页，请重新载入后再试。".to_owned(),
            DeskError::BadForm => "表单不完整，请重新载入页面后再试。".to_owned(),
            other => other.to_string(),
        }
    }

    /// The page that says `message`, with the failure's status and a link on: `(href, words)`.
    pub fn page(&self, title: &str, message: &str, (href, words): (&str, &str)) -> HttpResponse {
        layout::bare(
            self.status_code(),
            title,
            html! {
                p.problem role="alert" { (message) }
                p { a href=(href) { (words) } }
            },
        )
    }
}

impl ResponseError for DeskError {
    fn status_code(&self) -> StatusCode {
        match self {
            DeskError::SignIn => StatusCode::SEE_OTHER,
            DeskError::Forged => StatusCode::FORBIDDEN,
            DeskError::BadForm => StatusCode::BAD_REQUEST,
            DeskError::NotFound => StatusCode::NOT_FOUND,
            DeskError::Service(error) => DeskError::status_of(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let DeskError::SignIn = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/desk/sign-in"))
                .finish();
        }
        if let DeskError::Service(ServiceError::Internal(cause)) = self {
            tracing::error!(%cause, "a desk page failed");
        }
        self.page("无法完成", &self.explained(), ("/desk", "返回轮次列表"))
    }
}

/// The refusals a drafter meets at the desk, in the desk's words.
fn refusal_zh(refusal: Refusal) -> Option<&'static str> {
    Some(match refusal {
        Refusal::CommentDecided => "这条意见已有自己的决定，不能再并入同类意见组。",
        Refusal::CommentGrouped => "这条意见已在一个同类意见组中：按组决定，或先移出该组。",
        Refusal::GroupDecided => "这个组已有决定：请修改决定，而不是解散这个组。",
        Refusal::DecisionsPublished => "决定已经发布，本轮记录已封存。",
        Refusal::CheckFailed => "检查仍有问题：请先处理，或写明理由后发布。",
        Refusal::NextVersionUnpublished => "下一版草案尚未定稿：请先定稿，再发布据此作出的决定。",
        Refusal::PlaceholdersRemain => "仍有未填写的数字（**%）：请填写，或写明理由后定稿。",
        Refusal::RoundNotClosed => "本轮征求意见尚未截止。",
        Refusal::RoundClosed => "本轮征求意见已截止。",
        Refusal::DraftExists => "下一版草案已经存在。",
        _ => return None,
    })
}
