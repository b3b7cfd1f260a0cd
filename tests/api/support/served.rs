//! The real `consult serve` process, for what only a process shows: a kill, a restart, a stop,
//! a slow client. Requests go over plain TCP, one connection each, so that a server that dies
//! mid-answer is seen as no answer.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for a server to listen or a command to finish
/// (`CONSULT_TEST_START_SECS`, default 30).
pub fn start_timeout() -> Duration {
    let seconds = std::env::var("CONSULT_TEST_START_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(seconds)
}

/// Runs `consult ARGS` over `database_url` and waits for it.
pub fn consult(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consult"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run consult")
}

/// A token made on the command line, as an office bootstraps one.
pub fn token(database_url: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--name", "测试"];
    all.extend_from_slice(args);
    let output = consult(database_url, &all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A running `consult serve`; killed when dropped.
pub struct Served {
    child: Option<Child>,
    pub port: u16,
}

impl Served {
    /// Starts the server over `database_url` with the settings `vars`, on a free port, and
    /// waits until it accepts connections.
    pub fn start(database_url: &str, vars: &[(&str, String)]) -> Served {
        Served::spawn(database_url, vars, Stdio::null())
    }

    /// Starts the server as [`Served::start`] does, its log going to `log`.
    pub fn logging_to(
        database_url: &str,
        vars: &[(&str, String)],
        log: &std::path::Path,
    ) -> Served {
        let file = std::fs::File::create(log).expect("the log file");
        Served::spawn(database_url, vars, Stdio::from(file))
    }

    fn spawn(database_url: &str, vars: &[(&str, String)], log: Stdio) -> Served {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_consult"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CONSULT_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .env_remove("SMTP_URL")
            .stdout(Stdio::null())
            .stderr(log);
        for (name, value) in vars {
            command.env(name, value);
        }
        let served = Served {
            child: Some(command.spawn().expect("consult serve")),
            port,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < start_timeout(),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        served
    }

    /// The process id, for a signal.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as a service manager stops a service, and the wait for it to exit.
    pub fn terminate(mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("a running server");
        let asked = Instant::now();
        let signalled = Command::new("kill")
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(signalled.success());
        let status = child.wait().expect("wait for the server");
        (status, asked.elapsed())
    }

    /// The round and id of the first request the agency with `token` was sent.
    pub fn first_request(&self, token: &str) -> (String, String) {
        let requests = self
            .send(&Request::get("/api/v1/requests", Some(token)))
            .expect("requests")
            .json();
        let field = |name: &str| {
            requests["items"][0][name]
                .as_str()
                .unwrap_or_else(|| panic!("a request: {requests}"))
                .to_owned()
        };
        (field("round_id"), field("id"))
    }

    /// One request on a connection of its own.
    pub fn send(&self, request: &Request<'_>) -> io::Result<Answer> {
        send_to(self.port, request)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A request to send.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub token: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Vec<u8>,
}

impl<'a> Request<'a> {
    pub fn get(path: &'a str, token: Option<&'a str>) -> Request<'a> {
        Request {
            method: "GET",
            path,
            token,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post(path: &'a str, token: Option<&'a str>, body: &serde_json::Value) -> Request<'a> {
        Request {
            method: "POST",
            path,
            token,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: serde_json::to_vec(body).expect("json"),
        }
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Request<'a> {
        self.headers.push((name, value.into()));
        self
    }

    /// The request's head, up to and including the blank line.
    pub fn head(&self) -> String {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.method,
            self.path,
            self.body.len()
        );
        if let Some(token) = self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head
    }
}

/// Sends `request` to the server on `port`, on a connection of its own, and reads the answer.
pub fn send_to(port: u16, request: &Request<'_>) -> io::Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(start_timeout()))?;
    let mut bytes = request.head().into_bytes();
    bytes.extend_from_slice(&request.body);
    stream.write_all(&bytes)?;
    read_answer(&mut stream)
}

/// An answer read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("JSON body: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Reads a `Connection: close` answer to its end; an answer cut short is an error.
pub fn read_answer(stream: &mut TcpStream) -> io::Result<Answer> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let cut = || io::Error::new(io::ErrorKind::UnexpectedEof, "the answer was cut short");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(cut)?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(cut)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = raw[end + 4..].to_vec();
    let declared = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length != body.len()) {
        return Err(cut());
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}
