//! Every reply, "no comments" and withdrawal is answered with a receipt number, and the agency is
//! emailed what its reply held, so that a clerk can show what was sent and when.

use actix_web::test::TestRequest;
use consult::domain::role::Role;
use serde_json::{Value, json};

use crate::support::smtp::{Receiver, deliver};
use crate::support::{TestApp, engine_tests, with_token};

engine_tests!(a_submission_gets_a_receipt_listing_its_clauses_and_files);

const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";

fn reply_body(attachments: &[&str]) -> Value {
    json!({"signer": "王局长", "contact_name": "李明", "contact_phone": "0571-85000000", "attachments": attachments})
}

fn is_receipt_number(number: &str) -> bool {
    let parts: Vec<&str> = number.split('-').collect();
    parts.len() == 3 && parts[0].len() == 8 && parts[1].len() == 5 && parts[2].len() == 5
}

async fn a_submission_gets_a_receipt_listing_its_clauses_and_files(app: TestApp) {
    app.seed();
    let round = app.fixture().demo_round();
    let clerk = app.agency_token("xihu");
    let other = app.agency_token("jingxin");
    let drafter = app.staff_token(Role::Drafter);
    let request = app
        .get(&format!("/api/v1/requests?round_id={round}"), Some(&clerk))
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("xihu's request")
        .to_owned();
    let uploaded = app
        .send(with_token(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/requests/{request}/attachments?filename=%E5%A4%8D%E5%87%BD.pdf"
                ))
                .insert_header(("Content-Type", "application/pdf"))
                .set_payload(PDF),
            Some(&clerk),
        ))
        .await;
    assert_eq!(uploaded.status, 201, "{:?}", uploaded.body);
    let file = uploaded.json();
    for (clause, body) in [
        (Some("第九条"), "建议增加海外仓。"),
        (Some("9."), "建议明确跨境电商综试区任务。"),
        (None, "建议各措施明确责任单位。"),
    ] {
        let mut comment = json!({"kind": "general", "body": body});
        if let Some(clause) = clause {
            comment["kind"] = json!("amend");
            comment["clause_key"] = json!(clause);
        }
        let made = app
            .post(
                &format!("/api/v1/rounds/{round}/comments"),
                Some(&clerk),
                &comment,
            )
            .await;
        assert_eq!(made.status, 201, "{:?}", made.body);
    }
    let submitted = app
        .post(
            &format!("/api/v1/requests/{request}/submit"),
            Some(&clerk),
            &reply_body(&[file["id"].as_str().expect("file id")]),
        )
        .await;
    assert_eq!(submitted.status, 201, "{:?}", submitted.body);
    let submitted = submitted.json();
    assert_eq!(submitted["state"], "submitted", "still the request's view");
    let receipt = &submitted["receipt"];
    let number = receipt["number"].as_str().expect("number").to_owned();
    assert!(is_receipt_number(&number), "{number}");
    assert!(
        number.starts_with("20260530-"),
        "the day in Shanghai: {number}"
    );
    assert_eq!(receipt["kind"], "submission");
    assert_eq!(receipt["comments"], 3);
    assert_eq!(receipt["reply_revision"], 1);
    let clauses = receipt["clauses"].as_array().expect("clauses");
    assert!(
        clauses.contains(&json!({"clause_key": "m9", "number": "9.", "comments": 2})),
        "{receipt}"
    );
    assert!(
        clauses.contains(&json!({"clause_key": null, "number": null, "comments": 1})),
        "{receipt}"
    );
    assert_eq!(receipt["files"][0]["filename"], "复函.pdf");
    assert_eq!(receipt["files"][0]["sha256"], file["sha256"]);
    assert!(
        receipt["issued_at_local"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{receipt}"
    );

    // The agency and the office read it back by its number; another agency cannot.
    let url = format!("/api/v1/receipts/{number}");
    let read = app.get(&url, Some(&clerk)).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(&read.json(), receipt);
    assert_eq!(app.get(&url, Some(&drafter)).await.status, 200);
    app.get(&url, Some(&other)).await.problem(404, "not_found");
    let typed = format!("/api/v1/receipts/{}", number.to_lowercase());
    assert_eq!(app.get(&typed, Some(&clerk)).await.status, 200);
    app.get("/api/v1/receipts/20260530-00000-00000", Some(&clerk))
        .await
        .problem(404, "not_found");

    // Withdrawn, then answered "no comments": each with a receipt of its own.
    let withdrawn = app
        .post(
            &format!("/api/v1/requests/{request}/withdraw"),
            Some(&clerk),
            &json!({}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.body);
    let withdrawal = withdrawn.json()["receipt"].clone();
    assert_eq!(withdrawal["kind"], "withdrawal");
    assert_eq!(withdrawal["reply_revision"], 1);
    assert_ne!(withdrawal["number"], json!(number));
    let answered = app
        .post(
            &format!("/api/v1/requests/{request}/no-comments"),
            Some(&clerk),
            &reply_body(&[]),
        )
        .await;
    assert_eq!(answered.status, 201, "{:?}", answered.body);
    let no_comments = answered.json()["receipt"].clone();
    assert_eq!(no_comments["kind"], "no_comments");
    assert_eq!(no_comments["reply_revision"], 2);

    // The receipt email reaches the agency's liaison over SMTP, listing what was sent.
    let receiver = Receiver::start();
    deliver(&app, &receiver, None);
    let messages = receiver.messages();
    let receipts: Vec<String> = messages
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r.contains("xihu")))
        .map(|m| m.text())
        .filter(|text| text.contains("回执编号"))
        .collect();
    assert_eq!(receipts.len(), 3, "one per answer");
    let first = receipts
        .iter()
        .find(|text| text.contains(&number))
        .expect("the submission's receipt");
    assert!(first.contains("反馈意见3条"), "{first}");
    assert!(first.contains("条款9.：2条"), "{first}");
    assert!(first.contains("总体意见：1条"), "{first}");
    let sha = file["sha256"].as_str().expect("sha256");
    assert!(first.contains("复函.pdf（"), "{first}");
    assert!(first.contains(sha), "{first}");
    assert!(
        receipts
            .iter()
            .any(|text| text.contains("撤回已提交的答复")),
        "the withdrawal's receipt"
    );
}
