//! Where the messages come from: an mbox file, a Maildir, a folder of `.eml` files, a PST
//! export, or one message file; and the iterator that reads them one at a time, in a stable
//! order.

use crate::vocabulary::vocabulary;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

use crate::facts::{ItemMime, Problem, ProblemCode};
use crate::outlook_item::pst;

use super::mbox::MboxReader;

/// Deepest folder nesting searched for `.eml` files (symbolic links are not followed).
pub const MAX_FOLDER_DEPTH: usize = 32;
/// Buffer of the mbox reader; messages larger than this are still read whole.
const MBOX_BUFFER: usize = 256 * 1024;

vocabulary! {
    /// The kind of input `scan` was given.
    pub enum SourceKind {
        /// A file starting with a `From ` separator line (RFC 4155).
        Mbox = "mbox",
        /// A folder with `cur/` or `new/` (messages in both, `tmp/` ignored).
        Maildir = "maildir",
        /// A folder searched recursively for `*.eml`.
        Folder = "folder",
        /// A single message file.
        Message = "message",
        /// A PST (or OST) export ([MS-PST]): starts with `!BDN`, or is called `*.pst` /
        /// `*.ost`. Read folder by folder, depth first ([`pst::walk`]).
        Pst = "pst",
    }
}

/// Items read ahead of the pipeline from a PST (the reader thread blocks beyond this).
const PST_AHEAD: usize = 4;

impl SourceKind {
    /// Which kind `path` is.
    pub fn detect(path: &Path) -> io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        if meta.is_dir() {
            let maildir = ["cur", "new"].iter().any(|d| path.join(d).is_dir());
            return Ok(if maildir { Self::Maildir } else { Self::Folder });
        }
        let extension_says_pst = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("pst") || e.eq_ignore_ascii_case("ost"));
        let mut head = [0u8; 5];
        let mut file = File::open(path)?;
        let mut filled = 0;
        while filled < head.len() {
            let n = file.read(head.get_mut(filled..).unwrap_or_default())?;
            if n == 0 {
                break;
            }
            filled = filled.saturating_add(n);
        }
        Ok(if &head == b"From " {
            Self::Mbox
        } else if pst::is_pst(&head) || extension_says_pst {
            Self::Pst
        } else {
            Self::Message
        })
    }
}

/// One message as read, before inspection.
#[derive(Debug)]
pub struct RawMessage {
    /// Position in the input, from 0 (set by the pipeline).
    pub index: usize,
    /// The file, or `file@offset` for a message in an mbox.
    pub source: String,
    /// The message, cut at the limit; `Err` when it could not be read.
    pub bytes: Result<Vec<u8>, String>,
    /// Length before any cut.
    pub full_len: u64,
    /// Whether `bytes` was cut at the limit.
    pub truncated: bool,
    /// For an item of a PST: what the item adds to its MIME (`bytes`).
    pub item: Option<PstItem>,
}

/// What an item of a PST carries besides the MIME made from it
/// ([`crate::outlook_item::Converted`]).
#[derive(Debug)]
pub struct PstItem {
    /// The stored message class.
    pub stored_class: Option<String>,
    /// How its MIME was obtained; `None` when the item (or its folder) could not be read:
    /// then `bytes` is empty and `problems` says why.
    pub item_mime: Option<ItemMime>,
    /// The conversion's problems, or why the item could not be read.
    pub problems: Vec<Problem>,
}

/// Messages of a source, one at a time, in input order: mbox order, or file paths sorted
/// byte-wise (Maildir: `cur/` then `new/`).
pub struct Messages {
    inner: Inner,
    /// How far reading got, in [`Messages::total`]'s unit; shared with a progress display.
    done: Arc<AtomicU64>,
    total: u64,
}

enum Inner {
    Mbox {
        path: String,
        reader: Box<MboxReader<BufReader<File>>>,
    },
    Files {
        paths: std::vec::IntoIter<PathBuf>,
        max_message_bytes: usize,
    },
    /// Fed by a thread walking the PST (the reader's store cannot move between threads).
    Pst { items: Receiver<RawMessage> },
}

impl Messages {
    /// Opens `path` as `kind`; messages longer than `max_message_bytes` are cut.
    pub fn open(path: &Path, kind: SourceKind, max_message_bytes: usize) -> io::Result<Self> {
        let paths = match kind {
            SourceKind::Mbox => {
                let file = File::open(path)?;
                let total = file.metadata().map(|m| m.len()).unwrap_or(0);
                return Ok(Self {
                    inner: Inner::Mbox {
                        path: path.display().to_string(),
                        reader: Box::new(MboxReader::new(
                            BufReader::with_capacity(MBOX_BUFFER, file),
                            max_message_bytes,
                        )),
                    },
                    done: Arc::default(),
                    total,
                });
            }
            SourceKind::Pst => {
                let done = Arc::<AtomicU64>::default();
                return Ok(Self {
                    inner: Inner::Pst {
                        items: spawn_pst(path, max_message_bytes, Arc::clone(&done))?,
                    },
                    done,
                    total: 0,
                });
            }
            SourceKind::Message => vec![path.to_path_buf()],
            SourceKind::Maildir => {
                let mut all = Vec::new();
                for sub in ["cur", "new"] {
                    let dir = path.join(sub);
                    if !dir.is_dir() {
                        continue;
                    }
                    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
                        .filter_map(|e| e.ok())
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                        .map(|e| e.path())
                        // Maildir readers skip dot files.
                        .filter(|p| {
                            p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| !n.starts_with('.'))
                        })
                        .collect();
                    files.sort();
                    all.extend(files);
                }
                all
            }
            SourceKind::Folder => {
                let mut files = Vec::new();
                collect_eml(path, 0, &mut files)?;
                files.sort();
                files
            }
        };
        Ok(Self {
            total: paths.len() as u64,
            inner: Inner::Files {
                paths: paths.into_iter(),
                max_message_bytes,
            },
            done: Arc::default(),
        })
    }

    /// The size of the input: bytes for an mbox, files for a folder, 0 (unknown) for a PST.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How much of [`Messages::total`] has been read so far, updated as messages are read.
    pub fn done(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.done)
    }
}

/// Every `*.eml` and `*.msg` (Outlook item; any case) under `dir`, not following symbolic
/// links.
fn collect_eml(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if depth > MAX_FOLDER_DEPTH {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if file_type.is_dir() {
            collect_eml(&path, depth.saturating_add(1), out)?;
        } else if file_type.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("msg"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads at most `limit` bytes of a file; the file's length tells whether it was cut.
fn read_bounded(path: &Path, limit: usize) -> io::Result<(Vec<u8>, u64, bool)> {
    let file = File::open(path)?;
    let full_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Sized from the metadata (one read and one at the end of the file instead of a read per
    // doubling); a file that grows meanwhile still reads to `limit`.
    let expected = usize::try_from(full_len).unwrap_or(usize::MAX).min(limit);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(limit as u64).read_to_end(&mut bytes)?;
    let full_len = full_len.max(bytes.len() as u64);
    Ok((bytes, full_len, full_len > limit as u64))
}

impl Iterator for Messages {
    type Item = RawMessage;

    fn next(&mut self) -> Option<RawMessage> {
        let message = self.read_next();
        let done = match &self.inner {
            Inner::Mbox { reader, .. } => reader.bytes_read(),
            Inner::Files { paths, .. } => self.total.saturating_sub(paths.len() as u64),
            Inner::Pst { .. } => self.done.load(Ordering::Relaxed),
        };
        self.done.store(done, Ordering::Relaxed);
        message
    }
}

impl Messages {
    fn read_next(&mut self) -> Option<RawMessage> {
        match &mut self.inner {
            Inner::Mbox { path, reader } => match reader.next()? {
                Ok(m) => Some(RawMessage {
                    index: 0,
                    source: format!("{path}@{}", m.offset),
                    bytes: Ok(m.bytes),
                    full_len: m.full_len,
                    truncated: m.truncated,
                    item: None,
                }),
                Err(e) => Some(RawMessage {
                    index: 0,
                    source: path.clone(),
                    bytes: Err(format!("reading the mbox failed: {e}")),
                    full_len: 0,
                    truncated: false,
                    item: None,
                }),
            },
            Inner::Files {
                paths,
                max_message_bytes,
            } => {
                let path = paths.next()?;
                let source = path.display().to_string();
                Some(match read_bounded(&path, *max_message_bytes) {
                    Ok((bytes, full_len, truncated)) => RawMessage {
                        index: 0,
                        source,
                        bytes: Ok(bytes),
                        full_len,
                        truncated,
                        item: None,
                    },
                    Err(e) => RawMessage {
                        index: 0,
                        source,
                        bytes: Err(format!("unreadable: {e}")),
                        full_len: 0,
                        truncated: false,
                        item: None,
                    },
                })
            }
            Inner::Pst { items } => items.recv().ok(),
        }
    }
}

/// Starts the thread that walks the PST at `path` and sends one [`RawMessage`] per item and
/// per unreadable folder, in walk order; it stops when the receiver is dropped.
fn spawn_pst(
    path: &Path,
    max_message_bytes: usize,
    done: Arc<AtomicU64>,
) -> io::Result<Receiver<RawMessage>> {
    // Opened here so that a missing file is the caller's error, as for the other kinds.
    File::open(path)?;
    let (tx, rx) = sync_channel(PST_AHEAD);
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("replymatrix-pst".to_owned())
        .spawn(move || {
            let name = path.display().to_string();
            let open = || -> io::Result<Box<dyn pst::Source>> {
                Ok(Box::new(BufReader::new(File::open(&path)?)))
            };
            pst::walk(&open, &mut |entry| {
                done.fetch_add(1, Ordering::Relaxed);
                tx.send(pst_message(&name, entry, max_message_bytes))
                    .is_ok()
            });
        })?;
    Ok(rx)
}

/// The message of one entry of a PST walk: the item's MIME with its facts, or a problem.
fn pst_message(name: &str, entry: pst::Entry, max_message_bytes: usize) -> RawMessage {
    let unreadable =
        |source: String, code: ProblemCode, why: String, class: Option<String>| RawMessage {
            index: 0,
            source,
            bytes: Ok(Vec::new()),
            full_len: 0,
            truncated: false,
            item: Some(PstItem {
                stored_class: class,
                item_mime: None,
                problems: vec![Problem::new(code, why)],
            }),
        };
    match entry {
        pst::Entry::Folder { folder, why } => unreadable(
            format!("{name}:{folder}"),
            ProblemCode::PstFolderUnreadable,
            if folder.is_empty() {
                why
            } else {
                format!("the folder {folder}: {why}")
            },
            None,
        ),
        pst::Entry::Item {
            folder,
            index,
            item,
        } => {
            let source = format!("{name}:{folder}:{index}");
            match item {
                Err(why) => unreadable(source, ProblemCode::PstItemUnreadable, why, None),
                Ok(item) => {
                    let converted = item.to_mime();
                    let mut mime = converted.mime;
                    let full_len = mime.len() as u64;
                    let truncated = mime.len() > max_message_bytes;
                    mime.truncate(max_message_bytes);
                    RawMessage {
                        index: 0,
                        source,
                        bytes: Ok(mime),
                        full_len,
                        truncated,
                        item: Some(PstItem {
                            stored_class: converted.stored_class,
                            item_mime: Some(converted.item_mime),
                            problems: converted.problems,
                        }),
                    }
                }
            }
        }
    }
}
