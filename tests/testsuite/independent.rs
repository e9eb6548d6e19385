//! Whole messages made by independent implementations (the `openssl smime` / `openssl cms` and
//! `gpg` command lines), generated here and inspected end to end: we agree with other
//! implementations, not only with ourselves.
//!
//! If a tool is missing the test prints a skip line, or fails when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use replymatrix::facts::{
    Digest, Layer, LayerForm, LayerKind, SignatureAlgorithm, SignatureStatus,
};
use replymatrix::{Inputs, Inspection, inspect};

use crate::support::keys_dir as keys;
use crate::support::{TempDir, Tool, require_tool};

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn only(inspection: &Inspection, kind: LayerKind) -> &Layer {
    let found: Vec<&Layer> = inspection.layers_of(kind).collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} layer expected: {inspection:#?}"
    );
    found[0]
}

fn status(layer: &Layer) -> SignatureStatus {
    layer.signature.as_ref().expect("signature facts").status
}

/// Flips one byte of the body text (the word "ledger" → "ledgex") and returns the message.
fn tamper(message: &[u8]) -> Vec<u8> {
    let at = message
        .windows(6)
        .position(|w| w == b"ledger")
        .expect("marker in the body");
    let mut out = message.to_vec();
    out[at + 5] = b'x';
    out
}

fn smime_inputs(with_robin_key: bool) -> Inputs {
    let mut inputs = Inputs::default();
    if with_robin_key {
        inputs
            .add_key_file(&keys().join("x509/robin-enterprise.key.pem"))
            .expect("robin's key");
    }
    inputs
}

#[test]
fn openssl_smime_clear_and_opaque_signed_messages() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("openssl-sign");
    std::fs::write(
        dir.path("body.txt"),
        "Quarterly ledger attached.\nRegards, Dana\n",
    )
    .unwrap();
    let cert = keys().join("x509/dana.cert.pem");
    let key = keys().join("x509/dana.key.pem");
    for (md, digest) in [
        ("sha1", Digest::Sha1),
        ("sha256", Digest::Sha256),
        ("sha512", Digest::Sha512),
    ] {
        for opaque in [false, true] {
            let mut cmd = Command::new("openssl");
            cmd.args([
                "smime",
                "-sign",
                "-text",
                "-md",
                md,
                "-from",
                "dana@fabrikam.example",
            ])
            .args(["-to", "robin@northwind.example", "-subject", "report"])
            .arg("-in")
            .arg(dir.path("body.txt"))
            .arg("-signer")
            .arg(&cert)
            .arg("-inkey")
            .arg(&key);
            if opaque {
                cmd.arg("-nodetach");
            }
            let message = run(&mut cmd);
            let inspection = inspect(&message, &Inputs::default());
            let layer = only(&inspection, LayerKind::SmimeSigned);
            let form = if opaque {
                LayerForm::Opaque
            } else {
                LayerForm::Clear
            };
            assert_eq!(layer.form, Some(form), "{md} opaque={opaque}");
            let sig = layer.signature.as_ref().expect("signature");
            assert_eq!(
                sig.status,
                SignatureStatus::Valid,
                "{md} opaque={opaque}: {}",
                sig.reason
            );
            assert_eq!(sig.digest, Some(digest));
            assert_eq!(sig.signer_matches_from, Some(true));
            assert!(sig.covers_whole_body);
            if !opaque {
                // openssl writes LF line ends; the walker canonicalises them, and a changed
                // byte is caught.
                let tampered = inspect(&tamper(&message), &Inputs::default());
                assert_eq!(
                    status(only(&tampered, LayerKind::SmimeSigned)),
                    SignatureStatus::Invalid
                );
            }
        }
    }
}

#[test]
fn openssl_cms_streamed_ber_and_encrypted_messages() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("openssl-cms");
    std::fs::write(dir.path("body.txt"), "Quarterly ledger attached.\n").unwrap();
    // -stream writes BER indefinite length, as Outlook does.
    let message = run(Command::new("openssl")
        .args([
            "cms",
            "-sign",
            "-text",
            "-stream",
            "-md",
            "sha384",
            "-from",
            "dana@fabrikam.example",
        ])
        .arg("-in")
        .arg(dir.path("body.txt"))
        .arg("-signer")
        .arg(keys().join("x509/dana-p384.cert.pem"))
        .arg("-inkey")
        .arg(keys().join("x509/dana-p384.key.pem")));
    let inspection = inspect(&message, &Inputs::default());
    let sig = only(&inspection, LayerKind::SmimeSigned)
        .signature
        .clone()
        .expect("signature");
    assert_eq!(sig.status, SignatureStatus::Valid, "{}", sig.reason);
    assert_eq!(sig.digest, Some(Digest::Sha384));
    assert_eq!(
        sig.algorithm,
        Some(replymatrix::facts::SignatureAlgorithm::Ecdsa)
    );

    // Sign, then encrypt the signed message to robin: enveloped around clear-signed.
    std::fs::write(dir.path("signed.eml"), &message).unwrap();
    for (cipher_flag, cipher) in [
        ("-aes256", "aes-256-cbc"),
        ("-des3", "3des-cbc"),
        ("-aes128", "aes-128-cbc"),
    ] {
        let encrypted = run(Command::new("openssl")
            .args([
                "smime",
                "-encrypt",
                cipher_flag,
                "-from",
                "dana@fabrikam.example",
            ])
            .arg("-in")
            .arg(dir.path("signed.eml"))
            .arg(keys().join("x509/robin-enterprise.cert.pem")));
        let inspection = inspect(&encrypted, &smime_inputs(true));
        let enc = only(&inspection, LayerKind::SmimeEnveloped)
            .encryption
            .clone()
            .expect("facts");
        assert_eq!(enc.cipher.as_deref(), Some(cipher));
        assert!(enc.decrypted, "{cipher}: {:?}", inspection.problems);
        let inner = only(&inspection, LayerKind::SmimeSigned);
        assert_eq!(inner.part, "1");
        assert_eq!(status(inner), SignatureStatus::Valid);
        // Without the key: the layer, its recipient, and nothing inside.
        let locked = inspect(&encrypted, &Inputs::default());
        let enc = only(&locked, LayerKind::SmimeEnveloped)
            .encryption
            .clone()
            .expect("facts");
        assert!(!enc.decrypted);
        assert_eq!(enc.recipients.len(), 1);
        assert!(!locked.has(LayerKind::SmimeSigned));
    }
}

struct Gpg {
    home: TempDir,
}

impl Gpg {
    fn new(tag: &str) -> Self {
        let home = TempDir::new(tag);
        let gpg = Self { home };
        for key in ["openpgp/pat.sec.asc", "openpgp/robin.pub.asc"] {
            gpg.run(&["--import"], Some(&keys().join(key)));
        }
        gpg
    }
    fn run(&self, args: &[&str], file: Option<&Path>) -> Vec<u8> {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir")
            .arg(self.home.dir())
            .args([
                "--batch",
                "--yes",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(["--trust-model", "always"])
            .args(args);
        if let Some(file) = file {
            cmd.arg(file);
        }
        run(&mut cmd)
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.dir())
            .args(["--kill", "all"])
            .output();
    }
}

fn pgp_inputs(with_robin_key: bool) -> Inputs {
    let mut inputs = Inputs::default();
    inputs
        .add_cert_file(&keys().join("openpgp/pat.pub.asc"))
        .expect("pat's certificate");
    if with_robin_key {
        inputs
            .add_key_file(&keys().join("openpgp/robin.sec.asc"))
            .expect("robin's key");
    }
    inputs
}

#[test]
fn gpg_pgp_mime_signed_clearsigned_and_encrypted_messages() {
    if !require_tool(Tool::Gpg) {
        return;
    }
    let gpg = Gpg::new("gpg");
    let entity = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nThe ledger, signed by gpg.\r\n";
    let entity_path = gpg.home.path("entity");
    std::fs::write(&entity_path, entity).unwrap();
    for (algo, digest) in [("SHA256", Digest::Sha256), ("SHA512", Digest::Sha512)] {
        let sig = gpg.run(
            &[
                "--armor",
                "--detach-sign",
                "--digest-algo",
                algo,
                "-u",
                "pat@proton.example",
                "-o",
                "-",
            ],
            Some(&entity_path),
        );
        let micalg = format!("pgp-{}", algo.to_ascii_lowercase());
        let mut message = format!(
            "From: pat@proton.example\r\nTo: robin@northwind.example\r\nSubject: gpg\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg={micalg}; protocol=\"application/pgp-signature\"; boundary=\"b\"\r\n\r\n--b\r\n"
        )
        .into_bytes();
        message.extend_from_slice(entity);
        message.extend_from_slice(
            b"\r\n--b\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n",
        );
        message.extend_from_slice(&sig);
        message.extend_from_slice(b"\r\n--b--\r\n");
        let inspection = inspect(&message, &pgp_inputs(false));
        let layer = only(&inspection, LayerKind::PgpSigned);
        let facts = layer.signature.as_ref().expect("signature");
        assert_eq!(
            facts.status,
            SignatureStatus::Valid,
            "{algo}: {}",
            facts.reason
        );
        assert_eq!(facts.digest, Some(digest));
        assert_eq!(
            facts.signer.as_ref().and_then(|s| s.email.as_deref()),
            Some("pat@proton.example")
        );
        assert_eq!(facts.signer_matches_from, Some(true));
        let tampered = inspect(&tamper(&message), &pgp_inputs(false));
        assert_eq!(
            status(only(&tampered, LayerKind::PgpSigned)),
            SignatureStatus::Invalid
        );
        // Without pat's certificate there is nothing to verify with.
        let keyless = inspect(&message, &Inputs::default());
        assert_eq!(
            status(only(&keyless, LayerKind::PgpSigned)),
            SignatureStatus::Unverifiable
        );
    }

    // Cleartext signature framework, inline in a text/plain body.
    let text_path = gpg.home.path("text");
    std::fs::write(&text_path, "The ledger, clearsigned.\n").unwrap();
    let clear = gpg.run(
        &["--clearsign", "-u", "pat@proton.example", "-o", "-"],
        Some(&text_path),
    );
    let mut message = b"From: pat@proton.example\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    message.extend_from_slice(&clear);
    let inspection = inspect(&message, &pgp_inputs(false));
    let layer = only(&inspection, LayerKind::PgpSigned);
    assert_eq!(layer.form, Some(LayerForm::Inline));
    assert_eq!(status(layer), SignatureStatus::Valid);
    assert_eq!(
        status(only(
            &inspect(&tamper(&message), &pgp_inputs(false)),
            LayerKind::PgpSigned
        )),
        SignatureStatus::Invalid
    );

    // PGP/MIME encrypted and signed to robin.
    let enc = gpg.run(
        &[
            "--armor",
            "--encrypt",
            "--sign",
            "-r",
            "robin@northwind.example",
            "-u",
            "pat@proton.example",
            "-o",
            "-",
        ],
        Some(&entity_path),
    );
    let mut message = b"From: pat@proton.example\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n".to_vec();
    message.extend_from_slice(&enc);
    message.extend_from_slice(b"\r\n--e--\r\n");
    let inspection = inspect(&message, &pgp_inputs(true));
    let layer = only(&inspection, LayerKind::PgpEncrypted);
    // The layer is its multipart/encrypted (""), the plaintext continues under the
    // ciphertext part "2" (facts::Layer::part).
    assert_eq!((layer.part.as_str(), layer.carrier()), ("", "2"));
    let facts = layer.encryption.as_ref().expect("encryption facts");
    assert!(facts.decrypted, "{:?}", inspection.problems);
    assert_eq!(facts.recipients.len(), 1);
    let inner = only(&inspection, LayerKind::PgpSigned);
    assert_eq!(inner.part, "2.1");
    assert_eq!(status(inner), SignatureStatus::Valid);
    let locked = inspect(&message, &pgp_inputs(false));
    assert!(
        !only(&locked, LayerKind::PgpEncrypted)
            .encryption
            .as_ref()
            .expect("facts")
            .decrypted
    );
}

/// RSAES-OAEP key transport with every parameter set `openssl cms` writes (RFC 8017 A.2.1):
/// the label hash and MGF1's hash chosen apart, and a label. Each decrypts with robin's key;
/// the wrong label does not.
#[test]
fn openssl_cms_rsa_oaep_with_every_parameter_set() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("openssl-oaep");
    std::fs::write(
        dir.path("body.eml"),
        "Content-Type: text/plain\r\n\r\nQuarterly ledger attached.\r\n",
    )
    .unwrap();
    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    for md in ["sha1", "sha224", "sha256", "sha384", "sha512"] {
        for mgf in ["sha1", "sha256", "sha512"] {
            cases.push((
                format!("{md}/{mgf}"),
                vec![format!("rsa_oaep_md:{md}"), format!("rsa_mgf1_md:{mgf}")],
            ));
        }
    }
    cases.push((
        "sha256/sha256 with a label".into(),
        vec![
            "rsa_oaep_md:sha256".into(),
            "rsa_mgf1_md:sha256".into(),
            "rsa_oaep_label:0a0b0c0d".into(),
        ],
    ));
    for (name, options) in &cases {
        let mut cmd = Command::new("openssl");
        cmd.args([
            "cms",
            "-encrypt",
            "-aes256",
            "-from",
            "dana@fabrikam.example",
        ])
        .arg("-in")
        .arg(dir.path("body.eml"))
        .arg("-recip")
        .arg(keys().join("x509/robin-enterprise.cert.pem"))
        .args(["-keyopt", "rsa_padding_mode:oaep"]);
        for option in options {
            cmd.args(["-keyopt", option]);
        }
        let encrypted = run(&mut cmd);
        let inspection = inspect(&encrypted, &smime_inputs(true));
        let enc = only(&inspection, LayerKind::SmimeEnveloped)
            .encryption
            .clone()
            .expect("facts");
        assert_eq!(enc.recipients[0].key_algorithm, "rsa-oaep", "{name}");
        assert!(enc.decrypted, "{name}: {:?}", inspection.problems);
    }
}

/// A signing case: its name, the signer's (certificate, key), `openssl cms` options, and the
/// algorithm family expected.
type Case<'a> = (
    String,
    &'a (PathBuf, PathBuf),
    Vec<String>,
    SignatureAlgorithm,
);

/// Signature algorithms as `openssl cms -sign` makes them, each verified and each caught when
/// tampered: ECDSA P-521, and RSASSA-PSS with salt lengths and MGF1 hashes chosen apart from
/// the message hash (RFC 4056). (Ed25519 in CMS has no independent signer here: OpenSSL 3.0
/// refuses it, "no default digest"; `smime::ed25519_signatures_verify_and_forgeries_are_invalid`
/// covers its verification.)
#[test]
fn openssl_cms_p521_and_every_pss_parameter_set() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("openssl-algs");
    std::fs::write(dir.path("body.txt"), "Quarterly ledger attached.\n").unwrap();
    run(Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "2", "-subj"])
        .arg("/CN=Pat/emailAddress=pat@example.org")
        .arg("-keyout")
        .arg(dir.path("p521.key"))
        .arg("-out")
        .arg(dir.path("p521.crt"))
        .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"]));
    let p521 = (dir.path("p521.crt"), dir.path("p521.key"));
    let dana = (
        keys().join("x509/dana.cert.pem"),
        keys().join("x509/dana.key.pem"),
    );
    let mut cases: Vec<Case> = vec![(
        "p-521".into(),
        &p521,
        vec!["-md".into(), "sha512".into()],
        SignatureAlgorithm::Ecdsa,
    )];
    for md in ["sha256", "sha384", "sha512"] {
        for mgf in ["sha1", "sha256", "sha512"] {
            for salt in ["digest", "max", "0", "20"] {
                cases.push((
                    format!("pss {md} mgf1-{mgf} salt {salt}"),
                    &dana,
                    vec![
                        "-md".into(),
                        md.into(),
                        "-keyopt".into(),
                        "rsa_padding_mode:pss".into(),
                        "-keyopt".into(),
                        format!("rsa_mgf1_md:{mgf}"),
                        "-keyopt".into(),
                        format!("rsa_pss_saltlen:{salt}"),
                    ],
                    SignatureAlgorithm::RsaPss,
                ));
            }
        }
    }
    for (name, (cert, key), options, algorithm) in &cases {
        let message = run(Command::new("openssl")
            .args(["cms", "-sign", "-text", "-in"])
            .arg(dir.path("body.txt"))
            .arg("-signer")
            .arg(cert)
            .arg("-inkey")
            .arg(key)
            .args(options));
        let inspection = inspect(&message, &Inputs::default());
        let sig = only(&inspection, LayerKind::SmimeSigned)
            .signature
            .clone()
            .expect("signature");
        assert_eq!(sig.status, SignatureStatus::Valid, "{name}: {}", sig.reason);
        assert_eq!(sig.algorithm, Some(*algorithm), "{name}");
        let tampered = inspect(&tamper(&message), &Inputs::default());
        assert_eq!(
            status(only(&tampered, LayerKind::SmimeSigned)),
            SignatureStatus::Invalid,
            "{name} tampered"
        );
    }
}

/// An EC recipient made by openssl: a self-signed P-256/P-384/P-521 certificate and its key
/// in one PEM (as `--key` takes them), and the certificate alone (for `-recip`).
fn openssl_ec_recipient(dir: &TempDir, curve: &str) -> (PathBuf, replymatrix::smime::SmimeKey) {
    let key = dir.path(&format!("{curve}.key"));
    let cert = dir.path(&format!("{curve}.crt"));
    run(Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "2", "-subj"])
        .arg(format!(
            "/CN=Robin {curve}/emailAddress=robin@northwind.example"
        ))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-newkey", "ec", "-pkeyopt"])
        .arg(format!("ec_paramgen_curve:{curve}")));
    let mut pem = std::fs::read(&key).unwrap();
    pem.extend(std::fs::read(&cert).unwrap());
    let loaded = replymatrix::smime::load_key(&pem).expect("openssl's EC key loads");
    (cert, loaded)
}

/// ECDH key agreement recipients (RFC 5753) as `openssl cms -encrypt` makes them for EC
/// certificates: every curve, the X9.63 KDF over every SHA hash, standard and cofactor DH,
/// the three AES key wraps, CBC and GCM (AuthEnvelopedData) content, the recipient named by
/// issuer and serial or by subjectKeyIdentifier (rKeyId), and one RSA plus one EC recipient
/// in the same message. Each decrypts with the recipient's key to exactly the bytes openssl
/// encrypted; an RSA key, or the EC key of another curve, is no recipient.
#[test]
fn openssl_cms_ecdh_recipients_every_curve_kdf_and_wrap() {
    use replymatrix::facts::ProblemCode;
    use replymatrix::smime::{SmimeContext, inspect_enveloped};
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("openssl-ecdh");
    let body = b"Content-Type: text/plain\r\n\r\nQuarterly ledger for the EC recipient.\r\n";
    std::fs::write(dir.path("body.eml"), body).unwrap();
    let curves: Vec<(&str, PathBuf, replymatrix::smime::SmimeKey)> = ["P-256", "P-384", "P-521"]
        .into_iter()
        .map(|curve| {
            let (cert, key) = openssl_ec_recipient(&dir, curve);
            (curve, cert, key)
        })
        .collect();
    let mut robin_pem = std::fs::read(keys().join("x509/robin-enterprise.key.pem")).unwrap();
    robin_pem.extend(std::fs::read(keys().join("x509/robin-enterprise.cert.pem")).unwrap());
    let robin = replymatrix::smime::load_key(&robin_pem).unwrap();

    let mut cases: Vec<(String, usize, Vec<&str>)> = Vec::new();
    for (index, (curve, _, _)) in curves.iter().enumerate() {
        cases.push((format!("{curve} defaults"), index, vec!["-aes256"]));
        for md in ["sha1", "sha224", "sha256", "sha384", "sha512"] {
            for cofactor in ["0", "1"] {
                cases.push((
                    format!("{curve} kdf {md} cofactor {cofactor}"),
                    index,
                    vec![
                        "-aes128",
                        "-keyopt",
                        ["ecdh_kdf_md:", md].concat().leak(),
                        "-keyopt",
                        ["ecdh_cofactor_mode:", cofactor].concat().leak(),
                    ],
                ));
            }
        }
        for wrap in ["-aes128-wrap", "-aes192-wrap", "-aes256-wrap"] {
            cases.push((format!("{curve} {wrap}"), index, vec!["-aes192", wrap]));
        }
        cases.push((
            format!("{curve} AES-256-GCM (AuthEnvelopedData)"),
            index,
            vec!["-aes-256-gcm", "-keyopt", "ecdh_kdf_md:sha384"],
        ));
        cases.push((format!("{curve} rKeyId"), index, vec!["-aes256", "-keyid"]));
    }
    for (name, index, options) in &cases {
        let (_, cert, key) = &curves[*index];
        let encrypted = run(Command::new("openssl")
            .args(["cms", "-encrypt", "-binary", "-outform", "DER", "-in"])
            .arg(dir.path("body.eml"))
            .args(options.iter().take_while(|o| **o != "-keyopt"))
            .arg("-recip")
            .arg(cert)
            // `-keyopt` applies to the `-recip` before it.
            .args(options.iter().skip_while(|o| **o != "-keyopt")));
        let keys = std::slice::from_ref(key);
        let facts = inspect_enveloped(
            &encrypted,
            &SmimeContext {
                from: None,
                keys,
                certs: &[],
            },
        );
        assert_eq!(facts.encryption.recipients.len(), 1, "{name}");
        assert_eq!(
            facts.encryption.recipients[0].key_algorithm, "ecdh",
            "{name}"
        );
        assert!(facts.encryption.decrypted, "{name}: {:?}", facts.problems);
        assert_eq!(facts.plaintext.as_deref(), Some(&body[..]), "{name}");
        // Another curve's key, or an RSA key, is no recipient of this message.
        let other = &curves[(index + 1) % curves.len()].2;
        for (what, wrong) in [("another curve's key", other), ("robin's RSA key", &robin)] {
            let facts = inspect_enveloped(
                &encrypted,
                &SmimeContext {
                    from: None,
                    keys: std::slice::from_ref(wrong),
                    certs: &[],
                },
            );
            assert!(!facts.encryption.decrypted, "{name} with {what}");
            assert!(
                facts
                    .problems
                    .iter()
                    .any(|p| p.code == ProblemCode::NoMatchingKey),
                "{name} with {what}: {:?}",
                facts.problems
            );
        }
    }

    // One RSA (key transport) and one EC (key agreement) recipient in the same message, as a
    // whole S/MIME message: each recipient's key alone decrypts it.
    let message = run(Command::new("openssl")
        .args([
            "cms",
            "-encrypt",
            "-aes256",
            "-from",
            "dana@fabrikam.example",
        ])
        .args([
            "-to",
            "robin@northwind.example",
            "-subject",
            "ledger",
            "-in",
        ])
        .arg(dir.path("body.eml"))
        .arg(keys().join("x509/robin-enterprise.cert.pem"))
        .arg(&curves[0].1));
    let mut p256_pem = std::fs::read(dir.path("P-256.key")).unwrap();
    p256_pem.extend(std::fs::read(&curves[0].1).unwrap());
    std::fs::write(dir.path("p256.pem"), &p256_pem).unwrap();
    for key in [
        dir.path("p256.pem"),
        keys().join("x509/robin-enterprise.key.pem"),
    ] {
        let mut inputs = Inputs::default();
        inputs.add_key_file(&key).unwrap();
        let inspection = inspect(&message, &inputs);
        let enc = only(&inspection, LayerKind::SmimeEnveloped)
            .encryption
            .clone()
            .expect("facts");
        let algorithms: Vec<&str> = enc
            .recipients
            .iter()
            .map(|r| r.key_algorithm.as_str())
            .collect();
        assert_eq!(algorithms, ["rsa", "ecdh"], "{key:?}");
        assert!(enc.decrypted, "{key:?}: {:?}", inspection.problems);
    }
}

/// The generator's EC-recipient samples, decrypted by `openssl cms -decrypt` with Robin's EC
/// key, give exactly the bytes our decryption gives (P-256 and P-384 with an RSA recipient
/// beside, P-521 with cofactor DH, a ukm and AES-GCM).
#[test]
fn openssl_decrypts_the_generated_ecdh_samples_to_our_plaintext() {
    use base64::Engine as _;
    use replymatrix::smime::{SmimeContext, inspect_enveloped, load_key};
    if !require_tool(Tool::Openssl) {
        return;
    }
    let corpora = keys().parent().expect("corpora").to_path_buf();
    for (sample, persona) in [
        ("outlook/enveloped-ecdh-p256", "robin-ecdh-p256"),
        ("outlook/enveloped-ecdh-p384", "robin-ecdh-p384"),
        ("others/auth-enveloped-ecdh-p521", "robin-ecdh-p521"),
    ] {
        let eml = corpora.join(format!("senders/{sample}.eml"));
        let key = keys().join(format!("x509/{persona}.key.pem"));
        let cert = keys().join(format!("x509/{persona}.cert.pem"));
        let theirs = run(Command::new("openssl")
            .args(["cms", "-decrypt", "-binary", "-in"])
            .arg(&eml)
            .arg("-inkey")
            .arg(&key)
            .arg("-recip")
            .arg(&cert));
        let bytes = std::fs::read(&eml).unwrap();
        let at = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("header end");
        let b64: Vec<u8> = bytes[at + 4..]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let mut pem = std::fs::read(&key).unwrap();
        pem.extend(std::fs::read(&cert).unwrap());
        let keys = [load_key(&pem).unwrap()];
        let facts = inspect_enveloped(
            &der,
            &SmimeContext {
                from: None,
                keys: &keys,
                certs: &[],
            },
        );
        assert!(facts.encryption.decrypted, "{sample}: {:?}", facts.problems);
        assert_eq!(facts.plaintext.as_deref(), Some(&theirs[..]), "{sample}");
    }
}
