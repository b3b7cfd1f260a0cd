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

use super::{documents, outbox, streaming};

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
        crate::domain::decision::DecisionState,
        documents::diff::DiffFormat,
        documents::show_version::VersionFormat,
        outbox::views::OutboxState,
        streaming::ExportFormat
    )),
    modifiers(&BearerAuth, &RefusalCodes),
    tags(
        (name = "service", description = "Health and the API description"),
        (name = "tokens", description = "Who a token is; making, listing and revoking tokens"),
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
/// `Problem` schema. What every operation of a kind can answer whatever its handler does (401
/// with a token, 429 and 503 anywhere, 400, 408, 413, 415 and 422 with a body, 422 with a
/// query, 404 with an id in the path, 409 for a keyed POST) is added here, as shared responses,
/// where the handler does not say it itself.
struct ProblemResponses;

/// Shared responses: (name, status, meaning).
const SHARED: &[(&str, &str, &str)] = &[
    ("Unauthenticated", "401", "No usable token"),
    (
        "TooManyRequests",
        "429",
        "A rate limit is spent; `Retry-After` gives the seconds to wait",
    ),
    ("Unavailable", "503", "The database cannot be reached now"),
    ("MalformedBody", "400", "The body is not JSON, or not UTF-8"),
    ("BodyTimeout", "408", "The body did not arrive in time"),
    ("TooLarge", "413", "The body is over the size limit"),
    (
        "UnsupportedMediaType",
        "415",
        "The body is not of a type the operation takes",
    ),
    (
        "Invalid",
        "422",
        "Invalid input, named field by field (or an Idempotency-Key reused for another request)",
    ),
    (
        "NotFound",
        "404",
        "No such object, or not one the caller may see",
    ),
    (
        "InProgress",
        "409",
        "Refused as things stand, or the first request with this Idempotency-Key still runs",
    ),
];

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::Header;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let problem = Content::new(Some(Ref::from_schema_name("Problem")));
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, status, meaning) in SHARED {
            let mut response = Response::new(*meaning);
            response
                .content
                .insert(PROBLEM_JSON.to_owned(), problem.clone());
            if *status == "429" {
                let seconds = ObjectBuilder::new().schema_type(Type::Integer).build();
                response
                    .headers
                    .insert("Retry-After".to_owned(), Header::new(seconds));
            }
            components
                .responses
                .insert((*name).to_owned(), response.into());
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            // Only these two answer without the database.
            let needs_database = !matches!(path.as_str(), "/healthz" | "/api/v1/openapi.json");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for (method, operation) in ["get", "put", "post", "delete", "patch"]
                .into_iter()
                .zip(operations)
            {
                if let Some(operation) = operation {
                    complete(method, operation, &problem, needs_database);
                }
            }
        }
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

fn complete(method: &str, operation: &mut Operation, problem: &Content, needs_database: bool) {
    use utoipa::openapi::path::ParameterIn;
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
    let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let in_path = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = parameters
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = operation.request_body.is_some();
    let mut shared: Vec<&str> = vec!["TooManyRequests"];
    if authenticated {
        shared.push("Unauthenticated");
    }
    if needs_database {
        shared.push("Unavailable");
    }
    if body {
        shared.extend([
            "MalformedBody",
            "BodyTimeout",
            "TooLarge",
            "UnsupportedMediaType",
            "Invalid",
        ]);
    }
    if in_query {
        shared.push("Invalid");
    }
    if in_path {
        shared.push("NotFound");
    }
    if method == "post" && authenticated {
        shared.extend(["InProgress", "Invalid"]);
    }
    for name in shared {
        let Some((_, status, _)) = SHARED.iter().find(|(n, _, _)| *n == name) else {
            continue;
        };
        // The 401 is always the shared one; any other status the handler names keeps its own
        // meaning.
        if name == "Unauthenticated" || !responses.contains_key(*status) {
            responses.insert(
                (*status).to_owned(),
                RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))),
            );
        }
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
