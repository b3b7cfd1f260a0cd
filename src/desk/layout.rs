//! The frame every desk page shares, and how the desk writes times and states.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::NaiveDateTime;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::service::sessions::Session;

/// A page for a signed-in member of staff: the header names them and signs them out.
pub fn page(title: &str, session: &Session, body: Markup) -> HttpResponse {
    respond(StatusCode::OK, frame(title, body, Some(session)))
}

/// A page for a signed-in member of staff, cut where its body goes on after `before`: the
/// start and the end of a page whose middle is written as it is read.
pub fn split_page(title: &str, session: &Session, before: Markup) -> (String, String) {
    // A private-use character; only the frame's own markup follows it, so its last place is
    // the cut whatever the text before it holds.
    const CUT: &str = "\u{E000}";
    let whole = frame(title, html! { (before) (PreEscaped(CUT)) }, Some(session));
    match whole.rsplit_once(CUT) {
        Some((top, bottom)) => (top.to_owned(), bottom.to_owned()),
        None => (whole, String::new()),
    }
}

/// A page outside a session (signing in, errors).
pub fn bare(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    respond(status, frame(title, html! { h1 { (title) } (body) }, None))
}

fn respond(status: StatusCode, document: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(document)
}

/// The whole document: the header (with who is signed in, and signing out), then `body`.
fn frame(title: &str, body: Markup, session: Option<&Session>) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 征求意见工作台" }
                link rel="stylesheet" href="/desk/static/desk.css";
                script src="/desk/static/desk.js" defer {}
            }
            body {
                header.top {
                    a.home href="/desk" { "征求意见工作台" }
                    @if let Some(session) = session {
                        span.who { (session.person.name) }
                        form.sign-out method="post" action="/desk/sign-out" {
                            input type="hidden" name="csrf" value=(session.row.csrf);
                            button type="submit" { "退出" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// A stored UTC time as the round's clock reads it: `2026-12-07 18:00`.
pub fn local(at: NaiveDateTime, zone: &chrono_tz::Tz) -> String {
    crate::domain::round::local(at.and_utc(), zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A clause as a list names it: its number, and its heading or the start of its text.
pub fn clause_label(number: &str, heading: Option<&str>, text: &str) -> String {
    let words = match heading {
        Some(heading) => heading.to_owned(),
        None if text.chars().count() > 16 => {
            format!("{}…", text.chars().take(16).collect::<String>())
        }
        None => text.to_owned(),
    };
    format!("{number} {words}")
}
