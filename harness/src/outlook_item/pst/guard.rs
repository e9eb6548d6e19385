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

use std::io::{Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::Source;

/// The stack of the thread [`walk`](super::walk) reads on.
pub const WALK_STACK_BYTES: usize = 64 << 20;
/// How deep below the walk's start the reader may read; deeper reads fail (a cycle in the
/// file's trees). Legitimate reading went 22 KiB deep in a debug build (the committed export
/// and a store over fifteen AMap ranges), and a B-tree level adds about 512 bytes: 512 KiB is
/// over twenty times that, and a self-listing page fails after about 1,000 levels rather than
/// 16,000. The rest of [`WALK_STACK_BYTES`] is the margin for the frames between two reads.
pub const MAX_READER_NESTING_BYTES: usize = 512 << 10;

/// Where the stack is now: the address of a local (compared, never dereferenced).
#[inline(never)]
pub(super) fn stack_position() -> usize {
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
pub(super) struct StackGuard {
    pub(super) inner: Box<dyn Source>,
    pub(super) base: usize,
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

/// Runs `f` as one step of the walk (its reads counted from 0), turning a panic inside the
/// reader into an error.
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    READS.with(|r| r.set(0));
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the PST is malformed here (its reader gave up)".to_owned()))
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
        // 4 KiB frames: the guard stops near 512 KiB, far inside the 64 MiB stack.
        assert!(depth > MAX_READER_NESTING_BYTES / 4096 / 2, "{depth}");
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
}
