//! Algorithm choices as data, like sequoia's policy cutoff tables.
//!
//! Ciphers use the names of [`crate::facts::EncryptionFacts::cipher`] (`aes-256-cbc`...).
//! Capability strings from the inspector are normalised through [`normalise_cipher`], which
//! accepts those names, common OpenSSL-style spellings and the OIDs.

use crate::facts::Digest;

/// Content ciphers by strength, strongest first (RFC 8551 §2.7; RC2 and DES are legacy).
pub const CIPHER_STRENGTH: &[&str] = &[
    "aes-256-gcm",
    "aes-256-cbc",
    "aes-192-gcm",
    "aes-192-cbc",
    "aes-128-gcm",
    "aes-128-cbc",
    "3des-cbc",
    "rc2-cbc",
    "des-cbc",
];

/// Ciphers Classic Outlook can use for EnvelopedData (CBC only: no AuthEnvelopedData, T
/// MimeKit#1149; gradenegger's list).
pub const CLASSIC_CIPHERS: &[&str] = &[
    "aes-256-cbc",
    "aes-192-cbc",
    "aes-128-cbc",
    "3des-cbc",
    "rc2-cbc",
    "des-cbc",
];

/// `OWAEncryptionAlgorithms` codes (Set-SmimeConfig, D). There is no AES-GCM code.
pub const OWA_ENCRYPTION_CODES: &[(&str, &str)] = &[
    ("6601", "des-cbc"),
    ("6602", "rc2-cbc"),
    ("6603", "3des-cbc"),
    ("660e", "aes-128-cbc"),
    ("660f", "aes-192-cbc"),
    ("6610", "aes-256-cbc"),
];

/// `OWASigningAlgorithms` codes (Set-SmimeConfig, D).
pub const OWA_SIGNING_CODES: &[(&str, Digest)] = &[
    ("8003", Digest::Md5),
    ("8004", Digest::Sha1),
    ("800c", Digest::Sha256),
    ("800d", Digest::Sha384),
    ("800e", Digest::Sha512),
];

/// The first Classic build whose fallback cipher is AES-256 (KB 4459215, D).
pub const CLASSIC_AES256_DEFAULT_SINCE: [u32; 3] = [16, 0, 8518];

/// Classic's default signing digest (third parties, open question 5).
pub const CLASSIC_DEFAULT_DIGEST: Digest = Digest::Sha1;

/// A cipher name in the inspector's spelling, from a capability string (name or OID).
pub fn normalise_cipher(capability: &str) -> Option<&'static str> {
    let c = capability.trim().to_ascii_lowercase();
    let c = c.split([' ', '(', ';']).next().unwrap_or("");
    let name = match c {
        "aes-256-cbc" | "aes256-cbc" | "aes256cbc" | "2.16.840.1.101.3.4.1.42" => "aes-256-cbc",
        "aes-192-cbc" | "aes192-cbc" | "aes192cbc" | "2.16.840.1.101.3.4.1.22" => "aes-192-cbc",
        "aes-128-cbc" | "aes128-cbc" | "aes128cbc" | "2.16.840.1.101.3.4.1.2" => "aes-128-cbc",
        "aes-256-gcm" | "aes256-gcm" | "2.16.840.1.101.3.4.1.46" => "aes-256-gcm",
        "aes-192-gcm" | "aes192-gcm" | "2.16.840.1.101.3.4.1.26" => "aes-192-gcm",
        "aes-128-gcm" | "aes128-gcm" | "2.16.840.1.101.3.4.1.6" => "aes-128-gcm",
        "3des-cbc" | "des-ede3-cbc" | "tripledes-cbc" | "1.2.840.113549.3.7" => "3des-cbc",
        "rc2-cbc" | "rc2-40-cbc" | "rc2-64-cbc" | "rc2-128-cbc" | "1.2.840.113549.3.2" => "rc2-cbc",
        "des-cbc" | "1.3.14.3.2.7" => "des-cbc",
        _ => return None,
    };
    Some(name)
}

fn strength_rank(cipher: &str) -> usize {
    CIPHER_STRENGTH
        .iter()
        .position(|c| *c == cipher)
        .unwrap_or(CIPHER_STRENGTH.len())
}

/// The strongest cipher that is both in the recipient's capabilities and in `supported`
/// (gradenegger, T: "the strongest algorithm from the list is selected").
pub fn strongest_common(capabilities: &[String], supported: &[&str]) -> Option<&'static str> {
    capabilities
        .iter()
        .filter_map(|c| normalise_cipher(c))
        .filter(|c| supported.contains(c))
        .min_by_key(|c| strength_rank(c))
}

/// Parses `16.0.8518.1000`-style builds; `None` when unparsable.
pub fn parse_build(build: &str) -> Option<Vec<u32>> {
    build
        .split('.')
        .map(|p| p.trim().parse::<u32>().ok())
        .collect()
}

/// Classic's fallback cipher for this build (KB 4459215, D). Unparsable builds are taken as
/// current (AES-256).
pub fn classic_default_cipher(build: &str) -> &'static str {
    match parse_build(build) {
        Some(b) if b.as_slice() < CLASSIC_AES256_DEFAULT_SINCE.as_slice() => "3des-cbc",
        _ => "aes-256-cbc",
    }
}

/// The codes of a Set-SmimeConfig list value (`"6610"`, `"6610,660E"`, `"6610 660E"`).
fn codes(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split([',', ' ', ';'])
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
}

/// The cipher OWA uses: the first recognised code of OWAEncryptionAlgorithms (a code may
/// carry a `:keylength` suffix). `None` when the value names no known algorithm.
pub fn owa_cipher(list: &str) -> Option<&'static str> {
    codes(list).find_map(|c| {
        let code = c.split(':').next().unwrap_or("").to_owned();
        OWA_ENCRYPTION_CODES
            .iter()
            .find(|(k, _)| *k == code)
            .map(|(_, v)| *v)
    })
}

/// The ciphers OWA accepts, from its list.
pub fn owa_ciphers(list: &str) -> Vec<&'static str> {
    codes(list)
        .filter_map(|c| {
            let code = c.split(':').next().unwrap_or("").to_owned();
            OWA_ENCRYPTION_CODES
                .iter()
                .find(|(k, _)| *k == code)
                .map(|(_, v)| *v)
        })
        .collect()
}

/// The digest OWA signs with: the first recognised code; SHA-1 when none is recognised
/// ("If this parameter is not specified or is not formatted correctly, Outlook on the web
/// defaults to 8004 (SHA1)", Set-SmimeConfig, D).
pub fn owa_digest(list: &str) -> Digest {
    codes(list)
        .find_map(|c| {
            OWA_SIGNING_CODES
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, d)| *d)
        })
        .unwrap_or(Digest::Sha1)
}

/// Whether a cipher is an AEAD (AuthEnvelopedData) cipher.
pub fn is_gcm(cipher: &str) -> bool {
    cipher.ends_with("-gcm")
}

/// Whether a certificate key type (`CertificateFacts::key_type`) is elliptic-curve.
pub fn is_ec(key_type: &str) -> bool {
    let k = key_type.to_ascii_lowercase();
    k == "ec" || k.starts_with("ecdsa") || k.starts_with("ecdh") || k.starts_with("ec-")
}
