//! What a maintainer runs on the corpus, with no Rust: `replymatrix corpus check` and
//! `replymatrix corpus add`.
//!
//! [`check`] makes every check the test suite makes of the samples and of the files made from
//! them: each sample's own files ([`corpus::check_sample`]: sidecar, twin, keys, line ends,
//! `expect`), the observations as data, the snapshot folder (a snapshot per sample, none
//! without one, none waiting for review, none stale) and `MATRIX.md`. The tests call the same functions, so a failure
//! reads the same in both places, and every failure says how to fix it. What only the test
//! suite runs is the inspector checked against independent tools (openssl, gpg) and the
//! spoofing oracles: [`NOT_CHECKED_HERE`].
//!
//! [`add`] (in `add.rs`) brings a message file in as a new sample.

mod add;

pub use add::{AddRequest, Added, add};

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::corpus::{self, Finding, Sample};
use crate::error::{Error, Result};
use crate::matrix::{self, SampleRow};

/// How to review and accept snapshots, with and without cargo-insta.
pub const REVIEW_SNAPSHOTS: &str = "with cargo-insta (`cargo install cargo-insta --locked`): \
     `cargo test --test testsuite snapshots::`, then `cargo insta review`; without it: \
     `INSTA_UPDATE=always cargo test --test testsuite snapshots::`, then read `git diff \
     snapshots/` and the new files `git status snapshots/` lists";

/// How to rewrite `MATRIX.md`.
pub const UPDATE_MATRIX: &str = "`UPDATE_MATRIX=1 cargo test --test testsuite matrix::` (or \
     `replymatrix matrix --format md > MATRIX.md`), then read `git diff MATRIX.md`";

/// How to read a change of verdicts as grouped cell changes.
pub const READ_AS_DIFF: &str = "to read the change as grouped cell changes: `replymatrix \
     matrix --format json > new.json` here and the same on the base commit into old.json, \
     then `replymatrix diff old.json new.json`";

/// What `corpus check` does not run: the checks of the inspector itself.
pub const NOT_CHECKED_HERE: &str = "the inspector's cross-checks against openssl and gpg, \
     the spoofing oracles and the models' agreement with each observation run in `cargo \
     test --test testsuite` only (modules crosscheck, smime_corpus, spoofing, observations)";

/// One sample's (or one broken file's) result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleResult {
    /// The sample id (for a file that does not load, the id its path gives).
    pub id: String,
    /// What is wrong; empty when the sample passes.
    pub findings: Vec<Finding>,
}

/// Everything [`check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Every sample, by id.
    pub samples: Vec<SampleResult>,
    /// The snapshot folder; `None` when there is none beside the corpora folder.
    pub snapshots: Option<Vec<Finding>>,
    /// `MATRIX.md`; `None` when there is none beside the corpora folder, or when a sample
    /// does not load (the matrix would be incomplete).
    pub matrix_md: Option<Vec<Finding>>,
    /// The observations (`corpora/observations/`) as data: each names a sample and a profile
    /// that exist and states what its finding implies (`observations::problems`).
    pub observations: Vec<Finding>,
    /// The one sample whose snapshot was compared (`corpus check --sample`); `None`: all.
    pub only: Option<String>,
}

impl Report {
    /// Whether anything failed.
    pub fn failed(&self) -> bool {
        self.samples.iter().any(|s| !s.findings.is_empty())
            || !self.observations.is_empty()
            || self.snapshots.as_ref().is_some_and(|f| !f.is_empty())
            || self.matrix_md.as_ref().is_some_and(|f| !f.is_empty())
    }

    /// Every finding, one per line as `what: problem (fix: ...)`.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.samples {
            out.extend(s.findings.iter().map(|f| format!("{}: {f}", s.id)));
        }
        out.extend(
            self.observations
                .iter()
                .map(|f| format!("observations: {f}")),
        );
        for (what, findings) in [
            ("snapshots", &self.snapshots),
            ("MATRIX.md", &self.matrix_md),
        ] {
            out.extend(findings.iter().flatten().map(|f| format!("{what}: {f}")));
        }
        out
    }

    /// The report for a terminal: a line per sample (`ok` or `FAIL` with each problem and
    /// its fix), then the snapshots and `MATRIX.md`, then a summary line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let block = |out: &mut String, label: &str, findings: &[Finding]| {
            if findings.is_empty() {
                out.push_str(&format!("ok    {label}\n"));
            }
            for f in findings {
                out.push_str(&format!(
                    "FAIL  {label}: {}\n      fix: {}\n",
                    f.problem, f.fix
                ));
            }
        };
        for s in &self.samples {
            block(&mut out, &s.id, &s.findings);
        }
        block(&mut out, "observations", &self.observations);
        for (label, findings) in [
            ("snapshots", &self.snapshots),
            ("MATRIX.md", &self.matrix_md),
        ] {
            match findings {
                Some(findings) => block(&mut out, label, findings),
                None => out.push_str(&format!("skip  {label}: not checked (see below)\n")),
            }
        }
        let failed = self
            .samples
            .iter()
            .filter(|s| !s.findings.is_empty())
            .count();
        let state = |f: &Option<Vec<Finding>>| match f {
            None => "not checked".to_owned(),
            Some(f) if f.is_empty() => "ok".to_owned(),
            Some(f) => format!("{} problem{}", f.len(), plural(f.len())),
        };
        out.push_str(&format!(
            "{} sample{}: {} passed, {failed} failed; observations: {}; snapshots: {}; \
             MATRIX.md: {}\n",
            self.samples.len(),
            plural(self.samples.len()),
            self.samples.len() - failed,
            state(&Some(self.observations.clone())),
            match &self.only {
                Some(id) => format!("{} (compared: {id} only)", state(&self.snapshots)),
                None => state(&self.snapshots),
            },
            state(&self.matrix_md),
        ));
        if self.snapshots.is_none() || self.matrix_md.is_none() {
            out.push_str(
                "not checked: snapshots/ and MATRIX.md are checked when they sit beside the \
                 corpora folder (the project's layout) and every sample loads\n",
            );
        }
        out.push_str(&format!("not run here: {NOT_CHECKED_HERE}\n"));
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Every check of the corpus in `corpora` (samples in `senders/`, keys in `keys/`, profiles
/// in `profiles/`), of the snapshots in `../snapshots/` and of `../MATRIX.md`. `Err` only when
/// a folder or a profile cannot be read.
pub fn check(corpora: &Path) -> Result<Report> {
    check_with(corpora, None)
}

/// [`check`]; with `only`, the snapshot comparison covers that sample alone, whose remedies
/// are the only ones searched (the search over every cell is most of a full check's time);
/// every other check still covers the whole corpus.
pub fn check_with(corpora: &Path, only: Option<&str>) -> Result<Report> {
    let keys = corpora.join("keys");
    let (samples, broken, results) = samples_checked(corpora)?;
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &keys)?;

    // The observations: sound as data, and confirming decisions in the rows below.
    let mut observations = Vec::new();
    let observed = match crate::observations::load_dir(&corpora.join("observations")) {
        Ok(observed) => {
            let ids: BTreeSet<String> = samples.iter().map(|s| s.sidecar.id.clone()).collect();
            let names: BTreeSet<String> = profiles.iter().map(|p| p.name.clone()).collect();
            for problem in crate::observations::problems(&observed, &ids, &names) {
                observations.push(Finding::new(
                    problem,
                    "correct the observation (README, \"Observations\"): it names a sample id \
                     and a bundled profile or an environment, and states what its finding implies",
                ));
            }
            observed
        }
        Err(e) => {
            observations.push(Finding::new(
                e.to_string(),
                "correct the file (README, \"Observations\")",
            ));
            Vec::new()
        }
    };

    // Each sample's row, as the snapshots and MATRIX.md show it.
    let root = corpora.parent().unwrap_or(Path::new("."));
    let snapshots_dir = root.join("snapshots");
    let matrix_md = root.join("MATRIX.md");
    let rows: Vec<SampleRow> = if snapshots_dir.is_dir() || matrix_md.is_file() {
        let inspected: Vec<_> = samples
            .iter()
            .filter_map(|sample| {
                let bytes = std::fs::read(&sample.eml).ok()?;
                let inputs = corpus::sample_inputs(sample, &keys).ok()?;
                Some((sample, crate::inspect(&bytes, &inputs)))
            })
            .collect();
        let mut rows = match only {
            Some(id) => matrix::rows_searching_one(inspected, &profiles, id),
            None => matrix::rows(inspected, &profiles),
        };
        for row in &mut rows {
            matrix::confirm_row(row, &observed);
        }
        rows
    } else {
        Vec::new()
    };
    let snapshots = if snapshots_dir.is_dir() {
        let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        let mut findings = snapshot_files(&snapshots_dir, &ids)?;
        let compared: Vec<SampleRow> = rows
            .iter()
            .filter(|r| only.is_none_or(|id| r.id == id))
            .cloned()
            .collect();
        findings.extend(stale_snapshots(&snapshots_dir, &compared));
        Some(findings)
    } else {
        None
    };
    let complete = broken.is_empty() && rows.len() == samples.len();
    let matrix_md = (matrix_md.is_file() && complete)
        .then(|| matrix_md_findings(&matrix_md, &matrix::assemble(&profiles, rows)));
    Ok(Report {
        samples: results,
        snapshots,
        matrix_md,
        observations,
        only: only.map(str::to_owned),
    })
}

/// Every sample's own checks (see [`corpus::check_sample`]) and every file below
/// `senders/` that does not load, by id; what [`check`] reports first.
pub fn check_samples(corpora: &Path) -> Result<Vec<SampleResult>> {
    Ok(samples_checked(corpora)?.2)
}

type Checked = (Vec<Sample>, Vec<corpus::Broken>, Vec<SampleResult>);

fn samples_checked(corpora: &Path) -> Result<Checked> {
    let senders = corpora.join("senders");
    let keys = corpora.join("keys");
    let (samples, broken) = corpus::read_samples(&senders)?;
    let ids: BTreeSet<&str> = samples.iter().map(|s| s.sidecar.id.as_str()).collect();
    let mut results: Vec<SampleResult> = samples
        .iter()
        .map(|sample| SampleResult {
            id: sample.sidecar.id.clone(),
            findings: corpus::check_sample(sample, &ids, &keys),
        })
        .collect();
    for (path, error) in &broken {
        results.push(SampleResult {
            id: corpus::sample_id(&senders, &path.with_extension("")),
            findings: vec![load_finding(path, error)],
        });
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((samples, broken, results))
}

/// A sample file that does not load, as a finding.
fn load_finding(path: &Path, error: &Error) -> Finding {
    let fix = match error {
        Error::Io { .. } => {
            "every `.eml` needs its sidecar `.toml` beside it (README, \"The sidecar schema\"); \
             `replymatrix corpus add` writes both"
        }
        _ if error.to_string().contains("without its .eml") => {
            "put the message beside it with the same name, or delete the sidecar"
        }
        _ if error.to_string().contains("does not match its path") => {
            "the id is the path below corpora/senders/ without `.eml`: change the id or move \
             the files"
        }
        _ => {
            "correct the sidecar (README, \"The sidecar schema\"; docs/schemas/sidecar.schema.json \
             for an editor)"
        }
    };
    Finding::new(
        format!("{}: {error}", path.display()).replace("\n", " "),
        fix,
    )
}

/// The snapshot file of a sample: `corpus@<family>__<name>.eml.snap`.
pub fn snapshot_name(id: &str) -> String {
    format!("corpus@{}.eml.snap", id.replace('/', "__"))
}

/// The sample id a snapshot file name stands for (`None` for a file that is not a corpus
/// snapshot).
fn snapshot_id(name: &str) -> Option<String> {
    let stem = name.strip_prefix("corpus@")?;
    let stem = stem
        .strip_suffix(".eml.snap.new")
        .or_else(|| stem.strip_suffix(".eml.snap"))
        .or_else(|| stem.strip_suffix(".eml.pending-snap"))?;
    Some(stem.replace("__", "/"))
}

/// The snapshot folder against the sample ids: samples without a snapshot, snapshots waiting
/// for review (new or changed), snapshots without a sample, and accepted snapshots that kept
/// the `assertion_line:` header of a `.snap.new` renamed by hand. Each finding names the
/// samples and files and says how to review or remove them.
pub fn snapshot_files(dir: &Path, ids: &[&str]) -> Result<Vec<Finding>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let folder = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let known: BTreeSet<&str> = ids.iter().copied().collect();
    let accepted: BTreeSet<String> = names
        .iter()
        .filter(|n| n.ends_with(".snap"))
        .filter_map(|n| snapshot_id(n))
        .collect();
    let pending: BTreeMap<String, &String> = names
        .iter()
        .filter(|n| n.ends_with(".snap.new") || n.ends_with(".pending-snap"))
        .filter_map(|n| Some((snapshot_id(n)?, n)))
        .collect();
    let mut findings = Vec::new();
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !accepted.contains(*id) && !pending.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        findings.push(Finding::new(
            format!(
                "{} sample{} without a snapshot: {}",
                missing.len(),
                plural(missing.len()),
                missing.join(", ")
            ),
            format!(
                "write and review {}: {REVIEW_SNAPSHOTS}",
                them(missing.len())
            ),
        ));
    }
    let (new, changed): (Vec<_>, Vec<_>) = pending
        .iter()
        .filter(|(id, _)| known.contains(id.as_str()))
        .partition(|(id, _)| !accepted.contains(*id));
    for (what, list) in [("new", &new), ("changed", &changed)] {
        if list.is_empty() {
            continue;
        }
        let files: Vec<String> = list.iter().map(|(_, f)| format!("{folder}/{f}")).collect();
        findings.push(Finding::new(
            format!(
                "{} {what} snapshot{} waiting for review: {}",
                list.len(),
                plural(list.len()),
                files.join(", ")
            ),
            format!("review {}: {REVIEW_SNAPSHOTS}", them(list.len())),
        ));
    }
    let orphans: Vec<String> = names
        .iter()
        .filter(|n| snapshot_id(n).is_none_or(|id| !known.contains(id.as_str())))
        .map(|n| format!("{folder}/{n}"))
        .collect();
    if !orphans.is_empty() {
        findings.push(Finding::new(
            format!(
                "{} file{} without a sample: {}",
                orphans.len(),
                plural(orphans.len()),
                orphans.join(", ")
            ),
            "a snapshot is `corpus@<family>__<name>.eml.snap` for the sample \
             corpora/senders/<family>/<name>.eml: when that sample was removed or renamed, \
             delete the snapshot (`git rm`)",
        ));
    }
    let with_line: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with(".snap"))
        .filter(|n| {
            std::fs::read_to_string(dir.join(n)).is_ok_and(|text| {
                header(&text)
                    .lines()
                    .any(|l| l.starts_with("assertion_line:"))
            })
        })
        .map(|n| format!("{folder}/{n}"))
        .collect();
    if !with_line.is_empty() {
        findings.push(Finding::new(
            format!(
                "{} snapshot{} with an `assertion_line:` header the others lack (a `.snap.new` \
                 renamed by hand): {}",
                with_line.len(),
                plural(with_line.len()),
                with_line.join(", ")
            ),
            "delete that header line; `cargo insta review`/`cargo insta accept` and \
             `INSTA_UPDATE=always cargo test --test testsuite snapshots::` accept snapshots \
             without it",
        ));
    }
    Ok(findings)
}

fn them(n: usize) -> &'static str {
    if n == 1 { "it" } else { "them" }
}

/// The header of an insta snapshot: between the first two `---` lines.
fn header(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return "";
    };
    rest.split_once("\n---\n").map_or("", |(h, _)| h)
}

/// The content of an insta snapshot: what follows its header.
pub fn snapshot_body(text: &str) -> &str {
    match text.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map_or(rest, |(_, body)| body),
        None => text,
    }
}

/// The snapshots whose content is not what the matrix row gives now (one finding naming
/// them, with their changed line counts, or none). A sample without a snapshot is
/// [`snapshot_files`]'s.
pub fn stale_snapshots(dir: &Path, rows: &[SampleRow]) -> Vec<Finding> {
    let mut stale = Vec::new();
    for row in rows {
        let Ok(text) = std::fs::read_to_string(dir.join(snapshot_name(&row.id))) else {
            continue;
        };
        let fresh = matrix::snapshot_text(row);
        let committed = snapshot_body(&text);
        if committed.trim_end() == fresh.trim_end() {
            continue;
        }
        let old: Vec<&str> = committed.lines().collect();
        let new: Vec<&str> = fresh.lines().collect();
        let removed = old.iter().filter(|l| !new.contains(l)).count();
        let added = new.iter().filter(|l| !old.contains(l)).count();
        stale.push(format!("{} (-{removed} +{added} lines)", row.id));
    }
    if stale.is_empty() {
        return Vec::new();
    }
    let more = stale.len().saturating_sub(12);
    vec![Finding::new(
        format!(
            "{} snapshot{} differ from the verdicts now: {}{}",
            stale.len(),
            plural(stale.len()),
            stale[..stale.len() - more].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
        format!(
            "review {} and accept only what you can explain: {REVIEW_SNAPSHOTS}; {READ_AS_DIFF}",
            them(stale.len())
        ),
    )]
}

/// `MATRIX.md` against the matrix: empty when current, else one finding naming the rows that
/// differ (profile and sample: added, removed or changed; note numbers aside) and how to
/// rewrite the file.
pub fn matrix_md_findings(path: &Path, matrix: &matrix::Matrix) -> Vec<Finding> {
    let fresh = matrix::markdown(matrix);
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == fresh {
        return Vec::new();
    }
    let rows = changed_rows(&committed, &fresh);
    let shown: Vec<&str> = rows.iter().take(12).map(String::as_str).collect();
    let more = rows.len().saturating_sub(shown.len());
    let what = if rows.is_empty() {
        "only its notes, header or summary differ".to_owned()
    } else {
        format!(
            "{} table row{} differ{}: {}{}",
            rows.len(),
            plural(rows.len()),
            if rows.len() == 1 { "s" } else { "" },
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        )
    };
    vec![Finding::new(
        format!("{} is stale: {what}", path.display()),
        format!("rewrite it with {UPDATE_MATRIX}; {READ_AS_DIFF}"),
    )]
}

/// Every table row of a profile's table that differs between two `MATRIX.md` texts, as
/// `profile / sample (added|removed|changed)`; a row whose cells differ only in note numbers
/// is not counted (nor are the summary tables above the profiles).
fn changed_rows(old: &str, new: &str) -> Vec<String> {
    fn rows(md: &str) -> BTreeMap<(String, String), String> {
        let mut out = BTreeMap::new();
        let mut profile = "";
        for line in md.lines() {
            if let Some(p) = line.strip_prefix("## Profile ") {
                profile = p.trim();
            } else if let Some(rest) = line.strip_prefix("| `")
                && !profile.is_empty()
                && let Some((id, _)) = rest.split_once('`')
            {
                out.insert(
                    (profile.to_owned(), id.to_owned()),
                    without_note_numbers(line),
                );
            }
        }
        out
    }
    let (old, new) = (rows(old), rows(new));
    let keys: BTreeSet<&(String, String)> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let state = match (old.get(key), new.get(key)) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(a), Some(b)) if a != b => "changed",
                _ => return None,
            };
            Some(format!("{} / {} ({state})", key.0, key.1))
        })
        .collect()
}

/// A table row with its `<sup>n</sup>` note numbers taken out.
fn without_note_numbers(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("<sup>") {
        out.push_str(&rest[..at]);
        rest = rest[at..]
            .find("</sup>")
            .map_or("", |end| &rest[at + end + "</sup>".len()..]);
    }
    out.push_str(rest);
    out
}
