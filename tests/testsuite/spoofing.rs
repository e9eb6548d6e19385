//! Signature-spoofing invariants (Müller et al., USENIX Security 2019,
//! <https://www.usenix.org/conference/usenixsecurity19/presentation/muller>), checked over
//! every sample of the corpus and in particular over `corpora/senders/spoofing/`:
//!
//! 1. A signed layer is never `valid` with `covers_whole_body: true` when the visible body is
//!    not what was signed. "Visible body" and "what was signed" are worked out here
//!    independently of the inspector, from the MIME tree as mail-parser gives it: every
//!    inline `text/*` leaf must lie inside the signed part, and a clear-signed S/MIME part
//!    must not carry eContent of its own (then the displayed first part is not what the
//!    signature covers).
//! 2. `signer_matches_from` is never `true` unless `From` holds exactly one address and it
//!    is the signer's; and never `false` when it is.
//! 3. Every spoofing sample is a negative control whose twin exists and is `valid` with
//!    `covers_whole_body: true`.

use std::collections::BTreeMap;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use replymatrix::corpus::{self, Control, Sample, default_corpora_dir};
use replymatrix::facts::{Inspection, Layer, LayerForm, SignatureStatus};

fn samples() -> Vec<Sample> {
    corpus::load_samples(&default_corpora_dir().join("senders")).expect("the corpus loads")
}

fn inspect(sample: &Sample) -> (Vec<u8>, Inspection) {
    let bytes = std::fs::read(&sample.eml).expect("sample readable");
    let inputs = corpus::sample_inputs(sample, &default_corpora_dir().join("keys"))
        .expect("sample keys load");
    let inspection = replymatrix::inspect(&bytes, &inputs);
    (bytes, inspection)
}

/// One node of the top-level MIME tree, by part path (the facts.rs convention).
#[derive(Debug)]
struct Node {
    /// `text/plain`, `multipart/signed`...
    mime: String,
    /// Content-Disposition: attachment.
    attachment: bool,
    /// Decoded body of a leaf.
    contents: Vec<u8>,
}

/// The part tree of `raw` by path, and the paths of the parts a reader sees as body text:
/// inline `text/*` leaves, not the signature part of a multipart/signed.
fn mime_tree(raw: &[u8]) -> (BTreeMap<String, Node>, Vec<String>) {
    let mut nodes = BTreeMap::new();
    let mut visible = Vec::new();
    let Some(message) = MessageParser::default().parse(raw) else {
        return (nodes, visible);
    };
    // (part index, path, hidden-because-signature)
    let mut stack = vec![(0usize, String::new(), false)];
    let mut guard = 0;
    while let Some((index, path, is_signature)) = stack.pop() {
        guard += 1;
        if guard > 10_000 {
            break;
        }
        let Some(part) = message.parts.get(index) else {
            continue;
        };
        let mime = part
            .content_type()
            .map(|c| {
                format!(
                    "{}/{}",
                    c.ctype().to_ascii_lowercase(),
                    c.subtype().unwrap_or_default().to_ascii_lowercase()
                )
            })
            .unwrap_or_else(|| "text/plain".into());
        let attachment = part
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        if let PartType::Multipart(children) = &part.body {
            let signed = mime == "multipart/signed";
            for (n, &child) in children.iter().enumerate().rev() {
                let child_path = if path.is_empty() {
                    (n + 1).to_string()
                } else {
                    format!("{path}.{}", n + 1)
                };
                stack.push((
                    child as usize,
                    child_path,
                    is_signature || (signed && n == 1),
                ));
            }
        } else if mime.starts_with("text/") && !attachment && !is_signature {
            visible.push(path.clone());
        }
        nodes.insert(
            path,
            Node {
                mime,
                attachment,
                contents: part.contents().to_vec(),
            },
        );
    }
    (nodes, visible)
}

/// Whether `inner` is `outer` or below it.
fn within(inner: &str, outer: &str) -> bool {
    outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}."))
}

/// Reads one BER TLV at `pos`: (tag, content start, content end or `None` for indefinite,
/// end of the whole TLV when definite).
fn ber_tlv(data: &[u8], pos: usize) -> Option<(u8, usize, Option<usize>)> {
    let tag = *data.get(pos)?;
    let first = *data.get(pos + 1)?;
    if first == 0x80 {
        return Some((tag, pos + 2, None));
    }
    if first < 0x80 {
        let start = pos + 2;
        return Some((tag, start, Some(start + first as usize)));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *data.get(pos + 2 + i)? as usize;
    }
    let start = pos + 2 + n;
    Some((tag, start, Some(start + len)))
}

/// Whether a (BER or DER) SignedData ContentInfo carries eContent: ContentInfo → [0] →
/// SignedData → encapContentInfo (the third field) has a `[0]` after its OID (RFC 5652
/// §5.2). Only the first element of each level needs walking, plus skipping two fields.
fn has_econtent(cms: &[u8]) -> bool {
    let step = || -> Option<bool> {
        let (_, ci, _) = ber_tlv(cms, 0)?; // ContentInfo SEQUENCE
        let (_, oid_start, oid_end) = ber_tlv(cms, ci)?; // contentType OID
        let (t, explicit, _) = ber_tlv(cms, oid_end.unwrap_or(oid_start))?;
        if t != 0xA0 {
            return Some(false);
        }
        let (_, sd, _) = ber_tlv(cms, explicit)?; // SignedData SEQUENCE
        let (_, _, version_end) = ber_tlv(cms, sd)?;
        let (_, _, digests_end) = ber_tlv(cms, version_end?)?;
        let (_, eci, eci_end) = ber_tlv(cms, digests_end?)?; // EncapsulatedContentInfo
        let (_, _, oid_end) = ber_tlv(cms, eci)?;
        let oid_end = oid_end?;
        if eci_end == Some(oid_end) {
            return Some(false);
        }
        let (tag, _, _) = ber_tlv(cms, oid_end)?;
        Some(tag == 0xA0)
    };
    step().unwrap_or(false)
}

/// Why this signed layer must not claim `valid` + `covers_whole_body`, if it must not.
fn not_whole_body(layer: &Layer, inspection: &Inspection, raw: &[u8]) -> Option<String> {
    let (nodes, visible) = mime_tree(raw);
    // Layers inside decrypted or unwrapped content are not in the outer tree: only the
    // top-level entity is judged here (its structure is what the attacks rearrange).
    if !nodes.contains_key(&layer.part) {
        return None;
    }
    let inside_other_layer = inspection.layers.iter().any(|l| {
        l.part != layer.part
            && within(&layer.part, &l.part)
            && (l.kind.is_encrypted() || l.form == Some(LayerForm::Opaque))
    });
    if inside_other_layer {
        return None;
    }
    let outside: Vec<&String> = visible.iter().filter(|p| !within(p, &layer.part)).collect();
    if !outside.is_empty() {
        return Some(format!(
            "visible text parts {outside:?} lie outside the signed part {:?}",
            layer.part
        ));
    }
    // The root cannot be hidden as an attachment (Outlook writes `attachment` on an opaque
    // root `smime.p7m`, sender-formats O2, and every client opens it as the message).
    if !layer.part.is_empty()
        && let Some(node) = nodes.get(&layer.part)
        && node.attachment
    {
        return Some(format!("the signed part {:?} is an attachment", layer.part));
    }
    if layer.form == Some(LayerForm::Clear) {
        let sig_path = if layer.part.is_empty() {
            "2".to_owned()
        } else {
            format!("{}.2", layer.part)
        };
        if let Some(sig) = nodes.get(&sig_path)
            && has_econtent(&sig.contents)
        {
            return Some(format!(
                "the clear-signed part's SignedData ({}) carries its own eContent, so the displayed part is not what the signature covers",
                sig.mime
            ));
        }
    }
    None
}

/// The addresses of every `From` header.
fn from_addresses(raw: &[u8]) -> Vec<String> {
    let Some(message) = MessageParser::default().parse_headers(raw) else {
        return Vec::new();
    };
    let Some(from) = message.from() else {
        return Vec::new();
    };
    from.iter()
        .filter_map(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .collect()
}

/// Every invariant violation of one sample.
fn violations(id: &str, raw: &[u8], inspection: &Inspection) -> Vec<String> {
    let mut out = Vec::new();
    let from = from_addresses(raw);
    for layer in inspection.layers.iter().filter(|l| l.kind.is_signed()) {
        let Some(sig) = &layer.signature else {
            out.push(format!(
                "{id}: signed layer at {:?} without facts",
                layer.part
            ));
            continue;
        };
        if sig.status == SignatureStatus::Valid
            && sig.covers_whole_body
            && let Some(why) = not_whole_body(layer, inspection, raw)
        {
            out.push(format!(
                "{id}: layer {:?} is valid with covers_whole_body=true but {why}",
                layer.part
            ));
        }
        let signer = sig.signer.as_ref().and_then(|s| s.email.clone());
        match (sig.signer_matches_from, &signer) {
            (Some(true), Some(email)) if from.len() != 1 || &from[0] != email => {
                out.push(format!(
                    "{id}: layer {:?} signer {email} said to match From {from:?}",
                    layer.part
                ));
            }
            (Some(true), None) => out.push(format!(
                "{id}: layer {:?} matches From without a signer address",
                layer.part
            )),
            (Some(false), Some(email)) if from.len() == 1 && &from[0] == email => {
                out.push(format!(
                    "{id}: layer {:?} signer {email} IS the only From address but matches_from=false",
                    layer.part
                ));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_invariants_hold_over_every_sample() {
    let mut failures = Vec::new();
    for sample in samples() {
        let (raw, inspection) = inspect(&sample);
        failures.extend(violations(&sample.sidecar.id, &raw, &inspection));
    }
    assert!(
        failures.is_empty(),
        "{} violation(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_spoofing_sample_is_a_negative_control_with_a_sound_twin() {
    let all = samples();
    let by_id: BTreeMap<&str, &Sample> = all.iter().map(|s| (s.sidecar.id.as_str(), s)).collect();
    let spoofing: Vec<&Sample> = all
        .iter()
        .filter(|s| s.sidecar.id.starts_with("spoofing/"))
        .collect();
    assert!(
        spoofing.len() >= 18,
        "only {} spoofing samples",
        spoofing.len()
    );
    let mut failures = Vec::new();
    for sample in &spoofing {
        let s = &sample.sidecar;
        if s.control != Control::Negative {
            failures.push(format!("{}: not a negative control", s.id));
        }
        let Some(twin_id) = &s.pairs_with else {
            failures.push(format!("{}: no twin", s.id));
            continue;
        };
        let Some(twin) = by_id.get(twin_id.as_str()) else {
            failures.push(format!("{}: twin {twin_id} is not a sample", s.id));
            continue;
        };
        let (_, twin_inspection) = inspect(twin);
        let sound = twin_inspection.layers.iter().any(|l| {
            l.signature.as_ref().is_some_and(|sig| {
                sig.status == SignatureStatus::Valid
                    && sig.covers_whole_body
                    && sig.signer_matches_from == Some(true)
            })
        });
        if !sound {
            failures.push(format!(
                "{}: twin {twin_id} has no valid whole-body signature by its From",
                s.id
            ));
        }
        // The sample itself: it has a signed layer, and it is spoofed in a way the facts
        // show (not valid, not the whole body, not by From, or more than one signer),
        // except for display-name tricks whose facts are clean by construction.
        let (raw, inspection) = inspect(sample);
        let signed: Vec<&Layer> = inspection
            .layers
            .iter()
            .filter(|l| l.kind.is_signed())
            .collect();
        // UI redressing (05-ui) signs nothing: its "signature" is a banner in the body HTML.
        let ui_redressing = s.id.ends_with("-signature-banner");
        if ui_redressing {
            if !signed.is_empty() {
                failures.push(format!("{}: UI redressing carries no signature", s.id));
            }
            failures.extend(violations(&s.id, &raw, &inspection));
            continue;
        }
        if signed.is_empty() {
            failures.push(format!("{}: no signed layer found", s.id));
        }
        let flagged = signed.iter().any(|l| {
            l.signature.as_ref().is_some_and(|sig| {
                sig.status != SignatureStatus::Valid
                    || !sig.covers_whole_body
                    || sig.signer_matches_from != Some(true)
                    || sig.signer_count > 1
            })
        });
        if !flagged && !s.id.ends_with("-display-name") {
            failures.push(format!(
                "{}: every signed layer looks like a genuine whole-body signature by From",
                s.id
            ));
        }
        failures.extend(violations(&s.id, &raw, &inspection));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The oracle itself: unsigned text beside a signed part, an attached signed part and a
/// clear-signed part with eContent are caught; the genuine twin is not.
#[test]
fn the_oracle_tells_spoofed_from_genuine() {
    let all = samples();
    let get = |id: &str| {
        all.iter()
            .find(|s| s.sidecar.id == id)
            .unwrap_or_else(|| panic!("sample {id}"))
    };
    let claim_whole = |inspection: &mut Inspection| {
        for layer in &mut inspection.layers {
            if let Some(sig) = &mut layer.signature {
                sig.status = SignatureStatus::Valid;
                sig.covers_whole_body = true;
            }
        }
    };
    for id in [
        "spoofing/pgp-unsigned-prepended",
        "spoofing/smime-signed-as-attachment",
        "spoofing/smime-html-alternative",
        "spoofing/smime-clear-econtent-differs",
        "spoofing/smime-opaque-beside-unsigned",
        "outlook/clear-signed-unsigned-appended",
    ] {
        let (raw, mut inspection) = inspect(get(id));
        claim_whole(&mut inspection);
        assert!(
            !violations(id, &raw, &inspection).is_empty(),
            "{id}: a whole-body claim is not caught"
        );
    }
    for id in [
        "outlook/clear-signed-sha256",
        "proton/pgp-mime-signed",
        "outlook/opaque-signed",
    ] {
        let (raw, inspection) = inspect(get(id));
        assert_eq!(
            violations(id, &raw, &inspection),
            Vec::<String>::new(),
            "{id}"
        );
    }
    // A matches_from claim against a second From address is caught.
    let (raw, mut inspection) = inspect(get("spoofing/smime-two-from"));
    for layer in &mut inspection.layers {
        if let Some(sig) = &mut layer.signature {
            sig.signer_matches_from = Some(true);
        }
    }
    assert!(!violations("two-from", &raw, &inspection).is_empty());
}

/// The committed `spoofing/` samples are exactly what the generator writes (byte for byte,
/// sidecars included): regenerating into a copy of the keys changes nothing.
#[test]
fn the_committed_spoofing_samples_are_what_the_generator_writes() {
    let corpora = default_corpora_dir();
    let temp =
        std::env::temp_dir().join(format!("replymatrix-spoofing-regen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    for sub in ["x509", "openpgp", "spoofing"] {
        let from = corpora.join("keys").join(sub);
        let to = temp.join("keys").join(sub);
        std::fs::create_dir_all(&to).expect("temp keys dir");
        for entry in std::fs::read_dir(&from).expect("keys dir").flatten() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy key");
        }
    }
    let ids = replymatrix_generate::spoofing_corpus::generate(&temp).expect("generates");
    assert!(ids.len() >= 18, "{ids:?}");
    let mut differing = Vec::new();
    for id in &ids {
        for ext in ["eml", "toml"] {
            let rel = format!("senders/{id}.{ext}");
            let fresh = std::fs::read(temp.join(&rel)).expect("fresh file");
            let committed = std::fs::read(corpora.join(&rel)).unwrap_or_default();
            if fresh != committed {
                differing.push(rel);
            }
        }
    }
    // No stray committed sample the generator no longer writes.
    let committed: Vec<String> = samples()
        .into_iter()
        .map(|s| s.sidecar.id)
        .filter(|id| id.starts_with("spoofing/"))
        .collect();
    let stray: Vec<&String> = committed.iter().filter(|id| !ids.contains(id)).collect();
    let _ = std::fs::remove_dir_all(&temp);
    assert!(
        differing.is_empty(),
        "regenerated files differ: {differing:?}"
    );
    assert!(
        stray.is_empty(),
        "samples the generator does not write: {stray:?}"
    );
}
