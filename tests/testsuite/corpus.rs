//! The sender corpus: every sidecar matches its schema, every sample's `expect` holds against
//! `inspect`, and a sample dropped into the folder is picked up with no Rust.

use std::path::Path;

use replymatrix::corpus::{self, default_corpora_dir};

fn senders() -> std::path::PathBuf {
    default_corpora_dir().join("senders")
}

#[test]
fn every_sample_meets_its_expectations() {
    let samples = corpus::load_samples(&senders()).expect("the corpus loads");
    let keys = default_corpora_dir().join("keys");
    let mut failures = Vec::new();
    for sample in &samples {
        let bytes = std::fs::read(&sample.eml).expect("sample readable");
        let inputs = corpus::sample_inputs(sample, &keys).expect("sample keys load");
        let inspection = replymatrix::inspect(&bytes, &inputs);
        for failure in corpus::check_expectations(&sample.sidecar.expect, &inspection) {
            failures.push(format!("{}: {failure}", sample.sidecar.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} expectation(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_has_enough_samples_and_every_sidecar_is_complete() {
    let samples = corpus::load_samples(&senders()).expect("the corpus loads");
    assert!(samples.len() >= 45, "only {} samples", samples.len());
    let ids: std::collections::BTreeSet<_> = samples.iter().map(|s| s.sidecar.id.clone()).collect();
    for sample in &samples {
        let s = &sample.sidecar;
        assert!(!s.title.trim().is_empty(), "{}: empty title", s.id);
        assert!(
            s.provenance.url.starts_with("https://") || s.provenance.url.starts_with("http://"),
            "{}: provenance url",
            s.id
        );
        if let Some(twin) = &s.pairs_with {
            assert!(
                ids.contains(twin),
                "{}: pairs_with {twin:?} is not a sample",
                s.id
            );
        }
        if s.control == corpus::Control::Negative {
            assert!(
                s.pairs_with.is_some(),
                "{}: a negative control must name its positive twin",
                s.id
            );
        }
        assert!(s.expect.layers.is_some(), "{}: no expected layers", s.id);
    }
}

#[test]
fn an_unknown_sidecar_field_fails_naming_the_file() {
    let path = Path::new("corpora/senders/x/y.toml");
    let text = "id = \"x/y\"\ntitle = \"t\"\ncolour = \"red\"\n[sender]\nproduct = \"p\"\nversion = \"v\"\nsetting = \"s\"\n[provenance]\nurl = \"https://example.org\"\nconfidence = \"seen\"\n";
    let err = corpus::parse_sidecar(path, text)
        .expect_err("unknown field rejected")
        .to_string();
    assert!(
        err.contains("corpora/senders/x/y.toml") && err.contains("colour"),
        "{err}"
    );
    let missing = "id = \"x/y\"\n[sender]\nproduct = \"p\"\nversion = \"v\"\nsetting = \"s\"\n";
    let err = corpus::parse_sidecar(path, missing)
        .expect_err("missing field rejected")
        .to_string();
    assert!(err.contains("y.toml") && err.contains("title"), "{err}");
}

/// `[expect]` values parse into the inspector's own vocabularies: a misspelt layer kind,
/// status, digest or problem code is an error naming the file, the value and the valid names,
/// not an expectation that silently never matches.
#[test]
fn a_misspelt_expectation_fails_naming_the_file_and_the_valid_names() {
    let path = Path::new("corpora/senders/x/y.toml");
    let head = "id = \"x/y\"\ntitle = \"t\"\n[sender]\nproduct = \"p\"\nversion = \"v\"\nsetting = \"s\"\n[provenance]\nurl = \"https://example.org\"\nconfidence = \"seen\"\n";
    for (expect, wrong, valid) in [
        (
            "[[expect.layers]]\nkind = \"smime-signd\"\n",
            "smime-signd",
            "smime-signed",
        ),
        (
            "[[expect.layers]]\nkind = \"smime-signed\"\nstatus = \"vaild\"\n",
            "vaild",
            "unverifiable",
        ),
        (
            "[[expect.layers]]\nkind = \"pgp-signed\"\ndigest = \"sha-256\"\n",
            "sha-256",
            "sha256",
        ),
        (
            "[[expect.layers]]\nkind = \"smime-signed\"\nreason = \"bad-sig\"\n",
            "bad-sig",
            "bad-signature",
        ),
        (
            "[expect]\nproblems = [\"mime-depht-limit\"]\n",
            "mime-depht-limit",
            "mime-depth-limit",
        ),
    ] {
        let err = corpus::parse_sidecar(path, &format!("{head}{expect}"))
            .expect_err("a misspelt value is rejected")
            .to_string();
        assert!(
            err.contains("corpora/senders/x/y.toml") && err.contains(wrong) && err.contains(valid),
            "{err}"
        );
    }
}

#[test]
fn a_dropped_in_sample_is_picked_up() {
    let dir = std::env::temp_dir().join(format!("replymatrix-dropin-{}", std::process::id()));
    let family = dir.join("newsender");
    std::fs::create_dir_all(&family).expect("temp dir");
    std::fs::write(
        family.join("hello.eml"),
        "From: Sam <sam@new.example>\r\nTo: robin@northwind.example\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n",
    )
    .expect("write eml");
    std::fs::write(
        family.join("hello.toml"),
        "id = \"newsender/hello\"\ntitle = \"A new sender\"\n[sender]\nproduct = \"New\"\nversion = \"1\"\nsetting = \"default\"\n[provenance]\nurl = \"https://example.org/\"\nconfidence = \"inferred\"\n[expect]\nfrom = \"sam@new.example\"\nlayers = []\n",
    )
    .expect("write toml");
    let samples = corpus::load_samples(&dir).expect("loads");
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].sidecar.id, "newsender/hello");
    let inspection = replymatrix::inspect(
        &std::fs::read(&samples[0].eml).unwrap(),
        &replymatrix::Inputs::default(),
    );
    assert!(corpus::check_expectations(&samples[0].sidecar.expect, &inspection).is_empty());
    // A wrong expectation is caught.
    let mut wrong = samples[0].sidecar.expect.clone();
    wrong.from = Some("other@new.example".into());
    assert_eq!(corpus::check_expectations(&wrong, &inspection).len(), 1);
    // An .eml without its sidecar is an error naming the file.
    std::fs::remove_file(family.join("hello.toml")).unwrap();
    let err = corpus::load_samples(&dir)
        .expect_err("missing sidecar")
        .to_string();
    assert!(err.contains("hello.toml"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
