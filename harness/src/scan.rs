//! `replymatrix scan`: a whole mailbox through inspect and the client models.
//!
//! Input is an mbox, a Maildir, a folder of `.eml` files or one message ([`SourceKind`]). A
//! reader thread reads one message at a time ([`mbox::MboxReader`] never loads the file)
//! into batches on a bounded channel; a pool of worker threads inspects each message and
//! runs every client model ([`process`]); the results are emitted in input order through a
//! reorder buffer. A window of `in_flight` batch credits bounds everything between reading
//! and emitting (channel, workers and reorder buffer together), so memory is bounded by
//! `in_flight` × `max(BATCH_BYTES, the largest message)` plus one message (a message is cut at
//! [`crate::mime::MAX_MESSAGE_BYTES`]), never by the size of the mailbox. Batches make the
//! thread hand-off a cost per batch rather than per message. A panic while processing one message is caught at the worker
//! boundary and becomes that message's `error` record: one message never ends the batch.
//!
//! Output: one [`MessageRecord`] per message (the `jsonl` lines) and a [`Summary`].

pub mod mbox;
pub mod source;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::clients::ClientId;
use crate::facts::{Inspection, LayerKind, Problem};
use crate::inspect::Inputs;
use crate::profile::Profile;
use crate::verdict::{ClientVerdict, Outcome, ReadStatus, Status};

pub use source::{Messages, RawMessage, SourceKind};

/// The schema tag of the scan summary.
pub const SCAN_SCHEMA: &str = "replymatrix.scan/1";
/// How many reasons the summary lists per client.
pub const TOP_REASONS: usize = 5;
/// Bytes of header searched for `Message-ID`.
const MAX_HEADER_SCAN: usize = 64 * 1024;
/// Longest Message-ID kept (RFC 5322 §2.1.1 line limit).
const MAX_ID_LEN: usize = 998;

/// What one client lets the user do with one message, in short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientRecord {
    pub read: ReadStatus,
    pub plain: Status,
    pub signed: Status,
    pub encrypted: Status,
    /// `plain` / `signed` / `encrypted` → the reason code, for the outcomes that have one.
    pub reasons: BTreeMap<&'static str, &'static str>,
}

impl ClientRecord {
    /// The short form of a client's verdict.
    pub fn of(verdict: &ClientVerdict) -> Self {
        let mut reasons = BTreeMap::new();
        for (form, outcome) in reply_forms(verdict) {
            if let Some(reason) = outcome.reason {
                reasons.insert(form, reason.as_str());
            }
        }
        Self {
            read: verdict.read.status,
            plain: verdict.reply.plain.status,
            signed: verdict.reply.signed.status,
            encrypted: verdict.reply.encrypted.status,
            reasons,
        }
    }
}

fn reply_forms(v: &ClientVerdict) -> [(&'static str, &Outcome); 3] {
    [
        ("plain", &v.reply.plain),
        ("signed", &v.reply.signed),
        ("encrypted", &v.reply.encrypted),
    ]
}

/// Clients in [`ClientId::ALL`] order, written as a JSON object keyed by client id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRecords(pub Vec<(ClientId, ClientRecord)>);

impl Serialize for ClientRecords {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, record) in &self.0 {
            map.serialize_entry(id.as_str(), record)?;
        }
        map.end()
    }
}

/// One message's result: a `jsonl` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageRecord {
    /// Position in the input, from 0.
    pub index: usize,
    /// The `Message-ID` header, or `source#index` when there is none.
    pub id: String,
    /// The file, or `mbox-path@byte-offset` of its separator line.
    pub source: String,
    /// The sender family from the layers ([`family`]); absent on error lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Layer kinds, outermost first.
    pub layers: Vec<&'static str>,
    pub problems: Vec<Problem>,
    pub clients: ClientRecords,
    /// Why this message has no verdicts (unreadable, or a panic caught while processing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MessageRecord {
    /// A line for a message that could not be processed.
    pub fn error(index: usize, id: String, source: String, error: String) -> Self {
        Self {
            index,
            id,
            source,
            family: None,
            layers: Vec::new(),
            problems: Vec::new(),
            clients: ClientRecords::default(),
            error: Some(error),
        }
    }
}

/// The sender family of a message, from its layers: `smime` (any S/MIME layer), `openpgp`
/// (any OpenPGP layer), `ome` (Purview message encryption), `tnef`, `proton-eo`, several
/// joined by `+` in that order, or `plain` when there is no layer.
pub fn family(inspection: &Inspection) -> String {
    const FAMILIES: [&str; 5] = ["smime", "openpgp", "ome", "tnef", "proton-eo"];
    let of = |kind: LayerKind| match kind {
        LayerKind::SmimeSigned | LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            "smime"
        }
        LayerKind::PgpSigned | LayerKind::PgpEncrypted | LayerKind::PgpKey => "openpgp",
        LayerKind::Ome => "ome",
        LayerKind::Tnef => "tnef",
        LayerKind::ProtonEoNotice => "proton-eo",
    };
    let present: Vec<&str> = FAMILIES
        .into_iter()
        .filter(|f| inspection.layers.iter().any(|l| of(l.kind) == *f))
        .collect();
    if present.is_empty() {
        "plain".to_owned()
    } else {
        present.join("+")
    }
}

/// The unfolded `Message-ID` header of a message, if any (RFC 5322 §3.6.4), read from at
/// most the first [`MAX_HEADER_SCAN`] bytes.
pub fn message_id(message: &[u8]) -> Option<String> {
    let head = message.get(..message.len().min(MAX_HEADER_SCAN))?;
    let mut lines = lines_of(head).peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None; // end of the header
        }
        let name_len = b"message-id:".len();
        if line.len() >= name_len
            && line
                .get(..name_len)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"message-id:"))
        {
            let mut value = line.get(name_len..).unwrap_or_default().to_vec();
            // Folded continuation lines start with white space.
            while let Some(next) = lines.peek() {
                if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    value.extend_from_slice(next.strip_suffix(b"\r").unwrap_or(next));
                    lines.next();
                } else {
                    break;
                }
            }
            let value = String::from_utf8_lossy(&value);
            let id: String = value
                .split_whitespace()
                .collect::<String>()
                .chars()
                .take(MAX_ID_LEN)
                .collect();
            return (!id.is_empty()).then_some(id);
        }
    }
    None
}

/// The lines of `text` without their `\n` (a last line without one included), found with
/// memchr.
fn lines_of(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match memchr::memchr(b'\n', current) {
            Some(end) => {
                rest = current.get(end + 1..);
                current.get(..end)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Inspects one message and runs every client model on it.
pub fn process(raw: RawMessage, inputs: &Inputs, profile: &Profile) -> MessageRecord {
    let fallback_id = format!("{}#{}", raw.source, raw.index);
    let bytes = match raw.bytes {
        Ok(bytes) => bytes,
        Err(e) => return MessageRecord::error(raw.index, fallback_id, raw.source, e),
    };
    let mut inspection = crate::inspect(&bytes, inputs);
    if raw.truncated {
        inspection.problems.insert(
            0,
            Problem::new(
                "message-too-large",
                format!(
                    "the message is {} bytes; only the first {} were read",
                    raw.full_len,
                    bytes.len()
                ),
            ),
        );
    }
    let clients = ClientId::ALL
        .into_iter()
        .map(|c| {
            (
                c,
                ClientRecord::of(&c.model().evaluate(&inspection, profile)),
            )
        })
        .collect();
    MessageRecord {
        index: raw.index,
        id: message_id(&bytes).unwrap_or(fallback_id),
        source: raw.source,
        family: Some(family(&inspection)),
        layers: inspection.layers.iter().map(|l| l.kind.as_str()).collect(),
        problems: inspection.problems,
        clients: ClientRecords(clients),
        error: None,
    }
}

/// How the pipeline runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Worker threads (at least 1).
    pub workers: usize,
    /// Batches between the reader and the output at most (at least 1).
    pub in_flight: usize,
    /// Most messages in one batch (at least 1). A batch also closes before it would pass
    /// [`BATCH_BYTES`], so it holds at most `batch_messages` messages and at most
    /// `max(BATCH_BYTES, the largest message)` bytes.
    pub batch_messages: usize,
}

/// Soft cap on the bytes of one batch of messages.
pub const BATCH_BYTES: usize = 1 << 20;

impl Options {
    /// `workers` threads, four batches in flight per worker, 32 messages per batch: the
    /// hand-off between threads is paid per batch, not per message.
    pub fn with_workers(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            workers,
            in_flight: workers.saturating_mul(4),
            batch_messages: 32,
        }
    }
}

impl Default for Options {
    /// One worker per core.
    fn default() -> Self {
        Self::with_workers(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// The text of a caught panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

/// Runs `process` over `messages` on `options.workers` threads and hands each result to
/// `emit` in input order. Stops early (and returns the error) when `emit` fails.
///
/// Messages travel in batches ([`Options::batch_messages`], [`BATCH_BYTES`]); a window of
/// `in_flight` batch credits bounds everything between reading and emitting.
///
/// `prepare` turns each record into what `emit` takes, on the worker that made the record:
/// whatever it drops (usually the whole record) is freed by the thread that allocated it,
/// which keeps the emitting thread off the workers' allocator arenas.
pub fn run<I, P, F, T, E>(
    messages: I,
    options: Options,
    process: P,
    prepare: F,
    mut emit: E,
) -> io::Result<()>
where
    I: Iterator<Item = RawMessage> + Send,
    P: Fn(RawMessage) -> MessageRecord + Sync,
    F: Fn(MessageRecord) -> T + Sync,
    T: Send,
    E: FnMut(T) -> io::Result<()>,
{
    let workers = options.workers.max(1);
    let in_flight = options.in_flight.max(1);
    let batch_messages = options.batch_messages.max(1);
    // Credits: the reader takes one per batch; the emitter gives it back once the batch's
    // results are written.
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        // Cannot fail: the receiver is alive and the channel has room for every credit.
        let _ = credit_tx.send(());
    }
    // (batch number, messages)
    let (work_tx, work_rx) = sync_channel::<(usize, Vec<RawMessage>)>(in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (result_tx, result_rx) = channel::<(usize, Vec<T>)>();
    let process = &process;
    let prepare = &prepare;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut messages = messages.enumerate().map(|(index, mut message)| {
                message.index = index;
                message
            });
            // A message read that did not fit in the previous batch opens the next one.
            let mut carried: Option<RawMessage> = None;
            for number in 0usize.. {
                // A batch is read only under a credit.
                if credit_rx.recv().is_err() {
                    return; // the emitter stopped
                }
                let mut batch = Vec::with_capacity(batch_messages);
                let mut bytes = 0usize;
                while batch.len() < batch_messages {
                    let Some(message) = carried.take().or_else(|| messages.next()) else {
                        break;
                    };
                    let size = message.bytes.as_ref().map_or(0, Vec::len);
                    if !batch.is_empty() && bytes.saturating_add(size) > BATCH_BYTES {
                        carried = Some(message);
                        break;
                    }
                    bytes = bytes.saturating_add(size);
                    batch.push(message);
                }
                if batch.is_empty() || work_tx.send((number, batch)).is_err() {
                    return;
                }
            }
        });
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let result_tx = result_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break, // another worker panicked while holding the lock
                    };
                    let Ok((number, batch)) = next else { break };
                    let records = batch
                        .into_iter()
                        .map(|raw| prepare(process_caught(process, raw)));
                    if result_tx.send((number, records.collect())).is_err() {
                        break;
                    }
                }
            });
        }
        // The workers hold the only receivers now: when they all stop, the reader's send
        // fails instead of blocking.
        drop(work_rx);
        drop(result_tx);
        let mut pending: BTreeMap<usize, Vec<T>> = BTreeMap::new();
        let mut next = 0usize;
        let mut outcome = Ok(());
        'results: for (number, records) in result_rx.iter() {
            pending.insert(number, records);
            while let Some(records) = pending.remove(&next) {
                for record in records {
                    if let Err(e) = emit(record) {
                        outcome = Err(e);
                        break 'results;
                    }
                }
                next = next.saturating_add(1);
                let _ = credit_tx.send(());
            }
        }
        // Dropping the credits and the results ends the reader and the workers.
        drop(credit_tx);
        drop(result_rx);
        outcome
    })
}

/// `process(raw)`, with a panic caught and turned into the message's error record.
fn process_caught<P>(process: &P, raw: RawMessage) -> MessageRecord
where
    P: Fn(RawMessage) -> MessageRecord,
{
    let (index, source) = (raw.index, raw.source.clone());
    catch_unwind(AssertUnwindSafe(|| process(raw))).unwrap_or_else(|payload| {
        MessageRecord::error(
            index,
            format!("{source}#{index}"),
            source,
            format!("panic while processing: {}", panic_text(&*payload)),
        )
    })
}

/// yes / no / partial / unknown counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub yes: usize,
    pub no: usize,
    pub partial: usize,
    pub unknown: usize,
}

impl StatusCounts {
    fn add(&mut self, status: Status) {
        let slot = match status {
            Status::Yes => &mut self.yes,
            Status::No => &mut self.no,
            Status::Partial => &mut self.partial,
            Status::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add(1);
    }

    /// All counts added up.
    pub fn total(&self) -> usize {
        self.yes
            .saturating_add(self.no)
            .saturating_add(self.partial)
            .saturating_add(self.unknown)
    }
}

/// Reply counts of one client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReplyCounts {
    pub plain: StatusCounts,
    pub signed: StatusCounts,
    pub encrypted: StatusCounts,
}

impl ReplyCounts {
    fn add(&mut self, r: &ClientTally) {
        self.plain.add(r.plain);
        self.signed.add(r.signed);
        self.encrypted.add(r.encrypted);
    }
}

/// What the [`Summary`] counts of one record: statuses and reason codes, with no strings to
/// free but the family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub error: bool,
    /// The message was cut at the size limit.
    pub truncated: bool,
    pub family: Option<String>,
    pub clients: Vec<(ClientId, ClientTally)>,
}

impl Tally {
    /// The tally of a record.
    pub fn of(record: &MessageRecord) -> Self {
        let clients = record
            .clients
            .0
            .iter()
            .map(|(id, r)| {
                let reason = |form: &str| r.reasons.get(form).copied();
                let tally = ClientTally {
                    read: r.read,
                    plain: r.plain,
                    signed: r.signed,
                    encrypted: r.encrypted,
                    reasons: [reason("plain"), reason("signed"), reason("encrypted")],
                };
                (*id, tally)
            })
            .collect();
        Self {
            error: record.error.is_some(),
            truncated: record
                .problems
                .iter()
                .any(|p| p.code == "message-too-large"),
            family: record.family.clone(),
            clients,
        }
    }
}

/// One client's statuses for one message, and the reason of each reply form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTally {
    pub read: ReadStatus,
    pub plain: Status,
    pub signed: Status,
    pub encrypted: Status,
    /// The reasons of plain, signed and encrypted, in that order.
    pub reasons: [Option<&'static str>; 3],
}

impl ClientTally {
    /// (status, reason) of each reply form that has a reason.
    fn reasons(&self) -> impl Iterator<Item = (Status, &'static str)> + '_ {
        [self.plain, self.signed, self.encrypted]
            .into_iter()
            .zip(self.reasons)
            .filter_map(|(status, reason)| reason.map(|r| (status, r)))
    }
}

/// A reason and how many reply outcomes gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: &'static str,
    pub count: usize,
}

/// One client over the whole mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientSummary {
    pub client: ClientId,
    /// Read statuses and their counts.
    pub read: BTreeMap<&'static str, usize>,
    #[serde(flatten)]
    pub reply: ReplyCounts,
    /// The [`TOP_REASONS`] most frequent reasons of reply outcomes that are not `yes`
    /// (each of plain / signed / encrypted counts), most frequent first, ties by name.
    pub top_reasons: Vec<ReasonCount>,
    #[serde(skip)]
    reasons: BTreeMap<&'static str, usize>,
}

/// One sender family over the whole mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilySummary {
    pub family: String,
    pub messages: usize,
    pub clients: ClientRecordsCounts,
}

/// Reply counts per client, as a JSON object keyed by client id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRecordsCounts(pub Vec<(ClientId, ReplyCounts)>);

impl Serialize for ClientRecordsCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, counts) in &self.0 {
            map.serialize_entry(id.as_str(), counts)?;
        }
        map.end()
    }
}

/// The end-of-scan summary (`replymatrix.scan/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    pub profile: String,
    pub source: String,
    pub kind: &'static str,
    /// Messages read (equals the number of records).
    pub messages: usize,
    /// Records with an `error` (not counted below).
    pub errors: usize,
    /// Messages cut at the size limit.
    pub truncated: usize,
    pub clients: Vec<ClientSummary>,
    /// Sender families, by name.
    pub families: Vec<FamilySummary>,
}

impl Summary {
    /// An empty summary.
    pub fn new(profile: &str, source: &str, kind: SourceKind) -> Self {
        Self {
            schema: SCAN_SCHEMA,
            profile: profile.to_owned(),
            source: source.to_owned(),
            kind: kind.as_str(),
            messages: 0,
            errors: 0,
            truncated: 0,
            clients: ClientId::ALL
                .into_iter()
                .map(|client| ClientSummary {
                    client,
                    read: BTreeMap::new(),
                    reply: ReplyCounts::default(),
                    top_reasons: Vec::new(),
                    reasons: BTreeMap::new(),
                })
                .collect(),
            families: Vec::new(),
        }
    }

    /// Counts one record.
    pub fn add(&mut self, record: &MessageRecord) {
        self.add_tally(&Tally::of(record));
    }

    /// Counts one record, from its [`Tally`].
    pub fn add_tally(&mut self, tally: &Tally) {
        self.messages = self.messages.saturating_add(1);
        if tally.error {
            self.errors = self.errors.saturating_add(1);
            return;
        }
        if tally.truncated {
            self.truncated = self.truncated.saturating_add(1);
        }
        for (id, r) in &tally.clients {
            let Some(summary) = self.clients.iter_mut().find(|c| c.client == *id) else {
                continue;
            };
            let read = summary.read.entry(r.read.as_str()).or_insert(0);
            *read = read.saturating_add(1);
            summary.reply.add(r);
            for (status, reason) in r.reasons() {
                if status != Status::Yes {
                    let n = summary.reasons.entry(reason).or_insert(0);
                    *n = n.saturating_add(1);
                }
            }
            summary.top_reasons = top_reasons(&summary.reasons);
        }
        let family = tally.family.as_deref().unwrap_or("plain");
        let position = match self
            .families
            .binary_search_by(|f| f.family.as_str().cmp(family))
        {
            Ok(i) => i,
            Err(i) => {
                self.families.insert(
                    i,
                    FamilySummary {
                        family: family.to_owned(),
                        messages: 0,
                        clients: ClientRecordsCounts(
                            ClientId::ALL
                                .into_iter()
                                .map(|c| (c, ReplyCounts::default()))
                                .collect(),
                        ),
                    },
                );
                i
            }
        };
        if let Some(f) = self.families.get_mut(position) {
            f.messages = f.messages.saturating_add(1);
            for (id, r) in &tally.clients {
                if let Some((_, counts)) = f.clients.0.iter_mut().find(|(c, _)| c == id) {
                    counts.add(r);
                }
            }
        }
    }

    /// The summary for people.
    pub fn text(&self) -> String {
        let mut out = format!(
            "scanned {} messages ({}) from {} with profile {}: {} errors, {} cut at the size limit\n",
            self.messages, self.kind, self.source, self.profile, self.errors, self.truncated
        );
        let counts = |c: &StatusCounts| {
            format!("{:>6} {:>6} {:>6} {:>6}", c.yes, c.no, c.partial, c.unknown)
        };
        out.push_str(&format!(
            "\n{:<16} {:<10} {:>6} {:>6} {:>6} {:>6}\n",
            "client", "reply", "yes", "no", "partial", "unknown"
        ));
        for c in &self.clients {
            for (form, sc) in [
                ("plain", &c.reply.plain),
                ("signed", &c.reply.signed),
                ("encrypted", &c.reply.encrypted),
            ] {
                out.push_str(&format!(
                    "{:<16} {:<10} {}\n",
                    c.client.as_str(),
                    form,
                    counts(sc)
                ));
            }
        }
        for c in &self.clients {
            out.push_str(&format!("\n{} top reasons why not:\n", c.client.as_str()));
            if c.top_reasons.is_empty() {
                out.push_str("  (none)\n");
            }
            for r in &c.top_reasons {
                out.push_str(&format!("  {:>6}  {}\n", r.count, r.reason));
            }
        }
        out.push_str(&format!(
            "\n{:<16} {:>8}  {}\n",
            "family", "messages", "replies yes (plain/signed/encrypted) per client"
        ));
        for f in &self.families {
            let per_client: Vec<String> = f
                .clients
                .0
                .iter()
                .map(|(id, r)| {
                    format!(
                        "{} {}/{}/{}",
                        id.as_str(),
                        r.plain.yes,
                        r.signed.yes,
                        r.encrypted.yes
                    )
                })
                .collect();
            out.push_str(&format!(
                "{:<16} {:>8}  {}\n",
                f.family,
                f.messages,
                per_client.join("  ")
            ));
        }
        out
    }
}

fn top_reasons(reasons: &BTreeMap<&'static str, usize>) -> Vec<ReasonCount> {
    let mut all: Vec<ReasonCount> = reasons
        .iter()
        .map(|(reason, count)| ReasonCount {
            reason,
            count: *count,
        })
        .collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(b.reason)));
    all.truncate(TOP_REASONS);
    all
}

/// A one-line progress bar on stderr, only when stderr is a terminal: how much of the input
/// was read (bytes of an mbox, or files), messages done and their rate.
pub struct Progress {
    enabled: bool,
    started: Instant,
    count: usize,
    done: Arc<AtomicU64>,
    total: u64,
}

/// Width of the bar, in characters.
const BAR_WIDTH: u64 = 30;

impl Progress {
    /// A bar over `total` (0: unknown), advanced through `done`; hidden unless stderr is a
    /// terminal.
    pub fn new(done: Arc<AtomicU64>, total: u64) -> Self {
        Self {
            enabled: io::stderr().is_terminal(),
            started: Instant::now(),
            count: 0,
            done,
            total,
        }
    }

    /// One more message done.
    pub fn tick(&mut self) {
        self.count = self.count.saturating_add(1);
        if self.enabled && self.count.is_multiple_of(128) {
            self.draw();
        }
    }

    /// The bar's text.
    fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        let rate = self.count as f64 / seconds;
        if self.total == 0 {
            return format!("{} messages, {rate:.0}/s", self.count);
        }
        let done = self.done.load(Ordering::Relaxed).min(self.total);
        let filled = done.saturating_mul(BAR_WIDTH) / self.total;
        let percent = done.saturating_mul(100) / self.total;
        format!(
            "[{}{}] {percent:>3}%  {} messages, {rate:.0}/s",
            "#".repeat(usize::try_from(filled).unwrap_or(0)),
            "-".repeat(usize::try_from(BAR_WIDTH.saturating_sub(filled)).unwrap_or(0)),
            self.count
        )
    }

    fn draw(&self) {
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{} ", self.line());
        let _ = err.flush();
    }

    /// Draws the final state and ends the line.
    pub fn finish(&self) {
        if self.enabled {
            self.draw();
            let _ = writeln!(io::stderr());
        }
    }
}

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
    let kind = SourceKind::detect(path)?;
    let messages = Messages::open(path, kind, crate::mime::MAX_MESSAGE_BYTES)?;
    let mut summary = Summary::new(&profile.name, &path.display().to_string(), kind);
    let mut progress = Progress::new(messages.done(), messages.total());
    let jsonl = output == Output::Jsonl;
    run(
        messages,
        options,
        |raw| process(raw, inputs, profile),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(source: &str, bytes: &[u8]) -> RawMessage {
        RawMessage {
            index: 0,
            source: source.to_owned(),
            bytes: Ok(bytes.to_vec()),
            full_len: bytes.len() as u64,
            truncated: false,
        }
    }

    #[test]
    fn the_progress_bar_shows_the_share_read() {
        let done = Arc::new(AtomicU64::new(50));
        let mut progress = Progress::new(Arc::clone(&done), 200);
        progress.count = 7;
        let line = progress.line();
        assert!(line.starts_with("[#######-----"), "{line}");
        assert!(line.contains(" 25%  7 messages"), "{line}");
        done.store(500, Ordering::Relaxed); // past the end (the file grew): capped
        assert!(progress.line().contains("100%"));
        assert!(Progress::new(done, 0).line().starts_with("0 messages"));
    }

    #[test]
    fn message_id_is_unfolded_and_only_from_the_header() {
        assert_eq!(
            message_id(b"Subject: x\r\nMessage-ID:\r\n <a@b.example>\r\n\r\nbody").as_deref(),
            Some("<a@b.example>")
        );
        assert_eq!(
            message_id(b"message-id: <c@d>\n\n").as_deref(),
            Some("<c@d>")
        );
        assert_eq!(message_id(b"Subject: x\n\nMessage-ID: <in@body>\n"), None);
        assert_eq!(message_id(b""), None);
    }

    /// A panicking processor costs one message, not the batch, and order is kept although
    /// later messages finish first.
    #[test]
    fn a_panic_is_one_error_line_and_order_is_kept() {
        let messages: Vec<RawMessage> = (0..200)
            .map(|i| raw(&format!("m{i}"), format!("{i}").as_bytes()))
            .collect();
        let mut seen = Vec::new();
        run(
            messages.into_iter(),
            Options {
                workers: 4,
                in_flight: 3,
                batch_messages: 4,
            },
            |raw| {
                let n: usize = String::from_utf8_lossy(raw.bytes.as_deref().unwrap_or_default())
                    .parse()
                    .unwrap_or(0);
                if n == 17 {
                    panic!("message 17 is cursed");
                }
                // Early messages take longest, so results arrive out of order.
                if n.is_multiple_of(10) {
                    std::thread::yield_now();
                }
                MessageRecord::error(raw.index, format!("id{n}"), raw.source, String::new())
            },
            |record| record,
            |record| {
                seen.push(record);
                Ok(())
            },
        )
        .expect("runs");
        assert_eq!(seen.len(), 200);
        assert!(seen.iter().enumerate().all(|(i, r)| r.index == i));
        assert!(
            seen.iter()
                .enumerate()
                .all(|(i, r)| r.source == format!("m{i}"))
        );
        let cursed = &seen[17];
        assert!(
            cursed
                .error
                .as_deref()
                .is_some_and(|e| e.contains("message 17 is cursed")),
            "{cursed:?}"
        );
        assert_eq!(cursed.id, "m17#17");
    }

    #[test]
    fn an_emit_error_stops_the_run() {
        let messages = (0..10_000).map(|i| raw(&format!("m{i}"), b""));
        let mut emitted = 0;
        let result = run(
            messages,
            Options {
                workers: 2,
                in_flight: 4,
                batch_messages: 3,
            },
            |raw| MessageRecord::error(raw.index, String::new(), raw.source, String::new()),
            |record| record,
            |_| {
                emitted += 1;
                if emitted == 5 {
                    Err(io::Error::other("closed"))
                } else {
                    Ok(())
                }
            },
        );
        assert!(result.is_err());
        assert_eq!(emitted, 5);
    }
}
