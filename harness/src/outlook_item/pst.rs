//! Reading a PST export ([MS-PST]) with Microsoft's `outlook-pst` crate: the folders depth
//! first from the IPM subtree ("Top of Outlook data file"), and in each folder its items, each
//! turned into an [`Item`] as a `.msg` would be.
//!
//! The walk reports every item it meets exactly once ([`Entry::Item`]), read or not, and every
//! folder whose tables cannot be read ([`Entry::Folder`]); what is below a broken folder is not
//! reached, the rest of the file is. The crate reads untrusted B-trees: a panic inside it is
//! caught per folder and per item, and the store is opened again afterwards (the crate keeps
//! the file behind a mutex a panic would poison). Folders are met once each (a hierarchy
//! table that loops is cut) and at most [`MAX_FOLDER_DEPTH`] deep, at most [`MAX_FOLDERS`] in
//! all; at most [`MAX_ATTACHMENTS`] attachments are read per item.
//!
//! The crate follows the file's B-trees, XBLOCKs and subnode trees by recursion and checks
//! none of them for a cycle: an intermediate page, XBLOCK or SIBLOCK that lists itself would
//! recurse until the stack overflows, which aborts the process (no `catch_unwind` stops it).
//! Every level of such a recursion reads the file (a page or block on the recursion's path is
//! out of the crate's caches while it is being followed), so the walk runs on a thread of its
//! own with a [`WALK_STACK_BYTES`] stack and hands the crate a [`Source`] wrapped in a
//! stack guard: a read or seek made deeper than [`MAX_READER_NESTING_BYTES`] below the
//! walk's start fails with an I/O error, which the crate returns as an error for that folder
//! or item. Legitimate reading nests a few dozen frames. The same guard fails reads past
//! [`MAX_READS_PER_STEP`] in one step, in case such a recursion is ever compiled into a loop.
//!
//! The crate reads a property value (an attachment), a heap or a table whole, following the
//! data tree the file describes, and a tree whose XBLOCKs list one block many times (a DAG,
//! not a cycle) is expanded as often as it is listed, from the crate's cache, without further
//! reads: a 4 MB file could cost gigabytes. So before the crate opens the store, lists a
//! folder or reads an item, an expansion check sizes the data trees it would expand: the
//! nodes' data trees ([MS-PST] 2.2.2.8.3.2: XBLOCK, XXBLOCK) and every data tree their subnode
//! trees list (2.2.2.8.3.3: SLBLOCK, SIBLOCK, nested), leaves sized from their BBT entries
//! (never read), each intermediate block read once, repeats counted as the crate counts them.
//! More than [`MAX_VALUE_BYTES`] in one data tree, more than [`MAX_NODE_DATA_BYTES`] for one
//! item or folder (its node and its hierarchy and contents tables), a block on its own path,
//! nesting past [`MAX_TREE_LEVELS`] or more than [`MAX_BLOCK_REFERENCES`] entries refuse the
//! item or folder with a problem naming the limit; the rest of the file is read. What the
//! check cannot read it leaves to the crate, which meets the same damage and says so.

use std::collections::HashSet;
use std::io::{Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::ltp::table_context::TableContext;
use outlook_pst::messaging::attachment::{Attachment as _, AttachmentData};
use outlook_pst::messaging::folder::Folder as _;
use outlook_pst::messaging::message::{Message as _, MessageProperties};
use outlook_pst::messaging::store::Store as _;
use outlook_pst::ndb::node_id::NodeId;

use super::{
    Attachment, Item, MAX_ATTACHMENTS, MAX_VALUE_BYTES, PID_ATTACH_CONTENT_ID, PID_ATTACH_FILENAME,
    PID_ATTACH_LONG_FILENAME, PID_ATTACH_MIME_TAG, PID_BODY, PID_HTML, PID_MESSAGE_CLASS,
    PID_MESSAGE_ID, PID_SENDER_EMAIL, PID_SENDER_NAME, PID_SENDER_SMTP, PID_SUBJECT,
    PID_TRANSPORT_HEADERS,
};

/// The first four bytes of every PST or OST file (`dwMagic`, [MS-PST] 2.2.2.6).
pub const PST_MAGIC: [u8; 4] = *b"!BDN";
/// Deepest folder nesting walked.
pub const MAX_FOLDER_DEPTH: usize = 64;
/// Most folders walked in one file.
pub const MAX_FOLDERS: usize = 100_000;
/// The stack of the thread [`walk`] reads on.
pub const WALK_STACK_BYTES: usize = 64 << 20;
/// How deep below the walk's start the reader may read; deeper reads fail (a cycle in the
/// file's trees). The rest of [`WALK_STACK_BYTES`] is the margin for the frames between two
/// reads.
pub const MAX_READER_NESTING_BYTES: usize = 8 << 20;

/// Whether `bytes` start like a PST or OST file, whatever the file is called.
pub fn is_pst(bytes: &[u8]) -> bool {
    bytes.starts_with(&PST_MAGIC)
}

/// What the walk met.
#[derive(Debug)]
pub enum Entry {
    /// One item of a folder, in contents-table order.
    Item {
        /// The folder path from the IPM subtree, names joined by `/`.
        folder: String,
        /// Position in the folder's contents table, from 0.
        index: usize,
        /// The item, or why it cannot be read.
        item: Result<Item, String>,
    },
    /// A folder (or the whole file) that cannot be read; nothing below it is reached.
    Folder {
        /// The folder path ("" for the file itself).
        folder: String,
        /// Why.
        why: String,
    },
}

/// Something to read a PST from.
pub trait Source: Read + Seek + 'static {}
impl<T: Read + Seek + 'static> Source for T {}

/// Where the stack is now: the address of a local (compared, never dereferenced).
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::from_ref(&marker)) as usize
}

/// Most reads and seeks one step of the walk (opening the store, listing a folder, reading
/// an item) may make: a loop the compiler turned into iteration would not grow the stack, and
/// would otherwise read forever. A 128 MiB attachment needs some tens of thousands (a seek
/// and a read or two per 8 KiB block).
pub const MAX_READS_PER_STEP: u64 = 2_000_000;

thread_local! {
    /// Reads and seeks made by the current step on this thread ([`guarded`] resets it).
    static READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A [`Source`] whose reads and seeks fail once the stack is more than
/// [`MAX_READER_NESTING_BYTES`] deeper than at `base`, or once the current step has made
/// [`MAX_READS_PER_STEP`] of them (see the module documentation).
struct StackGuard {
    inner: Box<dyn Source>,
    base: usize,
}

impl StackGuard {
    fn check(&self) -> std::io::Result<()> {
        if stack_position().abs_diff(self.base) > MAX_READER_NESTING_BYTES {
            return Err(std::io::Error::other(
                "the file's trees nest without end (a page or block that lists itself)",
            ));
        }
        let reads = READS.with(|r| {
            let n = r.get().saturating_add(1);
            r.set(n);
            n
        });
        if reads > MAX_READS_PER_STEP {
            return Err(std::io::Error::other(format!(
                "more than {MAX_READS_PER_STEP} reads for one folder or item (the file's trees loop)"
            )));
        }
        Ok(())
    }
}

impl Read for StackGuard {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.check()?;
        self.inner.read(buf)
    }
}

impl Seek for StackGuard {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.check()?;
        self.inner.seek(pos)
    }
}

/// Walks the PST that `open` opens (called again after a panic inside the reader), handing
/// each [`Entry`] to `visit` in order; stops early when `visit` returns `false`.
///
/// The reading runs on a thread of its own with a [`WALK_STACK_BYTES`] stack (so that the
/// stack guard holds whatever thread calls this); `visit` is called on that thread.
pub fn walk(
    open: &(dyn Fn() -> std::io::Result<Box<dyn Source>> + Sync),
    visit: &mut (dyn FnMut(Entry) -> bool + Send),
) {
    let ran = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("replymatrix-pst-walk".to_owned())
            .stack_size(WALK_STACK_BYTES)
            .spawn_scoped(scope, || {
                let base = stack_position();
                let guarded_open = || -> std::io::Result<Box<dyn Source>> {
                    Ok(Box::new(StackGuard {
                        inner: open()?,
                        base,
                    }))
                };
                walk_here(&guarded_open, visit);
            })
            .map(|handle| handle.join().is_ok())
    });
    if !matches!(ran, Ok(true)) {
        // No thread (out of resources), or a panic outside the guarded reader calls.
        visit(Entry::Folder {
            folder: String::new(),
            why: "the PST could not be walked (no reader thread, or it stopped)".to_owned(),
        });
    }
}

/// [`walk`] on the calling thread.
fn walk_here(
    open: &dyn Fn() -> std::io::Result<Box<dyn Source>>,
    visit: &mut dyn FnMut(Entry) -> bool,
) {
    let mut store = match Store::open(open) {
        Ok(store) => store,
        Err(why) => {
            visit(Entry::Folder {
                folder: String::new(),
                why,
            });
            return;
        }
    };
    let root = match guarded(|| store.ipm_subtree()) {
        Ok(root) => root,
        Err(why) => {
            visit(Entry::Folder {
                folder: String::new(),
                why: format!("the store's IPM subtree cannot be found: {why}"),
            });
            return;
        }
    };
    let mut seen: HashSet<u32> = HashSet::new();
    // (path, folder node, depth), depth first: children pushed in reverse table order.
    let mut stack: Vec<(String, u32, usize)> = vec![(String::new(), root, 0)];
    while let Some((path, node, depth)) = stack.pop() {
        if !seen.insert(node) {
            continue; // a hierarchy table that points back up
        }
        if seen.len() > MAX_FOLDERS {
            visit(Entry::Folder {
                folder: path,
                why: format!("more than {MAX_FOLDERS} folders; the rest is not read"),
            });
            return;
        }
        let listing = guarded(|| store.folder(node));
        let listing = match listing {
            Ok(listing) => listing,
            Err(why) => {
                if !visit(Entry::Folder { folder: path, why }) {
                    return;
                }
                store.reopen_if_poisoned(open);
                continue;
            }
        };
        let here = if depth == 0 {
            listing.name.clone()
        } else {
            format!("{path}/{}", listing.name)
        };
        if let Some(why) = listing.contents_problem
            && !visit(Entry::Folder {
                folder: here.clone(),
                why,
            })
        {
            return;
        }
        for (index, message) in listing.messages.iter().enumerate() {
            let item = guarded(|| store.item(*message));
            if item.is_err() {
                store.reopen_if_poisoned(open);
            }
            if !visit(Entry::Item {
                folder: here.clone(),
                index,
                item,
            }) {
                return;
            }
        }
        if let Some(why) = listing.hierarchy_problem
            && !visit(Entry::Folder {
                folder: here.clone(),
                why,
            })
        {
            return;
        }
        if depth >= MAX_FOLDER_DEPTH {
            if !listing.subfolders.is_empty()
                && !visit(Entry::Folder {
                    folder: here,
                    why: format!("folders nested deeper than {MAX_FOLDER_DEPTH} are not read"),
                })
            {
                return;
            }
            continue;
        }
        for sub in listing.subfolders.iter().rev() {
            stack.push((here.clone(), *sub, depth.saturating_add(1)));
        }
    }
}

/// Runs `f` as one step of the walk (its reads counted from 0), turning a panic inside the
/// reader into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    READS.with(|r| r.set(0));
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the PST is malformed here (its reader gave up)".to_owned()))
}

/// A folder's name and what its tables list.
struct Listing {
    name: String,
    messages: Vec<u32>,
    subfolders: Vec<u32>,
    contents_problem: Option<String>,
    hierarchy_problem: Option<String>,
}

/// An open store, Unicode (Outlook 2003 and later) or ANSI (Outlook 97–2002).
enum Store {
    Unicode(
        Rc<outlook_pst::messaging::store::UnicodeStore>,
        Rc<outlook_pst::UnicodePstFile>,
    ),
    Ansi(
        Rc<outlook_pst::messaging::store::AnsiStore>,
        Rc<outlook_pst::AnsiPstFile>,
    ),
    /// Opened again after a panic failed: every later read fails with this.
    Broken(String),
}

/// The rows of a table: the node ids they name.
fn row_ids(table: &dyn TableContext) -> Vec<u32> {
    table.rows_matrix().map(|row| u32::from(row.id())).collect()
}

fn text(value: &PropertyValue) -> Option<String> {
    let s = match value {
        PropertyValue::Unicode(v) => String::from_utf16_lossy(v.buffer()),
        PropertyValue::String8(v) => String::from_utf8_lossy(v.buffer()).into_owned(),
        PropertyValue::Binary(v) => String::from_utf8_lossy(v.buffer()).into_owned(),
        _ => return None,
    };
    Some(s.trim_end_matches('\0').to_owned())
}

fn bytes(value: &PropertyValue) -> Option<Vec<u8>> {
    match value {
        PropertyValue::Binary(v) => Some(v.buffer().to_vec()),
        PropertyValue::String8(v) => Some(v.buffer().to_vec()),
        PropertyValue::Unicode(v) => Some(String::from_utf16_lossy(v.buffer()).into_bytes()),
        _ => None,
    }
}

/// The item made of a message's properties (attachments added by the caller).
fn item_of(props: &MessageProperties) -> Item {
    let s = |id: u16| props.get(id).and_then(text);
    Item {
        class: s(PID_MESSAGE_CLASS),
        subject: s(PID_SUBJECT),
        transport_headers: s(PID_TRANSPORT_HEADERS),
        sender_name: s(PID_SENDER_NAME),
        sender_address: s(PID_SENDER_SMTP).or_else(|| s(PID_SENDER_EMAIL)),
        message_id: s(PID_MESSAGE_ID),
        body: s(PID_BODY),
        html: props.get(PID_HTML).and_then(bytes),
        attachments: Vec::new(),
    }
}

/// The attachment made of an attachment's properties and data.
fn attachment_of(
    props: &outlook_pst::messaging::attachment::AttachmentProperties,
    data: Option<&AttachmentData>,
) -> Attachment {
    let s = |id: u16| props.get(id).and_then(text);
    Attachment {
        filename: s(PID_ATTACH_LONG_FILENAME).or_else(|| s(PID_ATTACH_FILENAME)),
        mime_tag: s(PID_ATTACH_MIME_TAG),
        content_id: s(PID_ATTACH_CONTENT_ID),
        data: match data {
            Some(AttachmentData::Binary(b)) => Some(b.buffer().to_vec()),
            // An embedded message or an OLE object: not read (as for a `.msg`).
            _ => None,
        },
    }
}

/// Largest sum, over the data trees of one item's or folder's nodes and all their subnodes
/// (repeats counted), that the crate is let expand; a single data tree (one property value,
/// one heap or table) may expand to at most [`MAX_VALUE_BYTES`].
pub const MAX_NODE_DATA_BYTES: u64 = 256 << 20;
/// Deepest nesting of XBLOCKs, SIBLOCKs and subnode trees the expansion check follows
/// ([MS-PST] allows two XBLOCK levels and one SIBLOCK level; subnode trees nest once per
/// attachment or embedded message).
pub const MAX_TREE_LEVELS: usize = 8;
/// Most block references (XBLOCK, SIBLOCK and SLBLOCK entries) the expansion check examines
/// for one item or folder: a 128 MiB value lists some 16,000 blocks.
pub const MAX_BLOCK_REFERENCES: u64 = 1_000_000;

/// What the expansion check asks of the file (answered by `check_expansion!` for the crate's Unicode
/// or ANSI types); block keys are BIDs without their reserved bit ([MS-PST] 2.2.2.2).
#[derive(Debug, Clone, Copy)]
enum Query {
    /// The NBT entry of a node.
    Node(u32),
    /// The block at the root of (part of) a data tree.
    Data(u64),
    /// A block of a subnode tree.
    Sub(u64),
}

/// The file's answer; `None` when it cannot be read (the crate then meets the same damage
/// when it reads, and says so).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// A node's data tree and subnode tree (NBTENTRY bidData, bidSub, 2.2.2.7.7.4).
    Node { data: u64, sub: Option<u64> },
    /// A data block of `cb` bytes (its BBT entry's cb, 2.2.2.7.7.3; the block is not read).
    Leaf(u64),
    /// An XBLOCK or XXBLOCK (2.2.2.8.3.2): the blocks it lists, in order, repeats kept.
    Inner(Vec<u64>),
    /// An SIBLOCK (2.2.2.8.3.3.2): the SLBLOCKs it lists.
    SubInner(Vec<u64>),
    /// An SLBLOCK (2.2.2.8.3.3.1): each SLENTRY's bidData and bidSub.
    SubLeaf(Vec<(u64, Option<u64>)>),
}

/// How many bytes the crate would hold when it expands the data trees of some nodes, without
/// expanding them: leaves are sized from the BBT, each XBLOCK or subnode block is read once
/// (sizes memoised by block, so a block listed many times costs one read), and the sums
/// count every repeat, as the crate's expansion does.
struct Expansion<'a> {
    ask: &'a mut dyn FnMut(Query) -> Option<Answer>,
    data: std::collections::HashMap<u64, u64>,
    subs: std::collections::HashMap<u64, u64>,
    /// The blocks being followed (a block met again on its own path lists itself).
    path: Vec<u64>,
    references: u64,
}

impl Expansion<'_> {
    fn new(ask: &mut dyn FnMut(Query) -> Option<Answer>) -> Expansion<'_> {
        Expansion {
            ask,
            data: std::collections::HashMap::new(),
            subs: std::collections::HashMap::new(),
            path: Vec::new(),
            references: 0,
        }
    }

    /// Enters `key` at nesting `level`: refuses a block on its own path and nesting past
    /// [`MAX_TREE_LEVELS`].
    fn enter(&mut self, key: u64, level: usize) -> Result<(), String> {
        if self.path.contains(&key) {
            return Err(format!(
                "the file's trees nest without end (block {key:#x} lists itself)"
            ));
        }
        if level > MAX_TREE_LEVELS {
            return Err(format!(
                "its data or subnode trees nest more than {MAX_TREE_LEVELS} levels deep"
            ));
        }
        self.path.push(key);
        Ok(())
    }

    fn count_references(&mut self, n: usize) -> Result<(), String> {
        self.references = self
            .references
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if self.references > MAX_BLOCK_REFERENCES {
            return Err(format!(
                "its data and subnode trees list more than {MAX_BLOCK_REFERENCES} blocks"
            ));
        }
        Ok(())
    }

    /// The bytes the data tree rooted at `key` expands to (0 if unreadable), refusing more
    /// than [`MAX_VALUE_BYTES`].
    fn data_tree(&mut self, key: u64, level: usize) -> Result<u64, String> {
        if key == 0 {
            return Ok(0); // no data ([MS-PST] 2.2.2.7.7.4: bidData 0)
        }
        if let Some(bytes) = self.data.get(&key) {
            return Ok(*bytes);
        }
        self.enter(key, level)?;
        let bytes = match (self.ask)(Query::Data(key)) {
            Some(Answer::Leaf(cb)) => cb,
            Some(Answer::Inner(children)) => {
                self.count_references(children.len())?;
                let mut sum: u64 = 0;
                for child in children {
                    sum = sum.saturating_add(self.data_tree(child, level.saturating_add(1))?);
                    if sum > MAX_VALUE_BYTES as u64 {
                        return Err(format!(
                            "its data tree at block {key:#x} lists blocks over and over \
                             and would expand to more than the {MAX_VALUE_BYTES} bytes one \
                             value may have (counting repeats)"
                        ));
                    }
                }
                sum
            }
            _ => 0,
        };
        self.path.pop();
        self.data.insert(key, bytes);
        Ok(bytes)
    }

    /// The bytes of every data tree the subnode tree rooted at `key` lists, nested subnode
    /// trees included (0 if unreadable), refusing more than [`MAX_NODE_DATA_BYTES`].
    fn sub_tree(&mut self, key: u64, level: usize) -> Result<u64, String> {
        if key == 0 {
            return Ok(0);
        }
        if let Some(bytes) = self.subs.get(&key) {
            return Ok(*bytes);
        }
        self.enter(key, level)?;
        let deeper = level.saturating_add(1);
        let mut sum: u64 = 0;
        match (self.ask)(Query::Sub(key)) {
            Some(Answer::SubInner(children)) => {
                self.count_references(children.len())?;
                for child in children {
                    sum = sum.saturating_add(self.sub_tree(child, deeper)?);
                    over_node_budget(sum)?;
                }
            }
            Some(Answer::SubLeaf(entries)) => {
                self.count_references(entries.len())?;
                for (data, sub) in entries {
                    sum = sum.saturating_add(self.data_tree(data, 0)?);
                    if let Some(sub) = sub {
                        sum = sum.saturating_add(self.sub_tree(sub, deeper)?);
                    }
                    over_node_budget(sum)?;
                }
            }
            _ => {}
        }
        self.path.pop();
        self.subs.insert(key, sum);
        Ok(sum)
    }

    /// Refuses the nodes (one item, or one folder and its tables) whose data trees and
    /// subnode trees together would expand past the limits; returns the bytes otherwise.
    fn nodes(&mut self, nodes: &[u32]) -> Result<u64, String> {
        let mut sum: u64 = 0;
        for node in nodes {
            let Some(Answer::Node { data, sub }) = (self.ask)(Query::Node(*node)) else {
                continue; // not in the NBT: the crate says so
            };
            sum = sum.saturating_add(self.data_tree(data, 0)?);
            if let Some(sub) = sub {
                sum = sum.saturating_add(self.sub_tree(sub, 0)?);
            }
            over_node_budget(sum)?;
        }
        Ok(sum)
    }
}

fn over_node_budget(sum: u64) -> Result<(), String> {
    if sum > MAX_NODE_DATA_BYTES {
        return Err(format!(
            "its data trees would expand to more than the {MAX_NODE_DATA_BYTES} bytes one \
             item or folder may (counting blocks listed more than once)"
        ));
    }
    Ok(())
}

/// The answers to the expansion check's [`Query`]s from a `PstFile` of the crate, its
/// Unicode or ANSI types named: a closure over the locked file and the crate's page caches.
macro_rules! check_expansion {
    ($pst:expr, $nodes:expr, $NodeBTree:ty, $BlockBTree:ty, $DataTree:ty, $SubNodeTree:ty) => {{
        use outlook_pst::PstFile as _;
        use outlook_pst::ndb::block::{IntermediateDataTreeEntry as _, IntermediateTreeBlock as _};
        use outlook_pst::ndb::block_id::BlockId as _;
        use outlook_pst::ndb::block_ref::BlockRef as _;
        use outlook_pst::ndb::header::Header as _;
        use outlook_pst::ndb::page::{BlockBTreeEntry as _, NodeBTreeEntry as _};
        use outlook_pst::ndb::root::Root as _;
        let pst = $pst;
        let header = pst.header();
        let root = header.root();
        let encoding = header.crypt_method();
        match pst.reader().lock() {
            Err(_) => Ok(0), // poisoned: the crate's read fails and says so
            Ok(mut file) => {
                let file = &mut *file;
                let node_btree = <$NodeBTree>::read(file, *root.node_btree()).ok();
                let block_btree = <$BlockBTree>::read(file, *root.block_btree()).ok();
                match (node_btree, block_btree) {
                    (Some(node_btree), Some(block_btree)) => {
                        // Page caches of this check only (the crate's own are not public).
                        let mut node_cache = Default::default();
                        let mut block_cache = Default::default();
                        let mut ask = |query: Query| -> Option<Answer> {
                            match query {
                                Query::Node(nid) => {
                                    let node = node_btree
                                        .find_entry(file, nid.into(), &mut node_cache)
                                        .ok()?;
                                    Some(Answer::Node {
                                        data: node.data().search_key().into(),
                                        sub: node.sub_node().map(|b| b.search_key().into()),
                                    })
                                }
                                Query::Data(key) => {
                                    let entry = block_btree
                                        .find_entry(file, key.try_into().ok()?, &mut block_cache)
                                        .ok()?;
                                    if !entry.block().block().is_internal() {
                                        return Some(Answer::Leaf(u64::from(entry.size())));
                                    }
                                    match <$DataTree>::read(&mut *file, encoding, &entry).ok()? {
                                        outlook_pst::ndb::block::DataTree::Intermediate(block) => {
                                            Some(Answer::Inner(
                                                block
                                                    .entries()
                                                    .iter()
                                                    .map(|e| e.block().search_key().into())
                                                    .collect(),
                                            ))
                                        }
                                        outlook_pst::ndb::block::DataTree::Leaf(_) => {
                                            Some(Answer::Leaf(u64::from(entry.size())))
                                        }
                                    }
                                }
                                Query::Sub(key) => {
                                    let entry = block_btree
                                        .find_entry(file, key.try_into().ok()?, &mut block_cache)
                                        .ok()?;
                                    match <$SubNodeTree>::read(&mut *file, &entry).ok()? {
                                        outlook_pst::ndb::block::SubNodeTree::Intermediate(
                                            block,
                                        ) => Some(Answer::SubInner(
                                            block
                                                .entries()
                                                .iter()
                                                .map(|e| e.block().search_key().into())
                                                .collect(),
                                        )),
                                        outlook_pst::ndb::block::SubNodeTree::Leaf(block) => {
                                            Some(Answer::SubLeaf(
                                                block
                                                    .entries()
                                                    .iter()
                                                    .map(|e| {
                                                        (
                                                            e.block().search_key().into(),
                                                            e.sub_node()
                                                                .map(|b| b.search_key().into()),
                                                        )
                                                    })
                                                    .collect(),
                                            ))
                                        }
                                    }
                                }
                            }
                        };
                        Expansion::new(&mut ask).nodes($nodes)
                    }
                    _ => Ok(0), // the crate's own read fails and says so
                }
            }
        }
    }};
}

/// A folder's listing, with the crate's Unicode or ANSI folder type.
macro_rules! listing {
    ($store:expr, $Folder:ty, $node:expr) => {{
        let store = $store;
        let entry = store
            .properties()
            .make_entry_id(NodeId::from($node))
            .map_err(|e| format!("the folder cannot be named: {e}"))?;
        let folder = <$Folder>::read(Rc::clone(store), &entry)
            .map_err(|e| format!("the folder cannot be read: {e}"))?;
        let name = folder
            .properties()
            .get(0x3001)
            .and_then(text)
            .unwrap_or_else(|| format!("(folder {:#x})", $node));
        let (messages, contents_problem) = match folder.contents_table() {
            Some(table) => (row_ids(table.as_ref()), None),
            None => (
                Vec::new(),
                Some(
                    "the folder's contents table cannot be read; its items are not reached"
                        .to_owned(),
                ),
            ),
        };
        let (subfolders, hierarchy_problem) = match folder.hierarchy_table() {
            Some(table) => (row_ids(table.as_ref()), None),
            None => (
                Vec::new(),
                Some(
                    "the folder's hierarchy table cannot be read; its subfolders are not reached"
                        .to_owned(),
                ),
            ),
        };
        Ok(Listing {
            name,
            messages,
            subfolders,
            contents_problem,
            hierarchy_problem,
        })
    }};
}

/// An item with its attachments, with the crate's Unicode or ANSI message types.
macro_rules! item {
    ($store:expr, $Message:ty, $Attachment:ty, $node:expr) => {{
        let store = $store;
        let entry = store
            .properties()
            .make_entry_id(NodeId::from($node))
            .map_err(|e| format!("the item cannot be named: {e}"))?;
        let message = <$Message>::read(Rc::clone(store), &entry, None)
            .map_err(|e| format!("the item cannot be read: {e}"))?;
        let mut item = item_of(message.properties());
        if let Some(table) = message.attachment_table() {
            for node in row_ids(table.as_ref()).into_iter().take(MAX_ATTACHMENTS) {
                let a = <$Attachment>::read(Rc::clone(&message), NodeId::from(node), None)
                    .map_err(|e| format!("its attachment {node:#x} cannot be read: {e}"))?;
                item.attachments
                    .push(attachment_of(a.properties(), a.data()));
            }
        }
        Ok(item)
    }};
}

/// [`Store::check_expansion`] in a Unicode file.
fn check_unicode(pst: &outlook_pst::UnicodePstFile, nodes: &[u32]) -> Result<u64, String> {
    use outlook_pst::ndb::block::{UnicodeDataTree, UnicodeSubNodeTree};
    use outlook_pst::ndb::page::{UnicodeBlockBTree, UnicodeNodeBTree};
    check_expansion!(
        pst,
        nodes,
        UnicodeNodeBTree,
        UnicodeBlockBTree,
        UnicodeDataTree,
        UnicodeSubNodeTree
    )
}

/// [`Store::check_expansion`] in an ANSI file.
fn check_ansi(pst: &outlook_pst::AnsiPstFile, nodes: &[u32]) -> Result<u64, String> {
    use outlook_pst::ndb::block::{AnsiDataTree, AnsiSubNodeTree};
    use outlook_pst::ndb::page::{AnsiBlockBTree, AnsiNodeBTree};
    check_expansion!(
        pst,
        nodes,
        AnsiNodeBTree,
        AnsiBlockBTree,
        AnsiDataTree,
        AnsiSubNodeTree
    )
}

/// The nodes the crate reads when it opens the store: the message store and the name-to-ID
/// map (NID_MESSAGE_STORE 0x21, NID_NAME_TO_ID_MAP 0x61, [MS-PST] 2.4.1).
const STORE_NODES: [u32; 2] = [0x21, 0x61];

impl Store {
    fn open(open: &dyn Fn() -> std::io::Result<Box<dyn Source>>) -> Result<Self, String> {
        use outlook_pst::messaging::store::{AnsiStore, UnicodeStore};
        guarded(|| {
            let file = open().map_err(|e| format!("the file cannot be read: {e}"))?;
            let unicode_error = match outlook_pst::UnicodePstFile::read_from(Box::new(file)) {
                Ok(pst) => {
                    check_unicode(&pst, &STORE_NODES)
                        .map_err(|why| format!("not a readable PST: its message store: {why}"))?;
                    let pst = Rc::new(pst);
                    return UnicodeStore::read(Rc::clone(&pst))
                        .map(|s| Store::Unicode(s, pst))
                        .map_err(|e| format!("not a readable PST: its message store: {e}"));
                }
                Err(e) => e,
            };
            let file = open().map_err(|e| format!("the file cannot be read: {e}"))?;
            let pst = outlook_pst::AnsiPstFile::read_from(Box::new(file)).map_err(|e| {
                format!("not a readable PST: its header: {unicode_error} (as ANSI: {e})")
            })?;
            check_ansi(&pst, &STORE_NODES)
                .map_err(|why| format!("not a readable PST: its message store: {why}"))?;
            let pst = Rc::new(pst);
            AnsiStore::read(Rc::clone(&pst))
                .map(|s| Store::Ansi(s, pst))
                .map_err(|e| format!("not a readable PST: its message store: {e}"))
        })
    }

    /// After a caught panic the crate's file mutex may be poisoned: open the file again.
    fn reopen_if_poisoned(&mut self, open: &dyn Fn() -> std::io::Result<Box<dyn Source>>) {
        let poisoned = match self {
            Store::Unicode(_, f) => outlook_pst::PstFile::reader(f.as_ref()).is_poisoned(),
            Store::Ansi(_, f) => outlook_pst::PstFile::reader(f.as_ref()).is_poisoned(),
            Store::Broken(_) => false,
        };
        if poisoned {
            *self = Store::open(open).unwrap_or_else(Store::Broken);
        }
    }

    /// Refuses `nodes` when their data trees would expand past the limits (see
    /// [`MAX_NODE_DATA_BYTES`]); the bytes they expand to otherwise.
    fn check_expansion(&self, nodes: &[u32]) -> Result<u64, String> {
        match self {
            Store::Unicode(_, pst) => check_unicode(pst, nodes),
            Store::Ansi(_, pst) => check_ansi(pst, nodes),
            Store::Broken(_) => Ok(0),
        }
    }

    fn ipm_subtree(&self) -> Result<u32, String> {
        let id = match self {
            Store::Unicode(s, _) => s.properties().ipm_sub_tree_entry_id(),
            Store::Ansi(s, _) => s.properties().ipm_sub_tree_entry_id(),
            Store::Broken(why) => return Err(why.clone()),
        };
        id.map(|id| u32::from(id.node_id()))
            .map_err(|e| e.to_string())
    }

    fn folder(&self, node: u32) -> Result<Listing, String> {
        use outlook_pst::messaging::folder::{AnsiFolder, UnicodeFolder};
        // The folder's node and its hierarchy and contents tables (NID_TYPE 0x0D and 0x0E,
        // [MS-PST] 2.2.2.1), which the listing reads.
        let nodes = [node, (node & !0x1F) | 0x0D, (node & !0x1F) | 0x0E];
        self.check_expansion(&nodes)
            .map_err(|why| format!("the folder is not read: {why}"))?;
        match self {
            Store::Unicode(s, _) => listing!(s, UnicodeFolder, node),
            Store::Ansi(s, _) => listing!(s, AnsiFolder, node),
            Store::Broken(why) => Err(why.clone()),
        }
    }

    fn item(&self, node: u32) -> Result<Item, String> {
        use outlook_pst::messaging::attachment::{AnsiAttachment, UnicodeAttachment};
        use outlook_pst::messaging::message::{AnsiMessage, UnicodeMessage};
        self.check_expansion(&[node])
            .map_err(|why| format!("the item is not read: {why}"))?;
        match self {
            Store::Unicode(s, _) => item!(s, UnicodeMessage, UnicodeAttachment, node),
            Store::Ansi(s, _) => item!(s, AnsiMessage, AnsiAttachment, node),
            Store::Broken(why) => Err(why.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn guard(base: usize) -> StackGuard {
        StackGuard {
            inner: Box::new(Cursor::new(vec![0u8; 16])),
            base,
        }
    }

    /// Recurses, reading at every level, until a read fails; returns the depth reached.
    fn recurse(g: &mut StackGuard, depth: usize) -> usize {
        let mut frame = [0u8; 4096];
        std::hint::black_box(&mut frame);
        let mut one = [0u8; 1];
        if g.read(&mut one).is_err() {
            return depth;
        }
        g.inner = Box::new(Cursor::new(vec![0u8; 16]));
        let reached = recurse(g, depth + 1);
        std::hint::black_box(&frame);
        reached
    }

    #[test]
    fn the_guard_stops_a_recursion_before_the_stack_ends() {
        let depth = std::thread::Builder::new()
            .stack_size(WALK_STACK_BYTES)
            .spawn(|| {
                let mut g = guard(stack_position());
                guarded(|| Ok(recurse(&mut g, 0))).expect("no panic")
            })
            .expect("thread")
            .join()
            .expect("no abort, no panic");
        // 4 KiB frames: the guard stops near 8 MiB, far inside the 64 MiB stack.
        assert!(depth > 1_000, "{depth}");
        assert!(depth < MAX_READER_NESTING_BYTES / 4096 + 64, "{depth}");
    }

    #[test]
    fn the_guard_stops_endless_reading_in_one_step_only() {
        let mut g = guard(stack_position());
        let mut one = [0u8; 1];
        let failed_at = guarded(|| {
            for n in 0..=MAX_READS_PER_STEP {
                if g.seek(std::io::SeekFrom::Start(0)).is_err() {
                    return Ok(n);
                }
            }
            Err("never stopped".to_owned())
        });
        assert_eq!(failed_at, Ok(MAX_READS_PER_STEP));
        // The next step starts from 0 again.
        assert!(guarded(|| g.read(&mut one).map_err(|e| e.to_string())).is_ok());
    }

    /// A file made of `blocks` (key -> answer) and one node 0x24 (data 0x100, sub 0x200),
    /// answering the expansion check and counting its questions.
    fn check(blocks: &[(u64, Answer)]) -> (Result<u64, String>, usize) {
        let mut asked = 0;
        let mut ask = |q: Query| -> Option<Answer> {
            asked += 1;
            match q {
                Query::Node(0x24) => Some(Answer::Node {
                    data: 0x100,
                    sub: Some(0x200),
                }),
                Query::Node(_) => None,
                Query::Data(key) | Query::Sub(key) => blocks
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, a)| a.clone()),
            }
        };
        let result = Expansion::new(&mut ask).nodes(&[0x24]);
        (result, asked)
    }

    const CB: u64 = 8176;

    #[test]
    fn the_format_s_largest_dag_is_refused_after_three_blocks() {
        // An XXBLOCK listing one XBLOCK 1,021 times, which lists one 8 KB block 1,021 times:
        // 8.5 GB if expanded, refused having asked about three blocks.
        let (result, asked) = check(&[
            (0x100, Answer::Inner(vec![0x102; 1021])),
            (0x102, Answer::Inner(vec![0x104; 1021])),
            (0x104, Answer::Leaf(CB)),
        ]);
        let why = result.expect_err("refused");
        assert!(why.contains(&MAX_VALUE_BYTES.to_string()), "{why}");
        assert!(why.contains("0x100"), "{why}");
        assert!(asked <= 4, "{asked}");
    }

    #[test]
    fn repeats_are_counted_and_the_value_limit_is_exact() {
        // 16 x 256 blocks of 8,176 bytes: read, and counted as the crate expands them.
        let (result, _) = check(&[
            (0x100, Answer::Inner(vec![0x102; 16])),
            (0x102, Answer::Inner(vec![0x104; 256])),
            (0x104, Answer::Leaf(CB)),
        ]);
        assert_eq!(result, Ok(16 * 256 * CB));
        // Exactly the limit is read; one byte more is not.
        let leaf = MAX_VALUE_BYTES as u64 / 1024;
        let at_limit = [
            (0x100, Answer::Inner(vec![0x104; 1024])),
            (0x104, Answer::Leaf(leaf)),
        ];
        assert_eq!(check(&at_limit).0, Ok(MAX_VALUE_BYTES as u64));
        let mut over = vec![0x104; 1024];
        over.push(0x106);
        let over = [
            (0x100, Answer::Inner(over)),
            (0x104, Answer::Leaf(leaf)),
            (0x106, Answer::Leaf(1)),
        ];
        assert!(check(&over).0.is_err());
    }

    #[test]
    fn a_block_that_lists_itself_and_trees_too_deep_are_refused() {
        let (result, _) = check(&[(0x100, Answer::Inner(vec![0x104, 0x100]))]);
        assert!(result.expect_err("refused").contains("nest without end"));
        // A chain of distinct XBLOCKs deeper than the bound.
        let chain: Vec<(u64, Answer)> = (0..20u64)
            .map(|i| (0x100 + 2 * i, Answer::Inner(vec![0x102 + 2 * i])))
            .collect();
        let why = check(&chain).0.expect_err("refused");
        assert!(
            why.contains(&format!("more than {MAX_TREE_LEVELS} levels")),
            "{why}"
        );
        // A subnode tree whose SLENTRY's own subnode tree is the tree itself.
        let (result, _) = check(&[
            (0x100, Answer::Leaf(CB)),
            (0x200, Answer::SubLeaf(vec![(0x104, Some(0x200))])),
            (0x104, Answer::Leaf(CB)),
        ]);
        assert!(result.expect_err("refused").contains("nest without end"));
    }

    #[test]
    fn the_item_budget_sums_every_value_of_every_subnode() {
        // Values of 96 MiB each (under the value limit): two in an SLBLOCK are read,
        // the same SLBLOCK listed twice by an SIBLOCK (four values, 384 MiB) is not.
        let big = 96 << 20;
        let blocks = |sub: Answer| {
            vec![
                (0x100, Answer::Leaf(CB)),
                (0x200, sub),
                (0x202, Answer::SubLeaf(vec![(0x104, None), (0x106, None)])),
                (0x104, Answer::Leaf(big)),
                (0x106, Answer::Leaf(big)),
            ]
        };
        let two = check(&blocks(Answer::SubInner(vec![0x202]))).0;
        assert_eq!(two, Ok(CB + 2 * big));
        let why = check(&blocks(Answer::SubInner(vec![0x202, 0x202])))
            .0
            .expect_err("refused");
        assert!(why.contains(&MAX_NODE_DATA_BYTES.to_string()), "{why}");
        // Unreadable blocks count nothing (the crate reports them when it reads).
        assert_eq!(check(&[]).0, Ok(0));
    }
}
