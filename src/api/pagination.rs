//! Keyset pagination: `{items, next_page}` with an opaque cursor naming the last item sent.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::token::hex;
use crate::error::ApiError;
use crate::service::error::ServiceError;

/// A listing, by the name its cursors carry: a cursor is refused by any listing but the one
/// that returned it.
#[derive(Clone, Copy, Debug)]
pub struct Listing(pub &'static str);

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_page: Option<String>,
}

/// The page size asked for, within `1..=max`, or `default`.
pub fn page_size(limit: Option<u32>, default: u32, max: u32) -> Result<usize, ApiError> {
    match limit {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::from(ServiceError::field(
            "query.limit",
            "out_of_range",
            format!("limit must be between 1 and {max}"),
        ))),
    }
}

/// Builds a page from up to `size + 1` rows fetched in order: the extra row, if there, only
/// shows that another page exists.
pub fn paginate<R, T>(
    listing: Listing,
    mut rows: Vec<R>,
    size: usize,
    position: impl Fn(&R) -> String,
    view: impl Fn(R) -> T,
) -> Page<T> {
    let next_page = if rows.len() > size {
        rows.truncate(size);
        rows.last().map(|last| encode(listing, &position(last)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_page,
    }
}

/// `limit` and `cursor`: the paging every listing takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 500; 100 unless given.
    pub limit: Option<u32>,
    /// `next_page` of the previous page.
    pub cursor: Option<String>,
}

/// Which way a listing's positions run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Ascending,
    Descending,
}

/// One page of a listing read whole and in order, by each item's position (unique, running in
/// `order`): the items after the cursor's position, so that an item added or removed between
/// two pages neither repeats nor hides another.
pub fn page_of<T, V>(
    listing: Listing,
    items: Vec<T>,
    query: &PageQuery,
    order: Order,
    position: impl Fn(&T) -> String,
    view: impl Fn(T) -> V,
) -> Result<Page<V>, ApiError> {
    let size = page_size(query.limit, 100, 500)?;
    let after = query
        .cursor
        .as_deref()
        .map(|cursor| decode(listing, cursor))
        .transpose()?;
    let rows: Vec<T> = items
        .into_iter()
        .filter(|item| {
            after.as_deref().is_none_or(|after| match order {
                Order::Ascending => position(item).as_str() > after,
                Order::Descending => position(item).as_str() < after,
            })
        })
        .take(size + 1)
        .collect();
    Ok(paginate(listing, rows, size, position, view))
}

/// The position of the `n`th item of a listing in a fixed order (document order, revisions),
/// padded so that positions compare as numbers.
pub fn ordinal_position(n: i64) -> String {
    format!("{n:020}")
}

/// The position a `cursor` query parameter names, if `listing` returned it.
pub fn decode(listing: Listing, cursor: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::from(ServiceError::field(
            "query.cursor",
            "invalid_cursor",
            "not a cursor this listing returned",
        ))
    };
    if cursor.len() % 2 != 0 {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    let named = String::from_utf8(bytes).map_err(|_| bad())?;
    named
        .strip_prefix(listing.0)
        .and_then(|rest| rest.strip_prefix('\n'))
        .map(str::to_owned)
        .ok_or_else(bad)
}

fn encode(listing: Listing, position: &str) -> String {
    hex(format!("{}\n{position}", listing.0).as_bytes())
}

/// Positions in listings ordered by time and id: `2026-05-30T01:00:00.000000|<id>`.
pub mod time_position {
    use chrono::NaiveDateTime;

    use crate::error::ApiError;
    use crate::service::error::ServiceError;

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

    /// The position of the row at `at` with `id`.
    pub fn format(at: NaiveDateTime, id: &str) -> String {
        format!("{}|{id}", at.format(FORMAT))
    }

    /// Reads a position made by `format`.
    pub fn parse(position: &str) -> Result<(NaiveDateTime, String), ApiError> {
        position
            .split_once('|')
            .and_then(|(at, id)| {
                let at = NaiveDateTime::parse_from_str(at, FORMAT).ok()?;
                Some((at, id.to_owned()))
            })
            .ok_or_else(|| {
                ApiError::from(ServiceError::field(
                    "query.cursor",
                    "invalid_cursor",
                    "not a cursor this listing returned",
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        const HERE: Listing = Listing("here");
        let page = paginate(
            HERE,
            vec!["a", "b", "c"],
            2,
            |s| format!("pos-{s}"),
            str::to_owned,
        );
        assert_eq!(page.items, ["a", "b"]);
        let cursor = page.next_page.expect("a next page");
        assert_eq!(decode(HERE, &cursor).expect("decodes"), "pos-b");
        assert!(
            decode(Listing("elsewhere"), &cursor).is_err(),
            "another listing's cursor"
        );
        assert!(decode(HERE, "zz").is_err());
        assert!(decode(HERE, "abc").is_err());
        let last = paginate(HERE, vec!["a"], 2, |s| s.to_string(), str::to_owned);
        assert!(last.next_page.is_none());
    }
}
