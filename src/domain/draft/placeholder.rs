//! Unfilled figures: the marks drafters leave where a number is still to come.
//!
//! The rule: a run of asterisks (`*`, `＊`); a run of `X`, `x`, `×` or `Ｘ` that is not part of a
//! Latin word nor between two digits; a run of two or more `○` or `_`; and a bracketed note that something is pending
//! in at most four characters (`【待定】`, `[待补充]`, `（待确定）`, `【TBD】`).

use serde::Serialize;
use utoipa::ToSchema;

/// Which part of a clause a placeholder is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Heading,
    Text,
}

/// One unfilled figure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Placeholder {
    pub field: Field,
    /// Offsets in Unicode code points of the NFC text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The marks themselves.
    pub found: String,
    /// The text around them, to find them by eye.
    pub context: String,
}

/// Every placeholder in `text`.
pub fn scan(field: Field, text: &str) -> Vec<Placeholder> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let end = run_at(&chars, i);
        if end > i {
            found.push(Placeholder {
                field,
                start: i,
                end,
                found: chars[i..end].iter().collect(),
                context: chars[i.saturating_sub(12)..(end + 12).min(chars.len())]
                    .iter()
                    .collect(),
            });
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// The end of a placeholder starting at `i`, or `i` when there is none.
fn run_at(chars: &[char], i: usize) -> usize {
    let run = |accept: fn(char) -> bool| chars[i..].iter().take_while(|c| accept(**c)).count();
    let c = chars[i];
    if matches!(c, '*' | '＊') {
        return i + run(|c| matches!(c, '*' | '＊'));
    }
    if matches!(c, 'X' | 'x' | '×' | 'Ｘ') {
        let length = run(|c| matches!(c, 'X' | 'x' | '×' | 'Ｘ'));
        let latin = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        let digit = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_digit());
        let (before, after) = (
            i.checked_sub(1).and_then(|p| chars.get(p)),
            chars.get(i + length),
        );
        // A word (Xbox) or a product (3x3) is not a blank.
        let is_word = latin(before) || latin(after);
        let is_product = digit(before) && digit(after);
        return if is_word || is_product { i } else { i + length };
    }
    if matches!(c, '○' | '_') {
        let length = run(|c| matches!(c, '○' | '_'));
        return if length >= 2 { i + length } else { i };
    }
    if let Some(close) = match c {
        '【' => Some('】'),
        '[' => Some(']'),
        '（' => Some('）'),
        '(' => Some(')'),
        _ => None,
    } {
        let inside: String = chars[i + 1..]
            .iter()
            .take_while(|c| **c != close)
            .take(12)
            .collect();
        let closed = chars.get(i + 1 + inside.chars().count()) == Some(&close);
        if closed && (inside.starts_with('待') || inside.eq_ignore_ascii_case("tbd")) {
            return i + inside.chars().count() + 2;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(text: &str) -> Vec<String> {
        scan(Field::Text, text)
            .into_iter()
            .map(|p| p.found)
            .collect()
    }

    #[test]
    fn finds_the_marks_of_unfilled_figures() {
        assert_eq!(
            marks("研发经费支出占GDP比重达**%，进出口额达*亿美元"),
            ["**", "*"]
        );
        assert_eq!(
            marks("增长XX%，规模达××亿元，【待定】，（待补充）"),
            ["XX", "××", "【待定】", "（待补充）"]
        );
        assert_eq!(marks("达到○○家，___个"), ["○○", "___"]);
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        assert_eq!(marks("Windows Xbox 平台，3x3 矩阵"), Vec::<String>::new());
        assert_eq!(
            marks("（一）优化布局。Excel 与 XML 报表"),
            Vec::<String>::new()
        );
        assert_eq!(marks("二〇二七年达到1.1万亿"), Vec::<String>::new());
    }

    #[test]
    fn offsets_are_code_points() {
        let found = scan(Field::Text, "比重达**%");
        assert_eq!((found[0].start, found[0].end), (3, 5));
        assert_eq!(found[0].context, "比重达**%");
    }
}
