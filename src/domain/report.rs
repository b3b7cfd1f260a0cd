//! The adoption table (意见采纳情况表) the office publishes at the end of a round, and its
//! JSON, CSV and XLSX forms, each written row by row as the table is read.

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

/// What the table says before its rows: which round, which versions, whether published.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TableHead {
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
}

/// What the table says after its rows: the agencies without comments, and the totals.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TableTail {
    /// Agencies that replied they have no comments (无意见).
    pub no_comments: Vec<TableAgency>,
    /// Agencies counted as having none, silent at the deadline of a round that says so.
    pub deemed_no_comments: Vec<TableAgency>,
    /// Agencies that did not reply.
    pub no_reply: Vec<TableAgency>,
    pub totals: Totals,
}

/// The adoption table of a round: its head, its rows in clause order, and its tail: the JSON
/// form's schema. The service writes it row by row as it reads them, so the response starts at
/// once however large the round.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdoptionTable {
    #[serde(flatten)]
    pub head: TableHead,
    pub rows: Vec<TableRow>,
    #[serde(flatten)]
    pub tail: TableTail,
}

/// The forms the table is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Json,
    /// UTF-8 with a byte-order mark, for spreadsheets.
    Csv,
    Xlsx,
}

impl TableFormat {
    /// The media type a download of the form is sent as.
    pub fn content_type(self) -> &'static str {
        match self {
            TableFormat::Json => "application/json",
            TableFormat::Csv => "text/csv; charset=utf-8",
            TableFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    /// The end of a downloaded file's name.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Json => "json",
            TableFormat::Csv => "csv",
            TableFormat::Xlsx => "xlsx",
        }
    }
}

/// Takes a table in document order, head, rows, tail, so that a form is written as the rows
/// are read instead of after the whole table is in memory.
pub trait TableSink {
    fn head(&mut self, head: &TableHead) -> std::io::Result<()>;
    fn row(&mut self, row: &TableRow) -> std::io::Result<()>;
    fn tail(&mut self, tail: &TableTail) -> std::io::Result<()>;
}

/// The JSON form, written as it comes: the same document as [`AdoptionTable`] serialised.
pub struct JsonForm<W> {
    out: W,
    rows: usize,
}

impl<W: std::io::Write> JsonForm<W> {
    pub fn new(out: W) -> Self {
        JsonForm { out, rows: 0 }
    }

    /// What it wrote to.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// `value` as a JSON object without its closing brace (or, with `open`, its opening one).
fn object_part(value: &impl Serialize, open: bool) -> std::io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(value)?;
    if open {
        bytes.remove(0);
    } else {
        bytes.pop();
    }
    Ok(bytes)
}

impl<W: std::io::Write> TableSink for JsonForm<W> {
    fn head(&mut self, head: &TableHead) -> std::io::Result<()> {
        self.out.write_all(&object_part(head, false)?)?;
        self.out.write_all(br#","rows":["#)
    }

    fn row(&mut self, row: &TableRow) -> std::io::Result<()> {
        if self.rows > 0 {
            self.out.write_all(b",")?;
        }
        self.rows += 1;
        serde_json::to_writer(&mut self.out, row)?;
        Ok(())
    }

    fn tail(&mut self, tail: &TableTail) -> std::io::Result<()> {
        self.out.write_all(b"],")?;
        self.out.write_all(&object_part(tail, true)?)?;
        self.out.flush()
    }
}

/// The CSV form, written as it comes: UTF-8 with a byte-order mark (so that Excel reads the
/// Chinese), CRLF lines; the rows, then the agencies without comments, then the totals.
pub struct CsvForm<W> {
    out: W,
    line: String,
}

impl<W: std::io::Write> CsvForm<W> {
    pub fn new(out: W) -> Self {
        CsvForm {
            out,
            line: String::new(),
        }
    }

    /// What it wrote to.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn line<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.line.clear();
        csv_line(&mut self.line, cells);
        self.out.write_all(self.line.as_bytes())
    }
}

impl<W: std::io::Write> TableSink for CsvForm<W> {
    fn head(&mut self, _head: &TableHead) -> std::io::Result<()> {
        self.out.write_all("\u{feff}".as_bytes())?;
        self.line(&HEADERS)
    }

    fn row(&mut self, row: &TableRow) -> std::io::Result<()> {
        self.line(&row.cells())
    }

    fn tail(&mut self, tail: &TableTail) -> std::io::Result<()> {
        self.out.write_all(b"\r\n")?;
        self.line(&["无意见单位", &names(&tail.no_comments)])?;
        self.line(&["视为无意见单位", &names(&tail.deemed_no_comments)])?;
        self.line(&["未反馈单位", &names(&tail.no_reply)])?;
        self.out.write_all(b"\r\n")?;
        self.line(&OUTCOME_HEADERS)?;
        for total in &tail.totals.by_agency {
            self.line(&total.cells())?;
        }
        self.line(&tail.totals.overall().cells())?;
        self.out.flush()
    }
}

/// The XLSX form: the rows, the replies without comments and the totals on three sheets. The
/// workbook is in constant-memory mode, each row going to a temporary file as it is written;
/// [`XlsxForm::finish`] puts the workbook together in `out`.
pub struct XlsxForm {
    workbook: Workbook,
    rows: u32,
}

pub(super) fn xlsx_error(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e)
}

impl XlsxForm {
    pub fn new() -> Self {
        XlsxForm {
            workbook: Workbook::new(),
            rows: 0,
        }
    }

    /// Writes the finished workbook to `out`.
    pub fn finish<W: std::io::Write + std::io::Seek + Send>(
        mut self,
        out: W,
    ) -> std::io::Result<()> {
        self.workbook.save_to_writer(out).map_err(xlsx_error)
    }
}

impl Default for XlsxForm {
    fn default() -> Self {
        XlsxForm::new()
    }
}

impl TableSink for XlsxForm {
    fn head(&mut self, _head: &TableHead) -> std::io::Result<()> {
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        sheet.set_name("意见采纳情况").map_err(xlsx_error)?;
        // Wrapping is the columns' format: a format on each cell costs a lookup per cell.
        for (col, width) in [6, 16, 14, 40, 40, 40, 30, 10, 30].into_iter().enumerate() {
            sheet
                .set_column_width(col as u16, width)
                .map_err(xlsx_error)?;
            sheet
                .set_column_format(col as u16, &wrap)
                .map_err(xlsx_error)?;
        }
        write_line(sheet, 0, &HEADERS, Some(&bold)).map_err(xlsx_error)
    }

    fn row(&mut self, row: &TableRow) -> std::io::Result<()> {
        self.rows += 1;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        write_line(sheet, self.rows, &row.cells(), None).map_err(xlsx_error)
    }

    fn tail(&mut self, tail: &TableTail) -> std::io::Result<()> {
        let bold = Format::new().set_bold();
        {
            let sheet = self.workbook.add_worksheet_with_constant_memory();
            sheet.set_name("反馈情况").map_err(xlsx_error)?;
            sheet.set_column_width(0, 16).map_err(xlsx_error)?;
            sheet.set_column_width(1, 30).map_err(xlsx_error)?;
            write_line(sheet, 0, &["反馈情况", "单位"], Some(&bold)).map_err(xlsx_error)?;
            let lists = [
                ("无意见", &tail.no_comments),
                ("视为无意见", &tail.deemed_no_comments),
                ("未反馈", &tail.no_reply),
            ];
            let mut line = 1;
            for (label, agencies) in lists {
                for agency in agencies {
                    write_line(sheet, line, &[label, agency.name.as_str()], None)
                        .map_err(xlsx_error)?;
                    line += 1;
                }
            }
        }
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        sheet.set_name("统计").map_err(xlsx_error)?;
        sheet.set_column_width(0, 24).map_err(xlsx_error)?;
        write_line(sheet, 0, &OUTCOME_HEADERS, Some(&bold)).map_err(xlsx_error)?;
        let overall = tail.totals.overall();
        for (line, total) in (1..).zip(tail.totals.by_agency.iter().chain([&overall])) {
            let cells = total.cells();
            sheet.write_string(line, 0, &cells[0]).map_err(xlsx_error)?;
            for (col, cell) in cells.iter().enumerate().skip(1) {
                sheet
                    .write_number(line, col as u16, cell.parse::<f64>().unwrap_or(0.0))
                    .map_err(xlsx_error)?;
            }
        }
        Ok(())
    }
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

pub(super) fn csv_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell.as_ref()));
    }
    out.push_str("\r\n");
}

impl Totals {
    /// Every agency's counts added up.
    fn overall(&self) -> AgencyTotal {
        let mut all = AgencyTotal::new(TableAgency {
            id: String::new(),
            code: String::new(),
            name: "合计".into(),
        });
        for t in &self.by_agency {
            all.comments += t.comments;
            all.adopted += t.adopted;
            all.partially_adopted += t.partially_adopted;
            all.not_adopted += t.not_adopted;
            all.noted += t.noted;
            all.undecided += t.undecided;
        }
        all
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

pub(super) fn write_line<S: AsRef<str>>(
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

    impl AdoptionTable {
        /// Gives the table to `sink` part by part, as a streamed one arrives.
        fn replay(&self, sink: &mut dyn TableSink) -> std::io::Result<()> {
            sink.head(&self.head)?;
            for row in &self.rows {
                sink.row(row)?;
            }
            sink.tail(&self.tail)
        }
    }

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

    fn agency(code: &str) -> TableAgency {
        TableAgency {
            id: format!("id-{code}"),
            code: code.into(),
            name: format!("{code}局"),
        }
    }

    fn table(rows: usize) -> AdoptionTable {
        let row = |number| TableRow {
            number,
            group: None,
            comments: vec![TableComment {
                comment_id: format!("c{number}"),
                agency: agency("jingxin"),
                kind: CommentKind::Amend,
                clause_key: Some("m9".into()),
                clause_fate: None,
                quote: None,
                quote_carried: None,
                body: "建议增加\"海外仓\"，布局".into(),
                proposed_text: Some("=1+1".into()),
                late: false,
            }],
            clause_key: Some("m9".into()),
            clause_label: Some("9.".into()),
            clause_as_commented: Some("做优做强跨境电商。".into()),
            clause_label_next: None,
            clause_in_next: None,
            clause_fate: None,
            outcome: Some(Outcome::Noted),
            reason: Some("已知悉".into()),
            linked_clauses: Vec::new(),
            linked_in_next: Vec::new(),
            decided_by: Some("drafter".into()),
            decided_at: None,
        };
        let mut total = AgencyTotal::new(agency("jingxin"));
        for _ in 0..rows {
            total.count(Some(Outcome::Noted));
        }
        AdoptionTable {
            head: TableHead {
                round_id: "r1".into(),
                round_title: "征求意见".into(),
                document_title: "行动方案".into(),
                version: 1,
                next_version: Some(2),
                decisions_published_at: None,
                check_override: None,
            },
            rows: (1..=rows).map(row).collect(),
            tail: TableTail {
                no_comments: vec![agency("xihu")],
                deemed_no_comments: Vec::new(),
                no_reply: vec![agency("shangwu")],
                totals: Totals {
                    by_outcome: Vec::new(),
                    by_agency: vec![total],
                },
            },
        }
    }

    #[test]
    fn the_json_form_written_row_by_row_is_the_table_serialised() {
        for rows in [0, 1, 3] {
            let table = table(rows);
            let mut form = JsonForm::new(Vec::new());
            table.replay(&mut form).unwrap();
            let written: serde_json::Value = serde_json::from_slice(&form.into_inner()).unwrap();
            assert_eq!(
                written,
                serde_json::to_value(&table).unwrap(),
                "{rows} rows"
            );
        }
    }

    #[test]
    fn the_csv_form_has_the_rows_then_the_agencies_then_the_totals() {
        let mut form = CsvForm::new(Vec::new());
        table(2).replay(&mut form).unwrap();
        let text = String::from_utf8(form.into_inner()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}序号,提出单位,条款"));
        assert_eq!(
            lines[1],
            "1,jingxin局,9.,做优做强跨境电商。,,\"建议增加\"\"海外仓\"\"，布局\",'=1+1,已知悉,已知悉"
        );
        assert!(lines[2].starts_with("2,"));
        assert_eq!(lines[4], "无意见单位,xihu局");
        assert_eq!(lines[6], "未反馈单位,shangwu局");
        assert_eq!(lines[9], "jingxin局,2,0,0,0,2,0");
        assert_eq!(lines[10], "合计,2,0,0,0,2,0");
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
