//! OpenPGP: PGP/MIME (RFC 3156), inline armor, attached keys and Autocrypt, with
//! sequoia-openpgp 2.4 (RFC 4880 / RFC 9580).
//!
//! Everything here turns bytes into facts; nothing returns `Err` for a bad message. A bad
//! signature, a missing key or an unsupported algorithm is an outcome, reported in
//! [`SignatureFacts`] and [`Problem`]s.
//!
//! # Time and policy (no clock)
//!
//! Inspection has no clock and no reference time, so sequoia's `StandardPolicy::new()` (which
//! means "now") is never used. Instead:
//!
//! - a signature is judged with `StandardPolicy::at(<its own creation time>)`, and the signing
//!   key's binding, expiry and revocation are evaluated at that same time (sequoia's streaming
//!   verifier does `ka.with_policy(policy, sig_time)`; we also pass `sig_time` as the
//!   verifier's reference time). Because the policy can only be chosen per verifier run, the
//!   message is run once to learn the signatures' creation times and once more per distinct
//!   time (`verify` module).
//! - a SHA-1 (or MD5) data signature is rejected by that policy (collision-resistance cutoff
//!   2013-02, crates.md "StandardPolicy and SHA-1", confidence: tested). We report it as
//!   `unverifiable` with `policy-rejected: <what sequoia said>`, not `invalid`: the bytes may
//!   be perfectly fine, we refuse to judge them. A model can still tell "weak hash" apart from
//!   "tampered".
//! - decryption uses a fixed, documented policy ([`DECRYPTION_POLICY_UNIX_TIME`]): every
//!   cipher GnuPG still decrypts (3DES, CAST5, IDEA included) is accepted, so the cipher
//!   becomes a fact for the client models instead of an early refusal; the unauthenticated
//!   SED packet is refused.
//! - key capabilities in [`PgpKeyFacts`] are evaluated at the certificate's own latest
//!   self-signature time (see [`key_facts`]).
//!
//! # Signature reasons
//!
//! `SignatureFacts::reason` is `code: sentence`, with these codes:
//!
//! | code | status | when |
//! |---|---|---|
//! | `verified` | valid | the math checks out with a key valid (bound, alive, not revoked, signing-capable) at the signature time |
//! | `bad-signature` | invalid | digest or signature math failed (tampered bytes, wrong data) |
//! | `no-key` | unverifiable | no given or attached certificate has the issuer; the sentence starts with the issuer fingerprint (or key id) |
//! | `policy-rejected` | unverifiable | the standard policy at the signature time refuses it (SHA-1/MD5 data signature, weak key, v3 packet after 2021...) |
//! | `key-invalid` | unverifiable | the key is known but was expired, revoked, unbound or not signing-capable at the signature time |
//! | `malformed` | unverifiable | the signature does not parse, has no creation time, or no signature packet was found (problem `pgp-malformed`) |
//!
//! Problem codes: `pgp-internal-error` (a contained panic in sequoia), `pgp-malformed`, `pgp-not-encrypted`, `pgp-no-matching-key`,
//! `pgp-decryption-failed`, `pgp-decompressed-too-large`, `pgp-key-malformed`,
//! `pgp-key-invalid`, `pgp-secret-key-attached`, `autocrypt-malformed`,
//! `autocrypt-bad-base64`, `autocrypt-unknown-attribute`, `autocrypt-addr-mismatch`.

mod decrypt;
mod keys;
mod policy;
mod verify;

use sequoia_openpgp::Cert;

use crate::facts::reason;
use crate::facts::{EncryptionFacts, PgpKeyFacts, Problem, ProblemCode, SignatureFacts};

pub use keys::key_facts;
pub use policy::DECRYPTION_POLICY_UNIX_TIME;

/// The most decrypted (decompressed) literal data `inspect_encrypted` reads: 64 MiB. Past
/// this the message is treated as a compression bomb (problem `pgp-decompressed-too-large`).
pub const MAX_PLAINTEXT: usize = 64 * 1024 * 1024;

/// The most signature packets judged one by one in a signature group; `signer_count` still
/// counts all of them.
pub const MAX_SIGNATURES: usize = 32;

/// The most certificates read from one input (keyring, attachment, `--cert` file).
pub const MAX_CERTS: usize = 256;

/// The most PKESK/SKESK packets listed as recipients of one encrypted message.
pub const MAX_RECIPIENTS: usize = 256;

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
    /// The facts of each certificate found.
    pub facts: Vec<PgpKeyFacts>,
    /// The certificates, for verifying signatures later in the message.
    pub certs: Vec<Cert>,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// What a signature check says.
pub struct VerifiedSignature {
    /// `covers_whole_body` is left `false`: only the MIME walker knows.
    pub signature: SignatureFacts,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// What a cleartext-signed text says.
pub struct ClearsignedFacts {
    /// What the signature proves.
    pub signature: SignatureFacts,
    /// The signed text, dash-unescaped.
    pub text: Option<Vec<u8>>,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// What an OpenPGP encrypted message says.
pub struct EncryptedFacts {
    /// What the encrypted layer says about itself.
    pub encryption: EncryptionFacts,
    /// The decrypted literal data, when a key matched.
    pub plaintext: Option<Vec<u8>>,
    /// A signature made inside the encrypted message (one-pass or prefixed), when decrypted.
    pub inner_signature: Option<SignatureFacts>,
    /// What went wrong while reading it.
    pub problems: Vec<Problem>,
}

/// Parses certificates (armored or binary, public or secret, one or a keyring).
///
/// Returns the certificates that parse (secret key material kept: `--key` needs it) and an
/// error sentence only when none does.
pub fn load_certs(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    contained(|| keys::load_certs_unguarded(bytes)).unwrap_or_else(|| Err(INTERNAL.to_owned()))
}

/// Keys carried in an attachment (armored or binary). `source` is the filename.
///
/// The returned certificates have their secret key material stripped (a mistakenly attached
/// secret key is reported as problem `pgp-secret-key-attached`).
pub fn keys_in(bytes: &[u8], source: &str) -> FoundKeys {
    contained(|| keys::keys_in_unguarded(bytes, source)).unwrap_or_else(|| FoundKeys {
        facts: Vec::new(),
        certs: Vec::new(),
        problems: vec![internal_problem()],
    })
}

/// Keys in an `Autocrypt:` header value (Autocrypt Level 1 §2.1); see
/// `keys::autocrypt_keys_unguarded` for the attribute rules and problems.
pub fn autocrypt_keys(header_value: &str) -> FoundKeys {
    contained(|| keys::autocrypt_keys_unguarded(header_value)).unwrap_or_else(|| FoundKeys {
        facts: Vec::new(),
        certs: Vec::new(),
        problems: vec![internal_problem()],
    })
}

/// Verifies a detached signature (armored or binary) over exactly `signed`, the RFC 3156
/// §5 canonical bytes (MIME headers and body, CRLF). Binary (0x00) and text (0x01)
/// signatures both work.
pub fn verify_detached(signature: &[u8], signed: &[u8], ctx: &PgpContext) -> VerifiedSignature {
    contained(|| verify::verify_detached_unguarded(signature, signed, ctx)).unwrap_or_else(|| {
        VerifiedSignature {
            signature: SignatureFacts::unverifiable(reason!(Malformed, "{INTERNAL}")),
            problems: vec![internal_problem()],
        }
    })
}

/// Verifies a `-----BEGIN PGP SIGNED MESSAGE-----` block (RFC 4880 §7, RFC 9580 §7) and
/// returns the dash-unescaped text; unsigned text around the block is ignored. Also accepts
/// an inline signed (not encrypted) `-----BEGIN PGP MESSAGE-----`.
pub fn verify_cleartext(armored: &[u8], ctx: &PgpContext) -> ClearsignedFacts {
    contained(|| verify::verify_cleartext_unguarded(armored, ctx)).unwrap_or_else(|| {
        ClearsignedFacts {
            signature: SignatureFacts::unverifiable(reason!(Malformed, "{INTERNAL}")),
            text: None,
            problems: vec![internal_problem()],
        }
    })
}

/// Describes an encrypted message (armored or binary) and decrypts it with a matching key,
/// reading at most [`MAX_PLAINTEXT`] bytes of literal data.
pub fn inspect_encrypted(data: &[u8], ctx: &PgpContext) -> EncryptedFacts {
    inspect_encrypted_with_limit(data, ctx, MAX_PLAINTEXT)
}

/// [`inspect_encrypted`] with a chosen plaintext limit (bytes): past it the message counts
/// as a compression bomb (problem `pgp-decompressed-too-large`, no plaintext). Public so
/// tests can prove the defence with a small message.
pub fn inspect_encrypted_with_limit(data: &[u8], ctx: &PgpContext, limit: usize) -> EncryptedFacts {
    contained(|| decrypt::inspect_encrypted_unguarded(data, ctx, limit)).unwrap_or_else(|| {
        EncryptedFacts {
            encryption: EncryptionFacts::unknown(),
            plaintext: None,
            inner_signature: None,
            problems: vec![internal_problem()],
        }
    })
}

/// What a contained panic is reported as.
const INTERNAL: &str =
    "the OpenPGP library failed on this input (a panic inside sequoia, contained)";

/// Problem `pgp-internal-error`.
fn internal_problem() -> Problem {
    Problem::new(ProblemCode::PgpInternalError, INTERNAL)
}

/// Runs sequoia-facing code and turns a panic inside it into `None`.
///
/// Bad input must never panic out of inspection, but sequoia-openpgp 2.4.2 has `unwrap`s
/// reachable from hostile bytes: our proptest found one (a truncated SEIPD v1 body,
/// sequoia parse.rs:6367), which `decrypt` now avoids by skipping the ciphertext once
/// before decrypting. This is the last line of defence for the ones not yet found. Only
/// immutable inputs cross the boundary and nothing is reused after a panic, so asserting
/// unwind safety is sound. (The default panic hook still prints the message to stderr.)
fn contained<T>(run: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contained_turns_a_panic_into_none() {
        assert_eq!(contained(|| 7), Some(7));
        let panicked: Option<u8> = contained(|| panic!("contained test panic"));
        assert_eq!(panicked, None);
    }
}
