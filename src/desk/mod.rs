//! The drafters' desk: the round worked from a browser, in server-rendered pages and plain
//! forms, over the same service layer as the API. Staff sign in once with a token of theirs;
//! the browser then holds a session cookie, never the token. Every form carries the session's
//! CSRF token, and every page is in Chinese and readable in print.

mod decide;
mod draft;
mod error;
mod layout;
mod publish;
mod rounds;
mod session;
mod sign_in;
mod table;
mod triage;
mod versions;

use actix_web::http::header;
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpResponse, Responder};

/// Where the desk is served.
pub const PATH: &str = "/desk";

/// The desk's stylesheet and script, built into the binary: nothing is fetched from elsewhere.
const STYLE: &str = include_str!("static/desk.css");
const SCRIPT: &str = include_str!("static/desk.js");

/// Registers the desk's pages.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        web::scope(PATH)
            .route("", web::get().to(rounds::list))
            .route("/", web::get().to(rounds::list))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::sign_in))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/rounds/{id}", web::get().to(rounds::show))
            .route("/rounds/{id}/draft", web::get().to(draft::show))
            .route("/rounds/{id}/next", web::get().to(versions::show))
            .route("/rounds/{id}/next", web::post().to(versions::create))
            .route(
                "/rounds/{id}/next/publish",
                web::post().to(versions::publish),
            )
            .route("/rounds/{id}/check", web::get().to(publish::check))
            .route("/rounds/{id}/close", web::post().to(publish::close))
            .route("/rounds/{id}/publish", web::post().to(publish::publish))
            .route("/rounds/{id}/table", web::get().to(table::page))
            .route("/rounds/{id}/table.csv", web::get().to(table::csv))
            .route("/rounds/{id}/table.xlsx", web::get().to(table::xlsx))
            .route("/comments/{id}/decision", web::post().to(decide::decide))
            .route("/comments/{id}/assignee", web::post().to(triage::assign))
            .route("/comments/{id}/notes", web::post().to(triage::note))
            .route("/rounds/{id}/groups", web::post().to(triage::group))
            .route("/groups/{id}", web::post().to(triage::change_group))
            .route(
                "/groups/{id}/decision",
                web::post().to(decide::decide_group),
            )
            .route("/static/desk.css", web::get().to(style))
            .route("/static/desk.js", web::get().to(script)),
    );
}

async fn style() -> impl Responder {
    asset("text/css; charset=utf-8", STYLE)
}

async fn script() -> impl Responder {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
