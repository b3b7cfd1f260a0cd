//! The layering of docs/ARCHITECTURE.md, read off the source: arrows point down only, and no
//! two modules import each other, however indirectly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Folders whose files are modules of their own for this check (`service::rounds`, `db::round`).
const LAYERS: [&str; 6] = ["api", "desk", "service", "db", "domain", "email"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `api::rounds`, `service::rounds`, `error`: a file's module, cut to two levels in a layer.
fn node(path: &str) -> String {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    if parts.last() == Some(&"mod") {
        parts.pop();
    }
    let keep = if parts.first().is_some_and(|p| LAYERS.contains(p)) {
        2
    } else {
        1
    };
    parts.truncate(keep);
    parts.join("::")
}

/// What each module imports from the crate, leaving out its own tests and comments.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("under src");
        let module = relative
            .with_extension("")
            .to_string_lossy()
            .replace('/', "::");
        let from = node(&module);
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let parent: Vec<&str> = module.split("::").collect();
        let edges = graph.entry(from.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let path: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                edges.insert(node(&path));
            }
            for (at, _) in line.match_indices("super::") {
                let name: String = line[at + "super::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let mut path: Vec<&str> = parent[..parent.len().saturating_sub(1)].to_vec();
                if module.ends_with("::mod") {
                    path.pop();
                }
                path.push(&name);
                edges.insert(node(&path.join("::")));
            }
        }
        // A module and its own folder's parts are one thing.
        edges.retain(|to| *to != from && !from.starts_with(&format!("{to}::")) && !to.is_empty());
    }
    graph
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let graph = imports();
    let above = |layer: &str| -> &[&str] {
        match layer {
            "domain" => &[
                "api", "desk", "service", "db", "email", "error", "state", "app", "routes",
            ],
            "db" => &[
                "api", "desk", "service", "email", "error", "state", "app", "routes",
            ],
            "email" => &["api", "desk", "service", "error", "state", "app", "routes"],
            "service" => &["api", "desk", "error", "state", "app", "routes"],
            // The desk sits beside the API: both over the services, neither over the other.
            "api" => &["desk", "app", "routes"],
            "desk" => &["api", "error", "app", "routes"],
            _ => &[],
        }
    };
    let mut wrong = Vec::new();
    for (from, edges) in &graph {
        let layer = from.split("::").next().unwrap_or_default();
        for to in edges {
            let target = to.split("::").next().unwrap_or_default();
            if above(layer).contains(&target) {
                wrong.push(format!("{from} imports {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up: {wrong:#?}");
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = imports();
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|n| *n == node) {
            cycles.push(format!("{} -> {node}", path[at..].join(" -> ")));
            return;
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                visit(next, graph, path, done, cycles);
            }
        }
        path.pop();
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

/// The desk reads and writes through the services and the queries beside their rows: it
/// builds no query of its own.
#[test]
fn the_desk_has_no_queries_of_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/desk");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        assert!(
            !text.contains("diesel::") && !text.contains("schema::"),
            "{} builds queries",
            file.display()
        );
    }
}

#[test]
fn the_domain_knows_nothing_of_http_storage_or_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    sources(&root, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        for crate_name in ["actix_web", "diesel", "lettre", "std::fs", "std::net"] {
            assert!(
                !text.contains(&format!("{crate_name}::")),
                "{} uses {crate_name}",
                file.display()
            );
        }
    }
}
