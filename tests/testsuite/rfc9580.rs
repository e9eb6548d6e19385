//! RFC 9580 (v6 keys and signatures, v6 PKESKs, SEIPDv2) and the post-quantum composites of
//! draft-ietf-openpgp-pqc in the Proton samples, checked apart from sequoia's high-level API.
//!
//! What is independent of the inspector here, and what is not:
//!
//! - **Structure**: a packet reader written for this test (RFC 9580 §4.2 headers, §5.2.3
//!   v6 signatures, §5.1.2 v6 PKESKs, §5.13.2 SEIPD v2, §5.5.2 v6 keys and §5.5.4.3 v6
//!   fingerprints) reads the versions, algorithms, salt, AEAD mode and chunk size the facts
//!   report, and the test compares them field by field.
//! - **openssl** (OpenSSL 3.0 here): the signature hash (RFC 9580 §5.2.4: salt, data, v6
//!   trailer) is computed by this test with `openssl dgst`, and the Ed25519 signature (v6
//!   Ed25519, and the Ed25519 half of ML-DSA-65+Ed25519) is verified over it with
//!   `openssl pkeyutl -rawin`; a one-byte change of the signed data must fail.
//! - **GnuPG** (2.2 here; Gpg4win ships 2.4, which follows LibrePGP too) reads none of these
//!   packets: it reports each as of unknown version. That is asserted, and it is what the
//!   GpgOL model's rule `classic.gpgol.rfc9580-unsupported` rests on.
//! - **Not independent on this machine**: the ML-DSA-65 half of a composite signature and
//!   the ML-KEM-768 half of a composite PKESK (OpenSSL has ML-DSA and ML-KEM from 3.5 only;
//!   no sq, sqop, rsop, gosop or pgpainless is installed), and the AEAD (OCB) decryption of
//!   SEIPDv2 (`openssl enc` has no AEAD modes). Those are checked by sequoia alone.

use std::path::Path;
use std::process::{Command, Stdio};

use replymatrix::corpus::{self, default_corpora_dir};
use replymatrix::facts::{Digest, Layer, LayerKind, PgpContainer, SignatureAlgorithm};

use crate::support::{TempDir, Tool, keys_dir, require_tool};

/// The four RFC 9580 samples.
const SAMPLES: &[&str] = &[
    "proton/pgp-mime-signed-v6",
    "proton/pgp-mime-signed-pq",
    "proton/pgp-mime-encrypted-v6",
    "proton/pgp-mime-encrypted-pq",
];

// ---------------------------------------------------------------- a packet reader

/// The binary packets of the first armored block in `text` (RFC 9580 §6.2; the CRC line
/// and headers skipped).
pub(crate) fn dearmor(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN PGP ").expect("an armored block");
    let rest = &text[start..];
    let end = rest.find("-----END PGP ").expect("an armor end line");
    let mut lines = rest[..end].lines().skip(1);
    // Armor headers end at the first empty line.
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
    }
    let b64: String = lines
        .map(str::trim)
        .filter(|l| !l.starts_with('='))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("armor base64")
}

/// (tag, body) of each packet (new-format headers with definite lengths, old-format
/// headers; RFC 9580 §4.2).
pub(crate) fn packets(mut b: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((&ctb, rest)) = b.split_first() {
        assert!(ctb & 0x80 != 0, "packet header bit");
        let (tag, len, rest) = if ctb & 0x40 != 0 {
            let tag = ctb & 0x3f;
            match rest[0] {
                l @ 0..=191 => (tag, usize::from(l), &rest[1..]),
                l @ 192..=223 => (
                    tag,
                    ((usize::from(l) - 192) << 8) + usize::from(rest[1]) + 192,
                    &rest[2..],
                ),
                255 => (
                    tag,
                    u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize,
                    &rest[5..],
                ),
                _ => panic!("partial body lengths are not written by the generator"),
            }
        } else {
            let tag = (ctb >> 2) & 0x0f;
            match ctb & 3 {
                0 => (tag, usize::from(rest[0]), &rest[1..]),
                1 => (
                    tag,
                    usize::from(u16::from_be_bytes([rest[0], rest[1]])),
                    &rest[2..],
                ),
                _ => panic!("old-format length type"),
            }
        };
        out.push((tag, rest[..len].to_vec()));
        b = &rest[len..];
    }
    out
}

/// A v6 signature packet (RFC 9580 §5.2.3).
struct Sig6 {
    version: u8,
    typ: u8,
    pk_algo: u8,
    hash_algo: u8,
    /// version ‖ type ‖ algorithms ‖ 4-octet hashed length ‖ hashed subpackets: what the
    /// hash covers after the data (§5.2.4).
    hashed_prefix: Vec<u8>,
    salt: Vec<u8>,
    /// The algorithm-specific signature fields.
    fields: Vec<u8>,
    /// The issuer fingerprint subpacket (33: version ‖ fingerprint).
    issuer: Option<Vec<u8>>,
}

fn sig6(body: &[u8]) -> Sig6 {
    let version = body[0];
    assert_eq!(version, 6, "a v6 signature packet");
    let hashed_len = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
    let hashed = &body[8..8 + hashed_len];
    let mut at = 8 + hashed_len;
    let unhashed_len = u32::from_be_bytes(body[at..at + 4].try_into().unwrap()) as usize;
    at += 4 + unhashed_len;
    at += 2; // the digest prefix
    let salt_len = usize::from(body[at]);
    let salt = body[at + 1..at + 1 + salt_len].to_vec();
    at += 1 + salt_len;
    Sig6 {
        version,
        typ: body[1],
        pk_algo: body[2],
        hash_algo: body[3],
        hashed_prefix: body[..8 + hashed_len].to_vec(),
        salt,
        fields: body[at..].to_vec(),
        issuer: subpackets(hashed)
            .into_iter()
            .find(|(t, _)| *t == 33)
            .map(|(_, v)| v),
    }
}

/// (type without the critical bit, value) of each subpacket (§5.2.3.7).
fn subpackets(mut area: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while !area.is_empty() {
        let (len, rest) = match area[0] {
            l @ 0..=191 => (usize::from(l), &area[1..]),
            l @ 192..=254 => (
                ((usize::from(l) - 192) << 8) + usize::from(area[1]) + 192,
                &area[2..],
            ),
            255 => (
                u32::from_be_bytes(area[1..5].try_into().unwrap()) as usize,
                &area[5..],
            ),
        };
        out.push((rest[0] & 0x7f, rest[1..len].to_vec()));
        area = &rest[len..];
    }
    out
}

/// A v6 public key packet's version, algorithm, key material and v6 fingerprint
/// (SHA-256 over 0x9B ‖ 4-octet length ‖ the packet body, §5.5.4.3).
struct Key6 {
    version: u8,
    algo: u8,
    material: Vec<u8>,
    fingerprint: String,
}

fn key6(body: &[u8]) -> Key6 {
    let mut pre = vec![0x9b];
    pre.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
    pre.extend_from_slice(body);
    Key6 {
        version: body[0],
        algo: body[5],
        material: body[10..].to_vec(),
        fingerprint: hex(&sha256(&pre)).to_ascii_uppercase(),
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The primary key (tag 6) and subkeys (tag 14) of an armored certificate.
fn cert_keys(name: &str) -> (Key6, Vec<Key6>) {
    let text = std::fs::read_to_string(keys_dir().join(format!("openpgp/{name}.pub.asc")))
        .expect("certificate");
    let pk = packets(&dearmor(&text));
    let primary = pk
        .iter()
        .find(|(t, _)| *t == 6)
        .map(|(_, b)| key6(b))
        .expect("a primary key");
    let subkeys = pk
        .iter()
        .filter(|(t, _)| *t == 14)
        .map(|(_, b)| key6(b))
        .collect();
    (primary, subkeys)
}

// ---------------------------------------------------------------- the samples

struct Sample {
    raw: String,
    layers: Vec<Layer>,
}

fn sample(id: &str) -> Sample {
    let senders = default_corpora_dir().join("senders");
    let samples = corpus::load_samples(&senders).expect("corpus");
    let s = samples
        .iter()
        .find(|s| s.sidecar.id == id)
        .unwrap_or_else(|| panic!("sample {id}"));
    let raw = std::fs::read(&s.eml).expect("sample");
    let mut inputs = replymatrix::Inputs::default();
    for cert in &s.sidecar.inspect.certs {
        inputs.add_cert_file(&keys_dir().join(cert)).expect("cert");
    }
    for key in &s.sidecar.inspect.keys {
        inputs.add_key_file(&keys_dir().join(key)).expect("key");
    }
    let inspection = replymatrix::inspect(&raw, &inputs);
    Sample {
        raw: String::from_utf8(raw).expect("ASCII sample"),
        layers: inspection.layers,
    }
}

/// The sender persona of a sample (`val` or `quinn`) and robin's key it is encrypted to.
fn personas(id: &str) -> (&'static str, &'static str) {
    if id.ends_with("-pq") {
        ("quinn", "robin-pq")
    } else {
        ("val", "robin-v6")
    }
}

/// The RFC 3156 §5 signed bytes of a root PGP/MIME signed sample, and its signature armor.
fn signed_parts(raw: &str) -> (Vec<u8>, String) {
    let boundary = raw
        .split("boundary=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("boundary");
    let delimiter = format!("\r\n--{boundary}\r\n");
    let first = raw.find(&delimiter).expect("first delimiter") + delimiter.len();
    let second = raw[first..]
        .find(&format!("\r\n--{boundary}"))
        .expect("second")
        + first;
    (
        raw.as_bytes()[first..second].to_vec(),
        raw[second..].to_owned(),
    )
}

/// RFC 9580 §9.5 hash ids.
fn digest_of(id: u8) -> (Digest, &'static str) {
    match id {
        8 => (Digest::Sha256, "sha256"),
        10 => (Digest::Sha512, "sha512"),
        12 => (Digest::Sha3_256, "sha3-256"),
        14 => (Digest::Sha3_512, "sha3-512"),
        other => panic!("hash algorithm {other}"),
    }
}

#[test]
fn the_facts_are_the_packets() {
    for id in SAMPLES {
        let s = sample(id);
        let (sender, robin) = personas(id);
        let (sender_primary, sender_subkeys) = cert_keys(sender);
        let (_, robin_subkeys) = cert_keys(robin);
        assert_eq!(sender_primary.version, 6, "{id}: {sender} is a v6 key");
        let pq = id.ends_with("-pq");
        assert_eq!(sender_primary.algo, if pq { 30 } else { 27 }, "{id}");
        assert_eq!(robin_subkeys[0].algo, if pq { 35 } else { 25 }, "{id}");

        let signed = s
            .layers
            .iter()
            .find(|l| l.kind == LayerKind::PgpSigned)
            .expect("a signed layer");
        let sig_facts = signed.signature.as_ref().expect("signature facts");
        let encrypted = s.layers.iter().find(|l| l.kind == LayerKind::PgpEncrypted);

        let sig_packet = if let Some(enc_layer) = encrypted {
            // Encrypted: v6 PKESKs to robin's and the sender's subkeys, then SEIPD v2.
            let armor = s.raw.split("filename=\"encrypted.asc\"").nth(1).unwrap();
            let pk = packets(&dearmor(armor));
            let enc = enc_layer.encryption.as_ref().expect("encryption facts");
            let pkesks: Vec<&Vec<u8>> =
                pk.iter().filter(|(t, _)| *t == 1).map(|(_, b)| b).collect();
            assert_eq!(pkesks.len(), enc.recipients.len(), "{id}");
            for (body, fact) in pkesks.iter().zip(&enc.recipients) {
                assert_eq!(body[0], 6, "{id}: a v6 PKESK");
                assert_eq!(fact.version, Some(6), "{id}");
                // v6 PKESK: version, length of (key version ‖ fingerprint), key version 6,
                // the 32-octet fingerprint, the algorithm (§5.1.2).
                assert_eq!((body[1], body[2]), (33, 6), "{id}");
                let fpr = hex(&body[3..35]).to_ascii_uppercase();
                assert!(
                    [&robin_subkeys[0], &sender_subkeys[0]]
                        .iter()
                        .any(|k| k.fingerprint == fpr),
                    "{id}: the PKESK names robin's or the sender's subkey"
                );
                assert_eq!(
                    fact.id,
                    fpr[..16],
                    "{id}: the key id is the fingerprint's start"
                );
                let algo = body[35];
                assert_eq!(algo, if pq { 35 } else { 25 }, "{id}");
                assert_eq!(
                    fact.key_algorithm,
                    if pq { "mlkem768-x25519" } else { "x25519" },
                    "{id}"
                );
            }
            let seipd = &pk.iter().find(|(t, _)| *t == 18).expect("SEIPD").1;
            assert_eq!(seipd[0], 2, "{id}: SEIPD version 2");
            assert_eq!(enc.container, Some(PgpContainer::SeipdV2), "{id}");
            assert_eq!(
                (seipd[1], seipd[2]),
                (9, 2),
                "{id}: AES-256, OCB (§9.3, §9.6)"
            );
            assert_eq!(enc.cipher.as_deref(), Some("aes-256-ocb"), "{id}");
            assert_eq!(enc.aead.as_deref(), Some("ocb"), "{id}");
            assert_eq!(enc.chunk_size, Some(1u64 << (seipd[3] + 6)), "{id}");
            assert!(enc.decrypted, "{id}: robin's key decrypts it");
            None
        } else {
            let (_, armor) = signed_parts(&s.raw);
            let pk = packets(&dearmor(&armor));
            assert_eq!(pk.len(), 1, "{id}: one signature packet");
            Some(sig6(&pk[0].1))
        };

        // The facts of the signature (outer, or the one inside the decrypted data).
        assert_eq!(sig_facts.version, Some(6), "{id}: a v6 signature");
        assert_eq!(sig_facts.key_version, Some(6), "{id}: by a v6 key");
        assert_eq!(
            sig_facts.algorithm,
            Some(if pq {
                SignatureAlgorithm::MldsaEd25519
            } else {
                SignatureAlgorithm::Eddsa
            }),
            "{id}"
        );
        assert_eq!(
            sig_facts.signer.as_ref().map(|s| s.id.as_str()),
            Some(sender_primary.fingerprint.as_str()),
            "{id}: the signer is the v6 fingerprint"
        );
        if let Some(sig) = sig_packet {
            assert_eq!(sig.version, 6);
            assert_eq!(sig.typ, 1, "{id}: a text signature");
            assert_eq!(sig.pk_algo, sender_primary.algo, "{id}");
            assert_eq!(sig_facts.digest, Some(digest_of(sig.hash_algo).0), "{id}");
            let salt_len = match sig.hash_algo {
                8 | 12 => 16,
                _ => 32,
            };
            assert_eq!(sig.salt.len(), salt_len, "{id}: the salt size of §9.5");
            let mut issuer = vec![6];
            issuer.extend_from_slice(
                &(0..32)
                    .map(|i| {
                        u8::from_str_radix(&sender_primary.fingerprint[2 * i..2 * i + 2], 16)
                            .unwrap()
                    })
                    .collect::<Vec<_>>(),
            );
            assert_eq!(
                sig.issuer,
                Some(issuer),
                "{id}: issuer fingerprint subpacket"
            );
            // Ed25519: 64 octets; ML-DSA-65+Ed25519: 64 + 3309 (draft-ietf-openpgp-pqc §5.3).
            assert_eq!(sig.fields.len(), if pq { 64 + 3309 } else { 64 }, "{id}");
        }
    }
}

// ---------------------------------------------------------------- GnuPG

fn gpg(home: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args(["--batch", "--no-tty", "--status-fd", "1"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("gpg runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// GnuPG reads none of the RFC 9580 packets: the v6 certificates do not import, the v6
/// signatures are "unknown version 6" and nothing verifies, the v6 PKESKs are "unknown
/// version 6" and nothing decrypts. (GpgOL hands OpenPGP to GnuPG.)
#[test]
fn gnupg_reads_no_rfc9580_packet() {
    if !require_tool(Tool::Gpg) {
        return;
    }
    let tmp = TempDir::new("rfc9580-gpg");
    let home = tmp.path("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    for name in ["val", "quinn", "robin-v6", "robin-pq"] {
        for suffix in ["pub", "sec"] {
            let path = keys_dir().join(format!("openpgp/{name}.{suffix}.asc"));
            let (ok, out) = gpg(&home, &["--import", &path.display().to_string()]);
            assert!(!ok, "gpg imported {name}.{suffix}.asc: {out}");
            assert!(
                out.contains("packet(6) with unknown version 6")
                    || out.contains("packet(5) with unknown version 6"),
                "{name}.{suffix}: {out}"
            );
        }
    }
    for id in SAMPLES {
        let s = sample(id);
        if id.contains("signed") {
            let (signed, armor) = signed_parts(&s.raw);
            let start = armor.find("-----BEGIN").unwrap();
            let end = armor.find("-----END PGP SIGNATURE-----").unwrap() + 27;
            std::fs::write(tmp.path("sig.asc"), &armor[start..end]).unwrap();
            std::fs::write(tmp.path("data"), &signed).unwrap();
            let (ok, out) = gpg(
                &home,
                &[
                    "--verify",
                    &tmp.path("sig.asc").display().to_string(),
                    &tmp.path("data").display().to_string(),
                ],
            );
            assert!(!ok && !out.contains("GOODSIG"), "{id}: {out}");
            assert!(
                out.contains("packet(2) with unknown version 6"),
                "{id}: {out}"
            );
        } else {
            let armor = s.raw.split("filename=\"encrypted.asc\"").nth(1).unwrap();
            let start = armor.find("-----BEGIN").unwrap();
            let end = armor.find("-----END PGP MESSAGE-----").unwrap() + 25;
            std::fs::write(tmp.path("msg.asc"), &armor[start..end]).unwrap();
            let (ok, out) = gpg(
                &home,
                &["--decrypt", &tmp.path("msg.asc").display().to_string()],
            );
            assert!(!ok && !out.contains("DECRYPTION_OKAY"), "{id}: {out}");
            assert!(
                out.contains("packet(1) with unknown version 6"),
                "{id}: {out}"
            );
        }
    }
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&home)
        .args(["--kill", "all"])
        .status();
}

// ---------------------------------------------------------------- openssl

/// A PEM SubjectPublicKeyInfo for a raw Ed25519 key (RFC 8410).
fn ed25519_spki(raw: &[u8]) -> String {
    use base64::Engine as _;
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(raw);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

fn openssl(args: &[&str]) -> (bool, Vec<u8>, String) {
    let out = Command::new("openssl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Ed25519 signature of each signed sample (v6 Ed25519, and the Ed25519 half of
/// ML-DSA-65+Ed25519) verifies with openssl over the hash this test computes with openssl
/// (salt ‖ signed bytes ‖ v6 trailer, RFC 9580 §5.2.4), and fails over tampered bytes.
#[test]
fn openssl_verifies_the_ed25519_signatures_over_the_v6_hash() {
    if !require_tool(Tool::Openssl) {
        return;
    }
    let tmp = TempDir::new("rfc9580-openssl");
    for id in ["proton/pgp-mime-signed-v6", "proton/pgp-mime-signed-pq"] {
        let s = sample(id);
        let (sender, _) = personas(id);
        let (primary, _) = cert_keys(sender);
        let (signed, armor) = signed_parts(&s.raw);
        let sig = sig6(&packets(&dearmor(&armor))[0].1);
        // The Ed25519 public key: algorithm 27 is the 32 raw octets; algorithm 30 starts
        // with them (then the 1952-octet ML-DSA-65 key).
        let ed_public = &primary.material[..32];
        std::fs::write(tmp.path("pub.pem"), ed25519_spki(ed_public)).unwrap();
        std::fs::write(tmp.path("sig"), &sig.fields[..64]).unwrap();
        let (_, hash_name) = digest_of(sig.hash_algo);
        for tamper in [false, true] {
            let mut data = sig.salt.clone();
            let mut body = signed.clone();
            if tamper {
                body[10] ^= 1;
            }
            data.extend_from_slice(&body);
            data.extend_from_slice(&sig.hashed_prefix);
            data.extend_from_slice(&[6, 0xff]);
            data.extend_from_slice(
                &u32::try_from(sig.hashed_prefix.len())
                    .unwrap()
                    .to_be_bytes(),
            );
            std::fs::write(tmp.path("hashed"), &data).unwrap();
            let hashed = tmp.path("hashed").display().to_string();
            let digest_path = tmp.path("digest").display().to_string();
            let (ok, _, err) = openssl(&[
                "dgst",
                &format!("-{hash_name}"),
                "-binary",
                "-out",
                &digest_path,
                &hashed,
            ]);
            assert!(ok, "{id}: openssl dgst: {err}");
            let (ok, out, err) = openssl(&[
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                &tmp.path("pub.pem").display().to_string(),
                "-rawin",
                "-in",
                &digest_path,
                "-sigfile",
                &tmp.path("sig").display().to_string(),
            ]);
            let said = format!("{}{err}", String::from_utf8_lossy(&out));
            assert_eq!(
                ok, !tamper,
                "{id} (tampered: {tamper}): openssl said {said}"
            );
        }
    }
}
