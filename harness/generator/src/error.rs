//! The generator's error: what stops it from writing a key, a sample or a sidecar.

use std::path::PathBuf;

/// Why the generator could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        #[source]
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A committed persona key or certificate could not be loaded.
    #[error("{path}: unusable key or certificate: {message}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        message: String,
    },
    /// Building a corpus artefact failed.
    #[error("generating {what}: {message}")]
    Generate {
        /// The artefact.
        what: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// An [`Error::Io`] for this path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
