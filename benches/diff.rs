//! Speed of the draft pipeline on a large document: two versions of 5,000 clauses (50 chapters
//! of 99 measures), the second with 5% of the measures edited, 2% deleted, 2% inserted and 1%
//! moved to another chapter, renumbered throughout.
//!
//! `cargo bench --bench diff` — reports the median, fastest and slowest of 30 runs each.

// A measurement program: a setup step that fails ends the run with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use consult::domain::draft::diff::diff;
use consult::domain::draft::matching::assign_keys;
use consult::domain::draft::parse::{chinese_numeral, parse_text};
use consult::domain::draft::{Clause, ClauseKind, FlatInput};

const CHAPTERS: usize = 50;
const MEASURES: usize = 99;
const RUNS: usize = 30;

const PHRASES: [&str; 8] = [
    "加快推进生产性服务业向专业化和价值链高端延伸",
    "支持企业建设研发设计、检验检测和知识产权服务平台",
    "完善跨境电商综合服务体系，提升通关便利化水平",
    "鼓励金融机构创新科技金融产品，扩大普惠金融覆盖面",
    "优化多式联运组织模式，降低全社会物流成本",
    "培育一批具有国际影响力的会展品牌和专业服务机构",
    "强化数据要素供给，推动公共数据有序开放和开发利用",
    "健全人力资源服务产业园体系，引进高端人才服务机构",
];

fn measure_text(n: usize) -> String {
    format!(
        "{}，第{n}项任务到2027年新增示范项目{}个，{}。",
        PHRASES[n % PHRASES.len()],
        n % 37 + 3,
        PHRASES[(n * 7 + 3) % PHRASES.len()]
    )
}

/// The two versions as plain text, and the first one keyed.
fn versions() -> (Vec<Clause>, String) {
    let mut old = Vec::new();
    let mut new_chapters: Vec<Vec<String>> = vec![Vec::new(); CHAPTERS];
    let mut moved = Vec::new();
    let mut n = 0;
    for (c, chapter) in new_chapters.iter_mut().enumerate() {
        let chapter_key = format!("ch{}", c + 1);
        old.push(Clause {
            key: chapter_key.clone(),
            parent_key: None,
            kind: ClauseKind::Chapter,
            number: format!("{}、", chinese_numeral(c as u32 + 1)),
            heading: Some(format!("第{}项重点任务", c + 1)),
            text: String::new(),
            note: None,
        });
        for _ in 0..MEASURES {
            n += 1;
            let text = measure_text(n);
            old.push(Clause {
                key: format!("m{n}"),
                parent_key: Some(chapter_key.clone()),
                kind: ClauseKind::Measure,
                number: format!("{n}."),
                heading: None,
                text: text.clone(),
                note: None,
            });
            match n % 100 {
                0..=4 => chapter.push(text.replace("示范项目", "重点示范项目")),
                5 | 6 => {}
                7 => moved.push(text),
                8 | 9 => {
                    chapter.push(text);
                    chapter.push(format!("新增措施{n}：建立健全服务业统计监测和评估机制。"));
                }
                _ => chapter.push(text),
            }
        }
    }
    for (i, text) in moved.into_iter().enumerate() {
        new_chapters[(i * 13 + 5) % CHAPTERS].push(text);
    }
    let mut text = String::from("大型文件测试\n");
    let mut number = 0;
    for (c, measures) in new_chapters.iter().enumerate() {
        text.push_str(&format!(
            "{}、第{}项重点任务\n",
            chinese_numeral(c as u32 + 1),
            c + 1
        ));
        for measure in measures {
            number += 1;
            text.push_str(&format!("{number}.{measure}\n"));
        }
    }
    (old, text)
}

fn time<T>(name: &str, mut f: impl FnMut() -> T) -> T {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(f());
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {name:<44} median {:>7.2} ms   fastest {:>7.2} ms   slowest {:>7.2} ms",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1])
    );
    last.expect("at least one run")
}

fn main() {
    let (old, text) = versions();
    println!(
        "{} clauses before, {} text bytes after; {RUNS} runs each",
        old.len(),
        text.len()
    );
    let parsed = time("parse the plain text", || parse_text(&text));
    assert!(
        parsed.issues.is_empty(),
        "{:?}",
        &parsed.issues[..parsed.issues.len().min(3)]
    );
    let flat: Vec<FlatInput> = consult::domain::draft::flatten(&parsed.clauses);
    let used: HashSet<String> = old.iter().map(|c| c.key.clone()).collect();
    let new = time("match keys to the previous version", || {
        assign_keys(&old, &flat, &used).expect("keys")
    });
    let result = time("diff the two versions (5,000 clauses)", || diff(&old, &new));
    let s = &result.summary;
    println!(
        "  result: {} added, {} removed, {} modified, {} moved, {} unchanged, {} renumbered",
        s.added, s.removed, s.modified, s.moved, s.unchanged, s.renumbered
    );
}
