//! OpenPGP: PGP/MIME (RFC 3156), inline armor, attached keys and Autocrypt, with
//! sequoia-openpgp (RFC 4880 / RFC 9580).
//!
//! INTERFACE STUB: the bodies are being written; the signatures are the contract `mime` uses.

use sequoia_openpgp::Cert;

use crate::facts::{EncryptionFacts, PgpKeyFacts, Problem, SignatureFacts};

/// What `inspect` was given and knows while looking at OpenPGP data.
pub struct PgpContext<'a> {
    /// `From` addr-spec, lower-case.
    pub from: Option<&'a str>,
    /// Certificates for verification: `--cert` plus keys found in the message itself.
    pub certs: &'a [Cert],
    /// Secret keys for decryption (`--key`).
    pub secret_keys: &'a [Cert],
}

/// Keys found in some bytes (an attachment, an Autocrypt keydata).
pub struct FoundKeys {
    pub facts: Vec<PgpKeyFacts>,
    pub certs: Vec<Cert>,
    pub problems: Vec<Problem>,
}

/// What a signature check says.
pub struct VerifiedSignature {
    /// `covers_whole_body` is left `false`: only the MIME walker knows.
    pub signature: SignatureFacts,
    pub problems: Vec<Problem>,
}

/// What a cleartext-signed text says.
pub struct ClearsignedFacts {
    pub signature: SignatureFacts,
    /// The signed text, dash-unescaped.
    pub text: Option<Vec<u8>>,
    pub problems: Vec<Problem>,
}

/// What an OpenPGP encrypted message says.
pub struct EncryptedFacts {
    pub encryption: EncryptionFacts,
    /// The decrypted literal data, when a key matched.
    pub plaintext: Option<Vec<u8>>,
    /// A signature made inside the encrypted message (one-pass or prefixed), when decrypted.
    pub inner_signature: Option<SignatureFacts>,
    pub problems: Vec<Problem>,
}

/// Parses certificates (armored or binary, public or secret, one or a keyring).
pub fn load_certs(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    let _ = bytes;
    Err("not implemented".into())
}

/// Keys carried in an attachment (armored or binary). `source` is the filename.
pub fn keys_in(bytes: &[u8], source: &str) -> FoundKeys {
    let _ = (bytes, source);
    FoundKeys {
        facts: Vec::new(),
        certs: Vec::new(),
        problems: Vec::new(),
    }
}

/// Keys in an `Autocrypt:` header value (RFC-less Autocrypt Level 1 §2.1).
pub fn autocrypt_keys(header_value: &str) -> FoundKeys {
    let _ = header_value;
    FoundKeys {
        facts: Vec::new(),
        certs: Vec::new(),
        problems: Vec::new(),
    }
}

/// Verifies a detached signature (armored or binary) over exactly `signed`.
pub fn verify_detached(signature: &[u8], signed: &[u8], ctx: &PgpContext) -> VerifiedSignature {
    let _ = (signature, signed, ctx);
    VerifiedSignature {
        signature: SignatureFacts::unverifiable("not-implemented"),
        problems: Vec::new(),
    }
}

/// Verifies a `-----BEGIN PGP SIGNED MESSAGE-----` block (RFC 4880 §7).
pub fn verify_cleartext(armored: &[u8], ctx: &PgpContext) -> ClearsignedFacts {
    let _ = (armored, ctx);
    ClearsignedFacts {
        signature: SignatureFacts::unverifiable("not-implemented"),
        text: None,
        problems: Vec::new(),
    }
}

/// Describes an encrypted message (armored or binary) and decrypts it with a matching key.
pub fn inspect_encrypted(data: &[u8], ctx: &PgpContext) -> EncryptedFacts {
    let _ = (data, ctx);
    EncryptedFacts {
        encryption: EncryptionFacts {
            cipher: None,
            recipients: Vec::new(),
            decrypted: false,
        },
        plaintext: None,
        inner_signature: None,
        problems: Vec::new(),
    }
}
