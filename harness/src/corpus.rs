//! The sender corpus: samples (`.eml` + `.toml` sidecar) and their schema.
//!
//! A sample is data, never code. The sidecar names the sample with a stable, namespaced id,
//! says which sender product and setting produces it and where that knowledge comes from, and
//! lists facts that `inspect` must confirm. Unknown fields are errors, so a typo in a sidecar
//! fails loudly with the file's name.

use schemars::JsonSchema;
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
/// must have its sidecar and the other way round; the sidecar id must equal its path.
pub fn load_samples(dir: &Path) -> Result<Vec<Sample>> {
    let mut emls = Vec::new();
    collect_files(dir, &mut emls)?;
    let mut samples = Vec::new();
    for path in &emls {
        match path.extension().and_then(|e| e.to_str()) {
            Some("eml") => {
                let toml = path.with_extension("toml");
                let text = std::fs::read_to_string(&toml).map_err(|e| Error::io(&toml, e))?;
                let sidecar = parse_sidecar(&toml, &text)?;
                let expected_id = sample_id(dir, path);
                if sidecar.id != expected_id {
                    return Err(Error::Schema {
                        path: toml,
                        message: format!(
                            "id {:?} does not match its path {:?}",
                            sidecar.id, expected_id
                        ),
                    });
                }
                samples.push(Sample {
                    sidecar,
                    eml: path.clone(),
                    toml,
                });
            }
            Some("toml") => {
                let eml = path.with_extension("eml");
                if !eml.exists() {
                    return Err(Error::Schema {
                        path: path.clone(),
                        message: "sidecar without its .eml".into(),
                    });
                }
            }
            _ => {}
        }
    }
    samples.sort_by(|a, b| a.sidecar.id.cmp(&b.sidecar.id));
    Ok(samples)
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

/// The `corpora/` folder of this repository (for tests and the default CLI paths).
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

/// Every way the inspection disagrees with the sidecar's `expect`; empty when it holds.
pub fn check_expectations(expect: &Expect, inspection: &crate::Inspection) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(from) = &expect.from
        && inspection.from.as_deref() != Some(from.as_str())
    {
        failures.push(format!(
            "from: expected {from:?}, got {:?}",
            inspection.from
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
