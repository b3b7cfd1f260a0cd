//! The curl walk-through in docs/api.md, run as written against a running server, so that the
//! document cannot drift from what the service does.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::served::start_timeout;

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `sh` blocks of a Markdown file, in order.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Every curl in the walk-through goes through this: a connection that fails, a 5xx, or an
/// answer that means the example itself is wrong (a bad body, no token, a wrong URL or method,
/// a wrong content type) stops the run. Refusals of the workflow (409, 412, 422, 428) are what
/// some examples show, and pass.
const PRELUDE: &str = r#"set -euo pipefail
curl() {
    local out status
    out=$(command curl -sS -w '\n%{http_code}' "$@") || { echo "curl failed: $*" >&2; return 1; }
    status=${out##*$'\n'}
    printf '%s\n' "${out%$'\n'*}"
    case "$status" in
        000|400|401|403|404|405|413|415|5??) echo "HTTP $status from: curl $*" >&2; return 1 ;;
    esac
}
"#;

#[test]
fn the_api_walk_through_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join("docs/api.md")).expect("docs/api.md");
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(root.join("seeds"), dir.path().join("seeds")).expect("seeds");
    std::fs::write(
        dir.path().join("复函.pdf"),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n",
    )
    .expect("a letter to attach");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let database = format!("sqlite://{}", dir.path().join("consult.db").display());
    let consult = env!("CARGO_BIN_EXE_consult");
    let _server = Server(
        Command::new(consult)
            .arg("serve")
            .current_dir(dir.path())
            .env("DATABASE_URL", &database)
            .env("CONSULT_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .env_remove("SMTP_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("consult serve"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < start_timeout(),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut script = String::from(PRELUDE);
    script.push_str(&format!("export DATABASE_URL='{database}'\n"));
    for block in sh_blocks(&markdown) {
        for line in block.lines() {
            // The server runs already; commands run the binary the tests built.
            if line.trim_end().ends_with("serve &") {
                continue;
            }
            let line = line
                .replace("cargo run --release -q --", &format!("'{consult}'"))
                .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
            script.push_str(&line);
            script.push('\n');
        }
    }
    let mut file = std::fs::File::create(dir.path().join("walkthrough.sh")).expect("script");
    file.write_all(script.as_bytes()).expect("write script");
    let run = Command::new("bash")
        .arg("walkthrough.sh")
        .current_dir(dir.path())
        .output()
        .expect("bash");
    assert!(
        run.status.success(),
        "the walk-through stopped:\n{}\n--- output ---\n{}",
        String::from_utf8_lossy(&run.stderr),
        String::from_utf8_lossy(&run.stdout)
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
