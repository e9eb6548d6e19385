//! The corpus generator: personas, keys and samples, made by the project itself.
//!
//! `cargo corpus-generate` (the `replymatrix-generate` binary) rebuilds every sample from its
//! recipe with the committed persona keys (creating keys only when they are missing).
//! Signatures are deterministic and session keys (with every other random-looking byte)
//! derive from the sample id, so running it twice writes the same bytes; it draws random
//! numbers only for a persona key that is missing.
//!
//! It is a crate of its own so that the `replymatrix` library and binary carry none of it;
//! `replymatrix`'s tests use it as a dev-dependency (the regeneration tests, and inspector
//! unit tests that need freshly signed data).

#![forbid(unsafe_code)]

pub mod error;
pub mod outlook_corpus;
pub mod pgp_corpus;
pub mod pst_corpus;
pub mod pst_writer;
pub mod smime_corpus;
pub mod spoofing_corpus;

use std::path::Path;

pub use error::{Error, Result};

/// A vocabulary value from the name a recipe spells it with (`"pgp-signed"`, `"sha256"`).
///
/// Recipes are literals and the regeneration tests run every one of them, so a misspelt name
/// fails there, with the name; it can never reach a committed sidecar.
pub(crate) fn named<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .unwrap_or_else(|e| panic!("a recipe names {name:?}: {e}"))
}

/// Regenerates keys (when missing) and every sample below `corpora`, then the Outlook items
/// made from them (`outlook-items/`, `.msg` files and the PST export). Returns the sample ids written.
pub fn generate_all(corpora: &Path) -> Result<Vec<String>> {
    let mut ids = smime_corpus::generate(corpora)?;
    ids.extend(pgp_corpus::generate(corpora)?);
    ids.extend(spoofing_corpus::generate(corpora)?);
    // Outlook items are made from the samples just written; they are not samples themselves.
    outlook_corpus::generate(corpora)?;
    // The PST export files the same items in folders.
    pst_corpus::generate(corpora)?;
    ids.sort();
    Ok(ids)
}
