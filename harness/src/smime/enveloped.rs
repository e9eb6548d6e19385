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
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, OriginatorInfo,
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

    // Pairs of (recipient info, key) whose identifiers match.
    let mut matched = false;
    let mut failures: Vec<String> = Vec::new();
    'recipients: for info in recipients {
        let RecipientInfo::Ktri(ktri) = info else {
            continue;
        };
        for key in ctx.keys.iter().filter(|key| rid_matches(&ktri.rid, key)) {
            matched = true;
            let result = unwrap_cek(key, &ktri.key_enc_alg, ktri.enc_key.as_bytes())
                .and_then(|cek| decrypt_content(&envelope, &cek));
            match result {
                Ok(plaintext) => {
                    facts.plaintext = Some(plaintext);
                    facts.encryption.decrypted = true;
                    break 'recipients;
                }
                Err(DecryptError::Failed(reason)) => {
                    failures.push(format!("{}: {reason}", rid_string(&ktri.rid)));
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
                "none of the supplied keys belongs to an RSA key-transport recipient of this message",
            ));
        }
    }
    facts
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
                H::Md5 | H::Sha3_256 | H::Sha3_512 => Err(rsa::Error::Decryption),
            }
        };
    }
    match params.hash {
        H::Sha1 => with_mgf!(sha1::Sha1),
        H::Sha224 => with_mgf!(sha2::Sha224),
        H::Sha256 => with_mgf!(sha2::Sha256),
        H::Sha384 => with_mgf!(sha2::Sha384),
        H::Sha512 => with_mgf!(sha2::Sha512),
        // MD5 is no OAEP hash any sender uses; SHA3 is not read from a CMS structure.
        H::Md5 | H::Sha3_256 | H::Sha3_512 => Err(rsa::Error::Decryption),
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
