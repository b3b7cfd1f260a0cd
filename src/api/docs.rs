//! The OpenAPI description, generated from the handlers' annotations, and the page that shows it.

use actix_web::web::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::domain::refusal::{Answer, Refusal};

use super::{
    agencies, audit, calendar, comments, decisions, documents, groups, health, outbox, requests,
    rounds,
};

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "consult",
        description = "Consultation rounds on draft policy documents: comment requests to agencies, \
                       their replies, the drafters' decisions and the versions that follow.",
    ),
    paths(
        health::check,
        openapi,
        agencies::list::list,
        agencies::create::create,
        agencies::show::show,
        agencies::update::update,
        audit::list::list,
        calendar::list::list,
        calendar::show::show,
        calendar::import::import,
        documents::list::list,
        documents::create::create,
        documents::show::show,
        documents::create_version::create_version,
        documents::preview_version::preview_version,
        documents::show_version::show_version,
        documents::update_version::update_version,
        documents::publish_version::publish_version,
        documents::diff::diff_versions,
        rounds::list::list,
        rounds::create::create,
        rounds::show::show,
        rounds::update::update,
        rounds::open::open,
        rounds::close::close,
        rounds::reopen::reopen,
        rounds::recount::recount,
        rounds::ledger::ledger,
        rounds::invite::invite,
        rounds::follow_up::follow_up,
        requests::list::list,
        requests::show::show,
        requests::replies::replies,
        requests::no_comments::no_comments,
        requests::withdraw::withdraw,
        requests::extend::extend,
        requests::cancel::cancel,
        requests::attachments::attachments,
        requests::upload::upload,
        requests::download::download,
        requests::submit::submit,
        requests::comments::comments,
        requests::revision::revision_comments,
        comments::queue::queue,
        comments::create::create,
        comments::clauses::clauses,
        comments::show::show,
        comments::update::update,
        comments::delete::delete,
        groups::list::list,
        groups::create::create,
        groups::show::show,
        groups::update::update,
        groups::delete::delete,
        decisions::show::show_comment,
        decisions::decide::decide_comment,
        decisions::show::show_group,
        decisions::decide::decide_group,
        decisions::assign::assign,
        decisions::notes::notes,
        decisions::notes::add_note,
        decisions::check::check,
        decisions::publish::publish,
        decisions::carried::carried,
        decisions::report::report,
        outbox::list::list,
        outbox::retry::retry,
    ),
    // Types used only in query parameters are not collected on their own.
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        documents::diff::DiffFormat,
        outbox::views::OutboxState,
        decisions::report::ReportFormat
    )),
    modifiers(&BearerAuth, &RefusalCodes),
    tags(
        (name = "service", description = "Health and the API description"),
        (name = "agencies", description = "The agencies a drafting office consults"),
        (name = "audit", description = "Who changed what, for administrators"),
        (name = "calendar", description = "Working days: the yearly holiday notices in force, and provisional years"),
        (name = "documents", description = "Draft documents, their versions, and what changed between them"),
        (name = "rounds", description = "Consultation rounds and the ledger of their comment requests"),
        (name = "requests", description = "Comment requests to agencies, and their replies"),
        (name = "comments", description = "Agencies' comments on clauses, and the drafters' queue"),
        (name = "groups", description = "Comments that say the same thing, decided once"),
        (name = "decisions", description = "Decisions on comments, the consistency check, the adoption table"),
        (name = "outbox", description = "Emails queued, sent and given up"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `RefusalCode`: every code a 409 or a refusing 422 carries, with its meaning, from
/// `domain::refusal::Refusal` itself.
struct RefusalCodes;

impl Modify for RefusalCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let mut description = String::from(
            "The `code` of a refusal: a well-formed request the workflow turns down as things \
             stand.\n\n| code | status | meaning |\n|---|---|---|\n",
        );
        for refusal in Refusal::ALL {
            let status = match refusal.answer() {
                Answer::Conflict => 409,
                Answer::Unprocessable => 422,
            };
            description.push_str(&format!(
                "| `{}` | {status} | {} |\n",
                refusal.code(),
                refusal.meaning()
            ));
        }
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Refusal::ALL.iter().map(|r| r.code())))
            .description(Some(description))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .insert("RefusalCode".to_owned(), schema.into());
    }
}

/// This document, as JSON. No token needed.
#[utoipa::path(
    get,
    operation_id = "docs_openapi",
    path = "/api/v1/openapi.json",
    tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
