//! `replymatrix scan`: mbox (with `>From ` escaping), Maildir and folder input; one output
//! line per message in input order, errors included; the summary adds up; memory stays
//! bounded by the in-flight window.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use replymatrix::corpus::default_corpora_dir;
use replymatrix::profile::Profile;
use replymatrix::scan::mbox::MboxReader;
use replymatrix::scan::{self, Messages, Options, SourceKind, Summary};

use crate::support::TempDir;

/// A fresh temporary folder for one test (removed when it is dropped) and its path.
fn temp_dir(name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(&format!("scan-{name}"));
    let dir = tmp.dir().to_path_buf();
    (tmp, dir)
}

fn sample(id: &str) -> Vec<u8> {
    std::fs::read(
        default_corpora_dir()
            .join("senders")
            .join(format!("{id}.eml")),
    )
    .expect("sample")
}

/// Samples of every family, in a fixed order.
const SAMPLES: [&str; 6] = [
    "outlook/clear-signed-sha256",
    "proton/pgp-mime-signed",
    "outlook/enveloped-aes256",
    "proton/plain",
    "microsoft/ome-wrapper",
    "outlook/clear-signed-tampered-body",
];

/// A plain message whose body has lines an mbox writer must escape.
const FROM_LINES: &[u8] = b"From: Gus <gus@gpgsuite.example>\r\nTo: robin@northwind.example\r\nMessage-ID: <from-lines@gpgsuite.example>\r\nSubject: escapes\r\n\r\nFrom the desk of Gus\r\n>From a quote\r\n>>From deeper\r\n\r\nFrom here too\r\n";

/// An mboxrd writer: a separator, the message with `^>*From ` lines escaped, an empty line.
fn mboxrd(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(b"From scan-test@example Thu Jan  1 00:00:00 2026\n");
        for line in m.split_inclusive(|&b| b == b'\n') {
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !m.is_empty() && !m.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

fn replymatrix() -> Command {
    Command::new(env!("CARGO_BIN_EXE_replymatrix"))
}

/// Runs the CLI and returns stdout, asserting exit 0.
fn run_cli(path: &Path, format: &str) -> Vec<u8> {
    let keys = default_corpora_dir().join("keys/x509/robin-enterprise.key.pem");
    let out = replymatrix()
        .args([
            "scan",
            "--profile",
            "smime-tenant",
            "--format",
            format,
            "--jobs",
            "2",
        ])
        .arg("--key")
        .arg(&keys)
        .arg(path)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// The verdicts part of a line (what does not depend on where the message came from).
fn verdicts(line: &serde_json::Value) -> serde_json::Value {
    serde_json::json!([line["layers"], line["problems"], line["clients"]])
}

#[test]
fn the_mbox_reader_gives_back_every_message_byte_for_byte() {
    let mut messages: Vec<Vec<u8>> = SAMPLES.iter().map(|s| sample(s)).collect();
    messages.push(FROM_LINES.to_vec());
    let mbox = mboxrd(&messages);
    assert!(
        mbox.windows(9).any(|w| w == b"\n>>>From ") && mbox.windows(7).any(|w| w == b"\n>From "),
        "the writer escaped"
    );
    let reader = MboxReader::new(BufReader::with_capacity(128, mbox.as_slice()), 1 << 20);
    let read: Vec<Vec<u8>> = reader.map(|m| m.expect("reads").bytes).collect();
    assert_eq!(read.len(), messages.len());
    for (i, (got, want)) in read.iter().zip(&messages).enumerate() {
        assert!(got == want, "message {i} differs after the mbox round trip");
    }
}

#[test]
fn mbox_maildir_and_folder_give_the_same_verdicts_in_input_order() {
    let messages: Vec<Vec<u8>> = SAMPLES.iter().map(|s| sample(s)).collect();
    let (_tmp, dir) = temp_dir("three-forms");
    // mbox, with the escaped message in the middle.
    let mut with_escapes = messages.clone();
    with_escapes.insert(2, FROM_LINES.to_vec());
    let mbox_path = dir.join("inbox.mbox");
    std::fs::write(&mbox_path, mboxrd(&with_escapes)).expect("write");
    // Folder: nested, with files that are not .eml; names sort in the same order.
    let folder = dir.join("folder");
    for (i, m) in with_escapes.iter().enumerate() {
        let sub = folder.join(if i % 2 == 0 { "a" } else { "a/b" });
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(folder.join(format!("{i:03}.eml")), m).expect("write");
        std::fs::write(sub.join(format!("{i:03}.txt")), b"not a message").expect("write");
    }
    // Maildir: cur/ then new/; tmp/ is ignored.
    let maildir = dir.join("maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("mkdir");
    }
    for (i, m) in with_escapes.iter().enumerate() {
        let sub = if i < 4 { "cur" } else { "new" };
        std::fs::write(maildir.join(sub).join(format!("{i:03}.host:2,S")), m).expect("write");
    }
    std::fs::write(maildir.join("tmp/999.partial"), b"Subject: half").expect("write");

    assert_eq!(SourceKind::detect(&mbox_path).ok(), Some(SourceKind::Mbox));
    assert_eq!(SourceKind::detect(&folder).ok(), Some(SourceKind::Folder));
    assert_eq!(SourceKind::detect(&maildir).ok(), Some(SourceKind::Maildir));

    let from_mbox = jsonl(&run_cli(&mbox_path, "jsonl"));
    let from_folder = jsonl(&run_cli(&folder, "jsonl"));
    let from_maildir = jsonl(&run_cli(&maildir, "jsonl"));
    for lines in [&from_mbox, &from_folder, &from_maildir] {
        assert_eq!(lines.len(), with_escapes.len());
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(line["index"], i);
            assert!(line.get("error").is_none(), "{line}");
        }
    }
    for i in 0..with_escapes.len() {
        assert_eq!(
            verdicts(&from_mbox[i]),
            verdicts(&from_folder[i]),
            "message {i}"
        );
        assert_eq!(
            verdicts(&from_mbox[i]),
            verdicts(&from_maildir[i]),
            "message {i}"
        );
    }
    // The signed sample is recognised through the mbox as in the folder (above: same verdicts).
    let sha256 = &from_mbox[0];
    assert_eq!(sha256["family"], "smime");
    assert_eq!(sha256["layers"], serde_json::json!(["smime-signed"]));
    assert_eq!(from_mbox[2]["id"], "<from-lines@gpgsuite.example>");
    assert!(
        from_mbox[1]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{}@", mbox_path.display())))
    );
    assert_eq!(
        from_folder[0]["source"],
        folder.join("000.eml").display().to_string()
    );
    // The enveloped sample keeps its layer through every form.
    assert_eq!(
        from_mbox[3]["layers"],
        serde_json::json!(["smime-enveloped"]),
        "{}",
        from_mbox[3]
    );
}

#[test]
fn every_message_in_is_a_line_out_garbage_and_empty_included() {
    let (_tmp, dir) = temp_dir("garbage");
    let mut messages: Vec<Vec<u8>> = SAMPLES.iter().map(|s| sample(s)).collect();
    messages.insert(1, Vec::new()); // empty
    messages.insert(3, b"\x00\xff\xfe garbage \x01 \r\n\r\n\x80\x81".to_vec());
    messages.push(b"Content-Type: multipart/signed; boundary=\"x\"\n\n--x\n".to_vec());
    let path = dir.join("mixed.mbox");
    std::fs::write(&path, mboxrd(&messages)).expect("write");
    let lines = jsonl(&run_cli(&path, "jsonl"));
    assert_eq!(lines.len(), messages.len());
    let empty = &lines[1];
    assert_eq!(empty["family"], "plain");
    let source = empty["source"].as_str().expect("source");
    assert_eq!(
        empty["id"],
        format!("{source}#1"),
        "no Message-ID: source#index"
    );
    assert!(lines.iter().all(|l| l["clients"].as_object().is_some()));
    let garbage = &lines[3];
    assert!(
        garbage["error"].is_null(),
        "garbage is inspected, not an error: {garbage}"
    );
    assert_eq!(lines[1]["index"], 1);
}

#[test]
fn the_summary_adds_up_to_the_per_message_statuses() {
    let (_tmp, dir) = temp_dir("summary");
    let messages: Vec<Vec<u8>> = std::fs::read_dir(default_corpora_dir().join("senders/outlook"))
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| std::fs::read(p).expect("read"))
        .chain(SAMPLES.iter().map(|s| sample(s)))
        .collect();
    let path = dir.join("inbox.mbox");
    std::fs::write(&path, mboxrd(&messages)).expect("write");
    let lines = jsonl(&run_cli(&path, "jsonl"));
    let summary: serde_json::Value =
        serde_json::from_slice(&run_cli(&path, "json")).expect("summary JSON");
    assert_eq!(summary["schema"], "replymatrix.scan/1");
    assert_eq!(summary["messages"], lines.len());
    assert_eq!(summary["errors"], 0);
    let mut expected: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut reasons: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut families: BTreeMap<String, u64> = BTreeMap::new();
    for line in &lines {
        *families
            .entry(line["family"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
        for (client, c) in line["clients"].as_object().expect("clients") {
            for form in ["plain", "signed", "encrypted"] {
                let status = c[form].as_str().expect("status").to_owned();
                *expected
                    .entry((client.clone(), form.to_owned(), status.clone()))
                    .or_default() += 1;
                if status != "yes"
                    && let Some(reason) = c["reasons"][form].as_str()
                {
                    *reasons
                        .entry((client.clone(), reason.to_owned()))
                        .or_default() += 1;
                }
            }
        }
    }
    let clients = summary["clients"].as_array().expect("clients");
    assert_eq!(clients.len(), replymatrix::clients::ClientId::ALL.len());
    let mut checked = 0;
    for c in clients {
        let client = c["client"].as_str().expect("client").to_owned();
        for form in ["plain", "signed", "encrypted"] {
            let mut total = 0;
            for status in ["yes", "no", "partial", "unknown"] {
                let want = expected
                    .get(&(client.clone(), form.to_owned(), status.to_owned()))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(c[form][status], want, "{client} {form} {status}");
                total += want;
                checked += 1;
            }
            assert_eq!(total as usize, lines.len());
        }
        let top = c["top_reasons"].as_array().expect("top reasons");
        assert!(top.len() <= 5);
        let mut client_reasons: Vec<(u64, String)> = reasons
            .iter()
            .filter(|((cl, _), _)| *cl == client)
            .map(|((_, r), n)| (*n, r.clone()))
            .collect();
        client_reasons.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        client_reasons.truncate(5);
        let got: Vec<(u64, String)> = top
            .iter()
            .map(|r| {
                (
                    r["count"].as_u64().unwrap_or(0),
                    r["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(got, client_reasons, "{client}");
    }
    assert_eq!(checked, replymatrix::clients::ClientId::ALL.len() * 3 * 4);
    for f in summary["families"].as_array().expect("families") {
        let name = f["family"].as_str().expect("family");
        assert_eq!(
            f["messages"],
            families.get(name).copied().unwrap_or(0),
            "{name}"
        );
    }
    assert!(families.contains_key("smime") && families.contains_key("openpgp"));
    // The text form says the same totals.
    let text = String::from_utf8(run_cli(&path, "text")).expect("utf-8");
    assert!(
        text.starts_with(&format!("scanned {} messages (mbox)", lines.len())),
        "{text}"
    );
}
/// 2,000 messages through the pipeline: never more than the window between reading and
/// emitting, the reader never holds more than one message, and every message comes out once,
/// in order.

#[test]
fn a_2000_message_mbox_streams_with_bounded_memory() {
    let (_tmp, dir) = temp_dir("2000");
    let kinds: Vec<Vec<u8>> = SAMPLES.iter().map(|s| sample(s)).collect();
    let messages: Vec<Vec<u8>> = (0..2_000).map(|i| kinds[i % kinds.len()].clone()).collect();
    let largest = messages.iter().map(Vec::len).max().unwrap_or(0);
    let mbox = mboxrd(&messages);
    let path = dir.join("big.mbox");
    std::fs::write(&path, &mbox).expect("write");

    // The reader alone, with a buffer smaller than most messages.
    let mut reader = MboxReader::new(
        BufReader::with_capacity(512, std::fs::File::open(&path).expect("open")),
        1 << 20,
    );
    let mut count = 0;
    while let Some(m) = reader.next_message().expect("reads") {
        assert_eq!(m.bytes, messages[count]);
        count += 1;
    }
    assert_eq!(count, 2_000);
    assert!(
        reader.peak_held() <= largest + 64,
        "peak {} for a largest message of {largest} (mbox {} bytes)",
        reader.peak_held(),
        mbox.len()
    );

    // The pipeline: messages read but not yet emitted never exceed the window.
    let profile = Profile::load_named(
        "smime-tenant",
        &default_corpora_dir().join("profiles"),
        &default_corpora_dir().join("keys"),
    )
    .expect("profile");
    let inputs = replymatrix::Inputs::default();
    let read = AtomicUsize::new(0);
    let options = Options {
        workers: 2,
        in_flight: 8,
        batch_messages: 4,
    };
    let source = Messages::open(&path, SourceKind::Mbox, 1 << 20)
        .expect("open")
        .inspect(|_| {
            read.fetch_add(1, Ordering::SeqCst);
        });
    let mut emitted = 0usize;
    let mut most_outstanding = 0usize;
    let mut summary = Summary::new("smime-tenant", "big.mbox", SourceKind::Mbox);
    scan::run(
        source,
        options,
        |raw| scan::process(raw, &inputs, &profile),
        |record| record,
        |record| {
            assert_eq!(record.index, emitted);
            emitted += 1;
            // A batch is read under a credit; the reader may hold one more message, read
            // but left for the next batch.
            most_outstanding = most_outstanding.max(read.load(Ordering::SeqCst) - emitted + 1);
            summary.add(&record);
            Ok(())
        },
    )
    .expect("runs");
    assert_eq!(emitted, 2_000);
    assert_eq!(summary.messages, 2_000);
    assert!(
        most_outstanding <= options.in_flight * options.batch_messages + 1,
        "{most_outstanding} messages were in flight"
    );
}
/// A message over the limit is cut and says so; the messages after it are unaffected.

#[test]
fn a_message_over_the_limit_is_cut_and_reported() {
    let (_tmp, dir) = temp_dir("limit");
    let mut big = sample("proton/plain");
    big.extend(std::iter::repeat_n(b'x', 50_000));
    big.extend_from_slice(b"\r\n");
    let messages = vec![big, sample("proton/plain")];
    let path = dir.join("limit.mbox");
    std::fs::write(&path, mboxrd(&messages)).expect("write");
    let profile = Profile::load_named(
        "smime-tenant",
        &default_corpora_dir().join("profiles"),
        &default_corpora_dir().join("keys"),
    )
    .expect("profile");
    let inputs = replymatrix::Inputs::default();
    let records: Vec<_> = Messages::open(&path, SourceKind::Mbox, 10_000)
        .expect("open")
        .enumerate()
        .map(|(i, mut raw)| {
            raw.index = i;
            scan::process(raw, &inputs, &profile)
        })
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].problems[0].code.as_str(), "message-too-large");
    assert!(
        records[1]
            .problems
            .iter()
            .all(|p| p.code != replymatrix::facts::ProblemCode::MessageTooLarge)
    );
    let mut summary = Summary::new("smime-tenant", "limit.mbox", SourceKind::Mbox);
    records.iter().for_each(|r| summary.add(r));
    assert_eq!(summary.truncated, 1);
}

/// A mailbox whose messages have problems says so: how many messages reported a problem and
/// how many per code, in JSON and text; a truncated mbox (its last message cut short) and a
/// file that is not a message are counted; one message is "1 message".
#[test]
fn the_summary_counts_messages_with_problems_per_code() {
    let tmp = crate::support::TempDir::new("scan-problems");
    // An mbox cut in the middle of its last message, a clear-signed one.
    let signed = sample("outlook/clear-signed-sha256");
    let whole = mboxrd(&[sample("proton/plain"), signed.clone()]);
    let cut = &whole[..whole.len() - signed.len() / 2];
    let mbox = tmp.path("cut.mbox");
    std::fs::write(&mbox, cut).expect("write");
    let summary = |path: &Path| -> serde_json::Value {
        let out = replymatrix()
            .args(["scan", "--profile", "seed-tenant", "--format", "json"])
            .arg(path)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let s = summary(&mbox);
    assert_eq!(s["messages"], 2);
    assert_eq!(s["errors"], 0, "a cut message is still processed");
    assert_eq!(s["with_problems"], 1, "{s:#}");
    let problems = s["problems"].as_object().expect("problems");
    assert!(
        !problems.is_empty() && problems.values().all(|n| n == 1),
        "{problems:?}"
    );

    // A folder with a message and a file that is not one.
    let folder = tmp.path("folder");
    std::fs::create_dir_all(&folder).expect("dir");
    std::fs::write(folder.join("a.eml"), sample("proton/plain")).expect("write");
    std::fs::write(folder.join("b.eml"), b"").expect("write");
    let s = summary(&folder);
    assert_eq!(
        (s["messages"].as_u64(), s["with_problems"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(s["problems"]["not-a-message"], 1);
    let out = replymatrix()
        .args(["scan", "--profile", "seed-tenant"])
        .arg(&folder)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("scanned 2 messages (folder)") && text.contains("1 with problems"),
        "{text}"
    );
    assert!(text.contains("       1  not-a-message"), "{text}");

    // One message is one message.
    let one = tmp.path("one.eml");
    std::fs::write(&one, sample("proton/plain")).expect("write");
    let out = replymatrix()
        .args(["scan", "--profile", "seed-tenant"])
        .arg(&one)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("scanned 1 message ("), "{text}");
    assert!(!text.contains("problems ("), "no problems section: {text}");

    // --jobs 0 is a usage error that says why.
    let out = replymatrix()
        .args(["scan", "--profile", "seed-tenant", "--jobs", "0"])
        .arg(&one)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
}

/// `scan --remedies`: each record lists the remedies of its `no` and `partial` replies, best
/// first, and the summary ranks the best remedies by how many messages each would help; the
/// seed message's plain OWA reply is best answered in Classic Outlook (a client that shows
/// its text), and the ranking counts the two Proton-signed copies together. Without the flag
/// no record carries remedies.
#[test]
fn remedies_are_listed_per_message_and_ranked_in_the_summary() {
    let tmp = crate::support::TempDir::new("scan-remedies");
    let folder = tmp.path("box");
    std::fs::create_dir_all(&folder).expect("dir");
    let seed = sample("proton/pgp-mime-signed");
    std::fs::write(folder.join("a.eml"), &seed).expect("write");
    std::fs::write(folder.join("b.eml"), &seed).expect("write");
    std::fs::write(folder.join("c.eml"), sample("proton/plain")).expect("write");
    let run = |extra: &[&str], format: &str| -> Vec<u8> {
        let out = replymatrix()
            .args(["scan", "--profile", "seed-tenant", "--format", format])
            .args(extra)
            .arg(&folder)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let lines: Vec<serde_json::Value> = String::from_utf8(run(&["--remedies"], "jsonl"))
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        let owa = &line["clients"]["owa"];
        assert_eq!(owa["plain"], "no");
        assert_eq!(owa["remedies"]["plain"][0], "cc-classic-outlook", "{owa:#}");
    }
    // A message whose replies are all yes in a client has no remedies there.
    assert!(
        lines[2]["clients"]["classic-outlook"]["remedies"]
            .get("plain")
            .is_none()
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&run(&["--remedies"], "json")).expect("JSON");
    let ranked = summary["remedies"].as_array().expect("ranked remedies");
    let owa_plain = ranked
        .iter()
        .find(|r| r["client"] == "owa" && r["reply"] == "plain")
        .expect("OWA plain reply ranked");
    assert_eq!(
        (owa_plain["remedy"].as_str(), owa_plain["messages"].as_u64()),
        (Some("cc-classic-outlook"), Some(2))
    );
    let counts: Vec<u64> = ranked
        .iter()
        .filter_map(|r| r["messages"].as_u64())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most first: {counts:?}"
    );
    let text = String::from_utf8(run(&["--remedies"], "text")).expect("utf-8");
    assert!(
        text.contains("what would turn the most replies into yes")
            && text.contains("owa plain replies: cc-classic-outlook"),
        "{text}"
    );
    // Off by default.
    let plain = String::from_utf8(run(&[], "jsonl")).expect("utf-8");
    assert!(!plain.contains("\"remedies\""), "{plain}");
}
