//! One snapshot per sample: its key facts and every (client, profile) verdict, one line per
//! decision in fixed order, stored in the top-level `snapshots/` folder.
//!
//! Review changes with `cargo insta review` (cargo-insta) or accept them all with
//! `INSTA_UPDATE=always cargo test --test testsuite snapshots::` and read `git diff
//! snapshots/` (see `replymatrix::curate::REVIEW_SNAPSHOTS`). CI runs with `INSTA_UPDATE=no`,
//! so a missing or changed snapshot fails, and so does a snapshot without a sample or one
//! waiting for review.

use replymatrix::corpus::{self, default_corpora_dir};
use replymatrix::{curate, matrix};
use serde::Serialize;

/// What a reviewer sees in the snapshot header (`info:`).
#[derive(Serialize)]
struct Header<'a> {
    id: &'a str,
    title: &'a str,
    sender: &'a corpus::SenderInfo,
    provenance: &'a corpus::Provenance,
    control: corpus::Control,
    pairs_with: Option<&'a str>,
}

use crate::support::snapshots_dir;

#[test]
fn corpus() {
    let corpora = default_corpora_dir();
    let samples = corpus::load_samples(&corpora.join("senders")).expect("corpus loads");
    for sample in &samples {
        let bytes = std::fs::read(&sample.eml).expect("sample readable");
        let inputs = corpus::sample_inputs(sample, &corpora.join("keys")).expect("keys load");
        let inspection = replymatrix::inspect(&bytes, &inputs);
        // Invariants first, snapshot afterwards: the sample must meet its own expectations.
        let failures = corpus::check_expectations(&sample.sidecar.expect, &inspection);
        assert!(
            failures.is_empty(),
            "{}: {} (`replymatrix corpus check` says how to fix it)",
            sample.sidecar.id,
            failures.join("; ")
        );
    }
    // The rows (verdicts, observations confirmed, remedies searched) as the whole suite
    // shares them: `matrix::build_with(.., true)`, what `corpus check` compares too.
    let rows = &crate::support::bundled_matrix_with_remedies().samples;
    // A short account first (insta's own output is `minimal`, .config/insta.yaml): samples
    // without a snapshot, snapshots waiting for review or without a sample, and which
    // samples' snapshots differ, by how many lines; each with how to review and accept.
    let ids: Vec<&str> = samples.iter().map(|s| s.sidecar.id.as_str()).collect();
    let folder = || curate::snapshot_files(&snapshots_dir(), &ids).expect("snapshots folder");
    for finding in folder()
        .into_iter()
        .chain(curate::stale_snapshots(&snapshots_dir(), rows))
    {
        eprintln!(
            "{}\nto see every diff here: INSTA_OUTPUT=diff\nfix: {}",
            finding.problem, finding.fix
        );
    }
    insta::glob!("../../corpora/senders", "**/*.eml", |path| {
        let path = path.canonicalize().expect("sample path");
        let sample = samples
            .iter()
            .find(|s| s.eml.canonicalize().ok().as_deref() == Some(path.as_path()))
            .expect("every .eml is a loaded sample");
        let row = rows
            .iter()
            .find(|r| r.id == sample.sidecar.id)
            .expect("every sample has its row");
        let s = &sample.sidecar;
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshots_dir());
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_info(&Header {
            id: &s.id,
            title: &s.title,
            sender: &s.sender,
            provenance: &s.provenance,
            control: s.control,
            pairs_with: s.pairs_with.as_deref(),
        });
        settings.bind(|| insta::assert_snapshot!(matrix::snapshot_text(row)));
    });
    // Then the folder holds exactly one accepted snapshot per sample: none missing, none
    // waiting for review, none without a sample, none with a hand-renamed `.snap.new`'s
    // `assertion_line:` header (checked after the snapshots above, which an accepting run
    // has just written). `replymatrix corpus check` says the same.
    let findings = folder();
    assert!(
        findings.is_empty(),
        "{}",
        findings
            .iter()
            .map(|f| format!("{}\n  fix: {}", f.problem, f.fix))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The folder check names what is wrong: a missing snapshot by sample, a `.snap.new` as new
/// (not as an orphan), an orphan by file, a hand-renamed `.snap.new` by its header.
#[test]
fn the_snapshot_folder_check_names_samples_and_files() {
    let tmp = crate::support::TempDir::new("snapshot-files");
    let dir = &tmp.path("snapshots");
    std::fs::create_dir_all(dir).expect("snapshots folder");
    let snap =
        |body: &str| format!("---\nsource: tests/testsuite/snapshots.rs\n{body}---\nfrom: -\n");
    std::fs::write(dir.join("corpus@a__ok.eml.snap"), snap("")).expect("write");
    std::fs::write(
        dir.join("corpus@a__fresh.eml.snap.new"),
        snap("assertion_line: 60\n"),
    )
    .expect("write");
    std::fs::write(dir.join("corpus@a__gone.eml.snap"), snap("")).expect("write");
    std::fs::write(
        dir.join("corpus@a__renamed.eml.snap"),
        snap("assertion_line: 60\n"),
    )
    .expect("write");
    let findings =
        curate::snapshot_files(dir, &["a/ok", "a/fresh", "a/missing", "a/renamed"]).expect("reads");
    let text: Vec<String> = findings.iter().map(|f| f.to_string()).collect();
    let has = |needle: &str| {
        assert!(
            text.iter().any(|t| t.contains(needle)),
            "{needle:?} in {text:#?}"
        )
    };
    has("1 sample without a snapshot: a/missing");
    has("1 new snapshot waiting for review: snapshots/corpus@a__fresh.eml.snap.new");
    has("1 file without a sample: snapshots/corpus@a__gone.eml.snap");
    has(
        "`assertion_line:` header the others lack (a `.snap.new` renamed by hand): snapshots/corpus@a__renamed.eml.snap",
    );
    has("INSTA_UPDATE=always cargo test --test testsuite snapshots::");
    has("cargo insta review");
    assert_eq!(findings.len(), 4, "{text:#?}");
}
