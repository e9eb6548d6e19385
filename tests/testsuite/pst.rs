//! PST exports ([MS-PST]) through `scan`: the generator's export (`corpora/outlook-items/
//! export.pst`) gives one record per item, each the same as its `.msg` twin's, and libpst's
//! `readpst` reads the same items from it; what cannot be read (broken B-trees, pages or blocks
//! that list themselves, out-of-file blocks, truncations, data trees that list one block over
//! and over) is a record with a problem, never a panic, an abort or unbounded memory, and the
//! rest of the file is still read.

use std::path::Path;
use std::time::{Duration, Instant};

use replymatrix::Inputs;
use replymatrix::facts::ProblemCode;
use replymatrix::outlook_item::pst;
use replymatrix::profile::Profile;
use replymatrix::scan::{self, Options, Output, SourceKind};

use crate::support::{TempDir, Tool, corpora, normalized, require_tool};

/// readpst's options for one process: with `-e` it otherwise writes a folder's messages from
/// parallel jobs, and a test that counted the files it wrote saw one missing now and then
/// (6 of 7, under load).
const READPST_SERIAL: [&str; 2] = ["-j", "0"];

fn profile() -> Profile {
    Profile::load_named(
        "smime-tenant",
        &corpora().join("profiles"),
        &corpora().join("keys"),
    )
    .expect("profile loads")
}

/// The jsonl records of `scan` over `path` on one worker, and the summary's item count.
fn scan_records(path: &Path, profile: &Profile) -> (Vec<serde_json::Value>, usize) {
    let (records, summary) = scan_on(path, profile, 1);
    (records, summary.messages)
}

/// The jsonl records of `scan` over `path` on `workers` workers, and its summary.
fn scan_on(
    path: &Path,
    profile: &Profile,
    workers: usize,
) -> (Vec<serde_json::Value>, scan::Summary) {
    let mut out = Vec::new();
    let summary = scan::scan_path(
        path,
        &Inputs::default(),
        profile,
        Options::with_workers(workers),
        Output::Jsonl,
        &mut out,
    )
    .expect("scan runs");
    let records: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (records, summary)
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
            .args(READPST_SERIAL)
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

// ---------------------------------------------------------------------------------------------
// The generator's export.

use std::collections::BTreeMap;
use std::path::PathBuf;

use replymatrix::facts::ItemMime;
use replymatrix::outlook_item::{self, Item};
use replymatrix::{SignatureStatus, corpus};
use replymatrix_generate::outlook_corpus::ITEMS;
use replymatrix_generate::pst_corpus::{self, FOLDERS};
use replymatrix_generate::pst_writer::{self, crc};

const TOP: &str = "Top of Outlook data file";

fn export_path() -> PathBuf {
    pst_corpus::pst_path(&corpora())
}

fn class_of(id: &str) -> &'static str {
    ITEMS
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.class)
        .expect("an item recipe")
}

/// (folder path as the walk names it, sample id) of every item, in walk order.
fn expected_items() -> Vec<(String, &'static str)> {
    FOLDERS
        .iter()
        .flat_map(|(folder, ids)| ids.iter().map(move |id| (format!("{TOP}/{folder}"), *id)))
        .collect()
}

/// Everything the walk meets in the PST at `path`.
fn walk_entries(path: &Path) -> Vec<pst::Entry> {
    let path = path.to_path_buf();
    let open = move || -> std::io::Result<Box<dyn pst::Source>> {
        Ok(Box::new(std::io::BufReader::new(std::fs::File::open(
            &path,
        )?)))
    };
    let mut entries = Vec::new();
    pst::walk(&open, &mut |e| {
        entries.push(e);
        true
    });
    entries
}

fn msg_item(id: &str) -> Item {
    let path = corpora().join("outlook-items").join(format!("{id}.msg"));
    outlook_item::msg::read(&std::fs::read(path).expect("the .msg twin")).expect("reads")
}

fn inputs_of(id: &str) -> Inputs {
    let samples = corpus::load_samples(&corpora().join("senders")).expect("corpus loads");
    let sample = samples
        .iter()
        .find(|s| s.sidecar.id == id)
        .expect("sample exists");
    corpus::sample_inputs(sample, &corpora().join("keys")).expect("keys load")
}

#[test]
fn generator_reproduces_the_committed_pst_byte_for_byte() {
    let tmp = TempDir::new("pst-regenerate");
    for recipe in ITEMS {
        let target = tmp.dir().join("senders").join(format!("{}.eml", recipe.id));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(
            corpora().join("senders").join(format!("{}.eml", recipe.id)),
            &target,
        )
        .expect("copy");
    }
    let made = pst_corpus::generate(tmp.dir()).expect("generates");
    let made = std::fs::read(made).expect("made");
    assert!(
        made == std::fs::read(export_path()).expect("committed export.pst"),
        "regenerated bytes differ from the committed export.pst (run cargo corpus-generate)"
    );
    // Twice from the same store: the same bytes.
    let store = pst_corpus::store(tmp.dir()).expect("store");
    assert_eq!(
        pst_writer::write(&store).expect("writes"),
        pst_writer::write(&store).expect("writes")
    );
    // Every sample of the folders is an Outlook item recipe, each filed once.
    let filed: Vec<&str> = FOLDERS
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    assert_eq!(filed.len(), ITEMS.len());
    for recipe in ITEMS {
        assert_eq!(filed.iter().filter(|id| **id == recipe.id).count(), 1);
    }
}

/// outlook-pst reads every item of the export, in folder order, as exactly the item its `.msg`
/// twin is: same class, headers, body, attachments (so the same MIME and verdicts).
#[test]
fn every_item_of_the_export_reads_as_its_msg_twin() {
    let entries = walk_entries(&export_path());
    let expected = expected_items();
    assert_eq!(entries.len(), expected.len(), "{entries:?}");
    for (entry, (folder, id)) in entries.iter().zip(&expected) {
        let pst::Entry::Item {
            folder: got_folder,
            item,
            ..
        } = entry
        else {
            panic!("{id}: not an item: {entry:?}");
        };
        assert_eq!(got_folder, folder, "{id}");
        let item = item.as_ref().expect("the item reads");
        assert_eq!(item.class.as_deref(), Some(class_of(id)), "{id}");
        assert_eq!(
            *item,
            msg_item(id),
            "{id}: the PST item differs from its .msg twin"
        );
        assert!(item.transport_headers.is_some(), "{id}");
    }
}

/// The seed scene from the PST: the signature verifies over the exact bytes Exchange kept.
#[test]
fn the_seed_scene_from_the_pst_verifies_over_the_exact_bytes() {
    let id = "proton/pgp-mime-signed";
    let seed = walk_entries(&export_path())
        .into_iter()
        .find_map(|e| match e {
            pst::Entry::Item { item: Ok(item), .. }
                if item.class.as_deref() == Some(class_of(id))
                    && item.subject.as_deref() == Some("Quarterly figures") =>
            {
                Some(item)
            }
            _ => None,
        })
        .expect("the seed item");
    let converted = seed.to_mime();
    assert_eq!(converted.item_mime, ItemMime::Kept);
    assert_eq!(
        converted.stored_class.as_deref(),
        Some("IPM.Note.SMIME.MultipartSigned")
    );
    let inspection = replymatrix::inspect_item(&converted, &inputs_of(id));
    let sig = inspection.layers[0]
        .signature
        .as_ref()
        .expect("a signature layer");
    assert_eq!(sig.status, SignatureStatus::Valid, "{inspection:?}");
    assert!(sig.covers_whole_body);
}

/// The jsonl record of a scan without what names the input.
fn comparable(record: &serde_json::Value) -> serde_json::Value {
    let mut r = record.clone();
    if let Some(map) = r.as_object_mut() {
        for key in ["index", "source", "id"] {
            map.remove(key);
        }
    }
    r
}

/// `scan` of the export: one record per item, each with the same verdict lines as its `.msg`
/// twin's, and the summary counts the items per stored message class.
#[test]
fn scan_of_the_export_gives_each_item_its_twins_record_and_counts_classes() {
    let expected = expected_items();
    for name in ["smime-tenant", "seed-tenant"] {
        let profile =
            Profile::load_named(name, &corpora().join("profiles"), &corpora().join("keys"))
                .expect("profile loads");
        let (records, summary) = scan_on(&export_path(), &profile, 2);
        assert_eq!(records.len(), expected.len(), "{name}");
        assert_eq!(summary.messages, expected.len());
        assert_eq!(summary.with_problems, 0, "{name}: {records:?}");
        for (i, (record, (folder, id))) in records.iter().zip(&expected).enumerate() {
            let source = record["source"].as_str().expect("source");
            assert!(
                source.ends_with(&format!("{folder}:{}", {
                    FOLDERS
                        .iter()
                        .find(|(f, _)| format!("{TOP}/{f}") == *folder)
                        .and_then(|(_, ids)| ids.iter().position(|x| x == id))
                        .expect("position")
                })),
                "{name} {i}: {source}"
            );
            let msg = corpora().join("outlook-items").join(format!("{id}.msg"));
            let (twin, _) = scan_records(&msg, &profile);
            assert_eq!(twin.len(), 1);
            assert_eq!(
                comparable(record),
                comparable(&twin[0]),
                "{name} {id}: the PST item's record differs from its .msg twin's"
            );
            assert_eq!(record["stored_item_class"], class_of(id), "{name} {id}");
        }
        let mut classes: BTreeMap<String, usize> = BTreeMap::new();
        for (_, id) in &expected {
            *classes.entry(class_of(id).to_owned()).or_default() += 1;
        }
        assert_eq!(summary.item_classes, classes, "{name}");
        // The seed scene under the seed tenant: OWA offers no plain reply.
        if name == "seed-tenant" {
            assert_eq!(
                records[0]["clients"]["owa"]["plain"], "no",
                "{}",
                records[0]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The independent reader: libpst's readpst.

/// `readpst` reads the same seven items from the export: the same headers (from the
/// transport headers), text and HTML bodies, attachments (name, type, bytes) and, in its
/// debug log, the same message classes. What it cannot show: the class in its output (only
/// its debug log has it), and a clear-signed item's `multipart/signed` entity as the message
/// itself (it writes it as the `smime.p7m` attachment it is stored as).
#[test]
fn readpst_agrees_on_headers_body_attachments_and_class() {
    use mail_parser::{MessageParser, MimeHeaders};
    if !require_tool(Tool::Readpst) {
        return;
    }
    let dir = TempDir::new("pst-readpst");
    let out = dir.path("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let log = dir.path("debug.log");
    let status = std::process::Command::new(Tool::Readpst.command())
        .args(READPST_SERIAL)
        .args(["-D", "-e", "-d"])
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .arg(export_path())
        .output()
        .expect("readpst runs");
    assert!(status.status.success(), "{status:?}");
    // Every .eml readpst wrote, by Message-ID.
    let mut written: BTreeMap<String, (PathBuf, Vec<u8>)> = BTreeMap::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                let bytes = std::fs::read(&p).expect("eml");
                let id = MessageParser::default()
                    .parse(&bytes)
                    .and_then(|m| m.message_id().map(str::to_owned))
                    .expect("a Message-ID");
                assert!(
                    written.insert(id, (p, bytes)).is_none(),
                    "one file per item"
                );
            }
        }
    }
    let expected = expected_items();
    assert_eq!(written.len(), expected.len(), "{:?}", written.keys());
    for (folder, id) in &expected {
        let item = msg_item(id);
        let headers = item.transport_headers.clone().expect("headers");
        let header_block = format!("{headers}\r\n");
        let sent = MessageParser::default()
            .parse(header_block.as_bytes())
            .expect("headers parse");
        let mid = sent.message_id().expect("Message-ID").to_owned();
        let (path, bytes) = written
            .get(&mid)
            .unwrap_or_else(|| panic!("{id}: not written"));
        // The folder: readpst names its folders as the PST does.
        let rel = path
            .strip_prefix(&out)
            .expect("below out")
            .to_string_lossy()
            .to_string();
        let sub = folder
            .strip_prefix(&format!("{TOP}/"))
            .expect("below the top");
        assert!(rel.contains(sub), "{id}: {rel} is not in {sub}");
        let got = MessageParser::default().parse(bytes).expect("parses");
        assert_eq!(got.subject(), sent.subject(), "{id}");
        assert_eq!(got.date(), sent.date(), "{id}");
        assert_eq!(
            got.from().and_then(|f| f.first()).and_then(|a| a.address()),
            sent.from()
                .and_then(|f| f.first())
                .and_then(|a| a.address()),
            "{id}"
        );
        // readpst writes LF line ends.
        assert_eq!(
            got.header_raw("DKIM-Signature").map(normalized),
            sent.header_raw("DKIM-Signature").map(normalized),
            "{id}"
        );
        match &item.body {
            Some(body) => assert_eq!(
                got.body_text(0).map(|t| normalized(&t)),
                Some(normalized(body)),
                "{id}"
            ),
            None => assert!(
                got.text_body.is_empty() || got.body_text(0).is_none_or(|t| t.trim().is_empty()),
                "{id}"
            ),
        }
        if let Some(html) = &item.html {
            assert_eq!(
                got.body_html(0).map(|t| normalized(&t)),
                Some(normalized(&String::from_utf8_lossy(html))),
                "{id}"
            );
        }
        let attachments: Vec<_> = got.attachments().collect();
        assert_eq!(attachments.len(), item.attachments.len(), "{id}");
        for a in &item.attachments {
            let name = a.filename.as_deref().expect("a name");
            let found = attachments
                .iter()
                .find(|p| p.attachment_name() == Some(name))
                .unwrap_or_else(|| panic!("{id}: no attachment {name}"));
            assert_eq!(Some(found.contents()), a.data.as_deref(), "{id}: {name}");
            let tag = found
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()));
            assert_eq!(
                tag.map(|t| t.to_ascii_lowercase()),
                a.mime_tag.as_ref().map(|t| t.to_ascii_lowercase()),
                "{id}: {name}"
            );
        }
    }
    // The classes: readpst logs each item's PidTagMessageClass.
    let log = String::from_utf8_lossy(&std::fs::read(&log).expect("debug log")).into_owned();
    let mut logged: Vec<String> = log
        .lines()
        .filter_map(|l| l.split("Message class ").nth(1))
        .map(|rest| {
            rest.split(" [")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect();
    logged.sort();
    let mut classes: Vec<String> = expected
        .iter()
        .map(|(_, id)| class_of(id).to_owned())
        .collect();
    classes.sort();
    assert_eq!(logged, classes);
}

// ---------------------------------------------------------------------------------------------
// Broken B-trees: the export, damaged in memory.

/// A PST's bytes with the few structure look-ups the damage needs ([MS-PST] 2.2.2).
struct Bytes(Vec<u8>);

impl Bytes {
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().expect("8 bytes"))
    }
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes(self.0[at..at + 2].try_into().expect("2 bytes"))
    }
    fn set_u64(&mut self, at: usize, v: u64) {
        self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    /// The ROOT's NBT and BBT references: (bid, ib).
    fn nbt_root(&self) -> (u64, usize) {
        (self.u64(216), self.u64(224) as usize)
    }
    fn bbt_root(&self) -> (u64, usize) {
        (self.u64(232), self.u64(240) as usize)
    }
    /// The file offsets of the leaf entries of the B-tree whose root page is at `ib`.
    fn leaves(&self, ib: usize, depth: usize) -> Vec<usize> {
        assert!(depth < 8, "a B-tree this test made deeper than it is");
        let count = usize::from(self.0[ib + 488]);
        let size = usize::from(self.0[ib + 490]);
        let level = self.0[ib + 491];
        (0..count)
            .flat_map(|i| {
                let at = ib + i * size;
                if level == 0 {
                    vec![at]
                } else {
                    self.leaves(self.u64(at + 16) as usize, depth + 1)
                }
            })
            .collect()
    }
    /// The NBT leaf entry of `nid`.
    fn node(&self, nid: u64) -> usize {
        self.leaves(self.nbt_root().1, 0)
            .into_iter()
            .find(|at| self.u64(*at) == nid)
            .expect("the node")
    }
    /// The BBT leaf entry of `bid`.
    fn block(&self, bid: u64) -> usize {
        self.leaves(self.bbt_root().1, 0)
            .into_iter()
            .find(|at| self.u64(*at) == bid)
            .expect("the block")
    }
    /// Recomputes the CRC of the page holding `at` (PAGETRAILER, 2.2.2.7.1).
    fn fix_page(&mut self, at: usize) {
        let page = at / 512 * 512;
        let crc = crc(&self.0[page..page + 496]);
        self.0[page + 500..page + 504].copy_from_slice(&crc.to_le_bytes());
    }
    /// Rewrites the trailer of the block `bid` for its BBT size (BLOCKTRAILER, 2.2.2.8.1).
    fn fix_block(&mut self, bid: u64) {
        let entry = self.block(bid);
        let ib = self.u64(entry + 8) as usize;
        let cb = usize::from(self.u16(entry + 16));
        let trailer = ib + (cb + 16).div_ceil(64) * 64 - 16;
        self.0[trailer..trailer + 2].copy_from_slice(&(cb as u16).to_le_bytes());
        let crc = crc(&self.0[ib..ib + cb]);
        self.0[trailer + 4..trailer + 8].copy_from_slice(&crc.to_le_bytes());
        self.set_u64(trailer + 8, bid);
    }
}

/// The NID of the `n`th message the writer filed (2.2.2.1: index from 0x400, type 4).
fn message_nid(n: u64) -> u64 {
    ((0x400 + n) << 5) | 0x04
}

fn message_id_of(id: &str) -> String {
    msg_item(id).message_id.expect("a Message-ID")
}

/// Scans `bytes` as a PST: every record is an item without problem or names a `pst-*`
/// problem (never an error), at least one names a problem, the items of `must_read` are
/// read cleanly and those of `must_fail` are not. Returns the records.
fn scan_broken(
    name: &str,
    bytes: &[u8],
    must_read: &[&str],
    must_fail: &[&str],
) -> Vec<serde_json::Value> {
    let dir = TempDir::new("pst-btree");
    let path = dir.path(&format!("{name}.pst"));
    std::fs::write(&path, bytes).expect("write");
    let started = Instant::now();
    let (records, messages) = scan_records(&path, &profile());
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{name}: bounded time"
    );
    assert_eq!(records.len(), messages, "{name}");
    let mut clean = Vec::new();
    let mut problems = 0;
    for r in &records {
        assert!(r["error"].is_null(), "{name}: {r}");
        let c = codes(r);
        if c.is_empty() {
            clean.push(r["id"].as_str().unwrap_or_default().to_owned());
        } else {
            assert!(c.iter().all(|c| c.starts_with("pst-")), "{name}: {r}");
            problems += 1;
        }
    }
    assert!(
        problems > 0,
        "{name}: the damage was not noticed: {records:?}"
    );
    for id in must_read {
        assert!(
            clean.contains(&message_id_of(id)),
            "{name}: {id} is not read: {records:?}"
        );
    }
    for id in must_fail {
        assert!(
            !clean.contains(&message_id_of(id)),
            "{name}: {id} read although its B-tree is broken"
        );
    }
    records
}

/// Whether some record's problem says a tree nests without end (the reader's stack guard, or
/// the expansion check before it, found a page or block that lists itself).
fn guard_stopped(records: &[serde_json::Value]) -> bool {
    records.iter().any(|r| {
        r["problems"].as_array().is_some_and(|ps| {
            ps.iter().any(|p| {
                p["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("nest without end"))
            })
        })
    })
}

fn export_bytes() -> Bytes {
    Bytes(std::fs::read(export_path()).expect("export.pst"))
}

/// The ids of the items in one folder of the export.
fn folder_ids(folder: &str) -> Vec<&'static str> {
    FOLDERS
        .iter()
        .find(|(f, _)| *f == folder)
        .map(|(_, ids)| ids.to_vec())
        .expect("folder")
}

#[test]
fn a_corrupted_nbt_leaf_page_loses_only_what_it_lists() {
    let mut pst = export_bytes();
    // The NBT leaf that lists the last message (Archive's): a flipped byte, its CRC wrong.
    let last = message_nid(ITEMS.len() as u64 - 1);
    let entry = pst.node(last);
    let page = entry / 512 * 512;
    assert_ne!(page, pst.nbt_root().1, "the export's NBT has two levels");
    pst.0[entry + 8] ^= 0x40;
    let records = scan_broken(
        "nbt-leaf",
        &pst.0,
        &["proton/pgp-mime-signed"],
        &folder_ids("Archive"),
    );
    assert!(records.iter().any(|r| {
        codes(r)
            .iter()
            .any(|c| c == ProblemCode::PstFolderUnreadable.as_str())
            || codes(r)
                .iter()
                .any(|c| c == ProblemCode::PstItemUnreadable.as_str())
    }));
}

#[test]
fn a_bbt_entry_pointing_out_of_the_file_loses_one_item() {
    let mut pst = export_bytes();
    // The S/MIME folder's first item: its data block placed past the end of the file.
    let victim = "outlook/clear-signed-sha256";
    let n = expected_items()
        .iter()
        .position(|(_, id)| *id == victim)
        .expect("filed") as u64;
    let node = pst.node(message_nid(n));
    let data = pst.u64(node + 8);
    let entry = pst.block(data);
    pst.set_u64(entry + 8, 0x10_0000_0000);
    pst.fix_page(entry);
    let others: Vec<&str> = ITEMS
        .iter()
        .map(|r| r.id)
        .filter(|id| *id != victim)
        .collect();
    let records = scan_broken("bbt-out-of-file", &pst.0, &others, &[victim]);
    assert_eq!(records.len(), ITEMS.len(), "one record per item");
    let bad: Vec<_> = records.iter().filter(|r| !codes(r).is_empty()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(codes(bad[0]), [ProblemCode::PstItemUnreadable.as_str()]);
}

/// An intermediate NBT page that lists itself: the reader would recurse until the stack
/// overflows (an abort); the walk's guard turns it into a problem for what is below it.
#[test]
fn an_nbt_page_that_lists_itself_is_a_problem_not_an_abort() {
    let mut pst = export_bytes();
    let (bid, ib) = pst.nbt_root();
    assert!(pst.0[ib + 491] > 0, "the root is an intermediate page");
    assert!(pst.0[ib + 488] >= 2);
    // Its second entry (BTENTRY: btkey, BREF) now points at the root itself.
    pst.set_u64(ib + 24 + 8, bid);
    pst.set_u64(ib + 24 + 16, ib as u64);
    pst.fix_page(ib);
    let records = scan_broken(
        "nbt-self",
        &pst.0,
        &["proton/pgp-mime-signed"],
        &folder_ids("Archive"),
    );
    assert!(guard_stopped(&records), "{records:?}");
}

/// A message's subnode tree turned into an SIBLOCK that lists itself: that item is a
/// problem, every other item is read.
#[test]
fn a_subnode_block_that_lists_itself_loses_one_item() {
    let mut pst = export_bytes();
    let victim = "proton/pgp-mime-signed";
    let node = pst.node(message_nid(0));
    let sub = pst.u64(node + 16);
    assert_eq!(sub & 2, 2, "an internal block");
    let entry = pst.block(sub);
    let ib = pst.u64(entry + 8) as usize;
    let old = usize::from(pst.u16(entry + 16));
    // SIBLOCK (2.2.2.8.3.3.2): btype 2, cLevel 1, cEnt, padding, then (nid, bid) entries.
    let count = (old - 8) / 16;
    let size = 8 + 16 * count;
    assert_eq!(
        (size + 16).div_ceil(64),
        (old + 16).div_ceil(64),
        "same block size"
    );
    pst.0[ib + 1] = 1;
    pst.0[ib + 2..ib + 4].copy_from_slice(&(count as u16).to_le_bytes());
    for i in 0..count {
        pst.set_u64(ib + 8 + 16 * i, 0x692);
        pst.set_u64(ib + 8 + 16 * i + 8, sub);
    }
    pst.0[entry + 16..entry + 18].copy_from_slice(&(size as u16).to_le_bytes());
    pst.fix_page(entry);
    pst.fix_block(sub);
    let others: Vec<&str> = ITEMS
        .iter()
        .map(|r| r.id)
        .filter(|id| *id != victim)
        .collect();
    let records = scan_broken("subnode-self", &pst.0, &others, &[victim]);
    assert_eq!(records.len(), ITEMS.len());
    assert!(guard_stopped(&records), "{records:?}");
}

/// A small message of the writer's: `subject`, one recipient, and an attachment `big.bin`
/// holding `attachment` if given.
fn writer_message(subject: &str, attachment: Option<Vec<u8>>) -> pst_writer::Message {
    use pst_writer::{Message, Value};
    Message {
        props: vec![
            (0x001A, Value::Unicode("IPM.Note".to_owned())),
            (0x0037, Value::Unicode(subject.to_owned())),
            (
                0x007D,
                Value::Unicode(format!(
                    "From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\nMessage-ID: <{subject}@example.org>\r\n"
                )),
            ),
            (0x1035, Value::Unicode(format!("<{subject}@example.org>"))),
            (0x1000, Value::Unicode("hello".to_owned())),
        ],
        recipients: vec![vec![
            (0x0C15, Value::Long(1)),
            (0x3001, Value::Unicode("b@example.org".to_owned())),
        ]],
        attachments: attachment
            .map(|data| {
                vec![vec![
                    (0x3705, Value::Long(1)),
                    (0x3707, Value::Unicode("big.bin".to_owned())),
                    (0x3701, Value::Binary(data)),
                ]]
            })
            .unwrap_or_default(),
    }
}

/// A store with an attachment over one block (so an XBLOCK) in `Big` and a small message in
/// `Small`; the XBLOCK then lists itself.
#[test]
fn an_xblock_that_lists_itself_loses_its_item_only() {
    use pst_writer::{Folder, Store};
    let store = Store {
        display_name: "test".to_owned(),
        record_key: [9; 16],
        top_name: TOP.to_owned(),
        folders: vec![
            Folder {
                name: "Big".to_owned(),
                messages: vec![writer_message("big", Some(vec![0x5A; 20_000]))],
                subfolders: Vec::new(),
            },
            Folder {
                name: "Small".to_owned(),
                messages: vec![writer_message("small", None)],
                subfolders: Vec::new(),
            },
        ],
        time: 0,
    };
    let mut pst = Bytes(pst_writer::write(&store).expect("writes"));
    let dir = TempDir::new("pst-xblock");
    // Undamaged, both items read.
    let path = dir.path("whole.pst");
    std::fs::write(&path, &pst.0).expect("write");
    let (records, _) = scan_records(&path, &profile());
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| codes(r).is_empty()), "{records:?}");
    // The XBLOCK (btype 1, cLevel 1): its first entry is now its own BID.
    let xblock = pst
        .leaves(pst.bbt_root().1, 0)
        .into_iter()
        .map(|e| (pst.u64(e), pst.u64(e + 8) as usize))
        .find(|(bid, ib)| bid & 2 == 2 && pst.0[*ib] == 0x01 && pst.0[*ib + 1] == 0x01)
        .expect("an XBLOCK");
    pst.set_u64(xblock.1 + 8, xblock.0);
    pst.fix_block(xblock.0);
    let path = dir.path("xblock-self.pst");
    std::fs::write(&path, &pst.0).expect("write");
    let (records, _) = scan_records(&path, &profile());
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(
        codes(&records[0]),
        [ProblemCode::PstItemUnreadable.as_str()],
        "{records:?}"
    );
    assert!(codes(&records[1]).is_empty(), "{records:?}");
    assert_eq!(records[1]["id"], "<small@example.org>");
    assert!(guard_stopped(&records), "{records:?}");
}

/// The problems (code, message) of the record of the first item of `folder`.
fn problems_of(records: &[serde_json::Value], folder: &str) -> Vec<(String, String)> {
    let tail = format!("/{folder}:0");
    let record = records
        .iter()
        .find(|r| r["source"].as_str().is_some_and(|s| s.ends_with(&tail)))
        .unwrap_or_else(|| panic!("a record for {folder}: {records:?}"));
    record["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A data tree that lists one block many times (a DAG, not a cycle; README "a DAG, not a
/// cycle"): two attachments of 256 full blocks each, so two XBLOCKs of 256 entries. `fan`'s
/// XBLOCK then lists its first block 256 times (2,093,056 bytes, read: the attachment is that
/// block over and over); `dag`'s becomes an XXBLOCK listing `fan`'s XBLOCK 256 times
/// (256 x 256 x 8,176 = 535,822,336 bytes, the 536 MB the crate once expanded from a 4 MB
/// file). `dag` is refused before anything is expanded, naming the limit; `fan` and `small`
/// are read.
#[test]
fn a_data_tree_listing_one_block_many_times_is_refused_over_the_limit_only() {
    use pst_writer::{Folder, Store};
    const BLOCK: usize = 8176; // the data of one full block (2.2.2.8: 8,192 less the trailer)
    let attachment = |first: u8, rest: u8| {
        let mut data = vec![rest; 256 * BLOCK];
        data[..BLOCK].fill(first);
        data
    };
    let folder = |name: &str, message| Folder {
        name: name.to_owned(),
        messages: vec![message],
        subfolders: Vec::new(),
    };
    let store = Store {
        display_name: "test".to_owned(),
        record_key: [9; 16],
        top_name: TOP.to_owned(),
        folders: vec![
            folder("Dag", writer_message("dag", Some(attachment(0xA1, 0xA2)))),
            folder("Fan", writer_message("fan", Some(attachment(0x11, 0x22)))),
            folder("Small", writer_message("small", None)),
        ],
        time: 0,
    };
    let mut pst = Bytes(pst_writer::write(&store).expect("writes"));
    // The two XBLOCKs (btype 1, cLevel 1, 256 entries), told apart by their first block.
    let xblocks: Vec<(u64, usize)> = pst
        .leaves(pst.bbt_root().1, 0)
        .into_iter()
        .map(|e| (pst.u64(e), pst.u64(e + 8) as usize))
        .filter(|(bid, ib)| {
            bid & 2 == 2 && pst.0[*ib] == 0x01 && pst.0[*ib + 1] == 0x01 && pst.u16(ib + 2) == 256
        })
        .collect();
    assert_eq!(xblocks.len(), 2, "{xblocks:?}");
    let first_byte = |pst: &Bytes, (_, ib): (u64, usize)| {
        let first = pst.u64(ib + 8);
        pst.0[pst.u64(pst.block(first) + 8) as usize]
    };
    let (dag, fan) = if first_byte(&pst, xblocks[0]) == 0xA1 {
        (xblocks[0], xblocks[1])
    } else {
        (xblocks[1], xblocks[0])
    };
    assert_eq!(first_byte(&pst, dag), 0xA1);
    assert_eq!(first_byte(&pst, fan), 0x11);
    let fan_first = pst.u64(fan.1 + 8);
    for i in 0..256 {
        pst.set_u64(fan.1 + 8 + 8 * i, fan_first);
        pst.set_u64(dag.1 + 8 + 8 * i, fan.0);
    }
    pst.0[dag.1 + 1] = 2; // cLevel 2: an XXBLOCK (2.2.2.8.3.2.2)
    pst.fix_block(dag.0);
    pst.fix_block(fan.0);
    let dir = TempDir::new("pst-dag");
    let path = dir.path("dag.pst");
    std::fs::write(&path, &pst.0).expect("write");

    let started = Instant::now();
    let (records, messages) = scan_records(&path, &profile());
    assert!(started.elapsed() < Duration::from_secs(60), "bounded time");
    assert_eq!((records.len(), messages), (3, 3), "{records:?}");
    let refused = problems_of(&records, "Dag");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, ProblemCode::PstItemUnreadable.as_str());
    assert!(
        refused[0].1.contains(&format!(
            "more than the {} bytes one value may",
            outlook_item::MAX_VALUE_BYTES
        )),
        "{refused:?}"
    );
    assert!(problems_of(&records, "Fan").is_empty(), "{records:?}");
    assert!(problems_of(&records, "Small").is_empty(), "{records:?}");

    // What the walk hands on: `fan`'s attachment is its first block 256 times over.
    let entries = walk_entries(&path);
    assert_eq!(entries.len(), 3, "{entries:?}");
    let item = |folder: &str| {
        entries.iter().find_map(|e| match e {
            pst::Entry::Item {
                folder: f, item, ..
            } if f.ends_with(folder) => Some(item),
            _ => None,
        })
    };
    let fan_item = item("Fan").expect("Fan").as_ref().expect("read");
    assert_eq!(fan_item.attachments.len(), 1);
    let data = fan_item.attachments[0].data.as_deref().expect("data");
    assert_eq!(data.len(), 256 * BLOCK);
    assert!(data.iter().all(|b| *b == 0x11));
    let why = item("Dag").expect("Dag").as_ref().expect_err("refused");
    assert!(why.contains("block"), "{why}");

    // A folder's table is refused the same way: `Small`'s contents table (its folder is the
    // third message's parent, NBTENTRY nidParent) now has the XXBLOCK as its data.
    let small = pst.node(message_nid(2));
    let folder = u64::from(u32::from_le_bytes(
        pst.0[small + 24..small + 28].try_into().expect("4 bytes"),
    ));
    let contents = pst.node((folder & !0x1F) | 0x0E);
    pst.set_u64(contents + 8, dag.0);
    pst.fix_page(contents);
    std::fs::write(&path, &pst.0).expect("write");
    let (records, messages) = scan_records(&path, &profile());
    assert_eq!((records.len(), messages), (3, 3), "{records:?}");
    assert_eq!(problems_of(&records, "Dag").len(), 1, "{records:?}");
    assert!(problems_of(&records, "Fan").is_empty(), "{records:?}");
    let folder_problem = records
        .iter()
        .find(|r| codes(r) == [ProblemCode::PstFolderUnreadable.as_str()])
        .unwrap_or_else(|| panic!("the folder's problem: {records:?}"));
    let message = folder_problem["problems"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("the folder is not read"), "{message}");
    assert!(
        message.contains(&outlook_item::MAX_VALUE_BYTES.to_string()),
        "{message}"
    );
    assert!(
        !records.iter().any(|r| r["id"] == "<small@example.org>"),
        "{records:?}"
    );
}

#[test]
fn a_truncated_export_is_problems_never_a_panic() {
    let pst = export_bytes();
    let len = pst.0.len();
    for cut in [0x4400 + 100, len / 2, len - 512, len - 1] {
        let dir = TempDir::new("pst-truncated");
        let path = dir.path("cut.pst");
        std::fs::write(&path, &pst.0[..cut]).expect("write");
        let (records, _) = scan_records(&path, &profile());
        assert!(!records.is_empty(), "cut at {cut}");
        assert!(
            records.iter().any(|r| !codes(r).is_empty()),
            "cut at {cut}: nothing noticed"
        );
        for r in &records {
            assert!(r["error"].is_null(), "cut at {cut}: {r}");
            assert!(codes(r).iter().all(|c| c.starts_with("pst-")), "{r}");
        }
    }
}

/// Random damage inside the B-tree pages and blocks, each page's or block's CRC made right
/// again so the reader takes the damage for data: every variant ends in records, each an
/// item or a `pst-*` problem. Bounded in time.
#[test]
fn random_damage_with_valid_crcs_never_panics() {
    let base = export_bytes();
    let pages: Vec<usize> = {
        let mut p: Vec<usize> = base
            .leaves(base.nbt_root().1, 0)
            .into_iter()
            .chain(base.leaves(base.bbt_root().1, 0))
            .map(|e| e / 512 * 512)
            .collect();
        p.push(base.nbt_root().1);
        p.push(base.bbt_root().1);
        p.sort_unstable();
        p.dedup();
        p
    };
    let blocks: Vec<u64> = base
        .leaves(base.bbt_root().1, 0)
        .into_iter()
        .map(|e| base.u64(e))
        .collect();
    let dir = TempDir::new("pst-random");
    let started = Instant::now();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..40usize {
        let mut pst = Bytes(base.0.clone());
        if round % 2 == 0 {
            let page = pages[(next() as usize) % pages.len()];
            for _ in 0..3 {
                let at = page + (next() as usize) % 492;
                pst.0[at] ^= (next() as u8) | 1;
            }
            pst.fix_page(page);
        } else {
            let bid = blocks[(next() as usize) % blocks.len()];
            let entry = pst.block(bid);
            let ib = pst.u64(entry + 8) as usize;
            let cb = usize::from(pst.u16(entry + 16));
            for _ in 0..3 {
                let at = ib + (next() as usize) % cb.min(64);
                pst.0[at] ^= (next() as u8) | 1;
            }
            pst.fix_block(bid);
        }
        let path = dir.path(&format!("r{round}.pst"));
        std::fs::write(&path, &pst.0).expect("write");
        let (records, messages) = scan_records(&path, &profile());
        assert!(!records.is_empty(), "round {round}");
        assert_eq!(records.len(), messages);
        for r in &records {
            assert!(r["error"].is_null(), "round {round}: {r}");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "bounded time");
    }
}

/// A larger store than the corpus's (3.7 MB: fifteen AMap ranges, a two-level NBT and BBT,
/// bodies in subnodes, attachments in XBLOCKs): both readers read every item whole.
#[test]
fn a_store_over_many_amap_ranges_reads_in_both_readers() {
    use pst_writer::{Folder, Message, Store, Value};
    let size = |i: usize| 60_000 + i * 1_000;
    let message = |i: usize| Message {
        props: vec![
            (0x001A, Value::Unicode("IPM.Note".to_owned())),
            (
                0x007D,
                Value::Unicode(format!(
                    "From: a@example.org\r\nTo: b@example.org\r\nSubject: m{i}\r\nMessage-ID: <m{i}@example.org>\r\n"
                )),
            ),
            (0x1000, Value::Unicode(format!("{i} ").repeat(2_000))),
        ],
        recipients: vec![vec![
            (0x0C15, Value::Long(1)),
            (0x3001, Value::Unicode("b@example.org".to_owned())),
        ]],
        attachments: vec![vec![
            (0x3705, Value::Long(1)),
            (0x3707, Value::Unicode(format!("a{i}.bin"))),
            (
                0x3701,
                Value::Binary((0..size(i)).map(|b| (b % 251) as u8).collect()),
            ),
        ]],
    };
    let store = Store {
        display_name: "large".to_owned(),
        record_key: [3; 16],
        top_name: TOP.to_owned(),
        folders: vec![Folder {
            name: "Inbox".to_owned(),
            messages: (0..40).map(message).collect(),
            subfolders: Vec::new(),
        }],
        time: 0,
    };
    let bytes = pst_writer::write(&store).expect("writes");
    assert!(bytes.len() > 10 * 253_952, "{}", bytes.len());
    let dir = TempDir::new("pst-large");
    let path = dir.path("large.pst");
    std::fs::write(&path, &bytes).expect("write");
    let entries = walk_entries(&path);
    assert_eq!(entries.len(), 40);
    for (i, e) in entries.iter().enumerate() {
        let pst::Entry::Item { item: Ok(item), .. } = e else {
            panic!("{i}: {e:?}");
        };
        assert_eq!(
            item.attachments[0].data.as_ref().map(Vec::len),
            Some(size(i)),
            "{i}"
        );
        assert_eq!(
            item.body.as_ref().map(String::len),
            Some(format!("{i} ").len() * 2_000)
        );
    }
    if !require_tool(Tool::Readpst) {
        return;
    }
    let out = dir.path("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let status = std::process::Command::new(Tool::Readpst.command())
        .args(READPST_SERIAL)
        .args(["-q", "-D", "-e", "-o"])
        .arg(&out)
        .arg(&path)
        .output()
        .expect("readpst runs");
    assert!(status.status.success(), "{status:?}");
    let inbox = out.join("large").join("Inbox");
    let written = std::fs::read_dir(&inbox).expect("readpst's Inbox").count();
    assert_eq!(written, 40);
}
