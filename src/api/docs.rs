//! The OpenAPI description: what the whole API shares (its title, tags, security, the problem
//! body of every error), completed with the operations of the routes served.

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use actix_web::web::{Bytes, Data};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::domain::refusal::{Answer, Refusal};

use super::{decisions, documents, outbox};

/// What every operation shares; the operations themselves come from the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "consult",
        description = "Consultation rounds on draft policy documents: comment requests to agencies, \
                       their replies, the drafters' decisions and the versions that follow.",
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
struct ApiDoc;

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

/// The document served, as JSON, made once when the routes are configured.
#[derive(Clone)]
pub struct Document(Bytes);

impl Document {
    /// The shared parts, with `operations` (the routes' handlers) merged in and every error
    /// response given its problem body.
    pub fn new(operations: utoipa::openapi::OpenApi) -> Document {
        let mut openapi = ApiDoc::openapi();
        openapi.merge(operations);
        ProblemResponses.modify(&mut openapi);
        // Serializing a document of plain strings and maps does not fail.
        Document(Bytes::from(
            serde_json::to_vec(&openapi).unwrap_or_default(),
        ))
    }

    /// The document, parsed back.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.0)
    }
}

/// The error responses are declared by status and meaning in each handler's annotation; their
/// body is the same everywhere, so it is written here once: `application/problem+json` with the
/// `Problem` schema. Every operation that needs a token answers 401 the same way.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = Content::new(Some(Ref::from_schema_name("Problem")));
        let mut unauthenticated = Response::new("No usable token");
        unauthenticated
            .content
            .insert(PROBLEM_JSON.to_owned(), problem.clone());
        openapi
            .components
            .get_or_insert_with(Default::default)
            .responses
            .insert("Unauthenticated".to_owned(), unauthenticated.into());
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                complete(operation, &problem);
            }
        }
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

fn complete(operation: &mut Operation, problem: &Content) {
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && status.parse::<u16>().is_ok_and(|code| code >= 400)
            && response.content.is_empty()
        {
            response
                .content
                .insert(PROBLEM_JSON.to_owned(), problem.clone());
        }
    }
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        responses.insert(
            "401".to_owned(),
            RefOr::Ref(Ref::new("#/components/responses/Unauthenticated")),
        );
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
pub async fn openapi(document: Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(document.0.clone())
}
