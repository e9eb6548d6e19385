//! One snapshot per sample: its key facts and every (client, profile) verdict, one line per
//! decision in fixed order, stored in the top-level `snapshots/` folder.
//!
//! Review changes with `cargo insta review`. CI runs with `INSTA_UPDATE=no`, so a missing or
//! changed snapshot fails, and `snapshots_have_samples` fails on an orphaned snapshot.

use replymatrix::corpus::{self, default_corpora_dir};
use replymatrix::matrix;
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
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
        .expect("profiles load");
    let samples = corpus::load_samples(&corpora.join("senders")).expect("corpus loads");
    let observed = replymatrix::observations::load_dir(&corpora.join("observations"))
        .expect("observations load");
    insta::glob!("../../corpora/senders", "**/*.eml", |path| {
        let path = path.canonicalize().expect("sample path");
        let sample = samples
            .iter()
            .find(|s| s.eml.canonicalize().ok().as_deref() == Some(path.as_path()))
            .expect("every .eml is a loaded sample");
        let bytes = std::fs::read(&sample.eml).expect("sample readable");
        let inputs = corpus::sample_inputs(sample, &corpora.join("keys")).expect("keys load");
        let inspection = replymatrix::inspect(&bytes, &inputs);
        // Invariants first, snapshot afterwards: the sample must meet its own expectations.
        let failures = corpus::check_expectations(&sample.sidecar.expect, &inspection);
        assert!(failures.is_empty(), "{}: {failures:?}", sample.sidecar.id);
        let mut row = matrix::row(sample, inspection, &profiles);
        matrix::confirm_row(&mut row, &observed);
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
        settings.bind(|| insta::assert_snapshot!(matrix::snapshot_text(&row)));
    });
}

#[test]
fn snapshots_have_samples() {
    let senders = default_corpora_dir().join("senders");
    let mut orphans = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(snapshots_dir()).expect("snapshots folder") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
            orphans.push(format!("{name} (unreviewed: run `cargo insta review`)"));
            continue;
        }
        let Some(stem) = name
            .strip_prefix("corpus@")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            orphans.push(format!("{name} (not a corpus snapshot)"));
            continue;
        };
        count += 1;
        let sample = senders.join(stem.replace("__", "/"));
        if !sample.is_file() {
            orphans.push(format!("{name} (no sample {})", sample.display()));
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a sample:\n{}",
        orphans.join("\n")
    );
    let samples = corpus::load_samples(&senders).expect("corpus loads");
    assert_eq!(
        count,
        samples.len(),
        "every sample has exactly one snapshot"
    );
}
