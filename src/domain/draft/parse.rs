//! Plain text in the usual layout of Chinese government drafts:
//!
//! ```text
//! 《关于……的若干举措》            title (optional)
//! 为……，制定如下举措。            paragraph before the first clause
//! 一、打造全球新兴产业科创中心     chapter (also 第一章)
//! 到2027年，……                   text of the chapter
//! （一）……                        section (full- or half-width brackets)
//! 1. 推进国际级软件名城建设。       measure (1. 1． 1、 or 第一条)
//! （1）……                        paragraph under a measure
//! ```
//!
//! Anything the layout does not make clear (a number out of sequence, a marker with nothing after
//! it) is reported by line instead of guessed at.

use serde::Serialize;
use utoipa::ToSchema;

use super::{ClauseInput, ClauseKind, normalize};

/// A line whose place in the structure is unclear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineIssue {
    /// 1-based line number in the input.
    pub line: usize,
    pub message: String,
}

/// The result of reading a plain-text draft.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedText {
    /// The first line, when it reads as a title (《…》, or a short line before any clause).
    pub title: Option<String>,
    pub clauses: Vec<ClauseInput>,
    pub issues: Vec<LineIssue>,
}

/// The numbering styles, by rank: a clause nests under the nearest open clause of lower rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// 一、
    ChineseComma,
    /// 第一章
    ChapterWord,
    /// （一）
    ChineseBracket,
    /// 1.
    Arabic,
    /// 第一条
    ArticleWord,
    /// （1）
    ArabicBracket,
}

impl Style {
    fn rank(self) -> u8 {
        match self {
            Style::ChineseComma | Style::ChapterWord => 1,
            Style::ChineseBracket => 2,
            Style::Arabic | Style::ArticleWord => 3,
            Style::ArabicBracket => 4,
        }
    }

    fn kind(self) -> ClauseKind {
        match self {
            Style::ChineseComma | Style::ChapterWord => ClauseKind::Chapter,
            Style::ChineseBracket => ClauseKind::Section,
            Style::Arabic | Style::ArticleWord => ClauseKind::Measure,
            Style::ArabicBracket => ClauseKind::Paragraph,
        }
    }

    fn display(self, n: u32) -> String {
        match self {
            Style::ChineseComma => format!("{}、", chinese_numeral(n)),
            Style::ChapterWord => format!("第{}章", chinese_numeral(n)),
            Style::ChineseBracket => format!("（{}）", chinese_numeral(n)),
            Style::Arabic => format!("{n}."),
            Style::ArticleWord => format!("第{}条", chinese_numeral(n)),
            Style::ArabicBracket => format!("（{n}）"),
        }
    }
}

struct Marker<'a> {
    style: Style,
    value: u32,
    number: String,
    rest: &'a str,
}

/// An open clause while reading: where it is in the tree and what numbers its children had.
struct Open {
    rank: u8,
    path: Vec<usize>,
    last_child: Option<(Style, u32)>,
}

/// Reads a plain-text draft.
pub fn parse_text(input: &str) -> ParsedText {
    let mut roots: Vec<ClauseInput> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root_last: Option<(Style, u32)> = None;
    // The last number seen in each style anywhere, for numbering that runs on across chapters.
    let mut last_anywhere: Vec<(Style, u32)> = Vec::new();
    let mut issues = Vec::new();
    let mut title = None;
    let mut seen_content = false;

    for (index, raw) in input.lines().enumerate() {
        let line_number = index + 1;
        let line = normalize(raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'));
        if line.is_empty() {
            continue;
        }
        let Some(marker) = marker(&line) else {
            if !seen_content && title.is_none() && looks_like_title(&line) {
                title = Some(line.trim_matches(['《', '》']).to_owned());
                continue;
            }
            seen_content = true;
            match stack.last() {
                Some(open) => {
                    let clause = at_path(&mut roots, &open.path);
                    if clause.text.is_empty() {
                        clause.text = line;
                    } else {
                        clause.text.push('\n');
                        clause.text.push_str(&line);
                    }
                }
                None => {
                    roots.push(ClauseInput {
                        key: None,
                        kind: ClauseKind::Paragraph,
                        number: String::new(),
                        heading: None,
                        text: line,
                        note: None,
                        children: Vec::new(),
                    });
                    root_last = None;
                }
            }
            continue;
        };
        seen_content = true;
        let rank = marker.style.rank();
        while stack.last().is_some_and(|open| open.rank >= rank) {
            stack.pop();
        }
        let previous = match stack.last() {
            Some(open) => open.last_child,
            None => root_last,
        };
        let anywhere = last_anywhere
            .iter()
            .find(|(style, _)| *style == marker.style)
            .map(|(_, n)| *n);
        if let Some(message) = sequence_issue(&marker, previous, anywhere) {
            issues.push(LineIssue {
                line: line_number,
                message,
            });
        }
        let (heading, text) = split_heading(marker.style.kind(), marker.rest);
        if heading.is_none() && text.is_empty() {
            issues.push(LineIssue {
                line: line_number,
                message: format!("{} has nothing after it", marker.number),
            });
        }
        let clause = ClauseInput {
            key: None,
            kind: marker.style.kind(),
            number: marker.number.clone(),
            heading,
            text,
            note: None,
            children: Vec::new(),
        };
        let path = match stack.last_mut() {
            Some(open) => {
                open.last_child = Some((marker.style, marker.value));
                let parent = at_path(&mut roots, &open.path);
                parent.children.push(clause);
                let mut path = open.path.clone();
                path.push(parent.children.len() - 1);
                path
            }
            None => {
                root_last = Some((marker.style, marker.value));
                roots.push(clause);
                vec![roots.len() - 1]
            }
        };
        last_anywhere.retain(|(style, _)| *style != marker.style);
        last_anywhere.push((marker.style, marker.value));
        stack.push(Open {
            rank,
            path,
            last_child: None,
        });
    }
    ParsedText {
        title,
        clauses: roots,
        issues,
    }
}

/// The clause at `path` (indexes from the root down; never empty, as every clause has a root).
fn at_path<'a>(roots: &'a mut [ClauseInput], path: &[usize]) -> &'a mut ClauseInput {
    path[1..]
        .iter()
        .fold(&mut roots[path[0]], |node, &i| &mut node.children[i])
}

/// What is wrong with this number after the sibling before it, if anything. Numbering may start
/// again at 1 under each parent or run on from the last number in the same style anywhere.
fn sequence_issue(
    marker: &Marker,
    previous: Option<(Style, u32)>,
    anywhere: Option<u32>,
) -> Option<String> {
    if let Some((style, _)) = previous {
        if style != marker.style && style.rank() == marker.style.rank() {
            return Some(format!(
                "{} mixes numbering styles with the clause before it",
                marker.number
            ));
        }
    }
    let after_sibling = previous
        .filter(|(style, _)| *style == marker.style)
        .map(|(_, n)| n);
    let fits = match after_sibling {
        Some(n) => marker.value == n + 1,
        None => marker.value == 1 || anywhere.is_some_and(|n| marker.value == n + 1),
    };
    if fits {
        return None;
    }
    let expected = match after_sibling {
        Some(n) => marker.style.display(n + 1),
        None => match anywhere {
            Some(n) => format!(
                "{} or {}",
                marker.style.display(1),
                marker.style.display(n + 1)
            ),
            None => marker.style.display(1),
        },
    };
    Some(format!(
        "{} is out of sequence: expected {expected}",
        marker.number
    ))
}

/// Chapters and sections carry a heading; measures and paragraphs are text. A short first
/// sentence followed by more text is taken as the heading either way.
fn split_heading(kind: ClauseKind, rest: &str) -> (Option<String>, String) {
    let rest = rest.trim();
    if let Some(end) = rest.find('。') {
        let first = &rest[..end];
        let after = rest[end + '。'.len_utf8()..].trim();
        if first.chars().count() <= 40 && !after.is_empty() {
            return (Some(first.to_owned()), after.to_owned());
        }
    }
    match kind {
        ClauseKind::Chapter | ClauseKind::Section if !rest.contains('。') && !rest.is_empty() => {
            (Some(rest.to_owned()), String::new())
        }
        _ => (None, rest.to_owned()),
    }
}

fn looks_like_title(line: &str) -> bool {
    line.starts_with('《')
        || (line.chars().count() <= 60 && !line.ends_with(['。', '；', '：', ':']))
}

/// Recognises a clause marker at the start of a line.
fn marker(line: &str) -> Option<Marker<'_>> {
    // 第一章 / 第一条
    if let Some(after) = line.strip_prefix('第') {
        let digits: String = after.chars().take_while(|c| is_chinese_digit(*c)).collect();
        let tail = &after[digits.len()..];
        let value = chinese_value(&digits)?;
        let (style, word) = if tail.starts_with('章') {
            (Style::ChapterWord, '章')
        } else if tail.starts_with('条') {
            (Style::ArticleWord, '条')
        } else {
            return None;
        };
        return Some(Marker {
            style,
            value,
            number: format!("第{digits}{word}"),
            rest: tail[word.len_utf8()..].trim_start(),
        });
    }
    // （一） (一) （1） (1)
    if let Some(after) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) {
        let close = after.find(['）', ')'])?;
        let inside = &after[..close];
        let closing = after[close..].chars().next()?;
        let rest = after[close + closing.len_utf8()..].trim_start();
        if let Some(value) = chinese_value(inside) {
            return Some(Marker {
                style: Style::ChineseBracket,
                value,
                number: format!("（{inside}）"),
                rest,
            });
        }
        if !inside.is_empty() && inside.len() <= 3 && inside.chars().all(|c| c.is_ascii_digit()) {
            return Some(Marker {
                style: Style::ArabicBracket,
                value: inside.parse().ok()?,
                number: format!("（{inside}）"),
                rest,
            });
        }
        return None;
    }
    // 一、
    let chinese: String = line.chars().take_while(|c| is_chinese_digit(*c)).collect();
    if !chinese.is_empty() {
        let tail = &line[chinese.len()..];
        if let Some(rest) = tail.strip_prefix('、') {
            return Some(Marker {
                style: Style::ChineseComma,
                value: chinese_value(&chinese)?,
                number: format!("{chinese}、"),
                rest: rest.trim_start(),
            });
        }
        return None;
    }
    // 1. 1． 1、 — but not 1.1万亿 or 2027年
    let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let tail = &line[digits.len()..];
    let separator = tail.chars().next()?;
    if !matches!(separator, '.' | '．' | '、') {
        return None;
    }
    let rest = &tail[separator.len_utf8()..];
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(Marker {
        style: Style::Arabic,
        value: digits.parse().ok()?,
        number: format!("{digits}."),
        rest: rest.trim_start(),
    })
}

fn is_chinese_digit(c: char) -> bool {
    "〇零一二两三四五六七八九十百".contains(c)
}

/// The value of a Chinese numeral up to 999 (一, 十二, 二十七, 一百零五).
pub fn chinese_value(text: &str) -> Option<u32> {
    if text.is_empty() || !text.chars().all(is_chinese_digit) {
        return None;
    }
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .find(c)
            .map(|i| (i / '一'.len_utf8()) as u32)
    };
    let mut total = 0;
    let mut current = None;
    for c in text.chars() {
        match c {
            '百' => {
                total += current.unwrap_or(1) * 100;
                current = None;
            }
            '十' => {
                total += current.unwrap_or(1) * 10;
                current = None;
            }
            '零' | '〇' => current = current.or(Some(0)),
            '两' => current = Some(2),
            other => current = Some(digit(other)?),
        }
    }
    let value = total + current.unwrap_or(0);
    (value > 0).then_some(value)
}

/// A number as a Chinese numeral (1 to 999).
pub fn chinese_numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (hundreds, tens, ones) = (n / 100, (n / 10) % 10, n % 10);
    let mut out = String::new();
    if hundreds > 0 {
        out.push_str(DIGITS[hundreds as usize]);
        out.push('百');
        if tens == 0 && ones > 0 {
            out.push('零');
        }
    }
    if tens > 0 {
        if !(tens == 1 && hundreds == 0) {
            out.push_str(DIGITS[tens as usize]);
        }
        out.push('十');
    }
    if ones > 0 || n == 0 {
        out.push_str(DIGITS[ones as usize]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_both_ways() {
        for (text, value) in [
            ("一", 1),
            ("十", 10),
            ("十二", 12),
            ("二十七", 27),
            ("一百零五", 105),
        ] {
            assert_eq!(chinese_value(text), Some(value), "{text}");
            assert_eq!(chinese_numeral(value), text);
        }
        assert_eq!(chinese_value("是"), None);
    }

    #[test]
    fn reads_the_usual_layout() {
        let text = "《若干举措》\n为推动发展，制定如下举措。\n一、打造科创中心\n到2027年，研发经费占比达**%。\n（一）软件。\n1. 推进软件名城建设。\n（1）细则内容。\n2．优化智算设施。\n二、打造数字贸易中心\n3、做强跨境电商。\n";
        let parsed = parse_text(text);
        assert_eq!(parsed.issues, []);
        assert_eq!(parsed.title.as_deref(), Some("若干举措"));
        assert_eq!(parsed.clauses.len(), 3);
        assert_eq!(parsed.clauses[0].kind, ClauseKind::Paragraph);
        let chapter = &parsed.clauses[1];
        assert_eq!(chapter.number, "一、");
        assert_eq!(chapter.heading.as_deref(), Some("打造科创中心"));
        assert_eq!(chapter.text, "到2027年，研发经费占比达**%。");
        let section = &chapter.children[0];
        assert_eq!(section.kind, ClauseKind::Section);
        assert_eq!(section.children.len(), 2);
        assert_eq!(section.children[0].text, "推进软件名城建设。");
        assert_eq!(section.children[0].children[0].number, "（1）");
        assert_eq!(section.children[1].number, "2.");
        // Measures numbered on from the previous chapter.
        assert_eq!(parsed.clauses[2].children[0].number, "3.");
    }

    #[test]
    fn unclear_structure_is_reported_by_line() {
        let parsed = parse_text("一、甲\n三、丙\n1.\n1.1万亿元的目标\n第二条 乙\n");
        let lines: Vec<usize> = parsed.issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 3, 5], "{:?}", parsed.issues);
        assert!(parsed.issues[0].message.contains("expected 二、"));
        // "1.1万亿" is a figure, not a marker: it joins the text of the clause before it.
        assert!(parsed.clauses[1].children[0].text.contains("1.1万亿元"));
    }
}
