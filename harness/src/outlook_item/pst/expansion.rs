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

use super::super::MAX_VALUE_BYTES;

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

/// [`Store::check_expansion`] in a Unicode file.
pub(super) fn check_unicode(
    pst: &outlook_pst::UnicodePstFile,
    nodes: &[u32],
) -> Result<u64, String> {
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
pub(super) fn check_ansi(pst: &outlook_pst::AnsiPstFile, nodes: &[u32]) -> Result<u64, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
