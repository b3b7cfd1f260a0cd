//! Every URL the service answers, in one place.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpResponse, ResponseError};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::{
    agencies, audit, calendar, claims, comments, decisions, docs, documents, groups, health, me,
    metrics, outbox, people, receipts, requests, rounds, tokens,
};
use crate::error::ApiError;

/// Where the API documentation page is served.
pub const DOCS_PATH: &str = "/api/v1/docs/";

/// Declares the routes once, and from that registers them, lists them, and makes the OpenAPI
/// document of exactly their handlers. Each handler's annotation repeats its path and method,
/// because utoipa needs them there; the list lets a test check that the two agree.
macro_rules! routes {
    ($($path:literal => { $($method:ident => $handler:path),+ $(,)? }),+ $(,)?) => {
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($handler),+),+))]
        struct Operations;

        /// The OpenAPI document of every route, made once: every worker (and every test's
        /// app) serves the same bytes.
        pub fn document() -> docs::Document {
            static MADE: std::sync::OnceLock<docs::Document> = std::sync::OnceLock::new();
            MADE.get_or_init(|| docs::Document::new(<Operations as utoipa::OpenApi>::openapi()))
                .clone()
        }

        /// Registers every route, and the document that describes them.
        pub fn configure(cfg: &mut ServiceConfig) {
            cfg.app_data(web::Data::new(document()));
            $(
                cfg.service(
                    web::resource($path)
                        $(.route(web::method(Method::$method).to($handler)))+
                        .default_service(web::to(|| async {
                            method_not_allowed(&[$(stringify!($method)),+])
                        })),
                );
            )+
            cfg.service(
                SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}"))
                    .config(Config::new(["/api/v1/openapi.json"])),
            );
        }

        /// `(method, path)` of every API route, as registered.
        pub const SERVED: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)+];
    };
}

routes! {
    "/healthz" => { GET => health::check },
    "/readyz" => { GET => health::ready },
    "/metrics" => { GET => metrics::page },
    "/api/v1/openapi.json" => { GET => docs::openapi },
    "/api/v1/me" => { GET => me::show },
    "/api/v1/tokens" => {
        GET => tokens::list::list,
        POST => tokens::create::create,
    },
    "/api/v1/tokens/{id}/revoke" => { POST => tokens::revoke::revoke },
    "/api/v1/claims" => { POST => claims::exchange::exchange },
    "/api/v1/people" => {
        GET => people::list::list,
        POST => people::create::create,
    },
    "/api/v1/people/{id}" => {
        GET => people::show::show,
        PATCH => people::update::update,
    },
    "/api/v1/people/{id}/retire" => { POST => people::retire::retire },
    "/api/v1/agencies" => {
        GET => agencies::list::list,
        POST => agencies::create::create,
    },
    "/api/v1/agencies/{id}" => {
        GET => agencies::show::show,
        PATCH => agencies::update::update,
    },
    "/api/v1/audit" => { GET => audit::list::list },
    "/api/v1/calendar" => {
        GET => calendar::list::list,
        POST => calendar::import::import,
    },
    "/api/v1/calendar/{year}" => { GET => calendar::show::show },
    "/api/v1/documents" => {
        GET => documents::list::list,
        POST => documents::create::create,
    },
    "/api/v1/documents/{id}" => { GET => documents::show::show },
    "/api/v1/documents/{id}/versions" => {
        POST => documents::create_version::create_version,
    },
    // Before `{n}`, which would otherwise take "preview" for a number.
    "/api/v1/documents/{id}/versions/preview" => {
        POST => documents::preview_version::preview_version,
    },
    "/api/v1/documents/{id}/versions/{n}" => {
        GET => documents::show_version::show_version,
        PATCH => documents::update_version::update_version,
    },
    "/api/v1/documents/{id}/versions/{n}/publish" => {
        POST => documents::publish_version::publish_version,
    },
    "/api/v1/documents/{id}/diff" => { GET => documents::diff::diff_versions },
    "/api/v1/rounds" => {
        GET => rounds::list::list,
        POST => rounds::create::create,
    },
    "/api/v1/rounds/{id}" => {
        GET => rounds::show::show,
        PATCH => rounds::update::update,
    },
    "/api/v1/rounds/{id}/open" => { POST => rounds::open::open },
    "/api/v1/rounds/{id}/close" => { POST => rounds::close::close },
    "/api/v1/rounds/{id}/reopen" => { POST => rounds::reopen::reopen },
    "/api/v1/rounds/{id}/recount" => { POST => rounds::recount::recount },
    "/api/v1/rounds/{id}/requests" => {
        GET => rounds::ledger::ledger,
        POST => rounds::invite::invite,
    },
    "/api/v1/requests" => { GET => requests::list::list },
    "/api/v1/requests/{id}" => { GET => requests::show::show },
    "/api/v1/requests/{id}/replies" => { GET => requests::replies::replies },
    "/api/v1/requests/{id}/no-comments" => { POST => requests::no_comments::no_comments },
    "/api/v1/requests/{id}/withdraw" => { POST => requests::withdraw::withdraw },
    "/api/v1/requests/{id}/extension" => { POST => requests::extend::extend },
    "/api/v1/requests/{id}/cancel" => { POST => requests::cancel::cancel },
    "/api/v1/requests/{id}/claim-code" => { POST => claims::reissue::reissue },
    "/api/v1/requests/{id}/attachments" => {
        GET => requests::attachments::attachments,
        POST => requests::upload::upload,
    },
    "/api/v1/attachments/{id}" => { GET => requests::download::download },
    "/api/v1/receipts/{number}" => { GET => receipts::show::show },
    "/api/v1/requests/{id}/submit" => { POST => requests::submit::submit },
    "/api/v1/requests/{id}/comments" => { GET => requests::comments::comments },
    "/api/v1/requests/{id}/replies/{revision}/comments" => {
        GET => requests::revision::revision_comments,
    },
    "/api/v1/rounds/{id}/comments" => {
        GET => comments::queue::queue,
        POST => comments::create::create,
    },
    "/api/v1/rounds/{id}/clauses" => { GET => comments::clauses::clauses },
    "/api/v1/rounds/{id}/groups" => {
        GET => groups::list::list,
        POST => groups::create::create,
    },
    "/api/v1/rounds/{id}/check" => { GET => decisions::check::check },
    "/api/v1/rounds/{id}/decisions/publish" => { POST => decisions::publish::publish },
    "/api/v1/rounds/{id}/carried" => { GET => decisions::carried::carried },
    "/api/v1/rounds/{id}/report" => { GET => decisions::report::report },
    "/api/v1/rounds/{id}/follow-up" => { POST => rounds::follow_up::follow_up },
    "/api/v1/outbox" => { GET => outbox::list::list },
    "/api/v1/outbox/{id}/retry" => { POST => outbox::retry::retry },
    "/api/v1/comments/{id}" => {
        GET => comments::show::show,
        PATCH => comments::update::update,
        DELETE => comments::delete::delete,
    },
    "/api/v1/comments/{id}/decision" => {
        GET => decisions::show::show_comment,
        PUT => decisions::decide::decide_comment,
    },
    "/api/v1/comments/{id}/assignee" => { PUT => decisions::assign::assign },
    "/api/v1/comments/{id}/notes" => {
        GET => decisions::notes::notes,
        POST => decisions::notes::add_note,
    },
    "/api/v1/groups/{id}" => {
        GET => groups::show::show,
        PATCH => groups::update::update,
        DELETE => groups::delete::delete,
    },
    "/api/v1/groups/{id}/decision" => {
        GET => decisions::show::show_group,
        PUT => decisions::decide::decide_group,
    },
}

/// 405 with the `Allow` header listing what the URL does take.
fn method_not_allowed(allowed: &[&str]) -> HttpResponse {
    let mut response = ApiError::MethodNotAllowed.error_response();
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The answer for a URL no route matches.
pub async fn no_such_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoSuchRoute)
}
