//! A bounded, process-wide memo of a pure function.
//!
//! A mailbox repeats its senders: the same certificate chains, issuer names and public keys
//! recur in message after message. Memoising what is derived from them (certificate facts,
//! issuer-signature checks, DN strings, parsed RSA keys) makes each recurring item cost once.
//! Results never depend on whether they came from the memo, so inspection stays
//! deterministic; memory is bounded by [`MEMO_LIMIT`] entries per memo.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// Most entries a memo holds; when full it starts afresh. Bounds memory on a mailbox of
/// millions of distinct certificates while a mailbox's recurring chains hit.
pub(crate) const MEMO_LIMIT: usize = 4096;

/// Largest item (a certificate's encoding, a key, a name's values), in bytes, that a memo
/// holds: real ones are a few KiB, so this only keeps hostile giants from filling memory.
pub(crate) const MAX_MEMO_ITEM_BYTES: usize = 16 * 1024;

/// See the module documentation. `const`-constructible, so it can live in a `static`.
pub(crate) struct Memo<K, V>(Mutex<Option<HashMap<K, V>>>);

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    pub(crate) const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// The memoised value for `key`, computing (and storing) it on a miss. The key is only
    /// copied into the memo on a miss, so a hit allocates nothing.
    pub(crate) fn get_or<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(v) = self.lock().as_ref().and_then(|m| m.get(key)) {
            return v.clone();
        }
        // Computed outside the lock: a slow RSA check never blocks the other workers.
        let value = compute();
        let mut guard = self.lock();
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() >= MEMO_LIMIT {
            map.clear();
        }
        map.insert(key.to_owned(), value.clone());
        value
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<K, V>>> {
        // A panic elsewhere while holding the lock leaves a usable map (a memo only).
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_key_and_stays_bounded() {
        static SQUARES: Memo<u64, u64> = Memo::new();
        let calls = std::cell::Cell::new(0);
        let square = |n: u64| {
            SQUARES.get_or(&n, || {
                calls.set(calls.get() + 1);
                n * n
            })
        };
        assert_eq!(square(7), 49);
        assert_eq!(square(7), 49);
        assert_eq!(calls.get(), 1);
        for n in 0..(MEMO_LIMIT as u64 * 2) {
            assert_eq!(square(n), n * n);
        }
        let held = SQUARES.lock().as_ref().map_or(0, HashMap::len);
        assert!(held <= MEMO_LIMIT, "{held} entries");
    }
}
