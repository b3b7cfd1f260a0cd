//! The refusals: requests that are well-formed but that the workflow turns down as things
//! stand. Each has a stable code that clients match on; the detail sent with it says the rest.

/// How a refusal is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 409: the request clashes with the state of things (a rule, a taken value).
    Conflict,
    /// 422: the request cannot be processed, though no single field is to blame.
    Unprocessable,
}

macro_rules! refusals {
    ($($variant:ident => $code:literal, $answer:ident, $meaning:literal;)+) => {
        /// Every refusal the service gives.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Refusal {
            $(#[doc = $meaning] $variant,)+
        }

        impl Refusal {
            /// Every refusal, in the order of the list.
            pub const ALL: &[Refusal] = &[$(Refusal::$variant,)+];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Refusal::$variant => $code,)+
                }
            }

            /// How it is answered.
            pub fn answer(self) -> Answer {
                match self {
                    $(Refusal::$variant => Answer::$answer,)+
                }
            }

            /// What it means, in a line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Refusal::$variant => $meaning,)+
                }
            }
        }
    };
}

refusals! {
    AgencyCodeTaken => "agency_code_taken", Conflict, "Another agency has the code.";
    AlreadyExists => "already_exists", Conflict, "An object with these values exists.";
    AgencyDrafts => "agency_drafts", Conflict, "The agency has comments of its own not yet submitted: it submits them itself.";
    AlreadyInvited => "already_invited", Conflict, "The agency has a request in the round already.";
    AlreadyReplied => "already_replied", Conflict, "The agency has replied, so its request stays in the round.";
    AttachmentsFull => "attachments_full", Conflict, "The request holds as many files, or as many bytes of them, as it may.";
    CheckFailed => "check_failed", Conflict, "The consistency check finds problems; publish with an override reason, or fix them.";
    ClaimExpired => "claim_expired", Conflict, "The claim code has expired: the office issues a new one.";
    ClaimReplaced => "claim_replaced", Conflict, "A newer claim code was issued for the request: use that one.";
    ClaimUsed => "claim_used", Conflict, "The claim code was exchanged already: it works once.";
    CommentDecided => "comment_decided", Conflict, "The comment has a decision of its own, so it cannot join a group.";
    CommentGrouped => "comment_grouped", Conflict, "The comment is in a group: it is decided through the group, or taken out first.";
    DeadlinePassed => "deadline_passed", Conflict, "The deadline has passed.";
    DecisionsNotPublished => "decisions_not_published", Conflict, "The office has not published its decisions yet.";
    DecisionsPublished => "decisions_published", Conflict, "The decisions are published: the round's record is closed.";
    DraftExists => "draft_exists", Conflict, "The document has a draft version already.";
    GroupDecided => "group_decided", Conflict, "The group has a decision: change the decision rather than the group.";
    IdempotencyKeyReused => "idempotency_key_reused", Unprocessable, "The Idempotency-Key was used with a different request.";
    IdempotencyRequestInProgress => "idempotency_request_in_progress", Conflict, "The first request with this Idempotency-Key is still running, or a retry took it over.";
    NextVersionUnpublished => "next_version_unpublished", Conflict, "The next version is a draft: publish it before the decisions that shaped it.";
    NoCommenters => "no_commenters", Conflict, "No agency commented in the round followed up.";
    NoCommentsToSubmit => "no_comments_to_submit", Conflict, "There are no comments to submit.";
    NoReply => "no_reply", Conflict, "There is no reply to withdraw.";
    NotFailed => "not_failed", Conflict, "Only an email that was given up can be retried.";
    NothingChanged => "nothing_changed", Conflict, "No clause changed in the next version.";
    PersonRetired => "person_retired", Conflict, "The person has left the office.";
    PlaceholdersRemain => "placeholders_remain", Conflict, "Unfilled figures remain; fill them or give a reason to publish anyway.";
    RequestCancelled => "request_cancelled", Conflict, "The request is cancelled.";
    RoundClosed => "round_closed", Conflict, "The round is closed.";
    RoundNotClosed => "round_not_closed", Conflict, "The round has not closed yet.";
    RoundNotOpen => "round_not_open", Conflict, "The round has not opened yet.";
    RoundOpen => "round_open", Conflict, "The round is open.";
    RoundOpened => "round_opened", Conflict, "The round is open already.";
    SecretIssuedOnce => "secret_issued_once", Conflict, "The request with this Idempotency-Key made a secret, which is sent only once: revoke what it made and make another if the answer was lost.";
    TokenRevoked => "token_revoked", Conflict, "The token is revoked already.";
    VersionNotPublished => "version_not_published", Conflict, "The version is not published.";
    VersionPublished => "version_published", Conflict, "A published version cannot change.";
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let codes: HashSet<&str> = Refusal::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Refusal::ALL.len());
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
}
