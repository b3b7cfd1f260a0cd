//! Carrying a comment's quote from the clause it was written on to the clause as it reads in
//! the next version: offsets mapped through the character diff first, fuzzy matching inside
//! the clause only when the passage itself was edited.

use serde::Serialize;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, TextDiff, capture_diff_slices_deadline};
use utoipa::ToSchema;

/// How well a quote survived into the next version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteState {
    /// The passage is unchanged at the same offsets.
    Exact,
    /// The passage is unchanged, at other offsets.
    Shifted,
    /// The passage was edited; this is the closest passage of the new clause.
    Fuzzy,
    /// The diff replaced the passage with other words (an unfilled `**%` became `3.6%`): this
    /// is the text that took its place.
    Replaced,
    /// The passage, or its clause, is gone.
    Orphaned,
}

/// A quote placed in the next version's clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CarriedQuote {
    pub state: QuoteState,
    /// Offsets in the new clause's text (code points, end exclusive); absent when orphaned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// The passage as it reads now; absent when orphaned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How alike a fuzzy match must be (share of matching characters) to count.
const FUZZY_THRESHOLD: f32 = 0.6;

/// The longest edited passage looked for loosely; a longer one that changed is orphaned, which
/// keeps the search bounded whatever an agency quotes.
const FUZZY_MAX: usize = 120;

/// How long one clause's character diff may take before it settles for a coarser answer.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);

/// The character diff of a clause between two versions, computed once for all the quotes on it.
pub struct ClauseCarry {
    old: Vec<char>,
    new: Vec<char>,
    ops: Vec<DiffOp>,
}

impl ClauseCarry {
    /// Prepares to carry quotes from `old` to `new`.
    pub fn new(old: &str, new: &str) -> Self {
        let old: Vec<char> = old.chars().collect();
        let new: Vec<char> = new.chars().collect();
        let ops = if old == new {
            Vec::new()
        } else {
            capture_diff_slices_deadline(
                Algorithm::Myers,
                &old,
                &new,
                Some(Instant::now() + DIFF_DEADLINE),
            )
        };
        ClauseCarry { old, new, ops }
    }

    /// Where old offset `at` (a character that survived) is in the new text.
    fn map(&self, at: usize) -> Option<usize> {
        if self.ops.is_empty() {
            return (at < self.new.len()).then_some(at);
        }
        self.ops.iter().find_map(|op| match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } if (old_index..old_index + len).contains(&at) => Some(new_index + at - old_index),
            _ => None,
        })
    }

    fn placed(&self, state: QuoteState, start: usize, end: usize) -> CarriedQuote {
        CarriedQuote {
            state,
            start: Some(start),
            end: Some(end),
            text: Some(self.new[start..end].iter().collect()),
        }
    }

    /// Carries the quote `exact` found at `start..end` of the old text.
    pub fn quote(&self, exact: &str, start: usize, end: usize) -> CarriedQuote {
        let wanted: Vec<char> = exact.chars().collect();
        if wanted.is_empty() || start >= end || self.old.get(start..end) != Some(&wanted[..]) {
            return orphaned();
        }
        // Through the diff: both ends survived and what lies between is the passage.
        if let (Some(s), Some(e)) = (self.map(start), self.map(end - 1)) {
            if self.new.get(s..=e) == Some(&wanted[..]) {
                let state = if s == start {
                    QuoteState::Exact
                } else {
                    QuoteState::Shifted
                };
                return self.placed(state, s, e + 1);
            }
        }
        // The passage intact elsewhere in the clause: the occurrence nearest to where it was.
        let n = wanted.len();
        if n <= self.new.len() {
            let nearest = (0..=self.new.len() - n)
                .filter(|&i| self.new[i..i + n] == wanted[..])
                .min_by_key(|&i| i.abs_diff(start));
            if let Some(s) = nearest {
                let state = if s == start {
                    QuoteState::Exact
                } else {
                    QuoteState::Shifted
                };
                return self.placed(state, s, s + n);
            }
        }
        self.fuzzy(&wanted, start, end)
    }

    /// The passage of the new text most like `wanted`, of about its length, near where the
    /// text before it went.
    fn fuzzy(&self, wanted: &[char], start: usize, end: usize) -> CarriedQuote {
        let n = wanted.len();
        if n > FUZZY_MAX {
            return orphaned();
        }
        let wanted: String = wanted.iter().collect();
        let ratio = |s: usize, e: usize| {
            let window: String = self.new[s..e].iter().collect();
            TextDiff::from_chars(wanted.as_str(), window.as_str()).ratio()
        };
        // First what the diff says replaced the passage: from after the last character before it
        // that survived to before the first one after it that survived.
        let after = (0..start)
            .rev()
            .find_map(|i| self.map(i))
            .map_or(0, |i| i + 1);
        let before = (end..self.old.len())
            .find_map(|i| self.map(i))
            .unwrap_or(self.new.len());
        // A window more than about 2.3 times longer than the passage cannot reach the threshold.
        if after < before && before - after <= 7 * n / 3 && ratio(after, before) >= FUZZY_THRESHOLD
        {
            return self.placed(QuoteState::Fuzzy, after, before);
        }
        // Not alike, but the diff says what took the passage's place, where the characters on
        // either side of it survived: its surviving ends (the `%` of `**%`) and what was put
        // between them.
        let kept_before = start == 0 || self.map(start - 1).is_some();
        let kept_after = end == self.old.len() || self.map(end).is_some();
        let first = self.map(start).unwrap_or(after);
        let last = self.map(end - 1).map_or(before, |e| e + 1);
        if kept_before && kept_after && first < last && last - first <= 3 * n + 20 {
            return self.placed(QuoteState::Replaced, first, last);
        }
        let from = after.saturating_sub(n);
        let to = (after + 2 * n).min(self.new.len());
        let mut best: Option<(f32, usize, usize)> = None;
        // About five lengths around the passage's own, whatever its size.
        let step = (n / 8).max(1);
        for len in ((n.saturating_sub(n / 4).max(1))..=(n + n / 4)).step_by(step) {
            if from + len > to {
                continue;
            }
            for s in from..=to - len {
                let ratio = ratio(s, s + len);
                if best.is_none_or(|(r, _, _)| ratio > r) {
                    best = Some((ratio, s, s + len));
                }
            }
        }
        match best {
            Some((ratio, s, e)) if ratio >= FUZZY_THRESHOLD => self.placed(QuoteState::Fuzzy, s, e),
            _ => orphaned(),
        }
    }
}

/// A quote with nowhere to go.
pub fn orphaned() -> CarriedQuote {
    CarriedQuote {
        state: QuoteState::Orphaned,
        start: None,
        end: None,
        text: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "到2027年，力争研发经费支出占GDP比重达**%，营业收入超1.4万亿元。";

    fn carried(new: &str, exact: &str) -> CarriedQuote {
        let start = OLD.chars().collect::<Vec<_>>();
        let wanted: Vec<char> = exact.chars().collect();
        let at = (0..start.len())
            .find(|&i| start[i..].starts_with(&wanted))
            .expect("in the old text");
        ClauseCarry::new(OLD, new).quote(exact, at, at + wanted.len())
    }

    #[test]
    fn quotes_keep_their_place_move_with_edits_or_are_matched_loosely() {
        assert_eq!(carried(OLD, "研发经费").state, QuoteState::Exact);
        let shifted = carried(
            "到2027年，全市力争研发经费支出占GDP比重达3.6%，营业收入超1.4万亿元。",
            "研发经费",
        );
        assert_eq!(
            (shifted.state, shifted.start, shifted.text.as_deref()),
            (QuoteState::Shifted, Some(11), Some("研发经费"))
        );
        let fuzzy = carried(
            "到2027年，力争研发投入占GDP比重达3.6%，营业收入超1.4万亿元。",
            "研发经费支出占GDP比重",
        );
        assert_eq!(fuzzy.state, QuoteState::Fuzzy);
        assert_eq!(fuzzy.text.as_deref(), Some("研发投入占GDP比重"));
        assert_eq!(
            carried("推动生产性服务业高质量发展。", "研发经费").state,
            QuoteState::Orphaned
        );
    }

    #[test]
    fn a_filled_figure_is_carried_to_the_figure_that_replaced_it() {
        let filled = carried(
            "到2027年，力争研发经费支出占GDP比重达3.6%，营业收入超1.4万亿元。",
            "**%",
        );
        assert_eq!(
            (filled.state, filled.text.as_deref()),
            (QuoteState::Replaced, Some("3.6%"))
        );
        let bare = carried(
            "到2027年，力争研发经费支出占GDP比重达3.6%，营业收入超1.4万亿元。",
            "**",
        );
        assert_eq!(
            (bare.state, bare.text.as_deref()),
            (QuoteState::Replaced, Some("3.6"))
        );
    }
}
