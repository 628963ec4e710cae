//! The shape of the code that docs/architecture.md promises, checked on the source tree: files stay
//! readable, the job queue and the model and service layers stay free of what they must not know,
//! and every pair of top-level modules that import each other is one the architecture page explains.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn files() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The code of a file without its `#[cfg(test)] mod tests` part.
fn code_of(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level module a file belongs to (`leads/model.rs` → `leads`, `config.rs` → `config`).
fn module_of(rel: &str) -> String {
    match rel.split_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => rel.trim_end_matches(".rs").to_string(),
    }
}

/// `crate::x` names in a text's code (comments name things without importing them).
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + 7..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

const DOMAINS: &[&str] = &[
    "agency",
    "agents",
    "audit",
    "auth",
    "courses",
    "demo",
    "home",
    "leads",
    "notifications",
    "ops",
    "routing",
    "scoring",
    "users",
];

#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let long: Vec<String> = files()
        .into_iter()
        .filter(|(rel, _)| rel != "db/schema.rs")
        .filter(|(_, text)| text.lines().count() > 1_000)
        .map(|(rel, text)| format!("src/{rel}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn the_job_queue_imports_no_domain() {
    let wrong: Vec<String> = files()
        .into_iter()
        .filter(|(rel, _)| rel.starts_with("jobs/"))
        .flat_map(|(rel, text)| {
            crate_refs(code_of(&text))
                .into_iter()
                .filter(|m| DOMAINS.contains(&m.as_str()))
                .map(move |m| format!("src/{rel} uses crate::{m}"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn models_and_services_do_not_know_about_the_web() {
    let wrong: Vec<String> = files()
        .into_iter()
        .filter(|(rel, _)| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            name.starts_with("model") || name.starts_with("service") || dir.ends_with("/model")
        })
        .filter(|(_, text)| code_of(text).contains("crate::web"))
        .map(|(rel, _)| format!("src/{rel}"))
        .collect();
    assert!(wrong.is_empty(), "these import crate::web: {wrong:?}");
}

/// Pairs of top-level modules that import each other.
fn cycles() -> Vec<BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files() {
        if rel.ends_with("/tests.rs") || rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let from = module_of(&rel);
        let refs = crate_refs(code_of(&text));
        graph
            .entry(from.clone())
            .or_default()
            .extend(refs.into_iter().filter(|m| *m != from));
    }
    let mut pairs = Vec::new();
    for (a, uses) in &graph {
        for b in uses {
            if a < b && graph.get(b).is_some_and(|back| back.contains(a)) {
                pairs.push(BTreeSet::from([a.clone(), b.clone()]));
            }
        }
    }
    pairs
}

#[test]
fn every_pair_of_modules_that_import_each_other_is_explained_in_the_architecture_page() {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    let explained: Vec<BTreeSet<String>> = page
        .lines()
        .filter_map(|l| l.strip_prefix("- Cycle: "))
        .map(|l| {
            l.split(['.', ':'])
                .next()
                .unwrap_or("")
                .split('↔')
                .map(|m| m.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect();
    let found = cycles();
    let unexplained: Vec<&BTreeSet<String>> = found.iter().filter(|g| !explained.contains(g)).collect();
    assert!(
        unexplained.is_empty(),
        "these modules import each other; break the cycle, or explain it in docs/architecture.md \
         with a line \"- Cycle: `a` ↔ `b`: why\": {unexplained:?}"
    );
}
