//! Table definitions shared by both engines; types limited to those SQLite and PostgreSQL share.

diesel::table! {
    agencies (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        emails -> Text,
        locale -> Text,
        active -> Bool,
        illustrative -> Bool,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    desk_sessions (id_hash) {
        id_hash -> Text,
        person_id -> Text,
        token_id -> Text,
        csrf -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        agency_id -> Nullable<Text>,
        person_id -> Nullable<Text>,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_token_id -> Nullable<Text>,
        actor_name -> Text,
        actor_role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> Text,
        dedupe_key -> Text,
        kind -> Text,
        agency_id -> Nullable<Text>,
        round_id -> Nullable<Text>,
        recipients -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        message_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        secret -> Nullable<Text>,
    }
}

diesel::table! {
    claim_codes (id) {
        id -> Text,
        request_id -> Text,
        agency_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
        token_id -> Nullable<Text>,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (token_id, idempotency_key) {
        token_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        created_at -> Timestamp,
        locked_at -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        response_encoding -> Nullable<Text>,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        title -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    versions (id) {
        id -> Text,
        document_id -> Text,
        number -> Integer,
        label -> Text,
        state -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<Text>,
        placeholder_override -> Nullable<Text>,
    }
}

diesel::table! {
    clauses (version_id, key) {
        version_id -> Text,
        key -> Text,
        parent_key -> Nullable<Text>,
        ordinal -> Integer,
        kind -> Text,
        number -> Text,
        heading -> Nullable<Text>,
        text -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        document_id -> Text,
        version_id -> Text,
        title -> Text,
        instructions -> Text,
        time_zone -> Text,
        deadline -> Nullable<Timestamp>,
        working_days -> Nullable<Integer>,
        scope -> Nullable<Text>,
        accept_late -> Bool,
        reminder_hours -> Text,
        silence_is_no_comments -> Bool,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        state_reason -> Nullable<Text>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        share_report -> Bool,
        decisions_published_at -> Nullable<Timestamp>,
        decisions_published_by -> Nullable<Text>,
        check_override -> Nullable<Text>,
        follows_round_id -> Nullable<Text>,
        deadline_calendar -> Nullable<Text>,
        decisions_version_id -> Nullable<Text>,
        letter_reference -> Nullable<Text>,
        number_letters -> Bool,
    }
}

diesel::table! {
    requests (id) {
        id -> Text,
        round_id -> Text,
        agency_id -> Text,
        issued_at -> Nullable<Timestamp>,
        viewed_at -> Nullable<Timestamp>,
        extended_deadline -> Nullable<Timestamp>,
        extension_reason -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        last_activity_at -> Timestamp,
        created_at -> Timestamp,
        extension_calendar -> Nullable<Text>,
        extension_working_days -> Nullable<Integer>,
        extended_at -> Nullable<Timestamp>,
        letter_number -> Nullable<Integer>,
    }
}

diesel::table! {
    replies (id) {
        id -> Text,
        request_id -> Text,
        revision -> Integer,
        kind -> Text,
        signer -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        note -> Nullable<Text>,
        source -> Text,
        entered_by -> Nullable<Text>,
        submitted_at -> Timestamp,
        late -> Bool,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        request_id -> Text,
        reply_id -> Nullable<Text>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> Integer,
        sha256 -> Text,
        data -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        request_id -> Text,
        round_id -> Text,
        agency_id -> Text,
        kind -> Text,
        clause_key -> Nullable<Text>,
        quote_exact -> Nullable<Text>,
        quote_prefix -> Nullable<Text>,
        quote_suffix -> Nullable<Text>,
        quote_start -> Nullable<Integer>,
        quote_end -> Nullable<Integer>,
        body -> Text,
        proposed_text -> Nullable<Text>,
        rationale -> Nullable<Text>,
        entered_by -> Nullable<Text>,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    submitted_comments (reply_id, comment_id) {
        reply_id -> Text,
        comment_id -> Text,
        request_id -> Text,
        round_id -> Text,
        agency_id -> Text,
        kind -> Text,
        clause_key -> Nullable<Text>,
        clause_ordinal -> Integer,
        quote_exact -> Nullable<Text>,
        quote_prefix -> Nullable<Text>,
        quote_suffix -> Nullable<Text>,
        quote_start -> Nullable<Integer>,
        quote_end -> Nullable<Integer>,
        body -> Text,
        proposed_text -> Nullable<Text>,
        rationale -> Nullable<Text>,
        entered_by -> Nullable<Text>,
        submitted_at -> Timestamp,
        content_revision -> Integer,
        search_text -> Nullable<Text>,
        standing -> Bool,
        late -> Bool,
        decided -> Bool,
        assignee_person_id -> Nullable<Text>,
        decision_state -> Text,
    }
}

diesel::table! {
    clause_tallies (round_id, agency_id, clause_key) {
        round_id -> Text,
        agency_id -> Text,
        clause_key -> Text,
        comments -> BigInt,
        proposals -> BigInt,
        several_wordings -> Bool,
        wording_digest -> Nullable<Text>,
        decided -> BigInt,
    }
}

diesel::table! {
    comment_groups (id) {
        id -> Text,
        round_id -> Text,
        title -> Text,
        revision -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    triage (comment_id) {
        comment_id -> Text,
        round_id -> Text,
        assignee_person_id -> Nullable<Text>,
        group_id -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    comment_notes (id) {
        id -> Text,
        comment_id -> Text,
        round_id -> Text,
        author -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    decisions (subject_id, revision) {
        subject_id -> Text,
        revision -> Integer,
        round_id -> Text,
        subject_kind -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        clause_keys -> Text,
        decided_by -> Text,
        decided_by_token -> Nullable<Text>,
        decided_at -> Timestamp,
        answered -> Text,
        stale -> Bool,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        source -> Text,
        holidays -> Text,
        working_weekends -> Text,
        loaded_at -> Timestamp,
        loaded_by -> Text,
    }
}

diesel::table! {
    receipts (number) {
        number -> Text,
        request_id -> Text,
        round_id -> Text,
        agency_id -> Text,
        reply_id -> Text,
        reply_revision -> Integer,
        kind -> Text,
        issued_at -> Timestamp,
        comment_count -> Integer,
        file_count -> Integer,
    }
}

diesel::joinable!(api_tokens -> agencies (agency_id));
diesel::joinable!(api_tokens -> people (person_id));
diesel::joinable!(desk_sessions -> people (person_id));
diesel::joinable!(desk_sessions -> api_tokens (token_id));
diesel::joinable!(claim_codes -> requests (request_id));
diesel::joinable!(submitted_comments -> agencies (agency_id));
diesel::joinable!(attachments -> requests (request_id));
diesel::joinable!(rounds -> versions (version_id));
diesel::joinable!(requests -> rounds (round_id));
diesel::joinable!(requests -> agencies (agency_id));
diesel::joinable!(replies -> requests (request_id));
diesel::joinable!(versions -> documents (document_id));
diesel::joinable!(clauses -> versions (version_id));
diesel::joinable!(audit_events -> api_tokens (actor_token_id));
diesel::joinable!(outbox_messages -> agencies (agency_id));
diesel::joinable!(idempotency_keys -> api_tokens (token_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    api_tokens,
    people,
    desk_sessions,
    audit_events,
    outbox_messages,
    idempotency_keys,
    documents,
    versions,
    clauses,
    rounds,
    requests,
    replies,
    attachments,
    comments,
    submitted_comments,
    comment_groups,
    triage,
    comment_notes,
    decisions,
    calendar_years,
    claim_codes,
    receipts,
);
