//! The sender corpus: samples (`.eml` + `.toml` sidecar) and their schema.
//!
//! A sample is data, never code. The sidecar names the sample with a stable, namespaced id,
//! says which sender product and setting produces it and where that knowledge comes from, and
//! lists facts that `inspect` must confirm. Unknown fields are errors, so a typo in a sidecar
//! fails loudly with the file's name.

use schemars::JsonSchema;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::facts::{
    Digest, LayerForm, LayerKind, ProblemCode, SignatureAlgorithm, SignatureReasonCode,
    SignatureStatus,
};
use crate::vocabulary::vocabulary;

/// A sidecar (`<id>.toml` next to `<id>.eml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Stable namespaced id, `<family>/<name>`, equal to the sample's path below
    /// `corpora/senders/` without the extension.
    pub id: String,
    /// One line for people.
    pub title: String,
    /// The sender product and setting that produce this wire form.
    pub sender: SenderInfo,
    /// Where the wire form comes from.
    pub provenance: Provenance,
    /// The sample this one pairs with (a negative control names its positive twin).
    #[serde(default)]
    pub pairs_with: Option<String>,
    /// `positive` (a faithful sender sample or the twin of a negative one) or `negative`
    /// (tampered, spoofed, broken on purpose).
    #[serde(default = "default_control")]
    pub control: Control,
    /// Keys and certificates `inspect` is given for this sample, relative to `corpora/keys/`.
    #[serde(default)]
    pub inspect: InspectInputs,
    /// Facts `inspect` must confirm.
    #[serde(default)]
    pub expect: Expect,
}

fn default_control() -> Control {
    Control::Positive
}

vocabulary! {
    /// Positive or negative control.
    pub enum Control {
        /// The sample is what the sender really sends.
        Positive = "positive",
        /// Tampered, spoofed or broken on purpose.
        Negative = "negative",
    }
}

/// The sender product and setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderInfo {
    /// For example `Proton Mail (web)`, `Outlook for Windows (Classic)`.
    pub product: String,
    /// The version or era whose wire form this is, for example `2026` or `16.0 (M365)`.
    pub version: String,
    /// The setting that produces it, for example `Sign external messages: on`.
    pub setting: String,
}

/// Where the knowledge of this wire form comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The public source (a URL from `research/sender-formats.md` or the catalogue).
    pub url: String,
    /// `seen` (a real message or the producing code was read) or `inferred`.
    pub confidence: ProvenanceConfidence,
    /// The section of the research that describes it, for example `sender-formats P2`.
    #[serde(default)]
    pub reference: Option<String>,
    /// Anything a reviewer should know.
    #[serde(default)]
    pub note: Option<String>,
}

vocabulary! {
    /// How sure the wire form is.
    pub enum ProvenanceConfidence {
        /// Seen in real mail or documented by the sender.
        Seen = "seen",
        /// Inferred from the research; no real message seen.
        Inferred = "inferred",
    }
}

/// Extra inputs for `inspect`, as paths relative to `corpora/keys/`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectInputs {
    /// Like `--key`: PEM key+certificate or an armored OpenPGP secret key.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Like `--cert`: an X.509 certificate or an OpenPGP certificate.
    #[serde(default)]
    pub certs: Vec<String>,
}

/// Facts asserted against `inspect`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The `From` addr-spec.
    #[serde(default)]
    pub from: Option<String>,
    /// The layers, outermost first: the kinds must match exactly and in order; every other
    /// field given is asserted on that layer.
    #[serde(default)]
    pub layers: Option<Vec<ExpectLayer>>,
    /// Problem codes that must be reported (others may be too).
    #[serde(default)]
    pub problems: Vec<ProblemCode>,
}

/// Facts about one layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectLayer {
    /// `smime-signed`, `pgp-encrypted`...
    pub kind: LayerKind,
    #[serde(default)]
    /// The layer's form (`clear`, `opaque`, `mime`, `inline`...).
    pub form: Option<LayerForm>,
    #[serde(default)]
    /// The MIME part path.
    pub part: Option<String>,
    /// Signature status: `valid`, `invalid`, `unverifiable`.
    #[serde(default)]
    pub status: Option<SignatureStatus>,
    /// The signature reason's code (`valid`, `bad-signature`, `no-key`...).
    #[serde(default)]
    pub reason: Option<SignatureReasonCode>,
    #[serde(default)]
    /// The signature's digest.
    pub digest: Option<Digest>,
    #[serde(default)]
    /// The signature algorithm family.
    pub algorithm: Option<SignatureAlgorithm>,
    #[serde(default)]
    /// The signer's address.
    pub signer: Option<String>,
    #[serde(default)]
    /// Whether the signer's address equals `From`.
    pub signer_matches_from: Option<bool>,
    #[serde(default)]
    /// Whether the signature covers the whole visible body.
    pub covers_whole_body: Option<bool>,
    #[serde(default)]
    /// The content cipher.
    pub cipher: Option<String>,
    #[serde(default)]
    /// Whether the sample's keys decrypt it.
    pub decrypted: Option<bool>,
    /// How many recipients.
    #[serde(default)]
    pub recipients: Option<usize>,
    /// The SMIMECapabilities, exactly.
    #[serde(default)]
    pub capabilities: Option<Vec<String>>,
    /// How many certificates the layer carries.
    #[serde(default)]
    pub certificates: Option<usize>,
}

impl ExpectLayer {
    /// Expects a layer of this kind and nothing more about it.
    pub fn new(kind: LayerKind) -> Self {
        Self {
            kind,
            form: None,
            part: None,
            status: None,
            reason: None,
            digest: None,
            algorithm: None,
            signer: None,
            signer_matches_from: None,
            covers_whole_body: None,
            cipher: None,
            decrypted: None,
            recipients: None,
            capabilities: None,
            certificates: None,
        }
    }
}

/// One sample on disk.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The parsed sidecar.
    pub sidecar: Sidecar,
    /// The `.eml` path.
    pub eml: PathBuf,
    /// The `.toml` path.
    pub toml: PathBuf,
}

/// Parses a sidecar, naming the file in any error.
pub fn parse_sidecar(path: &Path, text: &str) -> Result<Sidecar> {
    toml::from_str(text).map_err(|e| Error::Schema {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Loads every sample below `dir` (the `corpora/senders` folder), sorted by id. Every `.eml`
/// must have its sidecar and the other way round; the sidecar id must equal its path. The
/// first file that breaks a rule is the error (see [`read_samples`] for all of them).
pub fn load_samples(dir: &Path) -> Result<Vec<Sample>> {
    let (samples, mut broken) = read_samples(dir)?;
    match broken.drain(..).next() {
        Some((_, error)) => Err(error),
        None => Ok(samples),
    }
}

/// Every sample below `dir` that loads, sorted by id, and every file that does not, with its
/// error (a sidecar that does not parse, an id that is not its path, an `.eml` without its
/// sidecar or a sidecar without its `.eml`), in path order. `Err` only when a folder cannot
/// be read.
pub fn read_samples(dir: &Path) -> Result<(Vec<Sample>, Vec<Broken>)> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    let mut samples = Vec::new();
    let mut broken = Vec::new();
    for path in &files {
        match path.extension().and_then(|e| e.to_str()) {
            Some("eml") => match load_sample(dir, path) {
                Ok(sample) => samples.push(sample),
                Err(e) => broken.push((path.clone(), e)),
            },
            Some("toml") if !path.with_extension("eml").exists() => {
                broken.push((
                    path.clone(),
                    Error::Schema {
                        path: path.clone(),
                        message: "sidecar without its .eml".into(),
                    },
                ));
            }
            _ => {}
        }
    }
    samples.sort_by(|a, b| a.sidecar.id.cmp(&b.sidecar.id));
    Ok((samples, broken))
}

/// A file below `senders/` that does not load, and why.
pub type Broken = (PathBuf, Error);

/// One sample: `eml` and its sidecar beside it.
fn load_sample(dir: &Path, eml: &Path) -> Result<Sample> {
    let toml = eml.with_extension("toml");
    let text = std::fs::read_to_string(&toml).map_err(|e| Error::io(&toml, e))?;
    let sidecar = parse_sidecar(&toml, &text)?;
    let expected_id = sample_id(dir, eml);
    if sidecar.id != expected_id {
        return Err(Error::Schema {
            path: toml,
            message: format!(
                "id {:?} does not match its path {:?}",
                sidecar.id, expected_id
            ),
        });
    }
    Ok(Sample {
        sidecar,
        eml: eml.to_path_buf(),
        toml,
    })
}

/// `<family>/<name>` for a sample path below `dir`.
pub fn sample_id(dir: &Path, eml: &Path) -> String {
    let rel = eml.strip_prefix(dir).unwrap_or(eml).with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The nearest corpora folder for the command line: `start` itself when it holds
/// `senders/`, else `start/corpora`, else the same in each folder above `start`.
pub fn find_corpora(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        [dir.to_path_buf(), dir.join("corpora")]
            .into_iter()
            .find(|c| c.join("senders").is_dir())
    })
}

/// The `corpora/` folder of the source tree this library was built from (for tests and
/// benchmarks; the command line looks for one with [`find_corpora`]).
pub fn default_corpora_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("corpora")
}

/// The `inspect` inputs a sample's sidecar names, read from `keys_dir`.
pub fn sample_inputs(sample: &Sample, keys_dir: &Path) -> Result<crate::Inputs> {
    let mut inputs = crate::Inputs::default();
    for cert in &sample.sidecar.inspect.certs {
        inputs.add_cert_file(&keys_dir.join(cert))?;
    }
    for key in &sample.sidecar.inspect.keys {
        inputs.add_key_file(&keys_dir.join(key))?;
    }
    Ok(inputs)
}

/// Something wrong with a sample (or a file beside it), and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong, naming the file or field.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

impl Finding {
    /// A finding with its fix.
    pub fn new(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (fix: {})", self.problem, self.fix)
    }
}

/// The first bare LF (an LF without its CR) in a message, as a finding: samples are kept as
/// SMTP carries them, with CRLF line ends, because that is what every sender in the corpus
/// puts on the wire and what the signed-bytes rules are written for.
pub fn line_ends(bytes: &[u8]) -> Option<Finding> {
    let at = bare_lf(bytes).next()?;
    let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let bare = bare_lf(bytes).count();
    Some(Finding::new(
        format!(
            "bare LF on the wire: line {line} (byte {at}) ends in LF without CR, and {bare} line(s) \
             in all; samples are kept as SMTP carries them, with CRLF line ends"
        ),
        "add the message with `replymatrix corpus add FILE --id family/name`, which converts \
         the line ends when that leaves every signature as it was and says so; or make it again \
         with CRLF line ends (openssl: `-crlfeol`)",
    ))
}

/// The offsets of the bare LFs (LF without CR before it) in `bytes`.
pub fn bare_lf(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' && (*i == 0 || bytes[*i - 1] != b'\r'))
        .map(|(i, _)| i)
}

/// `bytes` with every bare LF turned into CRLF (existing CRLF and lone CR left alone).
pub fn with_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut from = 0;
    for at in bare_lf(bytes) {
        out.extend_from_slice(&bytes[from..at]);
        out.extend_from_slice(b"\r\n");
        from = at + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out
}

/// Every check the test suite makes of one sample's own files: the sidecar's required
/// content (title, provenance URL, expected layers), its twin (`pairs_with` names a sample; a
/// negative control names one), the keys it names, the message's line ends, and its `expect`
/// against what `inspect` finds. `ids` holds every sample id of the corpus. Empty when the
/// sample is sound.
pub fn check_sample(sample: &Sample, ids: &BTreeSet<&str>, keys_dir: &Path) -> Vec<Finding> {
    let s = &sample.sidecar;
    let toml = sample.toml.display();
    let mut findings = Vec::new();
    if s.title.trim().is_empty() {
        findings.push(Finding::new(
            format!("{toml}: the title is empty"),
            "give the sample one line for people: `title = \"...\"`",
        ));
    }
    // What `replymatrix corpus add` leaves for a person to say.
    for (field, value, meaning) in [
        ("title", Some(&s.title), "one line for people"),
        (
            "[sender] product",
            Some(&s.sender.product),
            "the sending product, for example `Outlook for Windows (Classic)`",
        ),
        (
            "[sender] version",
            Some(&s.sender.version),
            "the version or era whose wire form this is, for example `16.0 (Microsoft 365)`",
        ),
        (
            "[sender] setting",
            Some(&s.sender.setting),
            "the setting that produces this wire form",
        ),
        (
            "[provenance] url",
            Some(&s.provenance.url),
            "the public source of this wire form (https://...)",
        ),
        (
            "[provenance] reference",
            s.provenance.reference.as_ref(),
            "the research section, or remove the line",
        ),
        (
            "[provenance] note",
            s.provenance.note.as_ref(),
            "what a reviewer should know, or remove the line",
        ),
    ] {
        if value.is_some_and(|v| v.trim_start().starts_with("TODO")) {
            findings.push(Finding::new(
                format!("{toml}: {field} is still a TODO placeholder"),
                format!("replace it with {meaning}"),
            ));
        }
    }
    let url = &s.provenance.url;
    let placeholder = url.trim_start().starts_with("TODO");
    if !(placeholder || url.starts_with("https://") || url.starts_with("http://")) {
        findings.push(Finding::new(
            format!(
                "{toml}: [provenance] url {:?} is not an http(s) URL",
                s.provenance.url
            ),
            "give the public source of this wire form: `url = \"https://...\"`",
        ));
    }
    match &s.pairs_with {
        Some(twin) if !ids.contains(twin.as_str()) => {
            let family = s.id.split('/').next().unwrap_or_default();
            let siblings: Vec<&str> = ids
                .iter()
                .copied()
                .filter(|id| id.starts_with(&format!("{family}/")) && *id != s.id)
                .collect();
            findings.push(Finding::new(
                format!("{toml}: pairs_with {twin:?} names no sample"),
                format!(
                    "name the twin by its id, `family/name` as below corpora/senders/ without \
                     `.eml`{}",
                    if siblings.is_empty() {
                        String::new()
                    } else {
                        format!(" ({family}/ has {})", siblings.join(", "))
                    }
                ),
            ));
        }
        None if s.control == Control::Negative => findings.push(Finding::new(
            format!("{toml}: a negative control names no positive twin"),
            "add `pairs_with = \"family/name\"`: the genuine sample this one tampers with or \
             imitates (every negative control names its positive twin)",
        )),
        _ => {}
    }
    if s.expect.layers.is_none() {
        findings.push(Finding::new(
            format!("{toml}: [expect] lists no layers"),
            "add a `[[expect.layers]]` table per layer `inspect` must find, outermost first \
             (`replymatrix corpus add` writes them from what it finds), or `layers = []` under \
             [expect] for a message with none",
        ));
    }
    let inputs = match sample_inputs(sample, keys_dir) {
        Ok(inputs) => inputs,
        Err(e) => {
            findings.push(Finding::new(
                format!("{toml}: [inspect]: {e}"),
                format!(
                    "[inspect] keys and certs are paths below {} (see its README.md)",
                    keys_dir.display()
                ),
            ));
            return findings;
        }
    };
    let bytes = match std::fs::read(&sample.eml) {
        Ok(bytes) => bytes,
        Err(e) => {
            findings.push(Finding::new(
                format!("{}: {e}", sample.eml.display()),
                "make the file readable",
            ));
            return findings;
        }
    };
    findings.extend(line_ends(&bytes).map(|f| Finding {
        problem: format!("{}: {}", sample.eml.display(), f.problem),
        fix: f.fix,
    }));
    let inspection = crate::inspect(&bytes, &inputs);
    let mut command = format!("replymatrix inspect {}", sample.eml.display());
    for key in &s.inspect.keys {
        command.push_str(&format!(" --key {}", keys_dir.join(key).display()));
    }
    for cert in &s.inspect.certs {
        command.push_str(&format!(" --cert {}", keys_dir.join(cert).display()));
    }
    for failure in check_expectations(&s.expect, &inspection) {
        findings.push(Finding::new(
            format!("{toml}: {failure}"),
            format!(
                "if `{command}` is right, correct [expect]; if the sidecar is right, the \
                 inspector is wrong: report it with the sample"
            ),
        ));
    }
    findings
}

/// Every way the inspection disagrees with the sidecar's `expect`; empty when it holds.
pub fn check_expectations(expect: &Expect, inspection: &crate::Inspection) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(from) = &expect.from
        && inspection.from.as_deref() != Some(from.as_str())
    {
        failures.push(format!(
            "from: expected {from}, got {}",
            inspection.from.as_deref().unwrap_or("no From address")
        ));
    }
    for code in &expect.problems {
        if !inspection.problems.iter().any(|p| p.code == *code) {
            let reported: Vec<&str> = inspection
                .problems
                .iter()
                .map(|p| p.code.as_str())
                .collect();
            failures.push(format!(
                "problem {code} not reported (reported: {})",
                if reported.is_empty() {
                    "none".to_owned()
                } else {
                    reported.join(", ")
                }
            ));
        }
    }
    let Some(layers) = &expect.layers else {
        return failures;
    };
    let got: Vec<&str> = inspection.layers.iter().map(|l| l.kind.as_str()).collect();
    let want: Vec<&str> = layers.iter().map(|l| l.kind.as_str()).collect();
    if got != want {
        failures.push(format!(
            "layers: expected [{}], got [{}]",
            want.join(", "),
            got.join(", ")
        ));
        return failures;
    }
    for (n, (want, got)) in layers.iter().zip(&inspection.layers).enumerate() {
        let sig = got.signature.as_ref();
        let enc = got.encryption.as_ref();
        // The signature's own words, so that a mismatch says why it came out as it did.
        let because = sig.map(|s| format!(" ({})", s.reason)).unwrap_or_default();
        let mut check = |field: &str, want: Option<String>, got: Option<String>, context: &str| {
            if let Some(want) = want
                && got.as_deref() != Some(want.as_str())
            {
                failures.push(format!(
                    "layer {n} ({}) {field}: expected {want}, got {}{context}",
                    got_kind(inspection, n),
                    got.as_deref().unwrap_or("nothing")
                ));
            }
        };
        let text = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string());
        check(
            "form",
            text(want.form.as_ref().map(|f| f as _)),
            text(got.form.as_ref().map(|f| f as _)),
            "",
        );
        check(
            "part",
            want.part.as_ref().map(|p| format!("{p:?}")),
            Some(format!("{:?}", got.part)),
            "",
        );
        check(
            "status",
            text(want.status.as_ref().map(|s| s as _)),
            text(sig.map(|s| &s.status as _)),
            &because,
        );
        check(
            "digest",
            text(want.digest.as_ref().map(|d| d as _)),
            text(sig.and_then(|s| s.digest.as_ref()).map(|d| d as _)),
            "",
        );
        check(
            "algorithm",
            text(want.algorithm.as_ref().map(|a| a as _)),
            text(sig.and_then(|s| s.algorithm.as_ref()).map(|a| a as _)),
            "",
        );
        check(
            "signer",
            want.signer.clone(),
            sig.and_then(|s| s.signer.as_ref())
                .and_then(|s| s.email.clone()),
            &because,
        );
        check(
            "signer_matches_from",
            want.signer_matches_from.map(|b| b.to_string()),
            sig.and_then(|s| s.signer_matches_from)
                .map(|b| b.to_string()),
            "",
        );
        check(
            "covers_whole_body",
            want.covers_whole_body.map(|b| b.to_string()),
            sig.map(|s| s.covers_whole_body.to_string()),
            &because,
        );
        check(
            "cipher",
            want.cipher.clone(),
            enc.and_then(|e| e.cipher.clone()),
            "",
        );
        check(
            "decrypted",
            want.decrypted.map(|b| b.to_string()),
            enc.map(|e| e.decrypted.to_string()),
            "",
        );
        check(
            "recipients",
            want.recipients.map(|n| n.to_string()),
            enc.map(|e| e.recipients.len().to_string()),
            "",
        );
        check(
            "capabilities",
            want.capabilities
                .as_ref()
                .map(|c| format!("[{}]", c.join(", "))),
            got.capabilities
                .as_ref()
                .map(|c| format!("[{}]", c.join(", "))),
            "",
        );
        check(
            "certificates",
            want.certificates.map(|n| n.to_string()),
            Some(got.certificates.len().to_string()),
            "",
        );
        if let Some(reason) = want.reason {
            let got_reason = sig.map(|s| s.reason.code());
            if got_reason != Some(reason) {
                failures.push(format!(
                    "layer {n} ({}) reason: expected {reason}, got {}",
                    got_kind(inspection, n),
                    sig.map_or_else(|| "no signature".to_owned(), |s| s.reason.to_string())
                ));
            }
        }
    }
    failures
}

fn got_kind(inspection: &crate::Inspection, n: usize) -> &'static str {
    inspection
        .layers
        .get(n)
        .map(|l| l.kind.as_str())
        .unwrap_or_default()
}
