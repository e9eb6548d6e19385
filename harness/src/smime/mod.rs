//! S/MIME: CMS SignedData, EnvelopedData and AuthEnvelopedData facts, verified and decrypted
//! with RustCrypto (RFC 5652, RFC 5083, RFC 8551).
//!
//! Parsing is BER-tolerant throughout: Outlook and `openssl cms -stream` write indefinite
//! lengths and constructed OCTET STRINGs (research `crates.md` §6, `sender-formats.md` O1).
//! Outcomes (bad signature, unsupported algorithm, wrong key) are data, never `Err`, and no
//! input makes these functions panic.

mod algorithms;
mod ber;
mod certificate;
mod enveloped;
mod pkcs12;
mod signed;

pub use algorithms::rsa_pkcs1v15_verifies;
pub use certificate::{certificate_facts, load_certs, why_no_certs};
pub use enveloped::inspect_enveloped;
pub use pkcs12::pkcs12_to_pem;
pub use signed::inspect_signed;

use crate::facts::{
    CertificateFacts, EncryptionFacts, KeyPreference, LayerKind, Problem, ProblemCode,
    SignatureFacts,
};
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};

/// A private key with its certificate, for decryption (`--key`).
pub struct SmimeKey {
    /// The certificate that goes with the key.
    pub cert: x509_cert::Certificate,
    /// The private key matching `cert`'s public key (checked by [`load_key`]).
    secret: SecretKey,
}

/// The private key kinds `load_key` accepts (PKCS#8).
enum SecretKey {
    Rsa(Box<rsa::PrivateKey>),
    /// P-256, for ECDH key agreement (RFC 5753).
    P256(p256::SecretKey),
    /// P-384, for ECDH key agreement.
    P384(p384::SecretKey),
    /// P-521, for ECDH key agreement.
    P521(p521::SecretKey),
}

impl SmimeKey {
    /// The RSA private key, when this is one.
    fn rsa(&self) -> Option<&rsa::PrivateKey> {
        match &self.secret {
            SecretKey::Rsa(key) => Some(key),
            _ => None,
        }
    }

    /// The curve of an EC key (`p256`, `p384`, `p521`), `None` for RSA.
    fn curve(&self) -> Option<&'static str> {
        match &self.secret {
            SecretKey::Rsa(_) => None,
            SecretKey::P256(_) => Some("p256"),
            SecretKey::P384(_) => Some("p384"),
            SecretKey::P521(_) => Some("p521"),
        }
    }

    /// The ECDH shared secret Z between this key and a peer's public point (SEC 1 §3.3.1: the
    /// x-coordinate of d·Q, field-size octets; RFC 5753 §3.1.2). With the NIST curves the
    /// cofactor is 1, so cofactor DH (SEC 1 §3.3.2) gives the same Z. `Err` says why not.
    fn ecdh(&self, peer_sec1: &[u8]) -> Result<Vec<u8>, String> {
        use elliptic_curve::ecdh::diffie_hellman;
        let not_a_point =
            |curve: &str| format!("the originator's public key is not a point on {curve}");
        match &self.secret {
            SecretKey::Rsa(_) => Err("the key is an RSA key, not an EC key".into()),
            SecretKey::P256(secret) => {
                let peer = p256::PublicKey::from_sec1_bytes(peer_sec1)
                    .map_err(|_| not_a_point("P-256"))?;
                Ok(diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec())
            }
            SecretKey::P384(secret) => {
                let peer = p384::PublicKey::from_sec1_bytes(peer_sec1)
                    .map_err(|_| not_a_point("P-384"))?;
                Ok(diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec())
            }
            SecretKey::P521(secret) => {
                let peer = p521::PublicKey::from_sec1_bytes(peer_sec1)
                    .map_err(|_| not_a_point("P-521"))?;
                Ok(
                    p521::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine())
                        .raw_secret_bytes()
                        .to_vec(),
                )
            }
        }
    }
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
    /// `id-signedData` (RFC 5652 §5).
    SignedData,
    /// `id-envelopedData` (RFC 5652 §6).
    EnvelopedData,
    /// `id-ct-authEnvelopedData` (RFC 5083).
    AuthEnvelopedData,
    /// Any other content type, by OID.
    Other(String),
}

/// What a SignedData says.
pub struct SignedDataFacts {
    /// `covers_whole_body` is left `false`: only the MIME walker knows.
    pub signature: SignatureFacts,
    /// The certificates the SignedData carries.
    pub certificates: Vec<CertificateFacts>,
    /// The SMIMECapabilities attribute (RFC 8551 §2.5.2), in the sender's order.
    pub capabilities: Vec<String>,
    /// The encryption-key-preference attributes, when present.
    pub key_preference: Option<KeyPreference>,
    /// The encapsulated content (opaque signing), when present.
    pub encapsulated: Option<Vec<u8>>,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// What an EnvelopedData / AuthEnvelopedData says.
pub struct EnvelopedFacts {
    /// [`LayerKind::SmimeEnveloped`] or [`LayerKind::SmimeAuthEnveloped`].
    pub kind: LayerKind,
    /// What the enveloped layer says about itself.
    pub encryption: EncryptionFacts,
    /// Certificates from originatorInfo, if any.
    pub certificates: Vec<CertificateFacts>,
    /// The decrypted content (a MIME entity), when a key matched.
    pub plaintext: Option<Vec<u8>>,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// id-signedData (RFC 5652 §5.1).
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData (RFC 5652 §6.1).
const ID_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
/// id-ct-authEnvelopedData (RFC 5083 §1).
const ID_AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");

/// Decodes the outer ContentInfo (BER). Trailing bytes after it (some senders pad .p7s files)
/// are ignored with a `cms-trailing-data` problem.
fn parse_content_info(
    cms: &[u8],
    problems: &mut Vec<Problem>,
) -> Result<cms::content_info::ContentInfo, Problem> {
    use cms::content_info::ContentInfo;
    match ContentInfo::from_ber(cms) {
        Ok(ci) => Ok(ci),
        Err(first_error) => {
            let trimmed = ber::parse(cms, 0)
                .filter(|tlv| tlv.end < cms.len())
                .and_then(|tlv| cms.get(..tlv.end))
                .and_then(|slice| ContentInfo::from_ber(slice).ok());
            match trimmed {
                Some(ci) => {
                    problems.push(Problem::new(
                        ProblemCode::CmsTrailingData,
                        "bytes follow the CMS ContentInfo; they were ignored",
                    ));
                    Ok(ci)
                }
                None => Err(Problem::new(
                    ProblemCode::CmsMalformed,
                    format!("the CMS ContentInfo does not decode as BER: {first_error}"),
                )),
            }
        }
    }
}

/// The content type of a CMS ContentInfo (DER or BER), or a problem.
pub fn content_kind(cms: &[u8]) -> Result<CmsKind, Problem> {
    let mut ignored = Vec::new();
    let ci = parse_content_info(cms, &mut ignored)?;
    Ok(match ci.content_type {
        ID_SIGNED_DATA => CmsKind::SignedData,
        ID_ENVELOPED_DATA => CmsKind::EnvelopedData,
        ID_AUTH_ENVELOPED_DATA => CmsKind::AuthEnvelopedData,
        other => CmsKind::Other(other.to_string()),
    })
}

/// Loads a private key with its certificate (`--key`): PEM (a PKCS#8 key and its
/// certificate in one file) or PKCS#12 (`.p12`/`.pfx`, recognised by content, opened with
/// `password`). Keys: RSA, EC P-256/P-384/P-521.
///
/// When several certificates are present the one whose public key matches the private key is
/// taken. A key whose certificate does not match is refused, so a decryption failure later
/// really means the message. The error says which format was read and why it failed; it never
/// contains the password.
pub fn load_key_with_password(bytes: &[u8], password: Option<&str>) -> Result<SmimeKey, String> {
    if pkcs12::is_pfx(bytes) {
        let contents =
            pkcs12::read(bytes, password).map_err(|e| format!("PKCS#12 (.p12/.pfx): {e}"))?;
        let certs: Vec<x509_cert::Certificate> = contents
            .certs
            .iter()
            .filter_map(|der| x509_cert::Certificate::from_der(der).ok())
            .collect();
        let Some(first) = contents.keys.first() else {
            return Err("PKCS#12 (.p12/.pfx): the file holds no private key".into());
        };
        let (secret, public_der) =
            private_key(first).map_err(|e| format!("PKCS#12 (.p12/.pfx): {e}"))?;
        return with_certificate(secret, &public_der, certs)
            .map_err(|e| format!("PKCS#12 (.p12/.pfx): {e}"));
    }
    load_key(bytes)
}

/// Whether these bytes are a PKCS#12 file (by content: a PFX structure).
pub fn is_pkcs12(bytes: &[u8]) -> bool {
    pkcs12::is_pfx(bytes)
}

/// The secret key of a PKCS#8 PrivateKeyInfo and its SubjectPublicKeyInfo DER.
fn private_key(der: &[u8]) -> Result<(SecretKey, Vec<u8>), String> {
    use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
    if let Ok(key) = rsa::PrivateKey::from_pkcs8_der(der) {
        let public = rsa::PublicKey::from(&key)
            .to_public_key_der()
            .map_err(|e| format!("RSA public key: {e}"))?;
        return Ok((SecretKey::Rsa(Box::new(key)), public.as_bytes().to_vec()));
    }
    if let Ok(key) = p256::SecretKey::from_pkcs8_der(der) {
        let public = key
            .public_key()
            .to_public_key_der()
            .map_err(|e| format!("P-256 public key: {e}"))?;
        return Ok((SecretKey::P256(key), public.as_bytes().to_vec()));
    }
    if let Ok(key) = p384::SecretKey::from_pkcs8_der(der) {
        let public = key
            .public_key()
            .to_public_key_der()
            .map_err(|e| format!("P-384 public key: {e}"))?;
        return Ok((SecretKey::P384(key), public.as_bytes().to_vec()));
    }
    if let Ok(key) = <p521::SecretKey as p521::pkcs8::DecodePrivateKey>::from_pkcs8_der(der) {
        use p521::pkcs8::EncodePublicKey as _;
        let public = key
            .public_key()
            .to_public_key_der()
            .map_err(|e| format!("P-521 public key: {e}"))?;
        return Ok((SecretKey::P521(key), public.as_bytes().to_vec()));
    }
    Err("the PKCS#8 private key is not RSA, P-256, P-384 or P-521 (or is encrypted)".into())
}

/// The key with the certificate among `certs` whose public key is the key's.
fn with_certificate(
    secret: SecretKey,
    public_der: &[u8],
    certs: Vec<x509_cert::Certificate>,
) -> Result<SmimeKey, String> {
    if certs.is_empty() {
        return Err("no certificate found beside the private key".into());
    }
    let matching = certs.into_iter().find(|cert| {
        cert.tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .is_ok_and(|spki| spki == public_der)
    });
    match matching {
        Some(cert) => Ok(SmimeKey { cert, secret }),
        None => Err("no certificate in the file matches the private key".into()),
    }
}

/// Loads a PEM private key (PKCS#8: RSA, EC P-256/P-384/P-521) with its certificate.
///
/// Both blocks come in the one file; when several certificates are present the one whose
/// public key matches the private key is taken. A key whose certificate does not match is
/// refused, so a decryption failure later really means the message.
pub fn load_key(pem: &[u8]) -> Result<SmimeKey, String> {
    let blocks = certificate::pem_blocks(pem);
    if blocks.is_empty() {
        return Err("no PEM blocks found".into());
    }
    let mut secret_and_public: Option<(SecretKey, Vec<u8>)> = None;
    for (label, der) in &blocks {
        match label.as_str() {
            "PRIVATE KEY" => {
                secret_and_public = Some(private_key(der)?);
                break;
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err("encrypted private keys are not supported".into());
            }
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                return Err(format!(
                    "{label} (PKCS#1/SEC1) is not supported: convert it to PKCS#8"
                ));
            }
            _ => {}
        }
    }
    let Some((secret, public_der)) = secret_and_public else {
        return Err("no PRIVATE KEY block found".into());
    };
    let certs = load_certs(pem);
    if certs.is_empty() {
        return Err("no CERTIFICATE block found beside the private key".into());
    }
    with_certificate(secret, &public_der, certs)
}
