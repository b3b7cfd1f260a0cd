//! Groups of like comments, decided together.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use serde_json::json;
use uuid::Uuid;

use super::decisions::{check_open_for_decisions, not_standing};
use crate::db::DbConnection;
use crate::db::audit::{self, Actor, Change};
use crate::db::comment;
use crate::db::decision::{self, GroupRow, TriageRow};
use crate::db::round::{self, RoundRow};
use crate::domain::refusal::Refusal;
use crate::service::error::ServiceError;

/// Checks that `comment_ids` are standing comments of the round, outside any group but
/// `allowed_group`, and without a decision of their own (which would come back unseen if they
/// left the group); returns them without repeats.
fn groupable(
    conn: &mut DbConnection,
    round: &RoundRow,
    comment_ids: &[String],
    field: &str,
    allowed_group: Option<&str>,
) -> Result<Vec<String>, ServiceError> {
    let standing: HashSet<String> = comment::standing_among(conn, &round.id, comment_ids)?
        .into_iter()
        .collect();
    let triage: HashMap<String, TriageRow> = decision::triage_among(conn, comment_ids)?
        .into_iter()
        .map(|t| (t.comment_id.clone(), t))
        .collect();
    let decided: HashSet<String> = decision::decided_among(conn, comment_ids)?
        .into_iter()
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for (i, id) in comment_ids.iter().enumerate() {
        if !standing.contains(id) {
            return Err(not_standing(format!("{field}[{i}]")));
        }
        if ids.contains(id) {
            continue;
        }
        let group = triage.get(id).and_then(|t| t.group_id.as_deref());
        if group.is_some_and(|g| Some(g) != allowed_group) {
            return Err(ServiceError::refused(
                Refusal::CommentGrouped,
                format!("comment {id} is in another group: take it out of that group first"),
            ));
        }
        if group.is_none() && decided.contains(id) {
            return Err(ServiceError::refused(
                Refusal::CommentDecided,
                format!(
                    "comment {id} has a decision of its own: group comments before deciding them"
                ),
            ));
        }
        ids.push(id.clone());
    }
    Ok(ids)
}

/// A group's title, whoever gives it: the API's body and the desk's form alike.
fn checked_title(title: &str) -> Result<String, ServiceError> {
    crate::domain::draft::validate_title(title).map_err(|error| {
        ServiceError::field(
            "title",
            "invalid_title",
            error.message.map(|m| m.into_owned()).unwrap_or_default(),
        )
    })?;
    Ok(title.trim().to_owned())
}

/// Starts a group of comments that say the same thing.
pub fn create_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    title: &str,
    comment_ids: &[String],
    now: NaiveDateTime,
) -> Result<GroupRow, ServiceError> {
    let title = checked_title(title)?;
    let round = round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    check_open_for_decisions(&round)?;
    let ids = groupable(conn, &round, comment_ids, "comment_ids", None)?;
    if ids.len() < 2 {
        return Err(ServiceError::field(
            "comment_ids",
            "length",
            "a group has at least two comments",
        ));
    }
    let row = GroupRow {
        id: Uuid::now_v7().to_string(),
        round_id: round.id.clone(),
        title,
        revision: 1,
        created_by: actor.name.clone(),
        created_at: now,
        updated_at: now,
    };
    decision::insert_group(conn, &round, &row)?;
    decision::set_group(conn, &round, &ids, Some(&row.id), now)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.create",
            entity_type: "group",
            entity_id: &row.id,
            before: None,
            after: Some(json!({"title": row.title, "comment_ids": ids})),
        },
    )?;
    Ok(row)
}

/// Changes a group: its title, comments in, comments out.
#[allow(clippy::too_many_arguments)]
pub fn change_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    before: &GroupRow,
    title: Option<String>,
    add: &[String],
    remove: &[String],
    now: NaiveDateTime,
) -> Result<GroupRow, ServiceError> {
    let title = title.as_deref().map(checked_title).transpose()?;
    let round = round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    check_open_for_decisions(&round)?;
    let members_before = decision::members(conn, &before.id)?;
    if let Some(i) = add.iter().position(|id| remove.contains(id)) {
        return Err(ServiceError::field(
            format!("add[{i}]"),
            "also_removed",
            "a comment cannot be put in and taken out at once",
        ));
    }
    let added = groupable(conn, &round, add, "add", Some(&before.id))?;
    for (i, id) in remove.iter().enumerate() {
        if !members_before.contains(id) {
            return Err(ServiceError::field(
                format!("remove[{i}]"),
                "not_a_member",
                "this comment is not in the group",
            ));
        }
    }
    let members: Vec<String> = members_before
        .iter()
        .chain(added.iter())
        .filter(|id| !remove.contains(id))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if members.len() < 2 {
        return Err(ServiceError::field(
            "remove",
            "length",
            "a group keeps at least two comments; delete it instead",
        ));
    }
    let mut after = before.clone();
    if let Some(title) = title {
        after.title = title;
    }
    after.revision = before.revision + 1;
    after.updated_at = now;
    if !decision::update_group(conn, &round, &after, before.revision)? {
        return Err(ServiceError::Stale);
    }
    decision::set_group(conn, &round, remove, None, now)?;
    decision::set_group(conn, &round, &added, Some(&before.id), now)?;
    // A decision made before a comment joined (or left) does not answer the group as it is.
    let was: std::collections::BTreeSet<&String> = members_before.iter().collect();
    if members.iter().collect::<std::collections::BTreeSet<_>>() != was {
        decision::mark_stale(conn, &round, std::slice::from_ref(&before.id))?;
    }
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.update",
            entity_type: "group",
            entity_id: &before.id,
            before: Some(json!({"title": before.title, "comment_ids": members_before})),
            after: Some(json!({"title": after.title, "comment_ids": members})),
        },
    )?;
    Ok(after)
}

/// Dissolves an undecided group, if it is still at revision `expected` (any, when `None`); its
/// comments are decided one by one again.
pub fn delete_group(
    conn: &mut DbConnection,
    actor: &Actor,
    round: &RoundRow,
    group_id: &str,
    expected: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    let round = round::lock_round(conn, &round.id)?.ok_or(ServiceError::NotFound)?;
    check_open_for_decisions(&round)?;
    let group = decision::find_group(conn, group_id)?.ok_or(ServiceError::NotFound)?;
    if expected.is_some_and(|e| e != group.revision) {
        return Err(ServiceError::Stale);
    }
    if !decision::history(conn, &group.id)?.is_empty() {
        return Err(ServiceError::refused(
            Refusal::GroupDecided,
            "the group has a decision: change the decision rather than the group",
        ));
    }
    let members = decision::members(conn, &group.id)?;
    decision::set_group(conn, &round, &members, None, now)?;
    decision::delete_group(conn, &round, &group.id)?;
    audit::record(
        conn,
        actor,
        now,
        Change {
            action: "group.delete",
            entity_type: "group",
            entity_id: &group.id,
            before: Some(json!({"title": group.title, "comment_ids": members})),
            after: None,
        },
    )?;
    Ok(())
}
