//! Clauses named as the draft prints them: `9.`, `9`, `第九条`, `三、`, `（三）`, in full or half
//! width, or a path such as `二（三）` or `二、3.` that picks one of several.

use super::parse::chinese_value;

/// The level a printed number names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    /// 一、 or 第一章
    Chapter,
    /// （一）
    Section,
    /// 1. or 第一条
    Measure,
}

/// One step of a reference: a level and its number.
type Step = (Level, u32);

/// A clause of a version as a reference finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineEntry {
    pub key: String,
    pub parent_key: Option<String>,
    /// Its number as printed.
    pub number: String,
    pub heading: Option<String>,
}

/// What a reference names in a version.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// Not a printed number at all, or one no clause prints.
    Nothing,
    One(&'a OutlineEntry),
    /// Several clauses print it: name one by its path.
    Several(Vec<&'a OutlineEntry>),
}

/// Half-width forms of the full-width digits, brackets and stops, without spaces.
fn narrow(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '（' => '(',
            '）' => ')',
            '．' | '。' => '.',
            other => other,
        })
        .collect()
}

fn value(text: &str) -> Option<u32> {
    if text.chars().all(|c| c.is_ascii_digit()) {
        text.parse().ok().filter(|n| *n > 0)
    } else {
        chinese_value(text)
    }
}

/// The steps of a printed reference, outermost first; none when it is not one.
fn steps(text: &str) -> Option<Vec<Step>> {
    let text = narrow(text);
    let mut rest = text.as_str();
    let mut steps = Vec::new();
    let numeral = |s: &str| -> usize {
        s.char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || "〇零一二两三四五六七八九十百".contains(*c)))
            .map_or(s.len(), |(i, _)| i)
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('第') {
            let end = numeral(after);
            let n = value(&after[..end])?;
            let tail = &after[end..];
            let (level, tail) = if let Some(t) = tail.strip_prefix('章') {
                (Level::Chapter, t)
            } else if let Some(t) = tail.strip_prefix('条') {
                (Level::Measure, t)
            } else {
                return None;
            };
            steps.push((level, n));
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('(') {
            let end = after.find(')')?;
            let inner = &after[..end];
            // （一） is a section; （1） a paragraph, which no comment names.
            if inner.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            steps.push((Level::Section, value(inner)?));
            rest = &after[end + 1..];
        } else {
            let end = numeral(rest);
            if end == 0 {
                return None;
            }
            let digits = &rest[..end];
            let n = value(digits)?;
            let tail = &rest[end..];
            let ascii = digits.chars().all(|c| c.is_ascii_digit());
            let (level, tail) = match (ascii, tail.strip_prefix('、'), tail.strip_prefix('.')) {
                (false, Some(t), _) => (Level::Chapter, t),
                (true, _, Some(t)) => (Level::Measure, t),
                (true, _, None) => (Level::Measure, tail),
                // A Chinese numeral without its 、 leads a path (二（三）) or stands alone.
                (false, None, _) => (Level::Chapter, tail),
            };
            steps.push((level, n));
            rest = tail;
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// `entry`'s printed numbers from its chapter down (`二、（三）`), for telling candidates apart.
pub fn printed_path(entry: &OutlineEntry, outline: &[OutlineEntry]) -> String {
    let mut numbers = vec![entry.number.as_str()];
    let mut at = entry.parent_key.as_deref();
    while let Some(key) = at {
        let Some(up) = outline.iter().find(|e| e.key == key) else {
            break;
        };
        numbers.push(up.number.as_str());
        at = up.parent_key.as_deref();
    }
    numbers.reverse();
    numbers.concat()
}

/// The clauses of `outline` that `reference` names by their printed numbers: those whose own
/// number is its last step and whose ancestors hold its earlier steps, outermost first.
pub fn resolve<'a>(reference: &str, outline: &'a [OutlineEntry]) -> Resolved<'a> {
    let Some(wanted) = steps(reference) else {
        return Resolved::Nothing;
    };
    let Some((last, path)) = wanted.split_last() else {
        return Resolved::Nothing;
    };
    let own = |entry: &OutlineEntry| match steps(&entry.number).as_deref() {
        Some([step]) => Some(*step),
        _ => None,
    };
    let parent = |entry: &OutlineEntry| {
        entry
            .parent_key
            .as_deref()
            .and_then(|key| outline.iter().find(|e| e.key == key))
    };
    let found: Vec<&OutlineEntry> = outline
        .iter()
        .filter(|entry| own(entry) == Some(*last))
        .filter(|entry| {
            // Each earlier step is held by an ancestor, outermost furthest up.
            let mut ancestors = Vec::new();
            let mut at = parent(entry);
            while let Some(up) = at {
                ancestors.push(up);
                at = parent(up);
            }
            let mut remaining = path.iter().rev().peekable();
            for ancestor in ancestors {
                if remaining
                    .peek()
                    .is_some_and(|step| own(ancestor) == Some(**step))
                {
                    remaining.next();
                }
            }
            remaining.peek().is_none()
        })
        .collect();
    match found.as_slice() {
        [] => Resolved::Nothing,
        [one] => Resolved::One(one),
        _ => Resolved::Several(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, parent: Option<&str>, number: &str) -> OutlineEntry {
        OutlineEntry {
            key: key.to_owned(),
            parent_key: parent.map(str::to_owned),
            number: number.to_owned(),
            heading: None,
        }
    }

    fn outline() -> Vec<OutlineEntry> {
        vec![
            entry("ch1", None, "一、"),
            entry("s1-3", Some("ch1"), "（三）"),
            entry("m3", Some("s1-3"), "3."),
            entry("ch2", None, "二、"),
            entry("s2-3", Some("ch2"), "（三）"),
            entry("m9", Some("s2-3"), "9."),
            entry("ch3", None, "三、"),
            entry("m3b", Some("ch3"), "3."),
        ]
    }

    fn one(reference: &str) -> Option<String> {
        let outline = outline();
        match resolve(reference, &outline) {
            Resolved::One(entry) => Some(entry.key.clone()),
            _ => None,
        }
    }

    #[test]
    fn printed_numbers_in_every_form_name_their_clause() {
        for reference in ["9.", "9", "第九条", "９．", " 9 ", "第9条"] {
            assert_eq!(one(reference).as_deref(), Some("m9"), "{reference}");
        }
        for reference in ["二、", "二", "第二章"] {
            assert_eq!(one(reference).as_deref(), Some("ch2"), "{reference}");
        }
        assert_eq!(one("二（三）").as_deref(), Some("s2-3"));
        assert_eq!(one("二(三)").as_deref(), Some("s2-3"));
        assert_eq!(one("三、3.").as_deref(), Some("m3b"));
        assert_eq!(one("一、（三）3.").as_deref(), Some("m3"));
    }

    #[test]
    fn a_number_several_clauses_print_lists_them_and_others_name_nothing() {
        let outline = outline();
        let Resolved::Several(found) = resolve("（三）", &outline) else {
            panic!("（三） is printed under two chapters");
        };
        let keys: Vec<_> = found.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["s1-3", "s2-3"]);
        assert!(matches!(resolve("3.", &outline), Resolved::Several(_)));
        for nothing in ["m9x", "", "（1）", "四、", "第九章", "abc", "9、"] {
            assert_eq!(resolve(nothing, &outline), Resolved::Nothing, "{nothing}");
        }
    }
}
