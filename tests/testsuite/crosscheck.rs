//! Independent cross-check: OpenSSL and GnuPG against OUR inspector's verdicts.
//!
//! `tests/smime_corpus.rs` runs openssl against the sidecars; this test compares the
//! independent tools with what `replymatrix::inspect` itself reports, for every sample of
//! the corpus (all families, spoofing included) and for 16 randomly composed messages
//! (`spoofing_corpus::random_samples`, fixed seed).
//!
//! For every signed layer the signed bytes and the signature are cut out of the message
//! independently (mail-parser for the tree, `replymatrix::mime::first_body_part` for the
//! RFC 1847 signed bytes) and handed to
//! - `openssl cms -verify -binary -noverify -inform DER [-content FILE] -in P7S` (S/MIME;
//!   `-noverify` skips the chain: our `valid` is about the cryptography, trust is the
//!   models' business), or
//! - `gpg --verify SIG DATA` (PGP/MIME) / `gpg --verify FILE` (cleartext-signed) in a temp
//!   `--homedir` holding every persona's public key.
//!
//! The mapping, compared only where both sides had the key:
//! - tool success ⇔ our `status == valid`;
//! - openssl "signer certificate not found" with our `unverifiable` (reason
//!   `signer-certificate-missing`), or gpg `NO_PUBKEY` / our `unverifiable` with reason
//!   `no-key`: one side lacked the key, nothing is compared (counted as skipped);
//! - gpg has every persona key, the inspector only the sidecar's and the message's: where
//!   ours says `no-key`, the tool's answer is not compared.
//!
//! For every encrypted layer the ciphertext is decrypted with `openssl cms -decrypt` (the
//! sidecar's key and its certificate) or `gpg --decrypt` (persona secret keys imported), and
//! - the tool's success must equal our `decrypted` (only where the sidecar gave a key);
//! - for a decrypted MIME entity, the layers we report below the encrypted part must equal
//!   the layers we get by inspecting the tool's plaintext as a message of its own (paths
//!   continued the facts.rs way), and that plaintext is cross-checked recursively.
//!
//! Without openssl or gpg the test fails when `CI` is set and prints a skip line otherwise.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mail_parser::{MessageParser, MimeHeaders, PartType};
use replymatrix::corpus::{self, InspectInputs, default_corpora_dir};
use replymatrix::facts::{Layer, LayerForm, LayerKind, SignatureStatus};
use replymatrix::mime::first_body_part;
use replymatrix_generate::spoofing_corpus;

use crate::support::{Tool, keys_dir, require_tools};

/// A temp folder with a GnuPG home; the agent is killed and the folder removed on drop.
struct Tools {
    dir: PathBuf,
    gnupg: PathBuf,
    counter: Cell<usize>,
}

impl Tools {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "replymatrix-crosscheck-{tag}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let gnupg = dir.join("gnupg");
        std::fs::create_dir_all(&gnupg).expect("temp dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700))
                .expect("chmod gnupg home");
        }
        let tools = Self {
            dir,
            gnupg,
            counter: Cell::new(0),
        };
        let mut keys = Vec::new();
        for sub in ["openpgp", "spoofing"] {
            let Ok(entries) = std::fs::read_dir(keys_dir().join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".asc") {
                    keys.push(e.path());
                }
            }
        }
        keys.sort();
        // GnuPG cannot read v6 (RFC 9580) keys; `rfc9580::gnupg_reads_no_rfc9580_packet`
        // asserts that, and the layers they make are skipped below.
        keys.retain(|path| {
            let text = std::fs::read_to_string(path).expect("key file");
            let packets = crate::rfc9580::packets(&crate::rfc9580::dearmor(&text));
            packets
                .first()
                .is_some_and(|(_, body)| body.first() != Some(&6))
        });
        let mut args: Vec<String> = vec!["--import".into()];
        args.extend(keys.iter().map(|p| p.display().to_string()));
        let out = tools.gpg(&args);
        assert!(
            out.status.success(),
            "gpg --import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tools
    }

    fn file(&self, bytes: &[u8]) -> PathBuf {
        let n = self.counter.get();
        self.counter.set(n + 1);
        let path = self.dir.join(format!("f{n}"));
        std::fs::write(&path, bytes).expect("temp file");
        path
    }

    fn gpg(&self, args: &[String]) -> Output {
        Command::new("gpg")
            .arg("--homedir")
            .arg(&self.gnupg)
            .args([
                "--batch",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--trust-model",
                "always",
                "--status-fd",
                "1",
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("gpg runs")
    }

    /// `gpg --verify`: (good, no public key, status text).
    fn gpg_verify(&self, sig: &[u8], data: Option<&[u8]>) -> (bool, bool, String) {
        let mut args = vec!["--verify".to_owned(), self.file(sig).display().to_string()];
        if let Some(data) = data {
            args.push(self.file(data).display().to_string());
        }
        let out = self.gpg(&args);
        let status = String::from_utf8_lossy(&out.stdout).into_owned();
        let good = out.status.success() && status.contains("[GNUPG:] GOODSIG");
        let no_key = status.contains("[GNUPG:] NO_PUBKEY");
        (good, no_key, status)
    }

    fn gpg_decrypt(&self, ciphertext: &[u8]) -> (Option<Vec<u8>>, String) {
        let out_path = self.dir.join(format!("dec{}", self.counter.get()));
        let input = self.file(ciphertext);
        let out = self.gpg(&[
            "--output".into(),
            out_path.display().to_string(),
            "--decrypt".into(),
            input.display().to_string(),
        ]);
        let status = String::from_utf8_lossy(&out.stdout).into_owned();
        // A decryption that worked says DECRYPTION_OKAY even when an inner signature's key
        // is unknown (exit code 2 then).
        let plain = if status.contains("[GNUPG:] DECRYPTION_OKAY") {
            std::fs::read(&out_path).ok()
        } else {
            None
        };
        (plain, status)
    }

    fn openssl(&self, args: &[String]) -> Output {
        Command::new("openssl")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("openssl runs")
    }

    /// `openssl cms -verify`: (ok, stderr, eContent when opaque).
    fn openssl_verify(&self, p7: &[u8], content: Option<&[u8]>) -> (bool, String, Vec<u8>) {
        let out_path = self.dir.join(format!("ver{}", self.counter.get()));
        let mut args: Vec<String> = [
            "cms",
            "-verify",
            "-binary",
            "-noverify",
            // `-noverify` needs no trust store; loading the system's takes 20 ms a call.
            "-no-CAfile",
            "-no-CApath",
            "-no-CAstore",
            "-inform",
            "DER",
            "-in",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(self.file(p7).display().to_string());
        if let Some(content) = content {
            args.push("-content".into());
            args.push(self.file(content).display().to_string());
        }
        args.push("-out".into());
        args.push(out_path.display().to_string());
        let out = self.openssl(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let econtent = std::fs::read(&out_path).unwrap_or_default();
        (out.status.success(), stderr, econtent)
    }

    /// `openssl cms -decrypt` with each key (PEM key + its `.cert.pem`) until one works.
    fn openssl_decrypt(&self, der: &[u8], keys: &[String]) -> Option<Vec<u8>> {
        let input = self.file(der);
        for key in keys.iter().filter(|k| k.ends_with(".key.pem")) {
            let key_path = keys_dir().join(key);
            let cert_path = keys_dir().join(key.replace(".key.pem", ".cert.pem"));
            let out_path = self.dir.join(format!("dec{}", self.counter.get()));
            self.counter.set(self.counter.get() + 1);
            let args: Vec<String> = vec![
                "cms".into(),
                "-decrypt".into(),
                "-binary".into(),
                "-inform".into(),
                "DER".into(),
                "-in".into(),
                input.display().to_string(),
                "-inkey".into(),
                key_path.display().to_string(),
                "-recip".into(),
                cert_path.display().to_string(),
                "-out".into(),
                out_path.display().to_string(),
            ];
            if self.openssl(&args).status.success() {
                return std::fs::read(&out_path).ok();
            }
        }
        None
    }
}

impl Drop for Tools {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(&self.gnupg)
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One part of an entity, by part path.
struct Node {
    mime: String,
    /// Content-Disposition filename or Content-Type name.
    name: Option<String>,
    boundary: Option<String>,
    /// Headers + body as on the wire.
    raw: Vec<u8>,
    /// Decoded body.
    contents: Vec<u8>,
    children: Vec<String>,
}

fn join(prefix: &str, local: &str) -> String {
    match (prefix.is_empty(), local.is_empty()) {
        (true, _) => local.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{local}"),
    }
}

fn child(path: &str, n: usize) -> String {
    join(path, &(n + 1).to_string())
}

/// The part tree of an entity, keyed by absolute path (`prefix` continues outer paths).
fn tree(raw: &[u8], prefix: &str) -> BTreeMap<String, Node> {
    let mut nodes = BTreeMap::new();
    let Some(message) = MessageParser::default().parse(raw) else {
        return nodes;
    };
    let raw_all = message.raw_message.as_ref();
    let mut stack = vec![(0usize, prefix.to_owned())];
    while let Some((index, path)) = stack.pop() {
        if nodes.len() > 2_000 {
            break;
        }
        let Some(part) = message.parts.get(index) else {
            continue;
        };
        let ct = part.content_type();
        let mime = ct
            .map(|c| {
                format!(
                    "{}/{}",
                    c.ctype().to_ascii_lowercase(),
                    c.subtype().unwrap_or_default().to_ascii_lowercase()
                )
            })
            .unwrap_or_else(|| "text/plain".into());
        let boundary = ct.and_then(|c| c.attribute("boundary")).map(str::to_owned);
        let start = (part.offset_header as usize).min(raw_all.len());
        let end = (part.offset_end as usize).clamp(start, raw_all.len());
        let mut children = Vec::new();
        if let PartType::Multipart(kids) = &part.body {
            for (n, &k) in kids.iter().enumerate() {
                let p = child(&path, n);
                children.push(p.clone());
                stack.push((k as usize, p));
            }
        }
        let name = part
            .content_disposition()
            .and_then(|d| d.attribute("filename"))
            .or_else(|| ct.and_then(|c| c.attribute("name")))
            .map(|n| n.trim().to_owned());
        nodes.insert(
            path,
            Node {
                mime,
                name,
                boundary,
                raw: raw_all[start..end].to_vec(),
                contents: part.contents().to_vec(),
                children,
            },
        );
    }
    nodes
}

#[derive(Default)]
struct Tally {
    compared: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
}

/// The facts two inspections must share for a layer. `key_known` is false when the
/// stand-alone inspection lacked the signer's key (`no-key`): the inspector of the whole
/// message also had the keys the outer message carried (Autocrypt, attachments), so only
/// the layer's shape is compared then.
fn summary(l: &Layer, key_known: bool) -> String {
    let sig = l.signature.as_ref().filter(|_| key_known).map(|s| {
        format!(
            "{:?}/{:?}",
            s.status,
            s.signer.as_ref().and_then(|x| x.email.clone())
        )
    });
    let enc = l.encryption.as_ref().map(|e| e.decrypted);
    format!(
        "{}@{:?} {:?} sig={sig:?} dec={enc:?}",
        l.kind.as_str(),
        l.part,
        l.form
    )
}

fn lacks_key(l: &Layer) -> bool {
    l.signature
        .as_ref()
        .is_some_and(|s| s.reason.code() == replymatrix::facts::SignatureReasonCode::NoKey)
}

struct Case<'a> {
    id: &'a str,
    layers: &'a [Layer],
    inputs: &'a InspectInputs,
    had_keys: bool,
}

/// Our layers below (or at) `prefix`.
fn ours_below<'a>(case: &Case<'a>, prefix: &str) -> Vec<&'a Layer> {
    case.layers
        .iter()
        .filter(|l| l.part == prefix || l.part.starts_with(&format!("{prefix}.")))
        .collect()
}

/// Compares our layers below `prefix` with an inspection of `plaintext` on its own.
/// `embedded` is a signature we report at `prefix` that lives in the OpenPGP packets
/// rather than in the MIME plaintext (checked against gpg's decrypt status instead).
fn compare_inner(
    case: &Case,
    prefix: &str,
    plaintext: &[u8],
    embedded: Option<&Layer>,
    tally: &mut Tally,
) {
    let inputs = inputs_of(case.inputs);
    let mut own = replymatrix::inspect(plaintext, &inputs).layers;
    for l in &mut own {
        l.part = join(prefix, &l.part);
    }
    let ours: Vec<&Layer> = ours_below(case, prefix)
        .into_iter()
        .filter(|l| !embedded.is_some_and(|e| std::ptr::eq(*l, e)))
        .collect();
    let mut want = Vec::new();
    let mut got = Vec::new();
    for (n, tool_layer) in own.iter().enumerate() {
        let known = !lacks_key(tool_layer);
        want.push(summary(tool_layer, known));
        if let Some(l) = ours.get(n) {
            got.push(summary(l, known));
        }
    }
    for l in ours.iter().skip(own.len()) {
        got.push(summary(l, true));
    }
    tally.compared += 1;
    if want != got {
        tally.failures.push(format!(
            "{}: layers below {prefix:?} differ from the tool's plaintext inspected alone:\n  ours: {got:?}\n  tool: {want:?}",
            case.id
        ));
    }
}

fn inputs_of(spec: &InspectInputs) -> replymatrix::Inputs {
    let mut inputs = replymatrix::Inputs::default();
    for cert in &spec.certs {
        inputs
            .add_cert_file(&keys_dir().join(cert))
            .expect("cert loads");
    }
    for key in &spec.keys {
        inputs
            .add_key_file(&keys_dir().join(key))
            .expect("key loads");
    }
    inputs
}

fn status_of(l: &Layer) -> (SignatureStatus, String) {
    l.signature
        .as_ref()
        .map(|s| (s.status, s.reason.to_string()))
        .unwrap_or((SignatureStatus::Unverifiable, "no facts".into()))
}

/// Cross-checks every signed and encrypted layer of one entity (and what it decrypts to).
fn check_entity(
    tools: &Tools,
    case: &Case,
    raw: &[u8],
    prefix: &str,
    depth: usize,
    tally: &mut Tally,
) {
    if depth > 4 {
        return;
    }
    let nodes = tree(raw, prefix);
    for (path, node) in &nodes {
        for layer in case.layers.iter().filter(|l| l.carrier() == path) {
            let what = format!("{}: {} at {path:?}", case.id, layer.kind.as_str());
            if is_rfc9580(layer) {
                tally.skipped.push(format!(
                    "{what}: RFC 9580 packets, which GnuPG reads as of unknown version (asserted by rfc9580::gnupg_reads_no_rfc9580_packet)"
                ));
                continue;
            }
            match (layer.kind, layer.form) {
                (
                    LayerKind::SmimeSigned | LayerKind::PgpSigned,
                    Some(LayerForm::Clear | LayerForm::Mime),
                ) => {
                    let (Some(b), Some(sig_path)) = (&node.boundary, node.children.get(1)) else {
                        tally.skipped.push(format!(
                            "{what}: a {} part, not a two-part multipart/signed (a signature inside an OpenPGP message is compared at decryption)",
                            node.mime
                        ));
                        continue;
                    };
                    let (Some(signed), Some(sig)) =
                        (first_body_part(&node.raw, b), nodes.get(sig_path))
                    else {
                        tally
                            .skipped
                            .push(format!("{what}: signed part not delimited"));
                        continue;
                    };
                    let (ours, reason) = status_of(layer);
                    if layer.kind == LayerKind::SmimeSigned {
                        let (ok, stderr, _) = tools.openssl_verify(&sig.contents, Some(signed));
                        // OpenSSL 3.0 refuses EdDSA in `cms -verify`: its own EdDSA checks
                        // the signature instead (support::openssl_eddsa_verify).
                        let (ok, stderr) = if !ok
                            && stderr.contains(crate::support::OPENSSL_CMS_EDDSA_REFUSAL)
                        {
                            match crate::support::openssl_eddsa_verify(&sig.contents, Some(signed))
                            {
                                Ok(v) => (v, format!("openssl pkeyutl -rawin (EdDSA): {v}")),
                                Err(e) => (false, e),
                            }
                        } else {
                            (ok, stderr)
                        };
                        if !ok
                            && stderr.contains("signer certificate not found")
                            && reason.starts_with("signer-certificate-missing")
                        {
                            tally
                                .skipped
                                .push(format!("{what}: neither side has the certificate"));
                            continue;
                        }
                        tally.compared += 1;
                        if ok != (ours == SignatureStatus::Valid) {
                            tally.failures.push(format!(
                                "{what}: openssl verify ok={ok}, ours {ours:?} ({reason}); openssl: {}",
                                stderr.lines().take(3).collect::<Vec<_>>().join(" | ")
                            ));
                        }
                    } else {
                        let (good, no_key, status) = tools.gpg_verify(&sig.contents, Some(signed));
                        if no_key || reason.starts_with("no-key") {
                            tally.skipped.push(format!("{what}: a side lacks the key"));
                            continue;
                        }
                        tally.compared += 1;
                        if good != (ours == SignatureStatus::Valid) {
                            tally.failures.push(format!(
                                "{what}: gpg good={good}, ours {ours:?} ({reason}); gpg: {}",
                                status
                                    .lines()
                                    .filter(|l| l.contains("SIG"))
                                    .collect::<Vec<_>>()
                                    .join(" | ")
                            ));
                        }
                    }
                }
                (LayerKind::PgpSigned, _) => {
                    let cleartext = node
                        .contents
                        .windows(34)
                        .any(|w| w == b"-----BEGIN PGP SIGNED MESSAGE-----");
                    // A detached `.sig` names the part it signs (sender-formats P5); a `.pgp`
                    // target is decrypted by gpg first.
                    let detached_target = layer.wire.get("signs-part").and_then(|t| nodes.get(t));
                    let signed_data: Option<Vec<u8>> = match (cleartext, detached_target) {
                        (true, _) => None,
                        (false, Some(target))
                            if target.name.as_deref().is_some_and(|n| n.ends_with(".pgp")) =>
                        {
                            match tools.gpg_decrypt(&target.contents).0 {
                                Some(plain) => Some(plain),
                                None => {
                                    tally.skipped.push(format!(
                                        "{what}: gpg cannot decrypt the signed attachment"
                                    ));
                                    continue;
                                }
                            }
                        }
                        (false, Some(target)) => Some(target.contents.clone()),
                        (false, None) => {
                            tally.skipped.push(format!(
                                "{what}: a {} part, not cleartext-signed nor a detached .sig (a signature inside an OpenPGP message is compared at decryption)",
                                node.mime
                            ));
                            continue;
                        }
                    };
                    let (ours, reason) = status_of(layer);
                    let (good, no_key, status) =
                        tools.gpg_verify(&node.contents, signed_data.as_deref());
                    if no_key || reason.starts_with("no-key") {
                        tally.skipped.push(format!("{what}: a side lacks the key"));
                        continue;
                    }
                    tally.compared += 1;
                    if good != (ours == SignatureStatus::Valid) {
                        tally.failures.push(format!(
                            "{what}: gpg good={good}, ours {ours:?} ({reason}); gpg: {}",
                            status
                                .lines()
                                .filter(|l| l.contains("SIG"))
                                .collect::<Vec<_>>()
                                .join(" | ")
                        ));
                    }
                }
                (LayerKind::SmimeSigned, _) => {
                    let (ours, reason) = status_of(layer);
                    let (ok, stderr, econtent) = tools.openssl_verify(&node.contents, None);
                    if !ok
                        && stderr.contains("signer certificate not found")
                        && reason.starts_with("signer-certificate-missing")
                    {
                        tally
                            .skipped
                            .push(format!("{what}: neither side has the certificate"));
                        continue;
                    }
                    tally.compared += 1;
                    if ok != (ours == SignatureStatus::Valid) {
                        tally.failures.push(format!(
                            "{what}: openssl verify ok={ok}, ours {ours:?} ({reason}); openssl: {}",
                            stderr.lines().take(3).collect::<Vec<_>>().join(" | ")
                        ));
                    }
                    if ok {
                        let inner = child(path, 0);
                        compare_inner(case, &inner, &econtent, None, tally);
                        check_entity(tools, case, &econtent, &inner, depth + 1, tally);
                    }
                }
                (LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped, _) => {
                    let ours = layer.encryption.as_ref().is_some_and(|e| e.decrypted);
                    if !case.had_keys {
                        tally.skipped.push(format!("{what}: no key given"));
                        continue;
                    }
                    let plain = tools.openssl_decrypt(&node.contents, &case.inputs.keys);
                    tally.compared += 1;
                    if plain.is_some() != ours {
                        tally.failures.push(format!(
                            "{what}: openssl decrypted={}, ours decrypted={ours}",
                            plain.is_some()
                        ));
                    }
                    if let (Some(plain), true) = (plain, ours) {
                        let inner = child(path, 0);
                        compare_inner(case, &inner, &plain, None, tally);
                        check_entity(tools, case, &plain, &inner, depth + 1, tally);
                    }
                }
                (LayerKind::PgpEncrypted, form) => {
                    let ours = layer.encryption.as_ref().is_some_and(|e| e.decrypted);
                    if !case.had_keys {
                        tally.skipped.push(format!("{what}: no key given"));
                        continue;
                    }
                    let (plain, status) = tools.gpg_decrypt(&node.contents);
                    tally.compared += 1;
                    if plain.is_some() != ours {
                        tally.failures.push(format!(
                            "{what}: gpg decrypted={}, ours decrypted={ours}",
                            plain.is_some()
                        ));
                    }
                    if let (Some(plain), true, Some(LayerForm::Mime)) = (plain, ours, form) {
                        let inner = child(path, 0);
                        let embedded =
                            embedded_signature(tools, case, &inner, &plain, &status, tally);
                        compare_inner(case, &inner, &plain, embedded, tally);
                        check_entity(tools, case, &plain, &inner, depth + 1, tally);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A signature we report at the root of decrypted OpenPGP content that the MIME plaintext
/// does not carry (a one-pass signature inside the encrypted packets, RFC 9580 §10.3):
/// compared with gpg's own verdict while decrypting (GOODSIG ⇔ our `valid`).
fn embedded_signature<'a>(
    _tools: &Tools,
    case: &Case<'a>,
    inner: &str,
    plain: &[u8],
    gpg_status: &str,
    tally: &mut Tally,
) -> Option<&'a Layer> {
    let ours = case
        .layers
        .iter()
        .find(|l| l.part == inner && l.kind == LayerKind::PgpSigned)?;
    let own = replymatrix::inspect(plain, &inputs_of(case.inputs));
    if own
        .layers
        .iter()
        .any(|l| l.part.is_empty() && l.kind == LayerKind::PgpSigned)
    {
        return None;
    }
    let what = format!(
        "{}: signature inside the OpenPGP message at {inner:?}",
        case.id
    );
    let (status, reason) = status_of(ours);
    if gpg_status.contains("[GNUPG:] NO_PUBKEY") || reason.starts_with("no-key") {
        tally.skipped.push(format!("{what}: a side lacks the key"));
        return Some(ours);
    }
    let good = gpg_status.contains("[GNUPG:] GOODSIG");
    tally.compared += 1;
    if good != (status == SignatureStatus::Valid) {
        tally.failures.push(format!(
            "{what}: gpg good={good}, ours {status:?} ({reason})"
        ));
    }
    Some(ours)
}

/// A v6 signature, v6 PKESK or SEIPD v2 layer.
fn is_rfc9580(layer: &Layer) -> bool {
    layer
        .signature
        .as_ref()
        .is_some_and(|s| s.version == Some(6))
        || layer.encryption.as_ref().is_some_and(|e| {
            e.container == Some(replymatrix::facts::PgpContainer::SeipdV2)
                || e.recipients.iter().any(|r| r.version == Some(6))
        })
}

fn check_message(tools: &Tools, id: &str, raw: &[u8], spec: &InspectInputs, tally: &mut Tally) {
    let inspection = replymatrix::inspect(raw, &inputs_of(spec));
    let case = Case {
        id,
        layers: &inspection.layers,
        inputs: spec,
        had_keys: !spec.keys.is_empty(),
    };
    check_entity(tools, &case, raw, "", 0, tally);
}

fn report(what: &str, tally: &Tally) {
    println!(
        "{what}: {} comparisons, {} skipped",
        tally.compared,
        tally.skipped.len()
    );
    for s in &tally.skipped {
        println!("  skipped {s}");
    }
    assert!(
        tally.failures.is_empty(),
        "{} disagreement(s) between the tools and our inspector:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}

#[test]
fn openssl_and_gpg_agree_with_the_inspector_on_every_corpus_sample() {
    if !require_tools(&[Tool::Openssl, Tool::Gpg]) {
        return;
    }
    let tools = Tools::new("corpus");
    let samples = corpus::load_samples(&default_corpora_dir().join("senders")).expect("corpus");
    let mut tally = Tally::default();
    for sample in &samples {
        let raw = std::fs::read(&sample.eml).expect("sample readable");
        check_message(
            &tools,
            &sample.sidecar.id,
            &raw,
            &sample.sidecar.inspect,
            &mut tally,
        );
    }
    assert!(tally.compared >= 60, "only {} comparisons", tally.compared);
    report("corpus", &tally);
}

#[test]
fn openssl_and_gpg_agree_with_the_inspector_on_random_messages() {
    if !require_tools(&[Tool::Openssl, Tool::Gpg]) {
        return;
    }
    let tools = Tools::new("random");
    let samples = spoofing_corpus::random_samples(&default_corpora_dir(), 0x5EED_2026, 16)
        .expect("random samples build");
    assert_eq!(samples.len(), 16);
    let mut tally = Tally::default();
    for sample in &samples {
        println!("random sample {}", sample.id);
        check_message(&tools, &sample.id, &sample.eml, &sample.inputs, &mut tally);
    }
    assert!(tally.compared >= 16, "only {} comparisons", tally.compared);
    // Both verdicts were exercised: tampered samples are not valid, the others are.
    for sample in &samples {
        let inspection = replymatrix::inspect(&sample.eml, &inputs_of(&sample.inputs));
        let statuses: Vec<SignatureStatus> = inspection
            .layers
            .iter()
            .filter_map(|l| l.signature.as_ref().map(|s| s.status))
            .collect();
        let signed = !sample.id.contains("-pgp-encrypted") || sample.id.contains("-signed-");
        assert_eq!(!statuses.is_empty(), signed, "{}: {statuses:?}", sample.id);
        let tampered = sample.id.contains("-tampered");
        assert_eq!(
            statuses.iter().any(|s| *s != SignatureStatus::Valid),
            tampered,
            "{}: {statuses:?}",
            sample.id
        );
    }
    assert!(samples.iter().any(|s| s.id.contains("-tampered")));
    report("random", &tally);
}

/// The comparison can fail: a signature our inspector calls valid, over bytes changed
/// after the fact, is caught by openssl.
#[test]
fn a_disagreement_is_detected() {
    if !require_tools(&[Tool::Openssl, Tool::Gpg]) {
        return;
    }
    let tools = Tools::new("detect");
    let path = default_corpora_dir().join("senders/outlook/clear-signed-sha256.eml");
    let raw = std::fs::read(&path).expect("sample");
    let mut inspection = replymatrix::inspect(&raw, &replymatrix::Inputs::default());
    let spec = InspectInputs::default();
    // Tamper with the bytes but keep our (now stale) verdict: the tools must disagree.
    let tampered = String::from_utf8_lossy(&raw).replacen("by Friday.", "by Fridax.", 1);
    for l in &mut inspection.layers {
        if let Some(s) = &mut l.signature {
            s.status = SignatureStatus::Valid;
        }
    }
    let case = Case {
        id: "tampered",
        layers: &inspection.layers,
        inputs: &spec,
        had_keys: false,
    };
    let mut tally = Tally::default();
    check_entity(&tools, &case, tampered.as_bytes(), "", 0, &mut tally);
    assert_eq!(tally.compared, 1);
    assert_eq!(tally.failures.len(), 1, "{:?}", tally.failures);
    let _ = Path::new("");
}

/// The EdDSA path of the cross-check can fail: on the Ed25519 sample openssl's own EdDSA
/// (`pkeyutl -rawin`) accepts the signature over the signed attributes and the SHA-512
/// message digest, and with one byte of the signed content changed it and the inspector both
/// refuse it.
#[test]
fn openssl_eddsa_check_agrees_and_refuses_a_changed_body() {
    if !crate::support::require_tool(crate::support::Tool::Openssl) {
        return;
    }
    let eml =
        std::fs::read(crate::support::corpora().join("senders/others/clear-signed-ed25519.eml"))
            .expect("sample");
    let msg = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("parses");
    let mail_parser::PartType::Multipart(children) = &msg.parts[0].body else {
        panic!("multipart/signed");
    };
    let first = &msg.parts[children[0] as usize];
    let signed = &msg.raw_message[first.offset_header as usize..first.offset_end as usize];
    let p7s = msg.parts[children[1] as usize].contents().to_vec();
    assert_eq!(
        crate::support::openssl_eddsa_verify(&p7s, Some(signed)),
        Ok(true)
    );
    let mut changed = signed.to_vec();
    let at = changed.len() - 3;
    changed[at] ^= 0x01;
    assert_eq!(
        crate::support::openssl_eddsa_verify(&p7s, Some(&changed)),
        Ok(false)
    );
    let mut tampered = eml.clone();
    let offset = first.offset_header as usize + at;
    tampered[offset] ^= 0x01;
    let layer = replymatrix::inspect(&tampered, &replymatrix::Inputs::default()).layers;
    assert_eq!(
        layer[0].signature.as_ref().map(|s| s.status),
        Some(SignatureStatus::Invalid)
    );
}
