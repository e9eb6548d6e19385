//! OpenPGP inspection (`replymatrix::openpgp`): real signatures made with sequoia at fixed
//! creation times over committed fixture keys (tests/fixtures/openpgp/README.md), real
//! encryption and decryption, and cross-checks against GnuPG as an independent
//! implementation.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use proptest::prelude::*;
use replymatrix::facts::{Digest, SignatureAlgorithm, SignatureStatus};
use replymatrix::openpgp::{
    self, EncryptedFacts, PgpContext, autocrypt_keys, inspect_encrypted,
    inspect_encrypted_with_limit, keys_in, load_certs, verify_cleartext, verify_detached,
};
use sequoia_openpgp as sq;
use sq::Cert;
use sq::armor;
use sq::cert::Preferences;
use sq::cert::amalgamation::ValidAmalgamation;
use sq::cert::amalgamation::key::PrimaryKey;
use sq::crypto::KeyPair;
use sq::packet::signature::SignatureBuilder;
use sq::policy::StandardPolicy;
use sq::serialize::Serialize;
use sq::serialize::stream::{
    Armorer, Compressor, Encryptor, LiteralWriter, Message, Recipient, Signer,
};
use sq::types::{CompressionAlgorithm, HashAlgorithm, SignatureType, SymmetricAlgorithm};

const PAT_FPR: &str = "95501E37D93C1A6C5752A0FA187E5B5A036B5E49";
const PAT_ENC_KEYID: &str = "B845071A13ACFAFF";
const GUS_FPR: &str = "AD170A640CAB54B939AA95CBD375F8C523273A7A";
const GUS_ENC_KEYID: &str = "E61CE3FC0B909AA7";

/// 2025-06-01T12:00:00Z, the creation time of every signature made here.
const SIGNED_AT: &str = "2025-06-01T12:00:00Z";
fn signed_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_748_779_200)
}

/// The RFC 3156 canonical bytes of a signed MIME part (CRLF), with a dash line to escape.
const MIME_PART: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Hello Robin,\r\n\
- the dashed line,\r\n\
From the top.\r\n";

fn fixture(name: &str) -> Vec<u8> {
    let path = crate::support::fixtures_dir().join("openpgp").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cert(name: &str) -> Cert {
    let mut certs = load_certs(&fixture(name)).expect("fixture parses");
    assert_eq!(certs.len(), 1);
    certs.remove(0)
}

fn pat_pub() -> Cert {
    cert("pat.pub.asc")
}
fn gus_pub() -> Cert {
    cert("gus.pub.asc")
}
fn pat_sec() -> Cert {
    cert("pat.sec.asc")
}
fn gus_sec() -> Cert {
    cert("gus.sec.asc")
}

/// The signing key pair of a secret fixture, valid at [`signed_at`].
fn signing_keypair(secret: &Cert) -> KeyPair {
    let policy = StandardPolicy::at(signed_at());
    secret
        .keys()
        .unencrypted_secret()
        .with_policy(&policy, signed_at())
        .for_signing()
        .next()
        .expect("a signing key")
        .key()
        .clone()
        .into_keypair()
        .expect("unencrypted")
}

/// A detached signature of `typ` with `hash` over `data` at [`signed_at`].
fn detached(
    secret: &Cert,
    typ: SignatureType,
    hash: HashAlgorithm,
    armored: bool,
    data: &[u8],
) -> Vec<u8> {
    detached_at(secret, signed_at(), typ, hash, armored, data)
}

/// A detached signature made at `time`.
fn detached_at(
    secret: &Cert,
    time: SystemTime,
    typ: SignatureType,
    hash: HashAlgorithm,
    armored: bool,
    data: &[u8],
) -> Vec<u8> {
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = if armored {
            Armorer::new(message)
                .kind(armor::Kind::Signature)
                .build()
                .expect("armorer")
        } else {
            message
        };
        let mut signer =
            Signer::with_template(message, signing_keypair(secret), SignatureBuilder::new(typ))
                .expect("signer")
                .detached()
                .hash_algo(hash)
                .expect("hash")
                .creation_time(time)
                .build()
                .expect("build");
        signer.write_all(data).expect("write");
        signer.finalize().expect("finalize");
    }
    sink
}

fn ctx<'a>(from: Option<&'a str>, certs: &'a [Cert], secret_keys: &'a [Cert]) -> PgpContext<'a> {
    PgpContext {
        from,
        certs,
        secret_keys,
    }
}

#[test]
fn eddsa_text_signature_sha256_is_valid() {
    let sig = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    let certs = [pat_pub()];
    let result = verify_detached(
        &sig,
        MIME_PART,
        &ctx(Some("pat@proton.example"), &certs, &[]),
    );
    let s = result.signature;
    assert_eq!(s.status, SignatureStatus::Valid, "{}", s.reason);
    assert!(
        s.reason.code() == replymatrix::facts::SignatureReasonCode::Verified,
        "{}",
        s.reason
    );
    assert_eq!(s.digest, Some(Digest::Sha256));
    assert_eq!(s.algorithm, Some(SignatureAlgorithm::Eddsa));
    let signer = s.signer.expect("signer");
    assert_eq!(signer.email.as_deref(), Some("pat@proton.example"));
    assert_eq!(signer.id, PAT_FPR);
    assert_eq!(s.signer_matches_from, Some(true));
    assert_eq!(s.signer_count, 1);
    assert_eq!(
        s.signed_at.map(|t| t.to_string()).as_deref(),
        Some(SIGNED_AT)
    );
    assert!(!s.covers_whole_body);
    assert!(result.problems.is_empty());
}

#[test]
fn eddsa_text_signature_sha512_is_valid_with_armor_headers() {
    let sig = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA512,
        true,
        MIME_PART,
    );
    // Proton style: Version/Comment headers, CRLF line ends.
    let text = String::from_utf8(sig).expect("armor is ASCII");
    let text = text.replacen(
        "-----BEGIN PGP SIGNATURE-----\n",
        "-----BEGIN PGP SIGNATURE-----\nVersion: ProtonMail\nComment: https://protonmail.com\n",
        1,
    );
    let text = text.replace('\n', "\r\n");
    let certs = [pat_pub()];
    let s = verify_detached(text.as_bytes(), MIME_PART, &ctx(None, &certs, &[])).signature;
    assert_eq!(s.status, SignatureStatus::Valid, "{}", s.reason);
    assert_eq!(s.digest, Some(Digest::Sha512));
    // `From` unknown: no match claimed either way.
    assert_eq!(s.signer_matches_from, None);
}

#[test]
fn rsa_binary_signature_is_valid() {
    let sig = detached(
        &gus_sec(),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        false,
        MIME_PART,
    );
    assert_ne!(sig.first(), Some(&b'-'), "binary, not armored");
    let certs = [pat_pub(), gus_pub()];
    let s = verify_detached(
        &sig,
        MIME_PART,
        &ctx(Some("gus@gpgsuite.example"), &certs, &[]),
    )
    .signature;
    assert_eq!(s.status, SignatureStatus::Valid, "{}", s.reason);
    assert_eq!(s.algorithm, Some(SignatureAlgorithm::Rsa));
    assert_eq!(s.signer.expect("signer").id, GUS_FPR);
    assert_eq!(s.signer_matches_from, Some(true));
}

#[test]
fn binary_signature_is_byte_exact_but_text_signature_tolerates_line_ends() {
    let lf: Vec<u8> = String::from_utf8_lossy(MIME_PART)
        .replace("\r\n", "\n")
        .into_bytes();
    let certs = [pat_pub()];
    let c = ctx(None, &certs, &[]);
    let binary = detached(
        &pat_sec(),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    assert_eq!(
        verify_detached(&binary, MIME_PART, &c).signature.status,
        SignatureStatus::Valid
    );
    assert_eq!(
        verify_detached(&binary, &lf, &c).signature.status,
        SignatureStatus::Invalid
    );
    // RFC 9580 §5.2.1.2: a text signature hashes canonical CRLF line ends.
    let text = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    assert_eq!(
        verify_detached(&text, &lf, &c).signature.status,
        SignatureStatus::Valid
    );
}

#[test]
fn tampered_byte_is_invalid() {
    let certs = [pat_pub(), gus_pub()];
    let c = ctx(Some("pat@proton.example"), &certs, &[]);
    for secret in [pat_sec(), gus_sec()] {
        let sig = detached(
            &secret,
            SignatureType::Text,
            HashAlgorithm::SHA256,
            true,
            MIME_PART,
        );
        let mut tampered = MIME_PART.to_vec();
        let at = tampered.len() - 5;
        tampered[at] ^= 0x01;
        let s = verify_detached(&sig, &tampered, &c).signature;
        assert_eq!(s.status, SignatureStatus::Invalid, "{}", s.reason);
        assert!(
            s.reason.code() == replymatrix::facts::SignatureReasonCode::BadSignature,
            "{}",
            s.reason
        );
        assert!(s.signer.is_some());
    }
}

#[test]
fn tampered_signature_packet_is_invalid() {
    let mut sig = detached(
        &gus_sec(),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        false,
        MIME_PART,
    );
    // The last byte belongs to the RSA signature MPI.
    let last = sig.len() - 1;
    sig[last] ^= 0x40;
    let certs = [gus_pub()];
    let s = verify_detached(&sig, MIME_PART, &ctx(None, &certs, &[])).signature;
    assert_eq!(s.status, SignatureStatus::Invalid, "{}", s.reason);
}

#[test]
fn missing_key_is_unverifiable_with_the_issuer() {
    let sig = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    let certs = [gus_pub()]; // not the signer
    let result = verify_detached(
        &sig,
        MIME_PART,
        &ctx(Some("pat@proton.example"), &certs, &[]),
    );
    let s = result.signature;
    assert_eq!(s.status, SignatureStatus::Unverifiable);
    assert_eq!(
        s.reason.to_string().split(' ').take(2).collect::<Vec<_>>(),
        ["no-key:", PAT_FPR]
    );
    let signer = s.signer.expect("issuer");
    assert_eq!(signer.id, PAT_FPR);
    assert_eq!(signer.email, None);
    assert_eq!(s.signer_matches_from, None);
    assert_eq!(s.digest, Some(Digest::Sha256));
    assert_eq!(
        s.signed_at.map(|t| t.to_string()).as_deref(),
        Some(SIGNED_AT)
    );
    assert!(result.problems.is_empty());
}

#[test]
fn sha1_signature_is_policy_rejected_not_invalid() {
    let sig = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA1,
        true,
        MIME_PART,
    );
    let certs = [pat_pub()];
    let s = verify_detached(&sig, MIME_PART, &ctx(None, &certs, &[])).signature;
    assert_eq!(s.status, SignatureStatus::Unverifiable, "{}", s.reason);
    assert!(
        s.reason.code() == replymatrix::facts::SignatureReasonCode::PolicyRejected,
        "{}",
        s.reason
    );
    assert!(
        s.reason.to_string().contains("collision resistance"),
        "{}",
        s.reason
    );
    assert_eq!(s.digest, Some(Digest::Sha1));
}

#[test]
fn key_validity_is_judged_at_the_signature_time() {
    // Theo's key expires 2026-01-01T12:00:00Z.
    let theo = [cert("theo.pub.asc")];
    let c = ctx(Some("theo@tbird.example"), &theo, &[]);
    let before = detached(
        &cert("theo.sec.asc"),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    let s = verify_detached(&before, MIME_PART, &c).signature;
    assert_eq!(
        s.status,
        SignatureStatus::Valid,
        "made while the key was alive: {}",
        s.reason
    );

    let after_expiry = UNIX_EPOCH + Duration::from_secs(1_780_315_200); // 2026-06-01T12:00:00Z
    let after = detached_at(
        &cert("theo.sec.asc"),
        after_expiry,
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    let s = verify_detached(&after, MIME_PART, &c).signature;
    assert_eq!(s.status, SignatureStatus::Unverifiable, "{}", s.reason);
    assert!(
        s.reason.code() == replymatrix::facts::SignatureReasonCode::KeyInvalid,
        "{}",
        s.reason
    );
    assert_eq!(
        s.signed_at.map(|t| t.to_string()).as_deref(),
        Some("2026-06-01T12:00:00Z")
    );
    assert_eq!(
        s.signer.and_then(|x| x.email).as_deref(),
        Some("theo@tbird.example")
    );

    // Key facts are judged at the certificate's own latest self-signature time.
    let found = keys_in(&fixture("theo.pub.asc"), "theo.asc");
    assert!(found.facts[0].can_sign);
    assert!(!found.facts[0].can_encrypt, "theo has no encryption subkey");
}

#[test]
fn signer_matches_from_both_ways() {
    let sig = detached(
        &pat_sec(),
        SignatureType::Text,
        HashAlgorithm::SHA256,
        true,
        MIME_PART,
    );
    let certs = [pat_pub()];
    let yes = verify_detached(
        &sig,
        MIME_PART,
        &ctx(Some("pat@proton.example"), &certs, &[]),
    );
    assert_eq!(yes.signature.signer_matches_from, Some(true));
    let no = verify_detached(
        &sig,
        MIME_PART,
        &ctx(Some("dana@fabrikam.example"), &certs, &[]),
    );
    assert_eq!(no.signature.status, SignatureStatus::Valid);
    assert_eq!(no.signature.signer_matches_from, Some(false));
    assert_eq!(
        no.signature.signer.and_then(|s| s.email).as_deref(),
        Some("pat@proton.example")
    );
}

#[test]
fn two_signatures_one_bad_is_invalid_and_both_are_counted() {
    let good = detached(
        &pat_sec(),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        false,
        MIME_PART,
    );
    let other = detached(
        &gus_sec(),
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        false,
        b"other data",
    );
    let both: Vec<u8> = [good.clone(), other].concat();
    let certs = [pat_pub(), gus_pub()];
    let s = verify_detached(&both, MIME_PART, &ctx(None, &certs, &[])).signature;
    assert_eq!(s.signer_count, 2);
    assert_eq!(s.status, SignatureStatus::Invalid, "{}", s.reason);
    // A second signer whose key we lack takes nothing away from a good one.
    let certs = [pat_pub()];
    let unknown_second: Vec<u8> = [
        good,
        detached(
            &gus_sec(),
            SignatureType::Binary,
            HashAlgorithm::SHA256,
            false,
            MIME_PART,
        ),
    ]
    .concat();
    let s = verify_detached(&unknown_second, MIME_PART, &ctx(None, &certs, &[])).signature;
    assert_eq!(s.signer_count, 2);
    assert_eq!(s.status, SignatureStatus::Valid, "{}", s.reason);
    assert_eq!(s.signer.expect("signer").id, PAT_FPR);
}

/// A cleartext-signed text (RFC 9580 §7) made with sequoia.
fn clearsigned(secret: &Cert, text: &[u8]) -> Vec<u8> {
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let mut signer = Signer::new(message, signing_keypair(secret))
            .expect("signer")
            .cleartext()
            .hash_algo(HashAlgorithm::SHA256)
            .expect("hash")
            .creation_time(signed_at())
            .build()
            .expect("build");
        signer.write_all(text).expect("write");
        signer.finalize().expect("finalize");
    }
    sink
}

const CLEAR_TEXT: &[u8] =
    b"Hi Robin,\n- a line that starts with a dash\n-----BEGIN not armor\nBye\n";

#[test]
fn cleartext_signature_is_valid_and_dash_unescaped() {
    let armored = clearsigned(&pat_sec(), CLEAR_TEXT);
    let wire = String::from_utf8_lossy(&armored);
    assert!(
        wire.contains("\n- - a line"),
        "dash-escaped on the wire: {wire}"
    );
    let certs = [pat_pub()];
    let result = verify_cleartext(&armored, &ctx(Some("pat@proton.example"), &certs, &[]));
    let s = &result.signature;
    assert_eq!(s.status, SignatureStatus::Valid, "{}", s.reason);
    assert_eq!(s.signer_matches_from, Some(true));
    assert_eq!(
        s.signed_at.map(|t| t.to_string()).as_deref(),
        Some(SIGNED_AT)
    );
    let text = result.text.expect("text");
    let text = String::from_utf8(text).expect("utf-8");
    assert!(text.starts_with("Hi Robin,"), "{text:?}");
    assert!(
        text.contains("\n- a line that starts with a dash"),
        "{text:?}"
    );
    assert!(!text.contains("- - a line"), "{text:?}");
    assert!(text.contains("-----BEGIN not armor"), "{text:?}");
}

#[test]
fn cleartext_signature_tampered_is_invalid() {
    let armored = clearsigned(&pat_sec(), CLEAR_TEXT);
    let wire = String::from_utf8(armored).expect("ascii");
    let tampered = wire.replacen("Hi Robin,", "Hi Robyn,", 1);
    assert_ne!(wire, tampered);
    let certs = [pat_pub()];
    let result = verify_cleartext(tampered.as_bytes(), &ctx(None, &certs, &[]));
    assert_eq!(
        result.signature.status,
        SignatureStatus::Invalid,
        "{}",
        result.signature.reason
    );
    assert!(result.text.expect("text").starts_with(b"Hi Robyn,"));
}

/// Encrypts `plaintext` to the encryption subkeys of `to`, optionally signing inside with
/// `signer` (Proton style), with `cipher`.
fn encrypt(
    to: &[&Cert],
    signer: Option<&Cert>,
    cipher: SymmetricAlgorithm,
    compress: bool,
    armored: bool,
    plaintext: &[u8],
) -> Vec<u8> {
    let policy = StandardPolicy::at(signed_at());
    let recipients: Vec<Recipient> = to
        .iter()
        .flat_map(|cert| {
            cert.keys()
                .with_policy(&policy, signed_at())
                .supported()
                .alive()
                .revoked(false)
                .for_transport_encryption()
                .map(Recipient::from)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!recipients.is_empty());
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = if armored {
            Armorer::new(message).build().expect("armorer")
        } else {
            message
        };
        let message = Encryptor::for_recipients(message, recipients)
            .symmetric_algo(cipher)
            .build()
            .expect("encryptor");
        let message = if compress {
            Compressor::new(message)
                .algo(CompressionAlgorithm::Zlib)
                .build()
                .expect("compressor")
        } else {
            message
        };
        let message = match signer {
            Some(secret) => Signer::new(message, signing_keypair(secret))
                .expect("signer")
                .creation_time(signed_at())
                .build()
                .expect("signer"),
            None => message,
        };
        let mut literal = LiteralWriter::new(message)
            .date(signed_at())
            .expect("date")
            .build()
            .expect("literal");
        literal.write_all(plaintext).expect("write");
        literal.finalize().expect("finalize");
    }
    sink
}

const SECRET_TEXT: &[u8] = b"Content-Type: text/plain\r\n\r\nThe launch code is 0000.\r\n";

fn recipient_ids(facts: &EncryptedFacts) -> Vec<(String, String)> {
    facts
        .encryption
        .recipients
        .iter()
        .map(|r| (r.key_algorithm.clone(), r.id.clone()))
        .collect()
}

#[test]
fn cv25519_message_signed_inside_decrypts_with_the_right_key() {
    let message = encrypt(
        &[&pat_pub()],
        Some(&gus_sec()),
        SymmetricAlgorithm::AES256,
        true,
        true,
        SECRET_TEXT,
    );
    let certs = [gus_pub()];
    let keys = [pat_sec()];
    let facts = inspect_encrypted(&message, &ctx(Some("gus@gpgsuite.example"), &certs, &keys));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("aes-256"));
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
    assert_eq!(
        recipient_ids(&facts),
        [("ecdh".to_owned(), PAT_ENC_KEYID.to_owned())]
    );
    let inner = facts.inner_signature.expect("signed inside");
    assert_eq!(inner.status, SignatureStatus::Valid, "{}", inner.reason);
    assert_eq!(inner.signer.expect("signer").id, GUS_FPR);
    assert_eq!(inner.signer_matches_from, Some(true));
    assert_eq!(
        inner.signed_at.map(|t| t.to_string()).as_deref(),
        Some(SIGNED_AT)
    );
    assert_eq!(inner.signer_count, 1);
}

#[test]
fn inner_signature_without_the_signers_key_is_unverifiable() {
    let message = encrypt(
        &[&pat_pub()],
        Some(&gus_sec()),
        SymmetricAlgorithm::AES256,
        false,
        false,
        SECRET_TEXT,
    );
    let keys = [pat_sec()];
    let facts = inspect_encrypted(&message, &ctx(None, &[], &keys));
    assert!(facts.encryption.decrypted);
    let inner = facts.inner_signature.expect("signed inside");
    assert_eq!(inner.status, SignatureStatus::Unverifiable);
    assert!(
        inner.reason.code() == replymatrix::facts::SignatureReasonCode::NoKey,
        "{}",
        inner.reason
    );
}

#[test]
fn rsa_message_decrypts_and_reports_the_cipher() {
    let message = encrypt(
        &[&gus_pub()],
        None,
        SymmetricAlgorithm::AES128,
        false,
        false,
        SECRET_TEXT,
    );
    let keys = [pat_sec(), gus_sec()];
    let facts = inspect_encrypted(&message, &ctx(None, &[], &keys));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("aes-128"));
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
    assert_eq!(
        recipient_ids(&facts),
        [("rsa".to_owned(), GUS_ENC_KEYID.to_owned())]
    );
    assert!(facts.inner_signature.is_none());
}

#[test]
fn wrong_key_does_not_decrypt() {
    let message = encrypt(
        &[&pat_pub()],
        None,
        SymmetricAlgorithm::AES256,
        false,
        true,
        SECRET_TEXT,
    );
    let keys = [gus_sec()];
    let facts = inspect_encrypted(&message, &ctx(None, &[], &keys));
    assert!(!facts.encryption.decrypted);
    assert!(facts.plaintext.is_none());
    assert_eq!(facts.encryption.cipher, None);
    let codes: Vec<&str> = facts.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["pgp-no-matching-key"]);
}

#[test]
fn passphrase_protected_recipient_key_is_no_matching_key() {
    let message = encrypt(
        &[&gus_pub()],
        None,
        SymmetricAlgorithm::AES256,
        false,
        false,
        SECRET_TEXT,
    );
    // Re-protect gus's secret keys with a passphrase (S2K salt randomness does not reach
    // any fact).
    let gus = gus_sec();
    let password: sq::crypto::Password = "correct horse".into();
    let protected: Vec<sq::Packet> = gus
        .keys()
        .secret()
        .map(|ka| {
            let key = ka
                .key()
                .clone()
                .encrypt_secret(&password)
                .expect("encrypt secret");
            if ka.primary() {
                sq::Packet::from(key.role_into_primary())
            } else {
                sq::Packet::from(key.role_into_subordinate())
            }
        })
        .collect();
    let (gus, _) = gus.insert_packets(protected).expect("insert");
    assert!(
        gus.keys()
            .secret()
            .all(|ka| !ka.key().has_unencrypted_secret())
    );
    let keys = [gus];
    let facts = inspect_encrypted(&message, &ctx(None, &[], &keys));
    assert!(!facts.encryption.decrypted);
    assert_eq!(facts.problems.len(), 1);
    assert_eq!(facts.problems[0].code.as_str(), "pgp-no-matching-key");
    assert!(
        facts.problems[0].message.contains("passphrase"),
        "{}",
        facts.problems[0].message
    );
}

#[test]
fn recipients_are_listed_without_any_key() {
    let message = encrypt(
        &[&pat_pub(), &gus_pub()],
        None,
        SymmetricAlgorithm::AES256,
        false,
        true,
        SECRET_TEXT,
    );
    let facts = inspect_encrypted(&message, &ctx(None, &[], &[]));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(!facts.encryption.decrypted);
    assert!(facts.plaintext.is_none());
    let mut ids = recipient_ids(&facts);
    ids.sort();
    assert_eq!(
        ids,
        [
            ("ecdh".to_owned(), PAT_ENC_KEYID.to_owned()),
            ("rsa".to_owned(), GUS_ENC_KEYID.to_owned()),
        ]
    );
}

#[test]
fn password_recipient_is_listed_as_skesk() {
    let policy = StandardPolicy::at(signed_at());
    let pat = pat_pub();
    let recipients: Vec<Recipient> = pat
        .keys()
        .with_policy(&policy, signed_at())
        .for_transport_encryption()
        .map(Recipient::from)
        .collect();
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Encryptor::with_passwords(message, Some("hunter2"))
            .add_recipients(recipients)
            .build()
            .expect("encryptor");
        let mut literal = LiteralWriter::new(message).build().expect("literal");
        literal.write_all(SECRET_TEXT).expect("write");
        literal.finalize().expect("finalize");
    }
    let listed = inspect_encrypted(&sink, &ctx(None, &[], &[]));
    let mut ids = recipient_ids(&listed);
    ids.sort();
    assert_eq!(
        ids,
        [
            ("ecdh".to_owned(), PAT_ENC_KEYID.to_owned()),
            ("password".to_owned(), "skesk".to_owned()),
        ]
    );
    let keys = [pat_sec()];
    let facts = inspect_encrypted(&sink, &ctx(None, &[], &keys));
    assert!(facts.encryption.decrypted, "{:?}", facts.problems);
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
}

#[test]
fn hidden_recipient_is_the_wildcard_and_still_decrypts() {
    let policy = StandardPolicy::at(signed_at());
    let pat = pat_pub();
    let recipients: Vec<Recipient> = pat
        .keys()
        .with_policy(&policy, signed_at())
        .for_transport_encryption()
        .map(|ka| Recipient::new(ka.valid_cert().features(), None, ka.key()))
        .collect();
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Encryptor::for_recipients(message, recipients)
            .build()
            .expect("enc");
        let mut literal = LiteralWriter::new(message).build().expect("literal");
        literal.write_all(SECRET_TEXT).expect("write");
        literal.finalize().expect("finalize");
    }
    let none = inspect_encrypted(&sink, &ctx(None, &[], &[]));
    assert_eq!(
        recipient_ids(&none),
        [("ecdh".to_owned(), "0000000000000000".to_owned())]
    );
    let keys = [gus_sec(), pat_sec()];
    let facts = inspect_encrypted(&sink, &ctx(None, &[], &keys));
    assert!(facts.encryption.decrypted, "{:?}", facts.problems);
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
}

#[test]
fn corrupted_ciphertext_fails_without_plaintext() {
    let message = encrypt(
        &[&gus_pub()],
        None,
        SymmetricAlgorithm::AES256,
        false,
        false,
        &[b'x'; 4096],
    );
    let mut corrupted = message.clone();
    let at = corrupted.len() - 1500;
    corrupted[at] ^= 0x20;
    let keys = [gus_sec()];
    let facts = inspect_encrypted(&corrupted, &ctx(None, &[], &keys));
    assert!(!facts.encryption.decrypted);
    assert!(facts.plaintext.is_none());
    let codes: Vec<&str> = facts.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["pgp-decryption-failed"], "{:?}", facts.problems);
    // The same message uncorrupted decrypts: the corruption is what failed.
    assert!(
        inspect_encrypted(&message, &ctx(None, &[], &keys))
            .encryption
            .decrypted
    );
}

/// Regression: sequoia 2.4.2 panicked (parse.rs:6367) on some truncated SEIPD bodies; the
/// proptest found it. Every truncation of a real message is now a problem, never a panic
/// and never a (partial) plaintext.
#[test]
fn every_truncation_of_an_encrypted_message_is_a_problem() {
    let message = encrypt(
        &[&pat_pub()],
        Some(&pat_sec()),
        SymmetricAlgorithm::AES256,
        true,
        false,
        SECRET_TEXT,
    );
    let certs = [pat_pub()];
    let keys = [pat_sec()];
    let c = ctx(None, &certs, &keys);
    for cut in 0..message.len() {
        let facts = inspect_encrypted(&message[..cut], &c);
        assert!(!facts.encryption.decrypted, "cut at {cut}");
        assert!(facts.plaintext.is_none(), "cut at {cut}");
        assert!(!facts.problems.is_empty(), "cut at {cut}");
        assert!(
            facts
                .problems
                .iter()
                .all(|p| p.code != replymatrix::facts::ProblemCode::PgpInternalError),
            "cut at {cut}: {:?}",
            facts.problems
        );
    }
    assert!(inspect_encrypted(&message, &c).encryption.decrypted);
}

#[test]
fn compression_bomb_stops_at_the_limit() {
    let big = vec![0u8; 2 * 1024 * 1024];
    let message = encrypt(
        &[&pat_pub()],
        None,
        SymmetricAlgorithm::AES256,
        true,
        false,
        &big,
    );
    assert!(
        message.len() < 64 * 1024,
        "compressed to {} bytes",
        message.len()
    );
    let keys = [pat_sec()];
    let c = ctx(None, &[], &keys);
    let bomb = inspect_encrypted_with_limit(&message, &c, 1024 * 1024);
    assert!(!bomb.encryption.decrypted);
    assert!(bomb.plaintext.is_none());
    let codes: Vec<&str> = bomb.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["pgp-decompressed-too-large"]);
    // Under a limit it fits, it decrypts: the limit is what stopped it.
    let fits = inspect_encrypted_with_limit(&message, &c, 4 * 1024 * 1024);
    assert!(fits.encryption.decrypted, "{:?}", fits.problems);
    assert_eq!(fits.plaintext.map(|p| p.len()), Some(big.len()));
    assert_eq!(openpgp::MAX_PLAINTEXT, 64 * 1024 * 1024);
}

#[test]
fn keys_in_attachment_reports_key_facts() {
    let found = keys_in(
        &fixture("pat.pub.asc"),
        "publickey - pat@proton.example - 0x95501E37.asc",
    );
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(found.certs.len(), 1);
    let facts = &found.facts[0];
    assert_eq!(facts.fingerprint, PAT_FPR);
    assert_eq!(facts.version, 4);
    assert_eq!(facts.emails, ["pat@proton.example"]);
    assert_eq!(facts.algorithm, "eddsa");
    assert_eq!(facts.bits, 256);
    assert!(facts.can_encrypt && facts.can_sign);
    assert_eq!(
        facts.source,
        "publickey - pat@proton.example - 0x95501E37.asc"
    );

    // Binary, RSA-3072.
    let mut binary = Vec::new();
    gus_pub().serialize(&mut binary).expect("serialize");
    let found = keys_in(&binary, "OpenPGP_0xD375F8C523273A7A.asc");
    let facts = &found.facts[0];
    assert_eq!(facts.fingerprint, GUS_FPR);
    assert_eq!(facts.algorithm, "rsa");
    assert_eq!(facts.bits, 3072);
    assert!(facts.can_encrypt && facts.can_sign);
}

#[test]
fn keys_in_strips_an_attached_secret_key_and_says_so() {
    let found = keys_in(&fixture("gus.sec.asc"), "oops.asc");
    let codes: Vec<&str> = found.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["pgp-secret-key-attached"]);
    assert_eq!(found.certs.len(), 1);
    assert!(!found.certs[0].is_tsk());
}

#[test]
fn keys_in_garbage_is_a_problem() {
    for garbage in [
        &b""[..],
        b"hello",
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
    ] {
        let found = keys_in(garbage, "x.asc");
        assert!(found.facts.is_empty());
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.code == replymatrix::facts::ProblemCode::PgpKeyMalformed),
            "{:?}",
            found.problems
        );
    }
}

#[test]
fn load_certs_reads_keyrings_and_secret_keys() {
    let ring = [fixture("pat.pub.asc"), fixture("gus.pub.asc")].concat();
    let certs = load_certs(&ring).expect("keyring");
    let fprs: Vec<String> = certs.iter().map(|c| c.fingerprint().to_hex()).collect();
    assert_eq!(fprs, [PAT_FPR, GUS_FPR]);
    let secret = load_certs(&fixture("pat.sec.asc")).expect("secret");
    assert!(secret[0].is_tsk());
    assert!(load_certs(b"not a key").is_err());
    assert!(load_certs(b"").is_err());
}

/// An Autocrypt header value for `cert` with `addr`, keydata folded at 76 columns.
fn autocrypt_header(addr: &str, cert: &Cert) -> String {
    let mut binary = Vec::new();
    cert.serialize(&mut binary).expect("serialize");
    let b64 = base64::engine::general_purpose::STANDARD.encode(binary);
    let folded: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "addr={addr}; prefer-encrypt=mutual; keydata=\r\n {}",
        folded.join("\r\n ")
    )
}

#[test]
fn autocrypt_header_yields_the_key() {
    let header = autocrypt_header("Pat@Proton.example", &pat_pub());
    let found = autocrypt_keys(&header);
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(found.certs.len(), 1);
    assert_eq!(found.facts[0].fingerprint, PAT_FPR);
    assert_eq!(found.facts[0].source, "autocrypt");
}

#[test]
fn autocrypt_addr_mismatch_and_bad_base64_are_problems() {
    let found = autocrypt_keys(&autocrypt_header("mallory@proton.example", &pat_pub()));
    let codes: Vec<&str> = found.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["autocrypt-addr-mismatch"]);
    assert_eq!(found.facts.len(), 1);

    let found = autocrypt_keys("addr=pat@proton.example; keydata=!!!not*base64");
    let codes: Vec<&str> = found.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["autocrypt-bad-base64"]);
    assert!(found.certs.is_empty());

    let found = autocrypt_keys("addr=pat@proton.example; keydata=aGVsbG8gd29ybGQ=");
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.code == replymatrix::facts::ProblemCode::PgpKeyMalformed),
        "{:?}",
        found.problems
    );

    let found = autocrypt_keys("addr=pat@proton.example");
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.code == replymatrix::facts::ProblemCode::AutocryptMalformed)
    );
}

#[test]
fn garbage_signature_is_unverifiable_with_a_problem() {
    let certs = [pat_pub()];
    let c = ctx(None, &certs, &[]);
    for garbage in [
        &b""[..],
        b"not a signature",
        b"-----BEGIN PGP SIGNATURE-----\n\nAAECAwQF\n-----END PGP SIGNATURE-----\n",
    ] {
        let result = verify_detached(garbage, MIME_PART, &c);
        assert_eq!(result.signature.status, SignatureStatus::Unverifiable);
        assert!(
            result.signature.reason.code() == replymatrix::facts::SignatureReasonCode::Malformed,
            "{}",
            result.signature.reason
        );
        assert_eq!(result.problems.len(), 1);
        assert_eq!(result.problems[0].code.as_str(), "pgp-malformed");
    }
    // A key where a signature belongs.
    let result = verify_detached(&fixture("pat.pub.asc"), MIME_PART, &c);
    assert_eq!(result.signature.status, SignatureStatus::Unverifiable);
    assert_eq!(result.problems[0].code.as_str(), "pgp-malformed");
    let facts = inspect_encrypted(b"garbage", &c);
    assert!(
        facts
            .problems
            .iter()
            .any(|p| p.code == replymatrix::facts::ProblemCode::PgpMalformed)
    );
    let clear = verify_cleartext(
        b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n",
        &c,
    );
    assert_eq!(clear.signature.status, SignatureStatus::Unverifiable);
    assert!(!clear.problems.is_empty());
}

proptest! {
    // Fixed seed: the same cases on every run (deterministic tests).
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_F00D),
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    /// Arbitrary bytes never panic and never verify.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let certs = [pat_pub()];
        let keys = [pat_sec()];
        let c = ctx(Some("pat@proton.example"), &certs, &keys);
        let armored = format!(
            "-----BEGIN PGP SIGNATURE-----\n\n{}\n-----END PGP SIGNATURE-----\n",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        );
        for input in [&bytes[..], armored.as_bytes()] {
            prop_assert_ne!(verify_detached(input, MIME_PART, &c).signature.status, SignatureStatus::Valid);
            prop_assert_ne!(verify_cleartext(input, &c).signature.status, SignatureStatus::Valid);
            let facts = inspect_encrypted(input, &c);
            prop_assert!(!facts.encryption.decrypted);
            let _ = keys_in(input, "fuzz.asc");
            let _ = autocrypt_keys(&String::from_utf8_lossy(input));
        }
    }

    /// A real encrypted and signed message with a byte flipped or cut off never panics,
    /// and never decrypts to anything but the original (SEIPD's MDC / OCB tag).
    #[test]
    fn damaged_encrypted_message_never_lies(position in 0usize..100_000, byte in any::<u8>(), cut in any::<bool>()) {
        static MESSAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let message = MESSAGE.get_or_init(|| {
            encrypt(&[&pat_pub()], Some(&pat_sec()), SymmetricAlgorithm::AES256, true, false, SECRET_TEXT)
        });
        let at = position % message.len();
        let mut damaged = message.clone();
        if cut {
            damaged.truncate(at);
        } else {
            damaged[at] ^= byte | 1;
        }
        let certs = [pat_pub()];
        let keys = [pat_sec()];
        let facts = inspect_encrypted(&damaged, &ctx(None, &certs, &keys));
        if facts.encryption.decrypted {
            prop_assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
        } else {
            prop_assert!(facts.plaintext.is_none() || !facts.problems.is_empty());
            prop_assert!(!facts.problems.is_empty());
        }
    }

    /// A real cleartext-signed text with a byte changed or cut off never panics, and
    /// when it still verifies, the text it returns is the signed one.
    #[test]
    fn damaged_cleartext_never_lies(position in 0usize..100_000, byte in any::<u8>(), cut in any::<bool>()) {
        static ARMORED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let armored = ARMORED.get_or_init(|| clearsigned(&pat_sec(), CLEAR_TEXT));
        let at = position % armored.len();
        let mut damaged = armored.clone();
        if cut {
            damaged.truncate(at);
        } else {
            damaged[at] ^= byte | 1;
        }
        let certs = [pat_pub()];
        let result = verify_cleartext(&damaged, &ctx(None, &certs, &[]));
        if result.signature.status == SignatureStatus::Valid {
            let text = result.text.unwrap_or_default();
            let lines = |t: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(t).lines().map(|l| l.trim_end().to_owned()).collect()
            };
            prop_assert_eq!(lines(&text), lines(CLEAR_TEXT));
        }
    }

    /// Damaged real certificates (binary, with secrets) never panic, in an attachment, a
    /// `--cert` file or an Autocrypt header, and every fact comes with its certificate.
    #[test]
    fn damaged_certificates_never_panic(position in 0usize..100_000, byte in any::<u8>(), cut in any::<bool>(), rsa in any::<bool>()) {
        let cert = if rsa { gus_sec() } else { pat_sec() };
        let mut binary = Vec::new();
        sq::serialize::Serialize::serialize(&cert.as_tsk(), &mut binary).expect("serialize");
        let at = position % binary.len();
        if cut {
            binary.truncate(at);
        } else {
            binary[at] ^= byte | 1;
        }
        let found = keys_in(&binary, "damaged.asc");
        prop_assert!(found.problems.iter().all(|p| p.code != replymatrix::facts::ProblemCode::PgpInternalError), "{:?}", found.problems);
        prop_assert_eq!(found.facts.len(), found.certs.len());
        let _ = load_certs(&binary);
        let header = format!(
            "addr=pat@proton.example; keydata={}",
            base64::engine::general_purpose::STANDARD.encode(&binary)
        );
        let found = autocrypt_keys(&header);
        prop_assert!(found.problems.iter().all(|p| p.code != replymatrix::facts::ProblemCode::PgpInternalError), "{:?}", found.problems);
    }

    /// A bit flipped anywhere in a real signature never yields `valid` (the signed data is
    /// unchanged, so a flip either breaks parsing, the issuer, or the math).
    #[test]
    fn flipped_signature_bit_never_verifies(position in 0usize..10_000, bit in 0u8..8) {
        let sig = detached(&pat_sec(), SignatureType::Binary, HashAlgorithm::SHA256, false, MIME_PART);
        let mut flipped = sig.clone();
        let at = position % flipped.len();
        flipped[at] ^= 1 << bit;
        let certs = [pat_pub()];
        let result = verify_detached(&flipped, MIME_PART, &ctx(None, &certs, &[]));
        prop_assert!(result.problems.iter().all(|p| p.code != replymatrix::facts::ProblemCode::PgpInternalError));
        let truncated = verify_detached(&sig[..at], MIME_PART, &ctx(None, &certs, &[]));
        prop_assert_ne!(truncated.signature.status, SignatureStatus::Valid);
        prop_assert!(truncated.problems.iter().all(|p| p.code != replymatrix::facts::ProblemCode::PgpInternalError));
        let s = result.signature;
        // Flips in unhashed subpackets (issuer hints) may leave the signature valid, but
        // then the same key must have verified it.
        if s.status == SignatureStatus::Valid {
            prop_assert_eq!(s.signer.map(|x| x.id), Some(PAT_FPR.to_owned()));
        }
    }
}

// ---- GnuPG as an independent implementation ----

/// A throw-away GnuPG home with the fixture keys imported; removed (agent killed) on drop.
struct Gpg {
    home: PathBuf,
}

impl Gpg {
    /// `None` (after a skip line) when `gpg` is missing; fails when `CI` is set.
    fn new(test: &str) -> Option<Self> {
        if !crate::support::require_tool(crate::support::Tool::Gpg) {
            return None;
        }
        let home = std::env::temp_dir().join(format!("rm-pgp-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).expect("mkdir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        let gpg = Gpg { home };
        for name in ["pat.sec.asc", "gus.sec.asc"] {
            let path = crate::support::fixtures_dir().join("openpgp").join(name);
            let out = gpg.run(&["--import", path.to_str().expect("utf-8 path")], None);
            assert!(
                out.status.success(),
                "import: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(gpg)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.join(name)
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir")
            .arg(&self.home)
            .args([
                "--batch",
                "--yes",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args([
                "--faked-system-time",
                "20260101T000000!",
                "--trust-model",
                "always",
            ])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn gpg");
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input).expect("stdin");
        }
        child.wait_with_output().expect("gpg")
    }

    /// gpg's verdict on a detached signature: `Some(true)` GOODSIG, `Some(false)` BADSIG.
    fn verify(&self, sig: &[u8], data: &[u8]) -> Option<bool> {
        std::fs::write(self.path("v.sig"), sig).expect("write");
        std::fs::write(self.path("v.dat"), data).expect("write");
        let sig_path = self.path("v.sig");
        let dat_path = self.path("v.dat");
        let out = self.run(
            &[
                "--status-fd",
                "1",
                "--verify",
                sig_path.to_str().expect("p"),
                dat_path.to_str().expect("p"),
            ],
            None,
        );
        status_verdict(&out.stdout)
    }
}

fn status_verdict(status: &[u8]) -> Option<bool> {
    let status = String::from_utf8_lossy(status);
    if status.contains("[GNUPG:] GOODSIG") {
        Some(true)
    } else if status.contains("[GNUPG:] BADSIG") {
        Some(false)
    } else {
        None
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(&self.home)
            .args(["--kill", "gpg-agent"])
            .output();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// gpg's signatures are made at its faked time.
const GPG_SIGNED_AT: &str = "2026-01-01T00:00:00Z";

#[test]
fn gpg_detached_signatures_get_gpgs_verdict() {
    let Some(gpg) = Gpg::new("detached") else {
        return;
    };
    std::fs::write(gpg.path("part.eml"), MIME_PART).expect("write");
    let part = gpg.path("part.eml");
    let certs = [pat_pub(), gus_pub()];
    let c = ctx(Some("gus@gpgsuite.example"), &certs, &[]);
    for (signer, armor, algo, digest) in [
        (GUS_FPR, true, SignatureAlgorithm::Rsa, Digest::Sha512),
        (GUS_FPR, false, SignatureAlgorithm::Rsa, Digest::Sha512),
        (PAT_FPR, true, SignatureAlgorithm::Eddsa, Digest::Sha512),
    ] {
        let out_path = gpg.path("part.sig");
        let mut args = vec!["-u", signer, "--digest-algo", "SHA512", "--detach-sign"];
        if armor {
            args.push("--armor");
        }
        args.extend([
            "-o",
            out_path.to_str().expect("p"),
            part.to_str().expect("p"),
        ]);
        let out = gpg.run(&args, None);
        assert!(
            out.status.success(),
            "sign: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sig = std::fs::read(&out_path).expect("sig");
        assert_eq!(sig.starts_with(b"-----BEGIN PGP SIGNATURE-----"), armor);

        let ours = verify_detached(&sig, MIME_PART, &c).signature;
        assert_eq!(gpg.verify(&sig, MIME_PART), Some(true));
        assert_eq!(ours.status, SignatureStatus::Valid, "{}", ours.reason);
        assert_eq!(ours.algorithm, Some(algo));
        assert_eq!(ours.digest, Some(digest));
        assert_eq!(ours.signer.as_ref().map(|s| s.id.as_str()), Some(signer));
        assert_eq!(
            ours.signed_at.map(|t| t.to_string()).as_deref(),
            Some(GPG_SIGNED_AT)
        );

        let mut tampered = MIME_PART.to_vec();
        tampered[45] ^= 0x04;
        assert_eq!(gpg.verify(&sig, &tampered), Some(false));
        let ours = verify_detached(&sig, &tampered, &c).signature;
        assert_eq!(ours.status, SignatureStatus::Invalid, "{}", ours.reason);
    }
}

#[test]
fn gpg_verifies_what_we_call_valid() {
    let Some(gpg) = Gpg::new("ours") else { return };
    let certs = [pat_pub(), gus_pub()];
    let c = ctx(None, &certs, &[]);
    for (secret, typ, hash, armor) in [
        (pat_sec(), SignatureType::Text, HashAlgorithm::SHA512, true),
        (
            gus_sec(),
            SignatureType::Binary,
            HashAlgorithm::SHA256,
            false,
        ),
    ] {
        let sig = detached(&secret, typ, hash, armor, MIME_PART);
        assert_eq!(
            verify_detached(&sig, MIME_PART, &c).signature.status,
            SignatureStatus::Valid
        );
        assert_eq!(gpg.verify(&sig, MIME_PART), Some(true));
    }
}

#[test]
fn gpg_clearsigned_text_gets_gpgs_verdict() {
    let Some(gpg) = Gpg::new("clear") else { return };
    let out = gpg.run(&["-u", PAT_FPR, "--clearsign"], Some(CLEAR_TEXT));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let armored = out.stdout;
    let certs = [pat_pub()];
    let c = ctx(Some("pat@proton.example"), &certs, &[]);
    let result = verify_cleartext(&armored, &c);
    assert_eq!(
        result.signature.status,
        SignatureStatus::Valid,
        "{}",
        result.signature.reason
    );
    assert_eq!(
        result.signature.signed_at.map(|t| t.to_string()).as_deref(),
        Some(GPG_SIGNED_AT)
    );
    let text = result.text.expect("text");
    assert!(
        text.starts_with(b"Hi Robin,\n- a line that starts"),
        "{:?}",
        String::from_utf8_lossy(&text)
    );
    let gpg_verdict = status_verdict(
        &gpg.run(&["--status-fd", "1", "--verify"], Some(&armored))
            .stdout,
    );
    assert_eq!(gpg_verdict, Some(true));

    let tampered = String::from_utf8(armored)
        .expect("ascii")
        .replacen("Bye", "Bye!", 1);
    let ours = verify_cleartext(tampered.as_bytes(), &c).signature;
    assert_eq!(ours.status, SignatureStatus::Invalid, "{}", ours.reason);
    let gpg_verdict = status_verdict(
        &gpg.run(&["--status-fd", "1", "--verify"], Some(tampered.as_bytes()))
            .stdout,
    );
    assert_eq!(gpg_verdict, Some(false));
}

#[test]
fn gpg_encrypted_and_signed_message_decrypts_with_inner_signature() {
    let Some(gpg) = Gpg::new("encsign") else {
        return;
    };
    let out = gpg.run(
        &[
            "-u",
            GUS_FPR,
            "-r",
            PAT_FPR,
            "--cipher-algo",
            "AES192",
            "--armor",
            "--encrypt",
            "--sign",
        ],
        Some(SECRET_TEXT),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = out.stdout;
    let certs = [gus_pub()];
    let keys = [pat_sec()];
    let facts = inspect_encrypted(&message, &ctx(Some("gus@gpgsuite.example"), &certs, &keys));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("aes-192"));
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
    assert_eq!(
        recipient_ids(&facts),
        [("ecdh".to_owned(), PAT_ENC_KEYID.to_owned())]
    );
    let inner = facts.inner_signature.expect("signed inside");
    assert_eq!(inner.status, SignatureStatus::Valid, "{}", inner.reason);
    assert_eq!(inner.signer.expect("signer").id, GUS_FPR);
    assert_eq!(
        inner.signed_at.map(|t| t.to_string()).as_deref(),
        Some(GPG_SIGNED_AT)
    );

    // gpg decrypts it too, with the same verdict on the inner signature.
    let out = gpg.run(&["--status-fd", "2", "--decrypt"], Some(&message));
    assert_eq!(out.stdout, SECRET_TEXT);
    assert_eq!(status_verdict(&out.stderr), Some(true));

    // Hidden recipient (`-R`): listed as the wildcard, decrypted by trying our keys.
    let out = gpg.run(&["-R", GUS_FPR, "--encrypt"], Some(SECRET_TEXT));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = [pat_sec(), gus_sec()];
    let facts = inspect_encrypted(&out.stdout, &ctx(None, &[], &keys));
    assert_eq!(
        recipient_ids(&facts),
        [("rsa".to_owned(), "0000000000000000".to_owned())]
    );
    assert!(facts.encryption.decrypted, "{:?}", facts.problems);
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
}

/// CAST5 is refused by sequoia's standard policy from 2025-02, but GnuPG still decrypts it:
/// decryption describes the bytes and reports the cipher for the models to judge.
#[test]
#[allow(deprecated)] // CAST5 on purpose: a legacy sender.
fn legacy_cast5_message_decrypts_and_says_cast5() {
    let message = encrypt(
        &[&gus_pub()],
        None,
        SymmetricAlgorithm::CAST5,
        false,
        false,
        SECRET_TEXT,
    );
    let keys = [gus_sec()];
    let facts = inspect_encrypted(&message, &ctx(None, &[], &keys));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("cast5"));
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
}

#[test]
fn seipd_v2_message_reports_the_aead_mode() {
    let policy = StandardPolicy::at(signed_at());
    let pat = pat_pub();
    // Features::sequoia() announces SEIPDv2 support, so the encryptor may use it.
    let recipients: Vec<Recipient> = pat
        .keys()
        .with_policy(&policy, signed_at())
        .for_transport_encryption()
        .map(|ka| {
            Recipient::new(
                sq::types::Features::sequoia(),
                ka.key().key_handle(),
                ka.key(),
            )
        })
        .collect();
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Encryptor::for_recipients(message, recipients)
            .symmetric_algo(SymmetricAlgorithm::AES256)
            .aead_algo(sq::types::AEADAlgorithm::OCB)
            .build()
            .expect("encryptor");
        let mut literal = LiteralWriter::new(message).build().expect("literal");
        literal.write_all(SECRET_TEXT).expect("write");
        literal.finalize().expect("finalize");
    }
    let keys = [pat_sec()];
    let facts = inspect_encrypted(&sink, &ctx(None, &[], &keys));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("aes-256-ocb"));
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
    assert_eq!(
        recipient_ids(&facts),
        [("ecdh".to_owned(), PAT_ENC_KEYID.to_owned())]
    );
}

#[test]
fn signed_only_message_is_not_encrypted_but_still_read() {
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Armorer::new(message).build().expect("armorer");
        let message = Signer::new(message, signing_keypair(&pat_sec()))
            .expect("signer")
            .creation_time(signed_at())
            .build()
            .expect("signer");
        let mut literal = LiteralWriter::new(message).build().expect("literal");
        literal.write_all(SECRET_TEXT).expect("write");
        literal.finalize().expect("finalize");
    }
    let certs = [pat_pub()];
    let keys = [gus_sec()];
    let facts = inspect_encrypted(&sink, &ctx(Some("pat@proton.example"), &certs, &keys));
    let codes: Vec<&str> = facts.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["pgp-not-encrypted"]);
    assert!(!facts.encryption.decrypted);
    assert!(facts.encryption.recipients.is_empty());
    assert_eq!(facts.plaintext.as_deref(), Some(SECRET_TEXT));
    let inner = facts.inner_signature.expect("signature");
    assert_eq!(inner.status, SignatureStatus::Valid, "{}", inner.reason);
    // The same inline signed message through verify_cleartext.
    let clear = verify_cleartext(&sink, &ctx(Some("pat@proton.example"), &certs, &[]));
    assert_eq!(clear.signature.status, SignatureStatus::Valid);
    assert_eq!(clear.text.as_deref(), Some(SECRET_TEXT));
}

#[test]
fn cleartext_signature_survives_crlf_transport() {
    let armored = clearsigned(&pat_sec(), CLEAR_TEXT);
    let crlf = String::from_utf8(armored)
        .expect("ascii")
        .replace('\n', "\r\n");
    let certs = [pat_pub()];
    let result = verify_cleartext(crlf.as_bytes(), &ctx(None, &certs, &[]));
    assert_eq!(
        result.signature.status,
        SignatureStatus::Valid,
        "{}",
        result.signature.reason
    );
    assert!(
        result
            .text
            .expect("text")
            .starts_with(b"Hi Robin,\r\n- a line")
    );
}

/// A mail body with unsigned text around the cleartext block: only the block is verified
/// and returned (whether it covers the whole body is the MIME walker's call).
#[test]
fn cleartext_block_inside_unsigned_text_is_found() {
    let armored = clearsigned(&pat_sec(), CLEAR_TEXT);
    let certs = [pat_pub()];
    let mut framed = b"Hello, unsigned preface\r\n\r\n".to_vec();
    framed.extend_from_slice(&armored);
    framed.extend_from_slice(b"\r\n-- \r\nunsigned footer\r\n");
    let result = verify_cleartext(&framed, &ctx(None, &certs, &[]));
    assert_eq!(
        result.signature.status,
        SignatureStatus::Valid,
        "{}",
        result.signature.reason
    );
    assert_eq!(result.text.as_deref(), Some(CLEAR_TEXT));
}
