//! The OpenAPI document matches the routes, and the docs page needs no network.

use std::collections::BTreeSet;

use consult::routes::{DOCS_PATH, SERVED};

use crate::support::TestApp;

#[actix_web::test]
async fn the_document_lists_exactly_the_served_routes() {
    let app = TestApp::sqlite().await;
    let spec = app.get("/api/v1/openapi.json", None).await.json();
    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .expect("operations")
                .keys()
                .filter(|k| !matches!(k.as_str(), "parameters" | "summary" | "description"))
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = SERVED
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(documented, served);

    // Every served route answers with something other than "no such route".
    for (method, path) in &served {
        let uri = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{n}", "1");
        let request = actix_web::test::TestRequest::default()
            .method(method.parse().expect("method"))
            .uri(&uri);
        let response = app.send(request).await;
        assert_ne!(response.status, 405, "{method} {path}");
        if response.status == 404 {
            assert_eq!(response.json()["code"], "not_found", "{method} {path}");
        }
    }
}

#[actix_web::test]
async fn every_schema_the_document_refers_to_is_in_it() {
    let app = TestApp::sqlite().await;
    let spec = app.get("/api/v1/openapi.json", None).await.json();
    let text = spec.to_string();
    let defined = spec["components"]["schemas"].as_object().expect("schemas");
    let prefix = "#/components/schemas/";
    let mut missing = BTreeSet::new();
    for (at, _) in text.match_indices(prefix) {
        let name: String = text[at + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !defined.contains_key(&name) {
            missing.insert(name);
        }
    }
    assert!(missing.is_empty(), "undefined schemas: {missing:?}");
    // Operation ids are unique, as generated clients need.
    let mut ids = BTreeSet::new();
    for operations in spec["paths"].as_object().expect("paths").values() {
        for operation in operations.as_object().expect("operations").values() {
            if let Some(id) = operation["operationId"].as_str() {
                assert!(ids.insert(id.to_owned()), "operation id {id} twice");
            }
        }
    }
}

#[actix_web::test]
async fn the_docs_page_loads_nothing_from_elsewhere() {
    let app = TestApp::sqlite().await;
    let page = app.get(DOCS_PATH, None).await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.body).to_string();
    assert!(html.contains("swagger"), "{html}");
    let config = app
        .get(&format!("{DOCS_PATH}swagger-initializer.js"), None)
        .await;
    assert_eq!(config.status, 200);
    let script = String::from_utf8_lossy(&config.body).to_string();
    assert!(script.contains("/api/v1/openapi.json"), "{script}");
    for text in [&html, &script] {
        assert!(
            !text.contains("https://") && !text.contains("http://"),
            "external reference in {text}"
        );
    }
}

/// The codes a client can meet come from the refusals themselves, and a route's own list of
/// them names no code that does not exist.
#[actix_web::test]
async fn refusal_codes_come_from_the_code() {
    use consult::domain::refusal::Refusal;
    let app = TestApp::sqlite().await;
    let spec = app.get("/api/v1/openapi.json", None).await.json();
    let listed: BTreeSet<String> = spec["components"]["schemas"]["RefusalCode"]["enum"]
        .as_array()
        .expect("RefusalCode")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    let known: BTreeSet<String> = Refusal::ALL.iter().map(|r| r.code().to_owned()).collect();
    assert_eq!(listed, known);

    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let Some(conflict) = operation["responses"]["409"]["description"].as_str() else {
                continue;
            };
            for code in conflict.split('`').skip(1).step_by(2) {
                assert!(
                    known.contains(code),
                    "{method} {path} lists `{code}`, which no refusal has"
                );
            }
        }
    }
}

/// Every error response says its body is a problem document, and every operation that needs a
/// token documents the 401 it answers without one.
#[actix_web::test]
async fn every_error_response_is_a_problem_document() {
    let app = TestApp::sqlite().await;
    let spec = app.get("/api/v1/openapi.json", None).await.json();
    let shared = &spec["components"]["responses"]["Unauthenticated"];
    assert_eq!(
        shared["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    let mut errors = 0;
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                if status.as_str() < "400" || response.get("$ref").is_some() {
                    continue;
                }
                errors += 1;
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            assert_eq!(
                responses.get("401").map(|r| r["$ref"].clone()),
                secured.then(|| "#/components/responses/Unauthenticated".into()),
                "{method} {path}"
            );
        }
    }
    assert!(errors > 100, "only {errors} error responses documented");
}
