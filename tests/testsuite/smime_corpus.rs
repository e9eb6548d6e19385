//! The S/MIME corpus checked with independent tools: every sample is walked with
//! mail-parser, every CMS structure is verified (`openssl cms -verify -noverify`: the
//! cryptography only, trust is the models' business) or decrypted (`openssl cms -decrypt`
//! with the key the sidecar names), and the layers found must equal the sidecar's
//! `[[expect.layers]]` in kind, part path, status and decryption. The generator must also be
//! deterministic: regenerating from the committed keys rewrites the same bytes.
//!
//! Needs the `openssl` binary (OpenSSL 3.x) on PATH: without it the openssl test fails when
//! `CI` is set and prints a skip line otherwise.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use replymatrix::corpus::{Sidecar, load_samples};

const FAMILIES: &[&str] = &[
    "outlook/",
    "owa/",
    "microsoft/",
    "thunderbird/smime-",
    "apple/smime-",
    "others/",
];

use crate::support::{Tool, corpora, require_tool};

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("smime_corpus")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mine(s: &Sidecar) -> bool {
    FAMILIES.iter().any(|f| s.id.starts_with(f))
}

/// One layer as the independent tools see it.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    kind: String,
    part: String,
    status: Option<String>,
    decrypted: Option<bool>,
}

struct Walker<'a> {
    sidecar: &'a Sidecar,
    dir: PathBuf,
    counter: usize,
    found: Vec<Found>,
    /// The CMS bytes of each found layer (None for wrappers), aligned with `found`.
    blobs: Vec<Option<Vec<u8>>>,
}

fn child_path(path: &str, index: usize) -> String {
    if path.is_empty() {
        format!("{}", index + 1)
    } else {
        format!("{path}.{}", index + 1)
    }
}

const OID_SIGNED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_ENVELOPED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
const OID_AUTH_ENVELOPED: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
];

fn openssl(args: &[&OsStr]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl binary must be on PATH for this test");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// openssl's verdict in the facts' words.
fn status_of(ok: bool, stderr: &str) -> String {
    if ok {
        "valid".into()
    } else if stderr.contains("signer certificate not found") {
        "unverifiable".into()
    } else {
        "invalid".into()
    }
}

impl Walker<'_> {
    fn file(&mut self, ext: &str, bytes: &[u8]) -> PathBuf {
        self.counter += 1;
        let p = self.dir.join(format!("{}.{ext}", self.counter));
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Walks one MIME entity (the message, or what a layer decrypted/unwrapped) at `root`.
    fn entity(&mut self, bytes: &[u8], root: &str) {
        // Input that is no message at all (others/not-a-message) has no layers to find.
        if root.is_empty() && replymatrix::mime::not_a_message(bytes).is_some() {
            return;
        }
        let msg = MessageParser::default()
            .parse(bytes)
            .unwrap_or_else(|| panic!("{}: unparsable entity at {root:?}", self.sidecar.id));
        self.part(&msg, 0, root);
    }

    fn part(&mut self, msg: &mail_parser::Message, index: usize, path: &str) {
        let part = &msg.parts[index];
        let subtype = part
            .content_type()
            .and_then(|c| c.subtype())
            .unwrap_or("")
            .to_ascii_lowercase();
        let name = part
            .content_type()
            .and_then(|c| c.attribute("name"))
            .unwrap_or("")
            .to_owned();
        match &part.body {
            PartType::Multipart(children) if subtype == "signed" => {
                let first = &msg.parts[children[0] as usize];
                let raw = &msg.raw_message[first.offset_header as usize..first.offset_end as usize];
                let sig_bytes = msg.parts[children[1] as usize].contents().to_vec();
                let content = self.file("content", raw);
                let sig = self.file("p7s", &sig_bytes);
                self.blobs.push(Some(sig_bytes));
                let (ok, err) = openssl(&[
                    "cms".as_ref(),
                    "-verify".as_ref(),
                    "-noverify".as_ref(),
                    // `-noverify` needs no trust store; loading the system's takes 20 ms a call.
                    "-no-CAfile".as_ref(),
                    "-no-CApath".as_ref(),
                    "-no-CAstore".as_ref(),
                    "-binary".as_ref(),
                    "-inform".as_ref(),
                    "DER".as_ref(),
                    "-in".as_ref(),
                    sig.as_os_str(),
                    "-content".as_ref(),
                    content.as_os_str(),
                    "-out".as_ref(),
                    "/dev/null".as_ref(),
                ]);
                // OpenSSL 3.0 refuses EdDSA in `cms -verify`: its own EdDSA checks it.
                let (ok, err) = if !ok && err.contains(crate::support::OPENSSL_CMS_EDDSA_REFUSAL) {
                    let p7s = self.blobs.last().cloned().flatten().unwrap_or_default();
                    match crate::support::openssl_eddsa_verify(&p7s, Some(raw)) {
                        Ok(v) => (v, String::new()),
                        Err(e) => (false, e),
                    }
                } else {
                    (ok, err)
                };
                self.found.push(Found {
                    kind: "smime-signed".into(),
                    part: path.into(),
                    status: Some(status_of(ok, &err)),
                    decrypted: None,
                });
                self.part(msg, children[0] as usize, &child_path(path, 0));
            }
            PartType::Multipart(children) => {
                for (i, c) in children.iter().enumerate() {
                    self.part(msg, *c as usize, &child_path(path, i));
                }
            }
            _ if subtype == "ms-tnef" => self.push_wrapper("tnef", path),
            _ if subtype == "x-microsoft-rpmsg-message" || name == "message.html" => {
                self.push_wrapper("ome", path)
            }
            _ if subtype.ends_with("pkcs7-mime") || name.ends_with(".p7m") => {
                let der = part.contents().to_vec();
                self.cms(&der, path);
            }
            _ => {}
        }
    }

    fn cms(&mut self, der: &[u8], path: &str) {
        let inner_root = child_path(path, 0);
        let p7m = self.file("p7m", der);
        let out = self.dir.join(format!("{}.out", self.counter));
        let head = &der[..der.len().min(40)];
        let has = |oid: &[u8]| head.windows(oid.len()).any(|w| w == oid);
        let (kind, ok, status) = if has(OID_SIGNED) {
            let (ok, err) = openssl(&[
                "cms".as_ref(),
                "-verify".as_ref(),
                "-noverify".as_ref(),
                // `-noverify` needs no trust store; loading the system's takes 20 ms a call.
                "-no-CAfile".as_ref(),
                "-no-CApath".as_ref(),
                "-no-CAstore".as_ref(),
                "-binary".as_ref(),
                "-inform".as_ref(),
                "DER".as_ref(),
                "-in".as_ref(),
                p7m.as_os_str(),
                "-out".as_ref(),
                out.as_os_str(),
            ]);
            ("smime-signed", ok, Some(status_of(ok, &err)))
        } else {
            let kind = if has(OID_AUTH_ENVELOPED) {
                "smime-auth-enveloped"
            } else {
                assert!(
                    has(OID_ENVELOPED),
                    "{}: unknown CMS at {path:?}",
                    self.sidecar.id
                );
                "smime-enveloped"
            };
            let key_rel = self
                .sidecar
                .inspect
                .keys
                .first()
                .cloned()
                .unwrap_or_default();
            let keys = corpora().join("keys");
            let key = keys.join(&key_rel);
            let cert = keys.join(key_rel.replace(".key.pem", ".cert.pem"));
            let (ok, _) = openssl(&[
                "cms".as_ref(),
                "-decrypt".as_ref(),
                "-binary".as_ref(),
                "-inform".as_ref(),
                "DER".as_ref(),
                "-in".as_ref(),
                p7m.as_os_str(),
                "-inkey".as_ref(),
                key.as_os_str(),
                "-recip".as_ref(),
                cert.as_os_str(),
                "-out".as_ref(),
                out.as_os_str(),
            ]);
            (kind, ok, None)
        };
        self.blobs.push(Some(der.to_vec()));
        self.found.push(Found {
            kind: kind.into(),
            part: path.into(),
            decrypted: status.is_none().then_some(ok),
            status,
        });
        if ok {
            let inner = std::fs::read(&out).unwrap();
            self.entity(&inner, &inner_root);
        }
    }

    fn push_wrapper(&mut self, kind: &str, path: &str) {
        if !self.found.iter().any(|f| f.kind == kind) {
            self.blobs.push(None);
            self.found.push(Found {
                kind: kind.into(),
                part: path.into(),
                status: None,
                decrypted: None,
            });
        }
    }
}

#[test]
fn openssl_agrees_with_every_smime_sidecar() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let samples = load_samples(&corpora().join("senders")).unwrap();
    let mine: Vec<_> = samples.iter().filter(|s| mine(&s.sidecar)).collect();
    assert!(
        mine.len() >= 35,
        "expected the whole S/MIME corpus, found {}",
        mine.len()
    );
    let mut failures = Vec::new();
    for sample in mine {
        let bytes = std::fs::read(&sample.eml).unwrap();
        // The same check and words as `replymatrix corpus check` (corpus::check_sample).
        if let Some(f) = replymatrix::corpus::line_ends(&bytes) {
            panic!("{}: {f}", sample.sidecar.id);
        }
        let mut walker = Walker {
            sidecar: &sample.sidecar,
            dir: tmp(&sample.sidecar.id.replace('/', "_")),
            counter: 0,
            found: Vec::new(),
            blobs: Vec::new(),
        };
        walker.entity(&bytes, "");
        assert_eq!(walker.found.len(), walker.blobs.len());
        if let Some(layers) = &sample.sidecar.expect.layers {
            for (i, (layer, blob)) in layers.iter().zip(&walker.blobs).enumerate() {
                if let Some(blob) = blob
                    && let Err(e) = cms_facts_agree(&sample.sidecar, layer, blob)
                {
                    failures.push(format!("{} layer {i}: {e}", sample.sidecar.id));
                }
            }
        }
        let expected: Vec<Found> = sample
            .sidecar
            .expect
            .layers
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|l| Found {
                part: match l.kind.as_str() {
                    // Wrappers: the sidecar does not assert their part.
                    "ome" | "tnef" => walker
                        .found
                        .iter()
                        .find(|f| f.kind == l.kind.as_str())
                        .map(|f| f.part.clone())
                        .unwrap_or_default(),
                    _ => l.part.clone().unwrap_or_default(),
                },
                kind: l.kind.as_str().to_owned(),
                status: l.status.map(|s| s.as_str().to_owned()),
                decrypted: l.decrypted,
            })
            .collect();
        if walker.found != expected {
            failures.push(format!(
                "{}:\n  openssl found {:?}\n  sidecar says  {:?}",
                sample.sidecar.id, walker.found, expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_below(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn regenerating_from_committed_keys_rewrites_identical_bytes() {
    let dir = tmp("regenerate");
    let keys = dir.join("keys").join("x509");
    std::fs::create_dir_all(&keys).unwrap();
    for e in std::fs::read_dir(corpora().join("keys").join("x509")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, keys.join(p.file_name().unwrap())).unwrap();
    }
    let ids = replymatrix_generate::smime_corpus::generate(&dir).unwrap();
    assert!(ids.len() >= 35);
    let mut written = Vec::new();
    files_below(&dir.join("senders"), &mut written);
    assert_eq!(written.len(), ids.len() * 2);
    for path in written {
        let rel = path.strip_prefix(&dir).unwrap();
        let committed = std::fs::read(corpora().join(rel)).unwrap();
        assert!(
            std::fs::read(&path).unwrap() == committed,
            "{} differs from the committed file: run `cargo corpus-generate`",
            rel.display()
        );
    }
    // The keys were loaded, not recreated.
    for e in std::fs::read_dir(&keys).unwrap() {
        let p = e.unwrap().path();
        let committed =
            std::fs::read(corpora().join("keys/x509").join(p.file_name().unwrap())).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), committed, "{}", p.display());
    }
}

#[test]
fn outlook_signature_is_ber_indefinite_length_in_76_column_base64() {
    let eml =
        std::fs::read_to_string(corpora().join("senders/outlook/clear-signed-sha256.eml")).unwrap();
    let b64 = eml
        .split("filename=\"smime.p7s\"\r\n\r\n")
        .nth(1)
        .and_then(|s| s.split("\r\n\r\n").next())
        .unwrap();
    assert!(b64.split("\r\n").all(|l| l.len() <= 76));
    assert_eq!(b64.split("\r\n").next().map(str::len), Some(76));
    // 30 80 06 09 <signedData> a0 80 30 80 02 01 01 31 (sender-formats O1).
    assert!(b64.starts_with("MIAGCSqGSIb3DQEHAqCAMIACAQEx"));
}

// ---------------------------------------------------------------------------------------
// The same CMS read with the `cms` crate in BER mode (research/crates.md §6 pitfall 1), the
// way the inspector will read it: the counted and named facts of each sidecar layer.

use der::{Decode, Encode};

fn digest_name(oid: &str) -> &'static str {
    match oid {
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        _ => "other",
    }
}

fn cipher_name(oid: &str) -> &'static str {
    match oid {
        "2.16.840.1.101.3.4.1.42" => "aes-256-cbc",
        "1.2.840.113549.3.7" => "3des-cbc",
        "2.16.840.1.101.3.4.1.46" => "aes-256-gcm",
        _ => "other",
    }
}

fn sig_alg_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.11" => "rsa",
        "1.2.840.10045.4.3.2" | "1.2.840.10045.4.3.3" => "ecdsa",
        "1.3.101.112" => "ed25519",
        "1.3.101.113" => "ed448",
        _ => "other",
    }
}

fn san_emails(cert: &x509_cert::Certificate) -> Vec<String> {
    match cert
        .tbs_certificate()
        .get_extension::<x509_cert::ext::pkix::SubjectAltName>()
    {
        Ok(Some((_, san))) => san
            .0
            .iter()
            .filter_map(|g| match g {
                x509_cert::ext::pkix::name::GeneralName::Rfc822Name(s) => {
                    Some(s.to_string().to_lowercase())
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn cms_facts_agree(
    sidecar: &Sidecar,
    layer: &replymatrix::corpus::ExpectLayer,
    blob: &[u8],
) -> Result<(), String> {
    use cms::content_info::ContentInfo;
    let ci = ContentInfo::from_ber(blob).map_err(|e| format!("ContentInfo: {e}"))?;
    let check = |what: &str, want: &Option<String>, got: Option<String>| -> Result<(), String> {
        match want {
            Some(w) if Some(w) != got.as_ref() => {
                Err(format!("{what}: want {w}, cms says {got:?}"))
            }
            _ => Ok(()),
        }
    };
    match layer.kind.as_str() {
        "smime-signed" => {
            let sd = ci
                .content
                .decode_as_encoding::<cms::signed_data::SignedData>(der::EncodingRules::Ber)
                .map_err(|e| format!("SignedData: {e}"))?;
            let certs: Vec<x509_cert::Certificate> = sd
                .certificates
                .iter()
                .flat_map(|set| set.0.iter())
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            if let Some(n) = layer.certificates
                && certs.len() != n
            {
                return Err(format!("certificates: want {n}, cms says {}", certs.len()));
            }
            let si = sd.signer_infos.0.iter().next();
            let Some(si) = si else {
                return match layer.status.map(|s| s.as_str()) {
                    Some("invalid") => Ok(()),
                    _ => Err("no SignerInfo but the sidecar does not say invalid".into()),
                };
            };
            check(
                "digest",
                &layer.digest.map(|d| d.as_str().to_owned()),
                Some(digest_name(&si.digest_alg.oid.to_string()).into()),
            )?;
            if layer.status.map(|s| s.as_str()) == Some("valid") {
                check(
                    "algorithm",
                    &layer.algorithm.map(|a| a.as_str().to_owned()),
                    Some(sig_alg_name(&si.signature_algorithm.oid.to_string()).into()),
                )?;
                let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
                    return Err("signer by SKI".into());
                };
                let signer = certs
                    .iter()
                    .find(|c| {
                        c.tbs_certificate().issuer() == &ias.issuer
                            && c.tbs_certificate().serial_number() == &ias.serial_number
                    })
                    .ok_or("signer certificate not carried")?;
                let emails = san_emails(signer);
                check("signer", &layer.signer, emails.first().cloned())?;
                if let Some(m) = layer.signer_matches_from {
                    let from = sidecar.expect.from.clone().unwrap_or_default();
                    if emails.contains(&from) != m {
                        return Err(format!(
                            "signer_matches_from: want {m}, SAN {emails:?} From {from}"
                        ));
                    }
                }
            }
            if let Some(caps) = &layer.capabilities {
                let has_caps = si
                    .signed_attrs
                    .iter()
                    .flat_map(|a| a.iter())
                    .any(|a| a.oid.to_string() == "1.2.840.113549.1.9.15");
                if caps.is_empty() == has_caps {
                    return Err(format!(
                        "capabilities: want {caps:?}, attribute present {has_caps}"
                    ));
                }
            }
            Ok(())
        }
        "smime-enveloped" => {
            let ed = ci
                .content
                .decode_as_encoding::<cms::enveloped_data::EnvelopedData>(der::EncodingRules::Ber)
                .map_err(|e| format!("EnvelopedData: {e}"))?;
            if let Some(n) = layer.recipients
                && ed.recip_infos.0.len() != n
            {
                return Err(format!(
                    "recipients: want {n}, cms says {}",
                    ed.recip_infos.0.len()
                ));
            }
            let alg = ed.encrypted_content.content_enc_alg.oid.to_string();
            check("cipher", &layer.cipher, Some(cipher_name(&alg).into()))
        }
        "smime-auth-enveloped" => {
            let ad = ci
                .content
                .decode_as_encoding::<cms::authenveloped_data::AuthEnvelopedData>(
                    der::EncodingRules::Ber,
                )
                .map_err(|e| format!("AuthEnvelopedData: {e}"))?;
            if let Some(n) = layer.recipients
                && ad.recip_infos.0.len() != n
            {
                return Err(format!(
                    "recipients: want {n}, cms says {}",
                    ad.recip_infos.0.len()
                ));
            }
            if ad.mac.as_bytes().len() != 16 {
                return Err("ICV is not 16 bytes".into());
            }
            let alg = ad
                .auth_encrypted_content_info
                .content_enc_alg
                .oid
                .to_string();
            let _ = ad.to_der().map_err(|e| e.to_string())?;
            check("cipher", &layer.cipher, Some(cipher_name(&alg).into()))
        }
        other => Err(format!("unexpected CMS layer kind {other}")),
    }
}

#[test]
fn outlook_signed_attributes_come_in_outlooks_order_with_rsa_encryption() {
    use base64::Engine as _;
    use cms::content_info::ContentInfo;
    for name in [
        "clear-signed-sha256",
        "clear-signed-separate-certs",
        "clear-signed-self-signed",
    ] {
        let eml =
            std::fs::read_to_string(corpora().join(format!("senders/outlook/{name}.eml"))).unwrap();
        let b64: String = eml
            .split("filename=\"smime.p7s\"\r\n\r\n")
            .nth(1)
            .and_then(|s| s.split("\r\n\r\n").next())
            .unwrap()
            .replace("\r\n", "");
        let ber = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let ci = ContentInfo::from_ber(&ber).unwrap();
        let sd = ci
            .content
            .decode_as_encoding::<cms::signed_data::SignedData>(der::EncodingRules::Ber)
            .unwrap();
        let si = sd.signer_infos.0.iter().next().unwrap();
        // O1: rsaEncryption, not sha256WithRSAEncryption.
        assert_eq!(
            si.signature_algorithm.oid.to_string(),
            "1.2.840.113549.1.1.1"
        );
        let order: Vec<String> = si
            .signed_attrs
            .iter()
            .flat_map(|a| a.iter())
            .map(|a| a.oid.to_string())
            .collect();
        assert_eq!(
            order,
            [
                "1.2.840.113549.1.9.3",
                "1.2.840.113549.1.9.5",
                "1.2.840.113549.1.9.4",
                "1.2.840.113549.1.9.15",
                "1.3.6.1.4.1.311.16.4",
                "1.2.840.113549.1.9.16.2.11",
            ],
            "{name}"
        );
        // The wire order is also the DER order, so the bytes signed are the bytes sent.
        let attrs = si.signed_attrs.as_ref().unwrap();
        let der = attrs.to_der().unwrap();
        assert!(ber.windows(der.len() - 1).any(|w| w == &der[1..]), "{name}");
    }
}
