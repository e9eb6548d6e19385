//! The library's stages stay physical: a module may use only modules of its own stage or of
//! the stages before it (ARCHITECTURE.md, "Pipeline"), and no two modules use each other,
//! directly or round a loop. Read from the sources, test code excluded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::root;

/// Each top-level module of `harness/src` and its stage, earliest first.
const STAGES: &[(&str, usize)] = &[
    // shared infrastructure
    ("error", 0),
    ("instant", 0),
    ("memo", 0),
    ("vocabulary", 0),
    // the facts vocabulary
    ("facts", 1),
    // the layer inspectors
    ("mime", 2),
    ("openpgp", 2),
    ("smime", 2),
    // containers before the walker: Outlook items (.msg, PST) to MIME
    ("outlook_item", 2),
    // the walker over a message
    ("inspect", 3),
    // evidence, algorithm policy, environments
    ("evidence", 4),
    ("policy", 4),
    ("profile", 4),
    // verdicts
    ("verdict", 5),
    // the client models
    ("clients", 6),
    // remedies: the models re-run on changed environments
    ("remedies", 7),
    // reports
    ("corpus", 8),
    ("curate", 8),
    ("explain", 8),
    ("matrix", 8),
    ("observations", 8),
    ("render", 8),
    ("scan", 8),
    // generated documentation (every interface's schema)
    ("docs", 9),
];

/// Code of a source file without its test modules (which close every file) and comments.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules one module's code names as `crate::<module>`.
fn uses(module_dir: &Path, module_file: &Path) -> BTreeSet<String> {
    let mut files = vec![module_file.to_path_buf()];
    if module_dir.is_dir() {
        let mut stack = vec![module_dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("source dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
    }
    let mut used = BTreeSet::new();
    for file in files.iter().filter(|f| f.exists()) {
        let code = code_of(&std::fs::read_to_string(file).expect("source file"));
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn modules_use_only_earlier_stages_and_never_each_other() {
    let src = root().join("harness/src");
    let stage: BTreeMap<&str, usize> = STAGES.iter().copied().collect();
    let mut declared: Vec<String> = std::fs::read_dir(&src)
        .expect("harness/src")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let module = name.strip_suffix(".rs").unwrap_or(&name).to_owned();
            (!["lib", "main", "cli", "commands"].contains(&module.as_str())).then_some(module)
        })
        .collect();
    declared.sort();
    declared.dedup();
    let mut problems = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &declared {
        let Some(&own) = stage.get(module.as_str()) else {
            problems.push(format!("{module}: not in STAGES (give it a stage)"));
            continue;
        };
        let used = uses(&src.join(module), &src.join(format!("{module}.rs")));
        let used: BTreeSet<String> = used
            .into_iter()
            // `crate::inspect(...)`, `crate::Inputs`: re-exports at the root name their module.
            .filter(|u| u != module && stage.contains_key(u.as_str()))
            .collect();
        for u in &used {
            if stage[u.as_str()] > own {
                problems.push(format!(
                    "{module} (stage {own}) uses {u} (stage {}), a later stage",
                    stage[u.as_str()]
                ));
            }
        }
        graph.insert(module.clone(), used);
    }
    // No loops within a stage either: depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        problems: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            problems.push(format!(
                "import cycle: {} -> {node}",
                path[at..].join(" -> ")
            ));
            return;
        }
        if !done.insert(node.to_owned()) {
            return;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, problems);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(graph.len() > 15, "the sources were read: {graph:?}");
}
