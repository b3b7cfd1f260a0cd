//! Bounded resources, seen from outside the real server: a body that never arrives.

use std::io::Write;
use std::net::TcpStream;

use crate::support::served::{Request, Served, consult, read_answer, start_timeout, token};

/// A request that declares a body and sends none of it is answered 408 once the body timeout
/// passes, on a JSON route, on a keyed one (read before the route), and on the upload route.
#[test]
fn a_body_that_never_arrives_is_408() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("slow.db").display());
    assert!(consult(&url, &["seed"]).status.success());
    let admin = token(&url, &["--role", "admin"]);
    let agency = token(&url, &["--agency", "xihu"]);
    let server = Served::start(&url, &[("CONSULT_BODY_TIMEOUT_SECONDS", "1".to_owned())]);
    let request = server
        .send(&Request::get("/api/v1/requests", Some(&agency)))
        .expect("requests")
        .json()["items"][0]["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let upload = format!("/api/v1/requests/{request}/attachments?filename=letter.pdf");
    let cases = [
        ("/api/v1/agencies", admin.as_str(), "application/json", None),
        (
            "/api/v1/agencies",
            admin.as_str(),
            "application/json",
            Some("slow-1"),
        ),
        (upload.as_str(), agency.as_str(), "application/pdf", None),
    ];
    for (path, token, content_type, key) in cases {
        let mut stalled = Request {
            method: "POST",
            path,
            token: Some(token),
            headers: vec![("Content-Type", content_type.to_owned())],
            body: Vec::new(),
        };
        if let Some(key) = key {
            stalled = stalled.header("Idempotency-Key", key);
        }
        // The head declares 100 bytes; 10 come, then nothing.
        let head = stalled
            .head()
            .replace("Content-Length: 0", "Content-Length: 100");
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream
            .set_read_timeout(Some(start_timeout()))
            .expect("timeout");
        stream.write_all(head.as_bytes()).expect("head");
        stream.write_all(b"{\"code\": \"").expect("a start");
        let answer = read_answer(&mut stream).expect("an answer before the test gives up");
        assert_eq!(answer.status, 408, "{path} {key:?}: {answer:?}");
        assert_eq!(answer.json()["code"], "request_timeout");
    }
    // The stalled key was released: the same request sent whole now runs.
    let whole = Request::post(
        "/api/v1/agencies",
        Some(&admin),
        &serde_json::json!({"code": "slow", "name": "慢单位", "kind": "other", "emails": ["a@b.example"]}),
    )
    .header("Idempotency-Key", "slow-1");
    assert_eq!(server.send(&whole).expect("answer").status, 201);
}
