//! The texts of the emails, in the recipient's language; times in the round's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::agency::Locale;
use crate::domain::calendar::Basis;
use crate::domain::claim::{ADDRESS_MARKER, CODE_MARKER};
use crate::domain::decision::Outcome;
use crate::domain::receipt::ReceiptKind;

/// A rendered message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body_text: String,
}

impl Rendered {
    /// The same text as a small HTML document, for mail clients that show HTML first.
    pub fn body_html(&self) -> String {
        let mut html = String::from("<!DOCTYPE html><html><body>");
        for paragraph in self.body_text.split("\n\n") {
            html.push_str("<p>");
            for (i, line) in paragraph.lines().enumerate() {
                if i > 0 {
                    html.push_str("<br>");
                }
                for c in line.chars() {
                    match c {
                        '&' => html.push_str("&amp;"),
                        '<' => html.push_str("&lt;"),
                        '>' => html.push_str("&gt;"),
                        '"' => html.push_str("&quot;"),
                        c => html.push(c),
                    }
                }
            }
            html.push_str("</p>");
        }
        html.push_str("</body></html>");
        html
    }
}

/// What a comment request says.
pub struct CommentRequest<'a> {
    pub agency_name: &'a str,
    pub document_title: &'a str,
    pub version_label: &'a str,
    pub round_title: &'a str,
    pub instructions: &'a str,
    pub deadline: DateTime<Utc>,
    pub time_zone: Tz,
    /// What a deadline counted in working days was counted on.
    pub calendar: Option<Basis>,
    pub request_id: &'a str,
    /// The letter's reference (文号), when the office gave the round one.
    pub reference: Option<&'a str>,
    pub access: Access,
}

/// How the agency gets in: with the token it holds, or with the claim code the letter carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Token,
    ClaimCode,
}

impl Access {
    /// A letter that carries a claim code lets the agency in with it; one without, with the
    /// token the agency holds.
    pub fn with_code(carries_code: bool) -> Access {
        if carries_code {
            Access::ClaimCode
        } else {
            Access::Token
        }
    }
}

/// The sentence that says a deadline may move, for a deadline counted on a provisional calendar.
fn provisional_note(locale: Locale, calendar: Option<Basis>) -> &'static str {
    match (calendar, locale) {
        (Some(Basis::Provisional), Locale::ZhCn) => {
            "\n（该截止时间按工作日计算，所涉年度的节假日安排尚未公布，系暂定；如有调整，将另行通知。）\n"
        }
        (Some(Basis::Provisional), Locale::En) => {
            "\n(This deadline was counted in working days before the public holiday notice for its year was published, so it is provisional; you will be told if it changes.)\n"
        }
        _ => "",
    }
}

/// The lines that say where the letter is answered and how the agency gets in: the service's
/// address and either the claim code with the call that exchanges it, or the agency's own token.
fn way_in(locale: Locale, request_id: &str, access: Access) -> String {
    let address = ADDRESS_MARKER;
    let code = CODE_MARKER;
    match (locale, access) {
        (Locale::ZhCn, Access::ClaimCode) => format!(
            "意见征集系统地址：{address}\n\n\
             你单位尚无系统接口令牌。请联络人用下列一次性领取码换取你单位的令牌（仅可使用一次，\
             截止时间过后不久失效；如已失效，请联系我委重新发放）：\n\
             领取码：{code}\n\
             curl -X POST {address}/api/v1/claims -H 'Content-Type: application/json' -d '{{\"code\": \"{code}\"}}'\n\
             换得令牌后，GET {address}/api/v1/requests/{request_id} 即可查看本函，并提交意见或\u{201c}无意见\u{201d}答复。"
        ),
        (Locale::ZhCn, Access::Token) => format!(
            "意见征集系统地址：{address}\n\n\
             请使用你单位已有的接口令牌，GET {address}/api/v1/requests/{request_id} 查看本函，\
             并提交意见或\u{201c}无意见\u{201d}答复。"
        ),
        (Locale::En, Access::ClaimCode) => format!(
            "The consultation service: {address}\n\n\
             Your agency has no token for the service yet. Your liaison exchanges this one-time \
             claim code for it (it works once, and stops working soon after the deadline; ask us \
             for a new one if it has):\n\
             Claim code: {code}\n\
             curl -X POST {address}/api/v1/claims -H 'Content-Type: application/json' -d '{{\"code\": \"{code}\"}}'\n\
             With the token, GET {address}/api/v1/requests/{request_id} shows this request; answer \
             there with comments or \"no comments\"."
        ),
        (Locale::En, Access::Token) => format!(
            "The consultation service: {address}\n\n\
             With your agency's token, GET {address}/api/v1/requests/{request_id} shows this \
             request; answer there with comments or \"no comments\"."
        ),
    }
}

/// `text` as a paragraph of its own, or nothing when it is empty.
fn paragraph(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("{text}\n\n")
    }
}

/// The comment request (征求意见函) sent when a round opens or an agency is added.
pub fn comment_request(locale: Locale, message: &CommentRequest<'_>) -> Rendered {
    let deadline = message.deadline.with_timezone(&message.time_zone);
    let way_in = way_in(locale, message.request_id, message.access);
    match locale {
        Locale::ZhCn => Rendered {
            subject: match message.reference {
                Some(reference) => format!("【征求意见】{}（{reference}）", message.round_title),
                None => format!("【征求意见】{}", message.round_title),
            },
            body_text: format!(
                "{agency}：\n\n{reference}现将《{document}》（{label}）送你单位征求意见，请于{deadline}前反馈。\n\n{instructions}\
                 征求意见函编号：{id}\n{way_in}\n\n\
                 逾期未反馈的，请及时说明情况。\n{note}",
                reference = message
                    .reference
                    .map(|r| format!("文号：{r}\n\n"))
                    .unwrap_or_default(),
                note = provisional_note(locale, message.calendar),
                agency = message.agency_name,
                document = message.document_title,
                label = message.version_label,
                deadline = deadline.format("%Y年%m月%d日%H:%M"),
                instructions = paragraph(message.instructions),
                id = message.request_id,
            ),
        },
        Locale::En => Rendered {
            subject: match message.reference {
                Some(reference) => {
                    format!(
                        "Request for comments: {} ({reference})",
                        message.round_title
                    )
                }
                None => format!("Request for comments: {}", message.round_title),
            },
            body_text: format!(
                "To {agency}:\n\n{reference}Please comment on \u{201c}{document}\u{201d} ({label}) by {deadline} ({zone}).\n\n\
                 {instructions}Request id: {id}\n{way_in}\n{note}",
                reference = message
                    .reference
                    .map(|r| format!("Reference: {r}\n\n"))
                    .unwrap_or_default(),
                note = provisional_note(locale, message.calendar),
                agency = message.agency_name,
                document = message.document_title,
                label = message.version_label,
                deadline = deadline.format("%Y-%m-%d %H:%M"),
                zone = message.time_zone,
                instructions = paragraph(message.instructions),
                id = message.request_id,
            ),
        },
    }
}

/// What a claim code sent again says.
pub struct ClaimNotice<'a> {
    pub agency_name: &'a str,
    pub round_title: &'a str,
    pub request_id: &'a str,
    pub reference: Option<&'a str>,
}

/// A new claim code for a request, issued by the office; any earlier one no longer works.
pub fn claim_code(locale: Locale, message: &ClaimNotice<'_>) -> Rendered {
    let way_in = way_in(locale, message.request_id, Access::ClaimCode);
    let reference = message.reference.unwrap_or(message.request_id);
    match locale {
        Locale::ZhCn => Rendered {
            subject: format!("【领取码】{}", message.round_title),
            body_text: format!(
                "{agency}：\n\n现重新发放{title}（{reference}）的系统领取码，此前发放的领取码不再有效。\n\n{way_in}\n",
                agency = message.agency_name,
                title = in_title_marks(message.round_title),
            ),
        },
        Locale::En => Rendered {
            subject: format!("Claim code: {}", message.round_title),
            body_text: format!(
                "To {agency}:\n\nHere is a new claim code for {title} ({reference}); any code sent before no longer works.\n\n{way_in}\n",
                agency = message.agency_name,
                title = message.round_title,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_decisions_name_each_comment_its_clause_and_the_reason() {
        let items = [
            HandledComment {
                clause: Some("9.".into()),
                clause_now: Some("8.".into()),
                body: "建议增加海外仓。".into(),
                outcome: Some(Outcome::Adopted),
                reason: None,
                carried_to: Vec::new(),
            },
            HandledComment {
                clause: None,
                clause_now: None,
                body: "建议各措施明确责任单位。".into(),
                outcome: Some(Outcome::Noted),
                reason: Some("将在任务分解中明确".into()),
                carried_to: Vec::new(),
            },
        ];
        let zh = decisions_published(
            Locale::ZhCn,
            "市商务局",
            "《若干举措》征求意见",
            &items,
            true,
        );
        assert_eq!(zh.subject, "【意见采纳情况】《若干举措》征求意见");
        assert!(
            zh.body_text
                .contains("1. 条款9（修改后为8）：建议增加海外仓。\n   处理情况：采纳\n")
        );
        assert!(zh.body_text.contains(
            "2. 总体意见：建议各措施明确责任单位。\n   处理情况：已知悉；理由：将在任务分解中明确"
        ));
        let en = decisions_published(Locale::En, "Commerce", "Round", &items, true);
        assert!(
            en.body_text
                .contains("1. Clause 9 (now 8): 建议增加海外仓。\n   Decision: adopted")
        );
        let mut gone = items;
        gone[0].clause_now = None;
        let unrevised = decisions_published(Locale::ZhCn, "市商务局", "轮次", &gone, false);
        assert!(
            unrevised.body_text.contains("1. 条款9：建议增加海外仓。"),
            "{}",
            unrevised.body_text
        );
        let removed = decisions_published(Locale::ZhCn, "市商务局", "轮次", &gone, true);
        assert!(removed.body_text.contains("1. 条款9（修改后已删除）："));
    }

    #[test]
    fn the_request_names_the_deadline_in_the_round_zone() {
        let message = CommentRequest {
            agency_name: "市商务局",
            document_title: "关于促进杭州市生产性服务业高质量发展的若干举措",
            version_label: "征求意见稿",
            round_title: "若干举措征求意见",
            instructions: "请重点研究第二部分。",
            deadline: Utc
                .with_ymd_and_hms(2024, 6, 5, 10, 0, 0)
                .single()
                .expect("time"),
            time_zone: chrono_tz::Asia::Shanghai,
            calendar: Some(Basis::Official),
            request_id: "r1",
            reference: None,
            access: Access::Token,
        };
        let zh = comment_request(Locale::ZhCn, &message);
        assert!(
            zh.body_text.contains("请于2024年06月05日18:00前反馈"),
            "{}",
            zh.body_text
        );
        assert!(zh.body_html().starts_with("<!DOCTYPE html>"));
        assert!(!zh.body_text.contains("暂定"), "{}", zh.body_text);
        let provisional = CommentRequest {
            calendar: Some(Basis::Provisional),
            ..message
        };
        let en = comment_request(Locale::En, &provisional);
        assert!(
            en.body_text.contains("so it is provisional"),
            "{}",
            en.body_text
        );
        assert!(
            zh.body_html().contains("<p>市商务局：</p>"),
            "{}",
            zh.body_html()
        );
        let en = comment_request(Locale::En, &message);
        assert!(
            en.body_text.contains("by 2024-06-05 18:00 (Asia/Shanghai)"),
            "{}",
            en.body_text
        );
    }

    /// Every kind of email, whole, in both languages, for the demo round (whose title carries
    /// its own book-title marks).
    #[test]
    fn every_email_reads_as_written() {
        const ROUND: &str = "《关于促进杭州市生产性服务业高质量发展的若干举措》征求意见";
        const DOCUMENT: &str = "关于促进杭州市生产性服务业高质量发展的若干举措";
        let deadline = Utc
            .with_ymd_and_hms(2027, 1, 4, 10, 0, 0)
            .single()
            .expect("time");
        let zone = chrono_tz::Asia::Shanghai;
        let whole = |r: Rendered| format!("Subject: {}\n\n{}", r.subject, r.body_text);
        let mut all = Vec::new();
        for locale in [Locale::ZhCn, Locale::En] {
            for calendar in [Some(Basis::Official), Some(Basis::Provisional)] {
                all.push(whole(comment_request(
                    locale,
                    &CommentRequest {
                        agency_name: "西湖区",
                        document_title: DOCUMENT,
                        version_label: "征求意见稿",
                        round_title: ROUND,
                        instructions: "请结合职能提出意见。",
                        deadline,
                        time_zone: zone,
                        calendar,
                        request_id: "r1",
                        reference: Some("杭发改函〔2027〕3-12号"),
                        access: if calendar == Some(Basis::Official) {
                            Access::ClaimCode
                        } else {
                            Access::Token
                        },
                    },
                )));
            }
            for notice in [
                Notice::Reminder,
                Notice::Overdue,
                Notice::DeemedNoComments,
                Notice::Extended,
                Notice::Recounted,
                Notice::DeadlineChanged,
                Notice::Reopened,
            ] {
                all.push(whole(request_notice(
                    locale,
                    notice,
                    &RequestNotice {
                        agency_name: "西湖区",
                        round_title: ROUND,
                        deadline,
                        time_zone: zone,
                        calendar: None,
                        request_id: "r1",
                    },
                )));
            }
            all.push(whole(claim_code(
                locale,
                &ClaimNotice {
                    agency_name: "西湖区",
                    round_title: ROUND,
                    request_id: "r1",
                    reference: Some("杭发改函〔2027〕3-12号"),
                },
            )));
            for kind in [ReceiptKind::Submission, ReceiptKind::NoComments] {
                all.push(whole(receipt(
                    locale,
                    &ReceiptNotice {
                        agency_name: "西湖区",
                        round_title: ROUND,
                        number: "20270104-7K3M9-QXD2A",
                        kind,
                        issued_at: deadline,
                        time_zone: zone,
                        request_id: "r1",
                        reply_revision: 2,
                        signer: "王局长",
                        clauses: &[(Some("9.".into()), 2), (None, 1)],
                        files: &[("复函.pdf".into(), 48213, "9f86d081884c7d65".into())],
                    },
                )));
            }
            all.push(whole(version_published(
                locale,
                "西湖区",
                DOCUMENT,
                2,
                "送审稿",
            )));
            all.push(whole(decisions_published(
                locale,
                "西湖区",
                ROUND,
                &[HandledComment {
                    clause: Some("9.".into()),
                    clause_now: Some("8.".into()),
                    body: "建议增加海外仓。".into(),
                    outcome: Some(Outcome::PartiallyAdopted),
                    reason: Some("部分内容已在第10条体现".into()),
                    carried_to: vec!["8.".into(), "28.".into()],
                }],
                true,
            )));
        }
        for calendar in [None, Some(Basis::Provisional)] {
            all.push(whole(overdue_digest(
                ROUND,
                deadline,
                zone,
                &["西湖区".to_owned()],
                "已反馈29家，共30家；逾期1家。",
                calendar,
            )));
        }
        let text = crate::domain::claim::fill(
            &all.join("\n----------\n"),
            "https://consult.fgw.example",
            Some("ABCD-EFGH-JKMN-PQRS-TVWX"),
            "（已失效）",
        );
        assert!(!text.contains("《《"), "doubled book-title marks:\n{text}");
        insta::assert_snapshot!(text);
    }
}

/// A round's title as Chinese prose names it: in book-title marks (《》), unless the title
/// carries them already (`《关于……若干举措》征求意见`), which doubling would garble.
fn in_title_marks(title: &str) -> String {
    if title.contains('《') {
        title.to_owned()
    } else {
        format!("《{title}》")
    }
}

/// What a receipt (回执) says.
pub struct ReceiptNotice<'a> {
    pub agency_name: &'a str,
    pub round_title: &'a str,
    pub number: &'a str,
    pub kind: ReceiptKind,
    pub issued_at: DateTime<Utc>,
    pub time_zone: Tz,
    pub request_id: &'a str,
    pub reply_revision: i32,
    /// Who signed the reply.
    pub signer: &'a str,
    /// Comments by clause, as the draft prints the clause (`None`: general comments).
    pub clauses: &'a [(Option<String>, i64)],
    /// The files sent: name, bytes, SHA-256.
    pub files: &'a [(String, i32, String)],
}

/// The receipt for a reply, "no comments" or withdrawal: its number, when it was taken, and what
/// it holds, so that the agency can show what it sent.
pub fn receipt(locale: Locale, message: &ReceiptNotice<'_>) -> Rendered {
    let at = message.issued_at.with_timezone(&message.time_zone);
    let total: i64 = message.clauses.iter().map(|(_, n)| n).sum();
    match locale {
        Locale::ZhCn => {
            let what = match message.kind {
                ReceiptKind::Submission => format!("反馈意见{total}条"),
                ReceiptKind::NoComments => "\u{201c}无意见\u{201d}答复".to_owned(),
                ReceiptKind::Withdrawal => "撤回已提交的答复".to_owned(),
            };
            let mut body = format!(
                "{agency}：\n\n你单位于{at}就{title}{what}（第{revision}次答复，签发人：{signer}），已收到。\n\n\
                 回执编号：{number}\n征求意见函编号：{request}\n",
                agency = message.agency_name,
                at = at.format("%Y年%m月%d日%H:%M:%S"),
                title = in_title_marks(message.round_title),
                revision = message.reply_revision,
                signer = message.signer,
                number = message.number,
                request = message.request_id,
            );
            if message.kind == ReceiptKind::Submission {
                body.push_str("\n意见分布：\n");
                for (clause, count) in message.clauses {
                    match clause {
                        Some(number) => body.push_str(&format!("  条款{number}：{count}条\n")),
                        None => body.push_str(&format!("  总体意见：{count}条\n")),
                    }
                }
            }
            if !message.files.is_empty() {
                body.push_str("\n附件：\n");
                for (name, size, sha256) in message.files {
                    body.push_str(&format!("  {name}（{size}字节，SHA-256 {sha256}）\n"));
                }
            }
            Rendered {
                subject: format!("【回执】{}（{}）", message.round_title, message.number),
                body_text: body,
            }
        }
        Locale::En => {
            let what = match message.kind {
                ReceiptKind::Submission => format!("{total} comments"),
                ReceiptKind::NoComments => "a \"no comments\" reply".to_owned(),
                ReceiptKind::Withdrawal => "the withdrawal of your reply".to_owned(),
            };
            let mut body = format!(
                "To {agency}:\n\nWe received {what} on \u{201c}{title}\u{201d} at {at} ({zone}), reply revision {revision}, signed by {signer}.\n\n\
                 Receipt number: {number}\nRequest id: {request}\n",
                agency = message.agency_name,
                title = message.round_title,
                at = at.format("%Y-%m-%d %H:%M:%S"),
                zone = message.time_zone,
                revision = message.reply_revision,
                signer = message.signer,
                number = message.number,
                request = message.request_id,
            );
            if message.kind == ReceiptKind::Submission {
                body.push_str("\nBy clause:\n");
                for (clause, count) in message.clauses {
                    match clause {
                        Some(number) => body.push_str(&format!("  Clause {number}: {count}\n")),
                        None => body.push_str(&format!("  General: {count}\n")),
                    }
                }
            }
            if !message.files.is_empty() {
                body.push_str("\nFiles:\n");
                for (name, size, sha256) in message.files {
                    body.push_str(&format!("  {name} ({size} bytes, SHA-256 {sha256})\n"));
                }
            }
            Rendered {
                subject: format!("Receipt: {} ({})", message.round_title, message.number),
                body_text: body,
            }
        }
    }
}

/// What a notice about one request says.
pub struct RequestNotice<'a> {
    pub agency_name: &'a str,
    pub round_title: &'a str,
    pub deadline: DateTime<Utc>,
    pub time_zone: Tz,
    /// What a deadline counted in working days was counted on.
    pub calendar: Option<Basis>,
    pub request_id: &'a str,
}

/// Which notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The deadline is near and the agency has not replied.
    Reminder,
    /// The deadline passed with no reply.
    Overdue,
    /// The deadline passed with no reply, and the round counts that as "no comments".
    DeemedNoComments,
    /// A drafter gave the agency more time.
    Extended,
    /// The deadline was counted again once the year's holiday notice was loaded.
    Recounted,
    /// A drafter changed the round's deadline.
    DeadlineChanged,
    /// The round was closed and is open again, to a new deadline.
    Reopened,
}

/// A reminder, an overdue notice, or news of an extension, to one agency.
pub fn request_notice(locale: Locale, notice: Notice, message: &RequestNotice<'_>) -> Rendered {
    let local = message.deadline.with_timezone(&message.time_zone);
    let (zh_deadline, en_deadline) = (
        local.format("%Y年%m月%d日%H:%M").to_string(),
        format!("{} ({})", local.format("%Y-%m-%d %H:%M"), message.time_zone),
    );
    let (agency, id) = (message.agency_name, message.request_id);
    let round = message.round_title;
    let named = in_title_marks(round);
    let mut rendered = match (locale, notice) {
        (Locale::ZhCn, Notice::Reminder) => Rendered {
            subject: format!("【提醒】{round}将于{zh_deadline}截止"),
            body_text: format!(
                "{agency}：\n\n{named}的反馈截止时间为{zh_deadline}，你单位尚未反馈。请按时通过接口提交意见或\u{201c}无意见\u{201d}答复（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::ZhCn, Notice::Overdue) => Rendered {
            subject: format!("【逾期】{round}"),
            body_text: format!(
                "{agency}：\n\n{named}的反馈已于{zh_deadline}截止，你单位尚未反馈。请尽快说明情况（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::ZhCn, Notice::DeemedNoComments) => Rendered {
            subject: format!("【视为无意见】{round}"),
            body_text: format!(
                "{agency}：\n\n{named}的反馈已于{zh_deadline}截止，你单位未反馈，按约定视为无意见（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::ZhCn, Notice::Extended) => Rendered {
            subject: format!("【延期】{round}反馈时间延至{zh_deadline}"),
            body_text: format!(
                "{agency}：\n\n经研究，你单位对{named}的反馈时间延至{zh_deadline}（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::En, Notice::Reminder) => Rendered {
            subject: format!("Reminder: {round} closes {en_deadline}"),
            body_text: format!(
                "To {agency}:\n\nComments on \u{201c}{round}\u{201d} are due by {en_deadline} and we have no reply from you yet. Request id: {id}.\n"
            ),
        },
        (Locale::En, Notice::Overdue) => Rendered {
            subject: format!("Overdue: {round}"),
            body_text: format!(
                "To {agency}:\n\nComments on \u{201c}{round}\u{201d} were due by {en_deadline} and we have no reply from you. Please let us know. Request id: {id}.\n"
            ),
        },
        (Locale::En, Notice::DeemedNoComments) => Rendered {
            subject: format!("Counted as no comments: {round}"),
            body_text: format!(
                "To {agency}:\n\nComments on \u{201c}{round}\u{201d} were due by {en_deadline}; with no reply from you, you are counted as having no comments. Request id: {id}.\n"
            ),
        },
        (Locale::En, Notice::Extended) => Rendered {
            subject: format!("More time: {round} now due {en_deadline}"),
            body_text: format!(
                "To {agency}:\n\nYour reply on \u{201c}{round}\u{201d} is now due by {en_deadline}. Request id: {id}.\n"
            ),
        },
        (Locale::ZhCn, Notice::Recounted) => Rendered {
            subject: format!("【截止时间调整】{round}反馈截止时间调整为{zh_deadline}"),
            body_text: format!(
                "{agency}：\n\n根据公布的节假日安排，{named}按工作日计算的反馈截止时间调整为{zh_deadline}（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::En, Notice::Recounted) => Rendered {
            subject: format!("New deadline: {round} now due {en_deadline}"),
            body_text: format!(
                "To {agency}:\n\nCounted again on the published public holiday notice, your reply on \u{201c}{round}\u{201d} is now due by {en_deadline}. Request id: {id}.\n"
            ),
        },
        (Locale::ZhCn, Notice::DeadlineChanged) => Rendered {
            subject: format!("【截止时间调整】{round}反馈截止时间调整为{zh_deadline}"),
            body_text: format!(
                "{agency}：\n\n{named}的反馈截止时间调整为{zh_deadline}（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::ZhCn, Notice::Reopened) => Rendered {
            subject: format!("【重新征求意见】{round}反馈截止时间为{zh_deadline}"),
            body_text: format!(
                "{agency}：\n\n{named}重新开放反馈，截止时间为{zh_deadline}。已反馈的意见继续有效，如有补充请在此前提交（征求意见函编号：{id}）。\n"
            ),
        },
        (Locale::En, Notice::DeadlineChanged) => Rendered {
            subject: format!("New deadline: {round} now due {en_deadline}"),
            body_text: format!(
                "To {agency}:\n\nReplies on \u{201c}{round}\u{201d} are now due by {en_deadline}. Request id: {id}.\n"
            ),
        },
        (Locale::En, Notice::Reopened) => Rendered {
            subject: format!("Reopened: {round}, due {en_deadline}"),
            body_text: format!(
                "To {agency}:\n\n\u{201c}{round}\u{201d} is open for replies again until {en_deadline}. A reply you gave stands; send any addition before then. Request id: {id}.\n"
            ),
        },
    };
    rendered
        .body_text
        .push_str(provisional_note(locale, message.calendar));
    rendered
}

/// The drafters' digest after a round's deadline: who has not replied.
pub fn overdue_digest(
    round_title: &str,
    deadline: DateTime<Utc>,
    time_zone: Tz,
    overdue: &[String],
    summary: &str,
    calendar: Option<Basis>,
) -> Rendered {
    let local = deadline
        .with_timezone(&time_zone)
        .format("%Y年%m月%d日%H:%M");
    let list = if overdue.is_empty() {
        "（无）".to_owned()
    } else {
        overdue.join("、")
    };
    let named = in_title_marks(round_title);
    Rendered {
        subject: format!("【汇总】{round_title}截止情况"),
        body_text: format!(
            "{named}已于{local}截止。\n\n{summary}\n\n逾期未反馈：{list}\n{note}",
            note = match calendar {
                Some(Basis::Provisional) => {
                    "\n（截止时间按暂定日历计算：计算时所涉年度的节假日安排尚未载入。）\n"
                }
                _ => "",
            }
        ),
    }
}

/// News that a new version of a document an agency was consulted on is published.
pub fn version_published(
    locale: Locale,
    agency_name: &str,
    document_title: &str,
    number: i32,
    label: &str,
) -> Rendered {
    match locale {
        Locale::ZhCn => Rendered {
            subject: format!("【新版本】《{document_title}》第{number}稿（{label}）"),
            body_text: format!(
                "{agency_name}：\n\n曾征求你单位意见的《{document_title}》已形成第{number}稿（{label}），可通过接口查阅全文及与上一稿的对照。\n"
            ),
        },
        Locale::En => Rendered {
            subject: format!(
                "New version: \u{201c}{document_title}\u{201d}, version {number} ({label})"
            ),
            body_text: format!(
                "To {agency_name}:\n\nVersion {number} ({label}) of \u{201c}{document_title}\u{201d}, on which you were consulted, is published. Its text and the changes from the previous version are available through the API.\n"
            ),
        },
    }
}

/// One of an agency's comments and how it was handled.
pub struct HandledComment {
    /// The clause's number as commented, when on a clause.
    pub clause: Option<String>,
    /// Its number in the next version, when it is still there.
    pub clause_now: Option<String>,
    pub body: String,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    /// The numbers, in the next version, of the clauses the decision was carried into, when the
    /// drafter named them.
    pub carried_to: Vec<String>,
}

/// Where a comment was, and what became of its clause in the revised text (when there is one).
fn clause_line(locale: Locale, item: &HandledComment, revised: bool) -> String {
    let Some(was) = item.clause.as_deref() else {
        return match locale {
            Locale::ZhCn => "总体意见".to_owned(),
            Locale::En => "General".to_owned(),
        };
    };
    let was = number(was);
    let now = item.clause_now.as_deref().map(number);
    match (locale, now) {
        (Locale::ZhCn, Some(now)) if now != was => format!("条款{was}（修改后为{now}）"),
        (Locale::ZhCn, None) if revised => format!("条款{was}（修改后已删除）"),
        (Locale::ZhCn, _) => format!("条款{was}"),
        (Locale::En, Some(now)) if now != was => format!("Clause {was} (now {now})"),
        (Locale::En, None) if revised => format!("Clause {was} (removed)"),
        (Locale::En, _) => format!("Clause {was}"),
    }
}

/// A clause number without its trailing punctuation (`一、` → `一`, `3.` → `3`).
fn number(displayed: &str) -> &str {
    displayed.trim_end_matches(['、', '.', '．'])
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        text.chars().take(MAX).chain(['…']).collect()
    }
}

/// The decisions on an agency's comments, when the office publishes them; `revised` when there
/// is a next version for the clauses' new numbers to come from.
pub fn decisions_published(
    locale: Locale,
    agency_name: &str,
    round_title: &str,
    items: &[HandledComment],
    revised: bool,
) -> Rendered {
    let mut lines = String::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let body = excerpt(&item.body);
        let reason = item.reason.as_deref().unwrap_or("");
        match locale {
            Locale::ZhCn => {
                let clause = clause_line(locale, item, revised);
                let outcome = item.outcome.map_or("未处理", Outcome::label_zh);
                lines.push_str(&format!("{n}. {clause}：{body}\n   处理情况：{outcome}"));
                if !reason.is_empty() {
                    lines.push_str(&format!("；理由：{reason}"));
                }
                if !item.carried_to.is_empty() {
                    let to: Vec<String> = item
                        .carried_to
                        .iter()
                        .map(|c| format!("条款{}", number(c)))
                        .collect();
                    lines.push_str(&format!("；修改后见{}", to.join("、")));
                }
            }
            Locale::En => {
                let clause = clause_line(locale, item, revised);
                let outcome = item.outcome.map_or("undecided", Outcome::label_en);
                lines.push_str(&format!("{n}. {clause}: {body}\n   Decision: {outcome}"));
                if !reason.is_empty() {
                    lines.push_str(&format!("; reason: {reason}"));
                }
                if !item.carried_to.is_empty() {
                    let to: Vec<&str> = item.carried_to.iter().map(|c| number(c)).collect();
                    lines.push_str(&format!("; now in clause {}", to.join(", ")));
                }
            }
        }
        lines.push('\n');
    }
    match locale {
        Locale::ZhCn => Rendered {
            subject: format!("【意见采纳情况】{round_title}"),
            body_text: format!(
                "{agency_name}：\n\n感谢你单位对{round_title}提出的意见。各条意见的采纳情况如下：\n\n{lines}\n修改后的文本及意见采纳情况表可通过接口查阅。\n"
            ),
        },
        Locale::En => Rendered {
            subject: format!("Decisions on your comments: {round_title}"),
            body_text: format!(
                "To {agency_name}:\n\nThank you for your comments on {round_title}. This is how each was handled:\n\n{lines}\nThe revised text and the adoption table are available through the API.\n"
            ),
        },
    }
}
