//! The three users' workflows, end to end through the `replymatrix` binary, as a new user
//! would run them (issue 14):
//! - a maintainer adds a sample made by openssl and gets `corpus check` to green;
//! - a reviewer reads what a rule change and an environment change did, with `diff`;
//! - an administrator explains a message encrypted to the user without its key, and a file
//!   that is not a message;
//! - the binary works from any folder, with the bundled profiles and a profile of one's own.
//!
//! Everything runs in scratch folders; nothing is written into the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::{TempDir, Tool, corpora, require_tool, root};

/// `replymatrix ARGS` in `cwd`: (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_replymatrix"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("replymatrix runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// A project with part of the corpus: the `others/` family and the twins it names, and no
/// observations (they name samples outside it). The workflows' commands (`matrix`, `diff`,
/// `corpus check`) build the whole matrix, several times over, and do the same for any
/// number of samples. No snapshots and no MATRIX.md (see [`green_small_project`]): the
/// remedies in them depend on the corpus (a sender's other settings).
fn small_project(tag: &str) -> TempDir {
    let tmp = TempDir::new(tag);
    let dir = tmp.path("corpora");
    for entry in std::fs::read_dir(corpora()).expect("corpora") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name");
        if name == "observations" {
            std::fs::create_dir_all(dir.join(name)).expect("dir");
        } else if name != "senders" {
            copy_dir(&path, &dir.join(name));
        }
    }
    let samples = replymatrix::corpus::load_samples(&corpora().join("senders")).expect("corpus");
    let mut kept: BTreeSet<String> = samples
        .iter()
        .map(|s| s.sidecar.id.clone())
        .filter(|id| id.starts_with("others/"))
        .collect();
    loop {
        let twins: Vec<String> = samples
            .iter()
            .filter(|s| kept.contains(&s.sidecar.id))
            .filter_map(|s| s.sidecar.pairs_with.clone())
            .filter(|twin| !kept.contains(twin))
            .collect();
        if twins.is_empty() {
            break;
        }
        kept.extend(twins);
    }
    for s in samples.iter().filter(|s| kept.contains(&s.sidecar.id)) {
        let family = dir
            .join("senders")
            .join(s.sidecar.id.split('/').next().expect("family"));
        std::fs::create_dir_all(&family).expect("dir");
        for file in [&s.eml, &s.toml] {
            std::fs::copy(file, family.join(file.file_name().expect("name"))).expect("copy");
        }
    }
    tmp
}

/// [`small_project`] made green: a snapshot of every sample and MATRIX.md, as accepting them
/// would write them for this corpus (remedies searched among these samples). The maintainer
/// and `corpus check` tests run on it: what they show does not depend on the corpus's size,
/// and each whole-corpus check of the debug binary costs over a second.
pub(crate) fn green_small_project(tag: &str) -> TempDir {
    let tmp = small_project(tag);
    let corpora = tmp.path("corpora");
    let profiles =
        replymatrix::matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
            .expect("profiles");
    let matrix = replymatrix::matrix::build_with(&corpora, &profiles, true).expect("matrix");
    std::fs::create_dir_all(tmp.path("snapshots")).expect("dir");
    for row in &matrix.samples {
        write_snapshot(tmp.dir(), row);
    }
    std::fs::write(
        tmp.path("MATRIX.md"),
        replymatrix::matrix::markdown(&matrix),
    )
    .expect("MATRIX.md");
    tmp
}

/// What accepting a sample's new snapshot writes (`INSTA_UPDATE=always`): insta's header,
/// then the snapshot text of its row.
fn write_snapshot(project: &Path, row: &replymatrix::matrix::SampleRow) {
    std::fs::write(
        project
            .join("snapshots")
            .join(replymatrix::curate::snapshot_name(&row.id)),
        format!(
            "---\nsource: tests/testsuite/snapshots.rs\n---\n{}",
            replymatrix::matrix::snapshot_text(row)
        ),
    )
    .expect("write snapshot");
}

fn openssl(cwd: &Path, args: &[&str]) {
    let out = Command::new(Tool::Openssl.command())
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Replaces every `TODO...` value line of a sidecar with `field = "value"` from `values`.
fn fill_todos(toml: &Path, values: &[(&str, &str)]) {
    let text = std::fs::read_to_string(toml).expect("sidecar");
    let filled: Vec<String> = text
        .lines()
        .map(|line| {
            let key = line.split(" = ").next().unwrap_or_default();
            match values.iter().find(|(k, _)| *k == key) {
                Some((k, v)) if line.contains("\"TODO") || line.contains("'TODO") => {
                    format!("{k} = {v:?}")
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    std::fs::write(toml, filled.join("\n") + "\n").expect("write sidecar");
}

/// Accepts the new snapshot of sample `id` (a sender of its own: no siblings to search).
fn accept_snapshot(project: &Path, id: &str) {
    let corpora = project.join("corpora");
    let samples =
        replymatrix::corpus::load_samples(&corpora.join("senders")).expect("samples load");
    let sample = samples
        .iter()
        .find(|s| s.sidecar.id == id)
        .expect("the sample");
    let profiles =
        replymatrix::matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
            .expect("profiles");
    let inputs = replymatrix::corpus::sample_inputs(sample, &corpora.join("keys")).expect("inputs");
    let inspection = replymatrix::inspect(&std::fs::read(&sample.eml).expect("eml"), &inputs);
    write_snapshot(
        project,
        &replymatrix::matrix::row(sample, inspection, &profiles),
    );
}

// ---------------------------------------------------------------- maintainer

/// A maintainer with no Rust adds a message `openssl cms -sign -text` made (LF headers, CRLF
/// body) and follows what the tools say until `corpus check` is green; a negative control
/// made from it is held to its twin the same way.
#[test]
fn maintainer_adds_an_openssl_made_sample_and_gets_to_green() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let project = green_small_project("workflow-maintainer");
    let p = project.dir();
    let work = project.path("work");
    std::fs::create_dir_all(&work).expect("dir");
    openssl(
        &work,
        &[
            "req",
            "-x509",
            // A P-256 key: an RSA key takes openssl 0.1 to 0.5 s to generate, and what the
            // workflow shows does not depend on the algorithm.
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "sam.key.pem",
            "-out",
            "sam.cert.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=Sam Sender",
            "-addext",
            "subjectAltName=email:sam@new.example",
            "-addext",
            "extendedKeyUsage=emailProtection",
        ],
    );
    std::fs::write(work.join("body.txt"), "Hello Robin,\nthis is signed.\n").expect("body");
    openssl(
        &work,
        &[
            "cms",
            "-sign",
            "-text",
            "-in",
            "body.txt",
            "-signer",
            "sam.cert.pem",
            "-inkey",
            "sam.key.pem",
            "-from",
            "Sam <sam@new.example>",
            "-to",
            "robin@northwind.example",
            "-subject",
            "Signed with openssl",
            "-out",
            "signed.eml",
        ],
    );
    let made = std::fs::read(work.join("signed.eml")).expect("made");
    assert!(
        replymatrix::corpus::line_ends(&made).is_some(),
        "openssl writes LF line ends"
    );

    // The corpus as it is checks green. While working on one sample a maintainer runs
    // `corpus check --sample ID` (every check, the snapshot compared and its remedies searched
    // for that sample only); the last step runs the whole check.
    let (code, out, err) = run(
        p,
        &["corpus", "check", "--sample", "others/openssl-cms-text"],
    );
    assert_eq!(code, 0, "{out}{err}");

    // Dropped in by hand, the message fails with what to do, as the tests would.
    let by_hand = project.path("corpora/senders/others/by-hand.eml");
    std::fs::copy(work.join("signed.eml"), &by_hand).expect("copy");
    let (code, out, _) = run(p, &["corpus", "check", "--sample", "others/by-hand"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL  others/by-hand") && out.contains("needs its sidecar"),
        "{out}"
    );
    std::fs::remove_file(&by_hand).expect("remove");

    // corpus add converts the line ends, says so, fills [expect] from inspect.
    let (code, out, err) = run(
        p,
        &[
            "corpus",
            "add",
            "work/signed.eml",
            "--id",
            "others/openssl-cms-text",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("bare LF line end(s) converted to CRLF"),
        "{out}"
    );
    assert!(
        out.contains("[expect] is what inspect found (review it)"),
        "{out}"
    );
    assert!(
        out.contains("next:") && out.contains("corpus check"),
        "{out}"
    );
    let eml = project.path("corpora/senders/others/openssl-cms-text.eml");
    let toml = eml.with_extension("toml");
    assert!(replymatrix::corpus::line_ends(&std::fs::read(&eml).expect("eml")).is_none());
    let sidecar = std::fs::read_to_string(&toml).expect("sidecar");
    for line in [
        "kind = \"smime-signed\"",
        "status = \"valid\"",
        "signer = \"sam@new.example\"",
        "covers_whole_body = true",
        "from = \"sam@new.example\"",
    ] {
        assert!(sidecar.contains(line), "{line} in {sidecar}");
    }

    // The check says what is left: the placeholders, the snapshot, MATRIX.md; each with its fix.
    let (code, out, _) = run(
        p,
        &["corpus", "check", "--sample", "others/openssl-cms-text"],
    );
    assert_eq!(code, 1);
    for needle in [
        "FAIL  others/openssl-cms-text",
        "title is still a TODO placeholder",
        "[provenance] url is still a TODO placeholder",
        "1 sample without a snapshot: others/openssl-cms-text",
        "cargo insta review",
        "INSTA_UPDATE=always cargo test --test testsuite snapshots::",
        "MATRIX.md is stale",
        "(added)",
        "UPDATE_MATRIX=1",
    ] {
        assert!(out.contains(needle), "{needle:?} in:\n{out}");
    }
    let fails = out.lines().filter(|l| l.starts_with("FAIL")).count();
    let fixes = out
        .lines()
        .filter(|l| l.trim_start().starts_with("fix: "))
        .count();
    assert_eq!(fails, fixes, "every failure has its fix:\n{out}");
    let sender = [
        ("title", "OpenSSL 3 cms -sign -text, clear-signed"),
        ("product", "OpenSSL"),
        ("version", "3"),
        ("setting", "cms -sign -text"),
        ("url", "https://docs.openssl.org/3.0/man1/openssl-cms/"),
    ];
    fill_todos(&toml, &sender);

    // A tampered twin, added the same way: a negative control must name its twin, and the
    // twin must exist.
    let tampered = String::from_utf8(made)
        .expect("text")
        .replace("this is signed.", "this is forged.");
    std::fs::write(work.join("tampered.eml"), tampered).expect("write");
    let (code, out, err) = run(
        p,
        &[
            "corpus",
            "add",
            "work/tampered.eml",
            "--id",
            "others/openssl-cms-text-tampered",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let twin_toml = project.path("corpora/senders/others/openssl-cms-text-tampered.toml");
    assert!(
        std::fs::read_to_string(&twin_toml)
            .expect("sidecar")
            .contains("status = \"invalid\""),
        "inspect found the tampering"
    );
    fill_todos(&twin_toml, &sender);
    // The sidecar's `control = ...` line (and a `pairs_with` after it) set to `control`.
    let set_control = |control: &str| {
        let text = std::fs::read_to_string(&twin_toml).expect("sidecar");
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("pairs_with = "))
            .map(|l| {
                if l.starts_with("control = ") {
                    control
                } else {
                    l
                }
            })
            .collect();
        std::fs::write(&twin_toml, lines.join("\n") + "\n").expect("write");
    };
    set_control("control = \"negative\"");
    let (_, out, _) = run(
        p,
        &[
            "corpus",
            "check",
            "--sample",
            "others/openssl-cms-text-tampered",
        ],
    );
    assert!(
        out.contains("a negative control names no positive twin")
            && out.contains("add `pairs_with = \"family/name\"`"),
        "{out}"
    );
    set_control("control = \"negative\"\npairs_with = \"others/openssl-cms-txt\"");
    let (_, out, _) = run(
        p,
        &[
            "corpus",
            "check",
            "--sample",
            "others/openssl-cms-text-tampered",
        ],
    );
    assert!(
        out.contains("pairs_with \"others/openssl-cms-txt\" names no sample")
            && out.contains("others/openssl-cms-text"),
        "{out}"
    );
    set_control("control = \"negative\"\npairs_with = \"others/openssl-cms-text\"");

    // The snapshots accepted and MATRIX.md rewritten as the fixes say: green.
    accept_snapshot(p, "others/openssl-cms-text");
    accept_snapshot(p, "others/openssl-cms-text-tampered");
    let (code, md, err) = run(p, &["matrix", "--format", "md"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(project.path("MATRIX.md"), md).expect("MATRIX.md");
    let (code, out, err) = run(p, &["corpus", "check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("0 failed; observations: ok; snapshots: ok; MATRIX.md: ok"),
        "{out}"
    );
}

// ---------------------------------------------------------------- reviewer

/// Writes a JSON value to `dir/name` and returns the path as a string.
fn write_json(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

/// A reviewer reads a change as grouped cell changes: a rule change that moves many cells
/// is one change listing its cells, with old and new side by side, in text and Markdown;
/// an environment change (the S/MIME extension deployed in one profile) through the real
/// models is reported field by field.
#[test]
fn reviewer_reads_a_rule_change_and_an_environment_change_with_diff() {
    let project = small_project("workflow-reviewer");
    let p = project.dir();
    let (code, base, err) = run(p, &["matrix", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let old: Value = serde_json::from_str(&base).expect("export");

    // A rule change, as the export shows it: the rule OWA applied when the directory had no
    // certificate gives way to one that finds it, in every cell it decided.
    let mut new = old.clone();
    let mut moved = 0;
    for row in new["samples"].as_array_mut().expect("samples") {
        for cell in row["cells"].as_array_mut().expect("cells") {
            let e = &mut cell["reply"]["encrypted"];
            if e["rules"]
                .as_array()
                .is_some_and(|r| r.contains(&json!("owa.encrypt.no-recipient-certificate")))
            {
                let rules: Vec<Value> = e["rules"]
                    .as_array()
                    .expect("rules")
                    .iter()
                    .map(|r| {
                        if r == "owa.encrypt.no-recipient-certificate" {
                            json!("owa.encrypt.mail-contact")
                        } else {
                            r.clone()
                        }
                    })
                    .collect();
                e["rules"] = json!(rules);
                moved += 1;
            }
        }
    }
    assert!(moved > 20, "the rule decides many cells ({moved})");
    let o = write_json(p, "old.json", &old);
    let n = write_json(p, "new.json", &new);
    let (code, text, _) = run(p, &["diff", &o, &n]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("{moved} cells changed, in 1 change\n")),
        "{text}"
    );
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains(
            "encrypted.rules -owa.encrypt.no-recipient-certificate -> +owa.encrypt.mail-contact"
        ),
        "{text}"
    );
    let (_, md, _) = run(p, &["diff", "--format", "md", &o, &n]);
    assert_eq!(md.matches("#### Change ").count(), 1, "{md}");
    assert!(
        md.contains(&format!("<details><summary>{moved} cells</summary>")),
        "{md}"
    );

    // An environment change through the real models: the S/MIME extension deployed.
    let profile = project.path("corpora/profiles/seed-tenant.toml");
    let text = std::fs::read_to_string(&profile).expect("profile");
    let text = if text.contains("owa_smime_extension") {
        text.replace("owa_smime_extension = false", "owa_smime_extension = true")
    } else {
        text.replace("[workstation]", "[workstation]\nowa_smime_extension = true")
    };
    assert!(text.contains("owa_smime_extension = true"), "{text}");
    std::fs::write(&profile, text).expect("write");
    let (code, changed, err) = run(p, &["matrix", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let n = write_json(
        p,
        "changed.json",
        &serde_json::from_str(&changed).expect("export"),
    );
    let (code, text, _) = run(p, &["diff", &o, &n]);
    assert_eq!(code, 0);
    assert!(text.contains("cells changed, in "), "{text}");
    assert!(text.contains(" | seed-tenant | owa"), "{text}");
    assert!(
        !text.contains(" | smime-tenant |"),
        "only seed-tenant moved: {text}"
    );
}

// ---------------------------------------------------------------- administrator

/// An administrator explains a message encrypted to the user without its key: the text says
/// the content was not examined and what a client holding the key needs it for, and those
/// answers are unknown; with the key they are answered. A file that is not a message is
/// said to be none, and nothing is readable or answerable.
#[test]
fn administrator_explains_a_keyless_encrypted_message_and_a_non_message() {
    let tmp = TempDir::new("workflow-admin");
    let cwd = tmp.dir();
    let eml = tmp.path("mail.eml");
    std::fs::copy(
        corpora().join("senders/outlook/signed-then-encrypted.eml"),
        &eml,
    )
    .expect("copy");
    let eml = eml.to_str().expect("utf-8");

    let (code, text, err) = run(cwd, &["explain", eml, "--profile", "smime-tenant"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "not examined  smime-enveloped@root: encrypted, and no key for it was given (--key)",
        "a client holding the key would read it for",
        "classic-outlook  read, signature, encrypted",
        "give the key with --key FILE",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let (_, json, _) = run(
        cwd,
        &[
            "explain",
            eml,
            "--profile",
            "smime-tenant",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&json).expect("JSON");
    let classic = &json["clients"][0];
    assert_eq!(classic["read"]["status"], "unknown");
    assert_eq!(classic["read"]["signature_shown"], "unknown");
    assert_eq!(classic["reply"]["encrypted"]["status"], "unknown");
    assert_eq!(
        classic["reply"]["encrypted"]["reason"],
        "content-not-examined"
    );
    assert_eq!(classic["reply"]["plain"]["status"], "yes");
    assert_eq!(json["not_examined"][0]["layer"], "smime-enveloped@root");

    // With the key, the same message is answered.
    let key = corpora().join("keys/x509/robin-enterprise.key.pem");
    let (_, json, _) = run(
        cwd,
        &[
            "explain",
            eml,
            "--profile",
            "smime-tenant",
            "--format",
            "json",
            "--key",
            key.to_str().expect("utf-8"),
        ],
    );
    let json: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["clients"][0]["read"]["signature_shown"], "verified");
    assert_eq!(json["clients"][0]["reply"]["encrypted"]["status"], "yes");
    assert!(json.get("not_examined").is_none());

    // Not a message: the first 200 KB of an executable, and an empty file.
    let elf: Vec<u8> = std::fs::read(env!("CARGO_BIN_EXE_replymatrix"))
        .expect("binary")
        .into_iter()
        .take(200 * 1024)
        .collect();
    for (name, bytes) in [("program.eml", elf), ("empty.eml", Vec::new())] {
        std::fs::write(tmp.path(name), bytes).expect("write");
        let (code, text, _) = run(cwd, &["explain", name, "--profile", "seed-tenant"]);
        assert_eq!(code, 0);
        assert!(
            text.contains("problem not-a-message")
                && text.contains("this is not an e-mail message"),
            "{name}: {text}"
        );
        for client in ["classic-outlook", "owa", "new-outlook"] {
            assert!(
                text.lines().any(|l| l.starts_with(client)
                    && l.split_whitespace().skip(1).take(5).collect::<Vec<_>>()
                        == ["unreadable", "none", "no", "no", "no"]),
                "{name}: {client} in {text}"
            );
        }
    }
}

// ---------------------------------------------------------------- anywhere

/// The binary needs no source tree: `--help` names no build folder; the bundled profiles
/// work from any folder, by name or file name; a profile of one's own names its files beside
/// itself; the corpus commands look for `corpora/` here or above and say so when there is
/// none.
#[test]
fn the_binary_works_from_any_folder() {
    let tmp = TempDir::new("workflow-anywhere");
    let cwd = tmp.dir();
    let build_folder = env!("CARGO_MANIFEST_DIR");
    for args in [
        &["explain", "--help"][..],
        &["scan", "--help"],
        &["matrix", "--help"],
        &["corpus", "check", "--help"],
    ] {
        let (code, help, _) = run(cwd, args);
        assert_eq!(code, 0);
        assert!(!help.contains(build_folder), "{args:?}: {help}");
        assert!(
            !help.contains(&root().display().to_string()),
            "{args:?}: {help}"
        );
    }
    let (_, help, _) = run(cwd, &["explain", "--help"]);
    for (name, _) in replymatrix::profile::bundled::PROFILES {
        assert!(
            help.contains(name),
            "--help names the bundled profile {name}"
        );
    }

    let eml = tmp.path("mail.eml");
    std::fs::copy(
        corpora().join("senders/outlook/clear-signed-sha256.eml"),
        &eml,
    )
    .expect("copy");
    for profile in ["seed-tenant", "seed-tenant.toml"] {
        let (code, text, err) = run(cwd, &["explain", "mail.eml", "--profile", profile]);
        assert_eq!(code, 0, "{profile}: {err}");
        assert!(text.starts_with("profile seed-tenant "), "{text}");
    }
    let (code, _, err) = run(cwd, &["explain", "mail.eml", "--profile", "seed-tenent"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no profile named \"seed-tenent\"") && err.contains("seed-tenant"),
        "{err}"
    );

    // Our own tenant: the SST root sits beside the profile, in its own folder.
    let ours = tmp.path("tenant");
    std::fs::create_dir_all(ours.join("certs")).expect("dir");
    std::fs::copy(
        corpora().join("keys/x509/public-root-ca.cert.pem"),
        ours.join("certs/root.pem"),
    )
    .expect("copy");
    std::fs::write(
        ours.join("ours.toml"),
        "name = \"ours\"\n[recipient]\naddress = \"robin@northwind.example\"\n\
         [tenant]\nsst_roots = [\"certs/root.pem\"]\n",
    )
    .expect("write");
    let (code, text, err) = run(
        cwd,
        &["explain", "mail.eml", "--profile", "tenant/ours.toml"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.starts_with("profile ours "), "{text}");

    // No corpora here: the corpus commands say what to do instead of using the build's.
    for args in [&["matrix"][..], &["corpus", "check"]] {
        let (code, _, err) = run(cwd, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("pass --corpora DIR"), "{args:?}: {err}");
    }
    // Inside a project's subfolder, the corpora above are found.
    let project = green_small_project("workflow-anywhere-project");
    let sub: PathBuf = project.path("corpora/senders");
    let (code, out, err) = run(
        &sub,
        &[
            "corpus",
            "check",
            "--sample",
            "others/auth-enveloped-aes-gcm",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
}
