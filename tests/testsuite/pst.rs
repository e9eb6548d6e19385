//! PST exports ([MS-PST]) through `scan`: what cannot be read is a record with a problem,
//! never a panic, and nothing is lost.
//!
//! Not here yet: a valid PST made by the generator, read back with `readpst` (the writer is
//! not written; see the README's PST section).

use std::path::Path;
use std::time::{Duration, Instant};

use replymatrix::Inputs;
use replymatrix::facts::ProblemCode;
use replymatrix::outlook_item::pst;
use replymatrix::profile::Profile;
use replymatrix::scan::{self, Options, Output, SourceKind};

use crate::support::{TempDir, Tool, corpora, require_tool};

fn profile() -> Profile {
    Profile::load_named(
        "smime-tenant",
        &corpora().join("profiles"),
        &corpora().join("keys"),
    )
    .expect("profile loads")
}

/// The jsonl records of `scan` over `path`, and the summary's item count.
fn scan_records(path: &Path, profile: &Profile) -> (Vec<serde_json::Value>, usize) {
    let mut out = Vec::new();
    let summary = scan::scan_path(
        path,
        &Inputs::default(),
        profile,
        Options::with_workers(1),
        Output::Jsonl,
        &mut out,
    )
    .expect("scan runs");
    let records: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (records, summary.messages)
}

fn codes(record: &serde_json::Value) -> Vec<String> {
    record["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A header-sized block that starts like a Unicode PST but is otherwise `fill`.
fn pst_like(len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = vec![fill; len];
    bytes[..4].copy_from_slice(&pst::PST_MAGIC);
    // wMagicClient "SM", wVer 23 (Unicode)
    bytes[8..10].copy_from_slice(&0x4D53u16.to_le_bytes());
    if len > 12 {
        bytes[10..12].copy_from_slice(&23u16.to_le_bytes());
    }
    bytes
}

#[test]
fn a_pst_is_recognised_by_content_and_by_name() {
    let dir = TempDir::new("pst-detect");
    let by_content = dir.path("export.bin");
    std::fs::write(&by_content, pst_like(600, 0)).expect("write");
    assert_eq!(SourceKind::detect(&by_content).ok(), Some(SourceKind::Pst));
    let by_name = dir.path("Export.PST");
    std::fs::write(&by_name, b"not a pst at all").expect("write");
    assert_eq!(SourceKind::detect(&by_name).ok(), Some(SourceKind::Pst));
    let eml = dir.path("m.eml");
    std::fs::write(&eml, b"Subject: x\r\n\r\nbody\r\n").expect("write");
    assert_eq!(SourceKind::detect(&eml).ok(), Some(SourceKind::Message));
    assert!(pst::is_pst(b"!BDN\0\0"));
    assert!(!pst::is_pst(b"From x"));
}

#[test]
fn a_pst_that_cannot_be_opened_is_one_record_with_a_problem() {
    let dir = TempDir::new("pst-broken");
    let profile = profile();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.pst", Vec::new()),
        ("text.pst", b"not a pst at all\n".to_vec()),
        ("magic-only.pst", pst::PST_MAGIC.to_vec()),
        ("header-zeros.pst", pst_like(0x4400, 0)),
        ("header-ff.pst", pst_like(0x4400, 0xFF)),
        ("long-zeros.pst", pst_like(0x10000, 0)),
    ];
    for (name, bytes) in cases {
        let path = dir.path(name);
        std::fs::write(&path, &bytes).expect("write");
        let (records, messages) = scan_records(&path, &profile);
        assert_eq!(records.len(), 1, "{name}: {records:?}");
        assert_eq!(messages, 1, "{name}");
        assert_eq!(
            codes(&records[0]),
            [ProblemCode::PstFolderUnreadable.as_str()],
            "{name}: {records:?}"
        );
        assert!(
            records[0]["error"].is_null(),
            "{name}: a problem, not an error"
        );
        assert!(
            records[0]["problems"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("PST") || m.contains("file")),
            "{name}: {records:?}"
        );
    }
}

/// libpst's `readpst`, the independent reader, refuses the same files: neither reader finds
/// a message in them.
#[test]
fn readpst_refuses_the_files_scan_reports_unreadable() {
    if !require_tool(Tool::Readpst) {
        return;
    }
    let dir = TempDir::new("pst-readpst-broken");
    for (name, bytes) in [
        ("text.pst", b"not a pst at all\n".to_vec()),
        ("header-zeros.pst", pst_like(0x4400, 0)),
    ] {
        let path = dir.path(name);
        std::fs::write(&path, &bytes).expect("write");
        let out = dir.path(&format!("{name}.out"));
        std::fs::create_dir_all(&out).expect("mkdir");
        let status = std::process::Command::new(Tool::Readpst.command())
            .arg("-q")
            .arg("-o")
            .arg(&out)
            .arg(&path)
            .output()
            .expect("readpst runs");
        assert!(!status.status.success(), "{name}: readpst accepted it");
        let written = std::fs::read_dir(&out).expect("out").count();
        assert_eq!(written, 0, "{name}: readpst wrote something");
    }
}

/// Truncations and flipped bytes of a PST-like header: every variant ends, without a
/// panic, in records that each name a problem. Bounded in time.
#[test]
fn mangled_pst_headers_never_panic() {
    let dir = TempDir::new("pst-fuzz");
    let profile = profile();
    let base = pst_like(0x4800, 0);
    let started = Instant::now();
    let mut variants = 0usize;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..48usize {
        let mut bytes = base.clone();
        if round % 3 == 0 {
            bytes.truncate(round * 97 % base.len());
        } else {
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % 600;
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= (seed >> 32) as u8 | 1;
                }
            }
            bytes[..4].copy_from_slice(&pst::PST_MAGIC);
        }
        let path = dir.path(&format!("v{round}.pst"));
        std::fs::write(&path, &bytes).expect("write");
        let (records, _) = scan_records(&path, &profile);
        assert!(!records.is_empty(), "round {round}");
        for r in &records {
            assert!(r["error"].is_null(), "round {round}: {r}");
            let c = codes(r);
            assert!(
                c.iter().any(|c| c.starts_with("pst-")),
                "round {round}: {r}"
            );
        }
        variants += 1;
        assert!(started.elapsed() < Duration::from_secs(60), "bounded time");
    }
    assert_eq!(variants, 48);
}
