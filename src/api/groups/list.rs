//! `GET /api/v1/rounds/{id}/groups`

use actix_web::HttpRequest;
use actix_web::web::{Data, Json, Path};

use super::GroupView;
use crate::api::extract::{Caller, parse_query};
use crate::api::pagination::{Listing, Order, Page, PageQuery, page_of};
use crate::db::{decision, round};
use crate::error::ApiError;
use crate::state::AppState;

/// What this listing's cursors say they belong to.
const LISTING: Listing = Listing("groups");

/// A round's groups, oldest first. Drafters and admins only.
#[utoipa::path(
    get,
    operation_id = "groups_list",
    path = "/api/v1/rounds/{id}/groups",
    tag = "groups",
    params(("id" = String, Path, description = "Round id"), PageQuery),
    responses(
        (status = 200, description = "The groups", body = Page<GroupView>),
        (status = 403, description = "Agency tokens do not see groups"),
        (status = 404, description = "No such round"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: Data<AppState>,
    caller: Caller,
    id: Path<String>,
    request: HttpRequest,
) -> Result<Json<Page<GroupView>>, ApiError> {
    caller.require_staff()?;
    let page: PageQuery = parse_query(&request)?;
    let id = id.into_inner();
    let views = state
        .db
        .read(move |conn| -> Result<_, ApiError> {
            let round = round::find_round(conn, &id)?.ok_or(ApiError::NotFound)?;
            let groups = page_of(
                LISTING,
                decision::groups_of_round(conn, &round.id)?,
                &page,
                Order::Ascending,
                |group| group.id.clone(),
                |group| group,
            )?;
            Ok(Page {
                items: groups
                    .items
                    .into_iter()
                    .map(|group| GroupView::load(conn, group))
                    .collect::<Result<_, ApiError>>()?,
                next_page: groups.next_page,
            })
        })
        .await?;
    Ok(Json(views))
}
