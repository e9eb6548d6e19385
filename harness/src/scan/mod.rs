//! `replymatrix scan`: a whole mailbox through inspect and the client models.
//!
//! Input is an mbox, a Maildir, a folder of `.eml` files, a PST export or one message
//! ([`SourceKind`]). A
//! reader thread reads one message at a time ([`mbox::MboxReader`] never loads the file)
//! into batches on a bounded channel; a pool of worker threads inspects each message and
//! runs every client model ([`process`]); the results are emitted in input order through a
//! reorder buffer. A window of `in_flight` batch credits bounds everything between reading
//! and emitting (channel, workers and reorder buffer together), so memory is bounded by
//! `in_flight` × `max(BATCH_BYTES, the largest message)` plus one message (a message is cut at
//! [`crate::inspect::MAX_MESSAGE_BYTES`]), never by the size of the mailbox. Batches make the
//! thread hand-off a cost per batch rather than per message. A panic while processing one message is caught at the worker
//! boundary and becomes that message's `error` record: one message never ends the batch.
//!
//! Output: one [`MessageRecord`] per message (the `jsonl` lines) and a [`Summary`].

pub mod mbox;
pub mod source;

mod pipeline;
mod progress;
mod record;
mod summary;

use std::io::{self, Write};

use crate::inspect::Inputs;
use crate::profile::Profile;

pub use pipeline::{BATCH_BYTES, Options, run};
pub use progress::Progress;
pub use record::{
    ClientRecord, ClientRecords, MessageRecord, family, message_id, process, process_with,
};
pub use source::{Messages, PstItem, RawMessage, SourceKind};
pub use summary::{
    ClientRecordsCounts, ClientSummary, ClientTally, FamilySummary, ReasonCount, RemedyCount,
    ReplyCounts, StatusCounts, Summary, Tally,
};

/// The schema tag of the scan summary.
pub const SCAN_SCHEMA: &str = "replymatrix.scan/1";
/// How many reasons the summary lists per client.
pub const TOP_REASONS: usize = 5;
/// How many remedies the text summary lists (the JSON summary has them all).
pub const TOP_REMEDIES: usize = 15;

/// Output of [`scan_path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The summary as text.
    Text,
    /// The summary as one JSON object.
    Json,
    /// One JSON line per message, nothing else.
    Jsonl,
}

/// Scans `path` and writes `output` to `out`; returns the summary.
pub fn scan_path(
    path: &std::path::Path,
    inputs: &Inputs,
    profile: &Profile,
    options: Options,
    output: Output,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    scan_path_with(path, inputs, profile, options, output, false, out)
}

/// [`scan_path`], and with `remedies` the remedies of every `no` and `partial` reply in the
/// records and, ranked by how many messages each would help, in the summary.
pub fn scan_path_with(
    path: &std::path::Path,
    inputs: &Inputs,
    profile: &Profile,
    options: Options,
    output: Output,
    remedies: bool,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    let kind = SourceKind::detect(path)?;
    let messages = Messages::open(path, kind, crate::inspect::MAX_MESSAGE_BYTES)?;
    let mut summary = Summary::new(&profile.name, &path.display().to_string(), kind);
    let mut progress = Progress::new(messages.done(), messages.total());
    let jsonl = output == Output::Jsonl;
    run(
        messages,
        options,
        |raw| process_with(raw, inputs, profile, remedies),
        |record| {
            let line = jsonl.then(|| serde_json::to_vec(&record).map_err(io::Error::from));
            (Tally::of(&record), line)
        },
        |(tally, line)| {
            summary.add_tally(&tally);
            progress.tick();
            if let Some(line) = line {
                out.write_all(&line?)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        },
    )?;
    progress.finish();
    match output {
        Output::Jsonl => {}
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, &summary)?;
            out.write_all(b"\n")?;
        }
        Output::Text => out.write_all(summary.text().as_bytes())?,
    }
    out.flush()?;
    Ok(summary)
}
