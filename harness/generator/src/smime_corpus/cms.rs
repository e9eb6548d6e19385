//! CMS structures the way the senders write them: SignedData (RFC 5652 §5) with the signed
//! attributes of Classic Outlook, NSS or OWA, EnvelopedData (§6) with RSA PKCS#1 v1.5 key
//! transport, and AuthEnvelopedData (RFC 5083) with AES-GCM (RFC 5084).
//!
//! Built from the `cms`, `x509-cert` and `der` types with the `const_oid::db` OIDs and
//! DER-encoded with [`der::Encode`]; the `cms` builders are not used because Outlook's
//! SignerInfo carries `rsaEncryption` as its signatureAlgorithm and attributes the builder
//! does not write (research/crates.md §6 pitfall 2; sender-formats O1, seen). Two things
//! the types cannot say are done apart: the certificates (and the SignerInfos of a
//! negative control) in the order a recipe gives rather than DER's sorted SET OF order
//! ([`in_given_order`]), and the BER indefinite-length form Outlook writes
//! ([`super::ber::to_outlook_ber`]).
//!
//! Signatures are deterministic (RSA PKCS#1 v1.5; ECDSA with RFC 6979 nonces);
//! content-encryption keys and IVs come from a seeded RNG so a rebuilt sample has the same
//! bytes.

use cms::authenveloped_data::AuthEnvelopedData;
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{Any, ContextSpecific, Null, OctetString, SetOfVec, UtcTime};
use der::{
    DateTime, Decode, DerOrd, Encode, EncodeValue, EncodingRules, Header, Length, Reader, Sequence,
    SliceReader, Tagged,
};
use der::{TagMode, TagNumber};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384};
use signature::{SignatureEncoding, Signer};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use super::keys::{Persona, PrivateKey};
use crate::error::{Error, Result};

/// Microsoft's encryption-key-preference attribute (szOID_MICROSOFT_Encryption_Key_Preference,
/// sender-formats O1); not in `const_oid::db`.
const MS_ENCRYPTION_KEY_PREFERENCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.16.4");

fn err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Generate {
        what: what.into(),
        message: e.to_string(),
    }
}

fn der_err(e: der::Error) -> Error {
    err("der", e)
}

/// The message digest of a SignerInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    /// Only with Ed25519 signers (RFC 8419 §3.1) here.
    Sha512,
}

impl DigestAlg {
    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    /// The facts.rs spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Which signed attributes, after contentType, signingTime and messageDigest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttrStyle {
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

/// An AlgorithmIdentifier with these parameters.
fn alg(oid: ObjectIdentifier, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters }
}

/// An AlgorithmIdentifier with NULL parameters (digests and `rsaEncryption` as Outlook
/// writes them).
fn alg_null(oid: ObjectIdentifier) -> Result<AlgorithmIdentifierOwned> {
    Ok(alg(oid, Some(Any::encode_from(&Null).map_err(der_err)?)))
}

/// An RFC 4262 / RFC 8551 SMIMECapabilities sequence: algorithms without parameters,
/// except RC2's key size (an INTEGER).
pub(crate) type Capabilities = Vec<AlgorithmIdentifierOwned>;

/// Outlook's SMIMECapabilities list, strongest first, as seen in a 2026 message (O1).
fn outlook_capabilities() -> Result<Capabilities> {
    let rc2 = |bits: u8| -> Result<AlgorithmIdentifierOwned> {
        Ok(alg(
            rfc5911::RC_2_CBC,
            Some(Any::encode_from(&bits).map_err(der_err)?),
        ))
    };
    Ok(vec![
        alg(rfc5911::ID_AES_256_CBC, None),
        alg(rfc5911::ID_AES_192_CBC, None),
        alg(rfc5911::DES_EDE_3_CBC, None),
        alg(rfc5911::ID_AES_128_CBC, None),
        rc2(128)?,
        rc2(40)?,
        alg(rfc5912::ID_SHA_256, None),
        alg(rfc5912::ID_SHA_512, None),
        alg(rfc5912::ID_SHA_384, None),
        alg(rfc5912::ID_SHA_1, None),
    ])
}

/// Apple Mail's list (inferred); also what owen's certificate carries as its RFC 4262
/// extension.
pub(crate) fn aes_3des_capabilities() -> Capabilities {
    vec![
        alg(rfc5911::ID_AES_256_CBC, None),
        alg(rfc5911::ID_AES_128_CBC, None),
        alg(rfc5911::DES_EDE_3_CBC, None),
    ]
}

/// One attribute with one value.
fn attribute(oid: ObjectIdentifier, value: &(impl Tagged + EncodeValue)) -> Result<Attribute> {
    let value = Any::encode_from(value).map_err(der_err)?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(der_err)?,
    })
}

/// UTCTime from `YYMMDDHHMMSSZ` text (years 1950–2049, RFC 5280 §4.1.2.5.1).
fn utc_time(text: &str) -> Result<UtcTime> {
    let bad = || err("signingTime", format!("not YYMMDDHHMMSSZ: {text}"));
    let digits = text
        .strip_suffix('Z')
        .filter(|d| d.len() == 12)
        .ok_or_else(bad)?;
    let field = |i: usize| -> Result<u8> {
        digits
            .get(i..i + 2)
            .and_then(|d| d.parse().ok())
            .ok_or_else(bad)
    };
    let yy = u16::from(field(0)?);
    let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
    let dt = DateTime::new(year, field(2)?, field(4)?, field(6)?, field(8)?, field(10)?)
        .map_err(der_err)?;
    UtcTime::from_date_time(dt).map_err(der_err)
}

/// A `SET OF` in the order given instead of DER's sorted order (X.690 §11.6), which
/// `SetOfVec` otherwise always establishes: the certificates as a recipe carries them
/// (signer first, as Outlook and the other senders write the chain) and, in one negative
/// control, SignerInfos in a deliberately unsorted order. `SetOfVec` keeps wire order only
/// when decoding BER, so the elements are encoded, framed as a SET and read back under BER
/// rules; the elements themselves stay DER.
pub(crate) fn in_given_order<T>(items: &[T]) -> Result<SetOfVec<T>>
where
    T: Encode + for<'a> Decode<'a, Error = der::Error> + DerOrd,
{
    let mut contents = Vec::new();
    for item in items {
        item.encode_to_vec(&mut contents).map_err(der_err)?;
    }
    let mut framed = Vec::new();
    Header::new(
        der::Tag::Set,
        Length::try_from(contents.len()).map_err(der_err)?,
    )
    .encode_to_vec(&mut framed)
    .map_err(der_err)?;
    framed.extend_from_slice(&contents);
    let mut reader =
        SliceReader::new_with_encoding_rules(&framed, EncodingRules::Ber).map_err(der_err)?;
    let set = SetOfVec::<T>::decode(&mut reader).map_err(der_err)?;
    reader.finish().map_err(der_err)?;
    Ok(set)
}

/// A `SET OF` in DER order (X.690 §11.6: the elements' encodings compared as octet
/// strings). `SetOfVec` sorts with `DerOrd`, which is that order for most types but not for
/// cms 0.3.0-rc.0's `RecipientInfo` and `SignerIdentifier`: their `ValueOrd` compares the
/// `to_der()` vectors as a `Vec<u8>`, i.e. as a SEQUENCE OF INTEGER, whose encoded length
/// depends on how many octets are 0x80 or more. So the encodings are sorted here and the
/// order kept with [`in_given_order`].
pub(crate) fn der_sorted<T>(items: Vec<T>) -> Result<SetOfVec<T>>
where
    T: Encode + for<'a> Decode<'a, Error = der::Error> + DerOrd,
{
    let mut keyed = items
        .into_iter()
        .map(|item| Ok((item.to_der().map_err(der_err)?, item)))
        .collect::<Result<Vec<_>>>()?;
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let sorted: Vec<T> = keyed.into_iter().map(|(_, item)| item).collect();
    in_given_order(&sorted)
}

/// How to sign.
pub(crate) struct SignRequest<'a> {
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

/// The SignedData of `req`.
pub(crate) fn build_signed_data(req: &SignRequest) -> Result<SignedData> {
    let digest_alg = alg_null(req.digest.oid())?;
    let content_digest = OctetString::new(req.digest.hash(req.content)).map_err(der_err)?;

    let mut attrs = vec![
        attribute(rfc5911::ID_CONTENT_TYPE, &rfc5911::ID_DATA)?,
        attribute(
            rfc5911::ID_SIGNING_TIME,
            &Time::UtcTime(utc_time(req.signing_time)?),
        )?,
        attribute(rfc5911::ID_MESSAGE_DIGEST, &content_digest)?,
    ];
    let enc = req.encryption_cert.unwrap_or(req.signer);
    let enc_ias = enc.issuer_and_serial();
    // RFC 8551 §2.5.3 SMIMEEncryptionKeyPreference, the issuerAndSerialNumber choice.
    let key_pref = ContextSpecific {
        tag_number: TagNumber(0),
        tag_mode: TagMode::Implicit,
        value: enc_ias.clone(),
    };
    match req.attrs {
        AttrStyle::Outlook => {
            attrs.push(attribute(
                rfc5911::SMIME_CAPABILITIES,
                &outlook_capabilities()?,
            )?);
            attrs.push(attribute(MS_ENCRYPTION_KEY_PREFERENCE, &enc_ias)?);
            attrs.push(attribute(rfc5911::ID_AA_ENCRYP_KEY_PREF, &key_pref)?);
        }
        AttrStyle::Nss => {
            attrs.push(attribute(MS_ENCRYPTION_KEY_PREFERENCE, &enc_ias)?);
            attrs.push(attribute(rfc5911::ID_AA_ENCRYP_KEY_PREF, &key_pref)?);
        }
        AttrStyle::Apple => {
            attrs.push(attribute(
                rfc5911::SMIME_CAPABILITIES,
                &aes_3des_capabilities(),
            )?);
            attrs.push(attribute(rfc5911::ID_AA_ENCRYP_KEY_PREF, &key_pref)?);
        }
        AttrStyle::Minimal => {}
    }
    // DER sorts the SET OF; with the persona names' lengths that is Outlook's observed
    // order (keys.rs, `distinguished_name`).
    let signed_attrs = SetOfVec::try_from(attrs).map_err(der_err)?;
    // RFC 5652 §5.4: the signature covers the DER SET OF (tag 0x31); the wire carries the
    // same contents under [0] IMPLICIT.
    let (signature, signature_algorithm) = sign(
        req.signer,
        req.digest,
        &signed_attrs.to_der().map_err(der_err)?,
    )?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(req.signer.issuer_and_serial()),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(der_err)?,
        unsigned_attrs: None,
    };
    let econtent = if req.encapsulate {
        Some(Any::encode_from(&OctetString::new(req.content).map_err(der_err)?).map_err(der_err)?)
    } else {
        None
    };
    let certificates = if req.certs.is_empty() {
        None
    } else {
        let choices: Vec<CertificateChoices> = req
            .certs
            .iter()
            .map(|p| CertificateChoices::Certificate(p.cert.clone()))
            .collect();
        Some(CertificateSet(in_given_order(&choices)?))
    };
    let signer_infos = if req.drop_signer_infos {
        SetOfVec::new()
    } else {
        SetOfVec::try_from(vec![signer_info]).map_err(der_err)?
    };
    Ok(SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg]).map_err(der_err)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent,
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    })
}

/// A DER ContentInfo (RFC 5652 §3) around `content`.
pub(crate) fn content_info(
    content_type: ObjectIdentifier,
    content: &(impl Tagged + EncodeValue),
) -> Result<Vec<u8>> {
    ContentInfo {
        content_type,
        content: Any::encode_from(content).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}

/// A DER SignedData ContentInfo.
pub(crate) fn signed_data(req: &SignRequest) -> Result<Vec<u8>> {
    content_info(rfc5911::ID_SIGNED_DATA, &build_signed_data(req)?)
}

/// Signs the DER signed attributes. RSA writes `rsaEncryption` with NULL as Outlook does
/// (O1); ECDSA writes `ecdsa-with-SHA256/384` (RFC 5753 §2.1.1), no parameters.
fn sign(
    signer: &Persona,
    digest: DigestAlg,
    data: &[u8],
) -> Result<(Vec<u8>, AlgorithmIdentifierOwned)> {
    match &signer.key {
        PrivateKey::P521(_) => Err(err("ecdsa", "the P-521 personas are ECDH recipients")),
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
                DigestAlg::Sha512 => {
                    return Err(err("rsa-sign", "SHA-512 is for the Ed25519 personas here"));
                }
            }
            .map_err(|e| err("rsa-sign", e))?;
            Ok((sig, alg_null(rfc5912::RSA_ENCRYPTION)?))
        }
        PrivateKey::P256(k) => {
            if digest != DigestAlg::Sha256 {
                return Err(err("ecdsa", "P-256 signs with SHA-256 here"));
            }
            let sig: p256::ecdsa::Signature = k.try_sign(data).map_err(|e| err("ecdsa", e))?;
            Ok((
                sig.to_der().as_bytes().to_vec(),
                alg(rfc5912::ECDSA_WITH_SHA_256, None),
            ))
        }
        // RFC 8419 §3.1: the digest is SHA-512; the signature is PureEdDSA over the DER
        // signed attributes; id-Ed25519 with absent parameters.
        PrivateKey::Ed25519(k) => {
            if digest != DigestAlg::Sha512 {
                return Err(err(
                    "ed25519",
                    "Ed25519 signs with a SHA-512 message digest",
                ));
            }
            use ed25519_dalek::Signer as _;
            let sig = k.sign(data);
            Ok((
                sig.to_bytes().to_vec(),
                alg(ObjectIdentifier::new_unwrap("1.3.101.112"), None),
            ))
        }
        PrivateKey::P384(k) => {
            if digest != DigestAlg::Sha384 {
                return Err(err("ecdsa", "P-384 signs with SHA-384 here"));
            }
            let sig: p384::ecdsa::Signature = k.try_sign(data).map_err(|e| err("ecdsa", e))?;
            Ok((
                sig.to_der().as_bytes().to_vec(),
                alg(rfc5912::ECDSA_WITH_SHA_384, None),
            ))
        }
    }
}

/// The content cipher of an EnvelopedData.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cipher {
    Aes256Cbc,
    TdesCbc,
}

impl Cipher {
    /// The facts.rs spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Aes256Cbc => "aes-256-cbc",
            Self::TdesCbc => "3des-cbc",
        }
    }
}

/// How a recipient is named in its KeyTransRecipientInfo (RFC 5652 §6.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecipientId {
    IssuerAndSerial,
    /// `[0] SubjectKeyIdentifier` (OWA's OWAUseKeyIdentifier, O5 inferred).
    SubjectKeyId,
}

/// A deterministic RNG for one sample's session keys.
pub(crate) fn sample_rng(sample_id: &str) -> StdRng {
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
) -> Result<RecipientInfos> {
    let mut infos = Vec::new();
    for r in recipients {
        let pk = r
            .rsa_public()
            .ok_or_else(|| err("ktri", format!("{} has no RSA key", r.name)))?;
        let enc = pk
            .encrypt(rng, rsa::Pkcs1v15Encrypt, cek)
            .map_err(|e| err("rsa-encrypt", e))?;
        let (version, rid) = match rid {
            RecipientId::IssuerAndSerial => (
                CmsVersion::V0,
                RecipientIdentifier::IssuerAndSerialNumber(r.issuer_and_serial()),
            ),
            RecipientId::SubjectKeyId => {
                let ski = r
                    .subject_key_id()
                    .ok_or_else(|| err("ktri", format!("{} has no SKI", r.name)))?;
                (
                    CmsVersion::V2,
                    RecipientIdentifier::SubjectKeyIdentifier(ski),
                )
            }
        };
        infos.push(RecipientInfo::Ktri(KeyTransRecipientInfo {
            version,
            rid,
            key_enc_alg: alg_null(rfc5912::RSA_ENCRYPTION)?,
            enc_key: OctetString::new(enc).map_err(der_err)?,
        }));
    }
    Ok(RecipientInfos(der_sorted(infos)?))
}

/// A DER EnvelopedData ContentInfo around `content`.
pub(crate) fn enveloped_data(
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
            rfc5911::ID_AES_256_CBC,
        ),
        Cipher::TdesCbc => (
            random_bytes(rng, 24),
            random_bytes(rng, 8),
            rfc5911::DES_EDE_3_CBC,
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
    let recip_infos = key_trans_infos(recipients, rid, &cek, rng)?;
    let iv = Any::encode_from(&OctetString::new(iv).map_err(der_err)?).map_err(der_err)?;
    let env = EnvelopedData {
        version: if rid == RecipientId::SubjectKeyId {
            CmsVersion::V2
        } else {
            CmsVersion::V0
        },
        originator_info: None,
        recip_infos,
        encrypted_content: EncryptedContentInfo {
            content_type: rfc5911::ID_DATA,
            content_enc_alg: alg(oid, Some(iv)),
            encrypted_content: Some(OctetString::new(ciphertext).map_err(der_err)?),
        },
        unprotected_attrs: None,
    };
    content_info(rfc5911::ID_ENVELOPED_DATA, &env)
}

/// GCMParameters (RFC 5084 §3.2). The ICV length is written out although it is not the
/// DEFAULT 12, as it must be.
#[derive(Sequence)]
struct GcmParameters {
    nonce: OctetString,
    icv_len: u8,
}

/// A DER AuthEnvelopedData ContentInfo (RFC 5083 §2.1) with AES-256-GCM (RFC 5084 §3.2:
/// GCMParameters nonce 12 octets, ICV length 16 written out), no authenticated attributes,
/// so the AAD is empty.
pub(crate) fn auth_enveloped_data(
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
    let recip_infos = key_trans_infos(recipients, RecipientId::IssuerAndSerial, &cek, rng)?;
    let params = GcmParameters {
        nonce: OctetString::new(nonce).map_err(der_err)?,
        icv_len: 16,
    };
    let env = AuthEnvelopedData {
        version: CmsVersion::V0,
        originator_info: None,
        recip_infos,
        auth_encrypted_content_info: EncryptedContentInfo {
            content_type: rfc5911::ID_DATA,
            content_enc_alg: alg(
                rfc5911::ID_AES_256_GCM,
                Some(Any::encode_from(&params).map_err(der_err)?),
            ),
            encrypted_content: Some(OctetString::new(ciphertext).map_err(der_err)?),
        },
        auth_attrs: None,
        mac: OctetString::new(tag).map_err(der_err)?,
        unauth_attrs: None,
    };
    content_info(rfc5911::ID_CT_AUTH_ENVELOPED_DATA, &env)
}

/// The ECDH key agreement of one KeyAgreeRecipientInfo (RFC 5753 §3.1, §7.1.4): the X9.63
/// KDF's hash, standard or cofactor DH (the same Z on the NIST curves, another OID), the AES
/// key wrap's size, and whether a ukm (64 octets, RFC 5753 §7.2 entityUInfo) is sent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kari {
    pub(crate) kdf: DigestAlg,
    pub(crate) cofactor: bool,
    pub(crate) wrap_bits: u32,
    pub(crate) ukm: bool,
}

impl Kari {
    fn scheme(self) -> Result<ObjectIdentifier> {
        let oid = match (self.cofactor, self.kdf) {
            (false, DigestAlg::Sha1) => "1.3.133.16.840.63.0.2",
            (false, DigestAlg::Sha256) => "1.3.132.1.11.1",
            (false, DigestAlg::Sha384) => "1.3.132.1.11.2",
            (true, DigestAlg::Sha1) => "1.3.133.16.840.63.0.3",
            (true, DigestAlg::Sha256) => "1.3.132.1.14.1",
            (true, DigestAlg::Sha384) => "1.3.132.1.14.2",
            (_, DigestAlg::Sha512) => return Err(err("kari", "no SHA-512 KDF recipe here")),
        };
        ObjectIdentifier::new(oid).map_err(|e| err("kari", e))
    }

    fn wrap(self) -> Result<ObjectIdentifier> {
        match self.wrap_bits {
            128 => Ok(rfc5911::ID_AES_128_WRAP),
            192 => Ok(rfc5911::ID_AES_192_WRAP),
            256 => Ok(rfc5911::ID_AES_256_WRAP),
            other => Err(err("kari", format!("no {other}-bit AES key wrap"))),
        }
    }
}

/// An ephemeral key on the recipient's curve from the sample's RNG (a scalar drawn until it
/// is valid), and the ECDH result: (the ephemeral public point, uncompressed; Z).
fn ephemeral_agreement(recipient: &Persona, rng: &mut StdRng) -> Result<(Vec<u8>, Vec<u8>)> {
    use elliptic_curve::ecdh::diffie_hellman;
    let peer = recipient
        .cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let bad = |e: elliptic_curve::Error| err("ecdh", e);
    macro_rules! agree {
        ($curve:ident, $len:expr, $mask:expr) => {{
            let peer = $curve::PublicKey::from_sec1_bytes(peer).map_err(bad)?;
            let secret = loop {
                let mut bytes = random_bytes(rng, $len);
                bytes[0] &= $mask;
                if let Ok(key) = $curve::SecretKey::from_slice(&bytes) {
                    break key;
                }
            };
            let z = diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
            (
                secret.public_key().to_sec1_bytes().to_vec(),
                z.raw_secret_bytes().to_vec(),
            )
        }};
    }
    Ok(match &recipient.key {
        PrivateKey::P256(_) => agree!(p256, 32, 0xff),
        PrivateKey::P384(_) => agree!(p384, 48, 0xff),
        PrivateKey::P521(_) => {
            let peer = p521::PublicKey::from_sec1_bytes(peer).map_err(|e| err("ecdh", e))?;
            let secret = loop {
                let mut bytes = random_bytes(rng, 66);
                bytes[0] &= 0x01;
                if let Ok(key) = p521::SecretKey::from_slice(&bytes) {
                    break key;
                }
            };
            let z = p521::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
            (
                secret.public_key().to_sec1_bytes().to_vec(),
                z.raw_secret_bytes().to_vec(),
            )
        }
        PrivateKey::Rsa(_) => return Err(err("kari", format!("{} is RSA", recipient.name))),
        PrivateKey::Ed25519(_) => {
            return Err(err(
                "kari",
                format!("{} signs only (Ed25519)", recipient.name),
            ));
        }
    })
}

/// One KeyAgreeRecipientInfo (RFC 5753 §3.1.2): ephemeral-static ECDH, the X9.63 KDF over Z
/// and the DER ECC-CMS-SharedInfo (keyInfo: the AES wrap OID with absent parameters;
/// entityUInfo: the ukm; suppPubInfo: the KEK bits), then AES key wrap (RFC 3394) of the CEK.
/// The originator key's algorithm is id-ecPublicKey with absent parameters, as OpenSSL
/// writes it; the recipient is named by issuer and serial.
fn key_agree_info(
    recipient: &Persona,
    kari: Kari,
    cek: &[u8],
    rng: &mut StdRng,
) -> Result<RecipientInfo> {
    use aes_kw::KeyInit as _;
    use cms::enveloped_data::{
        EncryptedKey, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo,
        OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey,
    };
    let (ephemeral, z) = ephemeral_agreement(recipient, rng)?;
    let ukm = kari.ukm.then(|| random_bytes(rng, 64));
    let wrap = alg(kari.wrap()?, None);
    let key_info = wrap.to_der().map_err(der_err)?;
    // ECC-CMS-SharedInfo, by hand: SEQUENCE { keyInfo, [0] { OCTET STRING ukm }, [2] { OCTET
    // STRING bits } }.
    let tlv = |tag: u8, content: &[u8]| -> Vec<u8> {
        let mut out = vec![tag, content.len() as u8];
        out.extend_from_slice(content);
        out
    };
    let mut body = key_info.clone();
    if let Some(ukm) = &ukm {
        body.extend(tlv(0xA0, &tlv(0x04, ukm)));
    }
    body.extend(tlv(0xA2, &tlv(0x04, &kari.wrap_bits.to_be_bytes())));
    let shared_info = tlv(0x30, &body);
    let mut kek = vec![0u8; (kari.wrap_bits / 8) as usize];
    match kari.kdf {
        DigestAlg::Sha1 => ansi_x963_kdf::derive_key_into::<Sha1>(&z, &shared_info, &mut kek),
        DigestAlg::Sha256 => ansi_x963_kdf::derive_key_into::<Sha256>(&z, &shared_info, &mut kek),
        DigestAlg::Sha384 => ansi_x963_kdf::derive_key_into::<Sha384>(&z, &shared_info, &mut kek),
        DigestAlg::Sha512 => {
            ansi_x963_kdf::derive_key_into::<sha2::Sha512>(&z, &shared_info, &mut kek)
        }
    }
    .map_err(|e| err("x963-kdf", format!("{e:?}")))?;
    let mut wrapped = vec![0u8; cek.len() + 8];
    let kw_err = |e: aes_kw::Error| err("aes-kw", e);
    match kari.wrap_bits {
        128 => aes_kw::KwAes128::new_from_slice(&kek)
            .map_err(|e| err("aes-kw", e))?
            .wrap_key(cek, &mut wrapped)
            .map_err(kw_err)?,
        192 => aes_kw::KwAes192::new_from_slice(&kek)
            .map_err(|e| err("aes-kw", e))?
            .wrap_key(cek, &mut wrapped)
            .map_err(kw_err)?,
        _ => aes_kw::KwAes256::new_from_slice(&kek)
            .map_err(|e| err("aes-kw", e))?
            .wrap_key(cek, &mut wrapped)
            .map_err(kw_err)?,
    };
    Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
        version: CmsVersion::V3,
        originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
            algorithm: alg(ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"), None),
            public_key: der::asn1::BitString::from_bytes(&ephemeral).map_err(der_err)?,
        }),
        ukm: match ukm {
            Some(ukm) => Some(OctetString::new(ukm).map_err(der_err)?),
            None => None,
        },
        key_enc_alg: alg(
            kari.scheme()?,
            Some(Any::from_der(&key_info).map_err(der_err)?),
        ),
        recipient_enc_keys: vec![RecipientEncryptedKey {
            rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(recipient.issuer_and_serial()),
            enc_key: EncryptedKey::new(wrapped).map_err(der_err)?,
        }],
    }))
}

/// EnvelopedData (AES-256-CBC) or AuthEnvelopedData (AES-256-GCM) to a mix of recipients: RSA
/// personas by key transport (PKCS#1 v1.5), EC personas by ECDH key agreement (`kari`).
pub(crate) fn ecdh_enveloped_data(
    content: &[u8],
    recipients: &[&Persona],
    kari: Kari,
    gcm: bool,
    rng: &mut StdRng,
) -> Result<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit};
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    let cek = random_bytes(rng, 32);
    let iv = random_bytes(rng, if gcm { 12 } else { 16 });
    let (ciphertext, tag) = if gcm {
        let sealed = aes_gcm::Aes256Gcm::new_from_slice(&cek)
            .map_err(|e| err("gcm", e))?
            .encrypt(
                &aes_gcm::Nonce::try_from(iv.as_slice()).map_err(|e| err("gcm", e))?,
                content,
            )
            .map_err(|e| err("gcm", e))?;
        let (c, t) = sealed.split_at(sealed.len().saturating_sub(16));
        (c.to_vec(), Some(t.to_vec()))
    } else {
        let c = cbc::Encryptor::<aes::Aes256>::new_from_slices(&cek, &iv)
            .map_err(|e| err("aes", e))?
            .encrypt_padded_vec::<Pkcs7>(content);
        (c, None)
    };
    let mut infos = Vec::new();
    for r in recipients {
        match r.key {
            PrivateKey::Rsa(_) => infos.extend(
                key_trans_infos(&[r], RecipientId::IssuerAndSerial, &cek, rng)?
                    .0
                    .into_vec(),
            ),
            _ => infos.push(key_agree_info(r, kari, &cek, rng)?),
        }
    }
    let recip_infos = RecipientInfos(der_sorted(infos)?);
    let encrypted_content = |alg_id| -> Result<EncryptedContentInfo> {
        Ok(EncryptedContentInfo {
            content_type: rfc5911::ID_DATA,
            content_enc_alg: alg_id,
            encrypted_content: Some(OctetString::new(ciphertext.clone()).map_err(der_err)?),
        })
    };
    match tag {
        Some(tag) => {
            let params = GcmParameters {
                nonce: OctetString::new(iv).map_err(der_err)?,
                icv_len: 16,
            };
            let env = AuthEnvelopedData {
                version: CmsVersion::V0,
                originator_info: None,
                recip_infos,
                auth_encrypted_content_info: encrypted_content(alg(
                    rfc5911::ID_AES_256_GCM,
                    Some(Any::encode_from(&params).map_err(der_err)?),
                ))?,
                auth_attrs: None,
                mac: OctetString::new(tag).map_err(der_err)?,
                unauth_attrs: None,
            };
            content_info(rfc5911::ID_CT_AUTH_ENVELOPED_DATA, &env)
        }
        None => {
            let iv = Any::encode_from(&OctetString::new(iv).map_err(der_err)?).map_err(der_err)?;
            let env = EnvelopedData {
                // RFC 5652 §6.1: a version 3 RecipientInfo (kari) makes version 2.
                version: CmsVersion::V2,
                originator_info: None,
                recip_infos,
                encrypted_content: encrypted_content(alg(rfc5911::ID_AES_256_CBC, Some(iv)))?,
                unprotected_attrs: None,
            };
            content_info(rfc5911::ID_ENVELOPED_DATA, &env)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn octets(bytes: &[u8]) -> OctetString {
        OctetString::new(bytes).unwrap()
    }

    #[test]
    fn sets_keep_the_given_order_or_sort_by_encoding() {
        // By encoding, the 1-octet string (04 01 ..) sorts before the 2-octet one.
        let items = vec![octets(&[0x00, 0x00]), octets(&[0xFF])];
        let kept = in_given_order(&items).unwrap();
        assert_eq!(kept.as_slice(), items.as_slice());
        let sorted = der_sorted(items.clone()).unwrap();
        assert_eq!(sorted.as_slice(), &[items[1].clone(), items[0].clone()]);
        assert_eq!(
            sorted.to_der().unwrap(),
            [0x31, 0x07, 0x04, 0x01, 0xFF, 0x04, 0x02, 0x00, 0x00]
        );
    }

    #[test]
    fn signing_time_text_becomes_utc_time() {
        let t = utc_time("260512093007Z").unwrap();
        assert_eq!(&t.to_der().unwrap()[2..], b"260512093007Z");
        assert!(utc_time("2605120930Z").is_err());
    }
}
