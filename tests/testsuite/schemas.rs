//! The JSON schemas in `docs/schemas/` are generated from the types (`docs::json_schemas`),
//! so they cannot drift from what replymatrix writes or reads; this module checks that the
//! committed files are current and validates real documents against them with a maintained
//! validator (boon): every sample's inspection, its explanation under every bundled profile,
//! the matrix export and every sidecar. Broken documents are rejected at the JSON pointer of
//! the violation.

use std::collections::BTreeMap;

use replymatrix::corpus;
use replymatrix::matrix;
use serde_json::{Value, json};

use crate::support::{self, root};

fn schemas_dir() -> std::path::PathBuf {
    root().join("docs/schemas")
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    let dir = schemas_dir();
    let generated = replymatrix::docs::json_schemas();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(&dir).expect("docs/schemas");
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).expect("write schema");
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &generated {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(*name);
        }
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .expect("docs/schemas exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    committed.sort();
    let mut names: Vec<String> = generated.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.sort();
    assert!(
        stale.is_empty() && committed == names,
        "docs/schemas is stale ({stale:?}; files {committed:?}, generated {names:?}): \
         run `UPDATE_SCHEMAS=1 cargo test --test testsuite schemas::` and commit the result"
    );
}

/// The committed schemas, compiled once per call.
struct Validator {
    schemas: boon::Schemas,
    index: BTreeMap<&'static str, boon::SchemaIndex>,
}

impl Validator {
    fn new() -> Self {
        let mut compiler = boon::Compiler::new();
        let mut schemas = boon::Schemas::new();
        let mut index = BTreeMap::new();
        for (name, _) in replymatrix::docs::json_schemas() {
            let path = schemas_dir().join(name);
            let text = std::fs::read_to_string(&path).expect("schema file");
            let value: Value = serde_json::from_str(&text).expect("schema is JSON");
            let url = format!("file:///schemas/{name}");
            compiler.add_resource(&url, value).expect("schema loads");
            let i = compiler
                .compile(&url, &mut schemas)
                .unwrap_or_else(|e| panic!("{name} compiles: {e}"));
            index.insert(name, i);
        }
        Self { schemas, index }
    }

    /// The violations of `value` against schema `name`, as `pointer: message`.
    fn violations(&self, name: &str, value: &Value) -> Vec<String> {
        match self.schemas.validate(value, self.index[name]) {
            Ok(()) => Vec::new(),
            Err(e) => {
                let mut out = Vec::new();
                leaves(&e, &mut out);
                out
            }
        }
    }
}

fn leaves(e: &boon::ValidationError, out: &mut Vec<String>) {
    if e.causes.is_empty() {
        out.push(format!("{}: {}", e.instance_location, e.kind));
    }
    for c in &e.causes {
        leaves(c, out);
    }
}

/// The bundled matrix as JSON, built once for this module's tests.
fn matrix_export() -> Value {
    static EXPORT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    EXPORT
        .get_or_init(|| serde_json::to_value(support::bundled_matrix()).expect("serialises"))
        .clone()
}

#[test]
fn every_inspection_and_explanation_validates() {
    let v = Validator::new();
    let corpora = support::corpora();
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
        .expect("profiles load");
    let samples = corpus::load_samples(&corpora.join("senders")).expect("corpus loads");
    assert!(samples.len() > 50, "the corpus is there");
    for sample in &samples {
        let bytes = std::fs::read(&sample.eml).expect("sample");
        let inputs = corpus::sample_inputs(sample, &corpora.join("keys")).expect("keys");
        let inspection = replymatrix::inspect(&bytes, &inputs);
        let json = serde_json::to_value(&inspection).expect("serialises");
        let errors = v.violations("inspect.schema.json", &json);
        assert!(errors.is_empty(), "{}: {errors:#?}", sample.sidecar.id);
        for profile in &profiles {
            let e = replymatrix::explain::explain(&inspection, profile, None);
            let json = serde_json::to_value(&e).expect("serialises");
            let errors = v.violations("explain.schema.json", &json);
            assert!(
                errors.is_empty(),
                "{} under {}: {errors:#?}",
                sample.sidecar.id,
                profile.name
            );
        }
    }
}

#[test]
fn the_matrix_export_validates() {
    let v = Validator::new();
    let export = matrix_export();
    let errors = v.violations("matrix.schema.json", &export);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(export["samples"].as_array().is_some_and(|s| s.len() > 50));
}

#[test]
fn every_sidecar_validates() {
    let v = Validator::new();
    let corpora = support::corpora();
    let samples = corpus::load_samples(&corpora.join("senders")).expect("corpus loads");
    for sample in &samples {
        let toml_path = sample.eml.with_extension("toml");
        let text = std::fs::read_to_string(&toml_path).expect("sidecar");
        let value: toml::Value = toml::from_str(&text).expect("TOML");
        let json = serde_json::to_value(value).expect("as JSON");
        let errors = v.violations("sidecar.schema.json", &json);
        assert!(errors.is_empty(), "{}: {errors:#?}", toml_path.display());
    }
}

#[test]
fn broken_documents_are_rejected_at_the_pointer_of_the_violation() {
    let v = Validator::new();
    // Four samples are enough to break things in; validating the whole corpus six times over
    // would only cost time.
    let mut export = matrix_export();
    if let Some(samples) = export["samples"].as_array_mut() {
        samples.truncate(4);
    }
    let only = |doc: &Value, pointer: &str| {
        let errors = v.violations("matrix.schema.json", doc);
        assert!(
            !errors.is_empty() && errors.iter().all(|e| e.starts_with(pointer)),
            "expected violations at {pointer}, got {errors:#?}"
        );
    };

    let mut unknown_status = export.clone();
    unknown_status["samples"][0]["cells"][1]["reply"]["signed"]["status"] = json!("maybe");
    only(&unknown_status, "/samples/0/cells/1/reply/signed/status");

    let mut missing_field = export.clone();
    missing_field["samples"][2]["inspect"]
        .as_object_mut()
        .expect("inspect object")
        .remove("from");
    only(&missing_field, "/samples/2/inspect");

    let mut unknown_field = export.clone();
    unknown_field["profiles"][0]["colour"] = json!("blue");
    only(&unknown_field, "/profiles/0");

    let mut unknown_rule = export.clone();
    unknown_rule["samples"][0]["cells"][0]["reply"]["plain"]["rules"] = json!(["owa.made-up"]);
    only(&unknown_rule, "/samples/0/cells/0/reply/plain/rules/0");

    let mut bad_time = export.clone();
    bad_time["profiles"][0]["evaluation_time"] = json!("2026-06-01 12:00");
    only(&bad_time, "/profiles/0/evaluation_time");

    let mut wrong_type = export;
    wrong_type["samples"][0]["inspect"]["layers"] = json!({});
    only(&wrong_type, "/samples/0/inspect/layers");

    // A sidecar with a misspelt layer kind.
    let sidecar = json!({
        "id": "x/y", "title": "t",
        "sender": {"product": "p", "version": "1", "setting": "s"},
        "provenance": {"url": "https://example.invalid", "confidence": "seen"},
        "expect": {"layers": [{"kind": "smime-signd"}]},
    });
    let errors = v.violations("sidecar.schema.json", &sidecar);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/expect/layers/0/kind")),
        "{errors:#?}"
    );
}
