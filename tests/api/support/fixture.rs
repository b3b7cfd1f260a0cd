//! States a test is about, reached through the workflow in one transaction each rather than
//! through the HTTP calls that lead there (those calls have tests of their own).

use consult::db::audit::Actor;
use consult::db::{DbConnection, decision, round};
use consult::domain::comment::{CommentKind, Quote};
use consult::domain::decision::{Outcome, SubjectKind};
use consult::domain::round::ReplySource;
use consult::service::commenting::{self, Author, CommentInput};
use consult::service::decisions::{self, DecisionInput};
use consult::service::error::ServiceError;
use consult::service::groups;
use consult::service::replies::{self, ReplyDetails};

use super::TestApp;

/// A comment to submit: what it asks, on which clause, in which words.
pub struct Comment(CommentInput);

impl Comment {
    /// A comment of `kind` on `clause` (none for a general one).
    pub fn new(kind: CommentKind, clause: Option<&str>, body: &str) -> Comment {
        Comment(CommentInput {
            kind,
            clause_key: clause.map(str::to_owned),
            quote: None,
            body: body.to_owned(),
            proposed_text: None,
            rationale: None,
        })
    }

    /// Pointing at `passage` of the clause.
    pub fn quoting(mut self, passage: &str) -> Comment {
        self.0.quote = Some(Quote {
            exact: passage.to_owned(),
            ..Quote::default()
        });
        self
    }

    /// Proposing `wording` for the clause.
    pub fn proposing(mut self, wording: &str) -> Comment {
        self.0.proposed_text = Some(wording.to_owned());
        self
    }
}

/// Builds states over a test app's database.
pub struct Fixture<'a> {
    app: &'a TestApp,
}

impl TestApp {
    /// Builders over this app's database.
    pub fn fixture(&self) -> Fixture<'_> {
        Fixture { app: self }
    }
}

impl Fixture<'_> {
    fn write<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, ServiceError>) -> T {
        self.app.db().write_now(f).expect("fixture")
    }

    /// The demo round (the demo data must be loaded).
    pub fn demo_round(&self) -> String {
        self.write(|conn| {
            let rounds = round::list_rounds(conn, None)?;
            rounds
                .into_iter()
                .next()
                .map(|r| r.id)
                .ok_or(ServiceError::NotFound)
        })
    }

    /// The agency with `code` writes `comments` in round `round_id` and submits them as its
    /// reply; returns the comments' ids in order.
    pub fn submitted(&self, round_id: &str, code: &str, comments: Vec<Comment>) -> Vec<String> {
        let now = self.app.clock.now();
        self.write(|conn| {
            let agency = consult::db::agency::find_by_id_or_code(conn, code)?
                .ok_or(ServiceError::NotFound)?;
            let actor = Actor::command_line();
            let rows = commenting::create_in_round(
                conn,
                &actor,
                round_id,
                Author::Agency {
                    agency_id: agency.id,
                    named: false,
                },
                comments.into_iter().map(|c| c.0).collect(),
                true,
                now,
            )?;
            let request =
                round::find_request(conn, &rows[0].request_id)?.ok_or(ServiceError::NotFound)?;
            let round = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
            commenting::submit(conn, &actor, &round, &request, reply_details(), now)?;
            Ok(rows.into_iter().map(|row| row.id).collect())
        })
    }

    /// The agency with `code` answers "no comments" in round `round_id`.
    pub fn no_comments(&self, round_id: &str, code: &str) {
        let now = self.app.clock.now();
        self.on_request(round_id, code, |conn, round, request| {
            let actor = Actor::command_line();
            replies::no_comments(conn, &actor, round, request, reply_details(), now)?;
            Ok(())
        })
    }

    /// The agency with `code` withdraws its standing reply in round `round_id`.
    pub fn withdrawn(&self, round_id: &str, code: &str) {
        let now = self.app.clock.now();
        self.on_request(round_id, code, |conn, round, request| {
            replies::withdraw(conn, &Actor::command_line(), round, request, now)?;
            Ok(())
        })
    }

    /// Runs `change` on the request of the agency with `code` in round `round_id`.
    fn on_request(
        &self,
        round_id: &str,
        code: &str,
        change: impl FnOnce(
            &mut DbConnection,
            &round::RoundRow,
            &round::RequestRow,
        ) -> Result<(), ServiceError>,
    ) {
        self.write(|conn| {
            let agency = consult::db::agency::find_by_id_or_code(conn, code)?
                .ok_or(ServiceError::NotFound)?;
            let round = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
            let request = round::requests_of_round(conn, round_id)?
                .into_iter()
                .find(|r| r.request.agency_id == agency.id)
                .ok_or(ServiceError::NotFound)?
                .request;
            change(conn, &round, &request)
        })
    }

    /// The office groups `comment_ids` of round `round_id` as like comments; returns the
    /// group's id.
    pub fn grouped(&self, round_id: &str, comment_ids: &[String]) -> String {
        let now = self.app.clock.now().naive_utc();
        self.write(|conn| {
            let round = round::find_round(conn, round_id)?.ok_or(ServiceError::NotFound)?;
            let actor = Actor::command_line();
            Ok(groups::create_group(conn, &actor, &round, "同类意见", comment_ids, now)?.id)
        })
    }

    /// The office decides comment `comment_id` with `outcome` (and a reason, which every
    /// outcome but adoption needs).
    pub fn decided(&self, comment_id: &str, outcome: Outcome) {
        self.decide(SubjectKind::Comment, comment_id, outcome);
    }

    /// The office decides group `group_id` with `outcome`: a new revision of its decision.
    pub fn decided_group(&self, group_id: &str, outcome: Outcome) {
        self.decide(SubjectKind::Group, group_id, outcome);
    }

    fn decide(&self, kind: SubjectKind, id: &str, outcome: Outcome) {
        let now = self.app.clock.now();
        self.write(|conn| {
            let round = match kind {
                SubjectKind::Comment => decisions::standing_comment(conn, id)?.1,
                SubjectKind::Group => {
                    let group = decision::find_group(conn, id)?.ok_or(ServiceError::NotFound)?;
                    round::find_round(conn, &group.round_id)?.ok_or(ServiceError::NotFound)?
                }
            };
            let current = decision::history(conn, id)?.last().map(|d| d.revision);
            decisions::decide(
                conn,
                &Actor::command_line(),
                &round,
                id,
                kind,
                current,
                DecisionInput {
                    outcome,
                    reason: outcome
                        .needs_reason()
                        .then(|| "已在其他条款中体现".to_owned()),
                    clause_keys: Vec::new(),
                },
                now,
            )?;
            Ok(())
        })
    }
}

fn reply_details() -> ReplyDetails {
    ReplyDetails {
        signer: "王强".into(),
        contact_name: "李明".into(),
        contact_phone: "0571-85000000".into(),
        note: None,
        source: ReplySource::Api,
        entered_by: None,
        attachments: Vec::new(),
    }
}
