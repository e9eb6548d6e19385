//! Hostile CMS and OpenPGP input, beyond the walker cases of `tests/hostile.rs`: every case
//! asserts the problem code AND a sensible partial answer (the `From`, and the other layers
//! of the same message, are still reported), and never a panic.
//!
//! Each hostile part is put beside a well-formed, really signed S/MIME part
//! ([`valid_clear_signed_entity`]) so "other layers still reported" is checked, not assumed.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::Encode;
use replymatrix::facts::{LayerKind, SignatureStatus};
use replymatrix::{Inputs, Inspection, inspect};

use crate::support::{self, keys_dir};

fn senders() -> PathBuf {
    support::corpora().join("senders")
}

fn codes(inspection: &Inspection) -> Vec<&str> {
    inspection
        .problems
        .iter()
        .map(|p| p.code.as_str())
        .collect()
}

fn has_code(inspection: &Inspection, code: &str) -> bool {
    inspection.problems.iter().any(|p| p.code.as_str() == code)
}

fn base64_lines(data: &[u8]) -> String {
    let text = B64.encode(data);
    let mut out = String::with_capacity(text.len() + text.len() / 38);
    for chunk in text.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

fn persona_cert(name: &str) -> x509_cert::Certificate {
    let bytes = std::fs::read(keys_dir().join(format!("x509/{name}.cert.pem"))).unwrap();
    replymatrix::smime::load_certs(&bytes)
        .into_iter()
        .next()
        .unwrap()
}

fn persona_rsa_key(name: &str) -> rsa::PrivateKey {
    use rsa::pkcs8::DecodePrivateKey;
    let pem = std::fs::read_to_string(keys_dir().join(format!("x509/{name}.key.pem"))).unwrap();
    rsa::PrivateKey::from_pkcs8_pem(&pem).unwrap()
}

/// A detached (or, with `econtent`, encapsulated) SignedData by dana over `content`,
/// SHA-256 / RSA PKCS#1 v1.5, made with the cms 0.3 builder, carrying dana's certificate.
fn dana_signed_data(content: &[u8], econtent: bool) -> Vec<u8> {
    use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
    use der::asn1::ObjectIdentifier as Oid;
    use sha2::Digest as _;
    let cert = persona_cert("dana");
    let eci = EncapsulatedContentInfo {
        econtent_type: Oid::new_unwrap("1.2.840.113549.1.7.1"),
        econtent: econtent.then(|| der::Any::new(der::Tag::OctetString, content.to_vec()).unwrap()),
    };
    let digest = sha2::Sha256::digest(content).to_vec();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate().issuer().clone(),
        serial_number: cert.tbs_certificate().serial_number().clone(),
    });
    let sha256 = spki::AlgorithmIdentifierOwned {
        oid: Oid::new_unwrap("2.16.840.1.101.3.4.2.1"),
        parameters: None,
    };
    let info = SignerInfoBuilder::new(sid, sha256.clone(), &eci, Some(&digest)).unwrap();
    let mut builder = SignedDataBuilder::new(&eci);
    builder.add_digest_algorithm(sha256).unwrap();
    builder
        .add_certificate(CertificateChoices::Certificate(cert))
        .unwrap();
    let key = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(persona_rsa_key("dana"));
    builder
        .add_signer_info::<_, rsa::pkcs1v15::Signature>(info, &key)
        .unwrap();
    builder.build().unwrap().to_der().unwrap()
}

/// `multipart/signed` over `first_part` (exact bytes) with this p7s.
fn clear_signed_entity(boundary: &str, first_part: &[u8], p7s_base64: &str) -> Vec<u8> {
    let mut out = format!(
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
    )
    .into_bytes();
    out.extend_from_slice(first_part);
    out.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n{p7s_base64}--{boundary}--\r\n")
            .as_bytes(),
    );
    out
}

/// A well-formed clear-signed text by dana: the "other layer" every hostile case keeps.
fn valid_clear_signed_entity() -> Vec<u8> {
    let text = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nThe well-formed neighbour.\r\n";
    clear_signed_entity("good", text, &base64_lines(&dana_signed_data(text, false)))
}

/// `From: dana`, multipart/mixed of the hostile entity (part 1) and the valid clear-signed
/// neighbour (part 2).
fn beside_valid(hostile_entity: &[u8]) -> Vec<u8> {
    let mut m = b"From: Dana <dana@fabrikam.example>\r\nTo: robin@northwind.example\r\nSubject: hostile\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n".to_vec();
    m.extend_from_slice(hostile_entity);
    m.extend_from_slice(b"\r\n--outer\r\n");
    m.extend_from_slice(&valid_clear_signed_entity());
    m.extend_from_slice(b"\r\n--outer--\r\n");
    m
}

/// The neighbour at part "2" is reported and still verifies.
fn assert_neighbour_valid(inspection: &Inspection) {
    assert_eq!(inspection.from.as_deref(), Some("dana@fabrikam.example"));
    let neighbour = inspection
        .layers
        .iter()
        .find(|l| l.part == "2" && l.kind == LayerKind::SmimeSigned)
        .unwrap_or_else(|| panic!("the neighbour layer is missing: {inspection:#?}"));
    let sig = neighbour.signature.as_ref().unwrap();
    assert_eq!(sig.status, SignatureStatus::Valid, "{}", sig.reason);
}

fn opaque_entity(der_bytes: &[u8]) -> Vec<u8> {
    let mut e = b"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    e.extend_from_slice(base64_lines(der_bytes).as_bytes());
    e
}

// ---------------------------------------------------------------------------------------

/// A real corpus signature (Classic Outlook, clear-signed, SHA-256) whose base64 is cut in
/// the middle: the layer stays, is never `valid`, and says why.
#[test]
fn truncated_base64_in_the_middle_of_a_real_corpus_signature() {
    let eml = std::fs::read(senders().join("outlook/clear-signed-sha256.eml")).unwrap();
    let inputs = Inputs::default();
    let before = inspect(&eml, &inputs);
    let signed_before = before.layers_of(LayerKind::SmimeSigned).next().unwrap();
    assert_eq!(
        signed_before.signature.as_ref().unwrap().status,
        SignatureStatus::Valid,
        "the untouched sample verifies"
    );
    // The p7s body: from after the blank line following `smime.p7s` to the closing
    // delimiter. Cut out its middle third (whole lines, so base64 stays well-formed text).
    let text = String::from_utf8(eml.clone()).unwrap();
    let p7s_at = text.find("smime.p7s").unwrap();
    let body_start = p7s_at + text[p7s_at..].find("\r\n\r\n").unwrap() + 4;
    let body_end = body_start + text[body_start..].find("\r\n--").unwrap();
    let lines: Vec<&str> = text[body_start..body_end].split("\r\n").collect();
    assert!(lines.len() > 6, "a real signature is many lines");
    let third = lines.len() / 3;
    let kept: Vec<&str> = lines[..third]
        .iter()
        .chain(&lines[2 * third..])
        .copied()
        .collect();
    let mut cut = text[..body_start].to_owned();
    cut.push_str(&kept.join("\r\n"));
    cut.push_str(&text[body_end..]);

    let after = inspect(cut.as_bytes(), &inputs);
    let layer = after
        .layers_of(LayerKind::SmimeSigned)
        .next()
        .unwrap_or_else(|| panic!("the signed layer is still reported: {after:#?}"));
    let sig = layer.signature.as_ref().unwrap();
    assert_ne!(sig.status, SignatureStatus::Valid);
    assert!(has_code(&after, "cms-malformed"), "{:?}", codes(&after));
    assert_eq!(after.from, before.from);
    assert_eq!(layer.part, signed_before.part);
}

/// A SignedData carrying 10,000 certificates (dana's, repeated): only the first 64 are
/// examined (`cms-too-many-certificates`), and the signature still gets its verdict.
#[test]
fn ten_thousand_certificates_are_capped_and_the_signature_still_verifies() {
    let text = b"Content-Type: text/plain\r\n\r\nMany certificates.\r\n";
    let der_bytes = dana_signed_data(text, false);
    let cert = persona_cert("dana").to_der().unwrap();
    // Splice `[0] IMPLICIT CertificateSet` with 10,000 copies in place of the one.
    let at = der_bytes
        .windows(cert.len())
        .position(|w| w == cert.as_slice())
        .unwrap();
    // The [0] header precedes the certificate: A0 82 hi lo (a certificate is > 255 bytes).
    assert_eq!(&der_bytes[at - 4..at - 2], &[0xA0, 0x82]);
    let copies = 10_000;
    let set = der_tlv(0xA0, &cert.repeat(copies));
    let mut signed_data_body = der_bytes[..at - 4].to_vec();
    signed_data_body.extend_from_slice(&set);
    signed_data_body.extend_from_slice(&der_bytes[at + cert.len()..]);
    let hacked = fix_outer_lengths(&signed_data_body);

    let entity = clear_signed_entity("many", text, &base64_lines(&hacked));
    let inspection = inspect(&beside_valid(&entity), &Inputs::default());
    assert!(
        has_code(&inspection, "cms-too-many-certificates"),
        "{:?}",
        codes(&inspection)
    );
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.part == "1" && l.kind == LayerKind::SmimeSigned)
        .unwrap();
    let sig = layer.signature.as_ref().unwrap();
    assert_eq!(sig.status, SignatureStatus::Valid, "{}", sig.reason);
    assert!(
        layer.certificates.len() <= 64,
        "{}",
        layer.certificates.len()
    );
    assert_neighbour_valid(&inspection);
}

/// Rewrites the three definite lengths above the certificate set (ContentInfo SEQUENCE,
/// `[0] EXPLICIT`, SignedData SEQUENCE) after the set grew. Input: the old DER with the set
/// already replaced; every one of those headers is `xx 82 hi lo` in the builder's output.
fn fix_outer_lengths(spliced: &[u8]) -> Vec<u8> {
    // ContentInfo: 30 82 L L | 06 09 <9> | A0 82 L L | 30 82 L L | SignedData content
    assert_eq!(spliced[0..2], [0x30, 0x82]);
    assert_eq!(spliced[15..17], [0xA0, 0x82]);
    assert_eq!(spliced[19..21], [0x30, 0x82]);
    let sd = der_tlv(0x30, &spliced[23..]);
    let explicit = der_tlv(0xA0, &sd);
    let mut body = spliced[4..15].to_vec();
    body.extend_from_slice(&explicit);
    der_tlv(0x30, &body)
}

/// A DER TLV with the minimal length encoding (X.690 §10.1).
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// An opaque SignedData whose eContent is an opaque SignedData entity, 100 deep (each level
/// an `application/pkcs7-mime` entity in 8-bit, so the size grows linearly): the walker
/// opens MAX_UNWRAP levels and reports `unwrap-limit`; the neighbour is unharmed.
#[test]
fn a_hundred_deep_recursive_cms_stops_at_the_unwrap_limit() {
    // Every level is an 8-bit entity inside its parent's eContent. The walker canonicalises
    // bare LF to CRLF in unwrapped content (RFC 8551 §3.1.1), which would corrupt 8-bit DER,
    // so each level pads its MIME header until the DER header and trailer its parent will
    // put around it hold no LF byte.
    let no_lf_around = |entity: &[u8]| {
        let der_bytes = unsigned_signed_data(entity);
        let prefix = der_bytes.len() - entity.len() - 2;
        !der_bytes[..prefix].contains(&b'\n') && !der_bytes[der_bytes.len() - 2..].contains(&b'\n')
    };
    let mut inner = b"Content-Type: text/plain\r\n\r\nthe bottom\r\n".to_vec();
    assert!(no_lf_around(&inner));
    for level in 0..100 {
        let der_bytes = unsigned_signed_data(&inner);
        let entity = (0..512)
            .map(|pad| {
                let mut e = format!(
                    "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=l{level}.p7m\r\nX-Pad: {}\r\nContent-Transfer-Encoding: binary\r\n\r\n",
                    "p".repeat(pad)
                )
                .into_bytes();
                e.extend_from_slice(&der_bytes);
                e
            })
            .find(|e| no_lf_around(e))
            .expect("a padding without LF in the DER header exists");
        inner = entity;
    }
    // 100 nested levels inside the top one, which travels base64-encoded.
    let top = opaque_entity(&unsigned_signed_data(&inner));
    let inspection = inspect(&beside_valid(&top), &Inputs::default());
    assert!(
        has_code(&inspection, "unwrap-limit"),
        "{:?}",
        codes(&inspection)
    );
    let opaque: Vec<_> = inspection
        .layers
        .iter()
        .filter(|l| l.kind == LayerKind::SmimeSigned && l.part != "2")
        .collect();
    assert!(
        (2..=replymatrix::limits::MAX_UNWRAP + 1).contains(&opaque.len()),
        "{} opaque layers reported",
        opaque.len()
    );
    assert_eq!(opaque[0].part, "1");
    assert_eq!(opaque[1].part, "1.1");
    assert_neighbour_valid(&inspection);
}

/// SignedData { version 1, digestAlgorithms {}, encapContentInfo { data, content },
/// certificates none, signerInfos {} } in a ContentInfo (DER).
fn unsigned_signed_data(content: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }
    let oid_data = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ];
    let oid_signed = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    let mut eci = oid_data.to_vec();
    eci.extend(tlv(0xA0, &tlv(0x04, content)));
    let mut sd = vec![0x02, 0x01, 0x01];
    sd.extend(tlv(0x31, &[]));
    sd.extend(tlv(0x30, &eci));
    sd.extend(tlv(0x31, &[]));
    let mut ci = oid_signed.to_vec();
    ci.extend(tlv(0xA0, &tlv(0x30, &sd)));
    tlv(0x30, &ci)
}

/// A real SignedData re-encoded with indefinite lengths whose end-of-contents never comes
/// (the input simply ends): `cms-malformed`, the layer is reported unverifiable.
#[test]
fn indefinite_length_ber_that_never_ends() {
    let text = b"Content-Type: text/plain\r\n\r\nNever ends.\r\n";
    let der_bytes = dana_signed_data(text, false);
    // 30 82 L L | 06 09 <oid> | A0 82 L L | 30 82 L L | content  ->  30 80 | oid | A0 80 | 30 80 | content (no EOC)
    assert_eq!(der_bytes[0..2], [0x30, 0x82]);
    let mut ber = vec![0x30, 0x80];
    ber.extend_from_slice(&der_bytes[4..15]);
    ber.extend_from_slice(&[0xA0, 0x80, 0x30, 0x80]);
    ber.extend_from_slice(&der_bytes[23..]);
    let inspection = inspect(&beside_valid(&opaque_entity(&ber)), &Inputs::default());
    assert!(
        has_code(&inspection, "cms-malformed"),
        "{:?}",
        codes(&inspection)
    );
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.part == "1")
        .unwrap_or_else(|| panic!("the broken layer is still reported: {inspection:#?}"));
    assert_eq!(layer.kind, LayerKind::SmimeSigned);
    assert_ne!(
        layer.signature.as_ref().unwrap().status,
        SignatureStatus::Valid
    );
    assert_neighbour_valid(&inspection);
}

/// 100,000 nested indefinite-length constructed OCTET STRINGs as the eContent, never
/// closed: a recursive BER reader must not overflow its stack.
#[test]
fn deeply_nested_indefinite_octet_strings_do_not_overflow_the_stack() {
    let mut ber = vec![0x30, 0x80];
    ber.extend_from_slice(&[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ]);
    ber.extend_from_slice(&[
        0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x80,
    ]);
    ber.extend_from_slice(&[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01, 0xA0, 0x80,
    ]);
    for _ in 0..100_000 {
        ber.extend_from_slice(&[0x24, 0x80]);
    }
    let inspection = inspect(&beside_valid(&opaque_entity(&ber)), &Inputs::default());
    assert!(
        has_code(&inspection, "cms-malformed"),
        "{:?}",
        codes(&inspection)
    );
    assert!(inspection.layers.iter().any(|l| l.part == "1"));
    assert_neighbour_valid(&inspection);
}

/// 8-bit bytes and NULs inside the signed part (Content-Transfer-Encoding: binary): the
/// signature is over those exact bytes and verifies; one changed byte makes it invalid.
#[test]
fn eight_bit_and_nul_bytes_inside_a_signed_part() {
    let mut text = b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: binary\r\n\r\nCaf\xe9 \x00\x00 na\xefve \xff\xfe\x80\r\n".to_vec();
    let p7s = base64_lines(&dana_signed_data(&text, false));
    let entity = clear_signed_entity("eight", &text, &p7s);
    let inspection = inspect(&beside_valid(&entity), &Inputs::default());
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.part == "1" && l.kind == LayerKind::SmimeSigned)
        .unwrap_or_else(|| panic!("{inspection:#?}"));
    let sig = layer.signature.as_ref().unwrap();
    assert_eq!(sig.status, SignatureStatus::Valid, "{}", sig.reason);
    assert_neighbour_valid(&inspection);

    // The same signature over one changed 8-bit byte.
    let at = text.iter().position(|b| *b == 0xE9).unwrap();
    text[at] = 0xE8;
    let tampered = clear_signed_entity("eight", &text, &p7s);
    let inspection = inspect(&beside_valid(&tampered), &Inputs::default());
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.part == "1" && l.kind == LayerKind::SmimeSigned)
        .unwrap();
    assert_eq!(
        layer.signature.as_ref().unwrap().status,
        SignatureStatus::Invalid
    );
    assert_neighbour_valid(&inspection);
}

// ---------------------------------------------------------------------------------------
// OpenPGP
// ---------------------------------------------------------------------------------------

/// Uncompressed size of the bomb: past `openpgp::MAX_PLAINTEXT` (64 MiB).
const BOMB_BYTES: usize = 96 * 1024 * 1024;

/// A PGP/MIME message to robin whose compressed literal inflates to 96 MiB of zeros
/// (~100 KB on the wire): `pgp-decompressed-too-large`, the recipients still listed, the
/// neighbour S/MIME layer still verified. Peak memory: see docs/fuzzing.md.
#[test]
fn an_openpgp_compression_bomb_in_pgp_mime_is_stopped_at_the_limit() {
    use openpgp::parse::Parse;
    use openpgp::policy::StandardPolicy;
    use openpgp::serialize::stream::{Armorer, Compressor, Encryptor, LiteralWriter, Message};
    use sequoia_openpgp as openpgp;
    use std::io::Write;
    const { assert!(BOMB_BYTES > replymatrix::openpgp::MAX_PLAINTEXT) };

    let robin = openpgp::Cert::from_file(keys_dir().join("openpgp/robin.pub.asc")).unwrap();
    let policy = StandardPolicy::new();
    let recipients: Vec<_> = robin
        .keys()
        .with_policy(&policy, None)
        .supported()
        .for_transport_encryption()
        .collect();
    assert!(!recipients.is_empty());
    let mut armored = Vec::new();
    {
        let message = Message::new(&mut armored);
        let message = Armorer::new(message).build().unwrap();
        let message = Encryptor::for_recipients(message, recipients)
            .build()
            .unwrap();
        let message = Compressor::new(message)
            .algo(openpgp::types::CompressionAlgorithm::Zip)
            // Zeros compress as well at the fastest level, in a fraction of the time.
            .level(openpgp::types::CompressionLevel::fastest())
            .build()
            .unwrap();
        let mut literal = LiteralWriter::new(message).build().unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..BOMB_BYTES / zeros.len() {
            literal.write_all(&zeros).unwrap();
        }
        literal.finalize().unwrap();
    }
    assert!(
        armored.len() < 1024 * 1024,
        "the bomb is small on the wire: {}",
        armored.len()
    );

    let mut entity = b"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"pgp\"\r\n\r\n--pgp\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--pgp\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n".to_vec();
    entity.extend_from_slice(&armored);
    entity.extend_from_slice(b"\r\n--pgp--\r\n");

    let mut inputs = Inputs::default();
    inputs
        .add_key_file(&keys_dir().join("openpgp/robin.sec.asc"))
        .unwrap();
    let inspection = inspect(&beside_valid(&entity), &inputs);
    assert!(
        has_code(&inspection, "pgp-decompressed-too-large"),
        "{:?}",
        codes(&inspection)
    );
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::PgpEncrypted)
        .unwrap_or_else(|| panic!("{inspection:#?}"));
    // PGP/MIME layers sit at their multipart/encrypted; the encrypted data is its second
    // body part (RFC 3156 §4).
    assert_eq!((layer.part.as_str(), layer.carrier()), ("1", "1.2"));
    let enc = layer.encryption.as_ref().unwrap();
    assert!(!enc.decrypted, "no plaintext is handed on from a bomb");
    assert!(
        !enc.recipients.is_empty(),
        "the recipients are still reported"
    );
    assert_neighbour_valid(&inspection);
}

/// The fuzzer's first find (inspect_with_keys, minimised input committed under
/// `tests/fixtures/fuzz-regressions/`): a Proton PGP/MIME message whose SEIPD packet is cut
/// short after the session key decrypts. sequoia-openpgp 2.4.2 `PacketParser::decrypt_`
/// (parse.rs:6367) unwraps `data_consume_hard` and panics on the early EOF. Expected:
/// `pgp-decryption-failed` (or `pgp-malformed`), no panic.
#[test]
fn fuzz_regression_truncated_seipd_after_session_key_does_not_panic() {
    let dir = support::fixtures_dir().join("fuzz-regressions");
    let mut inputs = Inputs::default();
    inputs
        .add_key_file(&keys_dir().join("openpgp/robin.sec.asc"))
        .unwrap();
    inputs
        .add_key_file(&keys_dir().join("x509/robin-enterprise.key.pem"))
        .unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let inspection = inspect(&bytes, &inputs);
        let encrypted = inspection.layers_of(LayerKind::PgpEncrypted).next();
        assert!(encrypted.is_some(), "{}: {inspection:#?}", path.display());
        assert!(
            codes(&inspection).iter().any(|c| c.starts_with("pgp-")),
            "{}: {:?}",
            path.display(),
            codes(&inspection)
        );
    }
}
