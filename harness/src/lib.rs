//! replymatrix: S/MIME and OpenPGP senders as Microsoft mail clients see them.
//!
//! The pipeline is `parse → inspect → model → render`, each stage a pure function of its
//! inputs. [`inspect()`] turns message bytes into [`Inspection`] facts; the client models turn
//! facts and an environment profile into verdicts.

#![forbid(unsafe_code)]

pub mod clients;
pub mod corpus;
pub mod error;
pub mod evidence;
pub mod explain;
pub mod facts;
pub mod inspect;
pub mod matrix;
mod memo;
pub mod mime;
pub mod openpgp;
pub mod policy;
pub mod profile;
pub mod render;
pub mod scan;
pub mod smime;
pub mod verdict;

pub use error::{Error, Result};
pub use facts::{Inspection, Layer, LayerForm, LayerKind, Problem, SignatureStatus};
pub use inspect::{Inputs, inspect};
