//! A minimal, deterministic writer of **Unicode** PST files ([MS-PST]): a store with a root
//! folder, an IPM subtree ("Top of Outlook data file") and folders of messages with their
//! recipients and attachments, enough for Outlook-compatible readers (`readpst`, Microsoft's
//! `outlook-pst`) to read every item back.
//!
//! The layers, bottom up, with the [MS-PST] sections they follow:
//! - NDB (2.2): the HEADER with `dwCRCPartial`/`dwCRCFull` and its ROOT (2.2.2.6, 2.2.2.5),
//!   AMap and PMap pages (2.2.2.7.2, 2.2.2.7.3), the node and block B-trees (NBT, BBT) as
//!   BTPAGEs with leaf and, when they do not fit one page, intermediate entries (2.2.2.7.7),
//!   data blocks with their BLOCKTRAILER (2.2.2.8), XBLOCKs for data over one block
//!   (2.2.2.8.3.2.1) and SLBLOCKs for subnodes (2.2.2.8.3.3.1). The CRC is the one of 5.3 and
//!   the signature `ComputeSig` of 5.5. No FMap, FPMap or DList page (FMAPPAGE, FPMAPPAGE,
//!   DLISTPAGE): FMaps only exist past 128 AMaps and FPMaps past 8,192, and the density list
//!   only guides where a writer allocates next; readers do not need it.
//! - LTP (2.3): the Heap-on-Node (2.3.1) in one block per node, the BTH (2.3.2), the Property
//!   Context (2.3.3) and the Table Context (2.3.4); values over 3,580 bytes, or that do not fit
//!   the node's one heap block, go to subnodes (2.3.3.3).
//! - Messaging (2.4): the message store (2.4.3), the name-to-id map with no named property
//!   (2.4.7), folders with their hierarchy, contents and associated contents tables (2.4.4),
//!   messages with their recipient and attachment tables and attachment objects (2.4.5, 2.4.6).
//!
//! What it leaves out on purpose: property encryption (`bCryptMethod` is `NDB_CRYPT_NONE`),
//! search folders and the search management nodes (2.4.8), the folder templates (readers do
//! not need them), named properties, multi-block heaps (a node's properties and table rows
//! fit one 8,176-byte heap block or their values move to subnodes; a table whose rows and
//! heap do not fit is refused), XXBLOCKs (a value over about 8 MB is refused) and ANSI files.
//! Timestamps are the caller's (fixed) values and every id (NID, BID, page position) is
//! derived from the order of the input, so the same input always gives the same bytes.

use std::collections::BTreeMap;

/// A property value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `PtypInteger32`.
    Long(u32),
    /// `PtypBoolean`.
    Boolean(bool),
    /// `PtypString` (UTF-16LE, no terminator).
    Unicode(String),
    /// `PtypBinary`.
    Binary(Vec<u8>),
    /// `PtypTime`: 100-nanosecond intervals since 1601-01-01.
    Time(u64),
}

impl Value {
    fn kind(&self) -> u16 {
        match self {
            Self::Long(_) => 0x0003,
            Self::Boolean(_) => 0x000B,
            Self::Unicode(_) => 0x001F,
            Self::Binary(_) => 0x0102,
            Self::Time(_) => 0x0040,
        }
    }

    /// The bytes of a value kept in the heap or a subnode (2.3.3.3), or `None` for one kept
    /// inline in `dwValueHnid` (or a table cell).
    fn variable(&self) -> Option<Vec<u8>> {
        match self {
            Self::Long(_) | Self::Boolean(_) => None,
            Self::Unicode(s) => Some(s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
            Self::Binary(b) => Some(b.clone()),
            Self::Time(t) => Some(t.to_le_bytes().to_vec()),
        }
    }

    /// Whether writing this value would write nothing (an empty string or binary): such a
    /// value is left out.
    fn is_empty(&self) -> bool {
        matches!(self, Self::Unicode(s) if s.is_empty())
            || matches!(self, Self::Binary(b) if b.is_empty())
    }
}

/// Properties by property id (`PidTag…` without the type).
pub type Props = Vec<(u16, Value)>;

/// A message: its properties, recipients (one property list each) and attachments.
#[derive(Clone, Debug, Default)]
pub struct Message {
    /// The message's Property Context.
    pub props: Props,
    /// Each recipient's row of the recipient table.
    pub recipients: Vec<Props>,
    /// Each attachment's Property Context.
    pub attachments: Vec<Props>,
}

/// A folder below the IPM subtree.
#[derive(Clone, Debug, Default)]
pub struct Folder {
    /// `PidTagDisplayName`.
    pub name: String,
    /// Its messages, in contents-table order.
    pub messages: Vec<Message>,
    /// Its subfolders, in hierarchy-table order.
    pub subfolders: Vec<Folder>,
}

/// A whole store.
#[derive(Clone, Debug)]
pub struct Store {
    /// The store's `PidTagDisplayName`.
    pub display_name: String,
    /// `PidTagRecordKey`: the store's 16-byte provider UID, in every EntryID (2.4.3.2).
    pub record_key: [u8; 16],
    /// The IPM subtree folder's name ("Top of Outlook data file").
    pub top_name: String,
    /// The folders below the IPM subtree.
    pub folders: Vec<Folder>,
    /// `PidTagMessageDeliveryTime` and the other times of every object.
    pub time: u64,
}

/// Why a store cannot be written.
pub type Result<T> = std::result::Result<T, String>;

// ---------------------------------------------------------------------------------------------
// Sizes and constants ([MS-PST] 2.2.2.7, 2.2.2.8, 2.3.1).

const PAGE: usize = 512;
/// Bytes of page data before the PAGETRAILER.
const PAGE_DATA: usize = 496;
/// The most data a block holds (8,192 less the 16-byte BLOCKTRAILER).
const BLOCK_DATA: usize = 8176;
/// The largest heap allocation (2.3.1.1).
const MAX_HEAP_ALLOC: usize = 3580;
/// Where the first AMap page is, and how many bytes each AMap page covers (2.2.2.7.2).
const AMAP_FIRST: u64 = 0x4400;
const AMAP_COVERS: u64 = 496 * 8 * 64;
/// Entries per NBT leaf page (32 bytes each), BBT leaf page and intermediate page (24 each).
const NBT_LEAF_MAX: usize = 488 / 32;
const BT_24_MAX: usize = 488 / 24;

const PTYPE_BBT: u8 = 0x80;
const PTYPE_NBT: u8 = 0x81;
const PTYPE_PMAP: u8 = 0x83;
const PTYPE_AMAP: u8 = 0x84;

/// Node types (2.2.2.1).
const NID_TYPE_NORMAL_FOLDER: u32 = 0x02;
const NID_TYPE_NORMAL_MESSAGE: u32 = 0x04;
const NID_TYPE_ATTACHMENT: u32 = 0x05;
const NID_TYPE_HIERARCHY_TABLE: u32 = 0x0D;
const NID_TYPE_CONTENTS_TABLE: u32 = 0x0E;
const NID_TYPE_ASSOC_CONTENTS_TABLE: u32 = 0x0F;
const NID_TYPE_LTP: u32 = 0x1F;
/// Special NIDs (2.4.1).
const NID_MESSAGE_STORE: u32 = 0x21;
const NID_NAME_TO_ID_MAP: u32 = 0x61;
const NID_ROOT_FOLDER: u32 = 0x122;
const NID_ATTACHMENT_TABLE: u32 = 0x671;
const NID_RECIPIENT_TABLE: u32 = 0x692;
/// The first index given to folders, messages and attachments (below are reserved NIDs).
const FIRST_INDEX: u32 = 0x400;

fn nid(index: u32, kind: u32) -> u32 {
    (index << 5) | kind
}

/// The CRC of [MS-PST] 5.3: CRC-32 (reflected 0xEDB88320) started at 0, not inverted.
pub fn crc(data: &[u8]) -> u32 {
    crc_from(0, data)
}

fn crc_from(init: u32, data: &[u8]) -> u32 {
    let mut crc = init;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// `ComputeSig` of [MS-PST] 5.5, over the low 32 bits of `ib` and `bid`.
pub fn signature(ib: u64, bid: u64) -> u16 {
    let v = (ib ^ bid) as u32;
    ((v >> 16) as u16) ^ (v as u16)
}

fn u16_of(n: usize, what: &str) -> Result<u16> {
    u16::try_from(n).map_err(|_| format!("{what} ({n}) does not fit 16 bits"))
}

fn u32_of(n: usize, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| format!("{what} ({n}) does not fit 32 bits"))
}

// ---------------------------------------------------------------------------------------------
// LTP: heaps, BTHs, PCs and TCs.

/// What a node holds: its data (a heap) and its subnodes.
#[derive(Debug, Default)]
struct Content {
    data: Vec<u8>,
    subs: Vec<(u32, Content)>,
}

/// A Heap-on-Node in one block (2.3.1): HNHDR, the allocations, HNPAGEMAP.
struct Heap {
    client_sig: u8,
    allocs: Vec<Vec<u8>>,
}

impl Heap {
    fn new(client_sig: u8) -> Self {
        Self {
            client_sig,
            allocs: Vec::new(),
        }
    }

    /// The bytes the heap takes now, with `more` allocations of `bytes` added.
    fn size_with(&self, more: usize, bytes: usize) -> usize {
        let data: usize = self.allocs.iter().map(Vec::len).sum::<usize>() + bytes;
        // HNHDR, data, alignment, cAlloc + cFree, rgibAlloc[cAlloc + 1].
        12 + data + 1 + 4 + 2 * (self.allocs.len() + more + 1)
    }

    /// Adds an allocation; its HID (2.3.1.1: hidIndex from 1, block 0).
    fn alloc(&mut self, bytes: Vec<u8>) -> Result<u32> {
        if bytes.len() > MAX_HEAP_ALLOC {
            return Err(format!("a heap allocation of {} bytes", bytes.len()));
        }
        self.allocs.push(bytes);
        let index = u32_of(self.allocs.len(), "heap allocations")?;
        if index >= 0x800 {
            return Err("more than 2,047 heap allocations".to_owned());
        }
        Ok(index << 5)
    }

    fn finish(self, user_root: u32) -> Result<Vec<u8>> {
        let mut out = vec![0u8; 12];
        let mut offsets = Vec::with_capacity(self.allocs.len() + 1);
        for a in &self.allocs {
            offsets.push(out.len());
            out.extend_from_slice(a);
        }
        offsets.push(out.len());
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ib_hnpm = u16_of(out.len(), "the heap's page map offset")?;
        out[0..2].copy_from_slice(&ib_hnpm.to_le_bytes());
        out[2] = 0xEC;
        out[3] = self.client_sig;
        out[4..8].copy_from_slice(&user_root.to_le_bytes());
        // rgbFillLevel (8..12) stays 0: the writer never adds to a heap later.
        out.extend_from_slice(&u16_of(self.allocs.len(), "heap allocations")?.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        for o in offsets {
            out.extend_from_slice(&u16_of(o, "a heap offset")?.to_le_bytes());
        }
        if out.len() > BLOCK_DATA {
            return Err(format!(
                "a heap of {} bytes does not fit one block",
                out.len()
            ));
        }
        Ok(out)
    }
}

/// A BTH header (2.3.2.1) over `records` (already sorted by key), as a heap allocation.
fn bth(heap: &mut Heap, key: u8, entry: u8, records: Vec<u8>) -> Result<u32> {
    let root = if records.is_empty() {
        0
    } else {
        heap.alloc(records)?
    };
    let mut header = vec![0xB5, key, entry, 0];
    header.extend_from_slice(&root.to_le_bytes());
    heap.alloc(header)
}

/// Where variable values go: the heap while they fit it, else subnodes.
struct Spill<'a> {
    heap: &'a mut Heap,
    subs: &'a mut Vec<(u32, Content)>,
    next_sub: &'a mut u32,
    /// Bytes kept free in the heap for what is allocated after the values.
    reserve: usize,
}

impl Spill<'_> {
    /// The HNID of `bytes`: a HID, or the NID of a new subnode (2.3.3.2).
    fn put(&mut self, bytes: Vec<u8>) -> Result<u32> {
        if bytes.len() <= MAX_HEAP_ALLOC
            && self.heap.size_with(1, bytes.len()) + self.reserve <= BLOCK_DATA
        {
            return self.heap.alloc(bytes);
        }
        let id = nid(*self.next_sub, NID_TYPE_LTP);
        *self.next_sub = self.next_sub.saturating_add(1);
        self.subs.push((
            id,
            Content {
                data: bytes,
                subs: Vec::new(),
            },
        ));
        Ok(id)
    }
}

/// A Property Context (2.3.3) of `props`; empty strings and binaries are left out.
fn property_context(props: &[(u16, Value)], next_sub: &mut u32) -> Result<Content> {
    let mut sorted: BTreeMap<u16, &Value> = BTreeMap::new();
    for (id, value) in props {
        if value.is_empty() {
            continue;
        }
        if sorted.insert(*id, value).is_some() {
            return Err(format!("property {id:#06x} given twice"));
        }
    }
    let mut heap = Heap::new(0xBC);
    let mut subs = Vec::new();
    let n = sorted.len();
    // The records, the BTH header and their page map entries come after the values.
    let reserve = 8 * n + 8 + 2 * 2 + 8;
    let mut records = Vec::with_capacity(8 * n);
    {
        let mut spill = Spill {
            heap: &mut heap,
            subs: &mut subs,
            next_sub,
            reserve,
        };
        for (id, value) in &sorted {
            let hnid = match value {
                Value::Long(v) => *v,
                Value::Boolean(b) => u32::from(*b),
                other => spill.put(other.variable().unwrap_or_default())?,
            };
            records.extend_from_slice(&id.to_le_bytes());
            records.extend_from_slice(&value.kind().to_le_bytes());
            records.extend_from_slice(&hnid.to_le_bytes());
        }
    }
    let root = bth(&mut heap, 2, 6, records)?;
    Ok(Content {
        data: heap.finish(root)?,
        subs,
    })
}

/// One column of a table: property id and type.
#[derive(Clone, Copy, Debug)]
pub struct Column(pub u16, pub u16);

/// The bytes a cell of type `kind` takes in a row (2.3.4.4).
fn cell_size(kind: u16) -> Result<usize> {
    match kind {
        0x0003 | 0x001F | 0x0102 => Ok(4),
        0x000B => Ok(1),
        0x0040 => Ok(8),
        other => Err(format!("no table cell for property type {other:#06x}")),
    }
}

/// A Table Context (2.3.4): `rows` of (dwRowID, cells in `columns` order; `None` or an empty
/// value is a cell that does not exist).
fn table_context(
    columns: &[Column],
    rows: &[(u32, Vec<Option<Value>>)],
    next_sub: &mut u32,
) -> Result<Content> {
    // Every column: (tag, size, iBit); dwRowID and dwRowVer first (2.3.4.1).
    let mut all: Vec<(u32, usize, usize)> = vec![(0x67F2_0003, 4, 0), (0x67F3_0003, 4, 1)];
    for (i, c) in columns.iter().enumerate() {
        all.push((
            (u32::from(c.0) << 16) | u32::from(c.1),
            cell_size(c.1)?,
            i + 2,
        ));
    }
    // Offsets: 8- and 4-byte cells (after the two row columns), then 1-byte cells.
    let mut offset = vec![0usize; all.len()];
    offset[1] = 4;
    let mut at = 8usize;
    for size in [8usize, 4, 1] {
        for (i, (_, s, _)) in all.iter().enumerate().skip(2) {
            if *s == size {
                offset[i] = at;
                at += s;
            }
        }
    }
    let end_4b = 8 + all
        .iter()
        .skip(2)
        .filter(|c| c.1 >= 4)
        .map(|c| c.1)
        .sum::<usize>();
    let end_1b = at;
    let ceb = all.len().div_ceil(8);
    let row_size = end_1b + ceb;
    if row_size > BLOCK_DATA {
        return Err("a table row over one block".to_owned());
    }

    let mut heap = Heap::new(0x7C);
    let mut subs = Vec::new();
    // Reserve: TCINFO, the row index, the rows if they fit the heap, page map entries.
    let rows_bytes = row_size * rows.len();
    let rows_in_heap = rows_bytes <= MAX_HEAP_ALLOC;
    let reserve = 22
        + 8 * all.len()
        + 8
        + 8 * rows.len()
        + if rows_in_heap { rows_bytes } else { 0 }
        + 2 * 4
        + 8;
    let mut matrix = Vec::with_capacity(rows_bytes);
    let mut index = Vec::with_capacity(8 * rows.len());
    {
        let mut spill = Spill {
            heap: &mut heap,
            subs: &mut subs,
            next_sub,
            reserve,
        };
        let per_block = BLOCK_DATA / row_size;
        for (r, (row_id, cells)) in rows.iter().enumerate() {
            if cells.len() != columns.len() {
                return Err("a table row with the wrong number of cells".to_owned());
            }
            if !rows_in_heap && r > 0 && r % per_block == 0 {
                // Rows never straddle blocks of the row matrix (2.3.4.4).
                let pad = BLOCK_DATA - per_block * row_size;
                matrix.extend(std::iter::repeat_n(0u8, pad));
            }
            let mut row = vec![0u8; row_size];
            row[0..4].copy_from_slice(&row_id.to_le_bytes());
            // dwRowVer stays 0.
            let mut bits = vec![0u8; ceb];
            bits[0] |= 0x80 | 0x40;
            for (c, cell) in cells.iter().enumerate() {
                let Some(value) = cell.as_ref().filter(|v| !v.is_empty()) else {
                    continue;
                };
                if value.kind() != columns[c].1 {
                    return Err(format!(
                        "a cell of type {:#06x} in a column of type {:#06x}",
                        value.kind(),
                        columns[c].1
                    ));
                }
                let (_, size, bit) = all[c + 2];
                let at = offset[c + 2];
                match value {
                    Value::Long(v) => row[at..at + 4].copy_from_slice(&v.to_le_bytes()),
                    Value::Boolean(b) => row[at] = u8::from(*b),
                    Value::Time(t) => row[at..at + 8].copy_from_slice(&t.to_le_bytes()),
                    other => {
                        let hnid = spill.put(other.variable().unwrap_or_default())?;
                        row[at..at + size].copy_from_slice(&hnid.to_le_bytes());
                    }
                }
                bits[bit / 8] |= 0x80 >> (bit % 8);
            }
            row[end_1b..].copy_from_slice(&bits);
            index.push((*row_id, u32_of(r, "rows")?));
            matrix.extend_from_slice(&row);
        }
    }
    let rows_hnid = if rows.is_empty() {
        0
    } else if rows_in_heap {
        heap.alloc(matrix)?
    } else {
        let id = nid(*next_sub, NID_TYPE_LTP);
        *next_sub = next_sub.saturating_add(1);
        subs.push((
            id,
            Content {
                data: matrix,
                subs: Vec::new(),
            },
        ));
        id
    };
    index.sort_unstable();
    let mut records = Vec::with_capacity(8 * index.len());
    for (id, r) in index {
        records.extend_from_slice(&id.to_le_bytes());
        records.extend_from_slice(&r.to_le_bytes());
    }
    let row_index = bth(&mut heap, 4, 4, records)?;
    // TCINFO (2.3.4.1), column descriptors sorted by tag.
    let mut info = vec![
        0x7C,
        u8::try_from(all.len()).map_err(|_| "over 255 columns")?,
    ];
    for end in [end_4b, end_4b, end_1b, row_size] {
        info.extend_from_slice(&u16_of(end, "a row offset")?.to_le_bytes());
    }
    info.extend_from_slice(&row_index.to_le_bytes());
    info.extend_from_slice(&rows_hnid.to_le_bytes());
    info.extend_from_slice(&0u32.to_le_bytes());
    let mut descs: Vec<(u32, usize, usize, usize)> = all
        .iter()
        .enumerate()
        .map(|(i, (tag, size, bit))| (*tag, offset[i], *size, *bit))
        .collect();
    descs.sort_unstable();
    for (tag, ib, cb, bit) in descs {
        info.extend_from_slice(&tag.to_le_bytes());
        info.extend_from_slice(&u16_of(ib, "a cell offset")?.to_le_bytes());
        info.push(u8::try_from(cb).map_err(|_| "a cell size")?);
        info.push(u8::try_from(bit).map_err(|_| "a cell bit")?);
    }
    let root = heap.alloc(info)?;
    Ok(Content {
        data: heap.finish(root)?,
        subs,
    })
}

// ---------------------------------------------------------------------------------------------
// NDB: blocks, B-trees, pages, header.

/// A block to write: its BID and data (without trailer).
struct Block {
    bid: u64,
    data: Vec<u8>,
}

/// One NBT leaf entry (2.2.2.7.7.4).
struct NodeEntry {
    nid: u32,
    data: u64,
    sub: u64,
    parent: u32,
}

#[derive(Default)]
struct Ndb {
    blocks: Vec<Block>,
    nodes: Vec<NodeEntry>,
    /// The next block BID (2.2.2.2: multiples of 4; bit 1 marks internal blocks).
    next_bid: u64,
}

impl Ndb {
    fn block(&mut self, data: Vec<u8>, internal: bool) -> u64 {
        let bid = self.next_bid | if internal { 2 } else { 0 };
        self.next_bid += 4;
        self.blocks.push(Block { bid, data });
        bid
    }

    /// The data tree of `bytes`: one data block, or an XBLOCK over several (2.2.2.8.3.2.1).
    fn data_tree(&mut self, bytes: &[u8]) -> Result<u64> {
        if bytes.len() <= BLOCK_DATA {
            return Ok(self.block(bytes.to_vec(), false));
        }
        let chunks: Vec<&[u8]> = bytes.chunks(BLOCK_DATA).collect();
        if chunks.len() > (BLOCK_DATA - 8) / 8 {
            return Err(format!("a value of {} bytes needs an XXBLOCK", bytes.len()));
        }
        let bids: Vec<u64> = chunks
            .into_iter()
            .map(|c| self.block(c.to_vec(), false))
            .collect();
        let mut x = vec![0x01, 0x01];
        x.extend_from_slice(&u16_of(bids.len(), "XBLOCK entries")?.to_le_bytes());
        x.extend_from_slice(&u32_of(bytes.len(), "a value's size")?.to_le_bytes());
        for bid in bids {
            x.extend_from_slice(&bid.to_le_bytes());
        }
        Ok(self.block(x, true))
    }

    /// Writes a node's content: (bidData, bidSub), the subnodes in an SLBLOCK
    /// (2.2.2.8.3.3.1), each with its own subnodes.
    fn content(&mut self, content: &Content) -> Result<(u64, u64)> {
        let data = self.data_tree(&content.data)?;
        if content.subs.is_empty() {
            return Ok((data, 0));
        }
        let mut subs: Vec<&(u32, Content)> = content.subs.iter().collect();
        subs.sort_by_key(|(id, _)| *id);
        if subs.len() > (BLOCK_DATA - 8) / 24 {
            return Err("more subnodes than one SLBLOCK holds".to_owned());
        }
        let mut entries = Vec::with_capacity(subs.len());
        for (id, sub) in subs {
            let (d, s) = self.content(sub)?;
            entries.push((*id, d, s));
        }
        let mut sl = vec![0x02, 0x00];
        sl.extend_from_slice(&u16_of(entries.len(), "SLBLOCK entries")?.to_le_bytes());
        sl.extend_from_slice(&0u32.to_le_bytes());
        for (id, d, s) in entries {
            sl.extend_from_slice(&u64::from(id).to_le_bytes());
            sl.extend_from_slice(&d.to_le_bytes());
            sl.extend_from_slice(&s.to_le_bytes());
        }
        Ok((data, self.block(sl, true)))
    }

    fn node(&mut self, nid: u32, parent: u32, content: &Content) -> Result<()> {
        let (data, sub) = self.content(content)?;
        self.nodes.push(NodeEntry {
            nid,
            data,
            sub,
            parent,
        });
        Ok(())
    }
}

/// File positions: AMap pages (and a PMap page after every eighth) are fixed (2.2.2.7.2,
/// 2.2.2.7.3); blocks (64-byte aligned) and pages (512-byte aligned) are placed around them.
struct Layout {
    cursor: u64,
    /// Allocated (offset, size) spans, for the AMap.
    spans: Vec<(u64, u64)>,
}

impl Layout {
    fn reserved(offset: u64, size: u64) -> Option<u64> {
        if offset + size <= AMAP_FIRST {
            return None;
        }
        let first = offset.saturating_sub(AMAP_FIRST) / AMAP_COVERS;
        let last = (offset + size - 1).saturating_sub(AMAP_FIRST) / AMAP_COVERS;
        for k in first..=last {
            let amap = AMAP_FIRST + k * AMAP_COVERS;
            let end = amap
                + if k % 8 == 0 {
                    2 * PAGE as u64
                } else {
                    PAGE as u64
                };
            if offset < end && amap < offset + size {
                return Some(end);
            }
        }
        None
    }

    fn place(&mut self, size: u64, align: u64) -> u64 {
        loop {
            let at = self.cursor.div_ceil(align) * align;
            match Self::reserved(at, size) {
                Some(end) => self.cursor = end,
                None => {
                    self.cursor = at + size;
                    self.spans.push((at, size));
                    return at;
                }
            }
        }
    }
}

/// The size of a block on disk: data and trailer rounded up to 64 bytes (2.2.2.8.1).
fn block_size(len: usize) -> u64 {
    ((len + 16).div_ceil(64) * 64) as u64
}

fn block_bytes(block: &Block, ib: u64) -> Result<Vec<u8>> {
    let size = block_size(block.data.len()) as usize;
    let mut out = block.data.clone();
    out.resize(size - 16, 0);
    out.extend_from_slice(&u16_of(block.data.len(), "a block's size")?.to_le_bytes());
    out.extend_from_slice(&signature(ib, block.bid).to_le_bytes());
    out.extend_from_slice(&crc(&block.data).to_le_bytes());
    out.extend_from_slice(&block.bid.to_le_bytes());
    Ok(out)
}

/// A 512-byte page: `data` (up to 496 bytes) and its PAGETRAILER (2.2.2.7.1).
fn page_bytes(data: &[u8], ptype: u8, sig: u16, bid: u64) -> Vec<u8> {
    let mut out = data.to_vec();
    out.resize(PAGE_DATA, 0);
    let crc = crc(&out);
    out.extend_from_slice(&[ptype, ptype]);
    out.extend_from_slice(&sig.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&bid.to_le_bytes());
    out
}

/// A BTPAGE (2.2.2.7.7.1): entries of `entry_size` bytes, at `level`.
fn bt_page(
    entries: &[Vec<u8>],
    entry_size: usize,
    level: u8,
    ptype: u8,
    ib: u64,
    bid: u64,
) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(PAGE_DATA);
    for e in entries {
        data.extend_from_slice(e);
    }
    data.resize(488, 0);
    data.push(u8::try_from(entries.len()).map_err(|_| "B-tree entries")?);
    data.push(u8::try_from(488 / entry_size).map_err(|_| "B-tree entries")?);
    data.push(u8::try_from(entry_size).map_err(|_| "B-tree entry size")?);
    data.push(level);
    data.extend_from_slice(&[0; 4]);
    Ok(page_bytes(&data, ptype, signature(ib, bid), bid))
}

/// Bytes placed at a file offset.
type Placed = (u64, Vec<u8>);

/// A B-tree over `leaves` (entries sorted by key; the key is each entry's first 8 bytes):
/// leaf pages of `leaf_max` entries, intermediate pages above them until one page is left
/// (2.2.2.7.7). Returns the pages (offset, bytes) and the root's (bid, ib).
fn btree(
    leaves: Vec<Vec<u8>>,
    leaf_size: usize,
    leaf_max: usize,
    ptype: u8,
    layout: &mut Layout,
    next_page_bid: &mut u64,
) -> Result<(Vec<Placed>, (u64, u64))> {
    let mut pages = Vec::new();
    let mut level_entries = leaves;
    let mut entry_size = leaf_size;
    let mut max = leaf_max;
    let mut level = 0u8;
    loop {
        let chunks: Vec<&[Vec<u8>]> = if level_entries.is_empty() {
            vec![&[]]
        } else {
            level_entries.chunks(max).collect()
        };
        let mut parents = Vec::with_capacity(chunks.len());
        for chunk in &chunks {
            let ib = layout.place(PAGE as u64, PAGE as u64);
            let bid = *next_page_bid;
            *next_page_bid += 4;
            pages.push((ib, bt_page(chunk, entry_size, level, ptype, ib, bid)?));
            // BTENTRY (2.2.2.7.7.2): btkey (the first key below), BREF.
            let mut e = chunk
                .first()
                .map(|c| c[..8].to_vec())
                .unwrap_or_else(|| vec![0; 8]);
            e.extend_from_slice(&bid.to_le_bytes());
            e.extend_from_slice(&ib.to_le_bytes());
            parents.push((bid, ib, e));
        }
        if parents.len() == 1 {
            let (bid, ib, _) = parents.remove(0);
            return Ok((pages, (bid, ib)));
        }
        level_entries = parents.into_iter().map(|(_, _, e)| e).collect();
        entry_size = 24;
        max = BT_24_MAX;
        level = level.checked_add(1).ok_or("a B-tree too deep")?;
    }
}

fn entry_id(record_key: &[u8; 16], nid: u32) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    out.extend_from_slice(record_key);
    out.extend_from_slice(&nid.to_le_bytes());
    out
}

/// Folder NIDs as they are handed out, depth first.
struct Ids {
    next_folder: u32,
    next_message: u32,
}

const HIERARCHY_COLUMNS: &[Column] = &[
    Column(0x3001, 0x001F),
    Column(0x3602, 0x0003),
    Column(0x3603, 0x0003),
    Column(0x360A, 0x000B),
    Column(0x3613, 0x001F),
];

const CONTENTS_COLUMNS: &[Column] = &[
    Column(0x001A, 0x001F),
    Column(0x0037, 0x001F),
    Column(0x0C1A, 0x001F),
    Column(0x0E06, 0x0040),
    Column(0x0E07, 0x0003),
    Column(0x0E08, 0x0003),
];

const RECIPIENT_COLUMNS: &[Column] = &[
    Column(0x0C15, 0x0003),
    Column(0x3001, 0x001F),
    Column(0x3002, 0x001F),
    Column(0x3003, 0x001F),
    Column(0x39FE, 0x001F),
];

const ATTACHMENT_COLUMNS: &[Column] = &[
    Column(0x0E20, 0x0003),
    Column(0x3704, 0x001F),
    Column(0x3705, 0x0003),
    Column(0x370B, 0x0003),
];

fn cells(props: &[(u16, Value)], columns: &[Column]) -> Vec<Option<Value>> {
    columns
        .iter()
        .map(|c| {
            props
                .iter()
                .find(|(id, v)| *id == c.0 && v.kind() == c.1)
                .map(|(_, v)| v.clone())
        })
        .collect()
}

/// A folder's hierarchy-table row: name, counts, whether it has subfolders, class.
fn folder_row(name: &str, content: usize, subfolders: bool) -> Result<Props> {
    Ok(vec![
        (0x3001, Value::Unicode(name.to_owned())),
        (0x3602, Value::Long(u32_of(content, "items")?)),
        (0x3603, Value::Long(0)),
        (0x360A, Value::Boolean(subfolders)),
        (0x3613, Value::Unicode("IPF.Note".to_owned())),
    ])
}

/// Writes the message at `id` into `ndb`; returns its contents-table cells.
fn write_message(ndb: &mut Ndb, m: &Message, id: u32, folder: u32, time: u64) -> Result<Props> {
    let mut next_sub = FIRST_INDEX;
    let mut props = m.props.clone();
    let size: usize = m
        .props
        .iter()
        .chain(m.attachments.iter().flatten())
        .map(|(_, v)| v.variable().map_or(4, |b| b.len()))
        .sum();
    for (pid, v) in [
        (0x0E08, Value::Long(u32_of(size, "the message size")?)),
        (0x0E06, Value::Time(time)),
        (0x0039, Value::Time(time)),
        (0x3007, Value::Time(time)),
        (0x3008, Value::Time(time)),
    ] {
        if !props.iter().any(|(p, _)| *p == pid) {
            props.push((pid, v));
        }
    }
    let mut content = property_context(&props, &mut next_sub)?;
    // The recipient table (2.4.5.2), always present: readers expect one.
    let rows: Vec<(u32, Vec<Option<Value>>)> = m
        .recipients
        .iter()
        .enumerate()
        .map(|(i, r)| Ok((u32_of(i, "recipients")?, cells(r, RECIPIENT_COLUMNS))))
        .collect::<Result<_>>()?;
    let recipients = table_context(RECIPIENT_COLUMNS, &rows, &mut next_sub)?;
    content.subs.push((NID_RECIPIENT_TABLE, recipients));
    if !m.attachments.is_empty() {
        let mut rows = Vec::new();
        for (i, a) in m.attachments.iter().enumerate() {
            let attach_nid = nid(FIRST_INDEX + u32_of(i, "attachments")?, NID_TYPE_ATTACHMENT);
            let mut a = a.clone();
            let data_size = a
                .iter()
                .find(|(p, _)| *p == 0x3701)
                .and_then(|(_, v)| v.variable())
                .map_or(0, |b| b.len());
            if !a.iter().any(|(p, _)| *p == 0x0E20) {
                a.push((
                    0x0E20,
                    Value::Long(u32_of(data_size, "an attachment size")?),
                ));
            }
            if !a.iter().any(|(p, _)| *p == 0x370B) {
                a.push((0x370B, Value::Long(u32::MAX)));
            }
            // An attachment's own large values are subnodes of the attachment (2.4.6.2).
            let mut attach_sub = FIRST_INDEX;
            let pc = property_context(&a, &mut attach_sub)?;
            rows.push((attach_nid, cells(&a, ATTACHMENT_COLUMNS)));
            content.subs.push((attach_nid, pc));
        }
        let table = table_context(ATTACHMENT_COLUMNS, &rows, &mut next_sub)?;
        content.subs.push((NID_ATTACHMENT_TABLE, table));
    }
    ndb.node(id, folder, &content)?;
    Ok(props)
}

/// Writes a folder (its PC, three tables, its messages and subfolders); returns its NID.
fn write_folder(ndb: &mut Ndb, ids: &mut Ids, f: &Folder, parent: u32, time: u64) -> Result<u32> {
    let index = ids.next_folder;
    ids.next_folder += 1;
    let id = nid(index, NID_TYPE_NORMAL_FOLDER);
    let mut contents = Vec::new();
    for m in &f.messages {
        let mid = nid(ids.next_message, NID_TYPE_NORMAL_MESSAGE);
        ids.next_message += 1;
        let props = write_message(ndb, m, mid, id, time)?;
        contents.push((mid, cells(&props, CONTENTS_COLUMNS)));
    }
    let mut hierarchy = Vec::new();
    for sub in &f.subfolders {
        let sid = write_folder(ndb, ids, sub, id, time)?;
        let row = folder_row(&sub.name, sub.messages.len(), !sub.subfolders.is_empty())?;
        hierarchy.push((sid, cells(&row, HIERARCHY_COLUMNS)));
    }
    let props = folder_row(&f.name, f.messages.len(), !f.subfolders.is_empty())?;
    write_folder_nodes(ndb, index, parent, &props, &hierarchy, &contents)?;
    Ok(id)
}

type Rows = [(u32, Vec<Option<Value>>)];

/// The folder object and its hierarchy, contents and associated contents tables (2.4.4.1).
fn write_folder_nodes(
    ndb: &mut Ndb,
    index: u32,
    parent: u32,
    props: &[(u16, Value)],
    hierarchy: &Rows,
    contents: &Rows,
) -> Result<()> {
    let id = nid(index, NID_TYPE_NORMAL_FOLDER);
    let mut next_sub = FIRST_INDEX;
    ndb.node(id, parent, &property_context(props, &mut next_sub)?)?;
    let mut next_sub = FIRST_INDEX;
    let table = table_context(HIERARCHY_COLUMNS, hierarchy, &mut next_sub)?;
    ndb.node(nid(index, NID_TYPE_HIERARCHY_TABLE), 0, &table)?;
    let mut next_sub = FIRST_INDEX;
    let table = table_context(CONTENTS_COLUMNS, contents, &mut next_sub)?;
    ndb.node(nid(index, NID_TYPE_CONTENTS_TABLE), 0, &table)?;
    let mut next_sub = FIRST_INDEX;
    let table = table_context(CONTENTS_COLUMNS, &[], &mut next_sub)?;
    ndb.node(nid(index, NID_TYPE_ASSOC_CONTENTS_TABLE), 0, &table)?;
    Ok(())
}

/// The bytes of a whole PST holding `store`.
pub fn write(store: &Store) -> Result<Vec<u8>> {
    let mut ndb = Ndb {
        next_bid: 4,
        ..Ndb::default()
    };
    let key = &store.record_key;
    let mut ids = Ids {
        next_folder: FIRST_INDEX,
        next_message: FIRST_INDEX,
    };
    let root_index = NID_ROOT_FOLDER >> 5;
    let top_index = ids.next_folder;
    ids.next_folder += 1;
    let top = nid(top_index, NID_TYPE_NORMAL_FOLDER);

    // The message store (2.4.3) and the name-to-id map with no named property (2.4.7).
    let mut next_sub = FIRST_INDEX;
    let store_pc = property_context(
        &[
            (0x0FF9, Value::Binary(key.to_vec())),
            (0x3001, Value::Unicode(store.display_name.clone())),
            (0x35E0, Value::Binary(entry_id(key, top))),
        ],
        &mut next_sub,
    )?;
    ndb.node(NID_MESSAGE_STORE, 0, &store_pc)?;
    let mut next_sub = FIRST_INDEX;
    // PidTagNameidBucketCount: 251, as Outlook writes.
    let names = property_context(&[(0x0001, Value::Long(251))], &mut next_sub)?;
    ndb.node(NID_NAME_TO_ID_MAP, 0, &names)?;

    // The folders below the IPM subtree, then the subtree, then the root folder.
    let mut hierarchy = Vec::new();
    for f in &store.folders {
        let id = write_folder(&mut ndb, &mut ids, f, top, store.time)?;
        let row = folder_row(&f.name, f.messages.len(), !f.subfolders.is_empty())?;
        hierarchy.push((id, cells(&row, HIERARCHY_COLUMNS)));
    }
    let props = folder_row(&store.top_name, 0, !store.folders.is_empty())?;
    write_folder_nodes(
        &mut ndb,
        top_index,
        NID_ROOT_FOLDER,
        &props,
        &hierarchy,
        &[],
    )?;
    let top_row = (top, cells(&props, HIERARCHY_COLUMNS));
    // The root folder has no name; its parent is itself (2.4.4.1).
    let root_props = vec![
        (0x3602, Value::Long(0)),
        (0x3603, Value::Long(0)),
        (0x360A, Value::Boolean(true)),
    ];
    write_folder_nodes(
        &mut ndb,
        root_index,
        NID_ROOT_FOLDER,
        &root_props,
        &[top_row],
        &[],
    )?;

    assemble(ndb, ids)
}

/// Places the blocks and the two B-trees, then writes AMaps, PMaps and the header.
fn assemble(ndb: Ndb, ids: Ids) -> Result<Vec<u8>> {
    let mut layout = Layout {
        cursor: AMAP_FIRST,
        spans: Vec::new(),
    };
    let mut placed: Vec<Placed> = Vec::new();
    let mut bbt: Vec<Vec<u8>> = Vec::new();
    let mut blocks = ndb.blocks;
    blocks.sort_by_key(|b| b.bid);
    for b in &blocks {
        let ib = layout.place(block_size(b.data.len()), 64);
        placed.push((ib, block_bytes(b, ib)?));
        // BBTENTRY (2.2.2.7.7.3): BREF, cb, cRef, padding.
        let mut e = b.bid.to_le_bytes().to_vec();
        e.extend_from_slice(&ib.to_le_bytes());
        e.extend_from_slice(&u16_of(b.data.len(), "a block's size")?.to_le_bytes());
        e.extend_from_slice(&1u16.to_le_bytes());
        e.extend_from_slice(&[0; 4]);
        bbt.push(e);
    }
    let mut nodes = ndb.nodes;
    nodes.sort_by_key(|n| n.nid);
    if nodes.windows(2).any(|w| w[0].nid == w[1].nid) {
        return Err("two nodes with one NID".to_owned());
    }
    let nbt: Vec<Vec<u8>> = nodes
        .iter()
        .map(|n| {
            let mut e = u64::from(n.nid).to_le_bytes().to_vec();
            e.extend_from_slice(&n.data.to_le_bytes());
            e.extend_from_slice(&n.sub.to_le_bytes());
            e.extend_from_slice(&n.parent.to_le_bytes());
            e.extend_from_slice(&[0; 4]);
            e
        })
        .collect();
    // Page BIDs follow the block BIDs (one counter, bidNextP and bidNextB both past it).
    let mut next_page_bid = ndb.next_bid;
    let (nbt_pages, nbt_root) = btree(
        nbt,
        32,
        NBT_LEAF_MAX,
        PTYPE_NBT,
        &mut layout,
        &mut next_page_bid,
    )?;
    let (bbt_pages, bbt_root) = btree(
        bbt,
        24,
        BT_24_MAX,
        PTYPE_BBT,
        &mut layout,
        &mut next_page_bid,
    )?;
    placed.extend(nbt_pages);
    placed.extend(bbt_pages);

    let eof = layout.cursor.div_ceil(PAGE as u64) * PAGE as u64;
    let amaps = (eof - AMAP_FIRST).div_ceil(AMAP_COVERS);
    let mut file = vec![0u8; usize::try_from(eof).map_err(|_| "file size")?];
    for (ib, bytes) in &placed {
        let at = usize::try_from(*ib).map_err(|_| "file offset")?;
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }
    // AMap pages: one bit per 64 bytes, most significant bit first; the map pages themselves,
    // every block and every page are allocated.
    let mut spans = layout.spans.clone();
    let mut free = 0u64;
    for k in 0..amaps {
        let amap = AMAP_FIRST + k * AMAP_COVERS;
        spans.push((amap, PAGE as u64));
        if k % 8 == 0 {
            spans.push((amap + PAGE as u64, PAGE as u64));
        }
    }
    let mut last_amap = AMAP_FIRST;
    for k in 0..amaps {
        let amap = AMAP_FIRST + k * AMAP_COVERS;
        last_amap = amap;
        let mut bits = [0u8; PAGE_DATA];
        for (at, size) in &spans {
            if *at < amap || *at >= amap + AMAP_COVERS {
                continue;
            }
            let first = (at - amap) / 64;
            for unit in first..first + size.div_ceil(64) {
                let unit = usize::try_from(unit).map_err(|_| "AMap bit")?;
                if let Some(byte) = bits.get_mut(unit / 8) {
                    *byte |= 0x80 >> (unit % 8);
                }
            }
        }
        let used: u64 = bits.iter().map(|b| u64::from(b.count_ones())).sum();
        free += AMAP_COVERS - used * 64;
        let at = usize::try_from(amap).map_err(|_| "file offset")?;
        file[at..at + PAGE].copy_from_slice(&page_bytes(&bits, PTYPE_AMAP, 0, amap));
        if k % 8 == 0 {
            // PMap (deprecated): every page marked, as readers expect.
            let pmap = amap + PAGE as u64;
            let at = at + PAGE;
            file[at..at + PAGE].copy_from_slice(&page_bytes(
                &[0xFF; PAGE_DATA],
                PTYPE_PMAP,
                0,
                pmap,
            ));
        }
    }

    // The HEADER (2.2.2.6) with its ROOT (2.2.2.5).
    let mut h = vec![0u8; 564];
    h[0..4].copy_from_slice(b"!BDN");
    h[8..10].copy_from_slice(b"SM");
    h[10..12].copy_from_slice(&23u16.to_le_bytes()); // wVer: Unicode
    h[12..14].copy_from_slice(&19u16.to_le_bytes()); // wVerClient
    h[14] = 0x01; // bPlatformCreate
    h[15] = 0x01; // bPlatformAccess
    h[32..40].copy_from_slice(&next_page_bid.to_le_bytes()); // bidNextP
    // rgnid: the next index of each NID type.
    let mut rgnid = [FIRST_INDEX; 32];
    rgnid[NID_TYPE_NORMAL_FOLDER as usize] = ids.next_folder;
    rgnid[NID_TYPE_NORMAL_MESSAGE as usize] = ids.next_message;
    for (i, v) in rgnid.iter().enumerate() {
        h[44 + 4 * i..48 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let r = 180;
    h[r + 4..r + 12].copy_from_slice(&eof.to_le_bytes()); // ibFileEof
    h[r + 12..r + 20].copy_from_slice(&last_amap.to_le_bytes()); // ibAMapLast
    h[r + 20..r + 28].copy_from_slice(&free.to_le_bytes()); // cbAMapFree
    // cbPMapFree stays 0 (PMaps are deprecated).
    h[r + 36..r + 44].copy_from_slice(&nbt_root.0.to_le_bytes());
    h[r + 44..r + 52].copy_from_slice(&nbt_root.1.to_le_bytes());
    h[r + 52..r + 60].copy_from_slice(&bbt_root.0.to_le_bytes());
    h[r + 60..r + 68].copy_from_slice(&bbt_root.1.to_le_bytes());
    h[r + 68] = 0x02; // fAMapValid: VALID_AMAP2
    h[256..512].fill(0xFF); // rgbFM, rgbFP
    h[512] = 0x80; // bSentinel
    h[513] = 0x00; // bCryptMethod: NDB_CRYPT_NONE
    h[516..524].copy_from_slice(&next_page_bid.to_le_bytes()); // bidNextB
    let partial = crc(&h[8..8 + 471]);
    h[4..8].copy_from_slice(&partial.to_le_bytes());
    let full = crc(&h[8..8 + 516]);
    h[524..528].copy_from_slice(&full.to_le_bytes());
    file[..564].copy_from_slice(&h);
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_signature_match_the_specification() {
        // CRC-32 without the usual inversions: the standard check value of "123456789"
        // is 0xCBF43926 with them.
        assert_eq!(!crc_from(!0, b"123456789"), 0xCBF4_3926);
        assert_eq!(crc(b""), 0);
        assert_eq!(signature(0, 1), 1);
        assert_eq!(signature(0x0001_0000, 0), 1);
    }

    #[test]
    fn the_same_store_makes_the_same_bytes() {
        let store = Store {
            display_name: "s".to_owned(),
            record_key: [7; 16],
            top_name: "Top of Outlook data file".to_owned(),
            folders: vec![Folder {
                name: "Inbox".to_owned(),
                messages: vec![Message {
                    props: vec![(0x001A, Value::Unicode("IPM.Note".to_owned()))],
                    recipients: vec![vec![(0x3001, Value::Unicode("r".to_owned()))]],
                    attachments: vec![vec![(0x3701, Value::Binary(vec![1; 20_000]))]],
                }],
                subfolders: Vec::new(),
            }],
            time: 0,
        };
        let one = write(&store).unwrap();
        assert_eq!(one, write(&store).unwrap());
        assert!(one.starts_with(b"!BDN"));
    }
}
