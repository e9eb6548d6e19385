//! Algorithm names and the cryptography: digests, signature verification (RSA PKCS#1 v1.5,
//! RSASSA-PSS, ECDSA P-256/P-384) and their OIDs.
//!
//! OIDs: RFC 5754 (SHA-2 in CMS), RFC 3370 (MD5/SHA-1, RSA, 3DES, RC2), RFC 4056 (PSS in
//! CMS), RFC 5753/5758 (ECDSA), RFC 3565 (AES-CBC), RFC 5084 (AES-GCM), RFC 8419 (Ed25519, Ed448).

use super::ber;
use crate::facts::reason;
use crate::facts::{Digest, SignatureAlgorithm, SignatureReason};
use crate::memo::Memo;
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// `const`-constructs an OID from its dotted string (checked at compile time).
const fn oid(dotted: &str) -> Oid {
    Oid::new_unwrap(dotted)
}

pub(crate) const MD5: Oid = oid("1.2.840.113549.2.5");
pub(crate) const SHA1: Oid = oid("1.3.14.3.2.26");
pub(crate) const SHA224: Oid = oid("2.16.840.1.101.3.4.2.4");
pub(crate) const SHA256: Oid = oid("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = oid("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = oid("2.16.840.1.101.3.4.2.3");
/// id-shake256 (RFC 8419 §2.3), 512 bits of output in CMS.
pub(crate) const SHAKE256: Oid = oid("2.16.840.1.101.3.4.2.12");

pub(crate) const RSA_ENCRYPTION: Oid = oid("1.2.840.113549.1.1.1");
pub(crate) const MD5_WITH_RSA: Oid = oid("1.2.840.113549.1.1.4");
pub(crate) const SHA1_WITH_RSA: Oid = oid("1.2.840.113549.1.1.5");
pub(crate) const RSAES_OAEP: Oid = oid("1.2.840.113549.1.1.7");
pub(crate) const MGF1: Oid = oid("1.2.840.113549.1.1.8");
pub(crate) const RSASSA_PSS: Oid = oid("1.2.840.113549.1.1.10");
pub(crate) const SHA256_WITH_RSA: Oid = oid("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: Oid = oid("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: Oid = oid("1.2.840.113549.1.1.13");
pub(crate) const SHA224_WITH_RSA: Oid = oid("1.2.840.113549.1.1.14");
pub(crate) const EC_PUBLIC_KEY: Oid = oid("1.2.840.10045.2.1");
pub(crate) const ECDSA_WITH_SHA1: Oid = oid("1.2.840.10045.4.1");
pub(crate) const ECDSA_WITH_SHA224: Oid = oid("1.2.840.10045.4.3.1");
pub(crate) const ECDSA_WITH_SHA256: Oid = oid("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_WITH_SHA384: Oid = oid("1.2.840.10045.4.3.3");
pub(crate) const ECDSA_WITH_SHA512: Oid = oid("1.2.840.10045.4.3.4");
pub(crate) const SECP256R1: Oid = oid("1.2.840.10045.3.1.7");
pub(crate) const SECP384R1: Oid = oid("1.3.132.0.34");
pub(crate) const SECP521R1: Oid = oid("1.3.132.0.35");
pub(crate) const ED25519: Oid = oid("1.3.101.112");
pub(crate) const ED448: Oid = oid("1.3.101.113");

pub(crate) const AES128_CBC: Oid = oid("2.16.840.1.101.3.4.1.2");
pub(crate) const AES192_CBC: Oid = oid("2.16.840.1.101.3.4.1.22");
pub(crate) const AES256_CBC: Oid = oid("2.16.840.1.101.3.4.1.42");
pub(crate) const AES128_GCM: Oid = oid("2.16.840.1.101.3.4.1.6");
pub(crate) const AES192_GCM: Oid = oid("2.16.840.1.101.3.4.1.26");
pub(crate) const AES256_GCM: Oid = oid("2.16.840.1.101.3.4.1.46");
pub(crate) const DES_EDE3_CBC: Oid = oid("1.2.840.113549.3.7");
pub(crate) const DES_CBC: Oid = oid("1.3.14.3.2.7");
pub(crate) const RC2_CBC: Oid = oid("1.2.840.113549.3.2");
/// AES key wrap (RFC 3394 in CMS, RFC 3565 §2.3.2).
pub(crate) const AES128_WRAP: Oid = oid("2.16.840.1.101.3.4.1.5");
pub(crate) const AES192_WRAP: Oid = oid("2.16.840.1.101.3.4.1.25");
pub(crate) const AES256_WRAP: Oid = oid("2.16.840.1.101.3.4.1.45");
/// CMS Triple-DES key wrap (RFC 3217), which RFC 5753 allows and nobody we know sends.
pub(crate) const DES_EDE3_WRAP: Oid = oid("1.2.840.113549.1.9.16.3.6");
/// Ephemeral-static ECDH key agreement schemes with the X9.63 KDF (RFC 5753 §7.1.4, SEC 1):
/// standard DH, then cofactor DH, each over SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512.
pub(crate) const ECDH_STD_SHA1_KDF: Oid = oid("1.3.133.16.840.63.0.2");
pub(crate) const ECDH_STD_SHA224_KDF: Oid = oid("1.3.132.1.11.0");
pub(crate) const ECDH_STD_SHA256_KDF: Oid = oid("1.3.132.1.11.1");
pub(crate) const ECDH_STD_SHA384_KDF: Oid = oid("1.3.132.1.11.2");
pub(crate) const ECDH_STD_SHA512_KDF: Oid = oid("1.3.132.1.11.3");
pub(crate) const ECDH_COFACTOR_SHA1_KDF: Oid = oid("1.3.133.16.840.63.0.3");
pub(crate) const ECDH_COFACTOR_SHA224_KDF: Oid = oid("1.3.132.1.14.0");
pub(crate) const ECDH_COFACTOR_SHA256_KDF: Oid = oid("1.3.132.1.14.1");
pub(crate) const ECDH_COFACTOR_SHA384_KDF: Oid = oid("1.3.132.1.14.2");
pub(crate) const ECDH_COFACTOR_SHA512_KDF: Oid = oid("1.3.132.1.14.3");

/// The KDF hash of an ECDH key agreement scheme and whether it is the cofactor variant.
pub(crate) fn ecdh_scheme(oid: &Oid) -> Option<(Digest, bool)> {
    Some(match *oid {
        ECDH_STD_SHA1_KDF => (Digest::Sha1, false),
        ECDH_STD_SHA224_KDF => (Digest::Sha224, false),
        ECDH_STD_SHA256_KDF => (Digest::Sha256, false),
        ECDH_STD_SHA384_KDF => (Digest::Sha384, false),
        ECDH_STD_SHA512_KDF => (Digest::Sha512, false),
        ECDH_COFACTOR_SHA1_KDF => (Digest::Sha1, true),
        ECDH_COFACTOR_SHA224_KDF => (Digest::Sha224, true),
        ECDH_COFACTOR_SHA256_KDF => (Digest::Sha256, true),
        ECDH_COFACTOR_SHA384_KDF => (Digest::Sha384, true),
        ECDH_COFACTOR_SHA512_KDF => (Digest::Sha512, true),
        _ => return None,
    })
}

/// The digest named by a digestAlgorithm OID. Some senders put a `*WithRSAEncryption` OID in
/// digestAlgorithm; its hash is accepted too.
pub(crate) fn digest_from_oid(oid: &Oid) -> Option<Digest> {
    let digest = match *oid {
        MD5 | MD5_WITH_RSA => Digest::Md5,
        SHA1 | SHA1_WITH_RSA | ECDSA_WITH_SHA1 => Digest::Sha1,
        SHA224 | SHA224_WITH_RSA | ECDSA_WITH_SHA224 => Digest::Sha224,
        SHA256 | SHA256_WITH_RSA | ECDSA_WITH_SHA256 => Digest::Sha256,
        SHA384 | SHA384_WITH_RSA | ECDSA_WITH_SHA384 => Digest::Sha384,
        SHA512 | SHA512_WITH_RSA | ECDSA_WITH_SHA512 => Digest::Sha512,
        SHAKE256 => Digest::Shake256,
        _ => return None,
    };
    Some(digest)
}

/// The OID of a digest (for DigestInfo).
pub(crate) fn digest_oid(digest: Digest) -> Oid {
    match digest {
        Digest::Md5 => MD5,
        Digest::Sha1 => SHA1,
        Digest::Sha224 => SHA224,
        Digest::Sha256 => SHA256,
        Digest::Sha384 => SHA384,
        Digest::Sha512 => SHA512,
        // RFC 8702 §2 (id-sha3-256, id-sha3-512).
        Digest::Sha3_256 => Oid::new_unwrap("2.16.840.1.101.3.4.2.8"),
        Digest::Sha3_512 => Oid::new_unwrap("2.16.840.1.101.3.4.2.10"),
        Digest::Shake256 => SHAKE256,
    }
}

/// H(data).
pub(crate) fn hash(digest: Digest, data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    match digest {
        Digest::Md5 => md5::Md5::digest(data).to_vec(),
        Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Digest::Sha224 => sha2::Sha224::digest(data).to_vec(),
        Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Digest::Sha384 => sha2::Sha384::digest(data).to_vec(),
        Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
        Digest::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
        Digest::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
        Digest::Shake256 => {
            use sha3::digest::{ExtendableOutput as _, Update as _};
            let mut shake = sha3::Shake256::default();
            shake.update(data);
            let mut out = vec![0u8; 64];
            shake.finalize_xof_into(&mut out);
            out
        }
    }
}

/// The outcome of one signature check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verification {
    /// The signature value verifies over the message with this key.
    Verified,
    /// The key and algorithm are usable and the signature does not verify.
    Failed,
    /// Could not check: the reason, `unsupported-algorithm: <name or oid>` or `malformed: ...`.
    Unchecked(SignatureReason),
}

/// The family of a signature algorithm OID, when known.
pub(crate) fn signature_family(sig_alg: &Oid, key_alg: &Oid) -> Option<SignatureAlgorithm> {
    match *sig_alg {
        RSA_ENCRYPTION | MD5_WITH_RSA | SHA1_WITH_RSA | SHA224_WITH_RSA | SHA256_WITH_RSA
        | SHA384_WITH_RSA | SHA512_WITH_RSA => Some(SignatureAlgorithm::Rsa),
        RSASSA_PSS => Some(SignatureAlgorithm::RsaPss),
        ECDSA_WITH_SHA1 | ECDSA_WITH_SHA224 | ECDSA_WITH_SHA256 | ECDSA_WITH_SHA384
        | ECDSA_WITH_SHA512 => Some(SignatureAlgorithm::Ecdsa),
        EC_PUBLIC_KEY if *key_alg == EC_PUBLIC_KEY => Some(SignatureAlgorithm::Ecdsa),
        ED25519 => Some(SignatureAlgorithm::Ed25519),
        ED448 => Some(SignatureAlgorithm::Ed448),
        _ => None,
    }
}

/// Verifies `signature` over `message` with the key in `spki`.
///
/// `digest` is the hash applied to `message` (CMS takes it from the SignerInfo
/// digestAlgorithm, RFC 5652 §5.3; certificates from the signature algorithm). RSASSA-PSS
/// takes its hash from its own parameters (RFC 4055 §3.1).
pub(crate) fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    digest: Digest,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    let key_alg = &spki.algorithm.oid;
    let family = signature_family(&sig_alg.oid, key_alg);
    if digest == Digest::Shake256 && family != Some(SignatureAlgorithm::Ed448) {
        // SHAKE with RSA or ECDSA (RFC 8702) has its own rules, not implemented here.
        return Verification::Unchecked(reason!(
            UnsupportedAlgorithm,
            "SHAKE256 with {}",
            sig_alg.oid
        ));
    }
    match family {
        Some(SignatureAlgorithm::Rsa) => verify_rsa_pkcs1(spki, digest, message, signature),
        Some(SignatureAlgorithm::RsaPss) => verify_rsa_pss(spki, sig_alg, message, signature),
        Some(SignatureAlgorithm::Ecdsa) => verify_ecdsa(spki, digest, message, signature),
        Some(SignatureAlgorithm::Ed25519) => verify_ed25519(spki, message, signature),
        Some(SignatureAlgorithm::Ed448) => verify_ed448(spki, message, signature),
        _ => Verification::Unchecked(reason!(UnsupportedAlgorithm, "{}", sig_alg.oid)),
    }
}

/// The RSA public key in `spki`, memoised by its encoding: setting a key up computes its
/// Montgomery parameters (a 2048-bit division), which costs a fifth of a verification, and a
/// mailbox's signers recur.
fn rsa_public_key(
    spki: &SubjectPublicKeyInfoOwned,
) -> Result<std::sync::Arc<rsa::PublicKey>, Verification> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    static KEYS: Memo<Vec<u8>, Result<std::sync::Arc<rsa::PublicKey>, SignatureReason>> =
        Memo::new();
    if spki.algorithm.oid != RSA_ENCRYPTION && spki.algorithm.oid != RSASSA_PSS {
        return Err(Verification::Unchecked(reason!(
            UnsupportedAlgorithm,
            "an RSA signature with a {} key",
            spki.algorithm.oid
        )));
    }
    let Some(raw) = spki.subject_public_key.as_bytes() else {
        return Err(Verification::Unchecked(reason!(
            Malformed,
            "the RSA public key bit string is not octet-aligned"
        )));
    };
    let parse = || {
        rsa::PublicKey::from_pkcs1_der(raw)
            .map(std::sync::Arc::new)
            .map_err(|e| reason!(UnsupportedAlgorithm, "unusable RSA public key ({e})"))
    };
    if raw.len() > crate::memo::MAX_MEMO_ITEM_BYTES {
        return parse().map_err(Verification::Unchecked);
    }
    KEYS.get_or(raw, parse).map_err(Verification::Unchecked)
}

/// DER DigestInfo (RFC 8017 §9.2), with or without the NULL parameters.
fn digest_info(digest: Digest, hashed: &[u8], with_null: bool) -> Vec<u8> {
    let oid = digest_oid(digest);
    let oid_bytes = oid.as_bytes();
    let mut alg = vec![0x06, oid_bytes.len() as u8];
    alg.extend_from_slice(oid_bytes);
    if with_null {
        alg.extend_from_slice(&[0x05, 0x00]);
    }
    let mut inner = vec![0x30, alg.len() as u8];
    inner.extend_from_slice(&alg);
    inner.extend_from_slice(&[0x04, hashed.len() as u8]);
    inner.extend_from_slice(hashed);
    // Every length here is below 128 (longest: SHA-512, 2 + 13 + 2 + 2 + 64 = 83 octets).
    let mut out = vec![0x30, inner.len() as u8];
    out.extend_from_slice(&inner);
    out
}

/// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2).
fn verify_rsa_pkcs1(
    spki: &SubjectPublicKeyInfoOwned,
    digest: Digest,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    let key = match rsa_public_key(spki) {
        Ok(key) => key,
        Err(outcome) => return outcome,
    };
    if rsa_pkcs1v15_verifies(&key, digest, message, signature) {
        Verification::Verified
    } else {
        Verification::Failed
    }
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2): whether `signature` is `key`'s signature
/// over `message` hashed with `digest`. The DigestInfo may carry NULL parameters or none
/// (§9.2 note 2: the NULL is the norm; some old encoders omit it). The encoding is built and
/// compared whole (§8.2.2 steps 3–4), never parsed.
pub fn rsa_pkcs1v15_verifies(
    key: &rsa::PublicKey,
    digest: Digest,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let Some(encoded) = rsavp1(key, signature) else {
        return false;
    };
    let hashed = hash(digest, message);
    [true, false].into_iter().any(|with_null| {
        emsa_pkcs1_v1_5(&digest_info(digest, &hashed, with_null), encoded.len())
            .is_some_and(|expected| expected == encoded)
    })
}

/// RSAVP1 (RFC 8017 §5.2.2) and I2OSP: `s^e mod n` as k octets, for a signature of exactly k
/// octets (§8.2.2 step 1) whose integer is below n (§5.2.2 step 1); `None` otherwise. The
/// same checks as the rsa crate's PKCS#1 v1.5 verification, which `rsavp1_matches_the_rsa_crate`
/// compares it with.
fn rsavp1(key: &rsa::PublicKey, signature: &[u8]) -> Option<Vec<u8>> {
    use crypto_bigint::modular::BoxedMontyForm;
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    if signature.len() != k {
        return None;
    }
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision()).ok()?;
    if s >= *key.n().as_ref() {
        return None;
    }
    let m = pow_public(&BoxedMontyForm::new(s, key.n_params()), key.e())?.retrieve();
    let bytes = m.to_be_bytes();
    // m < n < 2^(8k): the octets above the last k are zero.
    let (high, low) = bytes.split_at(bytes.len().checked_sub(k)?);
    high.iter().all(|b| *b == 0).then(|| low.to_vec())
}

/// `base^exponent` by left-to-right square-and-multiply, in variable time: every input of a
/// signature verification is public. For e = 65537 that is 16 squarings and one
/// multiplication; the rsa crate's constant-time fixed-window exponentiation does about 35
/// (it is built for private exponents). `None` for a zero exponent (no RSA key has one).
fn pow_public(
    base: &crypto_bigint::modular::BoxedMontyForm,
    exponent: &rsa::BoxedUint,
) -> Option<crypto_bigint::modular::BoxedMontyForm> {
    let bits = exponent.bit_width_vartime();
    let mut acc = base.clone();
    for bit in (0..bits.checked_sub(1)?).rev() {
        acc = acc.square();
        if exponent.bit_vartime(bit) {
            acc = acc.mul(base);
        }
    }
    Some(acc)
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2 steps 3–5): `00 01 FF…FF 00 T` in `em_len` octets, with at
/// least eight FF octets; `None` when `em_len` is too short for that.
fn emsa_pkcs1_v1_5(digest_info: &[u8], em_len: usize) -> Option<Vec<u8>> {
    let padding = em_len.checked_sub(digest_info.len())?.checked_sub(3)?;
    if padding < 8 {
        return None;
    }
    let mut em = Vec::with_capacity(em_len);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(2 + padding, 0xff);
    em.push(0x00);
    em.extend_from_slice(digest_info);
    Some(em)
}

/// The RSASSA-PSS parameters (RFC 4055 §3.1) that matter for verification.
struct PssParams {
    digest: Digest,
    mgf_digest: Digest,
    salt_length: usize,
}

fn parse_pss_params(sig_alg: &AlgorithmIdentifierOwned) -> Result<PssParams, SignatureReason> {
    let mut params = PssParams {
        digest: Digest::Sha1,
        mgf_digest: Digest::Sha1,
        salt_length: 20,
    };
    let Some(any) = sig_alg.parameters.as_ref() else {
        return Ok(params);
    };
    let bytes = any
        .to_der()
        .map_err(|e| reason!(Malformed, "RSASSA-PSS parameters ({e})"))?;
    let (top, fields) =
        ber::children_of(&bytes).ok_or_else(|| reason!(Malformed, "RSASSA-PSS parameters"))?;
    if top.tag != 0x30 {
        return Err(reason!(
            Malformed,
            "RSASSA-PSS parameters are not a SEQUENCE"
        ));
    }
    for field in fields {
        let inner = field.content(&bytes);
        match field.tag {
            0xA0 => {
                let alg = AlgorithmIdentifierOwned::from_der(inner)
                    .map_err(|e| reason!(Malformed, "PSS hashAlgorithm ({e})"))?;
                params.digest = digest_from_oid(&alg.oid)
                    .filter(|d| *d != Digest::Shake256)
                    .ok_or_else(|| reason!(UnsupportedAlgorithm, "{}", alg.oid))?;
            }
            0xA1 => {
                let mgf = AlgorithmIdentifierOwned::from_der(inner)
                    .map_err(|e| reason!(Malformed, "PSS maskGenAlgorithm ({e})"))?;
                if mgf.oid != MGF1 {
                    return Err(reason!(UnsupportedAlgorithm, "{}", mgf.oid));
                }
                let hash_alg = mgf
                    .parameters
                    .as_ref()
                    .ok_or_else(|| reason!(Malformed, "MGF1 without a hash"))?
                    .decode_as::<AlgorithmIdentifierOwned>()
                    .map_err(|e: der::Error| reason!(Malformed, "MGF1 hash ({e})"))?;
                params.mgf_digest = digest_from_oid(&hash_alg.oid)
                    .filter(|d| *d != Digest::Shake256)
                    .ok_or_else(|| reason!(UnsupportedAlgorithm, "{}", hash_alg.oid))?;
            }
            0xA2 => {
                let int = ber::parse(inner, 0)
                    .and_then(|tlv| ber::small_uint(inner, &tlv))
                    .ok_or_else(|| reason!(Malformed, "PSS saltLength"))?;
                params.salt_length = usize::try_from(int)
                    .ok()
                    .filter(|len| *len <= 1024)
                    .ok_or_else(|| reason!(Malformed, "PSS saltLength too large"))?;
            }
            0xA3 => {
                let trailer = ber::parse(inner, 0).and_then(|tlv| ber::small_uint(inner, &tlv));
                if trailer != Some(1) {
                    return Err(reason!(
                        UnsupportedAlgorithm,
                        "PSS trailerField other than 1"
                    ));
                }
            }
            _ => return Err(reason!(Malformed, "unknown RSASSA-PSS parameter")),
        }
    }
    Ok(params)
}

/// RSASSA-PSS (RFC 8017 §8.1.2), parameters per RFC 4055 §3.1 (RFC 4056 for CMS).
fn verify_rsa_pss(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    let params = match parse_pss_params(sig_alg) {
        Ok(params) => params,
        Err(reason) => return Verification::Unchecked(reason),
    };
    let key = match rsa_public_key(spki) {
        Ok(key) => key,
        Err(outcome) => return outcome,
    };
    // EMSA-PSS-VERIFY by hand over RSAVP1: the rsa crate's PSS ties MGF1's hash to the
    // message hash, and senders (OpenSSL's rsa_mgf1_md) choose them apart.
    let Some(encoded) = rsavp1(&key, signature) else {
        return Verification::Failed;
    };
    use rsa::traits::PublicKeyParts;
    let mod_bits = key.n().as_ref().bit_width_vartime() as usize;
    let hashed = hash(params.digest, message);
    if mod_bits > 1 && emsa_pss_verify(&hashed, &encoded, mod_bits - 1, &params) {
        Verification::Verified
    } else {
        Verification::Failed
    }
}

/// MGF1 (RFC 8017 B.2.1) with the given hash.
fn mgf1(digest: Digest, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut block = seed.to_vec();
        block.extend_from_slice(&counter.to_be_bytes());
        out.extend(hash(digest, &block));
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) of `m_hash` against the encoded message `em` (the
/// RSAVP1 output, `k` bytes), for a modulus of `em_bits + 1` bits.
fn emsa_pss_verify(m_hash: &[u8], em: &[u8], em_bits: usize, params: &PssParams) -> bool {
    let em_len = em_bits.div_ceil(8);
    // RSAVP1 yields k bytes; EM is its last emLen bytes, the ones before must be zero.
    let Some(skip) = em.len().checked_sub(em_len) else {
        return false;
    };
    if em[..skip].iter().any(|b| *b != 0) {
        return false;
    }
    let em = &em[skip..];
    let h_len = m_hash.len();
    let s_len = params.salt_length;
    if em_len < h_len + s_len + 2 || em.last() != Some(&0xbc) {
        return false;
    }
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = &rest[..h_len];
    let unused_bits = 8 * em_len - em_bits;
    if unused_bits > 0 && masked_db[0] >> (8 - unused_bits) != 0 {
        return false;
    }
    let mask = mgf1(params.mgf_digest, h, masked_db.len());
    let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    if unused_bits > 0 {
        db[0] &= 0xff >> unused_bits;
    }
    let ps_len = em_len - h_len - s_len - 2;
    if db[..ps_len].iter().any(|b| *b != 0) || db[ps_len] != 0x01 {
        return false;
    }
    let salt = &db[db.len() - s_len..];
    let mut m_prime = vec![0u8; 8];
    m_prime.extend_from_slice(m_hash);
    m_prime.extend_from_slice(salt);
    hash(params.digest, &m_prime) == h
}

/// PureEdDSA Ed25519 over the message itself (RFC 8419 §3: with signed attributes, their DER
/// encoding; no prehash).
fn verify_ed25519(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    use ed25519_dalek::Verifier as _;
    if spki.algorithm.oid != ED25519 {
        return Verification::Unchecked(reason!(
            UnsupportedAlgorithm,
            "an Ed25519 signature with a {} key",
            spki.algorithm.oid
        ));
    }
    let Some(Ok(point)) = spki.subject_public_key.as_bytes().map(<[u8; 32]>::try_from) else {
        return Verification::Unchecked(reason!(Malformed, "Ed25519 public key"));
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&point) else {
        return Verification::Unchecked(reason!(Malformed, "Ed25519 public key"));
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return Verification::Failed;
    };
    if key.verify(message, &sig).is_ok() {
        Verification::Verified
    } else {
        Verification::Failed
    }
}

/// PureEdDSA Ed448 with an empty context over the message itself (RFC 8419 §3, RFC 8032
/// §5.2); with signed attributes the messageDigest is SHAKE256 with 512 bits of output.
fn verify_ed448(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    if spki.algorithm.oid != ED448 {
        return Verification::Unchecked(reason!(
            UnsupportedAlgorithm,
            "an Ed448 signature with a {} key",
            spki.algorithm.oid
        ));
    }
    let Some(Ok(point)) = spki.subject_public_key.as_bytes().map(<[u8; 57]>::try_from) else {
        return Verification::Unchecked(reason!(Malformed, "Ed448 public key"));
    };
    let Ok(key) = cx448::VerifyingKey::from_bytes(&point) else {
        return Verification::Unchecked(reason!(Malformed, "Ed448 public key"));
    };
    let Ok(bytes) = <[u8; 114]>::try_from(signature) else {
        return Verification::Failed;
    };
    let Ok(sig) = cx448::Signature::from_bytes(&bytes) else {
        return Verification::Failed;
    };
    if key.verify_raw(&sig, message).is_ok() {
        Verification::Verified
    } else {
        Verification::Failed
    }
}

/// The named curve of an EC key, from its algorithm parameters (RFC 5480 §2.1.1).
pub(crate) fn ec_curve(spki: &SubjectPublicKeyInfoOwned) -> Option<Oid> {
    spki.algorithm.parameters.as_ref()?.decode_as::<Oid>().ok()
}

/// ECDSA over a prehash (FIPS 186-5 §6.4.2; DER Ecdsa-Sig-Value, RFC 5753 §7.2).
fn verify_ecdsa(
    spki: &SubjectPublicKeyInfoOwned,
    digest: Digest,
    message: &[u8],
    signature: &[u8],
) -> Verification {
    use signature::hazmat::PrehashVerifier;
    if spki.algorithm.oid != EC_PUBLIC_KEY {
        return Verification::Unchecked(reason!(
            UnsupportedAlgorithm,
            "an ECDSA signature with a {} key",
            spki.algorithm.oid
        ));
    }
    let Some(point) = spki.subject_public_key.as_bytes() else {
        return Verification::Unchecked(reason!(Malformed, "EC public key bit string"));
    };
    let hashed = hash(digest, message);
    let ok = match ec_curve(spki) {
        Some(SECP256R1) => {
            let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return Verification::Unchecked(reason!(Malformed, "P-256 public key"));
            };
            let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                return Verification::Failed;
            };
            key.verify_prehash(&hashed, &sig).is_ok()
        }
        Some(SECP384R1) => {
            let Ok(key) = p384::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return Verification::Unchecked(reason!(Malformed, "P-384 public key"));
            };
            let Ok(sig) = p384::ecdsa::Signature::from_der(signature) else {
                return Verification::Failed;
            };
            key.verify_prehash(&hashed, &sig).is_ok()
        }
        Some(SECP521R1) => {
            use p521::ecdsa::signature::hazmat::PrehashVerifier as _;
            let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return Verification::Unchecked(reason!(Malformed, "P-521 public key"));
            };
            let Ok(sig) = p521::ecdsa::Signature::from_der(signature) else {
                return Verification::Failed;
            };
            key.verify_prehash(&hashed, &sig).is_ok()
        }
        Some(other) => {
            return Verification::Unchecked(reason!(UnsupportedAlgorithm, "curve {other}"));
        }
        None => return Verification::Unchecked(reason!(Malformed, "EC key without a named curve")),
    };
    if ok {
        Verification::Verified
    } else {
        Verification::Failed
    }
}

/// The name of a content-encryption algorithm (EncryptionFacts::cipher), else its dotted OID.
pub(crate) fn cipher_name(oid: &Oid) -> String {
    match *oid {
        AES128_CBC => "aes-128-cbc".into(),
        AES192_CBC => "aes-192-cbc".into(),
        AES256_CBC => "aes-256-cbc".into(),
        AES128_GCM => "aes-128-gcm".into(),
        AES192_GCM => "aes-192-gcm".into(),
        AES256_GCM => "aes-256-gcm".into(),
        DES_EDE3_CBC => "3des-cbc".into(),
        DES_CBC => "des-cbc".into(),
        RC2_CBC => "rc2-cbc".into(),
        other => other.to_string(),
    }
}

/// The name of one SMIMECapability (RFC 8551 §2.5.2; RC2's parameter is the key size in
/// bits, RFC 8551 §2.7 / RFC 3370 §5.2).
pub(crate) fn capability_name(cap: &AlgorithmIdentifierOwned) -> String {
    match cap.oid {
        RC2_CBC => {
            let bits = cap.parameters.as_ref().and_then(|any| {
                let bytes = any.to_der().ok()?;
                let tlv = ber::parse(&bytes, 0)?;
                ber::small_uint(&bytes, &tlv)
            });
            match bits {
                Some(bits) => format!("rc2-cbc-{bits}"),
                None => "rc2-cbc".into(),
            }
        }
        SHA1 => "sha1".into(),
        SHA256 => "sha256".into(),
        SHA384 => "sha384".into(),
        SHA512 => "sha512".into(),
        RSAES_OAEP => "rsa-oaep".into(),
        AES128_CBC | AES192_CBC | AES256_CBC | AES128_GCM | AES192_GCM | AES256_GCM
        | DES_EDE3_CBC | DES_CBC => cipher_name(&cap.oid),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ed25519 (RFC 8419): a signature over the message verifies with the SPKI's key and
    /// fails on other bytes or another key; a key of the wrong length is malformed.
    #[test]
    fn ed25519_verifies_pure_eddsa() {
        use der::asn1::BitString;
        use ed25519_dalek::Signer as _;
        let spki_of = |key: &[u8]| SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: ED25519,
                parameters: None,
            },
            subject_public_key: BitString::from_bytes(key).expect("bit string"),
        };
        let signer = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        let message = b"signed attributes, DER";
        let signature = signer.sign(message).to_bytes();
        let alg = AlgorithmIdentifierOwned {
            oid: ED25519,
            parameters: None,
        };
        let spki = spki_of(signer.verifying_key().as_bytes());
        assert_eq!(
            verify(&spki, &alg, Digest::Sha512, message, &signature),
            Verification::Verified
        );
        assert_eq!(
            verify(&spki, &alg, Digest::Sha512, b"other bytes", &signature),
            Verification::Failed
        );
        let wrong = spki_of(other.verifying_key().as_bytes());
        assert_eq!(
            verify(&wrong, &alg, Digest::Sha512, message, &signature),
            Verification::Failed
        );
        assert!(matches!(
            verify(
                &spki_of(&[1, 2, 3]),
                &alg,
                Digest::Sha512,
                message,
                &signature
            ),
            Verification::Unchecked(_)
        ));
    }
    use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
    use crypto_bigint::{BoxedUint, Odd};
    use proptest::prelude::*;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;

    fn persona_key(name: &str) -> rsa::PrivateKey {
        let path = crate::corpus::default_corpora_dir()
            .join("keys/x509")
            .join(format!("{name}.key.pem"));
        let pem = std::fs::read_to_string(&path).expect("persona key");
        rsa::PrivateKey::from_pkcs8_pem(&pem).expect("an RSA key")
    }

    fn sign(key: &rsa::PrivateKey, digest: Digest, message: &[u8], with_null: bool) -> Vec<u8> {
        let info = digest_info(digest, &hash(digest, message), with_null);
        key.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info)
            .expect("signs")
    }

    /// What the rsa crate's own PKCS#1 v1.5 verification says, with or without NULL.
    fn rsa_crate_verifies(
        key: &rsa::PublicKey,
        digest: Digest,
        message: &[u8],
        sig: &[u8],
    ) -> bool {
        let hashed = hash(digest, message);
        [true, false].into_iter().any(|with_null| {
            key.verify(
                rsa::Pkcs1v15Sign::new_unprefixed(),
                &digest_info(digest, &hashed, with_null),
                sig,
            )
            .is_ok()
        })
    }

    /// The fast path agrees with the rsa crate on real signatures by 2048-, 3072- and
    /// 4096-bit persona keys, and on every way of breaking them.
    #[test]
    fn rsavp1_matches_the_rsa_crate() {
        for name in ["dana", "dana-rsa3072", "dana-rsa4096"] {
            let private = persona_key(name);
            let key = private.to_public_key();
            for digest in [Digest::Sha1, Digest::Sha256, Digest::Sha512] {
                for with_null in [true, false] {
                    let message = format!("{name} {digest:?} {with_null}").into_bytes();
                    let good = sign(&private, digest, &message, with_null);
                    let mut cases: Vec<(Vec<u8>, Vec<u8>, bool)> =
                        vec![(message.clone(), good.clone(), true)];
                    let mut flipped = good.clone();
                    flipped[good.len() / 2] ^= 0x01;
                    cases.push((message.clone(), flipped, false));
                    cases.push((b"another message".to_vec(), good.clone(), false));
                    // One octet short (a leading zero stripped) or long: wrong length (§8.2.2).
                    cases.push((message.clone(), good[1..].to_vec(), false));
                    let mut long = vec![0u8];
                    long.extend_from_slice(&good);
                    cases.push((message.clone(), long, false));
                    // s = n and s = n + 1 are out of range (§5.2.2 step 1).
                    let n = key.n().as_ref().to_be_bytes();
                    let n = n[n.len() - key.size()..].to_vec();
                    cases.push((message.clone(), n.clone(), false));
                    // Zero and one: 0^e and 1^e are no valid encodings.
                    cases.push((message.clone(), vec![0u8; key.size()], false));
                    let mut one = vec![0u8; key.size()];
                    *one.last_mut().expect("k > 0") = 1;
                    cases.push((message.clone(), one, false));
                    for (message, sig, expected) in cases {
                        let theirs = rsa_crate_verifies(&key, digest, &message, &sig);
                        let ours = rsa_pkcs1v15_verifies(&key, digest, &message, &sig);
                        assert_eq!(theirs, expected, "{name} {digest:?} the rsa crate");
                        assert_eq!(ours, expected, "{name} {digest:?} rsavp1");
                    }
                }
            }
        }
    }

    /// An odd modulus of `bits` bits from arbitrary octets (top and bottom bits set).
    fn odd_modulus(mut octets: Vec<u8>) -> Odd<BoxedUint> {
        let last = octets.len() - 1;
        octets[0] |= 0x80;
        octets[last] |= 0x01;
        let bits = u32::try_from(octets.len() * 8).expect("small");
        Odd::new(BoxedUint::from_be_slice(&octets, bits).expect("fits")).expect("odd")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Square-and-multiply equals crypto-bigint's own constant-time exponentiation for
        /// any base, modulus and exponent (including 1, 3, 65537 and 64-bit ones).
        #[test]
        fn pow_public_matches_crypto_bigint(
            octets in proptest::collection::vec(any::<(u8, u8)>(), 8..=64),
            exponent in prop_oneof![Just(1u64), Just(3), Just(65_537), 1u64..=u64::MAX],
        ) {
            let (modulus, mut base): (Vec<u8>, Vec<u8>) = octets.into_iter().unzip();
            let n = odd_modulus(modulus);
            let bits = n.as_ref().bits_precision();
            let params = BoxedMontyParams::new(n);
            // The modulus has its top bit set and the base not: base < n.
            base[0] &= 0x7f;
            let base = BoxedUint::from_be_slice(&base, bits).expect("fits");
            let form = BoxedMontyForm::new(base, &params);
            let exponent = BoxedUint::from(exponent);
            let ours = pow_public(&form, &exponent).expect("non-zero exponent").retrieve();
            let theirs = form.pow(&exponent).retrieve();
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_zero_exponent_is_refused() {
        let params = BoxedMontyParams::new(odd_modulus(vec![0xc5; 16]));
        let mut seven = [0u8; 16];
        seven[15] = 7;
        let form = BoxedMontyForm::new(
            BoxedUint::from_be_slice(&seven, 128).expect("fits"),
            &params,
        );
        assert!(pow_public(&form, &BoxedUint::from(0u64)).is_none());
    }

    #[test]
    fn emsa_pkcs1_v1_5_needs_eight_octets_of_padding() {
        let t = [0xaa; 20];
        assert_eq!(emsa_pkcs1_v1_5(&t, 30), None);
        let em = emsa_pkcs1_v1_5(&t, 31).expect("fits");
        assert_eq!(&em[..2], &[0x00, 0x01]);
        assert!(em[2..10].iter().all(|b| *b == 0xff));
        assert_eq!(em[10], 0x00);
        assert_eq!(&em[11..], &t);
    }
}
