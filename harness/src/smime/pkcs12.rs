//! PKCS#12 (`.p12`/`.pfx`, RFC 7292) key files, as Windows' certificate export, OpenSSL 3 and
//! Thunderbird (NSS) write them: the MAC checked first (HMAC with the RFC 7292 Appendix B
//! key derivation over SHA-1 or SHA-2), then the bags decrypted with PBES2 (PBKDF2 with
//! HMAC-SHA-1/SHA-2, AES-CBC or Triple-DES, RFC 8018) or the legacy PKCS#12 PBE schemes
//! (SHA-1 with Triple-DES or RC2, RFC 7292 Appendix C). The password is never part of an
//! error message.
//!
//! Hand-written over `der`-level TLVs (`ber.rs`) because no PKCS#12 crate builds with this
//! tree's `cms`/`der` without a second copy of them (`pkcs12` 0.2.0-pre.0 pins
//! `cms = 0.3.0-pre.1`; `p12-keystore` brings that and `x509-parser`). The ciphers, hashes,
//! HMAC and PBKDF2 are RustCrypto's.

use super::ber::{self, Tlv};
use crate::facts::Digest;

/// id-data and id-encryptedData (RFC 5652 §4 and §8), id-signedData (public-key integrity).
const ID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const ID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const ID_ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
/// Bag types (RFC 7292 §4.2): keyBag, pkcs8ShroudedKeyBag, certBag.
const KEY_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01,
];
const SHROUDED_KEY_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
];
const CERT_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
];
/// x509Certificate (RFC 7292 §4.2.3).
const X509_CERTIFICATE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
/// PBES2 and PBKDF2 (RFC 8018 A.4, A.2).
const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
/// PBMAC1 (RFC 9579), which OpenSSL 3.4 can write; not supported here.
const PBMAC1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0e];
/// The PKCS#12 PBE prefix 1.2.840.113549.1.12.1 (RFC 7292 Appendix C).
const PKCS12_PBE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
/// hmacWithSHA1 .. hmacWithSHA512 end in 7..11 under 1.2.840.113549.2.
const HMAC_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02];

/// Most PBKDF2 / PKCS#12 KDF iterations accepted (Windows writes 2,000, OpenSSL 2,048; NSS
/// up to 10,000). More would let a file make the tool spin.
const MAX_ITERATIONS: u64 = 1_000_000;
/// Largest file read as PKCS#12.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// What a PKCS#12 file held: the PKCS#8 private keys and the certificates (DER).
pub(crate) struct Contents {
    pub(crate) keys: Vec<Vec<u8>>,
    pub(crate) certs: Vec<Vec<u8>>,
}

/// Whether these bytes have the shape of a PFX (RFC 7292 §4): a DER SEQUENCE whose first
/// element is INTEGER 3 and whose second is a ContentInfo.
pub(crate) fn is_pfx(bytes: &[u8]) -> bool {
    let Some((top, fields)) = ber::children_of(bytes) else {
        return false;
    };
    top.tag == 0x30
        && fields.len() >= 2
        && fields[0].tag == 0x02
        && fields[0].content(bytes) == [3]
        && fields[1].tag == 0x30
}

/// Reads a PFX: checks its MAC and decrypts its bags with `password`.
pub(crate) fn read(bytes: &[u8], password: Option<&str>) -> Result<Contents, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!("over the {MAX_BYTES}-byte limit"));
    }
    let malformed = |what: &str| format!("not a readable PFX structure ({what})");
    let (_, fields) = ber::children_of(bytes).ok_or_else(|| malformed("outer SEQUENCE"))?;
    let auth_safe = fields.get(1).ok_or_else(|| malformed("authSafe"))?;
    let (content_type, content) =
        content_info(bytes, auth_safe).ok_or_else(|| malformed("authSafe ContentInfo"))?;
    if content_type == ID_SIGNED_DATA {
        return Err(
            "the authSafe is signed (public-key integrity mode), which is not supported; \
             export with a password"
                .into(),
        );
    }
    if content_type != ID_DATA {
        return Err(malformed("authSafe is not id-data"));
    }
    let auth_safe_octets =
        ber::octet_string_value(bytes, &content).ok_or_else(|| malformed("authSafe content"))?;
    let Some(password) = password else {
        return Err("the file is password-protected: give --password, or set \
                    REPLYMATRIX_PASSWORD"
            .into());
    };
    if let Some(mac_data) = fields.get(2) {
        check_mac(bytes, mac_data, &auth_safe_octets, password)?;
    }
    let mut contents = Contents {
        keys: Vec::new(),
        certs: Vec::new(),
    };
    let (_, safes) =
        ber::children_of(&auth_safe_octets).ok_or_else(|| malformed("AuthenticatedSafe"))?;
    for safe in safes {
        let (kind, content) =
            content_info(&auth_safe_octets, &safe).ok_or_else(|| malformed("ContentInfo"))?;
        let safe_contents = if kind == ID_DATA {
            ber::octet_string_value(&auth_safe_octets, &content)
                .ok_or_else(|| malformed("SafeContents"))?
        } else if kind == ID_ENCRYPTED_DATA {
            encrypted_data(&auth_safe_octets, &content, password)?
        } else {
            return Err(format!(
                "a SafeContents of content type {} (only data and encryptedData are read)",
                oid_string(&kind)
            ));
        };
        read_bags(&safe_contents, password, &mut contents)?;
    }
    Ok(contents)
}

/// The private key and its certificate from a PKCS#12 file, as one PEM text (a PKCS#8
/// `PRIVATE KEY` block and the matching `CERTIFICATE`): what `corpus add` keeps in
/// `corpora/keys/`, whose keys open without a password.
pub fn pkcs12_to_pem(bytes: &[u8], password: Option<&str>) -> Result<String, String> {
    use base64::Engine as _;
    let key = super::load_key_with_password(bytes, password)?;
    let contents = read(bytes, password).map_err(|e| format!("PKCS#12 (.p12/.pfx): {e}"))?;
    let cert = der::Encode::to_der(&key.cert).map_err(|e| format!("certificate: {e}"))?;
    let pkcs8 = contents
        .keys
        .first()
        .ok_or("PKCS#12 (.p12/.pfx): the file holds no private key")?;
    let block = |label: &str, der: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = format!("-----BEGIN {label}-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    };
    Ok(block("PRIVATE KEY", pkcs8) + &block("CERTIFICATE", &cert))
}

/// (contentType OID bytes, the [0] EXPLICIT content's inner TLV).
fn content_info(buf: &[u8], tlv: &Tlv) -> Option<(Vec<u8>, Tlv)> {
    let fields = ber::children(buf, tlv)?;
    let oid = fields
        .first()
        .filter(|f| f.tag == 0x06)?
        .content(buf)
        .to_vec();
    let explicit = fields.get(1).filter(|f| f.tag == 0xA0)?;
    let inner = *ber::children(buf, explicit)?.first()?;
    Some((oid, inner))
}

fn oid_string(bytes: &[u8]) -> String {
    der::asn1::ObjectIdentifier::from_bytes(bytes)
        .map(|oid| oid.to_string())
        .unwrap_or_else(|_| "(unreadable OID)".into())
}

/// MacData (RFC 7292 §4): HMAC over the authSafe's octets with a key from the Appendix B
/// KDF (ID 3).
fn check_mac(buf: &[u8], mac_data: &Tlv, data: &[u8], password: &str) -> Result<(), String> {
    let malformed = || "the MacData does not parse".to_owned();
    let fields = ber::children(buf, mac_data).ok_or_else(malformed)?;
    let digest_info = fields.first().ok_or_else(malformed)?;
    let di = ber::children(buf, digest_info).ok_or_else(malformed)?;
    let alg = di.first().ok_or_else(malformed)?;
    let alg_oid = ber::children(buf, alg)
        .and_then(|a| a.first().map(|o| o.content(buf).to_vec()))
        .ok_or_else(malformed)?;
    if alg_oid == PBMAC1 {
        return Err("the MAC is PBMAC1 (RFC 9579), which is not supported".into());
    }
    let digest = digest_of(&alg_oid)
        .ok_or_else(|| format!("MAC digest {} is not supported", oid_string(&alg_oid)))?;
    let expected = di
        .get(1)
        .and_then(|t| ber::octet_string_value(buf, t))
        .ok_or_else(malformed)?;
    let salt = fields
        .get(1)
        .and_then(|t| ber::octet_string_value(buf, t))
        .ok_or_else(malformed)?;
    let iterations = match fields.get(2) {
        Some(t) => ber::small_uint(buf, t).ok_or_else(malformed)?,
        None => 1,
    };
    let iterations = bounded(iterations)?;
    let key = pkcs12_kdf(
        digest,
        3,
        &bmp_password(password),
        &salt,
        iterations,
        digest_len(digest),
    );
    if hmac(digest, &key, data).as_deref() != Some(&expected[..]) {
        return Err("the MAC does not verify: wrong password or corrupt MAC".into());
    }
    Ok(())
}

fn bounded(iterations: u64) -> Result<u32, String> {
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(format!(
            "{iterations} key-derivation iterations (accepted: 1 to {MAX_ITERATIONS})"
        ));
    }
    u32::try_from(iterations).map_err(|_| "iteration count out of range".to_owned())
}

fn digest_of(oid: &[u8]) -> Option<Digest> {
    let oid = der::asn1::ObjectIdentifier::from_bytes(oid).ok()?;
    super::algorithms::digest_from_oid(&oid).filter(|d| {
        !matches!(
            d,
            Digest::Md5 | Digest::Shake256 | Digest::Sha3_256 | Digest::Sha3_512
        )
    })
}

fn digest_len(digest: Digest) -> usize {
    match digest {
        Digest::Md5 => 16,
        Digest::Sha1 => 20,
        Digest::Sha224 => 28,
        Digest::Sha256 => 32,
        Digest::Sha384 => 48,
        Digest::Sha512 | Digest::Shake256 | Digest::Sha3_512 => 64,
        Digest::Sha3_256 => 32,
    }
}

/// The hash's block length v (RFC 7292 B.2).
fn block_len(digest: Digest) -> usize {
    match digest {
        Digest::Sha384 | Digest::Sha512 => 128,
        _ => 64,
    }
}

fn hmac(digest: Digest, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use hmac::{Hmac, KeyInit, Mac};
    macro_rules! run {
        ($d:ty) => {{
            let mut mac = <Hmac<$d> as KeyInit>::new_from_slice(key).ok()?;
            mac.update(data);
            Some(mac.finalize().into_bytes().to_vec())
        }};
    }
    match digest {
        Digest::Sha1 => run!(sha1::Sha1),
        Digest::Sha224 => run!(sha2::Sha224),
        Digest::Sha256 => run!(sha2::Sha256),
        Digest::Sha384 => run!(sha2::Sha384),
        Digest::Sha512 => run!(sha2::Sha512),
        Digest::Md5 | Digest::Shake256 | Digest::Sha3_256 | Digest::Sha3_512 => None,
    }
}

/// The password as a BMPString with its two-zero terminator (RFC 7292 B.1).
fn bmp_password(password: &str) -> Vec<u8> {
    let mut out: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    out.extend_from_slice(&[0, 0]);
    out
}

/// The RFC 7292 Appendix B.2 key derivation: `id` 1 for keys, 2 for IVs, 3 for MAC keys.
fn pkcs12_kdf(
    digest: Digest,
    id: u8,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Vec<u8> {
    let u = digest_len(digest);
    let v = block_len(digest);
    let repeat = |bytes: &[u8]| -> Vec<u8> {
        if bytes.is_empty() {
            return Vec::new();
        }
        let n = v * bytes.len().div_ceil(v);
        bytes.iter().copied().cycle().take(n).collect()
    };
    let d = vec![id; v];
    let mut i: Vec<u8> = repeat(salt);
    i.extend(repeat(password));
    let mut out = Vec::with_capacity(len + u);
    while out.len() < len {
        let mut block = d.clone();
        block.extend_from_slice(&i);
        let mut a = super::algorithms::hash(digest, &block);
        for _ in 1..iterations {
            a = super::algorithms::hash(digest, &a);
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        // B = A repeated to v bytes; each v-byte block of I becomes (I_j + B + 1) mod 2^(8v).
        let b: Vec<u8> = a.iter().copied().cycle().take(v).collect();
        for chunk in i.chunks_mut(v) {
            let mut carry: u16 = 1;
            for (x, y) in chunk.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(len);
    out
}

/// EncryptedData (RFC 5652 §8) holding a SafeContents.
fn encrypted_data(buf: &[u8], tlv: &Tlv, password: &str) -> Result<Vec<u8>, String> {
    let malformed = || "an EncryptedData does not parse".to_owned();
    let fields = ber::children(buf, tlv).ok_or_else(malformed)?;
    let eci = fields.get(1).ok_or_else(malformed)?;
    let eci_fields = ber::children(buf, eci).ok_or_else(malformed)?;
    let alg = eci_fields.get(1).ok_or_else(malformed)?;
    let content = eci_fields.get(2).ok_or_else(malformed)?;
    // [0] IMPLICIT OCTET STRING: primitive (0x80) or constructed (0xA0) segments.
    let ciphertext = match content.tag {
        0x80 => content.content(buf).to_vec(),
        0xA0 => {
            let mut out = Vec::new();
            for segment in ber::children(buf, content).ok_or_else(malformed)? {
                out.extend(ber::octet_string_value(buf, &segment).ok_or_else(malformed)?);
            }
            out
        }
        _ => return Err(malformed()),
    };
    decrypt(buf, alg, &ciphertext, password).map_err(|e| format!("the certificates' bag: {e}"))
}

/// Decrypts with a password-based encryption AlgorithmIdentifier.
fn decrypt(buf: &[u8], alg: &Tlv, ciphertext: &[u8], password: &str) -> Result<Vec<u8>, String> {
    let malformed = || "encryption parameters that do not parse".to_owned();
    let fields = ber::children(buf, alg).ok_or_else(malformed)?;
    let oid = fields.first().ok_or_else(malformed)?.content(buf);
    let params = fields.get(1).ok_or_else(malformed)?;
    if oid == PBES2 {
        return pbes2(buf, params, ciphertext, password);
    }
    if let Some(scheme) = oid.strip_prefix(PKCS12_PBE) {
        let p = ber::children(buf, params).ok_or_else(malformed)?;
        let salt = p
            .first()
            .and_then(|t| ber::octet_string_value(buf, t))
            .ok_or_else(malformed)?;
        let iterations = bounded(
            p.get(1)
                .and_then(|t| ber::small_uint(buf, t))
                .ok_or_else(malformed)?,
        )?;
        let pw = bmp_password(password);
        let kdf = |id, len| pkcs12_kdf(Digest::Sha1, id, &pw, &salt, iterations, len);
        return match scheme {
            // pbeWithSHAAnd3-KeyTripleDES-CBC
            [3] => cbc_decrypt(Cipher::TripleDes, &kdf(1, 24), &kdf(2, 8), ciphertext),
            // pbeWithSHAAnd2-KeyTripleDES-CBC: K1 K2 K1
            [4] => {
                let mut key = kdf(1, 16);
                key.extend_from_within(..8);
                cbc_decrypt(Cipher::TripleDes, &key, &kdf(2, 8), ciphertext)
            }
            // pbeWithSHAAnd128BitRC2-CBC, pbeWithSHAAnd40BitRC2-CBC
            [5] => cbc_decrypt(Cipher::Rc2(128), &kdf(1, 16), &kdf(2, 8), ciphertext),
            [6] => cbc_decrypt(Cipher::Rc2(40), &kdf(1, 5), &kdf(2, 8), ciphertext),
            _ => Err(format!(
                "the PKCS#12 scheme {} (RC4) is not supported",
                oid_string(oid)
            )),
        };
    }
    Err(format!(
        "password-based encryption {} is not supported (PBES2 and the PKCS#12 SHA-1 \
         Triple-DES/RC2 schemes are)",
        oid_string(oid)
    ))
}

/// PBES2 (RFC 8018 §6.2) with PBKDF2; the password is used as its UTF-8 bytes, as OpenSSL,
/// NSS and Windows do for PBES2 inside PKCS#12.
fn pbes2(buf: &[u8], params: &Tlv, ciphertext: &[u8], password: &str) -> Result<Vec<u8>, String> {
    let malformed = || "PBES2 parameters that do not parse".to_owned();
    let fields = ber::children(buf, params).ok_or_else(malformed)?;
    let kdf = ber::children(buf, fields.first().ok_or_else(malformed)?).ok_or_else(malformed)?;
    if kdf.first().map(|t| t.content(buf)) != Some(PBKDF2) {
        return Err(
            "PBES2 with a key derivation other than PBKDF2 (scrypt?) is not supported".into(),
        );
    }
    let kdf_params = ber::children(buf, kdf.get(1).ok_or_else(malformed)?).ok_or_else(malformed)?;
    let salt = kdf_params
        .first()
        .and_then(|t| ber::octet_string_value(buf, t))
        .ok_or_else(malformed)?;
    let iterations = bounded(
        kdf_params
            .get(1)
            .and_then(|t| ber::small_uint(buf, t))
            .ok_or_else(malformed)?,
    )?;
    let mut prf = Digest::Sha1;
    for field in kdf_params.iter().skip(2) {
        if field.tag == 0x30 {
            let alg = ber::children(buf, field).ok_or_else(malformed)?;
            let oid = alg.first().ok_or_else(malformed)?.content(buf);
            prf = match oid.strip_prefix(HMAC_PREFIX) {
                Some([7]) => Digest::Sha1,
                Some([8]) => Digest::Sha224,
                Some([9]) => Digest::Sha256,
                Some([10]) => Digest::Sha384,
                Some([11]) => Digest::Sha512,
                _ => return Err(format!("PBKDF2 PRF {} is not supported", oid_string(oid))),
            };
        }
    }
    let enc = ber::children(buf, fields.get(1).ok_or_else(malformed)?).ok_or_else(malformed)?;
    let enc_oid =
        der::asn1::ObjectIdentifier::from_bytes(enc.first().ok_or_else(malformed)?.content(buf))
            .map_err(|_| malformed())?;
    let iv = enc
        .get(1)
        .and_then(|t| ber::octet_string_value(buf, t))
        .ok_or_else(malformed)?;
    use super::algorithms as a;
    let (cipher, key_len) = match enc_oid {
        a::AES128_CBC => (Cipher::Aes, 16),
        a::AES192_CBC => (Cipher::Aes, 24),
        a::AES256_CBC => (Cipher::Aes, 32),
        a::DES_EDE3_CBC => (Cipher::TripleDes, 24),
        other => return Err(format!("PBES2 cipher {other} is not supported")),
    };
    let mut key = vec![0u8; key_len];
    let pw = password.as_bytes();
    match prf {
        Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, &salt, iterations, &mut key),
        Digest::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(pw, &salt, iterations, &mut key),
        Digest::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, &salt, iterations, &mut key),
        Digest::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(pw, &salt, iterations, &mut key),
        Digest::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, &salt, iterations, &mut key),
        Digest::Md5 | Digest::Shake256 | Digest::Sha3_256 | Digest::Sha3_512 => {
            return Err("PBKDF2 with MD5 or SHAKE is not supported".into());
        }
    }
    cbc_decrypt(cipher, &key, &iv, ciphertext)
}

enum Cipher {
    Aes,
    TripleDes,
    /// RC2 with this effective key length in bits.
    Rc2(usize),
}

fn cbc_decrypt(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, String> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let wrong = || "did not decrypt: wrong password or corrupt data".to_owned();
    let lengths = || "a key or IV of the wrong length".to_owned();
    match (cipher, key.len()) {
        (Cipher::Aes, 16) => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| lengths())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map_err(|_| wrong()),
        (Cipher::Aes, 24) => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(|_| lengths())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map_err(|_| wrong()),
        (Cipher::Aes, 32) => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| lengths())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map_err(|_| wrong()),
        (Cipher::TripleDes, 24) => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
            .map_err(|_| lengths())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map_err(|_| wrong()),
        (Cipher::Rc2(bits), _) => {
            use cbc::cipher::InnerIvInit;
            let rc2 = rc2::Rc2::new_with_eff_key_len(key, bits);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, iv)
                .map_err(|_| lengths())?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
                .map_err(|_| wrong())
        }
        _ => Err(lengths()),
    }
}

/// The bags of one SafeContents: keys (plain or shrouded) and X.509 certificates. Other bags
/// (CRLs, secrets, nested SafeContents) are skipped.
fn read_bags(buf: &[u8], password: &str, out: &mut Contents) -> Result<(), String> {
    let malformed = || "a SafeContents does not parse".to_owned();
    let (_, bags) = ber::children_of(buf).ok_or_else(malformed)?;
    for bag in bags {
        let fields = ber::children(buf, &bag).ok_or_else(malformed)?;
        let kind = fields.first().ok_or_else(malformed)?.content(buf);
        let value = fields
            .get(1)
            .filter(|t| t.tag == 0xA0)
            .and_then(|t| ber::children(buf, t))
            .and_then(|v| v.first().copied())
            .ok_or_else(malformed)?;
        if kind == KEY_BAG {
            out.keys.push(value.bytes(buf).to_vec());
        } else if kind == SHROUDED_KEY_BAG {
            let epki = ber::children(buf, &value).ok_or_else(malformed)?;
            let alg = epki.first().ok_or_else(malformed)?;
            let data = epki
                .get(1)
                .and_then(|t| ber::octet_string_value(buf, t))
                .ok_or_else(malformed)?;
            let key = decrypt(buf, alg, &data, password)
                .map_err(|e| format!("the private key's bag: {e}"))?;
            out.keys.push(key);
        } else if kind == CERT_BAG {
            let cert_bag = ber::children(buf, &value).ok_or_else(malformed)?;
            if cert_bag.first().map(|t| t.content(buf)) != Some(X509_CERTIFICATE) {
                continue;
            }
            let cert = cert_bag
                .get(1)
                .filter(|t| t.tag == 0xA0)
                .and_then(|t| ber::children(buf, t))
                .and_then(|v| v.first().and_then(|o| ber::octet_string_value(buf, o)))
                .ok_or_else(malformed)?;
            out.certs.push(cert);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pfx_shape() {
        assert!(!is_pfx(b"-----BEGIN"));
        assert!(!is_pfx(&[0x30, 0x03, 0x02, 0x01, 0x03]));
        assert!(is_pfx(&[0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00]));
    }

    #[test]
    fn bmp_password_is_utf16be_with_terminator() {
        assert_eq!(bmp_password("ab"), [0, 0x61, 0, 0x62, 0, 0]);
        assert_eq!(bmp_password(""), [0, 0]);
    }

    /// The PKCS#12 KDF against the published vectors for password "smeg", salt 0A58CF64530D823F,
    /// one iteration (key and IV for Triple-DES). The integration tests decrypt whole
    /// openssl-made files too.
    #[test]
    fn pkcs12_kdf_vectors() {
        let salt = [0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f];
        let pw = bmp_password("smeg");
        assert_eq!(
            ber::hex(&pkcs12_kdf(Digest::Sha1, 1, &pw, &salt, 1, 24)),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
        assert_eq!(
            ber::hex(&pkcs12_kdf(Digest::Sha1, 2, &pw, &salt, 1, 8)),
            "79993dfe048d3b76"
        );
    }
}
