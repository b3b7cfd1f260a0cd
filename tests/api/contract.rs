//! The served OpenAPI document is the contract: schemathesis (PyPI, pinned in
//! `.ci/schemathesis.txt`, installed by `.ci/run`) generates requests from it for each role and
//! checks every answer against it: no server error, no status the document does not list, and
//! bodies and content types as documented.

use std::process::Command;

use crate::support::postgres::TestDatabase;
use crate::support::required_tool;
use crate::support::served::{Served, consult, token};

/// The schemathesis command: `CONSULT_SCHEMATHESIS`, else `st` on the path. Required when
/// `CI=true`; skipped with a notice otherwise.
fn schemathesis() -> Option<String> {
    required_tool("CONSULT_SCHEMATHESIS", "st", "the contract test is")
}

/// Seconds of generated requests per role (`CONSULT_SCHEMATHESIS_SECONDS`, 20 unless set).
fn budget() -> u64 {
    std::env::var("CONSULT_SCHEMATHESIS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

#[test]
fn sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    holds_for_every_role(&format!(
        "sqlite://{}",
        dir.path().join("contract.db").display()
    ));
}

#[test]
fn postgres() {
    if let Some(database) = TestDatabase::create() {
        holds_for_every_role(&database.url);
    }
}

fn holds_for_every_role(url: &str) {
    let Some(st) = schemathesis() else {
        return;
    };
    assert!(consult(url, &["seed"]).status.success());
    let tokens = [
        ("admin", token(url, &["--role", "admin"])),
        ("drafter", token(url, &["--role", "drafter"])),
        ("agency", token(url, &["--agency", "xihu"])),
    ];
    // Generated requests come fast from one address and token: the limits are tested elsewhere.
    let unlimited = [
        "CONSULT_RATE_LIMIT_TOKEN_PER_MINUTE",
        "CONSULT_RATE_LIMIT_ADDRESS_PER_MINUTE",
        "CONSULT_RATE_LIMIT_FAILED_AUTH_PER_MINUTE",
    ]
    .map(|name| (name, "0".to_owned()));
    let server = Served::start(url, &unlimited);
    let reports = tempfile::tempdir().expect("dir");
    for (role, secret) in &tokens {
        let run = Command::new(&st)
            .arg("run")
            .arg(format!("http://127.0.0.1:{}/api/v1/openapi.json", server.port))
            .args(["--header", &format!("Authorization: Bearer {secret}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            .args(["--max-time", &budget().to_string()])
            // One worker: with more, schemathesis 4.32 has been seen to fail in its own code.
            .args(["--workers", "1", "--seed", "20261201", "--no-color"])
            .arg("--report-dir")
            .arg(reports.path())
            .current_dir(reports.path())
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("run schemathesis");
        let out = String::from_utf8_lossy(&run.stdout);
        let summary = out
            .lines()
            .skip_while(|line| !line.contains("SUMMARY"))
            .collect::<Vec<_>>()
            .join("\n");
        // The failures and the summary are at the end; the rest is progress.
        let tail: String = {
            let chars: Vec<char> = out.chars().collect();
            chars[chars.len().saturating_sub(12_000)..].iter().collect()
        };
        assert!(
            run.status.success(),
            "{role}: schemathesis found failures:\n{tail}"
        );
        assert!(
            summary.contains("generated") && summary.contains("passed"),
            "{role}: no summary:\n{out}"
        );
    }
}
