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
//! Two guards make the crate safe on a hostile file: `guard.rs` (a cycle in the file's trees
//! is a problem, not a stack overflow) and `expansion.rs` (a tree that lists one block many
//! times is refused before the crate expands it).

mod expansion;
mod guard;

pub use expansion::{MAX_BLOCK_REFERENCES, MAX_NODE_DATA_BYTES, MAX_TREE_LEVELS};
pub use guard::{MAX_READER_NESTING_BYTES, MAX_READS_PER_STEP, WALK_STACK_BYTES};

use expansion::{check_ansi, check_unicode};
use guard::{StackGuard, guarded, stack_position};

use std::collections::HashSet;
use std::io::{Read, Seek};
use std::rc::Rc;

use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::ltp::table_context::TableContext;
use outlook_pst::messaging::attachment::{Attachment as _, AttachmentData};
use outlook_pst::messaging::folder::Folder as _;
use outlook_pst::messaging::message::{Message as _, MessageProperties};
use outlook_pst::messaging::store::Store as _;
use outlook_pst::ndb::node_id::NodeId;

use super::{
    Attachment, Item, MAX_ATTACHMENTS, PID_ATTACH_CONTENT_ID, PID_ATTACH_FILENAME,
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
