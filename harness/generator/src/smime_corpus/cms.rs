//! CMS structures the way the senders write them: SignedData (RFC 5652 §5) with the signed
//! attributes of Classic Outlook, NSS or OWA, EnvelopedData (§6) with RSA PKCS#1 v1.5 key
//! transport, and AuthEnvelopedData (RFC 5083) with AES-GCM (RFC 5084).
//!
//! Built by hand with [`super::der`]: Outlook's SignerInfo carries `rsaEncryption` as its
//! signatureAlgorithm and attributes the `cms` 0.3 builder does not write (research/crates.md
//! §6 pitfall 2; sender-formats O1, seen). Signatures are deterministic (RSA PKCS#1 v1.5;
//! ECDSA with RFC 6979 nonces); content-encryption keys and IVs come from a seeded RNG so a
//! rebuilt sample has the same bytes.

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384};
use signature::{SignatureEncoding, Signer};

use super::der as d;
use super::keys::{Persona, PrivateKey};
use crate::error::{Error, Result};

pub const OID_DATA: &str = "1.2.840.113549.1.7.1";
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
pub const OID_AUTH_ENVELOPED_DATA: &str = "1.2.840.113549.1.9.16.1.23";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const OID_SMIME_CAPABILITIES: &str = "1.2.840.113549.1.9.15";
const OID_MS_ENCRYPTION_KEY_PREFERENCE: &str = "1.3.6.1.4.1.311.16.4";
const OID_ENCRYPT_KEY_PREF: &str = "1.2.840.113549.1.9.16.2.11";

fn err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Generate {
        what: what.into(),
        message: e.to_string(),
    }
}

/// The message digest of a SignerInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
}

impl DigestAlg {
    pub fn oid(self) -> &'static str {
        match self {
            Self::Sha1 => "1.3.14.3.2.26",
            Self::Sha256 => "2.16.840.1.101.3.4.2.1",
            Self::Sha384 => "2.16.840.1.101.3.4.2.2",
        }
    }

    /// The facts.rs spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
        }
    }
}

/// Which signed attributes, after contentType, signingTime and messageDigest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrStyle {
    /// Classic Outlook (sender-formats O1, seen): SMIMECapabilities (10 entries), Microsoft
    /// 1.3.6.1.4.1.311.16.4 and id-aa-encrypKeyPref.
    Outlook,
    /// NSS (sender-formats T3, seen in NSS test data): the two key-preference attributes, no
    /// SMIMECapabilities.
    Nss,
    /// Apple Mail (inferred): SMIMECapabilities (AES-256, AES-128, 3DES) and
    /// id-aa-encrypKeyPref.
    Apple,
    /// OWA with Set-SmimeConfig defaults (sender-formats O5, inferred): nothing more.
    Minimal,
}

/// Outlook's SMIMECapabilities list, strongest first, as seen in a 2026 message (O1).
fn outlook_capabilities() -> Result<Vec<u8>> {
    let rc2_128 = d::int(128);
    let rc2_40 = d::int(40);
    let items = [
        d::alg("2.16.840.1.101.3.4.1.42", None)?,
        d::alg("2.16.840.1.101.3.4.1.22", None)?,
        d::alg("1.2.840.113549.3.7", None)?,
        d::alg("2.16.840.1.101.3.4.1.2", None)?,
        d::alg("1.2.840.113549.3.2", Some(&rc2_128))?,
        d::alg("1.2.840.113549.3.2", Some(&rc2_40))?,
        d::alg("2.16.840.1.101.3.4.2.1", None)?,
        d::alg("2.16.840.1.101.3.4.2.3", None)?,
        d::alg("2.16.840.1.101.3.4.2.2", None)?,
        d::alg("1.3.14.3.2.26", None)?,
    ];
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    Ok(d::seq(&refs))
}

fn apple_capabilities() -> Result<Vec<u8>> {
    let items = [
        d::alg("2.16.840.1.101.3.4.1.42", None)?,
        d::alg("2.16.840.1.101.3.4.1.2", None)?,
        d::alg("1.2.840.113549.3.7", None)?,
    ];
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    Ok(d::seq(&refs))
}

fn attribute(oid: &str, value: &[u8]) -> Result<Vec<u8>> {
    Ok(d::seq(&[&d::oid(oid)?, &d::set_of(&[value])]))
}

/// How to sign.
pub struct SignRequest<'a> {
    pub signer: &'a Persona,
    pub digest: DigestAlg,
    /// UTCTime text `YYMMDDHHMMSSZ`.
    pub signing_time: &'a str,
    pub attrs: AttrStyle,
    /// The certificate the key-preference attributes name; the signer's when `None`.
    pub encryption_cert: Option<&'a Persona>,
    /// Certificates carried, in this order.
    pub certs: Vec<&'a Persona>,
    /// The signed content (the MIME entity, CRLF).
    pub content: &'a [u8],
    /// Opaque signing: put the content inside as eContent.
    pub encapsulate: bool,
    /// Write an empty SignerInfos SET (negative control).
    pub drop_signer_infos: bool,
}

/// A DER SignedData ContentInfo.
pub fn signed_data(req: &SignRequest) -> Result<Vec<u8>> {
    let digest_alg = d::alg(req.digest.oid(), Some(&d::null()))?;
    let content_digest = req.digest.hash(req.content);
    let data_oid = d::oid(OID_DATA)?;

    let mut attrs = vec![
        attribute(OID_CONTENT_TYPE, &data_oid)?,
        attribute(OID_SIGNING_TIME, &d::utc_time(req.signing_time))?,
        attribute(OID_MESSAGE_DIGEST, &d::octets(&content_digest))?,
    ];
    let enc = req.encryption_cert.unwrap_or(req.signer);
    let enc_ias = enc.issuer_and_serial()?;
    match req.attrs {
        AttrStyle::Outlook => {
            attrs.push(attribute(OID_SMIME_CAPABILITIES, &outlook_capabilities()?)?);
            attrs.push(attribute(OID_MS_ENCRYPTION_KEY_PREFERENCE, &enc_ias)?);
            attrs.push(attribute(OID_ENCRYPT_KEY_PREF, &implicit0(&enc_ias)?)?);
        }
        AttrStyle::Nss => {
            attrs.push(attribute(OID_MS_ENCRYPTION_KEY_PREFERENCE, &enc_ias)?);
            attrs.push(attribute(OID_ENCRYPT_KEY_PREF, &implicit0(&enc_ias)?)?);
        }
        AttrStyle::Apple => {
            attrs.push(attribute(OID_SMIME_CAPABILITIES, &apple_capabilities()?)?);
            attrs.push(attribute(OID_ENCRYPT_KEY_PREF, &implicit0(&enc_ias)?)?);
        }
        AttrStyle::Minimal => {}
    }
    let attr_refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    // RFC 5652 §5.4: the signature covers the DER SET OF (tag 0x31); the wire carries the
    // same bytes under [0] IMPLICIT (tag 0xA0).
    let signed_attrs_set = d::set_of(&attr_refs);
    let (signature, sig_alg) = sign(req.signer, req.digest, &signed_attrs_set)?;
    let mut signed_attrs_wire = signed_attrs_set.clone();
    signed_attrs_wire[0] = 0xA0;

    let signer_info = d::seq(&[
        &d::int(1),
        &req.signer.issuer_and_serial()?,
        &digest_alg,
        &signed_attrs_wire,
        &sig_alg,
        &d::octets(&signature),
    ]);
    let econtent_info = if req.encapsulate {
        d::seq(&[&data_oid, &d::ctx_cons(0, &d::octets(req.content))])
    } else {
        d::seq(&[&data_oid])
    };
    let cert_ders: Vec<&[u8]> = req.certs.iter().map(|p| p.cert_der.as_slice()).collect();
    let signer_infos = if req.drop_signer_infos {
        d::set_of(&[])
    } else {
        d::set_of(&[&signer_info])
    };
    let mut fields: Vec<Vec<u8>> = vec![d::int(1), d::set_of(&[&digest_alg]), econtent_info];
    if !cert_ders.is_empty() {
        fields.push(d::ctx_cons(0, &cert_ders.concat()));
    }
    fields.push(signer_infos);
    let field_refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let signed = d::seq(&field_refs);
    Ok(d::seq(&[
        &d::oid(OID_SIGNED_DATA)?,
        &d::ctx_cons(0, &signed),
    ]))
}

/// `[0] IMPLICIT IssuerAndSerialNumber` (RFC 8551 §2.5.3 SMIMEEncryptionKeyPreference).
fn implicit0(ias: &[u8]) -> Result<Vec<u8>> {
    let t = d::read_tlv(ias, 0)?;
    Ok(d::ctx_cons(0, &ias[t.content_start..t.end]))
}

/// Signs the DER signed attributes. RSA writes `rsaEncryption` with NULL as Outlook does
/// (O1); ECDSA writes `ecdsa-with-SHA256/384` (RFC 5753 §2.1.1), no parameters.
fn sign(signer: &Persona, digest: DigestAlg, data: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    match &signer.key {
        PrivateKey::Rsa(k) => {
            let sig = match digest {
                DigestAlg::Sha1 => rsa::pkcs1v15::SigningKey::<Sha1>::new(k.clone())
                    .try_sign(data)
                    .map(|s| s.to_vec()),
                DigestAlg::Sha256 => rsa::pkcs1v15::SigningKey::<Sha256>::new(k.clone())
                    .try_sign(data)
                    .map(|s| s.to_vec()),
                DigestAlg::Sha384 => rsa::pkcs1v15::SigningKey::<Sha384>::new(k.clone())
                    .try_sign(data)
                    .map(|s| s.to_vec()),
            }
            .map_err(|e| err("rsa-sign", e))?;
            Ok((sig, d::alg(OID_RSA_ENCRYPTION, Some(&d::null()))?))
        }
        PrivateKey::P256(k) => {
            if digest != DigestAlg::Sha256 {
                return Err(err("ecdsa", "P-256 signs with SHA-256 here"));
            }
            let sig: p256::ecdsa::Signature = k.try_sign(data).map_err(|e| err("ecdsa", e))?;
            Ok((
                sig.to_der().as_bytes().to_vec(),
                d::alg("1.2.840.10045.4.3.2", None)?,
            ))
        }
        PrivateKey::P384(k) => {
            if digest != DigestAlg::Sha384 {
                return Err(err("ecdsa", "P-384 signs with SHA-384 here"));
            }
            let sig: p384::ecdsa::Signature = k.try_sign(data).map_err(|e| err("ecdsa", e))?;
            Ok((
                sig.to_der().as_bytes().to_vec(),
                d::alg("1.2.840.10045.4.3.3", None)?,
            ))
        }
    }
}

/// The content cipher of an EnvelopedData.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Aes256Cbc,
    TdesCbc,
}

impl Cipher {
    /// The facts.rs spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes256Cbc => "aes-256-cbc",
            Self::TdesCbc => "3des-cbc",
        }
    }
}

/// How a recipient is named in its KeyTransRecipientInfo (RFC 5652 §6.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientId {
    IssuerAndSerial,
    /// `[0] SubjectKeyIdentifier` (OWA's OWAUseKeyIdentifier, O5 inferred).
    SubjectKeyId,
}

/// A deterministic RNG for one sample's session keys.
pub fn sample_rng(sample_id: &str) -> StdRng {
    let seed: [u8; 32] = Sha256::digest(format!("replymatrix cek {sample_id}").as_bytes()).into();
    StdRng::from_seed(seed)
}

fn random_bytes(rng: &mut StdRng, n: usize) -> Vec<u8> {
    use rand::Rng as _;
    let mut out = vec![0u8; n];
    rng.fill_bytes(&mut out);
    out
}

fn key_trans_infos(
    recipients: &[&Persona],
    rid: RecipientId,
    cek: &[u8],
    rng: &mut StdRng,
) -> Result<Vec<Vec<u8>>> {
    let mut infos = Vec::new();
    for r in recipients {
        let pk = r
            .rsa_public()
            .ok_or_else(|| err("ktri", format!("{} has no RSA key", r.name)))?;
        let enc = pk
            .encrypt(rng, rsa::Pkcs1v15Encrypt, cek)
            .map_err(|e| err("rsa-encrypt", e))?;
        let (version, rid_der) = match rid {
            RecipientId::IssuerAndSerial => (0, r.issuer_and_serial()?),
            RecipientId::SubjectKeyId => {
                let ski = r
                    .subject_key_id()
                    .ok_or_else(|| err("ktri", format!("{} has no SKI", r.name)))?;
                (2, d::ctx_prim(0, &ski))
            }
        };
        infos.push(d::seq(&[
            &d::int(version),
            &rid_der,
            &d::alg(OID_RSA_ENCRYPTION, Some(&d::null()))?,
            &d::octets(&enc),
        ]));
    }
    Ok(infos)
}

/// A DER EnvelopedData ContentInfo around `content`.
pub fn enveloped_data(
    content: &[u8],
    recipients: &[&Persona],
    cipher: Cipher,
    rid: RecipientId,
    rng: &mut StdRng,
) -> Result<Vec<u8>> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    let (cek, iv, oid) = match cipher {
        Cipher::Aes256Cbc => (
            random_bytes(rng, 32),
            random_bytes(rng, 16),
            "2.16.840.1.101.3.4.1.42",
        ),
        Cipher::TdesCbc => (
            random_bytes(rng, 24),
            random_bytes(rng, 8),
            "1.2.840.113549.3.7",
        ),
    };
    let ciphertext = match cipher {
        Cipher::Aes256Cbc => cbc::Encryptor::<aes::Aes256>::new_from_slices(&cek, &iv)
            .map_err(|e| err("aes", e))?
            .encrypt_padded_vec::<Pkcs7>(content),
        Cipher::TdesCbc => cbc::Encryptor::<des::TdesEde3>::new_from_slices(&cek, &iv)
            .map_err(|e| err("3des", e))?
            .encrypt_padded_vec::<Pkcs7>(content),
    };
    let infos = key_trans_infos(recipients, rid, &cek, rng)?;
    let info_refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
    let version = if rid == RecipientId::SubjectKeyId {
        2
    } else {
        0
    };
    let eci = d::seq(&[
        &d::oid(OID_DATA)?,
        &d::alg(oid, Some(&d::octets(&iv)))?,
        &d::ctx_prim(0, &ciphertext),
    ]);
    let env = d::seq(&[&d::int(version), &d::set_of(&info_refs), &eci]);
    Ok(d::seq(&[
        &d::oid(OID_ENVELOPED_DATA)?,
        &d::ctx_cons(0, &env),
    ]))
}

/// A DER AuthEnvelopedData ContentInfo (RFC 5083 §2.1) with AES-256-GCM (RFC 5084 §3.2:
/// GCMParameters nonce 12 octets, ICV length 16 written out), no authenticated attributes,
/// so the AAD is empty.
pub fn auth_enveloped_data(
    content: &[u8],
    recipients: &[&Persona],
    rng: &mut StdRng,
) -> Result<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit};
    let cek = random_bytes(rng, 32);
    let nonce = random_bytes(rng, 12);
    let gcm = aes_gcm::Aes256Gcm::new_from_slice(&cek).map_err(|e| err("gcm", e))?;
    let nonce_arr = aes_gcm::Nonce::try_from(nonce.as_slice()).map_err(|e| err("gcm", e))?;
    let sealed = gcm
        .encrypt(&nonce_arr, content)
        .map_err(|e| err("gcm", e))?;
    let split = sealed.len().saturating_sub(16);
    let (ciphertext, tag) = sealed.split_at(split);
    let infos = key_trans_infos(recipients, RecipientId::IssuerAndSerial, &cek, rng)?;
    let info_refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
    let gcm_params = d::seq(&[&d::octets(&nonce), &d::int(16)]);
    let eci = d::seq(&[
        &d::oid(OID_DATA)?,
        &d::alg("2.16.840.1.101.3.4.1.46", Some(&gcm_params))?,
        &d::ctx_prim(0, ciphertext),
    ]);
    let env = d::seq(&[&d::int(0), &d::set_of(&info_refs), &eci, &d::octets(tag)]);
    Ok(d::seq(&[
        &d::oid(OID_AUTH_ENVELOPED_DATA)?,
        &d::ctx_cons(0, &env),
    ]))
}
