//! The observations in `corpora/observations/` as a test: each file parses (unknown fields name
//! the file), each observation is sound as data (its sample and profile exist, its `expect`
//! says what the source's finding implies), and the models agree with every one of them:
//! the sample is inspected with its sidecar's keys, the client modelled under the observed
//! environment, and every field the observation states is compared. A disagreement fails the
//! test unless the observation is marked superseded with the evidence that overrides it; a
//! superseded observation that agrees again fails too (the mark is stale).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use replymatrix::clients;
use replymatrix::corpus::{self, default_corpora_dir};
use replymatrix::evidence::{Confidence, RULES};
use replymatrix::observations::{self, Fit, Loaded};

fn load() -> Vec<Loaded> {
    observations::load_dir(&default_corpora_dir().join("observations"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn sample_ids() -> BTreeSet<String> {
    corpus::load_samples(&default_corpora_dir().join("senders"))
        .expect("corpus loads")
        .into_iter()
        .map(|s| s.sidecar.id)
        .collect()
}

fn profile_names() -> BTreeSet<String> {
    std::fs::read_dir(default_corpora_dir().join("profiles"))
        .expect("profiles")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(str::to_owned)
        })
        .collect()
}

#[test]
fn every_observation_is_sound_as_data() {
    let all = load();
    assert!(all.len() >= 30, "the observations were read: {}", all.len());
    let problems = observations::problems(&all, &sample_ids(), &profile_names());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn an_unknown_field_is_an_error_that_names_the_file() {
    let text = r#"
[source]
title = "t"
url = "https://example.invalid"

[[observation]]
id = "x"
client = "owa"
client_version = "v"
date = "2020"
url = "https://example.invalid"
reference = "r"
quote = "q"
finding = "report"
sample = "proton/plain"
fit = "exact"
stands_for = "s"
profile = "seed-tenant"
expect = { read = "readable", colour = "blue" }
"#;
    let err = observations::parse_file(Path::new("corpora/observations/typo.toml"), text)
        .expect_err("an unknown field is rejected");
    let msg = err.to_string();
    assert!(msg.contains("typo.toml") && msg.contains("colour"), "{msg}");
    let bad_finding = text
        .replace(", colour = \"blue\"", "")
        .replace("finding = \"report\"", "finding = \"perfect\"");
    let msg = observations::parse_file(Path::new("corpora/observations/typo.toml"), &bad_finding)
        .expect_err("a finding outside the vocabulary is rejected")
        .to_string();
    assert!(
        msg.contains("perfect-forgery"),
        "lists the valid names: {msg}"
    );
}

/// What the models say for one observation: every disagreement, one line each. `inspections`
/// keeps each sample's inspection: many observations share a sample.
fn disagreements(
    l: &Loaded,
    samples: &[corpus::Sample],
    inspections: &mut BTreeMap<String, replymatrix::facts::Inspection>,
) -> Vec<String> {
    let corpora = default_corpora_dir();
    let o = &l.observation;
    let inspection = inspections.entry(o.sample.clone()).or_insert_with(|| {
        let sample = samples
            .iter()
            .find(|s| s.sidecar.id == o.sample)
            .unwrap_or_else(|| panic!("{}: no sample {}", o.id, o.sample));
        let bytes = std::fs::read(&sample.eml).expect("sample readable");
        let inputs = corpus::sample_inputs(sample, &corpora.join("keys")).expect("keys load");
        replymatrix::inspect(&bytes, &inputs)
    });
    let profile = l
        .resolve_environment(&corpora)
        .unwrap_or_else(|e| panic!("{}: {e}", o.id));
    let verdict = clients::model(o.client).evaluate(inspection, &profile);
    o.expect.disagreements(&verdict)
}

#[test]
fn the_models_agree_with_every_observation() {
    let mut failures = Vec::new();
    let mut agreed = 0;
    let mut superseded = 0;
    let samples =
        corpus::load_samples(&default_corpora_dir().join("senders")).expect("corpus loads");
    let mut inspections = BTreeMap::new();
    for l in &load() {
        let o = &l.observation;
        let found = disagreements(l, &samples, &mut inspections);
        match (&o.superseded, found.is_empty()) {
            (None, true) => agreed += 1,
            (None, false) => failures.push(format!(
                "{} ({} {} on {}): {}",
                o.id,
                o.client,
                o.client_version,
                o.sample,
                found.join("; ")
            )),
            (Some(_), false) => superseded += 1,
            (Some(s), true) => failures.push(format!(
                "{}: marked superseded by {}, but the models agree with it now: remove the mark",
                o.id, s.by
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} observations disagree with the models (fix the model, or mark the observation \
         superseded with the evidence that overrides it):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(agreed > 0 && agreed + superseded == load().len());
}

/// Every decision an exact, profile-bound, current observation states is `observed` in the
/// matrix, with the observation's id; no other decision is.
#[test]
fn the_matrix_marks_exactly_the_confirmed_decisions_observed() {
    let m = crate::support::bundled_matrix();
    let all = load();
    let mut expected = BTreeSet::new();
    for l in &all {
        let o = &l.observation;
        let Some(profile) = &o.profile else { continue };
        if o.fit != Fit::Exact || o.superseded.is_some() {
            continue;
        }
        for d in o.expect.decisions() {
            expected.insert((
                o.sample.clone(),
                profile.clone(),
                o.client,
                format!("{d:?}"),
                o.id.clone(),
            ));
        }
    }
    let mut marked = BTreeSet::new();
    for row in &m.samples {
        for cell in &row.cells {
            let v = &cell.verdict;
            let decisions = [
                ("Read", v.read.confidence, &v.read.observed_by),
                (
                    "Plain",
                    v.reply.plain.confidence,
                    &v.reply.plain.observed_by,
                ),
                (
                    "Signed",
                    v.reply.signed.confidence,
                    &v.reply.signed.observed_by,
                ),
                (
                    "Encrypted",
                    v.reply.encrypted.confidence,
                    &v.reply.encrypted.observed_by,
                ),
            ];
            for (name, confidence, ids) in decisions {
                assert_eq!(
                    confidence == Confidence::Observed,
                    !ids.is_empty(),
                    "{} {} {}: observed iff an observation confirms it",
                    row.id,
                    cell.profile,
                    name
                );
                for id in ids {
                    marked.insert((
                        row.id.clone(),
                        cell.profile.clone(),
                        v.client,
                        name.to_owned(),
                        id.clone(),
                    ));
                }
            }
        }
    }
    assert_eq!(marked, expected);
    assert!(!marked.is_empty(), "some decisions are observed");
}

/// `observed` is a decision's confidence, never a rule's: a rule's sources are documents.
#[test]
fn no_rule_claims_to_be_observed() {
    for r in RULES {
        assert_ne!(r.confidence, Confidence::Observed, "{}", r.id);
    }
}
