//! Properties of the whole pipeline over the sender corpus and over generated messages:
//! determinism, monotonicity of the client models in what the environment offers,
//! tamper-evidence of every valid signature, consistency of verdicts, a parameter round trip
//! through real CMS signing and encryption, and no panic on arbitrary or mutated bytes.
//!
//! Randomness is proptest's, with its deterministic per-test seed persistence disabled only
//! where noted; CMS session keys come from a fixed-seed RNG.

use crate::support::{digest_oid, hash};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use proptest::prelude::*;
use replymatrix::clients::ClientId;
use replymatrix::corpus::{self, Sample};
use replymatrix::explain::{self, Explanation};
use replymatrix::facts::{Digest, LayerForm, LayerKind, SignatureAlgorithm, SignatureStatus};
use replymatrix::profile::{Contact, OwnCertificate, PrivateKeyLocation, Profile};
use replymatrix::verdict::{CertificateSource, Outcome, Status};
use replymatrix::{Inputs, Inspection, inspect, inspection_text};

// ---------------------------------------------------------------------------------------
// The corpus, loaded once
// ---------------------------------------------------------------------------------------

struct Loaded {
    sample: Sample,
    bytes: Vec<u8>,
    inputs: Inputs,
    inspection: Inspection,
}

use crate::support::{corpora, keys_dir};

/// Every corpus sample with its bytes, its sidecar inputs and its inspection.
fn loaded() -> &'static [Loaded] {
    static LOADED: OnceLock<Vec<Loaded>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let samples = corpus::load_samples(&corpora().join("senders")).expect("corpus loads");
        assert!(samples.len() >= 45, "corpus too small: {}", samples.len());
        samples
            .into_iter()
            .map(|sample| {
                let bytes = std::fs::read(&sample.eml).expect("sample readable");
                let inputs = corpus::sample_inputs(&sample, &keys_dir()).expect("inputs load");
                let inspection = inspect(&bytes, &inputs);
                Loaded {
                    sample,
                    bytes,
                    inputs,
                    inspection,
                }
            })
            .collect()
    })
}

/// The shipped profiles (`corpora/profiles/*.toml`), resolved, sorted by file name.
fn profile_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpora().join("profiles"))
        .expect("profiles dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "expected the five shipped profiles");
    paths
}

fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        profile_paths()
            .iter()
            .map(|p| Profile::load(p, &keys_dir()).expect("profile loads"))
            .collect()
    })
}

fn outcomes(e: &Explanation) -> Vec<(ClientId, &'static str, &Outcome)> {
    let mut out = Vec::new();
    for c in &e.clients {
        out.push((c.client, "plain", &c.reply.plain));
        out.push((c.client, "signed", &c.reply.signed));
        out.push((c.client, "encrypted", &c.reply.encrypted));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------

/// Inspecting, modelling and rendering twice gives byte-identical output for every sample
/// and every profile (no clock, no unseeded randomness, no hash-map order leaks).
#[test]
fn inspecting_modelling_and_rendering_are_deterministic() {
    for l in loaded() {
        let id = &l.sample.sidecar.id;
        let again = inspect(&l.bytes, &l.inputs);
        assert_eq!(l.inspection, again, "{id}: inspection differs");
        let json = |i: &Inspection| serde_json::to_string(i).expect("serialises");
        assert_eq!(json(&l.inspection), json(&again), "{id}: JSON differs");
        assert_eq!(
            inspection_text(&l.inspection),
            inspection_text(&again),
            "{id}: text differs"
        );
        for profile in profiles() {
            let a = explain::explain(&l.inspection, profile, None);
            let b = explain::explain(&again, profile, None);
            assert_eq!(a, b, "{id} / {}: explanation differs", profile.name);
            assert_eq!(
                serde_json::to_string(&a).expect("serialises"),
                serde_json::to_string(&b).expect("serialises"),
                "{id} / {}: explanation JSON differs",
                profile.name
            );
            assert_eq!(
                explain::explain_text(&a),
                explain::explain_text(&b),
                "{id} / {}: explanation text differs",
                profile.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Monotonicity
// ---------------------------------------------------------------------------------------

/// One way to give the recipient's environment more: each must never take a `yes` away.
#[derive(Clone, Copy, Debug)]
enum Gift {
    WindowsRoots,
    SstRoots,
    MailContactWithSenderCertificate,
    OwaExtension,
    OwnKeysAndCertificates,
    /// Outlook mobile: S/MIME on, the own certificates delivered by Intune, an LDAP host.
    MobileSmime,
    /// The sender's certificates installed on the phone (S/MIME bar), in the Mac keychain,
    /// on Mac contacts and on the LDAP endpoint.
    SenderCertificatesOnDevices,
    /// Outlook for Mac: the own identities and every root in the keychain, certificates
    /// without a matching address allowed.
    MacKeychain,
    /// Every gift above at once.
    All,
}

const GIFTS: [Gift; 9] = [
    Gift::WindowsRoots,
    Gift::SstRoots,
    Gift::MailContactWithSenderCertificate,
    Gift::OwaExtension,
    Gift::OwnKeysAndCertificates,
    Gift::MobileSmime,
    Gift::SenderCertificatesOnDevices,
    Gift::MacKeychain,
    Gift::All,
];

const ROOTS: [&str; 3] = [
    "x509/public-root-ca.cert.pem",
    "x509/enterprise-root-ca.cert.pem",
    "x509/untrusted-root-ca.cert.pem",
];

/// The persona certificate files (below `corpora/keys/`) whose addresses include `address`.
fn persona_certs_for(address: &str) -> Vec<String> {
    static CERTS: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    let all = CERTS.get_or_init(|| {
        let dir = keys_dir().join("x509");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("x509 dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".cert.pem"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(dir.join(&n)).expect("cert readable");
                let certs = replymatrix::smime::load_certs(&bytes);
                let emails = certs
                    .first()
                    .map(|c| {
                        replymatrix::smime::certificate_facts(
                            c,
                            replymatrix::facts::CertificateRole::Encryption,
                        )
                        .emails
                    })
                    .unwrap_or_default();
                (format!("x509/{n}"), emails)
            })
            .collect()
    });
    all.iter()
        .filter(|(_, emails)| emails.iter().any(|e| e == address))
        .map(|(n, _)| n.clone())
        .collect()
}

/// `profile` with `gift` added to its spec, re-resolved from the key files.
fn with_gift(profile: &Profile, gift: Gift, from: Option<&str>) -> Profile {
    if let Gift::All = gift {
        let mut p = profile.clone();
        for one in &GIFTS[..GIFTS.len() - 1] {
            p = with_gift(&p, *one, from);
        }
        return p;
    }
    let mut p = profile.clone();
    match gift {
        Gift::All => {}
        Gift::WindowsRoots => {
            for root in ROOTS {
                if !p
                    .workstation
                    .windows_trusted_roots
                    .iter()
                    .any(|r| r == root)
                {
                    p.workstation.windows_trusted_roots.push(root.to_owned());
                }
            }
        }
        Gift::SstRoots => {
            for root in ROOTS {
                if !p.tenant.sst_roots.iter().any(|r| r == root) {
                    p.tenant.sst_roots.push(root.to_owned());
                }
            }
        }
        Gift::MailContactWithSenderCertificate => {
            if let Some(from) = from {
                for cert in persona_certs_for(from) {
                    p.tenant.mail_contacts.push(Contact {
                        address: from.to_owned(),
                        certificate: cert,
                    });
                }
            }
        }
        Gift::OwaExtension => p.workstation.owa_smime_extension = true,
        Gift::MobileSmime => {
            p.mobile.smime_enabled = true;
            p.mobile.certificate_delivery = replymatrix::profile::CertificateDelivery::Intune;
            p.mobile.ldap_host = "ldaps://ldap.northwind.example".to_owned();
        }
        Gift::SenderCertificatesOnDevices => {
            if let Some(from) = from {
                for cert in persona_certs_for(from) {
                    let c = Contact {
                        address: from.to_owned(),
                        certificate: cert,
                    };
                    p.mobile.device_certificates.push(c.clone());
                    p.mac.keychain_certificates.push(c.clone());
                    p.mac.contacts.push(c.clone());
                    p.tenant.ldap_contacts.push(c);
                }
            }
        }
        Gift::MacKeychain => {
            p.mac.own_certificates_in_keychain = true;
            p.mac.allow_certs_without_matching_email_address = true;
            for root in ROOTS {
                if !p.mac.keychain_trusted_roots.iter().any(|r| r == root) {
                    p.mac.keychain_trusted_roots.push(root.to_owned());
                }
            }
        }
        Gift::OwnKeysAndCertificates => {
            for cert in [
                "x509/robin-enterprise.cert.pem",
                "x509/robin-public.cert.pem",
            ] {
                if !p.recipient.certificates.iter().any(|c| c.cert == cert) {
                    p.recipient.certificates.push(OwnCertificate {
                        cert: cert.to_owned(),
                        private_key: PrivateKeyLocation::WindowsStore,
                        published_to_gal: true,
                    });
                }
            }
            let own_pgp = "openpgp/robin.sec.asc".to_owned();
            if !p.workstation.gpgol_secret_keys.contains(&own_pgp) {
                p.workstation.gpgol_secret_keys.push(own_pgp);
            }
        }
    }
    p.resolve(&keys_dir()).expect("gifted profile resolves");
    p
}

/// For every sample, every shipped profile and every gift: no reply form of any client goes
/// from `yes` to `no`. A failure is a model bug, reported with the full case.
#[test]
fn giving_the_environment_more_never_turns_a_yes_into_a_no() {
    let mut violations = Vec::new();
    let mut yes_compared = 0usize;
    for profile in profiles() {
        for gift in GIFTS {
            // The gifted profile depends on the sample only through `from` (mail contact).
            let mut by_from: std::collections::BTreeMap<Option<String>, Profile> =
                std::collections::BTreeMap::new();
            for l in loaded() {
                let from = match gift {
                    Gift::MailContactWithSenderCertificate
                    | Gift::SenderCertificatesOnDevices
                    | Gift::All => l.inspection.from.clone(),
                    _ => None,
                };
                let gifted = by_from
                    .entry(from)
                    .or_insert_with_key(|from| with_gift(profile, gift, from.as_deref()));
                let before = explain::explain(&l.inspection, profile, None);
                let after = explain::explain(&l.inspection, gifted, None);
                for ((client, mode, b), (_, _, a)) in
                    outcomes(&before).into_iter().zip(outcomes(&after))
                {
                    yes_compared += usize::from(b.status == Status::Yes);
                    if b.status == Status::Yes && a.status == Status::No {
                        violations.push(format!(
                            "sample {} / profile {} / gift {gift:?} / {} {mode}: yes {:?} -> no {:?} ({:?})",
                            l.sample.sidecar.id,
                            profile.name,
                            client.as_str(),
                            b.rules,
                            a.rules,
                            a.reason,
                        ));
                    }
                }
            }
        }
    }
    // Not vacuous: thousands of `yes` answers are re-checked under every gift.
    assert!(
        yes_compared > 1_000,
        "only {yes_compared} yes outcomes compared"
    );
    assert!(
        violations.is_empty(),
        "MODEL BUG: {} monotonicity violation(s):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Consistency
// ---------------------------------------------------------------------------------------

/// Over all samples × profiles × clients: an encrypted `yes` says whose certificate it
/// encrypts to, a signed `yes` says with which digest, and an OpenPGP-only message is only
/// ever encrypted to with a key from the GpgOL keyring.
#[test]
fn yes_verdicts_name_what_they_use() {
    let mut failures = Vec::new();
    for l in loaded() {
        let id = &l.sample.sidecar.id;
        let openpgp_only = !l.inspection.layers.is_empty()
            && l.inspection.layers.iter().all(|layer| {
                matches!(
                    layer.kind,
                    LayerKind::PgpSigned | LayerKind::PgpEncrypted | LayerKind::PgpKey
                )
            });
        for profile in profiles() {
            let e = explain::explain(&l.inspection, profile, None);
            for c in &e.clients {
                let who = format!("{id} / {} / {}", profile.name, c.client.as_str());
                let enc = &c.reply.encrypted;
                if enc.status == Status::Yes {
                    let from = enc.with.as_ref().and_then(|w| w.recipient_certificate_from);
                    match from {
                        None => failures
                            .push(format!("{who}: encrypted yes without a certificate source")),
                        Some(src) if openpgp_only && src != CertificateSource::Keyring => failures
                            .push(format!(
                                "{who}: OpenPGP-only message encrypted to a {} certificate",
                                src.as_str()
                            )),
                        Some(_) => {}
                    }
                }
                let signed = &c.reply.signed;
                // Outlook mobile and Outlook for Mac document no signing hash (MOB-43,
                // MAC-24): their signed `yes` names none.
                let hash_documented =
                    !matches!(c.client, ClientId::OutlookMobile | ClientId::OutlookMac);
                if signed.status == Status::Yes
                    && hash_documented
                    && signed
                        .with
                        .as_ref()
                        .and_then(|w| w.digest.as_ref())
                        .is_none()
                {
                    failures.push(format!("{who}: signed yes without a digest"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------------

/// Where a byte can be changed so that a valid signature must stop being valid.
#[derive(Clone, Debug)]
enum Region {
    /// `message[start..end]` is signed content (RFC 1847 first body part).
    Raw {
        start: usize,
        end: usize,
        text_only: bool,
    },
    /// The base64 body `message[body_start..body_end]` decodes to DER in which
    /// `inner_start..inner_end` is signed content or a signature value.
    Base64 {
        body_start: usize,
        body_end: usize,
        inner_start: usize,
        inner_end: usize,
    },
    /// The armored OpenPGP signature `message[body_start..body_end]`, whose dearmored
    /// packet bytes hold the signature MPIs at `inner_start..inner_end`.
    PgpArmor {
        body_start: usize,
        body_end: usize,
        inner_start: usize,
        inner_end: usize,
    },
}

/// One valid signature to tamper with.
#[derive(Clone, Debug)]
struct Target {
    sample: usize,
    kind: LayerKind,
    part: String,
    region: Region,
    what: &'static str,
}

/// The mail-parser part at a walker part path (`""`, `"1"`, `"1.2"`), when the path runs
/// through multiparts only (layers inside decrypted content have no raw bytes).
fn part_at<'a>(
    message: &'a mail_parser::Message<'a>,
    path: &str,
) -> Option<&'a mail_parser::MessagePart<'a>> {
    let mut part = message.parts.first()?;
    if path.is_empty() {
        return Some(part);
    }
    for step in path.split('.') {
        let n: usize = step.parse().ok()?;
        let PartType::Multipart(children) = &part.body else {
            return None;
        };
        let child = *children.get(n.checked_sub(1)?)? as usize;
        part = message.parts.get(child)?;
    }
    Some(part)
}

fn body_range(part: &mail_parser::MessagePart) -> (usize, usize) {
    (part.offset_body as usize, part.offset_end as usize)
}

/// Decodes a base64 body (whitespace ignored).
fn decode_b64(text: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    B64.decode(clean).ok()
}

/// Where `needle` sits in `hay` (first occurrence).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The byte ranges, in the DER, of the eContent (opaque only) and of every signature value.
fn cms_regions(der_bytes: &[u8]) -> Vec<(usize, usize, &'static str)> {
    let mut out = Vec::new();
    let decoded = cms::content_info::ContentInfo::from_der(der_bytes)
        .ok()
        .and_then(|ci| ci.content.decode_as::<cms::signed_data::SignedData>().ok());
    let Some(sd) = decoded else {
        // BER (Classic Outlook's indefinite lengths and chunked eContent, sender-formats
        // O1) is not DER: locate by content instead. The encapsulated MIME entity starts
        // with its Content-Type header; an RSA-2048 signature value is the last
        // `04 82 01 00` OCTET STRING.
        let lower = der_bytes.to_ascii_lowercase();
        if let Some(at) = find(&lower, b"content-type:") {
            out.push((at, at + 13, "opaque eContent"));
        }
        if let Some(at) = der_bytes
            .windows(4)
            .rposition(|w| w == [0x04, 0x82, 0x01, 0x00])
            && at + 4 + 256 <= der_bytes.len()
        {
            out.push((at + 4, at + 4 + 256, "CMS signature value"));
        }
        return out;
    };
    if let Some(econtent) = &sd.encap_content_info.econtent {
        let value = econtent.value();
        if let Some(at) = find(der_bytes, value) {
            out.push((at, at + value.len(), "opaque eContent"));
        }
    }
    for si in sd.signer_infos.0.iter() {
        let sig = si.signature.as_bytes();
        if let Some(at) = find(der_bytes, sig) {
            out.push((at, at + sig.len(), "CMS signature value"));
        }
    }
    out
}

/// The byte range of the signature MPIs in a dearmored OpenPGP signature.
fn pgp_signature_region(binary: &[u8]) -> Option<(usize, usize)> {
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::serialize::MarshalInto;
    let packet = sequoia_openpgp::Packet::from_bytes(binary).ok()?;
    let sequoia_openpgp::Packet::Signature(sig) = packet else {
        return None;
    };
    let mpis = sig.mpis().to_vec().ok()?;
    let at = find(binary, &mpis)?;
    Some((at, at + mpis.len()))
}

fn dearmor(text: &[u8]) -> Option<Vec<u8>> {
    use sequoia_openpgp::armor::{Kind, Reader, ReaderMode};
    use std::io::Read;
    let mut reader = Reader::from_bytes(text, ReaderMode::Tolerant(Some(Kind::Signature)));
    let mut out = Vec::new();
    reader.read_to_end(&mut out).ok()?;
    Some(out)
}

fn armor(binary: &[u8]) -> Vec<u8> {
    use sequoia_openpgp::armor::{Kind, Writer};
    use std::io::Write;
    let mut w = Writer::new(Vec::new(), Kind::Signature).expect("armor writer");
    w.write_all(binary).expect("armor write");
    w.finalize().expect("armor finalize")
}

/// Every tamper target in the corpus: for each `valid` signed layer whose bytes are in the
/// raw message, its signed content and (where it can be located) its signature value.
fn targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let mut out = Vec::new();
        for (index, l) in loaded().iter().enumerate() {
            let Some(message) = MessageParser::default().parse(&l.bytes) else {
                continue;
            };
            for layer in &l.inspection.layers {
                let valid = layer
                    .signature
                    .as_ref()
                    .is_some_and(|s| s.status == SignatureStatus::Valid);
                if !valid {
                    continue;
                }
                let Some(part) = part_at(&message, &layer.part) else {
                    continue;
                };
                let push = |out: &mut Vec<Target>, region, what| {
                    out.push(Target {
                        sample: index,
                        kind: layer.kind,
                        part: layer.part.clone(),
                        region,
                        what,
                    })
                };
                match layer.form {
                    Some(LayerForm::Clear) | Some(LayerForm::Mime) => {
                        let Some(boundary) =
                            part.content_type().and_then(|c| c.attribute("boundary"))
                        else {
                            continue;
                        };
                        let (start, end) = body_range(part);
                        let Some(entity) = l.bytes.get(start..end) else {
                            continue;
                        };
                        if let Some(first) = replymatrix::mime::first_body_part(entity, boundary) {
                            let at = first.as_ptr() as usize - l.bytes.as_ptr() as usize;
                            push(
                                &mut out,
                                Region::Raw {
                                    start: at,
                                    end: at + first.len(),
                                    text_only: false,
                                },
                                "signed first body part",
                            );
                        }
                        let PartType::Multipart(children) = &part.body else {
                            continue;
                        };
                        let Some(sig_part) =
                            children.get(1).and_then(|c| message.parts.get(*c as usize))
                        else {
                            continue;
                        };
                        let (bs, be) = body_range(sig_part);
                        let Some(sig_text) = l.bytes.get(bs..be) else {
                            continue;
                        };
                        if layer.kind == LayerKind::SmimeSigned {
                            if let Some(der_bytes) = decode_b64(sig_text) {
                                for (is, ie, what) in cms_regions(&der_bytes) {
                                    push(
                                        &mut out,
                                        Region::Base64 {
                                            body_start: bs,
                                            body_end: be,
                                            inner_start: is,
                                            inner_end: ie,
                                        },
                                        what,
                                    );
                                }
                            }
                        } else if let Some(binary) = dearmor(sig_text)
                            && let Some((is, ie)) = pgp_signature_region(&binary)
                        {
                            push(
                                &mut out,
                                Region::PgpArmor {
                                    body_start: bs,
                                    body_end: be,
                                    inner_start: is,
                                    inner_end: ie,
                                },
                                "OpenPGP signature MPIs",
                            );
                        }
                    }
                    Some(LayerForm::Opaque) => {
                        let (bs, be) = body_range(part);
                        let Some(text) = l.bytes.get(bs..be) else {
                            continue;
                        };
                        if let Some(der_bytes) = decode_b64(text) {
                            for (is, ie, what) in cms_regions(&der_bytes) {
                                push(
                                    &mut out,
                                    Region::Base64 {
                                        body_start: bs,
                                        body_end: be,
                                        inner_start: is,
                                        inner_end: ie,
                                    },
                                    what,
                                );
                            }
                        }
                    }
                    Some(LayerForm::Inline) => {
                        // Cleartext-signed text: the lines between the armor header block and
                        // the signature. Only letters and digits are changed (the cleartext
                        // framework ignores trailing whitespace, RFC 9580 §7.2).
                        let (bs, be) = body_range(part);
                        let Some(text) = l.bytes.get(bs..be) else {
                            continue;
                        };
                        let Some(begin) = find(text, b"-----BEGIN PGP SIGNED MESSAGE-----") else {
                            continue;
                        };
                        let Some(blank) = find(&text[begin..], b"\n\n")
                            .or_else(|| find(&text[begin..], b"\r\n\r\n"))
                        else {
                            continue;
                        };
                        let content_start = begin + blank + 2;
                        let Some(sig) = find(text, b"-----BEGIN PGP SIGNATURE-----") else {
                            continue;
                        };
                        if sig > content_start {
                            push(
                                &mut out,
                                Region::Raw {
                                    start: bs + content_start,
                                    end: bs + sig,
                                    text_only: true,
                                },
                                "cleartext-signed text",
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    })
}

/// One edit.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Flip(u8),
    Insert(u8),
    Delete,
}

fn apply(bytes: &mut Vec<u8>, at: usize, edit: Edit) {
    match edit {
        Edit::Flip(mask) => {
            if let Some(b) = bytes.get_mut(at) {
                *b ^= mask.max(1);
            }
        }
        Edit::Insert(b) => bytes.insert(at.min(bytes.len()), b),
        Edit::Delete => {
            if at < bytes.len() {
                bytes.remove(at);
            }
        }
    }
}

fn base64_lines(data: &[u8]) -> Vec<u8> {
    let text = B64.encode(data);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The message with one edit inside the target's region, or `None` when the edit does not
/// change what is signed (a CR removed before LF is put back by canonicalisation).
fn tampered(target: &Target, fraction: u32, edit: Edit) -> Option<Vec<u8>> {
    let original = &loaded()[target.sample].bytes;
    let pick = |len: usize| (fraction as usize) % len.max(1);
    let mut out = original.clone();
    match &target.region {
        Region::Raw {
            start,
            end,
            text_only,
        } => {
            let len = end.checked_sub(*start)?;
            if len == 0 {
                return None;
            }
            if *text_only {
                let positions: Vec<usize> = (*start..*end)
                    .filter(|&i| original[i].is_ascii_alphanumeric())
                    .collect();
                let at = *positions.get(pick(positions.len()))?;
                out[at] = if original[at] == b'Z' { b'Q' } else { b'Z' };
                return Some(out);
            }
            let at = start + pick(len);
            apply(&mut out, at, edit);
            if std::env::var_os("REPLYMATRIX_TAMPER_DEBUG").is_some() {
                let lo = at.saturating_sub(12);
                let hi = (at + 12).min(original.len());
                eprintln!(
                    "edit {edit:?} at {at}: {:?}",
                    String::from_utf8_lossy(&original[lo..hi])
                );
            }
            let new_end = (*end as isize + out.len() as isize - original.len() as isize) as usize;
            let canonical = |bytes: &[u8]| {
                if target.kind == LayerKind::PgpSigned {
                    text_signature_canonical(bytes)
                } else {
                    replymatrix::mime::canonical_crlf(bytes)
                }
            };
            let before = canonical(&original[*start..*end]);
            let after = canonical(&out[*start..new_end]);
            (before != after).then_some(out)
        }
        Region::Base64 {
            body_start,
            body_end,
            inner_start,
            inner_end,
        } => {
            let mut der_bytes = decode_b64(&original[*body_start..*body_end])?;
            let at = inner_start + pick(inner_end - inner_start);
            apply(&mut der_bytes, at, edit);
            out.splice(*body_start..*body_end, base64_lines(&der_bytes));
            Some(out)
        }
        Region::PgpArmor {
            body_start,
            body_end,
            inner_start,
            inner_end,
        } => {
            let mut binary = dearmor(&original[*body_start..*body_end])?;
            let at = inner_start + pick(inner_end - inner_start);
            apply(&mut binary, at, edit);
            let mut armored = armor(&binary);
            armored.extend_from_slice(b"\r\n");
            out.splice(*body_start..*body_end, armored);
            Some(out)
        }
    }
}

/// What an OpenPGP text-mode signature (type 0x01) hashes: every line ending (CRLF, lone
/// LF, lone CR) as CRLF (RFC 9580 §5.2.1.2; sequoia normalises a lone CR too). An edit that
/// only turns one line ending into another does not change what is signed.
fn text_signature_canonical(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (1u8..=255).prop_map(Edit::Flip),
        any::<u8>().prop_map(Edit::Insert),
        Just(Edit::Delete),
    ]
}

#[test]
fn the_corpus_offers_tamper_targets_of_every_form() {
    let t = targets();
    let forms: std::collections::BTreeSet<&str> = t.iter().map(|t| t.what).collect();
    for needed in [
        "signed first body part",
        "CMS signature value",
        "opaque eContent",
        "OpenPGP signature MPIs",
        "cleartext-signed text",
    ] {
        assert!(
            forms.contains(needed),
            "no tamper target of kind {needed:?}: {forms:?}"
        );
    }
}

proptest! {
    // 192 cases by default; `REPLYMATRIX_TAMPER_CASES=5000` for a deeper run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("REPLYMATRIX_TAMPER_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(192),
        max_global_rejects: 100_000,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    /// Flipping, inserting or deleting one byte in signed content or in a signature value
    /// never leaves that signature `valid`.
    #[test]
    fn one_changed_byte_never_leaves_a_signature_valid(
        which in any::<prop::sample::Index>(),
        fraction in any::<u32>(),
        edit in edit_strategy(),
    ) {
        let all = targets();
        prop_assume!(!all.is_empty());
        let target = which.get(all);
        let Some(message) = tampered(target, fraction, edit) else {
            return Err(TestCaseError::reject("edit does not change the canonical content"));
        };
        let l = &loaded()[target.sample];
        let inspection = inspect(&message, &l.inputs);
        for layer in &inspection.layers {
            if layer.kind == target.kind && layer.part == target.part {
                let status = layer.signature.as_ref().map(|s| s.status);
                prop_assert_ne!(
                    status,
                    Some(SignatureStatus::Valid),
                    "{} part {:?} ({}) stayed valid after {:?}",
                    l.sample.sidecar.id, target.part, target.what, edit
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Round trip: generated signed-then-encrypted messages
// ---------------------------------------------------------------------------------------

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join("x509").join(name)).expect("key file")
}

fn persona_cert(name: &str) -> x509_cert::Certificate {
    let certs = replymatrix::smime::load_certs(&key_file(&format!("{name}.cert.pem")));
    certs.into_iter().next().expect("one certificate")
}

fn alg(
    oid: der::asn1::ObjectIdentifier,
    params: Option<der::Any>,
) -> spki::AlgorithmIdentifierOwned {
    spki::AlgorithmIdentifierOwned {
        oid,
        parameters: params,
    }
}

/// RSA PKCS#1 v1.5 over any digest with `rsaEncryption` as the signature algorithm (how
/// Classic Outlook writes it, sender-formats O1), so SHA-1 works too.
struct OutlookRsaSigner {
    key: rsa::PrivateKey,
    digest: Digest,
}

impl signature::Keypair for OutlookRsaSigner {
    type VerifyingKey = rsa::PublicKey;
    fn verifying_key(&self) -> rsa::PublicKey {
        rsa::PublicKey::from(&self.key)
    }
}

impl spki::DynSignatureAlgorithmIdentifier for OutlookRsaSigner {
    fn signature_algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        Ok(alg(
            der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
            Some(der::Any::null()),
        ))
    }
}

impl signature::Signer<rsa::pkcs1v15::Signature> for OutlookRsaSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        let digest_info = der::asn1::OctetString::new(hash(self.digest, msg))
            .map_err(|_| signature::Error::new())?;
        let mut body = alg(digest_oid(self.digest), Some(der::Any::null()))
            .to_der()
            .map_err(|_| signature::Error::new())?;
        body.extend_from_slice(&digest_info.to_der().map_err(|_| signature::Error::new())?);
        // DigestInfo (RFC 8017 §9.2): SEQUENCE, short length (< 128 for every digest here).
        let mut info = vec![0x30, body.len() as u8];
        info.extend_from_slice(&body);
        let raw = self
            .key
            .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info)
            .map_err(|_| signature::Error::new())?;
        rsa::pkcs1v15::Signature::try_from(raw.as_slice())
    }
}

/// ECDSA P-256 over any digest (the `p256` signer always hashes with SHA-256): signs the
/// prehash, names `ecdsa-with-SHA*` (RFC 5758 §3.2; `ecdsa-with-SHA1`, RFC 3279 §2.2.3).
struct EcdsaP256Signer {
    key: p256::ecdsa::SigningKey,
    digest: Digest,
}

impl signature::Keypair for EcdsaP256Signer {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> p256::ecdsa::VerifyingKey {
        *self.key.verifying_key()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for EcdsaP256Signer {
    fn signature_algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        let oid = match self.digest {
            Digest::Sha1 => "1.2.840.10045.4.1",
            Digest::Sha224 => "1.2.840.10045.4.3.1",
            Digest::Sha384 => "1.2.840.10045.4.3.3",
            Digest::Sha512 => "1.2.840.10045.4.3.4",
            Digest::Sha256
            | Digest::Md5
            | Digest::Shake256
            | Digest::Sha3_256
            | Digest::Sha3_512 => "1.2.840.10045.4.3.2",
        };
        Ok(alg(der::asn1::ObjectIdentifier::new_unwrap(oid), None))
    }
}

impl signature::Signer<p256::ecdsa::DerSignature> for EcdsaP256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<p256::ecdsa::DerSignature, signature::Error> {
        use signature::hazmat::PrehashSigner;
        let sig: p256::ecdsa::Signature = self.key.sign_prehash(&hash(self.digest, msg))?;
        Ok(sig.to_der())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signer {
    Rsa,
    P256,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContentCipher {
    Aes128,
    Aes256,
    Tdes,
}

impl ContentCipher {
    fn name(self) -> &'static str {
        match self {
            Self::Aes128 => "aes-128-cbc",
            Self::Aes256 => "aes-256-cbc",
            Self::Tdes => "3des-cbc",
        }
    }
}

#[derive(Clone, Debug)]
struct Params {
    digest: Digest,
    signer: Signer,
    cipher: ContentCipher,
    depth: usize,
    lf: bool,
    header_case: u8,
    x_types: bool,
}

/// A detached SignedData over `content` made with the cms 0.3 builder.
fn sign_detached(p: &Params, content: &[u8]) -> Vec<u8> {
    use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
    use rsa::pkcs8::DecodePrivateKey;
    let name = match p.signer {
        Signer::Rsa => "dana",
        Signer::P256 => "dana-p256",
    };
    let cert = persona_cert(name);
    let eci = EncapsulatedContentInfo {
        econtent_type: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1"),
        econtent: None,
    };
    let digest = hash(p.digest, content);
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate().issuer().clone(),
        serial_number: cert.tbs_certificate().serial_number().clone(),
    });
    let digest_alg = alg(digest_oid(p.digest), None);
    let info =
        SignerInfoBuilder::new(sid, digest_alg.clone(), &eci, Some(&digest)).expect("signer info");
    let mut builder = SignedDataBuilder::new(&eci);
    builder
        .add_digest_algorithm(digest_alg)
        .expect("digest alg");
    builder
        .add_certificate(CertificateChoices::Certificate(cert))
        .expect("certificate");
    let pem = String::from_utf8(key_file(&format!("{name}.key.pem"))).expect("pem");
    match p.signer {
        Signer::P256 => {
            let key = p256::ecdsa::SigningKey::from_pkcs8_pem(&pem).expect("p256 key");
            builder
                .add_signer_info::<_, p256::ecdsa::DerSignature>(
                    info,
                    &EcdsaP256Signer {
                        key,
                        digest: p.digest,
                    },
                )
                .expect("ecdsa sign");
        }
        Signer::Rsa => {
            let key = rsa::PrivateKey::from_pkcs8_pem(&pem).expect("rsa key");
            builder
                .add_signer_info::<_, rsa::pkcs1v15::Signature>(
                    info,
                    &OutlookRsaSigner {
                        key,
                        digest: p.digest,
                    },
                )
                .expect("rsa sign");
        }
    }
    builder.build().expect("signed data").to_der().expect("der")
}

/// An EnvelopedData ContentInfo of `plain` for robin-enterprise (RSA key transport).
fn envelope(cipher: ContentCipher, plain: &[u8]) -> Vec<u8> {
    use cms::builder::{
        ContentEncryptionAlgorithm, EnvelopedDataBuilder, KeyEncryptionInfo,
        KeyTransRecipientInfoBuilder,
    };
    use cms::cert::IssuerAndSerialNumber;
    use cms::content_info::{CmsVersion, ContentInfo};
    use cms::enveloped_data::{
        EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier,
        RecipientInfo, RecipientInfos,
    };
    use der::asn1::{ObjectIdentifier as Oid, OctetString};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rsa::pkcs8::DecodePrivateKey;
    let cert = persona_cert("robin-enterprise");
    let rid = RecipientIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate().issuer().clone(),
        serial_number: cert.tbs_certificate().serial_number().clone(),
    });
    let pem = String::from_utf8(key_file("robin-enterprise.key.pem")).expect("pem");
    let public = rsa::PublicKey::from(&rsa::PrivateKey::from_pkcs8_pem(&pem).expect("key"));
    let mut rng = StdRng::seed_from_u64(0x5245_504c);
    let ed = match cipher {
        ContentCipher::Aes128 | ContentCipher::Aes256 => {
            let algorithm = if cipher == ContentCipher::Aes128 {
                ContentEncryptionAlgorithm::Aes128Cbc
            } else {
                ContentEncryptionAlgorithm::Aes256Cbc
            };
            let mut builder =
                EnvelopedDataBuilder::<StdRng>::new(None, plain, algorithm, None).expect("builder");
            builder
                .add_recipient_info(
                    KeyTransRecipientInfoBuilder::<StdRng>::new(
                        rid,
                        KeyEncryptionInfo::Rsa(public),
                    )
                    .expect("ktri"),
                )
                .expect("recipient");
            builder.build_with_rng(&mut rng).expect("enveloped")
        }
        ContentCipher::Tdes => {
            // The cms builder only offers AES; 3DES-CBC (RFC 3370 §5.1) is built by hand.
            use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
            use rand::Rng as _;
            let mut cek = [0u8; 24];
            let mut iv = [0u8; 8];
            rng.fill_bytes(&mut cek);
            rng.fill_bytes(&mut iv);
            let ciphertext = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&cek, &iv)
                .expect("3des")
                .encrypt_padded_vec::<Pkcs7>(plain);
            let enc_key = public
                .encrypt(&mut rng, rsa::Pkcs1v15Encrypt, &cek)
                .expect("wrap cek");
            EnvelopedData {
                version: CmsVersion::V0,
                originator_info: None,
                recip_infos: RecipientInfos::try_from(vec![RecipientInfo::Ktri(
                    KeyTransRecipientInfo {
                        version: CmsVersion::V0,
                        rid,
                        key_enc_alg: alg(
                            Oid::new_unwrap("1.2.840.113549.1.1.1"),
                            Some(der::Any::null()),
                        ),
                        enc_key: OctetString::new(enc_key).expect("octets"),
                    },
                )])
                .expect("recipient infos"),
                encrypted_content: EncryptedContentInfo {
                    content_type: Oid::new_unwrap("1.2.840.113549.1.7.1"),
                    content_enc_alg: alg(
                        Oid::new_unwrap("1.2.840.113549.3.7"),
                        Some(der::Any::new(der::Tag::OctetString, iv.to_vec()).expect("iv")),
                    ),
                    encrypted_content: Some(OctetString::new(ciphertext).expect("octets")),
                },
                unprotected_attrs: None,
            }
        }
    };
    ContentInfo {
        content_type: Oid::new_unwrap("1.2.840.113549.1.7.3"),
        content: der::Any::encode_from(&ed).expect("any"),
    }
    .to_der()
    .expect("der")
}

fn header_name(p: &Params, name: &str) -> String {
    match p.header_case % 3 {
        0 => name.to_owned(),
        1 => name.to_ascii_lowercase(),
        _ => name.to_ascii_uppercase(),
    }
}

fn micalg(d: Digest) -> &'static str {
    match d {
        Digest::Md5 => "md5",
        Digest::Sha1 => "sha-1",
        Digest::Sha224 => "sha-224",
        Digest::Sha256 => "sha-256",
        Digest::Sha384 => "sha-384",
        Digest::Sha512 => "sha-512",
        Digest::Sha3_256 => "sha3-256",
        Digest::Sha3_512 => "sha3-512",
        Digest::Shake256 => "shake256",
    }
}

/// Text with CRLF turned into LF when the parameters ask for LF line endings.
fn eol(p: &Params, text: Vec<u8>) -> Vec<u8> {
    if p.lf {
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            out.push(text[i]);
            i += 1;
        }
        out
    } else {
        text
    }
}

/// The message: `depth` multipart/mixed wrappers around an enveloped entity whose plaintext
/// is a clear-signed text. Returns the bytes and the part paths of the enveloped and the
/// signed layer.
fn build_message(p: &Params) -> (Vec<u8>, String, String) {
    let ct = header_name(p, "Content-Type");
    let cte = header_name(p, "Content-Transfer-Encoding");
    let x = if p.x_types { "x-" } else { "" };
    let text = format!("{ct}: text/plain; charset=utf-8\r\n\r\nRound trip {p:?}.\r\n").into_bytes();
    let p7s = sign_detached(p, &text);
    let mut signed = format!(
        "{ct}: multipart/signed; protocol=\"application/{x}pkcs7-signature\"; micalg={}; boundary=\"sig\"\r\n\r\n--sig\r\n",
        micalg(p.digest)
    )
    .into_bytes();
    signed.extend_from_slice(&text);
    signed.extend_from_slice(
        format!("\r\n--sig\r\n{ct}: application/{x}pkcs7-signature; name=smime.p7s\r\n{cte}: base64\r\n\r\n").as_bytes(),
    );
    signed.extend_from_slice(&base64_lines(&p7s));
    signed.extend_from_slice(b"--sig--\r\n");
    let signed = eol(p, signed);
    let p7m = envelope(p.cipher, &signed);
    let mut entity = format!(
        "{ct}: application/{x}pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n{cte}: base64\r\n\r\n"
    )
    .into_bytes();
    entity.extend_from_slice(&base64_lines(&p7m));
    for level in (0..p.depth).rev() {
        let mut wrapped =
            format!("{ct}: multipart/mixed; boundary=\"w{level}\"\r\n\r\n--w{level}\r\n")
                .into_bytes();
        wrapped.extend_from_slice(&entity);
        wrapped.extend_from_slice(
            format!("\r\n--w{level}\r\n{ct}: text/plain\r\n\r\nfooter {level}\r\n--w{level}--\r\n")
                .as_bytes(),
        );
        entity = wrapped;
    }
    let mut message = format!(
        "{}: dana@fabrikam.example\r\n{}: robin@northwind.example\r\n{}: round trip\r\n{}: 1.0\r\n",
        header_name(p, "From"),
        header_name(p, "To"),
        header_name(p, "Subject"),
        header_name(p, "MIME-Version"),
    )
    .into_bytes();
    message.extend_from_slice(&entity);
    let enveloped_path = vec!["1"; p.depth].join(".");
    let signed_path = if enveloped_path.is_empty() {
        "1".to_owned()
    } else {
        format!("{enveloped_path}.1")
    };
    (eol(p, message), enveloped_path, signed_path)
}

fn robin_inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let mut inputs = Inputs::default();
        inputs
            .add_key_file(&keys_dir().join("x509/robin-enterprise.key.pem"))
            .expect("robin's key");
        inputs
    })
}

fn params() -> impl Strategy<Value = Params> {
    (
        prop::sample::select(vec![
            Digest::Sha1,
            Digest::Sha256,
            Digest::Sha384,
            Digest::Sha512,
        ]),
        prop::sample::select(vec![Signer::Rsa, Signer::P256]),
        prop::sample::select(vec![
            ContentCipher::Aes128,
            ContentCipher::Aes256,
            ContentCipher::Tdes,
        ]),
        0usize..=3,
        any::<bool>(),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(
            |(digest, signer, cipher, depth, lf, header_case, x_types)| Params {
                digest,
                signer,
                cipher,
                depth,
                lf,
                header_case,
                x_types,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// What was put in comes back out: digest, signature algorithm, cipher, decrypted,
    /// status `valid` and the part paths.
    #[test]
    fn generated_messages_round_trip_their_parameters(p in params()) {
        let (message, enveloped_path, signed_path) = build_message(&p);
        let inspection = inspect(&message, robin_inputs());
        let enveloped: Vec<_> = inspection.layers_of(LayerKind::SmimeEnveloped).collect();
        prop_assert_eq!(enveloped.len(), 1, "{:?}", inspection);
        let enveloped = enveloped[0];
        prop_assert_eq!(&enveloped.part, &enveloped_path);
        let enc = enveloped.encryption.as_ref().expect("encryption facts");
        prop_assert!(enc.decrypted, "{:?}", inspection);
        prop_assert_eq!(enc.cipher.as_deref(), Some(p.cipher.name()));
        let signed: Vec<_> = inspection.layers_of(LayerKind::SmimeSigned).collect();
        prop_assert_eq!(signed.len(), 1, "{:?}", inspection);
        let signed = signed[0];
        prop_assert_eq!(&signed.part, &signed_path);
        prop_assert_eq!(signed.form, Some(LayerForm::Clear));
        let sig = signed.signature.as_ref().expect("signature facts");
        prop_assert_eq!(sig.status, SignatureStatus::Valid, "{}", sig.reason);
        prop_assert_eq!(sig.digest, Some(p.digest));
        let expected_alg = match p.signer {
            Signer::Rsa => SignatureAlgorithm::Rsa,
            Signer::P256 => SignatureAlgorithm::Ecdsa,
        };
        prop_assert_eq!(sig.algorithm, Some(expected_alg));
        prop_assert_eq!(
            sig.signer.as_ref().and_then(|s| s.email.as_deref()),
            Some("dana@fabrikam.example")
        );
        prop_assert_eq!(sig.signer_matches_from, Some(true));
    }
}

// ---------------------------------------------------------------------------------------
// No panics
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Arbitrary bytes, with and without a MIME-looking header in front.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        with_header in any::<bool>(),
    ) {
        let mut message = Vec::new();
        if with_header {
            message.extend_from_slice(b"From: a@b.example\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\n");
        }
        message.extend_from_slice(&bytes);
        let inspection = inspect(&message, robin_inputs());
        let _ = inspection_text(&inspection);
    }

    /// Corpus messages with random byte flips, truncated, or spliced with another sample,
    /// inspected with the sample's own keys (so decryption paths see the damage).
    #[test]
    fn mutated_corpus_messages_never_panic(
        first in any::<prop::sample::Index>(),
        second in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..16),
        cut in any::<prop::sample::Index>(),
        mode in 0u8..3,
    ) {
        let all = loaded();
        let a = first.get(all);
        let b = second.get(all);
        let mut message = a.bytes.clone();
        for (at, mask) in &flips {
            let i = at.index(message.len().max(1));
            if let Some(byte) = message.get_mut(i) {
                *byte ^= mask;
            }
        }
        match mode {
            0 => message.truncate(cut.index(message.len().max(1))),
            1 => {
                let split_a = cut.index(message.len().max(1));
                let split_b = cut.index(b.bytes.len().max(1));
                message.truncate(split_a);
                message.extend_from_slice(&b.bytes[split_b..]);
            }
            _ => {}
        }
        let inspection = inspect(&message, &a.inputs);
        let _ = inspection_text(&inspection);
        for profile in profiles() {
            let _ = explain::explain_text(&explain::explain(&inspection, profile, None));
        }
    }
}

#[test]
fn keys_dir_exists() {
    assert!(Path::new(&keys_dir()).join("x509/dana.cert.pem").is_file());
}
