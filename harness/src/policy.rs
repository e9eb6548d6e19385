//! Algorithm choices as data, like sequoia's policy cutoff tables.
//!
//! Ciphers use the names of [`crate::facts::EncryptionFacts::cipher`] (`aes-256-cbc`...).
//! Capability strings from the inspector are normalised through [`normalise_cipher`], which
//! accepts those names, common OpenSSL-style spellings and the OIDs.

use crate::facts::Digest;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// An S/MIME content cipher, strongest first (RFC 8551 §2.7; RC2 and DES are legacy).
    /// The names are the inspector's spelling of [`crate::facts::EncryptionFacts::cipher`]
    /// for S/MIME layers.
    pub enum Cipher {
        /// AES-256 in GCM (AuthEnvelopedData, RFC 5083 / RFC 5084).
        Aes256Gcm = "aes-256-gcm",
        /// AES-256 in CBC (EnvelopedData, RFC 3565).
        Aes256Cbc = "aes-256-cbc",
        /// AES-192 in GCM.
        Aes192Gcm = "aes-192-gcm",
        /// AES-192 in CBC.
        Aes192Cbc = "aes-192-cbc",
        /// AES-128 in GCM.
        Aes128Gcm = "aes-128-gcm",
        /// AES-128 in CBC.
        Aes128Cbc = "aes-128-cbc",
        /// Triple DES in CBC (RFC 8551 §2.7: legacy, decrypt only).
        TripleDesCbc = "3des-cbc",
        /// RC2 in CBC (legacy).
        Rc2Cbc = "rc2-cbc",
        /// Single DES in CBC (legacy).
        DesCbc = "des-cbc",
    }
}

impl Cipher {
    /// Whether this is an AEAD (AuthEnvelopedData) cipher.
    pub fn is_gcm(self) -> bool {
        matches!(self, Self::Aes256Gcm | Self::Aes192Gcm | Self::Aes128Gcm)
    }
}

/// Content ciphers by strength, strongest first.
pub const CIPHER_STRENGTH: [Cipher; 9] = Cipher::ALL;

/// Ciphers Classic Outlook can use for EnvelopedData (CBC only: no AuthEnvelopedData, T
/// MimeKit#1149; gradenegger's list).
pub const CLASSIC_CIPHERS: &[Cipher] = &[
    Cipher::Aes256Cbc,
    Cipher::Aes192Cbc,
    Cipher::Aes128Cbc,
    Cipher::TripleDesCbc,
    Cipher::Rc2Cbc,
    Cipher::DesCbc,
];

/// `OWAEncryptionAlgorithms` codes (Set-SmimeConfig, D). There is no AES-GCM code.
pub const OWA_ENCRYPTION_CODES: &[(&str, Cipher)] = &[
    ("6601", Cipher::DesCbc),
    ("6602", Cipher::Rc2Cbc),
    ("6603", Cipher::TripleDesCbc),
    ("660e", Cipher::Aes128Cbc),
    ("660f", Cipher::Aes192Cbc),
    ("6610", Cipher::Aes256Cbc),
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

/// The cipher a capability string names (the inspector's name, a common OpenSSL-style
/// spelling or the OID), if it is a content cipher.
pub fn normalise_cipher(capability: &str) -> Option<Cipher> {
    let c = capability.trim().to_ascii_lowercase();
    let c = c.split([' ', '(', ';']).next().unwrap_or("");
    let cipher = match c {
        "aes-256-cbc" | "aes256-cbc" | "aes256cbc" | "2.16.840.1.101.3.4.1.42" => Cipher::Aes256Cbc,
        "aes-192-cbc" | "aes192-cbc" | "aes192cbc" | "2.16.840.1.101.3.4.1.22" => Cipher::Aes192Cbc,
        "aes-128-cbc" | "aes128-cbc" | "aes128cbc" | "2.16.840.1.101.3.4.1.2" => Cipher::Aes128Cbc,
        "aes-256-gcm" | "aes256-gcm" | "2.16.840.1.101.3.4.1.46" => Cipher::Aes256Gcm,
        "aes-192-gcm" | "aes192-gcm" | "2.16.840.1.101.3.4.1.26" => Cipher::Aes192Gcm,
        "aes-128-gcm" | "aes128-gcm" | "2.16.840.1.101.3.4.1.6" => Cipher::Aes128Gcm,
        "3des-cbc" | "des-ede3-cbc" | "tripledes-cbc" | "1.2.840.113549.3.7" => {
            Cipher::TripleDesCbc
        }
        "rc2-cbc" | "rc2-40-cbc" | "rc2-64-cbc" | "rc2-128-cbc" | "1.2.840.113549.3.2" => {
            Cipher::Rc2Cbc
        }
        "des-cbc" | "1.3.14.3.2.7" => Cipher::DesCbc,
        _ => return None,
    };
    Some(cipher)
}

/// The strongest cipher that is both in the recipient's capabilities and in `supported`
/// (gradenegger, T: "the strongest algorithm from the list is selected").
pub fn strongest_common(capabilities: &[String], supported: &[Cipher]) -> Option<Cipher> {
    capabilities
        .iter()
        .filter_map(|c| normalise_cipher(c))
        .filter(|c| supported.contains(c))
        // Declaration order is strength order, strongest first.
        .min()
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
pub fn classic_default_cipher(build: &str) -> Cipher {
    match parse_build(build) {
        Some(b) if b.as_slice() < CLASSIC_AES256_DEFAULT_SINCE.as_slice() => Cipher::TripleDesCbc,
        _ => Cipher::Aes256Cbc,
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
pub fn owa_cipher(list: &str) -> Option<Cipher> {
    codes(list).find_map(|c| {
        let code = c.split(':').next().unwrap_or("").to_owned();
        OWA_ENCRYPTION_CODES
            .iter()
            .find(|(k, _)| *k == code)
            .map(|(_, v)| *v)
    })
}

/// The ciphers OWA accepts, from its list.
pub fn owa_ciphers(list: &str) -> Vec<Cipher> {
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

/// Whether a certificate key type (`CertificateFacts::key_type`) is elliptic-curve.
pub fn is_ec(key_type: &str) -> bool {
    let k = key_type.to_ascii_lowercase();
    k == "ec" || k.starts_with("ecdsa") || k.starts_with("ecdh") || k.starts_with("ec-")
}
