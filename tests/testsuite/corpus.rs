//! The sender corpus: every sidecar matches its schema, every sample's `expect` holds against
//! `inspect`, and a sample dropped into the folder is picked up with no Rust.

use std::path::Path;

use replymatrix::corpus::{self, default_corpora_dir};
use replymatrix::curate;

use crate::support::TempDir;

/// Every check of every sample's own files, as `replymatrix corpus check` makes it (the
/// same function, so the same messages, each with its fix): sidecar, twin, keys, line ends,
/// `expect` against `inspect`.
#[test]
fn every_sample_passes_corpus_check() {
    let results = curate::check_samples(&default_corpora_dir()).expect("the corpus reads");
    let failures: Vec<String> = results
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| format!("{}: {f}", r.id)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} sample check(s) failed (`replymatrix corpus check` says the same):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(results.len() >= 45, "only {} samples", results.len());
}

/// The checks themselves: each catches what it is for, names the file and says how to fix
/// it. (A maintainer met these only in `cargo test` before `corpus check` made them.)
#[test]
fn the_sample_checks_catch_and_explain() {
    let tmp = TempDir::new("corpus-checks");
    let senders = tmp.path("corpora/senders");
    std::fs::create_dir_all(senders.join("x")).expect("dir");
    let eml = b"From: Sam <sam@new.example>\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
    let sidecar = |id: &str, extra: &str| {
        format!(
            "id = \"{id}\"\ntitle = \"t\"\n{extra}[sender]\nproduct = \"p\"\nversion = \"v\"\n\
             setting = \"s\"\n[provenance]\nurl = \"https://example.org/\"\nconfidence = \"seen\"\n\
             [expect]\nfrom = \"sam@new.example\"\nlayers = []\n"
        )
    };
    let put = |name: &str, eml: &[u8], toml: String| {
        std::fs::write(senders.join(format!("x/{name}.eml")), eml).expect("eml");
        std::fs::write(senders.join(format!("x/{name}.toml")), toml).expect("toml");
    };
    put("good", eml, sidecar("x/good", ""));
    put(
        "no-twin",
        eml,
        sidecar("x/no-twin", "control = \"negative\"\n"),
    );
    put(
        "bad-twin",
        eml,
        sidecar("x/bad-twin", "pairs_with = \"x/nothing\"\n"),
    );
    put(
        "lf",
        b"From: sam@new.example\nContent-Type: text/plain\n\nhello\r\n",
        sidecar("x/lf", ""),
    );
    put(
        "wrong",
        eml,
        sidecar("x/wrong", "").replace("sam@new.example\"", "other@new.example\""),
    );
    let results = curate::check_samples(&tmp.path("corpora")).expect("reads");
    let of = |id: &str| -> Vec<corpus::Finding> {
        results
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id} checked"))
            .findings
            .clone()
    };
    assert_eq!(of("x/good"), vec![]);
    let one = |id: &str, problem: &str, fix: &str| {
        let findings = of(id);
        assert_eq!(findings.len(), 1, "{id}: {findings:#?}");
        let f = &findings[0];
        assert!(f.problem.contains(&format!("{id}.")), "names the file: {f}");
        assert!(f.problem.contains(problem), "{id}: {f}");
        assert!(f.fix.contains(fix), "{id}: {f}");
    };
    one(
        "x/no-twin",
        "a negative control names no positive twin",
        "pairs_with = \"family/name\"",
    );
    one(
        "x/bad-twin",
        "pairs_with \"x/nothing\" names no sample",
        "x/good",
    );
    one(
        "x/lf",
        "bare LF on the wire: line 1 (byte 21)",
        "replymatrix corpus add",
    );
    one(
        "x/wrong",
        "from: expected other@new.example, got sam@new.example",
        "correct [expect]",
    );
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

/// The committed project is green as `replymatrix corpus check` sees it: every sample's own
/// checks, the observations, every snapshot and MATRIX.md (the rows come from the memo the
/// suite shares, see `matrix::rows`).
#[test]
fn the_committed_corpus_checks_green() {
    let report = curate::check(&default_corpora_dir()).expect("check runs");
    assert!(!report.failed(), "{}", report.text());
    let text = report.text();
    assert!(
        text.contains("0 failed; observations: ok; snapshots: ok; MATRIX.md: ok"),
        "{text}"
    );
}

/// `corpus check --sample ID` compares that sample's snapshot (remedies searched for it
/// alone) and no other's: a changed decision line in one snapshot is found with `--sample`
/// for that sample, not with another (the full check, which compares them all, is what
/// `snapshots::corpus`, `the_committed_corpus_checks_green` and the maintainer workflow run).
#[test]
fn a_check_of_one_sample_compares_only_its_snapshot() {
    let project = crate::workflows::green_small_project("check-one-sample");
    let snap = project
        .path("snapshots")
        .join(curate::snapshot_name("others/auth-enveloped-aes-gcm"));
    let text = std::fs::read_to_string(&snap).expect("snapshot");
    let edited = text.replacen(" plain     yes ", " plain     no ", 1);
    assert_ne!(edited, text, "the snapshot has a plain-yes line");
    std::fs::write(&snap, edited).expect("write");
    let corpora = project.path("corpora");
    let stale = |report: &curate::Report| {
        report
            .snapshots
            .as_ref()
            .expect("snapshots checked")
            .iter()
            .any(|f| f.problem.contains("others/auth-enveloped-aes-gcm"))
    };
    let one = curate::check_with(&corpora, Some("others/auth-enveloped-aes-gcm")).expect("check");
    assert!(stale(&one), "{}", one.text());
    assert!(
        one.text()
            .contains("(compared: others/auth-enveloped-aes-gcm only)")
    );
    let other = curate::check_with(&corpora, Some("others/clear-signed-ed25519")).expect("check");
    assert!(!stale(&other), "{}", other.text());
    assert!(!other.failed(), "{}", other.text());
}
