//! The S/MIME and Microsoft part of the sender corpus.

mod der;
pub mod keys;

use std::path::Path;

use crate::error::Result;

/// Writes this part of the corpus below `corpora`; returns the sample ids written.
pub fn generate(corpora: &Path) -> Result<Vec<String>> {
    let personas = keys::load_or_create(corpora)?;
    let readme = keys::dir(corpora).join("README.md");
    std::fs::write(&readme, keys::readme()).map_err(|e| crate::error::Error::io(&readme, e))?;
    let _ = personas;
    Ok(Vec::new())
}
