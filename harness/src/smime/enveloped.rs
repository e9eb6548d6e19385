//! EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083) description and decryption.

use super::algorithms;
use super::ber;
use super::certificate;
use super::{
    EnvelopedFacts, ID_AUTH_ENVELOPED_DATA, ID_ENVELOPED_DATA, SmimeContext, SmimeKey,
    parse_content_info,
};
use crate::facts::CertificateRole;
use crate::facts::{EncryptionFacts, LayerKind, Problem, ProblemCode, Recipient};
use cms::authenveloped_data::AuthEnvelopedData;
use cms::cert::CertificateChoices;
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo,
    KeyTransRecipientInfo, OriginatorIdentifierOrKey, OriginatorInfo, RecipientEncryptedKey,
    RecipientIdentifier, RecipientInfo,
};
use der::asn1::OctetString;
use der::{Encode, EncodingRules};
use spki::AlgorithmIdentifierOwned;

/// Largest plaintext we produce (and so the largest ciphertext we try to decrypt).
pub(crate) const MAX_PLAINTEXT: usize = 64 * 1024 * 1024;
/// Most recipient infos listed.
const MAX_RECIPIENTS: usize = 256;

/// The parts of EnvelopedData and AuthEnvelopedData that matter here.
struct Envelope {
    kind: LayerKind,
    originator_info: Option<OriginatorInfo>,
    recipients: Vec<RecipientInfo>,
    content: EncryptedContentInfo,
    /// AuthEnvelopedData: DER of authAttrs as `SET OF` (the GCM AAD, RFC 5083 §2.2).
    aad: Vec<u8>,
    /// AuthEnvelopedData: the GCM tag.
    mac: Option<Vec<u8>>,
}

fn empty_facts(kind: LayerKind) -> EnvelopedFacts {
    EnvelopedFacts {
        kind,
        encryption: EncryptionFacts::unknown(),
        certificates: Vec::new(),
        plaintext: None,
        problems: Vec::new(),
    }
}

fn decode(cms: &[u8], problems: &mut Vec<Problem>) -> Result<Envelope, (LayerKind, Problem)> {
    let ci = parse_content_info(cms, problems).map_err(|p| (LayerKind::SmimeEnveloped, p))?;
    match ci.content_type {
        ID_ENVELOPED_DATA => {
            let ed = ci
                .content
                .decode_as_encoding::<EnvelopedData>(EncodingRules::Ber)
                .map_err(|e| {
                    (
                        LayerKind::SmimeEnveloped,
                        Problem::new(
                            ProblemCode::CmsMalformed,
                            format!("the EnvelopedData does not decode as BER: {e}"),
                        ),
                    )
                })?;
            Ok(Envelope {
                kind: LayerKind::SmimeEnveloped,
                originator_info: ed.originator_info,
                recipients: ed.recip_infos.0.into_vec(),
                content: ed.encrypted_content,
                aad: Vec::new(),
                mac: None,
            })
        }
        ID_AUTH_ENVELOPED_DATA => {
            let kind = LayerKind::SmimeAuthEnveloped;
            let ad = ci
                .content
                .decode_as_encoding::<AuthEnvelopedData>(EncodingRules::Ber)
                .map_err(|e| {
                    (
                        kind,
                        Problem::new(
                            ProblemCode::CmsMalformed,
                            format!("the AuthEnvelopedData does not decode as BER: {e}"),
                        ),
                    )
                })?;
            let aad = match ad.auth_attrs.as_ref() {
                Some(attrs) => attrs.to_der().map_err(|e| {
                    (
                        kind,
                        Problem::new(
                            ProblemCode::CmsMalformed,
                            format!("authAttrs do not re-encode: {e}"),
                        ),
                    )
                })?,
                None => Vec::new(),
            };
            Ok(Envelope {
                kind,
                originator_info: ad.originator_info,
                recipients: ad.recip_infos.0.into_vec(),
                content: ad.auth_encrypted_content_info,
                aad,
                mac: Some(ad.mac.as_bytes().to_vec()),
            })
        }
        other => Err((
            LayerKind::SmimeEnveloped,
            Problem::new(
                ProblemCode::CmsNotEnvelopedData,
                format!("the CMS content type is {other}, not EnvelopedData or AuthEnvelopedData"),
            ),
        )),
    }
}

fn rid_string(rid: &RecipientIdentifier) -> String {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::issuer_serial_id(&isn.issuer, &isn.serial_number)
        }
        RecipientIdentifier::SubjectKeyIdentifier(ski) => certificate::ski_id(ski.0.as_bytes()),
    }
}

fn rid_matches(rid: &RecipientIdentifier, key: &SmimeKey) -> bool {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::matches_issuer_serial(&key.cert, &isn.issuer, &isn.serial_number)
        }
        RecipientIdentifier::SubjectKeyIdentifier(ski) => {
            certificate::matches_ski(&key.cert, ski.0.as_bytes())
        }
    }
}

/// One entry per RecipientInfo (KARI: one per recipient encrypted key).
fn describe_recipient(info: &RecipientInfo) -> Vec<Recipient> {
    match info {
        RecipientInfo::Ktri(ktri) => vec![Recipient {
            key_algorithm: if ktri.key_enc_alg.oid == algorithms::RSAES_OAEP {
                "rsa-oaep".into()
            } else if ktri.key_enc_alg.oid == algorithms::RSA_ENCRYPTION {
                "rsa".into()
            } else {
                ktri.key_enc_alg.oid.to_string()
            },
            id: rid_string(&ktri.rid),
            version: None,
        }],
        RecipientInfo::Kari(kari) => kari
            .recipient_enc_keys
            .iter()
            .map(|rek| Recipient {
                key_algorithm: "ecdh".into(),
                id: match &rek.rid {
                    KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => {
                        certificate::issuer_serial_id(&isn.issuer, &isn.serial_number)
                    }
                    KeyAgreeRecipientIdentifier::RKeyId(rkid) => {
                        certificate::ski_id(rkid.subject_key_identifier.0.as_bytes())
                    }
                },
                version: None,
            })
            .collect(),
        RecipientInfo::Kekri(kekri) => vec![Recipient {
            key_algorithm: "kek".into(),
            id: format!("kek:{}", ber::hex(kekri.kek_id.kek_identifier.as_bytes())),
            version: None,
        }],
        RecipientInfo::Pwri(_) => vec![Recipient {
            key_algorithm: "password".into(),
            id: "password".into(),
            version: None,
        }],
        RecipientInfo::Ori(ori) => vec![Recipient {
            key_algorithm: ori.ori_type.to_string(),
            id: String::new(),
            version: None,
        }],
    }
}

/// Describes an EnvelopedData or AuthEnvelopedData and decrypts it with a matching key.
pub fn inspect_enveloped(cms: &[u8], ctx: &SmimeContext) -> EnvelopedFacts {
    let mut problems = Vec::new();
    let envelope = match decode(cms, &mut problems) {
        Ok(envelope) => envelope,
        Err((kind, problem)) => {
            let mut facts = empty_facts(kind);
            facts.problems = problems;
            facts.problems.push(problem);
            return facts;
        }
    };
    let mut facts = empty_facts(envelope.kind);
    facts.problems = problems;
    facts.encryption.cipher = Some(algorithms::cipher_name(
        &envelope.content.content_enc_alg.oid,
    ));
    if envelope.recipients.len() > MAX_RECIPIENTS {
        facts.problems.push(Problem::new(
            ProblemCode::CmsTooManyRecipients,
            format!(
                "{} recipient infos; only the first {MAX_RECIPIENTS} were examined",
                envelope.recipients.len()
            ),
        ));
    }
    let recipients = envelope
        .recipients
        .get(..MAX_RECIPIENTS)
        .unwrap_or(&envelope.recipients);
    for info in recipients {
        facts.encryption.recipients.extend(describe_recipient(info));
    }
    if let Some(certs) = envelope
        .originator_info
        .as_ref()
        .and_then(|o| o.certs.as_ref())
    {
        facts.certificates = certs
            .0
            .iter()
            .filter_map(|choice| match choice {
                CertificateChoices::Certificate(cert) => {
                    Some(certificate::certificate_facts(cert, CertificateRole::Chain))
                }
                CertificateChoices::Other(_) => None,
            })
            .take(super::signed::MAX_CERTIFICATES)
            .collect();
    }

    // Pairs of (recipient, key) whose identifiers match: key transport (RSA) and key
    // agreement (ECDH, one entry per recipientEncryptedKey).
    let mut matched = false;
    let mut failures: Vec<String> = Vec::new();
    'recipients: for info in recipients {
        let attempts: Vec<(String, Attempt<'_>)> = match info {
            RecipientInfo::Ktri(ktri) => ctx
                .keys
                .iter()
                .filter(|key| rid_matches(&ktri.rid, key))
                .map(|key| (rid_string(&ktri.rid), Attempt::Ktri(ktri, key)))
                .collect(),
            RecipientInfo::Kari(kari) => kari
                .recipient_enc_keys
                .iter()
                .flat_map(|rek| {
                    ctx.keys
                        .iter()
                        .filter(|key| kari_rid_matches(&rek.rid, key))
                        .map(move |key| (kari_rid_string(&rek.rid), Attempt::Kari(kari, rek, key)))
                })
                .collect(),
            _ => continue,
        };
        for (rid, attempt) in attempts {
            matched = true;
            let cek = match attempt {
                Attempt::Ktri(ktri, key) => {
                    unwrap_cek(key, &ktri.key_enc_alg, ktri.enc_key.as_bytes())
                }
                Attempt::Kari(kari, rek, key) => kari_unwrap_cek(key, kari, rek.enc_key.as_bytes()),
            };
            match cek.and_then(|cek| decrypt_content(&envelope, &cek)) {
                Ok(plaintext) => {
                    facts.plaintext = Some(plaintext);
                    facts.encryption.decrypted = true;
                    break 'recipients;
                }
                Err(DecryptError::Failed(reason)) => {
                    failures.push(format!("{rid}: {reason}"));
                }
                Err(DecryptError::Stop(problem)) => {
                    facts.problems.push(problem);
                    return facts;
                }
            }
        }
    }
    if !facts.encryption.decrypted {
        if !failures.is_empty() {
            facts.problems.push(Problem::new(
                ProblemCode::DecryptionFailed,
                format!(
                    "a supplied key matched a recipient but decryption failed ({})",
                    failures.join("; ")
                ),
            ));
        } else if !ctx.keys.is_empty() && !matched {
            facts.problems.push(Problem::new(
                ProblemCode::NoMatchingKey,
                "none of the supplied keys belongs to a recipient of this message (RSA key \
                 transport or ECDH key agreement)",
            ));
        }
    }
    facts
}

/// One way to the content-encryption key with one supplied key.
enum Attempt<'a> {
    /// RSA key transport.
    Ktri(&'a KeyTransRecipientInfo, &'a SmimeKey),
    /// ECDH key agreement, for one of its recipientEncryptedKeys.
    Kari(
        &'a KeyAgreeRecipientInfo,
        &'a RecipientEncryptedKey,
        &'a SmimeKey,
    ),
}

fn kari_rid_string(rid: &KeyAgreeRecipientIdentifier) -> String {
    match rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::issuer_serial_id(&isn.issuer, &isn.serial_number)
        }
        KeyAgreeRecipientIdentifier::RKeyId(rkid) => {
            certificate::ski_id(rkid.subject_key_identifier.0.as_bytes())
        }
    }
}

fn kari_rid_matches(rid: &KeyAgreeRecipientIdentifier, key: &SmimeKey) -> bool {
    match rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::matches_issuer_serial(&key.cert, &isn.issuer, &isn.serial_number)
        }
        KeyAgreeRecipientIdentifier::RKeyId(rkid) => {
            certificate::matches_ski(&key.cert, rkid.subject_key_identifier.0.as_bytes())
        }
    }
}

/// Recovers the content-encryption key from a KeyAgreeRecipientInfo (RFC 5753 §3.1.2 and
/// §7.2): ephemeral-static ECDH between the originator's key and ours, the ANSI X9.63 KDF
/// over Z with the DER of ECC-CMS-SharedInfo, then AES key unwrap (RFC 3394) of the
/// encrypted key.
fn kari_unwrap_cek(
    key: &SmimeKey,
    kari: &KeyAgreeRecipientInfo,
    encrypted: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    use crate::facts::Digest;
    let failed = |what: String| DecryptError::Failed(what);
    let Some(curve) = key.curve() else {
        return Err(failed("the key is an RSA key, not an EC key".into()));
    };
    let Some((kdf_hash, _cofactor)) = algorithms::ecdh_scheme(&kari.key_enc_alg.oid) else {
        return Err(failed(format!(
            "unsupported key agreement {} (only ephemeral-static ECDH, standard or cofactor, \
             with the X9.63 KDF)",
            kari.key_enc_alg.oid
        )));
    };
    let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
        return Err(failed(
            "the originator is named by a certificate (static-static ECDH, or ECMQV), which \
             is not supported: only an ephemeral originator key is"
                .into(),
        ));
    };
    let Some(peer) = originator.public_key.as_bytes() else {
        return Err(failed(
            "the originator's public key bit string is not octet-aligned".into(),
        ));
    };
    let z = key
        .ecdh(peer)
        .map_err(|e| failed(format!("{curve}: {e}")))?;
    // keyInfo is the key-wrap AlgorithmIdentifier, the parameters of the key agreement
    // algorithm, encoded as the sender encoded it.
    let Some(wrap) = kari
        .key_enc_alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
    else {
        return Err(failed(
            "the key agreement algorithm has no key-wrap AlgorithmIdentifier parameter".into(),
        ));
    };
    let kek_len = match wrap.oid {
        algorithms::AES128_WRAP => 16,
        algorithms::AES192_WRAP => 24,
        algorithms::AES256_WRAP => 32,
        algorithms::DES_EDE3_WRAP => {
            return Err(failed(
                "the Triple-DES key wrap (RFC 3217) is not supported, only AES key wrap".into(),
            ));
        }
        other => return Err(failed(format!("unsupported key wrap {other}"))),
    };
    let key_info = kari
        .key_enc_alg
        .parameters
        .as_ref()
        .and_then(|p| p.to_der().ok())
        .ok_or_else(|| failed("the key-wrap AlgorithmIdentifier does not re-encode".into()))?;
    let ukm = kari.ukm.as_ref().map(|u| u.as_bytes());
    let shared_info = ecc_cms_shared_info(&key_info, ukm, kek_len);
    let mut kek = vec![0u8; kek_len];
    let derived = match kdf_hash {
        Digest::Sha1 => ansi_x963_kdf::derive_key_into::<sha1::Sha1>(&z, &shared_info, &mut kek),
        Digest::Sha224 => {
            ansi_x963_kdf::derive_key_into::<sha2::Sha224>(&z, &shared_info, &mut kek)
        }
        Digest::Sha256 => {
            ansi_x963_kdf::derive_key_into::<sha2::Sha256>(&z, &shared_info, &mut kek)
        }
        Digest::Sha384 => {
            ansi_x963_kdf::derive_key_into::<sha2::Sha384>(&z, &shared_info, &mut kek)
        }
        Digest::Sha512 => {
            ansi_x963_kdf::derive_key_into::<sha2::Sha512>(&z, &shared_info, &mut kek)
        }
        Digest::Md5 | Digest::Shake256 | Digest::Sha3_256 | Digest::Sha3_512 => {
            return Err(failed(
                "MD5, SHAKE and SHA-3 are no X9.63 KDF hash here (RFC 5753 §7.1.4)".into(),
            ));
        }
    };
    derived.map_err(|e| failed(format!("the X9.63 KDF failed: {e:?}")))?;
    aes_unwrap(&kek, encrypted).map_err(failed)
}

/// DER of ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo, entityUInfo \[0\] EXPLICIT OCTET
/// STRING (the ukm, when present), suppPubInfo \[2\] EXPLICIT OCTET STRING (the KEK length in
/// bits, 32-bit big-endian).
fn ecc_cms_shared_info(key_info_der: &[u8], ukm: Option<&[u8]>, kek_len: usize) -> Vec<u8> {
    let mut body = key_info_der.to_vec();
    if let Some(ukm) = ukm {
        body.extend(ber::tlv(0xA0, &ber::tlv(0x04, ukm)));
    }
    let bits = u32::try_from(kek_len * 8).unwrap_or(u32::MAX);
    body.extend(ber::tlv(0xA2, &ber::tlv(0x04, &bits.to_be_bytes())));
    ber::tlv(0x30, &body)
}

/// AES key unwrap (RFC 3394 §2.2.2) with a 128-, 192- or 256-bit KEK.
fn aes_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, String> {
    use aes_kw::KeyInit as _;
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) || wrapped.len() > 1024 {
        return Err(format!(
            "the wrapped key is {} bytes, not a multiple of 8 between 24 and 1024",
            wrapped.len()
        ));
    }
    let mut out = vec![0u8; wrapped.len() - 8];
    let bad_kek = |_| "the key-encryption key has the wrong length".to_owned();
    let unwrapped = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(bad_kek)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        other => return Err(format!("a {other}-byte key-encryption key")),
    };
    match unwrapped {
        Ok(len) => {
            out.truncate(len);
            Ok(out)
        }
        Err(_) => Err(
            "the AES key unwrap's integrity check failed (not our key, or \
                       a damaged encrypted key)"
                .into(),
        ),
    }
}

enum DecryptError {
    /// This key did not work; another may.
    Failed(String),
    /// No key can work (unsupported cipher, too large...): report and stop.
    Stop(Problem),
}

/// Recovers the content-encryption key (RFC 5652 §6.2.1; RSAES-OAEP per RFC 3560).
fn unwrap_cek(
    key: &SmimeKey,
    alg: &AlgorithmIdentifierOwned,
    encrypted: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    let Some(rsa_key) = key.rsa() else {
        return Err(DecryptError::Failed("the key is not an RSA key".into()));
    };
    let result = if alg.oid == algorithms::RSA_ENCRYPTION {
        rsa_key.decrypt(rsa::Pkcs1v15Encrypt, encrypted)
    } else if alg.oid == algorithms::RSAES_OAEP {
        let Some(params) = oaep_params(alg) else {
            return Err(DecryptError::Failed(
                "RSAES-OAEP parameters that do not parse, or an unknown hash, MGF or label source"
                    .into(),
            ));
        };
        oaep_decrypt(rsa_key, &params, encrypted)
    } else {
        return Err(DecryptError::Failed(format!(
            "unsupported key transport {}",
            alg.oid
        )));
    };
    result.map_err(|_| DecryptError::Failed("the key transport did not decrypt".into()))
}

/// RSAES-OAEP-params (RFC 8017 A.2.1, RFC 4055 §4.1): the hash, MGF1's hash and the label.
struct OaepParams {
    hash: crate::facts::Digest,
    mgf_hash: crate::facts::Digest,
    label: Option<Vec<u8>>,
}

/// `id-pSpecified` (RFC 8017 A.2.1): the label is the OCTET STRING parameter.
const P_SPECIFIED: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");

/// Reads RSAES-OAEP-params; absent parameters are the defaults (SHA-1, MGF1 with SHA-1, empty
/// label). `None` for anything it cannot read or does not know.
fn oaep_params(alg: &AlgorithmIdentifierOwned) -> Option<OaepParams> {
    use crate::facts::Digest;
    let mut params = OaepParams {
        hash: Digest::Sha1,
        mgf_hash: Digest::Sha1,
        label: None,
    };
    let Some(any) = alg.parameters.as_ref() else {
        return Some(params);
    };
    let bytes = any.to_der().ok()?;
    let (top, fields) = ber::children_of(&bytes)?;
    if top.tag == 0x05 {
        // NULL, as some encoders write for "defaults".
        return Some(params);
    }
    if top.tag != 0x30 {
        return None;
    }
    for field in fields {
        let inner = field.content(&bytes);
        match field.tag {
            0xA0 => {
                let alg = <AlgorithmIdentifierOwned as der::Decode>::from_der(inner).ok()?;
                params.hash = algorithms::digest_from_oid(&alg.oid)?;
            }
            0xA1 => {
                let mgf = <AlgorithmIdentifierOwned as der::Decode>::from_der(inner).ok()?;
                if mgf.oid != algorithms::MGF1 {
                    return None;
                }
                let h = mgf
                    .parameters
                    .as_ref()?
                    .decode_as::<AlgorithmIdentifierOwned>()
                    .ok()?;
                params.mgf_hash = algorithms::digest_from_oid(&h.oid)?;
            }
            0xA2 => {
                let source = <AlgorithmIdentifierOwned as der::Decode>::from_der(inner).ok()?;
                if source.oid != P_SPECIFIED {
                    return None;
                }
                let label = match source.parameters.as_ref() {
                    Some(p) => p
                        .decode_as::<der::asn1::OctetString>()
                        .ok()?
                        .into_bytes()
                        .into_vec(),
                    None => Vec::new(),
                };
                params.label = (!label.is_empty()).then_some(label);
            }
            _ => return None,
        }
    }
    Some(params)
}

/// OAEP decryption with any of the SHA-1/SHA-2 hashes for the label hash and for MGF1, and
/// the label (the rsa crate takes both hashes as types, hence the dispatch).
fn oaep_decrypt(
    key: &rsa::PrivateKey,
    params: &OaepParams,
    encrypted: &[u8],
) -> Result<Vec<u8>, rsa::Error> {
    use crate::facts::Digest as H;
    fn run<D, M>(
        key: &rsa::PrivateKey,
        label: Option<&[u8]>,
        encrypted: &[u8],
    ) -> Result<Vec<u8>, rsa::Error>
    where
        D: sha2::Digest + sha2::digest::FixedOutputReset,
        M: sha2::Digest + sha2::digest::FixedOutputReset,
    {
        let padding = rsa::Oaep::<D, M> {
            digest: D::new(),
            mgf_digest: M::new(),
            label: label.map(Into::into),
        };
        key.decrypt(padding, encrypted)
    }
    macro_rules! with_mgf {
        ($d:ty) => {
            match params.mgf_hash {
                H::Sha1 => run::<$d, sha1::Sha1>(key, params.label.as_deref(), encrypted),
                H::Sha224 => run::<$d, sha2::Sha224>(key, params.label.as_deref(), encrypted),
                H::Sha256 => run::<$d, sha2::Sha256>(key, params.label.as_deref(), encrypted),
                H::Sha384 => run::<$d, sha2::Sha384>(key, params.label.as_deref(), encrypted),
                H::Sha512 => run::<$d, sha2::Sha512>(key, params.label.as_deref(), encrypted),
                // Not OAEP hashes this inspector reads from a CMS structure.
                H::Md5 | H::Sha3_256 | H::Sha3_512 | H::Shake256 => Err(rsa::Error::Decryption),
            }
        };
    }
    match params.hash {
        H::Sha1 => with_mgf!(sha1::Sha1),
        H::Sha224 => with_mgf!(sha2::Sha224),
        H::Sha256 => with_mgf!(sha2::Sha256),
        H::Sha384 => with_mgf!(sha2::Sha384),
        H::Sha512 => with_mgf!(sha2::Sha512),
        // MD5 and SHAKE are no OAEP hash any sender uses; SHA3 is not read from a CMS structure.
        H::Md5 | H::Sha3_256 | H::Sha3_512 | H::Shake256 => Err(rsa::Error::Decryption),
    }
}

/// Decrypts the content with the content-encryption key.
fn decrypt_content(envelope: &Envelope, cek: &[u8]) -> Result<Vec<u8>, DecryptError> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let alg = &envelope.content.content_enc_alg;
    let Some(ciphertext) = envelope
        .content
        .encrypted_content
        .as_ref()
        .map(OctetString::as_bytes)
    else {
        return Err(DecryptError::Stop(Problem::new(
            ProblemCode::CmsContentDetached,
            "the encryptedContent is absent (detached), so there is nothing to decrypt",
        )));
    };
    if ciphertext.len() > MAX_PLAINTEXT + 64 {
        return Err(DecryptError::Stop(Problem::new(
            ProblemCode::DecryptedTooLarge,
            format!(
                "the encrypted content is {} bytes, over the {MAX_PLAINTEXT}-byte limit",
                ciphertext.len()
            ),
        )));
    }
    let unsupported =
        |what: String| DecryptError::Stop(Problem::new(ProblemCode::UnsupportedCipher, what));
    let cbc_iv = || -> Result<Vec<u8>, DecryptError> {
        alg.parameters
            .as_ref()
            .and_then(|p| p.decode_as::<OctetString>().ok())
            .map(|iv| iv.as_bytes().to_vec())
            .ok_or_else(|| {
                DecryptError::Stop(Problem::new(
                    ProblemCode::CmsMalformed,
                    "the CBC IV parameter is missing or malformed",
                ))
            })
    };
    let bad =
        |_| DecryptError::Failed("the content did not decrypt (bad padding or key length)".into());
    macro_rules! cbc_decrypt {
        ($cipher:ty) => {{
            let iv = cbc_iv()?;
            cbc::Decryptor::<$cipher>::new_from_slices(cek, &iv)
                .map_err(|_| {
                    DecryptError::Failed(
                        "the content-encryption key or IV has the wrong length".into(),
                    )
                })?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
                .map_err(bad)
        }};
    }
    let plaintext = match alg.oid {
        algorithms::AES128_CBC => cbc_decrypt!(aes::Aes128)?,
        algorithms::AES192_CBC => cbc_decrypt!(aes::Aes192)?,
        algorithms::AES256_CBC => cbc_decrypt!(aes::Aes256)?,
        algorithms::DES_EDE3_CBC => cbc_decrypt!(des::TdesEde3)?,
        algorithms::DES_CBC => cbc_decrypt!(des::Des)?,
        algorithms::AES128_GCM | algorithms::AES192_GCM | algorithms::AES256_GCM => {
            decrypt_gcm(envelope, cek, ciphertext)?
        }
        other => {
            return Err(unsupported(format!(
                "content encryption {} is not supported",
                algorithms::cipher_name(&other)
            )));
        }
    };
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(DecryptError::Stop(Problem::new(
            ProblemCode::DecryptedTooLarge,
            format!("the plaintext is over the {MAX_PLAINTEXT}-byte limit"),
        )));
    }
    Ok(plaintext)
}

/// AES-GCM content decryption (RFC 5084 §3.2, RFC 5083 §2.2): GCMParameters give the nonce
/// and the tag length; the tag is `mac`; the AAD is DER(authAttrs) when present.
fn decrypt_gcm(
    envelope: &Envelope,
    cek: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    use aes_gcm::AesGcm;
    use aes_gcm::aead::consts::{U12, U16};
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let alg = &envelope.content.content_enc_alg;
    let malformed = |what: &str| {
        DecryptError::Stop(Problem::new(
            ProblemCode::CmsMalformed,
            format!("GCM: {what}"),
        ))
    };
    let params = alg
        .parameters
        .as_ref()
        .and_then(|p| p.to_der().ok())
        .ok_or_else(|| malformed("parameters missing"))?;
    let (_, fields) = ber::children_of(&params).ok_or_else(|| malformed("parameters malformed"))?;
    let nonce = fields
        .first()
        .filter(|f| f.tag == 0x04)
        .map(|f| f.content(&params).to_vec())
        .ok_or_else(|| malformed("nonce missing"))?;
    let icv_len = match fields.get(1) {
        Some(field) => {
            ber::small_uint(&params, field).ok_or_else(|| malformed("ICVlen malformed"))?
        }
        None => 12,
    };
    let Some(tag) = envelope.mac.as_ref() else {
        return Err(malformed("an EnvelopedData cannot use GCM (no MAC)"));
    };
    if u64::try_from(tag.len()).ok() != Some(icv_len) {
        return Err(DecryptError::Failed(format!(
            "the MAC is {} bytes but the parameters say {icv_len}",
            tag.len()
        )));
    }
    if nonce.len() != 12 {
        return Err(DecryptError::Stop(Problem::new(
            ProblemCode::UnsupportedCipher,
            format!(
                "GCM nonces of {} bytes are not supported (only 12)",
                nonce.len()
            ),
        )));
    }
    let mut message = ciphertext.to_vec();
    message.extend_from_slice(tag);
    let payload = Payload {
        msg: &message,
        aad: &envelope.aad,
    };
    let failed = |_| DecryptError::Failed("the GCM tag did not verify".into());
    macro_rules! gcm {
        ($aes:ty, $tag:ty) => {{
            let cipher = AesGcm::<$aes, U12, $tag>::new_from_slice(cek).map_err(|_| {
                DecryptError::Failed("the content-encryption key has the wrong length".into())
            })?;
            let nonce = aes_gcm::Nonce::<U12>::try_from(nonce.as_slice())
                .map_err(|_| malformed("nonce length"))?;
            cipher.decrypt(&nonce, payload).map_err(failed)
        }};
    }
    match (alg.oid, tag.len()) {
        (algorithms::AES128_GCM, 16) => gcm!(aes::Aes128, U16),
        (algorithms::AES192_GCM, 16) => gcm!(aes::Aes192, U16),
        (algorithms::AES256_GCM, 16) => gcm!(aes::Aes256, U16),
        (algorithms::AES128_GCM, 12) => gcm!(aes::Aes128, U12),
        (algorithms::AES192_GCM, 12) => gcm!(aes::Aes192, U12),
        (algorithms::AES256_GCM, 12) => gcm!(aes::Aes256, U12),
        (_, len) => Err(DecryptError::Stop(Problem::new(
            ProblemCode::UnsupportedCipher,
            format!("GCM tags of {len} bytes are not supported (only 12 and 16)"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 3394 §4.1, §4.3 and §4.6: 128 bits of key data under 128-, 192- and 256-bit
    /// KEKs, and 256 bits under a 256-bit KEK; a flipped bit fails the integrity check.
    #[test]
    fn aes_unwrap_rfc3394_vectors() {
        let kek = unhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
        let data128 = unhex("00112233445566778899AABBCCDDEEFF");
        let data256 = unhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        for (kek_len, data, wrapped) in [
            (
                16,
                &data128,
                "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5",
            ),
            (
                24,
                &data128,
                "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D",
            ),
            (
                32,
                &data128,
                "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7",
            ),
            (
                32,
                &data256,
                "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
            ),
        ] {
            let mut wrapped = unhex(wrapped);
            assert_eq!(&aes_unwrap(&kek[..kek_len], &wrapped).unwrap(), data);
            wrapped[3] ^= 1;
            assert!(aes_unwrap(&kek[..kek_len], &wrapped).is_err());
        }
        assert!(
            aes_unwrap(&kek[..16], &[0; 20]).is_err(),
            "not a multiple of 8"
        );
    }

    /// ECC-CMS-SharedInfo for AES-128 wrap with and without a ukm (RFC 5753 §7.2).
    #[test]
    fn ecc_cms_shared_info_der() {
        let key_info = unhex("300b0609608648016503040105");
        assert_eq!(
            ber::hex(&ecc_cms_shared_info(&key_info, None, 16)),
            "3015300b0609608648016503040105a2060404 00000080".replace(' ', "")
        );
        assert_eq!(
            ber::hex(&ecc_cms_shared_info(&key_info, Some(b"ab"), 16)),
            "301b300b0609608648016503040105a0040402 6162a20604040000 0080".replace(' ', "")
        );
    }
}
