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

/// The numbering styles. A clause nests under the nearest open clause of lower rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// 一、
    ChineseComma,
    /// 第一章
    ChapterWord,
    /// 第一节
    SectionWord,
    /// （一）
    ChineseBracket,
    /// 1.
    Arabic,
    /// 第一条
    ArticleWord,
    /// （1） or 1）
    ArabicBracket,
}

impl Style {
    /// The rank of the style. Inside an article (第X条) its items rank below it: regulations
    /// number an article's items （一）, then 1., then （1）.
    fn rank(self, in_article: bool) -> u8 {
        match (self, in_article) {
            (Style::ChineseComma | Style::ChapterWord, _) => 1,
            (Style::SectionWord, _) => 2,
            (Style::ArticleWord, _) => 3,
            (Style::ChineseBracket, false) => 2,
            (Style::Arabic, false) => 3,
            (Style::ArabicBracket, false) => 4,
            (Style::ChineseBracket, true) => 4,
            (Style::Arabic, true) => 5,
            (Style::ArabicBracket, true) => 6,
        }
    }

    fn kind(self, in_article: bool) -> ClauseKind {
        match (self, in_article) {
            (Style::ChineseComma | Style::ChapterWord, _) => ClauseKind::Chapter,
            (Style::SectionWord, _) | (Style::ChineseBracket, false) => ClauseKind::Section,
            (Style::Arabic, false) | (Style::ArticleWord, _) => ClauseKind::Measure,
            _ => ClauseKind::Paragraph,
        }
    }

    fn display(self, n: u32) -> String {
        match self {
            Style::ChineseComma => format!("{}、", chinese_numeral(n)),
            Style::ChapterWord => format!("第{}章", chinese_numeral(n)),
            Style::SectionWord => format!("第{}节", chinese_numeral(n)),
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
    style: Style,
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

    // A byte-order mark is not text: editors on Windows put one before the first line.
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    for (index, raw) in input.lines().enumerate() {
        let line_number = index + 1;
        let line = normalize(raw.trim());
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
        let in_article = stack.iter().any(|open| open.style == Style::ArticleWord)
            && marker.style != Style::ArticleWord;
        let rank = marker.style.rank(in_article);
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
        if let Some(message) = sequence_issue(&marker, previous, anywhere, in_article) {
            issues.push(LineIssue {
                line: line_number,
                message,
            });
        }
        let kind = marker.style.kind(in_article);
        let (heading, text) = split_heading(marker.style, kind, marker.rest);
        if heading.is_none() && text.is_empty() {
            issues.push(LineIssue {
                line: line_number,
                message: format!("{} has nothing after it", marker.number),
            });
        }
        let clause = ClauseInput {
            key: None,
            kind,
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
            style: marker.style,
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
    in_article: bool,
) -> Option<String> {
    if let Some((style, _)) = previous {
        if style != marker.style && style.rank(in_article) == marker.style.rank(in_article) {
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

/// Chapters and sections carry a heading; articles (第X条) are text. For the rest, a short first
/// sentence without a comma, followed by more text, is taken as the heading.
fn split_heading(style: Style, kind: ClauseKind, rest: &str) -> (Option<String>, String) {
    let rest = rest.trim();
    if style == Style::ArticleWord {
        return (None, rest.to_owned());
    }
    if let Some(end) = rest.find('。') {
        let first = &rest[..end];
        let after = rest[end + '。'.len_utf8()..].trim();
        if first.chars().count() <= 40 && !first.contains('，') && !after.is_empty() {
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

/// The value of an ASCII or full-width digit.
fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// The value of a run of ASCII or full-width digits, and its length in bytes.
fn arabic_prefix(text: &str) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let Some(d) = digit_value(c) else { break };
        value = value.checked_mul(10)?.checked_add(d)?;
        end = at + c.len_utf8();
    }
    (end > 0).then_some((value, end))
}

/// Recognises a clause marker at the start of a line. The displayed number is kept as written.
fn marker(line: &str) -> Option<Marker<'_>> {
    let marked = |style, value, end: usize| {
        Some(Marker {
            style,
            value,
            number: line[..end].to_owned(),
            rest: line[end..].trim_start(),
        })
    };
    // 第一章 / 第一节 / 第一条, also 第1条
    if let Some(after) = line.strip_prefix('第') {
        let chinese: String = after.chars().take_while(|c| is_chinese_digit(*c)).collect();
        let (value, length) = match chinese_value(&chinese) {
            Some(value) => (value, chinese.len()),
            None => arabic_prefix(after)?,
        };
        let word = after[length..].chars().next()?;
        let style = match word {
            '章' => Style::ChapterWord,
            '节' => Style::SectionWord,
            '条' => Style::ArticleWord,
            _ => return None,
        };
        return marked(style, value, '第'.len_utf8() + length + word.len_utf8());
    }
    // （一） (一) （1） (1)
    if let Some(after) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) {
        let open = line.len() - after.len();
        let close = after.find(['）', ')'])?;
        let inside = &after[..close];
        let closing = after[close..].chars().next()?;
        let end = open + close + closing.len_utf8();
        if let Some(value) = chinese_value(inside) {
            return marked(Style::ChineseBracket, value, end);
        }
        return match arabic_prefix(inside) {
            Some((value, length)) if length == inside.len() && value < 1000 => {
                marked(Style::ArabicBracket, value, end)
            }
            _ => None,
        };
    }
    // 一、
    let chinese: String = line.chars().take_while(|c| is_chinese_digit(*c)).collect();
    if !chinese.is_empty() {
        return match line[chinese.len()..].strip_prefix('、') {
            Some(_) => marked(
                Style::ChineseComma,
                chinese_value(&chinese)?,
                chinese.len() + '、'.len_utf8(),
            ),
            None => None,
        };
    }
    // 1. 1． 1、 1）, but not the figures 1.1万亿 or 2025、2026年
    let (value, length) = arabic_prefix(line)?;
    let separator = line[length..].chars().next()?;
    let end = length + separator.len_utf8();
    let rest = &line[end..];
    match separator {
        '）' | ')' if value < 1000 => marked(Style::ArabicBracket, value, end),
        '、' if value < 1000 && !rest.starts_with(|c: char| digit_value(c).is_some()) => {
            marked(Style::Arabic, value, end)
        }
        '.' | '．' if value < 100_000 => {
            // A figure goes on with digits (1.1万亿); a measure may begin with a year (3.2026年底前).
            match arabic_prefix(rest) {
                None => marked(Style::Arabic, value, end),
                Some((_, digits)) if digits == 4 && rest[digits..].starts_with('年') => {
                    marked(Style::Arabic, value, end)
                }
                Some(_) => None,
            }
        }
        _ => None,
    }
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
        assert_eq!(section.children[1].number, "2．", "numbers stay as written");
        // Measures numbered on from the previous chapter.
        assert_eq!(parsed.clauses[2].children[0].number, "3、");
    }

    #[test]
    fn articles_hold_their_items() {
        let parsed = parse_text(
            "\u{FEFF}第一章 总则\r\n第一条 为了规范管理，制定本办法。本办法自公布之日起施行。\r\n第二条 本办法所称服务包括：\r\n（一）研发设计；\r\n（二）检验检测。\r\n第三条 其他事项。\r\n",
        );
        assert_eq!(parsed.issues, []);
        assert_eq!(
            parsed.title, None,
            "a byte-order mark does not hide the first chapter"
        );
        let chapter = &parsed.clauses[0];
        assert_eq!(chapter.heading.as_deref(), Some("总则"));
        let articles: Vec<&str> = chapter.children.iter().map(|a| a.number.as_str()).collect();
        assert_eq!(articles, ["第一条", "第二条", "第三条"]);
        assert_eq!(chapter.children[0].heading, None, "articles are text");
        assert_eq!(chapter.children[1].children.len(), 2);
        assert_eq!(chapter.children[1].children[0].kind, ClauseKind::Paragraph);
    }

    #[test]
    fn full_width_digits_years_and_sections() {
        let parsed = parse_text(
            "第一章 总则\n第一节 目标\n１．第一项。\n2.2026年底前建成平台。\n3.增长1.5个百分点。\n（１）细则。\n2）另一细则。\n第2节 保障\n",
        );
        assert_eq!(parsed.issues, []);
        let section = &parsed.clauses[0].children[0];
        assert_eq!(section.number, "第一节");
        let measures: Vec<&str> = section.children.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            measures,
            ["第一项。", "2026年底前建成平台。", "增长1.5个百分点。"]
        );
        assert_eq!(section.children[2].children.len(), 2);
        assert_eq!(parsed.clauses[0].children[1].number, "第2节");
        assert_eq!(marker("2025、2026年分别增长").map(|m| m.value), None);
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
