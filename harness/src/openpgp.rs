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
//! Problem codes: `pgp-malformed`, `pgp-not-encrypted`, `pgp-no-matching-key`,
//! `pgp-decryption-failed`, `pgp-decompressed-too-large`, `pgp-key-malformed`,
//! `pgp-key-invalid`, `pgp-secret-key-attached`, `autocrypt-malformed`,
//! `autocrypt-bad-base64`, `autocrypt-unknown-attribute`, `autocrypt-addr-mismatch`.

mod decrypt;
mod keys;
mod policy;
mod verify;

use std::time::{SystemTime, UNIX_EPOCH};

use sequoia_openpgp::Cert;

use crate::facts::{EncryptionFacts, PgpKeyFacts, Problem, SignatureFacts};

pub use decrypt::{inspect_encrypted, inspect_encrypted_with_limit};
pub use keys::{autocrypt_keys, key_facts, keys_in, load_certs};
pub use policy::DECRYPTION_POLICY_UNIX_TIME;
pub use verify::{verify_cleartext, verify_detached};

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

/// Formats a time as RFC 3339 UTC, exactly `YYYY-MM-DDTHH:MM:SSZ` (so facts compare as
/// strings). Times before 1970 cannot occur in OpenPGP (u32 seconds since the epoch) and are
/// clamped to the epoch.
fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard
/// Hinnant's `civil_from_days` (<http://howardhinnant.github.io/date_algorithms.html>).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2025-01-01T00:00:00Z
        let t = UNIX_EPOCH + Duration::from_secs(1_735_689_600);
        assert_eq!(rfc3339(t), "2025-01-01T00:00:00Z");
        // 2024-02-29T23:59:59Z (leap day)
        let t = UNIX_EPOCH + Duration::from_secs(1_709_251_199);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59Z");
        // u32::MAX seconds: 2106-02-07T06:28:15Z
        let t = UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX));
        assert_eq!(rfc3339(t), "2106-02-07T06:28:15Z");
    }
}
