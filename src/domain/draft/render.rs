//! Diffs in forms a drafter reads: plain text, and an HTML page with the versions side by side.

use std::fmt::Write;

use super::Clause;
use super::diff::{ChangeKind, ClauseChange, ClauseSide, Segment, SegmentOp, VersionDiff};

/// A version as plain text, in the layout drafts are written in and read back in: the title,
/// then each clause in document order, its number as printed before its heading (its text on
/// the next line) or before its text.
pub fn draft_text(title: &str, clauses: &[Clause]) -> String {
    let mut out = format!("{title}\n\n");
    for clause in clauses {
        out.push_str(&clause.number);
        match &clause.heading {
            Some(heading) => {
                out.push_str(heading);
                out.push('\n');
                if !clause.text.is_empty() {
                    out.push_str(&clause.text);
                    out.push('\n');
                }
            }
            None => {
                out.push_str(&clause.text);
                out.push('\n');
            }
        }
    }
    out
}

fn status_word(change: &ClauseChange) -> &'static str {
    match change.status {
        ChangeKind::Added => "新增",
        ChangeKind::Removed => "删除",
        ChangeKind::Modified => "修改",
        ChangeKind::Moved => "移动",
        ChangeKind::Unchanged => "未变",
    }
}

fn summary_line(diff: &VersionDiff) -> String {
    let s = &diff.summary;
    format!(
        "新增 {} 条，删除 {} 条，修改 {} 条，移动 {} 条，未变 {} 条（其中重新编号 {} 条）",
        s.added, s.removed, s.modified, s.moved, s.unchanged, s.renumbered
    )
}

/// Plain text: a summary, then one line a clause; `[-deleted-]` and `{+inserted+}` inline.
pub fn text(title: &str, from: i32, to: i32, diff: &VersionDiff) -> String {
    let mut out = format!("{title}\n第{from}稿 → 第{to}稿\n{}\n\n", summary_line(diff));
    for change in &diff.changes {
        let marker = match change.status {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Modified => '~',
            ChangeKind::Moved => '>',
            ChangeKind::Unchanged => ' ',
        };
        let side = change.new.as_ref().or(change.old.as_ref());
        let number = side.map_or("", |s| s.number.as_str());
        let _ = write!(out, "{marker} [{}] {number} ", change.key);
        if change.renumbered {
            let old = change.old.as_ref().map_or("", |s| s.number.as_str());
            let _ = write!(out, "(原 {old}) ");
        }
        if let Some(segments) = &change.heading_diff {
            out.push_str(&inline_text(segments));
            out.push(' ');
        } else if let Some(heading) = side.and_then(|s| s.heading.as_deref()) {
            out.push_str(heading);
            out.push(' ');
        }
        match &change.text_diff {
            Some(segments) => out.push_str(&inline_text(segments)),
            None => out.push_str(side.map_or("", |s| s.text.as_str())),
        }
        if change.moved {
            let from = change
                .old
                .as_ref()
                .and_then(|s| s.parent_key.as_deref())
                .unwrap_or("—");
            let to = change
                .new
                .as_ref()
                .and_then(|s| s.parent_key.as_deref())
                .unwrap_or("—");
            let _ = write!(out, "  〔{}：{from} → {to}〕", status_word(change));
        }
        if let Some(note) = &change.note {
            let _ = write!(out, "  〔修改说明：{note}〕");
        }
        out.push('\n');
    }
    out
}

fn inline_text(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.op {
            SegmentOp::Equal => s.text.clone(),
            SegmentOp::Delete => format!("[-{}-]", s.text),
            SegmentOp::Insert => format!("{{+{}+}}", s.text),
        })
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// One side of a changed text: the old side shows deletions, the new side insertions.
fn inline_html(segments: &[Segment], keep: SegmentOp) -> String {
    segments
        .iter()
        .filter(|s| s.op == SegmentOp::Equal || s.op == keep)
        .map(|s| match s.op {
            SegmentOp::Equal => escape(&s.text),
            SegmentOp::Delete => format!("<del>{}</del>", escape(&s.text)),
            SegmentOp::Insert => format!("<ins>{}</ins>", escape(&s.text)),
        })
        .collect()
}

fn cell(side: Option<&ClauseSide>, heading: Option<String>, text: Option<String>) -> String {
    let Some(side) = side else {
        return "<td class=\"empty\"></td>".to_owned();
    };
    let heading = heading.or_else(|| side.heading.as_deref().map(escape));
    let text = text.unwrap_or_else(|| escape(&side.text));
    format!(
        "<td><span class=\"number\">{}</span> {}{}</td>",
        escape(&side.number),
        heading
            .map(|h| format!("<strong>{h}</strong> "))
            .unwrap_or_default(),
        text
    )
}

/// A self-contained HTML page (no external assets) with the versions side by side.
pub fn html(title: &str, from: i32, to: i32, diff: &VersionDiff) -> String {
    let mut rows = String::new();
    for change in &diff.changes {
        let class = match change.status {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Modified => "modified",
            ChangeKind::Moved => "moved",
            ChangeKind::Unchanged => "unchanged",
        };
        let old = cell(
            change.old.as_ref(),
            change
                .heading_diff
                .as_deref()
                .map(|s| inline_html(s, SegmentOp::Delete)),
            change
                .text_diff
                .as_deref()
                .map(|s| inline_html(s, SegmentOp::Delete)),
        );
        let new = cell(
            change.new.as_ref(),
            change
                .heading_diff
                .as_deref()
                .map(|s| inline_html(s, SegmentOp::Insert)),
            change
                .text_diff
                .as_deref()
                .map(|s| inline_html(s, SegmentOp::Insert)),
        );
        let mut flags = status_word(change).to_owned();
        if change.moved && change.status != ChangeKind::Moved {
            flags.push_str("、移动");
        }
        if change.renumbered {
            flags.push_str("、重新编号");
        }
        let note = change
            .note
            .as_deref()
            .map(|n| format!("<div class=\"note\">修改说明：{}</div>", escape(n)))
            .unwrap_or_default();
        let _ = writeln!(
            rows,
            "<tr class=\"{class}\"><td class=\"key\">{}<br><small>{flags}</small></td>{old}{new}</tr>",
            escape(&change.key)
        );
        if !note.is_empty() {
            let _ = writeln!(
                rows,
                "<tr class=\"{class}\"><td></td><td colspan=\"2\">{note}</td></tr>"
            );
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} 第{from}稿与第{to}稿对照</title>\n\
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;width:100%}}\
td{{border:1px solid #ccc;padding:.4em;vertical-align:top}}td.key{{width:7em;color:#555}}\
tr.added td{{background:#eaffea}}tr.removed td{{background:#ffecec}}tr.modified td{{background:#fffbe6}}\
tr.moved td{{background:#eef4ff}}del{{background:#fbb;text-decoration:line-through}}ins{{background:#bfb;text-decoration:none}}\
.number{{color:#555}}.note{{color:#555;font-size:.9em}}</style></head>\n<body><h1>{title}</h1>\
<p>第{from}稿 → 第{to}稿：{summary}</p>\n<table><thead><tr><th>条款</th><th>第{from}稿</th><th>第{to}稿</th></tr></thead><tbody>\n{rows}</tbody></table></body></html>\n",
        title = escape(title),
        summary = escape(&summary_line(diff)),
    )
}
