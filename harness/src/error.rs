//! The one error type: the tool failing, never a message's outcome.
//!
//! A bad signature, a malformed layer or "cannot reply encrypted" are *data* (see
//! [`crate::facts`] and the verdict types). `Error` is for what stops the tool itself: a file
//! that cannot be read, a profile or sidecar that does not parse, a key that cannot be used.

use std::path::PathBuf;

/// Why the tool could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A TOML file (profile, sidecar) did not match its schema.
    #[error("{path}: {message}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// What does not match, with its line where the parser knows it.
        message: String,
    },
    /// A key or certificate given on the command line or in a profile could not be used.
    #[error("{path}: unusable key or certificate: {message}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Which formats were tried and why each failed.
        message: String,
    },
    /// A profile named on the command line does not exist.
    #[error("no profile named {name:?} (looked in {dir})")]
    UnknownProfile {
        /// The name given.
        name: String,
        /// Where profiles were looked for.
        dir: PathBuf,
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
