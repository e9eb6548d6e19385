//! X.509 certificates: facts (RFC 5280), identifiers, loading PEM/DER, and checking which
//! carried certificate signed which.

use super::algorithms::{self, Verification};
use super::ber::{self, hex};
use crate::facts::CertificateFacts;
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// PKCS#9 emailAddress (RFC 2985 §5.2.1), still used by Outlook-era certificates.
const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
/// SMIMECapabilities, as an attribute (RFC 8551 §2.5.2) or extension (RFC 4262).
pub(crate) const SMIME_CAPABILITIES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.15");
const EKU_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
const EKU_ANY: Oid = Oid::new_unwrap("2.5.29.37.0");

/// Serial number as lower-case hex without leading zero octets (at least one octet).
pub(crate) fn serial_hex(serial: &SerialNumber) -> String {
    let bytes = serial.as_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    hex(bytes.get(first..).unwrap_or(bytes))
}

/// `issuer-dn#serial-hex`: the identifier form shared by signers, recipients and certificates.
pub(crate) fn issuer_serial_id(issuer: &Name, serial: &SerialNumber) -> String {
    format!("{}#{}", name_string(issuer), serial_hex(serial))
}

/// Most entries each memo below holds; when full it starts afresh. Bounds memory on a
/// mailbox of millions of distinct certificates while a mailbox's recurring chains hit.
const MEMO_LIMIT: usize = 4096;

/// A bounded, process-wide memo of a pure function. Results never depend on whether they came
/// from the memo, so inspection stays deterministic.
struct Memo<K, V>(std::sync::Mutex<Option<std::collections::HashMap<K, V>>>);

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    const fn new() -> Self {
        Self(std::sync::Mutex::new(None))
    }

    fn get_or(&self, key: K, compute: impl FnOnce() -> V) -> V {
        if let Some(v) = self.lock().as_ref().and_then(|m| m.get(&key)) {
            return v.clone();
        }
        // Computed outside the lock: a slow RSA check never blocks the other workers.
        let value = compute();
        let mut guard = self.lock();
        let map = guard.get_or_insert_with(Default::default);
        if map.len() >= MEMO_LIMIT {
            map.clear();
        }
        map.insert(key, value.clone());
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<std::collections::HashMap<K, V>>> {
        // A panic elsewhere while holding the lock leaves a usable map (a memo only).
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The RFC 4514 string of a name, memoised by its DER: formatting looks every attribute up in
/// the OID database, and the same few issuer names recur in every message.
pub(crate) fn name_string(name: &Name) -> String {
    static NAMES: Memo<Vec<u8>, String> = Memo::new();
    match name.to_der() {
        Ok(der) => NAMES.get_or(der, || name.to_string()),
        Err(_) => name.to_string(),
    }
}

/// SHA-256 of the certificate's DER, the memo key for everything derived from it.
fn der_digest(cert: &Certificate) -> Option<Vec<u8>> {
    cert.to_der()
        .ok()
        .map(|der| algorithms::hash(crate::facts::Digest::Sha256, &der))
}

/// `ski:<hex>`.
pub(crate) fn ski_id(ski: &[u8]) -> String {
    format!("ski:{}", hex(ski))
}

/// The subjectKeyIdentifier extension value, when present and well formed.
pub(crate) fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    match cert
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
    {
        Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
        _ => None,
    }
}

/// Whether `cert` is the one named by issuer and serial number.
pub(crate) fn matches_issuer_serial(
    cert: &Certificate,
    issuer: &Name,
    serial: &SerialNumber,
) -> bool {
    let tbs = cert.tbs_certificate();
    tbs.issuer() == issuer && tbs.serial_number().as_bytes() == serial.as_bytes()
}

/// Whether `cert` carries this subjectKeyIdentifier.
pub(crate) fn matches_ski(cert: &Certificate, ski: &[u8]) -> bool {
    subject_key_id(cert).is_some_and(|own| own == ski)
}

/// rfc822Name SANs first, then subject emailAddress values; lower-case, de-duplicated.
pub(crate) fn emails(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |value: &str| {
        let lower = value.trim().to_ascii_lowercase();
        if !lower.is_empty() && !out.contains(&lower) {
            out.push(lower);
        }
    };
    if let Ok(Some((_, san))) = cert.tbs_certificate().get_extension::<SubjectAltName>() {
        for name in san.0.iter() {
            if let GeneralName::Rfc822Name(addr) = name {
                push(addr.as_str());
            }
        }
    }
    for atv in cert.tbs_certificate().subject().iter() {
        if atv.oid == EMAIL_ADDRESS
            && let Ok(text) = std::str::from_utf8(atv.value.value())
        {
            push(text);
        }
    }
    out
}

fn key_type_and_bits(cert: &Certificate) -> (String, u32, Option<String>) {
    let spki = cert.tbs_certificate().subject_public_key_info();
    match spki.algorithm.oid {
        algorithms::RSA_ENCRYPTION | algorithms::RSASSA_PSS => {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(rsa_modulus_bits)
                .unwrap_or(0);
            ("rsa".into(), bits, None)
        }
        algorithms::EC_PUBLIC_KEY => {
            let (bits, curve) = match algorithms::ec_curve(spki) {
                Some(algorithms::SECP256R1) => (256, "p-256".to_string()),
                Some(algorithms::SECP384R1) => (384, "p-384".to_string()),
                Some(algorithms::SECP521R1) => (521, "p-521".to_string()),
                Some(other) => (0, other.to_string()),
                None => (0, "unknown".to_string()),
            };
            ("ec".into(), bits, Some(curve))
        }
        algorithms::ED25519 => ("ed25519".into(), 256, None),
        algorithms::ED448 => ("ed448".into(), 456, None),
        other => (other.to_string(), 0, None),
    }
}

/// Bit length of the modulus in an RSAPublicKey (RFC 8017 §A.1.1).
fn rsa_modulus_bits(der_key: &[u8]) -> Option<u32> {
    let (_, fields) = ber::children_of(der_key)?;
    let modulus = fields.first()?.content(der_key);
    let first = modulus.iter().position(|b| *b != 0)?;
    let significant = modulus.get(first..)?;
    let top = *significant.first()?;
    let bits = (significant.len() as u64 - 1) * 8 + u64::from(8 - top.leading_zeros());
    u32::try_from(bits).ok()
}

fn key_usage_names(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, usage))) = cert.tbs_certificate().get_extension::<KeyUsage>() else {
        return Vec::new();
    };
    let checks: [(bool, &str); 9] = [
        (usage.digital_signature(), "digitalSignature"),
        (usage.non_repudiation(), "nonRepudiation"),
        (usage.key_encipherment(), "keyEncipherment"),
        (usage.data_encipherment(), "dataEncipherment"),
        (usage.key_agreement(), "keyAgreement"),
        (usage.key_cert_sign(), "keyCertSign"),
        (usage.crl_sign(), "cRLSign"),
        (usage.encipher_only(), "encipherOnly"),
        (usage.decipher_only(), "decipherOnly"),
    ];
    checks
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| (*name).to_string())
        .collect()
}

fn cert_capabilities(cert: &Certificate) -> Vec<String> {
    let Some(exts) = cert.tbs_certificate().extensions() else {
        return Vec::new();
    };
    exts.iter()
        .filter(|ext| ext.extn_id == SMIME_CAPABILITIES)
        .flat_map(|ext| {
            Vec::<spki::AlgorithmIdentifierOwned>::from_der(ext.extn_value.as_bytes())
                .unwrap_or_default()
        })
        .map(|cap| algorithms::capability_name(&cap))
        .collect()
}

/// SHA-256 fingerprint of the DER, lower-case hex.
pub(crate) fn fingerprint(cert: &Certificate) -> String {
    match cert.to_der() {
        Ok(der) => hex(&algorithms::hash(crate::facts::Digest::Sha256, &der)),
        Err(_) => String::new(),
    }
}

/// Whether `issuer`'s key verifies `cert`'s signature (RFC 5280 §6.1.3 (a)(1)): the issuer
/// DN must equal the candidate's subject DN, then the signature over tbsCertificate is
/// checked for real.
pub(crate) fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    static CHECKED: Memo<(Vec<u8>, Vec<u8>), bool> = Memo::new();
    match (der_digest(cert), der_digest(issuer)) {
        (Some(c), Some(i)) => CHECKED.get_or((c, i), || verify_issued(cert, issuer)),
        _ => verify_issued(cert, issuer),
    }
}

fn verify_issued(cert: &Certificate, issuer: &Certificate) -> bool {
    let sig_alg = cert.signature_algorithm();
    let Some(digest) = algorithms::digest_from_oid(&sig_alg.oid).or(
        // PSS carries its hash in its parameters; the digest passed here is then unused.
        (sig_alg.oid == algorithms::RSASSA_PSS).then_some(crate::facts::Digest::Sha256),
    ) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate().to_der() else {
        return false;
    };
    let Some(signature) = cert.signature().as_bytes() else {
        return false;
    };
    algorithms::verify(
        issuer.tbs_certificate().subject_public_key_info(),
        sig_alg,
        digest,
        &tbs,
        signature,
    ) == Verification::Verified
}

/// Facts about one certificate; `verified_by` is left `None` (the SignedData check fills it).
pub fn certificate_facts(cert: &Certificate, role: &str) -> CertificateFacts {
    static FACTS: Memo<Vec<u8>, CertificateFacts> = Memo::new();
    let mut facts = match der_digest(cert) {
        Some(key) => FACTS.get_or(key, || compute_facts(cert)),
        None => compute_facts(cert),
    };
    role.clone_into(&mut facts.role);
    facts
}

fn compute_facts(cert: &Certificate) -> CertificateFacts {
    let role = "";
    let tbs = cert.tbs_certificate();
    let (key_type, key_bits, curve) = key_type_and_bits(cert);
    let email_protection = match tbs.get_extension::<ExtendedKeyUsage>() {
        Ok(Some((_, eku))) => Some(
            eku.0
                .iter()
                .any(|p| *p == EKU_EMAIL_PROTECTION || *p == EKU_ANY),
        ),
        _ => None,
    };
    let is_ca = matches!(tbs.get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    let authority_key_id = match tbs.get_extension::<AuthorityKeyIdentifier>() {
        Ok(Some((_, aki))) => aki.key_identifier.map(|id| hex(id.as_bytes())),
        _ => None,
    };
    let self_signed = tbs.subject() == tbs.issuer() && signed_by(cert, cert);
    CertificateFacts {
        subject: name_string(tbs.subject()),
        issuer: name_string(tbs.issuer()),
        serial: serial_hex(tbs.serial_number()),
        id: issuer_serial_id(tbs.issuer(), tbs.serial_number()),
        fingerprint: fingerprint(cert),
        emails: emails(cert),
        key_type,
        key_bits,
        curve,
        email_protection,
        key_usage: key_usage_names(cert),
        not_before: tbs.validity().not_before.to_date_time().to_string(),
        not_after: tbs.validity().not_after.to_date_time().to_string(),
        self_signed,
        is_ca,
        subject_key_id: subject_key_id(cert).map(|ski| hex(&ski)),
        authority_key_id,
        capabilities: cert_capabilities(cert),
        verified_by: None,
        role: role.to_owned(),
    }
}

/// The PEM blocks in `text`, as (label, DER). Malformed blocks are skipped.
pub(crate) fn pem_blocks(text: &[u8]) -> Vec<(String, Vec<u8>)> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut out = Vec::new();
    let mut cursor = 0;
    while let Some(offset) = find(text.get(cursor..).unwrap_or(&[]), BEGIN) {
        let start = cursor + offset;
        let Some(end_offset) = find(text.get(start..).unwrap_or(&[]), END) else {
            break;
        };
        let end_marker = start + end_offset;
        // The END line runs to the next "-----" after the label.
        let after_label = end_marker + END.len();
        let Some(close) = find(text.get(after_label..).unwrap_or(&[]), b"-----") else {
            break;
        };
        let block_end = after_label + close + 5;
        if let Some(block) = text.get(start..block_end) {
            // pem-rfc7468 is strict about line endings: normalise CRLF to LF first.
            let normalised: Vec<u8> = block.iter().copied().filter(|b| *b != b'\r').collect();
            if let Ok((label, der)) = pem_rfc7468::decode_vec(&normalised) {
                out.push((label.to_owned(), der));
            }
        }
        cursor = block_end;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Loads X.509 certificates from PEM or DER (`--cert`). Empty when the bytes hold none.
pub fn load_certs(bytes: &[u8]) -> Vec<Certificate> {
    if find(bytes, b"-----BEGIN ").is_some() {
        return pem_blocks(bytes)
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .filter_map(|(_, der)| Certificate::from_der(&der).ok())
            .collect();
    }
    Certificate::from_der(bytes).into_iter().collect()
}
