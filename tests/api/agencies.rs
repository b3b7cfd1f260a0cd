//! `/api/v1/agencies`

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use serde_json::{Value, json};

use crate::support::{ATTACHMENT_LIMIT, BODY_LIMIT, TestApp, engine_tests, with_token};

fn new_agency() -> Value {
    json!({
        "code": "wenlv",
        "name": "市文化广电旅游局",
        "kind": "department",
        "emails": ["liaison@wenlv.hangzhou.example", "policy@wenlv.hangzhou.example"],
        "illustrative": true
    })
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["code"].as_str().expect("code").to_owned())
        .collect()
}

engine_tests!(
    an_array_or_another_charset_is_not_taken_for_a_json_object,
    staff_list_the_thirty_demo_agencies,
    pages_follow_the_cursor_to_the_end,
    an_agency_token_lists_only_itself,
    create_returns_the_agency_with_location_and_etag,
    a_taken_code_is_409,
    invalid_fields_are_each_named,
    bodies_that_are_not_json_are_refused,
    bodies_over_the_limit_are_413_on_post_and_patch,
    patch_changes_fields_and_bumps_the_revision,
    codes_sort_the_same_on_both_engines,
    null_is_not_a_patch_value,
    if_match_guards_against_lost_updates,
);

async fn staff_list_the_thirty_demo_agencies(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let page = app.get("/api/v1/agencies", Some(&token)).await.json();
    let listed = codes(&page);
    assert_eq!(listed.len(), 30);
    assert!(page["next_page"].is_null());
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "ordered by code");

    let districts = app
        .get("/api/v1/agencies?kind=district", Some(&token))
        .await
        .json();
    assert_eq!(codes(&districts).len(), 13);
    let items = page["items"].as_array().expect("items");
    let illustrative = items.iter().filter(|a| a["illustrative"] == true).count();
    assert_eq!(illustrative, 13);
    let named = app
        .get("/api/v1/agencies?q=%E5%95%86%E5%8A%A1", Some(&token))
        .await
        .json();
    assert_eq!(
        codes(&named),
        ["shangwu"],
        "search by part of the name 商务"
    );
    let upper = app
        .get("/api/v1/agencies?q=XIHU", Some(&token))
        .await
        .json();
    assert_eq!(
        codes(&upper),
        ["xihu"],
        "search ignores ASCII case on both engines"
    );
    let wildcard = app.get("/api/v1/agencies?q=%25", Some(&token)).await.json();
    assert_eq!(codes(&wildcard).len(), 0, "a % in the search is a literal");
}

async fn pages_follow_the_cursor_to_the_end(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Admin);
    let mut seen = Vec::new();
    let mut url = "/api/v1/agencies?limit=7".to_owned();
    loop {
        let page = app.get(&url, Some(&token)).await.json();
        seen.extend(codes(&page));
        match page["next_page"].as_str() {
            Some(cursor) => url = format!("/api/v1/agencies?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    // The pages put together are the whole listing, in order.
    let all = codes(&app.get("/api/v1/agencies", Some(&token)).await.json());
    assert_eq!(seen, all);

    app.get("/api/v1/agencies?limit=0", Some(&token))
        .await
        .problem(422, "validation_failed");
    let bad = app
        .get("/api/v1/agencies?cursor=zz", Some(&token))
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "query.cursor");
    // A cursor another listing returned names a position of that listing, not of this one.
    let audit = app.get("/api/v1/audit?limit=1", Some(&token)).await.json();
    let foreign = audit["next_page"]
        .as_str()
        .expect("a second page of the audit log");
    let bad = app
        .get(&format!("/api/v1/agencies?cursor={foreign}"), Some(&token))
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["code"], "invalid_cursor");
    app.get("/api/v1/agencies?kind=ministry", Some(&token))
        .await
        .problem(422, "validation_failed");
    app.get("/api/v1/agencies?colour=red", Some(&token))
        .await
        .problem(422, "validation_failed");
}

async fn an_agency_token_lists_only_itself(app: TestApp) {
    app.seed();
    let token = app.agency_token("xihu");
    let page = app.get("/api/v1/agencies", Some(&token)).await.json();
    assert_eq!(codes(&page), ["xihu"]);
    let id = page["items"][0]["id"].as_str().expect("id").to_owned();
    let own = app
        .get(&format!("/api/v1/agencies/{id}"), Some(&token))
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.json()["name"], "西湖区");
}

async fn create_returns_the_agency_with_location_and_etag(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let response = app
        .post("/api/v1/agencies", Some(&token), &new_agency())
        .await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    let body = response.json();
    let id = body["id"].as_str().expect("id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/agencies/{id}").as_str())
    );
    assert_eq!(response.header("etag"), Some("\"1\""));
    insta::assert_json_snapshot!("agency_created", body, {
        ".id" => "[id]", ".created_at" => "[time]", ".updated_at" => "[time]"
    });
    let fetched = app
        .get(&format!("/api/v1/agencies/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(fetched, body);
}

async fn a_taken_code_is_409(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let mut body = new_agency();
    body["code"] = json!("jingxin");
    app.post("/api/v1/agencies", Some(&token), &body)
        .await
        .problem(409, "agency_code_taken");
}

async fn invalid_fields_are_each_named(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let body = json!({"code": "Bad Code", "name": " ", "kind": "department", "emails": ["ok@x.example", "not-an-address"]});
    let problem = app
        .post("/api/v1/agencies", Some(&token), &body)
        .await
        .problem(422, "validation_failed");
    insta::assert_json_snapshot!("agency_invalid_fields", problem);

    let mut unknown = new_agency();
    unknown["colour"] = json!("red");
    let problem = app
        .post("/api/v1/agencies", Some(&token), &unknown)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "colour");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");

    let mut missing = new_agency();
    missing.as_object_mut().expect("object").remove("kind");
    let problem = app
        .post("/api/v1/agencies", Some(&token), &missing)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "kind");
    assert_eq!(problem["errors"][0]["code"], "required");

    let mut wrong_type = new_agency();
    wrong_type["emails"] = json!(["a@b.example", 7]);
    let problem = app
        .post("/api/v1/agencies", Some(&token), &wrong_type)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "emails[1]");

    let none = json!({"code": "abc", "name": "名", "kind": "other", "emails": []});
    let problem = app
        .post("/api/v1/agencies", Some(&token), &none)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "emails");
}

async fn bodies_that_are_not_json_are_refused(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    let malformed = TestRequest::post()
        .uri("/api/v1/agencies")
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"code\": ");
    app.send(with_token(malformed, Some(&token)))
        .await
        .problem(400, "malformed_json");
    let form = TestRequest::post()
        .uri("/api/v1/agencies")
        .insert_header(("content-type", "text/plain"))
        .set_payload("code=x");
    app.send(with_token(form, Some(&token)))
        .await
        .problem(415, "unsupported_media_type");
}

async fn bodies_over_the_limit_are_413_on_post_and_patch(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("jingxin").await;
    let mut big = new_agency();
    big["name"] = json!("长".repeat(BODY_LIMIT));
    let problem = app
        .post("/api/v1/agencies", Some(&token), &big)
        .await
        .problem(413, "payload_too_large");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&BODY_LIMIT.to_string()))
    );
    app.patch(&format!("/api/v1/agencies/{id}"), Some(&token), &big)
        .await
        .problem(413, "payload_too_large");
    // With an Idempotency-Key the limit holds too.
    let keyed = TestRequest::post()
        .uri("/api/v1/agencies")
        .insert_header(("Idempotency-Key", "big-1"))
        .set_json(&big);
    app.send(with_token(keyed, Some(&token)))
        .await
        .problem(413, "payload_too_large");
    // And it is the route's own limit, checked before the body is kept: a JSON route keyed for
    // retries does not read up to an attachment's size first.
    let mut bigger = new_agency();
    bigger["name"] = json!("长".repeat(ATTACHMENT_LIMIT));
    let keyed = TestRequest::post()
        .uri("/api/v1/agencies")
        .insert_header(("Idempotency-Key", "big-2"))
        .set_json(&bigger);
    let problem = app
        .send(with_token(keyed, Some(&token)))
        .await
        .problem(413, "payload_too_large");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&BODY_LIMIT.to_string())),
        "{problem}"
    );
}

async fn patch_changes_fields_and_bumps_the_revision(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("jingxin").await;
    let url = format!("/api/v1/agencies/{id}");
    let changed = app
        .patch(
            &url,
            Some(&token),
            &json!({"name": "市经济和信息化局", "locale": "en", "active": false}),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.header("etag"), Some("\"2\""));
    let body = changed.json();
    assert_eq!(body["name"], "市经济和信息化局");
    assert_eq!(body["locale"], "en");
    assert_eq!(body["active"], false);
    assert_eq!(body["code"], "jingxin", "fields not sent stay");
    assert_eq!(body["revision"], 2);

    // The same patch again changes nothing: the revision stays.
    let again = app
        .patch(
            &url,
            Some(&token),
            &json!({"name": "市经济和信息化局", "locale": "en", "active": false}),
        )
        .await;
    assert_eq!(again.json()["revision"], 2);

    let taken = app
        .patch(&url, Some(&token), &json!({"code": "shangwu"}))
        .await;
    taken.problem(409, "agency_code_taken");
    app.patch(&url, Some(&token), &json!({"emails": []}))
        .await
        .problem(422, "validation_failed");
    app.patch("/api/v1/agencies/nope", Some(&token), &json!({"name": "x"}))
        .await
        .problem(404, "not_found");
    let unchanged = app.get(&url, Some(&token)).await.json();
    assert_eq!(unchanged["code"], "jingxin");
    assert_eq!(unchanged["revision"], 2);
}

async fn codes_sort_the_same_on_both_engines(app: TestApp) {
    let token = app.staff_token(Role::Drafter);
    for code in ["a-c", "ab", "a-b", "a1"] {
        let mut body = new_agency();
        body["code"] = json!(code);
        assert_eq!(
            app.post("/api/v1/agencies", Some(&token), &body)
                .await
                .status,
            201
        );
    }
    let page = app
        .get("/api/v1/agencies?limit=2", Some(&token))
        .await
        .json();
    assert_eq!(codes(&page), ["a-b", "a-c"]);
    let cursor = page["next_page"].as_str().expect("more");
    let rest = app
        .get(&format!("/api/v1/agencies?cursor={cursor}"), Some(&token))
        .await
        .json();
    assert_eq!(codes(&rest), ["a1", "ab"]);
}

async fn null_is_not_a_patch_value(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("jiande").await;
    // A text field, and one whose value is one of a list.
    for field in ["name", "locale"] {
        let problem = app
            .patch(
                &format!("/api/v1/agencies/{id}"),
                Some(&token),
                &json!({ field: null }),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

async fn if_match_guards_against_lost_updates(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("xihu").await;
    let url = format!("/api/v1/agencies/{id}");
    let etag = app
        .get(&url, Some(&token))
        .await
        .header("etag")
        .map(str::to_owned)
        .expect("etag");
    let first = TestRequest::patch()
        .uri(&url)
        .insert_header(("If-Match", etag.as_str()))
        .set_json(json!({"name": "西湖区人民政府"}));
    assert_eq!(app.send(with_token(first, Some(&token))).await.status, 200);
    let stale = TestRequest::patch()
        .uri(&url)
        .insert_header(("If-Match", etag.as_str()))
        .set_json(json!({"name": "西湖区政府"}));
    app.send(with_token(stale, Some(&token)))
        .await
        .problem(412, "precondition_failed");
    // A weak tag or an unreadable header never matches.
    for value in ["W/\"2\"".as_bytes(), b"\"2\"\xff".as_slice()] {
        let header = actix_web::http::header::HeaderValue::from_bytes(value).expect("header bytes");
        let odd = TestRequest::patch()
            .uri(&url)
            .insert_header(("If-Match", header))
            .set_json(json!({"name": "西湖区政府"}));
        app.send(with_token(odd, Some(&token)))
            .await
            .problem(412, "precondition_failed");
    }
    assert_eq!(
        app.get(&url, Some(&token)).await.json()["name"],
        "西湖区人民政府"
    );
}

/// A body is a JSON object in UTF-8. An array would be read field by field into the change (a
/// PATCH of `["改名"]` renaming the agency), and a body declared in another charset would be
/// read as what it is not: both are refused and change nothing.
async fn an_array_or_another_charset_is_not_taken_for_a_json_object(app: TestApp) {
    app.seed();
    let token = app.staff_token(Role::Drafter);
    let id = app.agency_id("jingxin").await;
    let url = format!("/api/v1/agencies/{id}");
    let before = app.get(&url, Some(&token)).await.json();
    for array in [json!([]), json!(["改名"])] {
        let problem = app
            .patch(&url, Some(&token), &array)
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
        assert_eq!(problem["errors"][0]["code"], "not_an_object");
    }
    let latin = TestRequest::patch()
        .uri(&url)
        .insert_header(("content-type", "application/json; charset=iso-8859-1"))
        .set_payload(r#"{"name": "abc"}"#);
    app.send(with_token(latin, Some(&token)))
        .await
        .problem(415, "unsupported_media_type");
    let utf8 = TestRequest::patch()
        .uri(&url)
        .insert_header(("content-type", "application/json; charset=UTF-8"))
        .set_payload(r#"{"locale": "en"}"#);
    assert_eq!(app.send(with_token(utf8, Some(&token))).await.status, 200);
    let after = app.get(&url, Some(&token)).await.json();
    assert_eq!(after["name"], before["name"], "nothing was renamed");
}
