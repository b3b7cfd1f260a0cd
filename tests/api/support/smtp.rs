//! A small SMTP receiver for tests: accepts every message on a loopback port and keeps it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// A message as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub recipients: Vec<String>,
    pub data: String,
}

impl Received {
    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}: ", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }

    /// The plain-text part, decoded from its transfer encoding.
    pub fn text(&self) -> String {
        let data = self.data.replace("\r\n", "\n");
        let start = data
            .find("Content-Type: text/plain")
            .expect("a text/plain part");
        let part = &data[start..];
        let (headers, rest) = part.split_once("\n\n").expect("the part's body");
        let body = rest.split("\n--").next().unwrap_or(rest);
        let encoding = headers
            .lines()
            .find_map(|line| line.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .trim()
            .to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                use base64::Engine;
                let joined: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64 body");
                String::from_utf8(bytes)
                    .expect("UTF-8 body")
                    .replace("\r\n", "\n")
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_owned(),
        }
    }
}

/// Decodes quoted-printable text (RFC 2045): `=XX` bytes and `=` soft line breaks.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// A running receiver; it stops when dropped.
pub struct Receiver {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Starts a receiver on a free port.
    pub fn start() -> Receiver {
        Receiver::on(0)
    }

    /// Starts a receiver on `port` (0 for any free one).
    pub fn on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP receiver");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("address").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let kept = messages.clone();
        accept(listener, stop.clone(), move |stream| {
            let kept = kept.clone();
            thread::spawn(move || {
                let _ = serve(stream, &kept);
            });
        });
        Receiver {
            port,
            messages,
            stop,
        }
    }

    /// What it has received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Hands each connection `listener` takes to `on_connection`, on a thread of its own, until
/// `stop` is set.
fn accept(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    mut on_connection: impl FnMut(TcpStream) + Send + 'static,
) {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => on_connection(stream),
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

fn serve(stream: TcpStream, kept: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    writer.write_all(b"220 receiver ESMTP\r\n")?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            writer.write_all(b"250-receiver\r\n250 8BITMIME\r\n")?;
        } else if command.starts_with("MAIL FROM") {
            recipients.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_matches(['<', '>'])
                .to_owned();
            recipients.push(address);
            writer.write_all(b"250 OK\r\n")?;
        } else if command == "DATA" {
            writer.write_all(b"354 go on\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Received {
                    recipients: std::mem::take(&mut recipients),
                    data: data.replace("\r\n", "\n"),
                });
            writer.write_all(b"250 accepted\r\n")?;
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            writer.write_all(b"250 OK\r\n")?;
        }
    }
}

/// A mail server that takes connections and never answers, as a hung one does.
pub struct Stalled {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Stalled {
    pub fn start() -> Stalled {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the stalled server");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let counted = connections.clone();
        let mut held = Vec::new();
        accept(listener, stop.clone(), move |stream| {
            held.push(stream);
            counted.fetch_add(1, Ordering::SeqCst);
        });
        Stalled {
            port,
            connections,
            stop,
        }
    }

    /// Connections taken so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

impl Drop for Stalled {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Delivers everything the outbox holds that is due to `receiver`, in one worker step, with
/// `address` as the service's address in the letters; returns how many went.
pub fn deliver(app: &super::TestApp, receiver: &Receiver, address: Option<&str>) -> usize {
    use consult::email::delivery::{self, DeliveryPolicy, Mailer, Shift};
    let mut mailer = Mailer::from_url(
        &receiver.url(),
        "发改委 <consult@fgw.hangzhou.example>",
        Duration::from_secs(5),
    )
    .expect("mailer");
    if let Some(address) = address {
        mailer = mailer.serving(address);
    }
    let policy = DeliveryPolicy {
        batch: 500,
        ..DeliveryPolicy::default()
    };
    delivery::step(
        app.db(),
        &mailer,
        app.clock.now(),
        &policy,
        &Shift::default(),
    )
    .expect("delivery")
    .sent
}
