//! The request ledger as the office files it (征求意见情况登记表): who was asked, when, what they
//! answered, by which means, late or not. CSV and XLSX with the adoption table's conventions:
//! Chinese headers, times in the round's time zone, UTF-8 with a byte-order mark and CRLF lines,
//! cells guarded against formulas.

use rust_xlsxwriter::{Format, Workbook};

use super::report::{csv_line, write_line, xlsx_error};
use super::round::{ReplyKind, ReplySource, RequestState};

/// One request, as its line reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerLine {
    pub agency_code: String,
    pub agency_name: String,
    pub reference: Option<String>,
    pub state: RequestState,
    /// Local times, `2026-12-04 18:00`.
    pub issued_at: Option<String>,
    pub deadline: Option<String>,
    pub extension_reason: Option<String>,
    pub viewed_at: Option<String>,
    pub reply: Option<LedgerReply>,
    /// The standing reply's revision: the agency's how-manieth answer.
    pub revision: i32,
    pub cancel_reason: Option<String>,
}

/// The reply that stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerReply {
    pub kind: ReplyKind,
    pub submitted_at: String,
    pub source: ReplySource,
    pub late: bool,
    pub signer: String,
    pub contact: String,
    pub comments: Option<i64>,
}

const HEADERS: [&str; 15] = [
    "序号",
    "单位代码",
    "单位名称",
    "文号",
    "状态",
    "发函时间",
    "反馈截止时间",
    "延期理由",
    "查阅时间",
    "答复",
    "答复时间",
    "答复方式",
    "是否逾期",
    "签发人及联系人",
    "意见条数",
];

/// The state as the ledger names it.
pub fn state_name(state: RequestState) -> &'static str {
    match state {
        RequestState::Pending => "待查阅",
        RequestState::Viewed => "已查阅未答复",
        RequestState::Submitted => "已提出意见",
        RequestState::NoComments => "无意见",
        RequestState::DeemedNoComments => "逾期视为无意见",
        RequestState::Overdue => "逾期未答复",
        RequestState::Cancelled => "已撤销",
    }
}

fn source_name(source: ReplySource) -> &'static str {
    match source {
        ReplySource::Api => "系统接口",
        ReplySource::Paper => "纸质来函",
        ReplySource::Email => "电子邮件",
        ReplySource::Fax => "传真",
        ReplySource::Other => "其他",
    }
}

impl LedgerLine {
    fn cells(&self, n: usize) -> Vec<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let reply = self.reply.as_ref();
        let mut extension = text(&self.extension_reason);
        if let Some(reason) = &self.cancel_reason {
            extension = format!("撤销：{reason}");
        }
        vec![
            n.to_string(),
            self.agency_code.clone(),
            self.agency_name.clone(),
            text(&self.reference),
            state_name(self.state).to_owned(),
            text(&self.issued_at),
            text(&self.deadline),
            extension,
            text(&self.viewed_at),
            reply.map_or(String::new(), |r| match r.kind {
                ReplyKind::Comments => format!("提出意见（第{}次答复）", self.revision),
                ReplyKind::NoComments => format!("无意见（第{}次答复）", self.revision),
            }),
            reply.map_or(String::new(), |r| r.submitted_at.clone()),
            reply.map_or(String::new(), |r| source_name(r.source).to_owned()),
            reply.map_or(String::new(), |r| {
                if r.late { "是" } else { "否" }.to_owned()
            }),
            reply.map_or(String::new(), |r| format!("{}；{}", r.signer, r.contact)),
            reply
                .and_then(|r| r.comments)
                .map_or(String::new(), |n| n.to_string()),
        ]
    }
}

/// The ledger as CSV: a title line, the headers, a line per request, then the summary.
pub fn csv(title: &str, lines: &[LedgerLine], summary: &str) -> String {
    let mut out = String::from("\u{feff}");
    csv_line(&mut out, &[format!("征求意见情况登记表：{title}")]);
    csv_line(&mut out, &HEADERS);
    for (i, line) in lines.iter().enumerate() {
        csv_line(&mut out, &line.cells(i + 1));
    }
    out.push_str("\r\n");
    csv_line(&mut out, &["汇总", summary]);
    out
}

/// The ledger as an XLSX workbook of one sheet, laid out as the CSV.
pub fn xlsx(title: &str, lines: &[LedgerLine], summary: &str) -> std::io::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("征求意见情况").map_err(xlsx_error)?;
    for (col, width) in [6, 12, 24, 26, 14, 18, 18, 24, 18, 22, 18, 12, 10, 30, 10]
        .into_iter()
        .enumerate()
    {
        sheet
            .set_column_width(col as u16, width)
            .map_err(xlsx_error)?;
    }
    write_line(
        sheet,
        0,
        &[format!("征求意见情况登记表：{title}")],
        Some(&bold),
    )
    .map_err(xlsx_error)?;
    write_line(sheet, 1, &HEADERS, Some(&bold)).map_err(xlsx_error)?;
    let mut row = 2;
    for (i, line) in lines.iter().enumerate() {
        write_line(sheet, row, &line.cells(i + 1), None).map_err(xlsx_error)?;
        row += 1;
    }
    write_line(sheet, row + 1, &["汇总", summary], Some(&bold)).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_as_the_office_files_it() {
        let line = LedgerLine {
            agency_code: "xihu".into(),
            agency_name: "西湖区".into(),
            reference: Some("杭发改函〔2026〕88-3号".into()),
            state: RequestState::NoComments,
            issued_at: Some("2026-05-30 09:00".into()),
            deadline: Some("2026-06-05 18:00".into()),
            extension_reason: None,
            viewed_at: None,
            reply: Some(LedgerReply {
                kind: ReplyKind::NoComments,
                submitted_at: "2026-06-01 10:30".into(),
                source: ReplySource::Fax,
                late: false,
                signer: "王局长".into(),
                contact: "李明 0571-85000000".into(),
                comments: None,
            }),
            revision: 1,
            cancel_reason: None,
        };
        let text = csv("《若干举措》", &[line], "1 of 1 replied");
        assert!(text.starts_with("\u{feff}征求意见情况登记表：《若干举措》\r\n序号,单位代码"));
        assert!(text.contains(
            "1,xihu,西湖区,杭发改函〔2026〕88-3号,无意见,2026-05-30 09:00,2026-06-05 18:00,,,无意见（第1次答复）,2026-06-01 10:30,传真,否,王局长；李明 0571-85000000,\r\n"
        ), "{text}");
    }
}
