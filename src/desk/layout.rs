//! The frame every desk page shares, and how the desk writes times and states.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::NaiveDateTime;
use maud::{DOCTYPE, Markup, html};

use crate::service::sessions::Session;

/// A page for a signed-in member of staff: the header names them and signs them out.
pub fn page(title: &str, session: &Session, body: Markup) -> HttpResponse {
    respond(
        StatusCode::OK,
        title,
        html! {
            header.top {
                a.home href="/desk" { "征求意见工作台" }
                span.who { (session.person.name) }
                form.sign-out method="post" action="/desk/sign-out" {
                    input type="hidden" name="csrf" value=(session.row.csrf);
                    button type="submit" { "退出" }
                }
            }
            main { (body) }
        },
    )
}

/// A page outside a session (signing in, errors).
pub fn bare(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    respond(
        status,
        title,
        html! {
            header.top { a.home href="/desk" { "征求意见工作台" } }
            main { h1 { (title) } (body) }
        },
    )
}

fn respond(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let document = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 征求意见工作台" }
                link rel="stylesheet" href="/desk/static/desk.css";
                script src="/desk/static/desk.js" defer {}
            }
            body { (body) }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(document.into_string())
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
