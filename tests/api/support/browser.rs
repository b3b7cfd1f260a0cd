//! A headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs): just the commands the desk's tests use, sent as JSON over the same
//! plain HTTP client that talks to the served app.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use std::io::{Read, Write};
use std::net::TcpStream;

use super::served::{Request, start_timeout};

/// What chromedriver answers: its status and body. It keeps connections open whatever the
/// request asks, so an answer is read to its `Content-Length`, not to the connection's end.
fn send_to(port: u16, request: &Request<'_>) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(start_timeout()))?;
    let mut bytes = request.head().into_bytes();
    bytes.extend_from_slice(&request.body);
    stream.write_all(&bytes)?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "cut short");
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|code| code.parse().ok())
                .ok_or_else(cut)?;
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    return Err(cut());
                }
                raw.extend_from_slice(&chunk[..n]);
            }
            return Ok((status, raw[end + 4..end + 4 + length].to_vec()));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(cut());
        }
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// The key WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// WebDriver's code for the Alt key.
pub const ALT: &str = "\u{E00A}";
/// WebDriver's code for Enter.
pub const ENTER: &str = "\u{E007}";

/// `CONSULT_CHROMEDRIVER`, else `chromedriver` on the path. Required when `CI=true`; the
/// browser tests are skipped with a notice otherwise.
fn chromedriver() -> Option<String> {
    super::required_tool(
        "CONSULT_CHROMEDRIVER",
        "chromedriver",
        "the browser tests are",
    )
}

/// A running chromedriver with one browser session; both end when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
    /// Where the browser saves what it downloads.
    downloads: tempfile::TempDir,
}

impl Browser {
    /// A new headless browser, `None` where no driver is installed (outside CI).
    pub fn start() -> Option<Browser> {
        let command = chromedriver()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(command)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let started = Instant::now();
        while send_to(port, &Request::get("/status", None)).is_err() {
            assert!(
                started.elapsed() < start_timeout(),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("a profile folder");
        let downloads = tempfile::tempdir().expect("a downloads folder");
        let binary =
            std::env::var("CONSULT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        // Without the background-networking flags Chromium keeps calling out of a machine
        // that has no way out.
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--lang=zh-CN".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
            downloads,
        };
        let prefs = json!({
            "download.default_directory": browser.downloads.path().display().to_string(),
            "download.prompt_for_download": false,
        });
        let made = browser.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": binary, "args": args, "prefs": prefs},
            }}}),
        );
        browser.session = made["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a browser session: {made}"))
            .to_owned();
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let mut request = Request::post(path, None, &body);
        request.method = method;
        if method == "GET" || method == "DELETE" {
            request.body.clear();
        }
        let (status, body) = send_to(self.port, &request).expect("chromedriver answers");
        let value: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("chromedriver: {}", String::from_utf8_lossy(&body)));
        assert_eq!(status, 200, "{method} {path}: {value}");
        value
    }

    fn session(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub fn go(&self, url: &str) {
        self.session("POST", "/url", json!({"url": url}));
    }

    /// The page's address now.
    pub fn url(&self) -> String {
        self.session("GET", "/url", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's markup now.
    pub fn source(&self) -> String {
        self.session("GET", "/source", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element `css` selects.
    pub fn find(&self, css: &str) -> String {
        let found = self.session(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    pub fn click(&self, element: &str) {
        self.session("POST", &format!("/element/{element}/click"), json!({}));
    }

    /// Types `text` into the element.
    pub fn type_into(&self, element: &str, text: &str) {
        self.session(
            "POST",
            &format!("/element/{element}/value"),
            json!({"text": text}),
        );
    }

    /// Presses `key` with Alt held, as a person at the keyboard does.
    pub fn alt(&self, key: &str) {
        self.session(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": ALT},
                {"type": "keyDown", "value": key},
                {"type": "keyUp", "value": key},
                {"type": "keyUp", "value": ALT},
            ]}]}),
        );
        self.session("DELETE", "/actions", Value::Null);
    }

    /// Presses each of `keys` in turn, with no modifier, wherever the focus is.
    pub fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|key| {
                let key = key.to_string();
                [
                    json!({"type": "keyDown", "value": key}),
                    json!({"type": "keyUp", "value": key}),
                ]
            })
            .collect();
        self.session(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        self.session("DELETE", "/actions", Value::Null);
    }

    /// What `script` returns in the page.
    pub fn run(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Waits until the page's markup holds `text`; panics with the page if it never does.
    pub fn wait_for(&self, text: &str) {
        let started = Instant::now();
        loop {
            let source = self.source();
            if source.contains(text) {
                return;
            }
            assert!(
                started.elapsed() < start_timeout(),
                "the page never showed {text:?}: {source}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the download the page started to land, and reads it.
    pub fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let started = Instant::now();
        loop {
            if let Ok(bytes) = std::fs::read(&path) {
                return bytes;
            }
            assert!(
                started.elapsed() < start_timeout(),
                "nothing was downloaded as {name}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the whole window.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let encoded = self.session("GET", "/screenshot", Value::Null);
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let mut request = Request::get(&path, None);
            request.method = "DELETE";
            let _ = send_to(self.port, &request);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
