//! X.509 certificates: facts (RFC 5280), identifiers, loading PEM/DER, and checking which
//! carried certificate signed which.

use super::algorithms::{self, Verification};
use super::ber::{self, hex};
use crate::facts::CertificateFacts;
use crate::facts::{CertificateRole, Instant};
use crate::memo::{MAX_MEMO_ITEM_BYTES, Memo};
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use std::cell::OnceCell;
use std::sync::Arc;
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

/// The RFC 4514 string of a name, memoised by the name itself: formatting looks every
/// attribute up in the OID database, and the same few issuer names recur in every message.
pub(crate) fn name_string(name: &Name) -> String {
    static NAMES: Memo<Name, String> = Memo::new();
    let size: usize = name.iter().map(|atv| atv.value.value().len()).sum();
    if size > MAX_MEMO_ITEM_BYTES {
        return name.to_string();
    }
    NAMES.get_or(name, || name.to_string())
}

/// SHA-256 of a certificate's encoding, and its length.
#[derive(Clone, Copy, Debug)]
struct Encoding {
    sha256: [u8; 32],
    len: usize,
}

impl Encoding {
    fn of(bytes: &[u8]) -> Self {
        use sha2::Digest as _;
        Self {
            sha256: sha2::Sha256::digest(bytes).into(),
            len: bytes.len(),
        }
    }

    /// The memo key, for certificates small enough to be worth holding (all real ones).
    fn memo_key(&self) -> Option<&[u8; 32]> {
        (self.len <= MAX_MEMO_ITEM_BYTES).then_some(&self.sha256)
    }
}

/// A certificate with the SHA-256 of its encoding, computed at most once: its fingerprint,
/// and the key of the memos below.
///
/// A certificate carried in a SignedData is fingerprinted over the bytes it was carried as,
/// as `openssl x509 -fingerprint` would; any other is re-encoded as DER once, on first use.
#[derive(Clone, Debug)]
pub(crate) struct CertRef<'a> {
    pub cert: &'a Certificate,
    encoding: OnceCell<Option<Encoding>>,
}

impl<'a> CertRef<'a> {
    /// A certificate whose encoding is not at hand.
    pub(crate) fn new(cert: &'a Certificate) -> Self {
        Self {
            cert,
            encoding: OnceCell::new(),
        }
    }

    fn encoding(&self) -> Option<&Encoding> {
        self.encoding
            .get_or_init(|| self.cert.to_der().ok().map(|der| Encoding::of(&der)))
            .as_ref()
    }

    fn memo_key(&self) -> Option<&[u8; 32]> {
        self.encoding().and_then(Encoding::memo_key)
    }

    /// SHA-256 fingerprint, lower-case hex (empty when it cannot be computed).
    pub(crate) fn fingerprint(&self) -> String {
        self.encoding().map(|e| hex(&e.sha256)).unwrap_or_default()
    }
}

/// A certificate decoded from the bytes it was carried as.
#[derive(Clone, Debug)]
pub(crate) struct CarriedCertificate {
    cert: Arc<Certificate>,
    encoding: Encoding,
}

impl CarriedCertificate {
    /// A certificate already decoded from `encoding`.
    pub(crate) fn new(cert: Arc<Certificate>, encoding: &[u8]) -> Self {
        Self {
            cert,
            encoding: Encoding::of(encoding),
        }
    }

    pub(crate) fn as_ref(&self) -> CertRef<'_> {
        CertRef {
            cert: &self.cert,
            encoding: OnceCell::from(Some(self.encoding)),
        }
    }
}

/// Decodes a carried certificate (BER, as in a SignedData), memoised by its SHA-256: a
/// mailbox's recurring chains are decoded once. `None` when it does not decode.
pub(crate) fn decode_carried(bytes: &[u8]) -> Option<CarriedCertificate> {
    static DECODED: Memo<[u8; 32], Option<Arc<Certificate>>> = Memo::new();
    let encoding = Encoding::of(bytes);
    let decode = || Certificate::from_ber(bytes).ok().map(Arc::new);
    let cert = match encoding.memo_key() {
        Some(key) => DECODED.get_or(key, decode),
        None => decode(),
    }?;
    Some(CarriedCertificate { cert, encoding })
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

/// Whether `issuer`'s key verifies `cert`'s signature (RFC 5280 §6.1.3 (a)(1)): the issuer
/// DN must equal the candidate's subject DN, then the signature over tbsCertificate is
/// checked for real (once per pair of certificates: memoised).
pub(crate) fn signed_by(cert: &CertRef, issuer: &CertRef) -> bool {
    if cert.cert.tbs_certificate().issuer() != issuer.cert.tbs_certificate().subject() {
        return false;
    }
    static CHECKED: Memo<([u8; 32], [u8; 32]), bool> = Memo::new();
    match (cert.memo_key(), issuer.memo_key()) {
        (Some(c), Some(i)) => CHECKED.get_or(&(*c, *i), || verify_issued(cert.cert, issuer.cert)),
        _ => verify_issued(cert.cert, issuer.cert),
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
pub fn certificate_facts(cert: &Certificate, role: CertificateRole) -> CertificateFacts {
    facts_of(&CertRef::new(cert), role)
}

/// [`certificate_facts`] of a certificate whose fingerprint may already be known.
pub(crate) fn facts_of(cert: &CertRef, role: CertificateRole) -> CertificateFacts {
    static FACTS: Memo<[u8; 32], CertificateFacts> = Memo::new();
    let mut facts = match cert.memo_key() {
        Some(key) => FACTS.get_or(key, || compute_facts(cert)),
        None => compute_facts(cert),
    };
    facts.role = role;
    facts
}

fn compute_facts(cert_ref: &CertRef) -> CertificateFacts {
    let cert = cert_ref.cert;
    // The memo holds facts without a role; `facts_of` sets the caller's.
    let role = CertificateRole::Chain;
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
    let self_signed = tbs.subject() == tbs.issuer() && signed_by(cert_ref, cert_ref);
    CertificateFacts {
        subject: name_string(tbs.subject()),
        issuer: name_string(tbs.issuer()),
        serial: serial_hex(tbs.serial_number()),
        id: issuer_serial_id(tbs.issuer(), tbs.serial_number()),
        fingerprint: cert_ref.fingerprint(),
        emails: emails(cert),
        key_type,
        key_bits,
        curve,
        email_protection,
        key_usage: key_usage_names(cert),
        not_before: instant_of(tbs.validity().not_before.to_date_time()),
        not_after: instant_of(tbs.validity().not_after.to_date_time()),
        self_signed,
        is_ca,
        subject_key_id: subject_key_id(cert).map(|ski| hex(&ski)),
        authority_key_id,
        capabilities: cert_capabilities(cert),
        verified_by: None,
        role,
    }
}

/// Every PEM block (label, decoded bytes), read the lax way RFC 7468 §3 asks parsers to:
/// any line length (64 is what the RFC writes, 76 is what many tools write), CRLF or LF,
/// whitespace anywhere in the base64, and RFC 1421 headers (`Proc-Type:`...) skipped. A block
/// whose base64 does not decode is left out.
pub(crate) fn pem_blocks(text: &[u8]) -> Vec<(String, Vec<u8>)> {
    use base64::Engine as _;
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut out = Vec::new();
    let mut cursor = 0;
    while let Some(offset) = find(text.get(cursor..).unwrap_or(&[]), BEGIN) {
        let start = cursor + offset;
        let label_start = start + BEGIN.len();
        let Some(label_len) = find(text.get(label_start..).unwrap_or(&[]), b"-----") else {
            break;
        };
        let label = String::from_utf8_lossy(&text[label_start..label_start + label_len]);
        let body_start = label_start + label_len + 5;
        let Some(end_offset) = find(text.get(body_start..).unwrap_or(&[]), END) else {
            break;
        };
        let body_end = body_start + end_offset;
        let after_end = body_end + END.len();
        let Some(close) = find(text.get(after_end..).unwrap_or(&[]), b"-----") else {
            break;
        };
        let end_label = String::from_utf8_lossy(&text[after_end..after_end + close]);
        let base64: Vec<u8> = text[body_start..body_end]
            .split(|b| *b == b'\n')
            // RFC 1421 encapsulated headers ("Proc-Type: 4,ENCRYPTED") are not base64.
            .filter(|line| !line.contains(&b':'))
            .flatten()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if end_label.trim() == label.trim()
            && let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&base64)
        {
            out.push((label.trim().to_owned(), der));
        }
        cursor = after_end + close + 5;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Why [`load_certs`] found no certificate in these bytes: what each X.509 form said.
pub fn why_no_certs(bytes: &[u8]) -> String {
    let blocks = pem_blocks(bytes);
    let pem = if find(bytes, b"-----BEGIN ").is_none() {
        "X.509 PEM: no -----BEGIN line".to_owned()
    } else if blocks.is_empty() {
        "X.509 PEM: no block whose base64 decodes".to_owned()
    } else {
        let labels: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
        format!(
            "X.509 PEM: no CERTIFICATE block that parses (blocks: {})",
            labels.join(", ")
        )
    };
    let der = match Certificate::from_der(bytes) {
        Ok(_) => "X.509 DER: parses".to_owned(),
        Err(e) => format!("X.509 DER: {e}"),
    };
    format!("{pem}; {der}")
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

/// An X.509 time (UTCTime or GeneralizedTime, 1950..9999) as an [`Instant`].
pub(crate) fn instant_of(time: der::DateTime) -> Instant {
    // DateTime covers 1970..9999 only, so the seconds always fit.
    Instant::from_unix(i64::try_from(time.unix_duration().as_secs()).unwrap_or(i64::MAX))
}
