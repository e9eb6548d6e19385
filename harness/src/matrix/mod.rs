//! The matrix: every sample × client × profile, built once and rendered many ways (the
//! per-sample snapshot lines, `MATRIX.md`, JSON, text, HTML).
//!
//! Order is fixed everywhere: samples by id, profiles by name, clients in
//! [`ClientId::ALL`] order, modes read → plain → signed → encrypted. Nothing in a rendering
//! depends on paths, clocks or hash-map order, so the output is the same on every machine.

pub mod diff;
pub mod html;

use schemars::JsonSchema;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::clients::ClientId;
use crate::corpus::{self, Control, Provenance, SenderInfo};
use crate::error::{Error, Result};
use crate::evidence::Confidence;
use crate::facts::{Inspection, Layer, SignatureStatus};
use crate::memo::Memo;
use crate::profile::Profile;
use crate::remedies::{Search, SenderSample};
use crate::verdict::{ActionEvidence, ClientVerdict, Outcome, ReadStatus, SignatureShown, Status};

/// The schema tag of [`Matrix`].
pub const MATRIX_SCHEMA: &str = "replymatrix.matrix/1";

/// Every sample under every profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Matrix {
    /// `replymatrix.matrix/1`.
    pub schema: String,
    /// Client ids, in column order.
    pub clients: Vec<String>,
    /// The profiles, by name.
    pub profiles: Vec<ProfileSummary>,
    /// One row per sample, by id.
    pub samples: Vec<SampleRow>,
}

/// A profile, as the matrix names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileSummary {
    /// The profile's name (its file stem).
    pub name: String,
    /// The scene it stands for.
    pub description: String,
    /// The instant its verdicts are judged at (RFC 3339).
    pub evaluation_time: crate::facts::Instant,
}

/// One sample: what it is, what inspect found, and every (profile, client) verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SampleRow {
    /// The sample id, `<family>/<name>`.
    pub id: String,
    /// The first path segment of the id.
    pub family: String,
    /// One line for people.
    pub title: String,
    /// The sender product and setting.
    pub sender: SenderInfo,
    /// Where the wire form comes from.
    pub provenance: Provenance,
    /// Positive or negative control.
    pub control: Control,
    /// A negative control's positive twin.
    pub pairs_with: Option<String>,
    /// The sample's facts (`replymatrix.inspect/1`).
    pub inspect: Inspection,
    /// Profile-major, then client order.
    pub cells: Vec<Cell>,
}

/// One client under one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cell {
    /// The profile's name.
    pub profile: String,
    #[serde(flatten)]
    /// The client's verdict.
    pub verdict: ClientVerdict,
}

/// Loads every profile (`*.toml`) in `dir`, sorted by name.
pub fn load_profiles(dir: &Path, keys_dir: &Path) -> Result<Vec<Profile>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut profiles = paths
        .iter()
        .map(|p| Profile::load(p, keys_dir))
        .collect::<Result<Vec<_>>>()?;
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(profiles)
}

/// Builds the matrix over the samples below `corpora/senders` and the given profiles (the
/// exports carry no remedies: `explain`, the snapshots and `corpus check` do, through
/// [`rows`]).
pub fn build(corpora: &Path, profiles: &[Profile]) -> Result<Matrix> {
    build_with(corpora, profiles, false)
}

/// [`build`], with or without the remedies of every `no` and `partial` reply (the search is
/// most of the cost, and every remedy repeats its actions in full).
pub fn build_with(corpora: &Path, profiles: &[Profile], remedies: bool) -> Result<Matrix> {
    let samples = corpus::load_samples(&corpora.join("senders"))?;
    let observed = crate::observations::load_dir(&corpora.join("observations"))?;
    let keys = corpora.join("keys");
    let mut inspected = Vec::with_capacity(samples.len());
    for sample in &samples {
        let bytes = std::fs::read(&sample.eml).map_err(|e| Error::io(&sample.eml, e))?;
        let inputs = corpus::sample_inputs(sample, &keys)?;
        inspected.push((sample, crate::inspect(&bytes, &inputs)));
    }
    let mut rows = if remedies {
        rows(inspected, profiles)
    } else {
        let mut search = Search::new(profiles.to_vec(), Vec::new());
        inspected
            .into_iter()
            .map(|(sample, inspection)| row_in(&mut search, None, sample, inspection))
            .collect()
    };
    for row in &mut rows {
        confirm_row(row, &observed);
    }
    Ok(assemble(profiles, rows))
}

/// A corpus sample as the remedies search sees it: its sender product and setting (its
/// siblings are the same product and From with another setting) and its provenance.
pub fn sender_sample(sample: &corpus::Sample, inspection: Inspection) -> SenderSample {
    let s = &sample.sidecar;
    SenderSample {
        id: s.id.clone(),
        product: Some(s.sender.product.clone()),
        setting: Some(s.sender.setting.clone()),
        positive: s.control == Control::Positive,
        evidence: vec![ActionEvidence {
            url: s.provenance.url.clone(),
            quote: s.title.clone(),
            confidence: match s.provenance.confidence {
                corpus::ProvenanceConfidence::Seen => Confidence::ThirdParty,
                corpus::ProvenanceConfidence::Inferred => Confidence::Inferred,
            },
        }],
        inspection,
    }
}

/// The rows of these samples, each with its inspection: verdicts under every profile, and
/// the remedies of every `no` and `partial` reply, searched over the samples together (a
/// sample's siblings are among them).
///
/// The rows are memoised for the process by a hash of everything they are computed from
/// (the profiles, the sidecars, the inspections): the test suite builds the same matrix in
/// several tests, and the search is the costly part. The result never depends on the memo.
pub fn rows(samples: Vec<(&corpus::Sample, Inspection)>, profiles: &[Profile]) -> Vec<SampleRow> {
    use std::hash::{Hash, Hasher};
    static ROWS: Memo<u64, std::sync::Arc<Vec<SampleRow>>> = Memo::new();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{profiles:?}").hash(&mut h);
    for (sample, inspection) in &samples {
        format!("{:?}", sample.sidecar).hash(&mut h);
        serde_json::to_vec(inspection)
            .unwrap_or_default()
            .hash(&mut h);
    }
    let rows = ROWS.get_or(&h.finish(), || {
        std::sync::Arc::new(search_rows(samples, profiles))
    });
    rows.as_ref().clone()
}

/// The rows of `samples` under `profiles`, with remedies searched only for the sample with
/// id `only` (the others' siblings still count): what `corpus check --sample` compares, in a
/// fraction of the time of [`rows`].
pub fn rows_searching_one(
    samples: Vec<(&corpus::Sample, Inspection)>,
    profiles: &[Profile],
    only: &str,
) -> Vec<SampleRow> {
    let senders = samples
        .iter()
        .map(|(s, i)| sender_sample(s, i.clone()))
        .collect();
    let mut search = Search::new(profiles.to_vec(), senders);
    samples
        .into_iter()
        .enumerate()
        .map(|(index, (sample, inspection))| {
            let searched = (sample.sidecar.id == only).then_some(index);
            row_in(&mut search, searched, sample, inspection)
        })
        .collect()
}

/// [`rows`] without the memo.
fn search_rows(
    samples: Vec<(&corpus::Sample, Inspection)>,
    profiles: &[Profile],
) -> Vec<SampleRow> {
    let senders = samples
        .iter()
        .map(|(s, i)| sender_sample(s, i.clone()))
        .collect();
    let mut search = Search::new(profiles.to_vec(), senders);
    samples
        .into_iter()
        .enumerate()
        .map(|(index, (sample, inspection))| row_in(&mut search, Some(index), sample, inspection))
        .collect()
}

/// The matrix of these rows (each made by [`row`] under `profiles`).
pub fn assemble(profiles: &[Profile], rows: Vec<SampleRow>) -> Matrix {
    Matrix {
        schema: MATRIX_SCHEMA.to_owned(),
        clients: ClientId::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        profiles: profiles
            .iter()
            .map(|p| ProfileSummary {
                name: p.name.clone(),
                description: p.description.clone(),
                evaluation_time: p.evaluation_time,
            })
            .collect(),
        samples: rows,
    }
}

/// One sample's row: its facts and its verdicts under every profile, with remedies (no
/// sibling samples: use [`rows`] for the corpus).
pub fn row(sample: &corpus::Sample, inspection: Inspection, profiles: &[Profile]) -> SampleRow {
    let mut search = Search::new(
        profiles.to_vec(),
        vec![sender_sample(sample, inspection.clone())],
    );
    row_in(&mut search, Some(0), sample, inspection)
}

/// The row of sample `index` of the search (no remedies for `None`).
fn row_in(
    search: &mut Search,
    index: Option<usize>,
    sample: &corpus::Sample,
    inspection: Inspection,
) -> SampleRow {
    let s = &sample.sidecar;
    let profiles = search.profiles().to_vec();
    let mut cells = Vec::with_capacity(profiles.len() * ClientId::ALL.len());
    for (p, profile) in profiles.iter().enumerate() {
        let mut explanation = crate::explain::explain(&inspection, profile, None);
        if let Some(index) = index {
            search.attach(index, p, &mut explanation.clients);
        }
        cells.extend(explanation.clients.into_iter().map(|verdict| Cell {
            profile: profile.name.clone(),
            verdict,
        }));
    }
    SampleRow {
        id: s.id.clone(),
        family: s.id.split('/').next().unwrap_or_default().to_owned(),
        title: s.title.clone(),
        sender: s.sender.clone(),
        provenance: s.provenance.clone(),
        control: s.control,
        pairs_with: s.pairs_with.clone(),
        inspect: inspection,
        cells,
    }
}

/// Raises the decisions of one row that an observation confirms to `observed`
/// ([`crate::observations::confirm`]).
pub fn confirm_row(row: &mut SampleRow, observed: &[crate::observations::Loaded]) {
    let cells = row
        .cells
        .iter_mut()
        .map(|c| (c.profile.as_str(), &mut c.verdict));
    crate::observations::confirm(&row.id, cells, observed);
}

/// How many decisions (read, reply plain, signed, encrypted) have each confidence, strongest
/// first ([`Confidence::ALL`] order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfidenceCounts(pub [usize; Confidence::ALL.len()]);

impl ConfidenceCounts {
    /// Counts one decision.
    pub fn add(&mut self, c: Confidence) {
        if let Some(i) = Confidence::ALL.iter().position(|x| *x == c) {
            self.0[i] = self.0[i].saturating_add(1);
        }
    }

    /// Adds another count.
    pub fn add_all(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
    }

    /// How many decisions have this confidence.
    pub fn of(&self, c: Confidence) -> usize {
        Confidence::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| self.0[i])
    }

    /// How many decisions were counted.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// The confidence counts of every (profile, client), profiles in matrix order, clients in
/// [`ClientId::ALL`] order.
pub fn confidence_counts(matrix: &Matrix) -> Vec<(String, ClientId, ConfidenceCounts)> {
    let mut out = Vec::new();
    for profile in &matrix.profiles {
        for client in ClientId::ALL {
            let mut counts = ConfidenceCounts::default();
            for cell in matrix
                .samples
                .iter()
                .flat_map(|r| &r.cells)
                .filter(|c| c.profile == profile.name && c.verdict.client == client)
            {
                let v = &cell.verdict;
                counts.add(v.read.confidence);
                for o in [&v.reply.plain, &v.reply.signed, &v.reply.encrypted] {
                    counts.add(o.confidence);
                }
            }
            out.push((profile.name.clone(), client, counts));
        }
    }
    out
}

/// `n` as a share of `total`, in percent with one decimal.
pub(crate) fn percent(n: usize, total: usize) -> String {
    if total == 0 {
        return "0.0%".to_owned();
    }
    let tenths = n.saturating_mul(1000).saturating_add(total / 2) / total;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The confidence section of `MATRIX.md`: per profile and client, how many decisions were
/// observed, documented, stated by Microsoft staff, by a third party, or inferred.
fn confidence_markdown(matrix: &Matrix) -> String {
    let mut out = String::from(
        "## How sure: the confidence of each decision

",
    );
    out.push_str(
        "Each sample has four decisions per client and profile (read, reply plain, signed, \
         encrypted). **observed**: an observation in `corpora/observations/` saw a real client \
         do this with a message of this structure in this environment; otherwise the weakest \
         rule applied: **documented** by Microsoft, stated by **Microsoft staff**, reported by \
         a **third party**, or **inferred**.\n\n",
    );
    out.push_str("| Profile | Client |");
    for c in Confidence::ALL {
        let _ = write!(out, " {} |", c.as_str());
    }
    out.push_str(" inferred share |\n|---|---|");
    for _ in Confidence::ALL {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    let mut all = ConfidenceCounts::default();
    for (profile, client, counts) in confidence_counts(matrix) {
        let _ = write!(out, "| `{profile}` | {} |", client_title(client.as_str()));
        for c in Confidence::ALL {
            let _ = write!(out, " {} |", counts.of(c));
        }
        let _ = writeln!(
            out,
            " {} |",
            percent(counts.of(Confidence::Inferred), counts.total())
        );
        all.add_all(&counts);
    }
    out.push_str("| **all** | |");
    for c in Confidence::ALL {
        let _ = write!(out, " **{}** |", all.of(c));
    }
    let _ = writeln!(
        out,
        " **{}** |\n",
        percent(all.of(Confidence::Inferred), all.total())
    );
    let _ = writeln!(
        out,
        "{} of {} decisions observed; {} inferred ({}).\n",
        all.of(Confidence::Observed),
        all.total(),
        all.of(Confidence::Inferred),
        percent(all.of(Confidence::Inferred), all.total())
    );
    out
}

// ---- the per-sample snapshot ----

/// The snapshot of one sample: its key facts, then one line per decision in fixed order
/// (client, profile, mode), each with its status, reason, "with what", confidence and rules,
/// and for a `no` or `partial` reply the best remedy's action ids (`fix=a+b`, or `fix=none`),
/// so that a changed verdict, or a remedy that appears or vanishes, is a one-line diff.
pub fn snapshot_text(row: &SampleRow) -> String {
    let mut out = String::new();
    for line in facts_lines(&row.inspect) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "--- client | profile | decision | outcome");
    let width = row.cells.iter().map(|c| c.profile.len()).max().unwrap_or(0);
    for client in ClientId::ALL {
        for cell in row.cells.iter().filter(|c| c.verdict.client == client) {
            let v = &cell.verdict;
            let head = format!("{:<15} {:<width$}", client.as_str(), cell.profile);
            let _ = writeln!(
                out,
                "{head} read      {} signature={}{} conf={}{} rules={}",
                v.read.status.as_str(),
                v.read.signature_shown.as_str(),
                v.read
                    .user_sees
                    .as_deref()
                    .map(|s| format!(" sees={s:?}"))
                    .unwrap_or_default(),
                v.read.confidence.as_str(),
                observed_by(&v.read.observed_by),
                crate::evidence::joined(&v.read.rules, ",")
            );
            for (mode, outcome) in [
                ("plain", &v.reply.plain),
                ("signed", &v.reply.signed),
                ("encrypted", &v.reply.encrypted),
            ] {
                let _ = writeln!(out, "{head} {mode:<9} {}", outcome_line(outcome));
            }
            let _ = writeln!(
                out,
                "{head} reply     quotes-original={} quotes-decrypted={} quote-keeps-styles={} weaker-than-original={}{}",
                v.quotes_original,
                v.quotes_decrypted,
                v.quote_keeps_styles
                    .map_or("-", |b| if b { "true" } else { "false" }),
                v.weaker_than_original,
                if v.quote_rules.is_empty() {
                    String::new()
                } else {
                    format!(" rules={}", crate::evidence::joined(&v.quote_rules, ","))
                }
            );
        }
    }
    out
}

/// A sample's key facts, a line each: `from:`, one `layer:` per layer (or `layers: none`),
/// `problems:`. The head of its snapshot, and what `diff` compares of a sample.
pub fn facts_lines(inspection: &Inspection) -> Vec<String> {
    let mut lines = vec![format!(
        "from: {}",
        inspection.from.as_deref().unwrap_or("-")
    )];
    if inspection.layers.is_empty() {
        lines.push("layers: none".to_owned());
    }
    for layer in &inspection.layers {
        lines.push(format!("layer: {}", layer_line(layer)));
    }
    let codes: Vec<&str> = inspection
        .problems
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    lines.push(format!(
        "problems: {}",
        if codes.is_empty() {
            "none".into()
        } else {
            codes.join(", ")
        }
    ));
    lines
}

fn outcome_line(o: &Outcome) -> String {
    let mut line = o.status.as_str().to_owned();
    if let Some(r) = o.reason {
        let _ = write!(line, " reason={}", r.as_str());
    }
    if let Some(w) = &o.with {
        let mut with = Vec::new();
        if let Some(d) = &w.digest {
            with.push(format!("digest={d}"));
        }
        if let Some(c) = &w.cipher {
            with.push(format!("cipher={c}"));
        }
        if let Some(s) = w.recipient_certificate_from {
            with.push(format!("cert-from={}", s.as_str()));
        }
        if !with.is_empty() {
            let _ = write!(line, " {}", with.join(" "));
        }
    }
    let _ = write!(
        line,
        " conf={}{} rules={}",
        o.confidence.as_str(),
        observed_by(&o.observed_by),
        crate::evidence::joined(&o.rules, ",")
    );
    if let Some(remedies) = &o.remedies {
        let _ = write!(
            line,
            " fix={}",
            remedies
                .first()
                .map_or_else(|| "none".to_owned(), |r| r.ids())
        );
    }
    line
}

/// ` observed-by=<ids>` for a confirmed decision, nothing otherwise.
fn observed_by(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" observed-by={}", ids.join(","))
    }
}

/// One layer in one line: kind, form, part, then what it proves.
pub fn layer_line(layer: &Layer) -> String {
    let mut line = layer.kind.as_str().to_owned();
    if let Some(form) = layer.form {
        let _ = write!(line, "/{}", plain(&form));
    }
    let _ = write!(line, " part={:?}", layer.part);
    if let Some(sig) = &layer.signature {
        let _ = write!(line, " {}", plain(&sig.status));
        if let Some(d) = sig.digest {
            let _ = write!(line, " {}", d.as_str());
        }
        if let Some(a) = sig.algorithm {
            let _ = write!(line, " {}", plain(&a));
        }
        if let Some(v) = sig.version {
            let _ = write!(line, " sig-v{v}");
        }
        if let Some(signer) = &sig.signer {
            let _ = write!(
                line,
                " signer={}",
                signer
                    .email
                    .as_deref()
                    .or(signer.subject.as_deref())
                    .unwrap_or(&signer.id)
            );
        }
        match sig.signer_matches_from {
            Some(true) => line.push_str(" =from"),
            Some(false) => line.push_str(" !=from"),
            None => {}
        }
        if sig.covers_whole_body {
            line.push_str(" whole-body");
        }
        if sig.status != SignatureStatus::Valid {
            let code = sig.reason.code();
            let _ = write!(line, " ({code})");
        }
    }
    if let Some(enc) = &layer.encryption {
        if let Some(container) = enc.container {
            let _ = write!(line, " {}", container.as_str());
        }
        let _ = write!(
            line,
            " {} recipients={} {}",
            enc.cipher.as_deref().unwrap_or("cipher?"),
            enc.recipients.len(),
            if enc.decrypted {
                "decrypted"
            } else {
                "not-decrypted"
            }
        );
    }
    if let Some(caps) = &layer.capabilities
        && !caps.is_empty()
    {
        let _ = write!(line, " caps={}", caps.join(","));
    }
    if !layer.certificates.is_empty() {
        let _ = write!(line, " certs={}", layer.certificates.len());
    }
    for key in &layer.keys {
        let _ = write!(line, " key={}", key.emails.join(","));
    }
    for (k, v) in &layer.wire {
        if matches!(k.as_str(), "rewrite" | "variant") {
            let _ = write!(line, " {k}={v}");
        }
    }
    line
}

fn plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

// ---- MATRIX.md ----

/// `MATRIX.md`: caniemail-style, a table per profile, rows grouped by sender family, columns
/// the clients, numbered notes with the reason and the evidence.
pub fn markdown(matrix: &Matrix) -> String {
    let mut out = String::new();
    out.push_str("# replymatrix: who can read and reply, in which Microsoft client\n\n");
    out.push_str(
        "Generated by `replymatrix matrix --format md` from `corpora/`; do not edit by hand \
         (`tests/testsuite/matrix.rs` fails when this file differs from what the command prints).\n\n",
    );
    out.push_str(
        "Each cell: **R** read, **P** reply plain, **S** reply signed, **E** reply encrypted. \
         ✔ yes · ✘ no · ~ partial, with a warning, or signed with errors (read) · ? unknown (not modelled, no evidence, or encrypted content not examined). \
         A number points to the profile's notes: the reason code, the client's words where known, \
         the confidence of the weakest rule, the rules and their evidence.\n\n",
    );
    for profile in &matrix.profiles {
        let _ = writeln!(
            out,
            "- [`{}`](#profile-{}): {}",
            profile.name, profile.name, profile.description
        );
    }
    out.push('\n');
    out.push_str(&confidence_markdown(matrix));
    for profile in &matrix.profiles {
        let mut notes = Notes::default();
        let _ = writeln!(out, "## Profile {}\n", profile.name);
        let _ = writeln!(
            out,
            "{} Evaluated at {}.\n",
            profile.description, profile.evaluation_time
        );
        out.push_str("| Sample |");
        for client in &matrix.clients {
            let _ = write!(out, " {} |", client_title(client));
        }
        out.push_str("\n|---|");
        for _ in &matrix.clients {
            out.push_str("---|");
        }
        out.push('\n');
        let mut family = "";
        for row in &matrix.samples {
            if row.family != family {
                family = &row.family;
                let _ = writeln!(out, "| **{family}** |{}", " |".repeat(matrix.clients.len()));
            }
            let control = if row.control == Control::Negative {
                " (negative control)"
            } else {
                ""
            };
            let _ = write!(out, "| `{}`{control} |", row.id);
            for cell in row.cells.iter().filter(|c| c.profile == profile.name) {
                let _ = write!(out, " {} |", md_cell(&cell.verdict, &mut notes));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\nNotes for {}:\n", profile.name);
        for (n, note) in notes.list.iter().enumerate() {
            let _ = writeln!(out, "{}. {note}", n + 1);
        }
        out.push('\n');
    }
    out
}

#[derive(Default)]
struct Notes {
    list: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl Notes {
    fn cite(&mut self, note: String) -> usize {
        if let Some(&n) = self.index.get(&note) {
            return n;
        }
        self.list.push(note.clone());
        let n = self.list.len();
        self.index.insert(note, n);
        n
    }
}

fn client_title(id: &str) -> &str {
    match id {
        "classic-outlook" => "Classic Outlook",
        "owa" => "Outlook on the web",
        "new-outlook" => "New Outlook",
        "outlook-mobile" => "Outlook for iOS and Android",
        "outlook-mac" => "Outlook for Mac",
        other => other,
    }
}

/// The read glyph: ✔ readable, ~ readable with a warning or with a signature shown as signed
/// but with errors (the client contradicts itself), ? unknown (encrypted content not
/// examined), ✘ otherwise.
fn read_mark(v: &ClientVerdict) -> &'static str {
    match v.read.status {
        ReadStatus::Readable if v.read.signature_shown != SignatureShown::SignedWithErrors => "✔",
        ReadStatus::Readable | ReadStatus::ReadableWithWarning => "~",
        ReadStatus::AttachmentsOnly | ReadStatus::Unreadable => "✘",
        ReadStatus::Unknown => "?",
    }
}

fn md_cell(v: &ClientVerdict, notes: &mut Notes) -> String {
    let read = if read_mark(v) != "✔" {
        let mut note = format!(
            "read: {}, signature {}",
            v.read.status.as_str(),
            v.read.signature_shown.as_str()
        );
        if let Some(s) = &v.read.user_sees {
            let _ = write!(note, "; the client says: “{s}”");
        }
        let _ = write!(
            note,
            " (confidence: {}{}; rules: {})",
            v.read.confidence.as_str(),
            observed_note(&v.read.observed_by),
            crate::evidence::joined(&v.read.rules, ", ")
        );
        format!("R{}{}", read_mark(v), sup(notes.cite(note)))
    } else if v.read.observed_by.is_empty() {
        "R✔".to_owned()
    } else {
        let note = format!(
            "read: readable, signature {}; observed ({})",
            v.read.signature_shown.as_str(),
            v.read.observed_by.join(", ")
        );
        format!("R✔{}", sup(notes.cite(note)))
    };
    let mut parts = vec![read];
    for (label, o) in [
        ("P", &v.reply.plain),
        ("S", &v.reply.signed),
        ("E", &v.reply.encrypted),
    ] {
        parts.push(match o.status {
            Status::Yes if o.observed_by.is_empty() => format!("{label}✔{}", with_short(o)),
            Status::Yes => format!(
                "{label}✔{}{}",
                with_short(o),
                sup(notes.cite(format!(
                    "yes{}; observed ({})",
                    with_short(o),
                    o.observed_by.join(", ")
                )))
            ),
            status => {
                let glyph = match status {
                    Status::No => "✘",
                    Status::Partial => "~",
                    _ => "?",
                };
                format!("{label}{glyph}{}", sup(notes.cite(outcome_note(o))))
            }
        });
    }
    parts.join(" ")
}

/// ` (by <ids>)` after `observed`, nothing for a decision no observation confirmed.
fn observed_note(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" ({})", ids.join(", "))
    }
}

fn sup(n: usize) -> String {
    format!("<sup>{n}</sup>")
}

fn with_short(o: &Outcome) -> String {
    let Some(w) = &o.with else {
        return String::new();
    };
    let mut s = Vec::new();
    if let Some(c) = w.cipher {
        s.push(c.to_string());
    }
    if let Some(d) = w.digest {
        s.push(d.to_string());
    }
    if let Some(src) = w.recipient_certificate_from {
        s.push(format!("cert: {}", src.as_str()));
    }
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({})", s.join(", "))
    }
}

fn outcome_note(o: &Outcome) -> String {
    let mut note = format!(
        "{} `{}`",
        o.status.as_str(),
        o.reason.map(|r| r.as_str()).unwrap_or("no-reason")
    );
    if let Some(r) = o.reason {
        let _ = write!(note, ": {}", r.describe());
    }
    if let Some(s) = &o.user_sees {
        let _ = write!(note, " The client says: “{s}”.");
    }
    let _ = write!(
        note,
        " Confidence: {}{}. Rules: {}.",
        o.confidence.as_str(),
        observed_note(&o.observed_by),
        crate::evidence::joined(&o.rules, ", ")
    );
    if !o.evidence.is_empty() {
        let links: Vec<String> = o
            .evidence
            .iter()
            .enumerate()
            .map(|(i, u)| format!("[{}]({u})", i + 1))
            .collect();
        let _ = write!(note, " Evidence: {}.", links.join(" "));
    }
    note
}

// ---- text ----

/// A compact text table per profile, for a terminal.
pub fn text(matrix: &Matrix) -> String {
    let mut out = String::new();
    let width = matrix
        .samples
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(10);
    for profile in &matrix.profiles {
        let _ = writeln!(
            out,
            "profile {} ({})",
            profile.name, profile.evaluation_time
        );
        let _ = write!(out, "  {:<width$}", "sample");
        for client in &matrix.clients {
            let _ = write!(out, "  {client:<22}");
        }
        out.push('\n');
        for row in &matrix.samples {
            let _ = write!(out, "  {:<width$}", row.id);
            for cell in row.cells.iter().filter(|c| c.profile == profile.name) {
                let v = &cell.verdict;
                let glyphs = format!(
                    "R{} P{} S{} E{}",
                    read_glyph(v),
                    glyph(v.reply.plain.status),
                    glyph(v.reply.signed.status),
                    glyph(v.reply.encrypted.status)
                );
                let _ = write!(out, "  {glyphs:<22}");
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("R read, P/S/E reply plain/signed/encrypted: + yes, - no, ~ partial or warning, ? unknown\n");
    out
}

fn glyph(s: Status) -> char {
    match s {
        Status::Yes => '+',
        Status::No => '-',
        Status::Partial => '~',
        Status::Unknown => '?',
    }
}

fn read_glyph(v: &ClientVerdict) -> char {
    match read_mark(v) {
        "✔" => '+',
        "~" => '~',
        "?" => '?',
        _ => '-',
    }
}
