//! Giving the clauses of a new version their keys, so that a clause keeps its identity (and the
//! comments on it) across versions however it is renumbered or moved.
//!
//! In order: the key the input gives; else a previous clause of the same kind with identical
//! heading and text; else the most similar previous clause of the same kind under the same
//! parent, then anywhere in the document; else a new key.

use std::collections::{HashMap, HashSet};

use similar::TextDiff;

use super::{Clause, ClauseKind, FlatInput};

/// Least character-level similarity (0 to 1) for two clauses to count as the same clause.
pub const SIMILARITY: f32 = 0.6;

/// Above this many candidate pairs the document-wide similarity search is skipped (unmatched
/// clauses get new keys): it compares every pair and would take seconds.
const MAX_PAIRS: usize = 250_000;

/// A key in the input that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyIssue {
    /// Path of the clause in the input.
    pub path: String,
    pub message: String,
}

/// Whether a key is well formed: 1 to 40 ASCII letters, digits, `-`, `_` or `.`.
pub fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Assigns keys to `input` against the clauses of the `previous` version; `used` holds every
/// key the document has ever had, so that a new key never revives a deleted clause's identity.
pub fn assign_keys(
    previous: &[Clause],
    input: &[FlatInput],
    used: &HashSet<String>,
) -> Result<Vec<Clause>, Vec<KeyIssue>> {
    let mut keys: Vec<Option<String>> = vec![None; input.len()];
    let mut taken: HashSet<usize> = HashSet::new();
    let previous_index: HashMap<&str, usize> = previous
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.as_str(), i))
        .collect();

    // 1. Keys given in the input.
    let mut issues = Vec::new();
    let mut given: HashSet<&str> = HashSet::new();
    for (i, clause) in input.iter().enumerate() {
        let Some(key) = clause.key.as_deref() else {
            continue;
        };
        if !valid_key(key) {
            issues.push(KeyIssue {
                path: format!("{}.key", clause.path),
                message: "1 to 40 ASCII letters, digits, '-', '_' or '.'".to_owned(),
            });
        } else if !given.insert(key) {
            issues.push(KeyIssue {
                path: format!("{}.key", clause.path),
                message: format!("the key {key:?} is used twice"),
            });
        } else {
            if let Some(&p) = previous_index.get(key) {
                taken.insert(p);
            }
            keys[i] = Some(key.to_owned());
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }

    // 2. Identical heading and text: first where the parent is the same, then anywhere.
    let mut identical: HashMap<(ClauseKind, Option<&str>, &str), Vec<usize>> = HashMap::new();
    for (p, clause) in previous.iter().enumerate() {
        if !taken.contains(&p) {
            identical
                .entry((clause.kind, clause.heading.as_deref(), clause.text.as_str()))
                .or_default()
                .push(p);
        }
    }
    for same_parent in [true, false] {
        for i in 0..input.len() {
            if keys[i].is_some() {
                continue;
            }
            let clause = &input[i];
            let Some(candidates) =
                identical.get_mut(&(clause.kind, clause.heading.as_deref(), clause.text.as_str()))
            else {
                continue;
            };
            candidates.retain(|p| !taken.contains(p));
            let parent_key = clause.parent.and_then(|p| keys[p].clone());
            let pick = if same_parent {
                candidates
                    .iter()
                    .position(|&p| previous[p].parent_key == parent_key)
            } else {
                (!candidates.is_empty()).then_some(0)
            };
            if let Some(at) = pick {
                let p = candidates.remove(at);
                taken.insert(p);
                keys[i] = Some(previous[p].key.clone());
            }
        }
    }

    // 2b. A clause whose heading was reworded past recognition is still the parent its children
    // came from: when most of its children were one previous clause's children, it is that clause.
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, clause) in input.iter().enumerate() {
        if let Some(parent) = clause.parent {
            children.entry(parent).or_default().push(i);
        }
    }
    for (i, clause) in input.iter().enumerate() {
        if keys[i].is_some() {
            continue;
        }
        let Some(kids) = children.get(&i) else {
            continue;
        };
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for kid in kids {
            let old_parent = keys[*kid]
                .as_deref()
                .and_then(|k| previous_index.get(k))
                .and_then(|&p| previous[p].parent_key.as_deref());
            if let Some(parent) = old_parent {
                *votes.entry(parent).or_default() += 1;
            }
        }
        let winner = votes
            .into_iter()
            .max_by_key(|(key, count)| (*count, std::cmp::Reverse(*key)))
            .filter(|(_, count)| count * 2 > kids.len());
        if let Some((key, _)) = winner {
            if let Some(&p) = previous_index.get(key) {
                if !taken.contains(&p) && previous[p].kind == clause.kind {
                    taken.insert(p);
                    keys[i] = Some(key.to_owned());
                }
            }
        }
    }

    // 3. Similar, under the same parent (again while a match there lets children match);
    // 4. similar, anywhere. Best pairs first, so that a clause does not take the previous clause
    // that a later one resembles more.
    loop {
        let assigned = match_similar(previous, input, &mut keys, &mut taken, true);
        if assigned == 0 {
            break;
        }
    }
    let unmatched_new = keys.iter().filter(|k| k.is_none()).count();
    let unmatched_old = previous.len() - taken.len();
    if unmatched_new * unmatched_old <= MAX_PAIRS {
        match_similar(previous, input, &mut keys, &mut taken, false);
    } else {
        tracing::warn!(
            unmatched_new,
            unmatched_old,
            "too many unmatched clauses to compare across the document; they get new keys"
        );
    }

    // 5. New keys, numbered after the highest ever used with the same prefix.
    let mut next: HashMap<String, u64> = HashMap::new();
    for key in used.iter().chain(keys.iter().flatten()) {
        let (prefix, n) = split_key(key);
        let entry = next.entry(prefix.to_owned()).or_insert(1);
        *entry = (*entry).max(n.saturating_add(1));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, clause) in input.iter().enumerate() {
        let key = match keys[i].take() {
            Some(key) => key,
            None => {
                let prefix = clause.kind.key_prefix();
                let n = next.entry(prefix.to_owned()).or_insert(1);
                let key = format!("{prefix}{n}");
                *n = n.saturating_add(1);
                key
            }
        };
        keys[i] = Some(key.clone());
        out.push(Clause {
            key,
            parent_key: clause.parent.and_then(|p| keys[p].clone()),
            kind: clause.kind,
            number: clause.number.clone(),
            heading: clause.heading.clone(),
            text: clause.text.clone(),
            note: clause.note.clone(),
        });
    }
    Ok(out)
}

/// Gives unmatched clauses the keys of the most similar unmatched previous clauses of the same
/// kind (under the same parent, or anywhere), best pairs first; returns how many it matched.
fn match_similar(
    previous: &[Clause],
    input: &[FlatInput],
    keys: &mut [Option<String>],
    taken: &mut HashSet<usize>,
    same_parent: bool,
) -> usize {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, clause) in input.iter().enumerate() {
        if keys[i].is_some() {
            continue;
        }
        let parent_key = clause.parent.and_then(|p| keys[p].clone());
        if same_parent && clause.parent.is_some() && parent_key.is_none() {
            continue;
        }
        for (p, old) in previous.iter().enumerate() {
            if taken.contains(&p)
                || old.kind != clause.kind
                || (same_parent && old.parent_key != parent_key)
            {
                continue;
            }
            let score = similarity(clause, old);
            if score >= SIMILARITY {
                pairs.push((score, i, p));
            }
        }
    }
    // Highest score first; ties in document order.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut assigned = 0;
    for (_, i, p) in pairs {
        if keys[i].is_none() && !taken.contains(&p) {
            taken.insert(p);
            keys[i] = Some(previous[p].key.clone());
            assigned += 1;
        }
    }
    assigned
}

/// `m12` -> (`m`, 12); a key without a numeric tail counts as number 0.
fn split_key(key: &str) -> (&str, u64) {
    let digits = key.len() - key.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = key.split_at(key.len() - digits);
    (prefix, number.parse().unwrap_or(0))
}

fn similarity(new: &FlatInput, old: &Clause) -> f32 {
    let a = joined(new.heading.as_deref(), &new.text);
    let b = joined(old.heading.as_deref(), &old.text);
    // The characters two texts share, in any order, bound the characters a diff can keep in
    // order; when even that bound is under the threshold the diff is not worth running.
    let (mut sa, mut sb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let total = (sa.len() + sb.len()) as f32;
    if total == 0.0 {
        return 1.0;
    }
    sa.sort_unstable();
    sb.sort_unstable();
    if 2.0 * shared(&sa, &sb) as f32 / total < SIMILARITY {
        return 0.0;
    }
    TextDiff::from_chars(a.as_str(), b.as_str()).ratio()
}

/// How many characters two sorted lists have in common, counting repeats.
fn shared(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    count
}

fn joined(heading: Option<&str>, text: &str) -> String {
    match heading {
        Some(heading) => format!("{heading}\n{text}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draft::{ClauseInput, flatten};

    fn measure(number: &str, text: &str) -> ClauseInput {
        ClauseInput {
            key: None,
            kind: ClauseKind::Measure,
            number: number.into(),
            heading: None,
            text: text.into(),
            note: None,
            children: vec![],
        }
    }

    fn chapter(heading: &str, children: Vec<ClauseInput>) -> ClauseInput {
        ClauseInput {
            key: None,
            kind: ClauseKind::Chapter,
            number: "一、".into(),
            heading: Some(heading.into()),
            text: String::new(),
            note: None,
            children,
        }
    }

    #[test]
    fn keys_follow_text_through_renumbering_edits_and_moves() {
        let v1 = assign_keys(
            &[],
            &flatten(&[
                chapter(
                    "科创",
                    vec![
                        measure("1.", "推进软件名城建设。"),
                        measure("2.", "优化布局智算基础设施。"),
                    ],
                ),
                chapter(
                    "贸易",
                    vec![
                        measure("3.", "做优做强跨境电商。"),
                        measure("4.", "推动新型电商提质升级。"),
                    ],
                ),
            ]),
            &HashSet::new(),
        )
        .expect("keys");
        let keys: Vec<&str> = v1.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["ch1", "m1", "m2", "ch2", "m3", "m4"]);

        let used: HashSet<String> = v1.iter().map(|c| c.key.clone()).collect();
        let v2 = assign_keys(
            &v1,
            &flatten(&[
                chapter(
                    "科创",
                    vec![measure("1.", "优化布局智算基础设施，建设算力中心。")],
                ),
                chapter(
                    "贸易",
                    vec![
                        measure("2.", "做优做强跨境电商。"),
                        measure("3.", "推进软件名城建设。"),
                        measure("4.", "加快服务贸易创新发展。"),
                    ],
                ),
            ]),
            &used,
        )
        .expect("keys");
        let keys: Vec<(&str, &str)> = v2
            .iter()
            .map(|c| (c.number.as_str(), c.key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("一、", "ch1"),
                ("1.", "m2"),
                ("一、", "ch2"),
                ("2.", "m3"),
                ("3.", "m1"),
                ("4.", "m5")
            ]
        );
        assert_eq!(v2[4].parent_key.as_deref(), Some("ch2"));
    }

    #[test]
    fn a_reworded_chapter_keeps_its_key_through_its_children() {
        let v1 = assign_keys(
            &[],
            &flatten(&[chapter(
                "科创",
                vec![
                    measure("1.", "推进软件名城建设。"),
                    measure("2.", "优化布局智算基础设施。"),
                ],
            )]),
            &HashSet::new(),
        )
        .expect("keys");
        let used: HashSet<String> = v1.iter().map(|c| c.key.clone()).collect();
        let v2 = assign_keys(
            &v1,
            &flatten(&[chapter(
                "打造全球新兴产业科技创新高地",
                vec![
                    measure("1.", "推进软件名城建设。"),
                    measure("2.", "优化布局智算基础设施。"),
                ],
            )]),
            &used,
        )
        .expect("keys");
        let keys: Vec<&str> = v2.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["ch1", "m1", "m2"]);
    }

    #[test]
    fn the_best_match_wins_over_the_first() {
        let v1 = assign_keys(
            &[],
            &flatten(&[measure("1.", "加快发展多式联运，降低物流成本。")]),
            &HashSet::new(),
        )
        .expect("keys");
        let used: HashSet<String> = v1.iter().map(|c| c.key.clone()).collect();
        // The first new measure resembles the old one; the second is the old one, lightly edited.
        let v2 = assign_keys(
            &v1,
            &flatten(&[
                measure("1.", "加快发展航空物流，降低成本。"),
                measure("2.", "加快发展多式联运，降低全社会物流成本。"),
            ]),
            &used,
        )
        .expect("keys");
        let keys: Vec<&str> = v2.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["m2", "m1"]);
    }

    #[test]
    fn given_keys_are_kept_and_checked() {
        let mut first = measure("1.", "甲");
        first.key = Some("intro".into());
        let mut second = measure("2.", "乙");
        second.key = Some("intro".into());
        let issues = assign_keys(&[], &flatten(&[first.clone(), second]), &HashSet::new())
            .expect_err("duplicate");
        assert_eq!(issues[0].path, "clauses[1].key");
        let kept = assign_keys(&[], &flatten(&[first]), &HashSet::new()).expect("keys");
        assert_eq!(kept[0].key, "intro");
    }
}
