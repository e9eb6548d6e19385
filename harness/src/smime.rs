//! S/MIME: CMS SignedData, EnvelopedData and AuthEnvelopedData facts, verified and decrypted
//! with RustCrypto (RFC 5652, RFC 5083, RFC 8551).
//!
//! INTERFACE STUB: the bodies are being written; the signatures are the contract `mime` uses.

use crate::facts::{
    CertificateFacts, EncryptionFacts, KeyPreference, LayerKind, Problem, SignatureFacts,
};

/// A private key with its certificate, for decryption (`--key`).
pub struct SmimeKey {
    pub cert: x509_cert::Certificate,
    // The private key; its type is the implementation's choice.
}

/// What `inspect` was given and knows while looking at one CMS structure.
pub struct SmimeContext<'a> {
    /// `From` addr-spec, lower-case.
    pub from: Option<&'a str>,
    /// Keys for decryption.
    pub keys: &'a [SmimeKey],
    /// Extra certificates (`--cert`), used when the SignedData carries none.
    pub certs: &'a [x509_cert::Certificate],
}

/// The outer CMS content type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmsKind {
    SignedData,
    EnvelopedData,
    AuthEnvelopedData,
    /// Any other content type, by OID.
    Other(String),
}

/// What a SignedData says.
pub struct SignedDataFacts {
    /// `covers_whole_body` is left `false`: only the MIME walker knows.
    pub signature: SignatureFacts,
    pub certificates: Vec<CertificateFacts>,
    pub capabilities: Vec<String>,
    pub key_preference: Option<KeyPreference>,
    /// The encapsulated content (opaque signing), when present.
    pub encapsulated: Option<Vec<u8>>,
    pub problems: Vec<Problem>,
}

/// What an EnvelopedData / AuthEnvelopedData says.
pub struct EnvelopedFacts {
    /// [`LayerKind::SmimeEnveloped`] or [`LayerKind::SmimeAuthEnveloped`].
    pub kind: LayerKind,
    pub encryption: EncryptionFacts,
    /// Certificates from originatorInfo, if any.
    pub certificates: Vec<CertificateFacts>,
    /// The decrypted content (a MIME entity), when a key matched.
    pub plaintext: Option<Vec<u8>>,
    pub problems: Vec<Problem>,
}

/// The content type of a CMS ContentInfo (DER or BER), or a problem.
pub fn content_kind(cms: &[u8]) -> Result<CmsKind, Problem> {
    let _ = cms;
    Err(Problem::new(
        "not-implemented",
        "S/MIME inspection is not built yet",
    ))
}

/// Verifies a SignedData over `detached` (clear-signed) or its own eContent (opaque).
pub fn inspect_signed(cms: &[u8], detached: Option<&[u8]>, ctx: &SmimeContext) -> SignedDataFacts {
    let _ = (cms, detached, ctx);
    SignedDataFacts {
        signature: SignatureFacts::unverifiable("not-implemented"),
        certificates: Vec::new(),
        capabilities: Vec::new(),
        key_preference: None,
        encapsulated: None,
        problems: Vec::new(),
    }
}

/// Describes an EnvelopedData or AuthEnvelopedData and decrypts it with a matching key.
pub fn inspect_enveloped(cms: &[u8], ctx: &SmimeContext) -> EnvelopedFacts {
    let _ = (cms, ctx);
    EnvelopedFacts {
        kind: LayerKind::SmimeEnveloped,
        encryption: EncryptionFacts {
            cipher: None,
            recipients: Vec::new(),
            decrypted: false,
        },
        certificates: Vec::new(),
        plaintext: None,
        problems: Vec::new(),
    }
}

/// Loads a PEM private key with its certificate (`--key`).
pub fn load_key(pem: &[u8]) -> Result<SmimeKey, String> {
    let _ = pem;
    Err("not implemented".into())
}

/// Loads X.509 certificates from PEM or DER (`--cert`). Empty when the bytes hold none.
pub fn load_certs(bytes: &[u8]) -> Vec<x509_cert::Certificate> {
    let _ = bytes;
    Vec::new()
}

/// Facts about one certificate.
pub fn certificate_facts(cert: &x509_cert::Certificate, role: &str) -> CertificateFacts {
    let _ = (cert, role);
    unimplemented_facts()
}

fn unimplemented_facts() -> CertificateFacts {
    CertificateFacts {
        subject: String::new(),
        issuer: String::new(),
        serial: String::new(),
        id: String::new(),
        fingerprint: String::new(),
        emails: Vec::new(),
        key_type: String::new(),
        key_bits: 0,
        curve: None,
        email_protection: None,
        key_usage: Vec::new(),
        not_before: String::new(),
        not_after: String::new(),
        self_signed: false,
        is_ca: false,
        subject_key_id: None,
        authority_key_id: None,
        capabilities: Vec::new(),
        verified_by: None,
        role: String::new(),
    }
}
