//! The request ledger as the office files it: CSV and XLSX, with the adoption table's
//! conventions.

use consult::domain::comment::CommentKind;
use consult::domain::role::Role;

use crate::support::fixture::Comment;
use crate::support::{TestApp, engine_tests};

engine_tests!(the_ledger_exports_as_csv_and_xlsx);

async fn the_ledger_exports_as_csv_and_xlsx(app: TestApp) {
    app.seed();
    let round = app.fixture().demo_round();
    let drafter = app.staff_token(Role::Drafter);
    app.fixture().submitted(
        &round,
        "xihu",
        vec![
            Comment::new(CommentKind::Amend, Some("m9"), "建议增加海外仓。"),
            Comment::new(CommentKind::General, None, "=1+1 建议明确责任单位。"),
        ],
    );
    app.fixture().no_comments(&round, "sifa");
    let url = format!("/api/v1/rounds/{round}/requests");

    let csv = app.get(&format!("{url}?format=csv"), Some(&drafter)).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.contains("attachment") && d.contains("ledger.csv")),
        "{:?}",
        csv.header("content-disposition")
    );
    let text = String::from_utf8(csv.body.to_vec()).expect("UTF-8");
    assert!(
        text.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].contains("征求意见情况登记表：《关于促进"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("序号,单位代码,单位名称,文号,状态"),
        "{}",
        lines[1]
    );
    let xihu = lines
        .iter()
        .find(|line| line.contains(",xihu,"))
        .expect("xihu's line");
    assert!(xihu.contains(",杭发改函〔2026〕88-"), "{xihu}");
    assert!(xihu.contains(",已提出意见,"), "{xihu}");
    assert!(xihu.contains(",提出意见（第1次答复）,"), "{xihu}");
    assert!(xihu.contains(",系统接口,否,"), "{xihu}");
    assert!(xihu.ends_with(",2"), "two comments: {xihu}");
    assert!(
        xihu.contains(",2026-06-05 18:00,"),
        "the deadline in Shanghai: {xihu}"
    );
    let sifa = lines
        .iter()
        .find(|line| line.contains(",sifa,"))
        .expect("sifa's line");
    assert!(sifa.contains(",无意见,"), "{sifa}");
    let requests = lines
        .iter()
        .filter(|line| {
            line.split(',')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(requests, 30, "a line per request");
    assert!(
        lines.contains(&"汇总,共征求30家单位意见，已反馈2家（提出意见1家，无意见1家）。"),
        "{text}"
    );

    let xlsx = app.get(&format!("{url}?format=xlsx"), Some(&drafter)).await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert!(xlsx.body.starts_with(b"PK"), "a zip, as XLSX is");
    assert!(xlsx.body.len() > 4000, "{} bytes", xlsx.body.len());

    app.get(&format!("{url}?format=pdf"), Some(&drafter))
        .await
        .problem(422, "validation_failed");
    let clerk = app.agency_token("xihu");
    app.get(&format!("{url}?format=csv"), Some(&clerk))
        .await
        .problem(403, "forbidden");
}
