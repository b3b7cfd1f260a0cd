//! The adoption table (意见采纳情况表) the office publishes at the end of a round, and its
//! CSV and XLSX forms.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use utoipa::ToSchema;

use super::carry::CarriedQuote;
use super::comment::CommentKind;
use super::decision::Outcome;
use super::draft::diff::ChangeKind;

/// An agency as the table names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TableAgency {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// One comment in a row of the table.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TableComment {
    pub comment_id: String,
    pub agency: TableAgency,
    pub kind: CommentKind,
    pub clause_key: Option<String>,
    /// What became of its clause in the next version.
    pub clause_fate: Option<ClauseFate>,
    /// The passage it quotes, as written.
    pub quote: Option<String>,
    /// Where that passage is in the next version's clause.
    pub quote_carried: Option<CarriedQuote>,
    pub body: String,
    pub proposed_text: Option<String>,
    pub late: bool,
}

/// What became of the commented clause in the next version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClauseFate {
    pub status: ChangeKind,
    pub renumbered: bool,
}

/// A group a row stands for.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TableGroup {
    pub id: String,
    pub title: String,
}

/// One row: a comment, or a group of comments decided once.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TableRow {
    /// Its number in the table, from 1.
    pub number: usize,
    pub group: Option<TableGroup>,
    /// The comment, or the group's members.
    pub comments: Vec<TableComment>,
    /// The clause commented on (the first member's, for a group); absent for general comments.
    pub clause_key: Option<String>,
    /// Its number and heading in the version consulted on.
    pub clause_label: Option<String>,
    pub clause_as_commented: Option<String>,
    /// Its number and heading in the next version.
    pub clause_label_next: Option<String>,
    /// Its text in the next version; absent when removed or when there is none yet.
    pub clause_in_next: Option<String>,
    pub clause_fate: Option<ClauseFate>,
    pub outcome: Option<Outcome>,
    pub reason: Option<String>,
    /// The clauses of the next version the drafter linked to the decision.
    pub linked_clauses: Vec<String>,
    /// Those clauses as they read in the next version (a removed one: as it was, without text).
    pub linked_in_next: Vec<LinkedClause>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A clause a decision is linked to, as the next version has it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LinkedClause {
    pub key: String,
    /// Its number and heading.
    pub label: Option<String>,
    /// Its text in the next version; absent when the next version removed it.
    pub text: Option<String>,
}

/// Comments and rows with one outcome.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeTotal {
    /// Absent for the undecided.
    pub outcome: Option<Outcome>,
    pub comments: usize,
    pub rows: usize,
}

/// One agency's comments by outcome.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AgencyTotal {
    pub agency: TableAgency,
    pub comments: usize,
    pub adopted: usize,
    pub partially_adopted: usize,
    pub not_adopted: usize,
    pub noted: usize,
    pub undecided: usize,
}

impl AgencyTotal {
    /// A line of zeros for `agency`.
    pub fn new(agency: TableAgency) -> Self {
        AgencyTotal {
            agency,
            comments: 0,
            adopted: 0,
            partially_adopted: 0,
            not_adopted: 0,
            noted: 0,
            undecided: 0,
        }
    }

    /// Counts one comment.
    pub fn count(&mut self, outcome: Option<Outcome>) {
        self.comments += 1;
        *match outcome {
            Some(Outcome::Adopted) => &mut self.adopted,
            Some(Outcome::PartiallyAdopted) => &mut self.partially_adopted,
            Some(Outcome::NotAdopted) => &mut self.not_adopted,
            Some(Outcome::Noted) => &mut self.noted,
            None => &mut self.undecided,
        } += 1;
    }
}

/// The totals of the table.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Totals {
    pub by_outcome: Vec<OutcomeTotal>,
    /// Agencies that commented, by code.
    pub by_agency: Vec<AgencyTotal>,
}

/// The adoption table of a round.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdoptionTable {
    pub round_id: String,
    pub round_title: String,
    pub document_title: String,
    /// The version consulted on.
    pub version: i32,
    /// The version that carries the decisions, once prepared.
    pub next_version: Option<i32>,
    /// Absent while the decisions are not yet published (a working copy for the office).
    pub decisions_published_at: Option<DateTime<Utc>>,
    pub check_override: Option<String>,
    pub rows: Vec<TableRow>,
    /// Agencies that replied they have no comments (无意见).
    pub no_comments: Vec<TableAgency>,
    /// Agencies counted as having none, silent at the deadline of a round that says so.
    pub deemed_no_comments: Vec<TableAgency>,
    /// Agencies that did not reply.
    pub no_reply: Vec<TableAgency>,
    pub totals: Totals,
}

const HEADERS: [&str; 9] = [
    "序号",
    "提出单位",
    "条款",
    "原文",
    "修改后条文",
    "意见内容",
    "修改建议",
    "处理结果",
    "理由",
];

const OUTCOME_HEADERS: [&str; 7] = [
    "单位",
    "意见数",
    "采纳",
    "部分采纳",
    "不予采纳",
    "已知悉",
    "未处理",
];

fn names(agencies: &[TableAgency]) -> String {
    agencies
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

impl TableRow {
    /// The row's cells, in the order of the table's headers.
    fn cells(&self) -> [String; 9] {
        let mut agencies: Vec<&str> = Vec::new();
        for c in &self.comments {
            if !agencies.contains(&c.agency.name.as_str()) {
                agencies.push(&c.agency.name);
            }
        }
        let several = self.comments.len() > 1;
        let each = |text: &dyn Fn(&TableComment) -> Option<String>| {
            self.comments
                .iter()
                .filter_map(|c| {
                    text(c).map(|t| {
                        if several {
                            format!("【{}】{t}", c.agency.name)
                        } else {
                            t
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let outcome = self.outcome.map_or("未处理", Outcome::label_zh);
        // Where the decision put the comment, when the drafter said; else the clause commented on.
        let next = if self.linked_in_next.is_empty() {
            match (&self.clause_fate, &self.clause_in_next) {
                (Some(f), _) if f.status == ChangeKind::Removed => "（已删除）".to_owned(),
                (_, Some(text)) => text.clone(),
                _ => String::new(),
            }
        } else {
            self.linked_in_next
                .iter()
                .map(|c| {
                    let label = c.label.as_deref().unwrap_or(&c.key);
                    match &c.text {
                        Some(text) => format!("{label}　{text}"),
                        None => format!("{label}（已删除）"),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        [
            self.number.to_string(),
            agencies.join("、"),
            self.clause_label
                .clone()
                .unwrap_or_else(|| "总体意见".into()),
            self.clause_as_commented.clone().unwrap_or_default(),
            next,
            each(&|c| Some(c.body.clone())),
            each(&|c| c.proposed_text.clone()),
            outcome.to_owned(),
            self.reason.clone().unwrap_or_default(),
        ]
    }
}

impl AgencyTotal {
    fn cells(&self) -> [String; 7] {
        [
            self.agency.name.clone(),
            self.comments.to_string(),
            self.adopted.to_string(),
            self.partially_adopted.to_string(),
            self.not_adopted.to_string(),
            self.noted.to_string(),
            self.undecided.to_string(),
        ]
    }
}

/// A CSV cell: a leading `=`, `+`, `-`, `@` (or tab, carriage return) gets a `'` so that a
/// spreadsheet shows it as text instead of running it as a formula; quoted when it needs to be.
pub fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn csv_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell.as_ref()));
    }
    out.push_str("\r\n");
}

impl AdoptionTable {
    /// The table as CSV: UTF-8 with a byte-order mark (so that Excel reads the Chinese), CRLF
    /// lines; the rows, then the agencies without comments, then the totals.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(256 + self.rows.len() * 256);
        out.push('\u{feff}');
        csv_line(&mut out, &HEADERS);
        for row in &self.rows {
            csv_line(&mut out, &row.cells());
        }
        out.push_str("\r\n");
        csv_line(&mut out, &["无意见单位", &names(&self.no_comments)]);
        csv_line(
            &mut out,
            &["视为无意见单位", &names(&self.deemed_no_comments)],
        );
        csv_line(&mut out, &["未反馈单位", &names(&self.no_reply)]);
        out.push_str("\r\n");
        csv_line(&mut out, &OUTCOME_HEADERS);
        for total in &self.totals.by_agency {
            csv_line(&mut out, &total.cells());
        }
        let all = self.overall();
        csv_line(&mut out, &all.cells());
        out
    }

    /// Leaves out what is the office's own business: who decided, and why it published despite
    /// the check's findings.
    pub fn without_internals(&mut self) {
        self.check_override = None;
        for row in &mut self.rows {
            row.decided_by = None;
        }
    }

    /// Every agency's counts added up.
    fn overall(&self) -> AgencyTotal {
        let mut all = AgencyTotal::new(TableAgency {
            id: String::new(),
            code: String::new(),
            name: "合计".into(),
        });
        for t in &self.totals.by_agency {
            all.comments += t.comments;
            all.adopted += t.adopted;
            all.partially_adopted += t.partially_adopted;
            all.not_adopted += t.not_adopted;
            all.noted += t.noted;
            all.undecided += t.undecided;
        }
        all
    }

    /// The table as an XLSX workbook, written row by row in constant-memory mode: the rows, the
    /// replies without comments, and the totals on three sheets.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        {
            let sheet = workbook.add_worksheet_with_constant_memory();
            sheet.set_name("意见采纳情况")?;
            // Wrapping is the columns' format: a format on each cell costs a lookup per cell.
            for (col, width) in [6, 16, 14, 40, 40, 40, 30, 10, 30].into_iter().enumerate() {
                sheet.set_column_width(col as u16, width)?;
                sheet.set_column_format(col as u16, &wrap)?;
            }
            write_line(sheet, 0, &HEADERS, Some(&bold))?;
            for (i, row) in self.rows.iter().enumerate() {
                write_line(sheet, i as u32 + 1, &row.cells(), None)?;
            }
        }
        {
            let sheet = workbook.add_worksheet_with_constant_memory();
            sheet.set_name("反馈情况")?;
            sheet.set_column_width(0, 16)?;
            sheet.set_column_width(1, 30)?;
            write_line(sheet, 0, &["反馈情况", "单位"], Some(&bold))?;
            let lists = [
                ("无意见", &self.no_comments),
                ("视为无意见", &self.deemed_no_comments),
                ("未反馈", &self.no_reply),
            ];
            let mut line = 1;
            for (label, agencies) in lists {
                for agency in agencies {
                    write_line(sheet, line, &[label, agency.name.as_str()], None)?;
                    line += 1;
                }
            }
        }
        {
            let sheet = workbook.add_worksheet_with_constant_memory();
            sheet.set_name("统计")?;
            sheet.set_column_width(0, 24)?;
            write_line(sheet, 0, &OUTCOME_HEADERS, Some(&bold))?;
            let overall = self.overall();
            for (line, total) in (1..).zip(self.totals.by_agency.iter().chain([&overall])) {
                let cells = total.cells();
                sheet.write_string(line, 0, &cells[0])?;
                for (col, cell) in cells.iter().enumerate().skip(1) {
                    sheet.write_number(line, col as u16, cell.parse::<f64>().unwrap_or(0.0))?;
                }
            }
        }
        workbook.save_to_buffer()
    }
}

/// Most characters Excel keeps in a cell.
const MAX_CELL: usize = 32_767;

/// A cell's text, cut to what Excel keeps (a group's members joined can be longer); the CSV
/// and JSON forms carry it whole.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    const MORE: &str = "…（全文见 CSV 或 JSON）";
    if text.chars().count() <= MAX_CELL {
        return text.into();
    }
    let keep = MAX_CELL - MORE.chars().count();
    text.chars()
        .take(keep)
        .chain(MORE.chars())
        .collect::<String>()
        .into()
}

fn write_line<S: AsRef<str>>(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[S],
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let text = fit(cell.as_ref());
        match format {
            Some(f) => sheet.write_string_with_format(row, col as u16, text.as_ref(), f)?,
            None => sheet.write_string(row, col as u16, text.as_ref())?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_stay_text() {
        assert_eq!(csv_cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(csv_cell("+86 571"), "'+86 571");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@cmd"), "'@cmd");
        assert_eq!(
            csv_cell("建议增加\"海外仓\"，布局"),
            "\"建议增加\"\"海外仓\"\"，布局\""
        );
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("一行\n两行"), "\"一行\n两行\"");
        assert_eq!(csv_cell("研发投入"), "研发投入");
    }

    #[test]
    fn cells_longer_than_excel_keeps_are_cut_with_a_note() {
        let long = "意".repeat(MAX_CELL + 10);
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), MAX_CELL);
        assert!(cut.ends_with("（全文见 CSV 或 JSON）"));
        assert_eq!(fit("短"), "短");
    }
}
