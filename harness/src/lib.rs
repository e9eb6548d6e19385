//! replymatrix: S/MIME and OpenPGP senders as Microsoft mail clients see them.
//!
//! The pipeline is `inspect → model → render`, each stage a pure function of its inputs (no
//! clock, no network, no randomness), and each stage a module that depends only on the
//! stages before it:
//!
//! | stage | modules | produces |
//! | --- | --- | --- |
//! | facts | [`facts`] | the vocabulary of `replymatrix.inspect/1` |
//! | layer inspectors | [`mime`] (helpers), [`smime`], [`openpgp`] | facts of one layer |
//! | inspect | [`inspect()`] (the walker), [`Inputs`], [`limits`] | an [`Inspection`] of one message |
//! | policy and evidence | [`policy`], [`evidence`], [`profile`] | algorithm tables, the rule table, environments |
//! | verdicts | [`verdict`] | the vocabulary of `replymatrix.explain/1` |
//! | models | [`clients`] | a [`verdict::ClientVerdict`] per client and profile |
//! | reports | [`explain`], [`matrix`], [`scan`], [`corpus`], [`curate`], [`observations`], [`docs`] | what people read |
//!
//! The `replymatrix` binary (`main.rs`, `cli.rs`, `commands.rs`) sits on top and holds no logic
//! of its own. Outcomes such as "cannot reply encrypted" or "signature invalid" are data;
//! [`Error`] is only for the tool failing (an unreadable file, a bad profile).

#![forbid(unsafe_code)]

// ---- facts and the layer inspectors
pub mod facts;
mod instant;
pub mod mime;
pub mod openpgp;
pub mod smime;
// the container before the walker: Outlook items (.msg, PST) to MIME
pub mod outlook_item;

// ---- inspect: the walker over a whole message
mod inspect;

// ---- policy, evidence and environments
pub mod evidence;
pub mod policy;
pub mod profile;

// ---- verdicts and the client models
pub mod clients;
pub mod verdict;

// Stage 7: remedies (what would make an outcome yes), used by the reports.
pub mod remedies;

// ---- reports
pub mod corpus;
pub mod curate;
pub mod docs;
pub mod explain;
pub mod matrix;
pub mod observations;
mod render;
pub mod scan;

// ---- shared infrastructure
mod error;
mod memo;
mod vocabulary;

pub use error::{Error, Result};
pub use facts::{Inspection, Layer, LayerForm, LayerKind, Problem, SignatureStatus};
pub use inspect::{Inputs, Password, inspect, inspect_item};
pub use render::inspection_text;

/// Every limit of the inspection, in one place. Passing one is a problem entry in the
/// inspection; the rest of the message is still reported.
pub mod limits {
    pub use crate::inspect::{MAX_DEPTH, MAX_LAYERS, MAX_MESSAGE_BYTES, MAX_PARTS, MAX_UNWRAP};
    pub use crate::openpgp::MAX_PLAINTEXT;
}
