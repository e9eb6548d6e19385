//! Certificates: `--cert`/`--key` files, attached keys (`publickey - x - 0xABCD1234.asc`,
//! `OpenPGP_0x….asc`) and Autocrypt headers.

use std::time::SystemTime;

use base64::Engine as _;
use openpgp::Cert;
use openpgp::cert::CertParser;
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::types::PublicKeyAlgorithm;
use sequoia_openpgp as openpgp;

use super::verify::{cert_emails, chain};
use super::{FoundKeys, MAX_CERTS};
use crate::facts::{PgpKeyFacts, Problem, ProblemCode};

/// Parses certificates (armored or binary, public or secret, one or a keyring).
///
/// Returns the certificates that parse (secret key material kept: `--key` needs it) and an
/// error sentence only when none does.
pub(super) fn load_certs_unguarded(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    let (certs, errors) = parse_certs(bytes);
    if certs.is_empty() {
        return Err(errors
            .into_iter()
            .next()
            .unwrap_or_else(|| "no OpenPGP certificate found".to_owned()));
    }
    Ok(certs)
}

/// Every certificate in `bytes` (at most [`MAX_CERTS`]) and the parse errors met.
fn parse_certs(bytes: &[u8]) -> (Vec<Cert>, Vec<String>) {
    let mut certs = Vec::new();
    let mut errors = Vec::new();
    let parser = match CertParser::from_bytes(bytes) {
        Ok(parser) => parser,
        Err(error) => {
            errors.push(format!("not OpenPGP data: {}", chain(&error)));
            return (certs, errors);
        }
    };
    for item in parser.take(MAX_CERTS) {
        match item {
            Ok(cert) => certs.push(cert),
            Err(error) => errors.push(chain(&error)),
        }
    }
    (certs, errors)
}

/// Keys carried in an attachment (armored or binary). `source` is the filename.
///
/// The returned certificates have their secret key material stripped (a mistakenly attached
/// secret key is reported as problem `pgp-secret-key-attached`).
pub(super) fn keys_in_unguarded(bytes: &[u8], source: &str) -> FoundKeys {
    let (certs, errors) = parse_certs(bytes);
    let mut found = FoundKeys {
        facts: Vec::new(),
        certs: Vec::new(),
        problems: Vec::new(),
    };
    for error in errors.iter().take(8) {
        found.problems.push(Problem::new(
            ProblemCode::PgpKeyMalformed,
            format!("{source}: an OpenPGP certificate does not parse: {error}"),
        ));
    }
    if certs.is_empty() && errors.is_empty() {
        found.problems.push(Problem::new(
            ProblemCode::PgpKeyMalformed,
            format!("{source}: no OpenPGP certificate found"),
        ));
    }
    for cert in certs {
        if cert.is_tsk() {
            found.problems.push(Problem::new(
                ProblemCode::PgpSecretKeyAttached,
                format!(
                    "{source}: certificate {} carries secret key material",
                    cert.fingerprint().to_hex()
                ),
            ));
        }
        let cert = cert.strip_secret_key_material();
        let facts = key_facts(&cert, source);
        if !facts.can_sign && !facts.can_encrypt && reference_policy_rejects(&cert) {
            found.problems.push(Problem::new(
                ProblemCode::PgpKeyInvalid,
                format!(
                    "{source}: certificate {} has no valid self-signature under the standard policy",
                    facts.fingerprint
                ),
            ));
        }
        found.facts.push(facts);
        found.certs.push(cert);
    }
    found
}

/// Facts about one certificate.
///
/// `can_encrypt` / `can_sign` are evaluated under `StandardPolicy::at(T)` at reference time
/// `T` = the latest of the primary key's, the subkeys' and all self-signatures' (including
/// self-revocations') creation times: the certificate as its owner last stated it. Inspection
/// has no clock; "creation + 1 day" would miss subkeys and binding updates made later
/// (rotated encryption subkeys are common), while `T` sees every binding and revocation
/// the certificate carries. Expiry relative to a particular day is left to the client
/// models, which evaluate at their profile's time.
pub fn key_facts(cert: &Cert, source: &str) -> PgpKeyFacts {
    let primary = cert.primary_key().key();
    let bits = primary
        .mpis()
        .bits()
        .and_then(|b| u32::try_from(b).ok())
        .unwrap_or(0);
    let time = reference_time(cert);
    let policy = StandardPolicy::at(time);
    let (can_encrypt, can_sign) = match cert.with_policy(&policy, time) {
        Ok(valid) => {
            let usable = || valid.keys().alive().revoked(false);
            let encrypt = usable().for_transport_encryption().next().is_some()
                || usable().for_storage_encryption().next().is_some();
            let sign = usable().for_signing().next().is_some();
            (encrypt, sign)
        }
        Err(_) => (false, false),
    };
    PgpKeyFacts {
        fingerprint: cert.fingerprint().to_hex(),
        version: primary.version(),
        emails: cert_emails(cert),
        algorithm: key_algorithm_name(primary.pk_algo()),
        bits,
        can_encrypt,
        can_sign,
        source: source.to_owned(),
    }
}

/// Whether the certificate has no valid self-signature at its reference time.
fn reference_policy_rejects(cert: &Cert) -> bool {
    let time = reference_time(cert);
    cert.with_policy(&StandardPolicy::at(time), time).is_err()
}

/// The latest creation time of any key or self-signature in `cert` (see [`key_facts`]).
fn reference_time(cert: &Cert) -> SystemTime {
    let mut latest = cert.primary_key().key().creation_time();
    let mut bump = |t: Option<SystemTime>| {
        if let Some(t) = t
            && t > latest
        {
            latest = t;
        }
    };
    let primary = cert.primary_key();
    for sig in primary.self_signatures().chain(primary.self_revocations()) {
        bump(sig.signature_creation_time());
    }
    for uid in cert.userids() {
        for sig in uid.self_signatures().chain(uid.self_revocations()) {
            bump(sig.signature_creation_time());
        }
    }
    for subkey in cert.keys().subkeys() {
        bump(Some(subkey.key().creation_time()));
        for sig in subkey.self_signatures().chain(subkey.self_revocations()) {
            bump(sig.signature_creation_time());
        }
    }
    latest
}

/// The primary key's algorithm as `PgpKeyFacts::algorithm` names it.
fn key_algorithm_name(algo: PublicKeyAlgorithm) -> String {
    #[allow(deprecated)]
    let name = match algo {
        PublicKeyAlgorithm::RSAEncryptSign
        | PublicKeyAlgorithm::RSAEncrypt
        | PublicKeyAlgorithm::RSASign => "rsa",
        PublicKeyAlgorithm::DSA => "dsa",
        PublicKeyAlgorithm::ElGamalEncrypt | PublicKeyAlgorithm::ElGamalEncryptSign => "elgamal",
        PublicKeyAlgorithm::ECDSA => "ecdsa",
        PublicKeyAlgorithm::ECDH => "ecdh",
        PublicKeyAlgorithm::EdDSA => "eddsa",
        PublicKeyAlgorithm::Ed25519 => "ed25519",
        PublicKeyAlgorithm::Ed448 => "ed448",
        PublicKeyAlgorithm::X25519 => "x25519",
        PublicKeyAlgorithm::X448 => "x448",
        PublicKeyAlgorithm::MLDSA65_Ed25519 => "mldsa65-ed25519",
        PublicKeyAlgorithm::MLDSA87_Ed448 => "mldsa87-ed448",
        PublicKeyAlgorithm::SLHDSA128s => "slhdsa128s",
        PublicKeyAlgorithm::SLHDSA128f => "slhdsa128f",
        PublicKeyAlgorithm::SLHDSA256s => "slhdsa256s",
        PublicKeyAlgorithm::MLKEM768_X25519 => "mlkem768-x25519",
        PublicKeyAlgorithm::MLKEM1024_X448 => "mlkem1024-x448",
        other => return format!("pk-{}", u8::from(other)),
    };
    name.to_owned()
}

/// Keys in an `Autocrypt:` header value (Autocrypt Level 1 §2.1,
/// <https://autocrypt.org/level1.html#the-autocrypt-header>).
///
/// `addr=<addr>; [prefer-encrypt=mutual;] keydata=<base64>`, possibly folded. Attributes
/// starting with `_` are non-critical and ignored; any other unknown attribute makes the
/// header invalid per the spec (problem `autocrypt-unknown-attribute`, the key is still
/// read so the facts show what was there). `addr` must match a User ID of the key (problem
/// `autocrypt-addr-mismatch`).
pub(super) fn autocrypt_keys_unguarded(header_value: &str) -> FoundKeys {
    let mut problems = Vec::new();
    let mut addr: Option<String> = None;
    let mut keydata: Option<String> = None;
    // Unfold: header folding is CRLF + WSP; attributes are split on ';'.
    let unfolded: String = header_value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    for attribute in unfolded.split(';').take(64) {
        let attribute = attribute.trim();
        if attribute.is_empty() {
            continue;
        }
        let Some((name, value)) = attribute.split_once('=') else {
            problems.push(Problem::new(
                ProblemCode::AutocryptMalformed,
                format!("Autocrypt attribute without '=': {}", truncate(attribute)),
            ));
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        match name.as_str() {
            "addr" => addr = Some(value.to_lowercase()),
            "keydata" => keydata = Some(value.chars().filter(|c| !c.is_whitespace()).collect()),
            "prefer-encrypt" => {}
            n if n.starts_with('_') => {}
            other => problems.push(Problem::new(
                ProblemCode::AutocryptUnknownAttribute,
                format!(
                    "Autocrypt header has unknown critical attribute {}",
                    truncate(other)
                ),
            )),
        }
    }
    let Some(keydata) = keydata else {
        problems.push(Problem::new(
            ProblemCode::AutocryptMalformed,
            "Autocrypt header has no keydata",
        ));
        return FoundKeys {
            facts: Vec::new(),
            certs: Vec::new(),
            problems,
        };
    };
    let bytes = match base64::engine::general_purpose::STANDARD.decode(keydata.as_bytes()) {
        Ok(bytes) => bytes,
        Err(error) => {
            problems.push(Problem::new(
                ProblemCode::AutocryptBadBase64,
                format!("Autocrypt keydata is not base64: {error}"),
            ));
            return FoundKeys {
                facts: Vec::new(),
                certs: Vec::new(),
                problems,
            };
        }
    };
    let mut found = keys_in_unguarded(&bytes, "autocrypt");
    match &addr {
        None => problems.push(Problem::new(
            ProblemCode::AutocryptMalformed,
            "Autocrypt header has no addr",
        )),
        Some(addr) => {
            let matches = found
                .facts
                .iter()
                .any(|f| f.emails.iter().any(|e| e == addr));
            if !found.facts.is_empty() && !matches {
                problems.push(Problem::new(
                    ProblemCode::AutocryptAddrMismatch,
                    format!("Autocrypt addr {addr} is not a User ID of the key"),
                ));
            }
        }
    }
    problems.append(&mut found.problems);
    found.problems = problems;
    found
}

/// At most 64 characters of attacker-controlled text for a problem message.
fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}
