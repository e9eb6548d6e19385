//! Signature verification: detached (RFC 3156 §5), cleartext (RFC 9580 §7) and the
//! signatures inside a message (used by `decrypt`).
//!
//! sequoia's streaming verifier hands every result to [`VerificationHelper::check`]; our
//! helper never lets it decide anything and records each result as a [`SigOutcome`]
//! (crates.md: "Your VerificationHelper::check is the verdict").

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use openpgp::cert::amalgamation::ValidAmalgamation;
use openpgp::packet::Signature;
use openpgp::parse::Parse;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper,
    VerificationResult, VerifierBuilder,
};
use openpgp::types::{HashAlgorithm, PublicKeyAlgorithm};
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;

use super::policy::InspectionPolicy;
use super::{ClearsignedFacts, MAX_PLAINTEXT, MAX_SIGNATURES, PgpContext, VerifiedSignature};
use crate::facts::{
    Digest, Problem, ProblemCode, SignatureAlgorithm, SignatureFacts, SignatureReason,
    SignatureStatus, Signer,
};
use crate::facts::{Instant, reason};

/// The reference time of the first ("probe") run, whose verdicts are thrown away: it only
/// learns the signatures' creation times. Any fixed time works; the epoch is the obvious one.
pub(super) const PROBE_TIME: SystemTime = UNIX_EPOCH;

/// The most distinct signature creation times re-verified (one verifier run each).
const MAX_DISTINCT_TIMES: usize = 8;

/// One signature's verdict, owned (sequoia's results borrow the verifier).
#[derive(Clone, Debug)]
pub(super) struct SigOutcome {
    status: SignatureStatus,
    reason: SignatureReason,
    digest: Option<Digest>,
    algorithm: Option<SignatureAlgorithm>,
    signer: Option<Signer>,
    /// Every User ID address of the signing certificate, lower-case; empty when the key is
    /// unknown.
    signer_emails: Vec<String>,
    created: Option<SystemTime>,
    /// The signature packet's version.
    version: Option<u8>,
    /// The signing key's version, when the key is known.
    key_version: Option<u8>,
}

impl SigOutcome {
    fn unverifiable(reason: SignatureReason, created: Option<SystemTime>) -> Self {
        Self {
            status: SignatureStatus::Unverifiable,
            reason,
            digest: None,
            algorithm: None,
            signer: None,
            signer_emails: Vec::new(),
            created,
            version: None,
            key_version: None,
        }
    }
}

/// Everything one verifier (or decryptor) run recorded.
#[derive(Default)]
pub(super) struct Recorder {
    /// Signature outcomes in message order, at most [`MAX_SIGNATURES`].
    pub(super) outcomes: Vec<SigOutcome>,
    /// How many signature packets there were in all.
    pub(super) signature_count: usize,
    /// Whether `check` ran, that is the whole message was processed.
    pub(super) checked: bool,
}

/// A [`VerificationHelper`] that offers `certs` and records every result.
pub(super) struct RecordingHelper<'c> {
    certs: &'c [Cert],
    pub(super) record: &'c mut Recorder,
}

impl<'c> RecordingHelper<'c> {
    pub(super) fn new(certs: &'c [Cert], record: &'c mut Recorder) -> Self {
        Self { certs, record }
    }
}

impl VerificationHelper for RecordingHelper<'_> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self
            .certs
            .iter()
            .filter(|cert| {
                cert.keys()
                    .any(|ka| ids.iter().any(|id| ka.key().key_handle().aliases(id)))
            })
            .cloned()
            .collect())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        self.record.checked = true;
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                for result in &results {
                    self.record.signature_count += 1;
                    if self.record.outcomes.len() < MAX_SIGNATURES {
                        self.record.outcomes.push(outcome_of(result));
                    }
                }
            }
        }
        // Always Ok: the verdict is ours (the recorded outcomes), not sequoia's.
        Ok(())
    }
}

/// Turns one sequoia result into owned facts.
fn outcome_of(result: &VerificationResult) -> SigOutcome {
    match result {
        Ok(good) => {
            let cert = good.ka.cert();
            let fingerprint = cert.fingerprint().to_hex();
            let mut outcome = described(
                good.sig,
                SignatureStatus::Valid,
                reason!(
                    Verified,
                    "the signature checks out with key {}",
                    good.ka.key().fingerprint().to_hex()
                ),
            );
            let primary_email = good
                .ka
                .valid_cert()
                .primary_userid()
                .ok()
                .and_then(|uid| uid.userid().email().ok().flatten().map(str::to_lowercase));
            outcome.signer_emails = cert_emails(cert);
            outcome.signer = Some(Signer {
                subject: None,
                email: primary_email.or_else(|| outcome.signer_emails.first().cloned()),
                id: fingerprint,
            });
            outcome.key_version = Some(good.ka.key().version());
            outcome
        }
        Err(VerificationError::MissingKey { sig }) => {
            let issuer = issuer_of(sig);
            let mut outcome = described(
                sig,
                SignatureStatus::Unverifiable,
                reason!(
                    NoKey,
                    "{issuer} (no certificate for the signing key was given or attached)"
                ),
            );
            outcome.signer = Some(Signer {
                subject: None,
                email: None,
                id: issuer,
            });
            outcome
        }
        Err(VerificationError::UnboundKey { sig, cert, error }) => {
            let reason = if is_policy_violation(error) {
                reason!(PolicyRejected, "{}", chain(error))
            } else {
                reason!(
                    KeyInvalid,
                    "the signing key is not bound to its certificate at the signature time: {}",
                    chain(error)
                )
            };
            with_cert(described(sig, SignatureStatus::Unverifiable, reason), cert)
        }
        Err(VerificationError::BadKey { sig, ka, error }) => {
            let reason = if let Some(unsupported) = unsupported_algorithm(error) {
                reason!(UnsupportedAlgorithm, "{unsupported}")
            } else if is_policy_violation(error) {
                reason!(PolicyRejected, "{}", chain(error))
            } else {
                reason!(
                    KeyInvalid,
                    "the signing key was not usable for signing at the signature time: {}",
                    chain(error)
                )
            };
            let mut outcome = with_cert(
                described(sig, SignatureStatus::Unverifiable, reason),
                ka.cert(),
            );
            outcome.key_version = Some(ka.key().version());
            outcome
        }
        Err(VerificationError::BadSignature { sig, ka, error }) => {
            let outcome = if let Some(unsupported) = unsupported_algorithm(error) {
                described(
                    sig,
                    SignatureStatus::Unverifiable,
                    reason!(UnsupportedAlgorithm, "{unsupported}"),
                )
            } else if is_policy_violation(error) {
                described(
                    sig,
                    SignatureStatus::Unverifiable,
                    reason!(PolicyRejected, "{}", chain(error)),
                )
            } else {
                described(
                    sig,
                    SignatureStatus::Invalid,
                    reason!(
                        BadSignature,
                        "the signature does not verify over the signed bytes ({})",
                        chain(error)
                    ),
                )
            };
            let mut outcome = with_cert(outcome, ka.cert());
            outcome.key_version = Some(ka.key().version());
            outcome
        }
        Err(VerificationError::MalformedSignature { sig, error }) => described(
            sig,
            SignatureStatus::Unverifiable,
            match unsupported_algorithm(error) {
                Some(unsupported) => reason!(UnsupportedAlgorithm, "{unsupported}"),
                None => reason!(Malformed, "{}", chain(error)),
            },
        ),
        Err(VerificationError::UnknownSignature { sig }) => SigOutcome::unverifiable(
            reason!(
                Malformed,
                "the signature packet does not parse: {}",
                sig.error()
            ),
            None,
        ),
        // `VerificationError` is non-exhaustive.
        Err(other) => SigOutcome::unverifiable(reason!(Malformed, "{other}"), None),
    }
}

/// The facts a signature packet tells by itself.
fn described(sig: &Signature, status: SignatureStatus, reason: SignatureReason) -> SigOutcome {
    SigOutcome {
        status,
        reason,
        digest: digest_of(sig.hash_algo()),
        algorithm: algorithm_of(sig.pk_algo()),
        signer: None,
        signer_emails: Vec::new(),
        created: sig.signature_creation_time(),
        version: Some(sig.version()),
        key_version: None,
    }
}

/// Adds the (known but not validly used) signing certificate.
fn with_cert(mut outcome: SigOutcome, cert: &Cert) -> SigOutcome {
    outcome.signer_emails = cert_emails(cert);
    outcome.signer = Some(Signer {
        subject: None,
        email: outcome.signer_emails.first().cloned(),
        id: cert.fingerprint().to_hex(),
    });
    outcome
}

/// Every User ID address of `cert`, lower-case, de-duplicated, in certificate order.
pub(super) fn cert_emails(cert: &Cert) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    for uid in cert.userids() {
        if let Ok(Some(email)) = uid.userid().email() {
            let email = email.to_lowercase();
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
    }
    emails
}

/// The issuer fingerprint (RFC 9580 §5.2.3.35) when present, else the issuer key id, upper
/// hex.
fn issuer_of(sig: &Signature) -> String {
    if let Some(fpr) = sig.issuer_fingerprints().next() {
        return fpr.to_hex();
    }
    if let Some(keyid) = sig.issuers().next() {
        return keyid.to_hex();
    }
    "unknown-issuer".to_owned()
}

/// The sentence for a signature whose public-key or hash algorithm the OpenPGP backend does
/// not implement (sequoia's `UnsupportedPublicKeyAlgorithm` / `UnsupportedHashAlgorithm`),
/// naming the algorithm; `None` for any other failure.
fn unsupported_algorithm(error: &anyhow::Error) -> Option<String> {
    error
        .chain()
        .find_map(|cause| match cause.downcast_ref::<openpgp::Error>() {
            Some(openpgp::Error::UnsupportedPublicKeyAlgorithm(algo)) => Some(format!(
                "the OpenPGP backend (sequoia's RustCrypto backend) does not implement the \
             public-key algorithm {algo} ({})",
                u8::from(*algo)
            )),
            Some(openpgp::Error::UnsupportedEllipticCurve(curve)) => Some(format!(
                "the OpenPGP backend (sequoia's RustCrypto backend) does not implement the curve \
             {curve}"
            )),
            Some(openpgp::Error::UnsupportedHashAlgorithm(algo)) => Some(format!(
                "the OpenPGP backend (sequoia's RustCrypto backend) does not implement the hash \
             algorithm {algo} ({})",
                u8::from(*algo)
            )),
            _ => None,
        })
}

/// Whether sequoia refused by policy rather than by mathematics.
fn is_policy_violation(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<openpgp::Error>(),
            Some(openpgp::Error::PolicyViolation(..))
        ) || cause.to_string().starts_with("Policy rejected")
    })
}

/// The whole error chain as one sentence.
pub(super) fn chain(error: &anyhow::Error) -> String {
    let parts: Vec<String> = error.chain().map(ToString::to_string).collect();
    parts.join(": ")
}

/// RFC 9580 §9.5 hash algorithm to the facts' digest name.
fn digest_of(algo: HashAlgorithm) -> Option<Digest> {
    match algo {
        HashAlgorithm::MD5 => Some(Digest::Md5),
        HashAlgorithm::SHA1 => Some(Digest::Sha1),
        HashAlgorithm::SHA224 => Some(Digest::Sha224),
        HashAlgorithm::SHA256 => Some(Digest::Sha256),
        HashAlgorithm::SHA384 => Some(Digest::Sha384),
        HashAlgorithm::SHA512 => Some(Digest::Sha512),
        HashAlgorithm::SHA3_256 => Some(Digest::Sha3_256),
        HashAlgorithm::SHA3_512 => Some(Digest::Sha3_512),
        _ => None,
    }
}

/// RFC 9580 §9.1 public-key algorithm to the facts' family; `eddsa` covers both the legacy
/// EdDSA (22) and the v6 Ed25519/Ed448 (27/28) identifiers.
fn algorithm_of(algo: PublicKeyAlgorithm) -> Option<SignatureAlgorithm> {
    #[allow(deprecated)]
    match algo {
        PublicKeyAlgorithm::RSAEncryptSign | PublicKeyAlgorithm::RSASign => {
            Some(SignatureAlgorithm::Rsa)
        }
        PublicKeyAlgorithm::DSA => Some(SignatureAlgorithm::Dsa),
        PublicKeyAlgorithm::ECDSA => Some(SignatureAlgorithm::Ecdsa),
        PublicKeyAlgorithm::EdDSA | PublicKeyAlgorithm::Ed25519 | PublicKeyAlgorithm::Ed448 => {
            Some(SignatureAlgorithm::Eddsa)
        }
        PublicKeyAlgorithm::MLDSA65_Ed25519 => Some(SignatureAlgorithm::MldsaEd25519),
        PublicKeyAlgorithm::MLDSA87_Ed448 => Some(SignatureAlgorithm::MldsaEd448),
        PublicKeyAlgorithm::SLHDSA128s
        | PublicKeyAlgorithm::SLHDSA128f
        | PublicKeyAlgorithm::SLHDSA256s => Some(SignatureAlgorithm::SlhDsa),
        _ => None,
    }
}

/// Re-judges each signature of a probe run at its own creation time: `rerun(t)` runs the
/// same verification with `InspectionPolicy::at(t)` and reference time `t`, and returns the
/// outcomes in the same order. Outcomes without a creation time (malformed) do not depend
/// on the time and are kept from the probe.
pub(super) fn judge_at_signature_times(
    probe: Vec<SigOutcome>,
    mut rerun: impl FnMut(SystemTime) -> Result<Vec<SigOutcome>, anyhow::Error>,
) -> Vec<SigOutcome> {
    let mut outcomes = probe;
    let mut times: Vec<SystemTime> = Vec::new();
    for outcome in &outcomes {
        if let Some(t) = outcome.created
            && !times.contains(&t)
        {
            times.push(t);
        }
    }
    for (n, time) in times.iter().enumerate() {
        let indices: Vec<usize> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.created == Some(*time))
            .map(|(i, _)| i)
            .collect();
        if n >= MAX_DISTINCT_TIMES {
            for i in indices {
                if let Some(o) = outcomes.get_mut(i) {
                    *o = SigOutcome::unverifiable(
                        reason!(
                            Malformed,
                            "too many distinct signature creation times to judge"
                        ),
                        Some(*time),
                    );
                }
            }
            continue;
        }
        match rerun(*time) {
            Ok(judged) if judged.len() == outcomes.len() => {
                for i in indices {
                    if let (Some(slot), Some(new)) = (outcomes.get_mut(i), judged.get(i)) {
                        *slot = new.clone();
                    }
                }
            }
            Ok(_) => {
                for i in indices {
                    if let Some(o) = outcomes.get_mut(i) {
                        *o = SigOutcome::unverifiable(
                            reason!(
                                Malformed,
                                "the message gave different signatures on a second reading"
                            ),
                            Some(*time),
                        );
                    }
                }
            }
            Err(error) => {
                let reason = if is_policy_violation(&error) {
                    reason!(PolicyRejected, "{}", chain(&error))
                } else {
                    reason!(Malformed, "{}", chain(&error))
                };
                for i in indices {
                    if let Some(o) = outcomes.get_mut(i) {
                        let mut replaced = SigOutcome::unverifiable(reason.clone(), Some(*time));
                        replaced.digest = o.digest;
                        replaced.algorithm = o.algorithm;
                        *o = replaced;
                    }
                }
            }
        }
    }
    outcomes
}

/// One [`SignatureFacts`] for a group of signatures.
///
/// Several signature packets over the same data (rare: co-signed releases, key transitions)
/// are summarized by the most telling one: any `invalid` signature makes the whole
/// `invalid` (something was tampered with or forged), else any `valid` one makes it `valid`
/// (a second, unverifiable signer takes nothing away from the first), else the first
/// `unverifiable` one speaks. `signer_count` counts every packet.
pub(super) fn summarize(
    outcomes: &[SigOutcome],
    signature_count: usize,
    from: Option<&str>,
) -> SignatureFacts {
    let picked = outcomes
        .iter()
        .find(|o| o.status == SignatureStatus::Invalid)
        .or_else(|| outcomes.iter().find(|o| o.status == SignatureStatus::Valid))
        .or_else(|| outcomes.first());
    let Some(picked) = picked else {
        let mut facts =
            SignatureFacts::unverifiable(reason!(Malformed, "no signature packet found"));
        facts.signer_count = signature_count;
        return facts;
    };
    let from = from.map(str::to_lowercase);
    let signer_matches_from = match (&from, picked.signer_emails.is_empty()) {
        (Some(from), false) => Some(picked.signer_emails.iter().any(|e| e == from)),
        _ => None,
    };
    SignatureFacts {
        status: picked.status,
        reason: picked.reason.clone(),
        digest: picked.digest,
        algorithm: picked.algorithm,
        signer: picked.signer.clone(),
        signer_matches_from,
        covers_whole_body: false,
        signer_count: signature_count.max(outcomes.len()),
        signed_at: picked.created.map(Instant::from_system_time),
        version: picked.version,
        key_version: picked.key_version,
    }
}

/// Verifies a detached signature (armored or binary) over exactly `signed`.
///
/// The caller gives the RFC 3156 §5 canonical bytes (MIME headers and body, CRLF). Binary
/// (0x00) and text (0x01) signatures both work: sequoia canonicalizes line ends for text
/// signatures itself (RFC 9580 §5.2.1.2).
pub(super) fn verify_detached_unguarded(
    signature: &[u8],
    signed: &[u8],
    ctx: &PgpContext,
) -> VerifiedSignature {
    let dearmored = dearmor_signature(signature);
    if let Some(binary) = &dearmored
        && let Some(verified) = verify_detached_one_pass(binary, signed, ctx)
    {
        return verified;
    }
    verify_detached_parsed(dearmored.as_deref().unwrap_or(signature), signed, ctx)
}

/// One verification run of the detached `signature` over `signed`, with the policy and
/// reference time `time`.
fn run_detached(
    signature: &[u8],
    signed: &[u8],
    ctx: &PgpContext,
    time: SystemTime,
) -> Result<Recorder, anyhow::Error> {
    let policy = InspectionPolicy::at(time);
    let mut record = Recorder::default();
    {
        let helper = RecordingHelper::new(ctx.certs, &mut record);
        let mut verifier =
            DetachedVerifierBuilder::from_bytes(signature)?.with_policy(&policy, time, helper)?;
        verifier.verify_bytes(signed)?;
    }
    Ok(record)
}

/// The usual case in one run instead of two: when every packet of the binary `signature` is
/// a signature and all were made at the same time t, the two-pass judgement
/// ([`verify_detached_parsed`]: a probe, then a rerun at t whose outcomes replace every
/// probe outcome) comes down to the run at t. `None` (the caller then takes the two passes)
/// whenever that does not plainly hold: several times, a packet without one, a run that
/// fails, or an outcome at another time. `one_pass_gives_the_two_pass_verdict` compares both.
fn verify_detached_one_pass(
    signature: &[u8],
    signed: &[u8],
    ctx: &PgpContext,
) -> Option<VerifiedSignature> {
    let time = single_creation_time(signature)?;
    let record = run_detached(signature, signed, ctx, time).ok()?;
    if !record.checked
        || record.signature_count == 0
        || record.outcomes.iter().any(|o| o.created != Some(time))
    {
        return None;
    }
    Some(VerifiedSignature {
        signature: summarize(&record.outcomes, record.signature_count, ctx.from),
        problems: Vec::new(),
    })
}

/// The creation time shared by every packet of `binary`, when all are signatures that carry
/// the same one.
fn single_creation_time(binary: &[u8]) -> Option<SystemTime> {
    let pile = openpgp::PacketPile::from_bytes(binary).ok()?;
    let mut shared = None;
    for packet in pile.children() {
        let openpgp::Packet::Signature(sig) = packet else {
            return None;
        };
        let time = sig.signature_creation_time()?;
        if *shared.get_or_insert(time) != time {
            return None;
        }
    }
    shared
}

/// [`verify_detached_unguarded`] on the bytes as given to the parser, in two passes.
fn verify_detached_parsed(signature: &[u8], signed: &[u8], ctx: &PgpContext) -> VerifiedSignature {
    let run = |time: SystemTime| run_detached(signature, signed, ctx, time);
    let probe = match run(PROBE_TIME) {
        Ok(record) if record.checked && record.signature_count > 0 => record,
        Ok(_) => return malformed_signature("no signature packet found"),
        Err(error) => return malformed_signature(&chain(&error)),
    };
    let count = probe.signature_count;
    let outcomes = judge_at_signature_times(probe.outcomes, |t| run(t).map(|r| r.outcomes));
    VerifiedSignature {
        signature: summarize(&outcomes, count, ctx.from),
        problems: Vec::new(),
    }
}

/// The binary packets of an armored `PGP SIGNATURE` block in its canonical form (RFC 9580
/// §6.2), decoded once so that the verification passes (a probe, then one per signature
/// time) parse binary: sequoia's armor layer allocates and zeroes a 64 KiB buffer on every
/// pass, and freeing it made the allocator hand pages back to the kernel each time.
///
/// Only the canonical form is taken: the begin line, `Key: Value` headers, a blank line,
/// base64 lines of at most 76 characters, an optional `=XXXX` CRC-24 that must match, the end
/// line, nothing after it; and the packets must start with a valid header, as the parser
/// requires of binary input. Anything else is `None`: the bytes then go to the parser as they
/// are, and its armor reader decides (and words any error), so the verdict never depends on
/// this shortcut. `dearmoring_first_gives_the_parsers_verdict` holds it to that.
fn dearmor_signature(signature: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let mut lines = signature
        .trim_ascii()
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    if lines.next()? != b"-----BEGIN PGP SIGNATURE-----" {
        return None;
    }
    // Armor headers (RFC 9580 §6.2.2) up to the blank line.
    loop {
        let line = lines.next()?;
        if line.is_empty() {
            break;
        }
        let colon = line.windows(2).position(|w| w == b": ")?;
        let key = line.get(..colon)?;
        if key.is_empty() || !key.iter().all(|b| b.is_ascii_graphic() && *b != b':') {
            return None;
        }
    }
    let mut body = Vec::with_capacity(signature.len());
    let mut checksum: Option<&[u8]> = None;
    loop {
        let line = lines.next()?;
        if line == b"-----END PGP SIGNATURE-----" {
            break;
        }
        if checksum.is_some() {
            return None; // only the end line may follow the checksum
        }
        if let Some(crc) = line.strip_prefix(b"=") {
            checksum = Some(crc);
            continue;
        }
        let base64_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        if line.is_empty() || line.len() > 76 || !line.iter().all(base64_char) {
            return None;
        }
        body.extend_from_slice(line);
    }
    if lines.next().is_some() {
        return None;
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let binary = engine.decode(&body).ok()?;
    if let Some(crc) = checksum {
        let expected = engine.decode(crc).ok()?;
        if expected.as_slice() != crc24(&binary).as_slice() {
            return None;
        }
    }
    // The parser takes input for binary only when its first packet header is valid.
    let header = openpgp::packet::Header::from_bytes(&binary).ok()?;
    header.valid(false).ok()?;
    Some(binary)
}

/// The armor checksum (RFC 4880 §6.1; optional since RFC 9580 §6.1), big-endian: the
/// bitwise algorithm of §6.1, one table lookup per octet.
fn crc24(data: &[u8]) -> [u8; 3] {
    const INIT: u32 = 0x00B7_04CE;
    const POLY: u32 = 0x0186_4CFB;
    /// The register after shifting each possible top octet through eight steps of §6.1.
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = (i as u32) << 16;
            let mut bit = 0;
            while bit < 8 {
                crc <<= 1;
                if crc & 0x0100_0000 != 0 {
                    crc ^= POLY;
                }
                bit += 1;
            }
            table[i] = crc & 0x00FF_FFFF;
            i += 1;
        }
        table
    };
    let mut crc = INIT;
    for byte in data {
        let top = ((crc >> 16) ^ u32::from(*byte)) & 0xFF;
        crc = ((crc << 8) ^ TABLE[top as usize]) & 0x00FF_FFFF;
    }
    let [_, a, b, c] = crc.to_be_bytes();
    [a, b, c]
}

/// An unparseable signature: `unverifiable` + problem `pgp-malformed`.
fn malformed_signature(detail: &str) -> VerifiedSignature {
    VerifiedSignature {
        signature: SignatureFacts::unverifiable(reason!(Malformed, "{detail}")),
        problems: vec![Problem::new(
            ProblemCode::PgpMalformed,
            format!("the OpenPGP signature does not parse: {detail}"),
        )],
    }
}

/// Verifies a `-----BEGIN PGP SIGNED MESSAGE-----` block (RFC 4880 §7, RFC 9580 §7) and
/// returns the dash-unescaped text. Also accepts an inline signed (not encrypted)
/// `-----BEGIN PGP MESSAGE-----`, whose literal data is returned.
pub(super) fn verify_cleartext_unguarded(armored: &[u8], ctx: &PgpContext) -> ClearsignedFacts {
    let run = |time: SystemTime| -> Result<(Recorder, Option<Vec<u8>>), anyhow::Error> {
        let policy = InspectionPolicy::at(time);
        let mut record = Recorder::default();
        let text;
        {
            let helper = RecordingHelper::new(ctx.certs, &mut record);
            let mut verifier =
                VerifierBuilder::from_bytes(armored)?.with_policy(&policy, time, helper)?;
            let mut buf = Vec::new();
            (&mut verifier)
                .take(MAX_PLAINTEXT as u64 + 1)
                .read_to_end(&mut buf)?;
            text = if buf.len() > MAX_PLAINTEXT {
                None
            } else {
                Some(buf)
            };
        }
        Ok((record, text))
    };
    let (probe, text) = match run(PROBE_TIME) {
        Ok((_, None)) => {
            return ClearsignedFacts {
                signature: SignatureFacts::unverifiable(reason!(
                    Malformed,
                    "the signed text is larger than the inspection limit"
                )),
                text: None,
                problems: vec![Problem::new(
                    ProblemCode::PgpDecompressedTooLarge,
                    format!("the signed text exceeds {MAX_PLAINTEXT} bytes; not read further"),
                )],
            };
        }
        Ok((record, Some(text))) if record.checked && record.signature_count > 0 => (record, text),
        Ok(_) => {
            let bad = malformed_signature("no signature packet found");
            return ClearsignedFacts {
                signature: bad.signature,
                text: None,
                problems: bad.problems,
            };
        }
        Err(error) => {
            let bad = malformed_signature(&chain(&error));
            return ClearsignedFacts {
                signature: bad.signature,
                text: None,
                problems: bad.problems,
            };
        }
    };
    let count = probe.signature_count;
    let outcomes = judge_at_signature_times(probe.outcomes, |t| run(t).map(|(r, _)| r.outcomes));
    ClearsignedFacts {
        signature: summarize(&outcomes, count, ctx.from),
        text: Some(text),
        problems: Vec::new(),
    }
}

#[cfg(test)]
mod dearmor_tests {
    use super::*;
    use openpgp::serialize::Serialize;
    use openpgp::types::SignatureType;
    use replymatrix_generate::pgp_corpus::crypto::{SigStyle, key_creation_time, sign_detached};

    fn robin() -> Cert {
        let path = crate::corpus::default_corpora_dir().join("keys/openpgp/robin.sec.asc");
        Cert::from_file(path).expect("robin's key")
    }

    fn armored(cert: &Cert, data: &[u8]) -> Vec<u8> {
        let sig = sign_detached(
            cert,
            SigStyle::RnpOrGnupg,
            SignatureType::Binary,
            HashAlgorithm::SHA256,
            // A day after the personas' keys were made.
            key_creation_time()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64 + 86_400),
            data,
            "dearmor",
        )
        .expect("signs");
        let mut writer = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::Signature)
            .expect("armor");
        openpgp::Packet::from(sig)
            .serialize(&mut writer)
            .expect("serializes");
        writer.finalize().expect("armor")
    }

    /// Dearmoring first changes nothing that the parser's own armor layer would decide: the
    /// same facts and problems for a good block and for every way of damaging the armor.
    #[test]
    fn dearmoring_first_gives_the_parsers_verdict() {
        let cert = robin();
        let certs = [cert.clone()];
        let ctx = PgpContext {
            from: Some("robin@northwind.example"),
            certs: &certs,
            secret_keys: &[],
        };
        let data = b"The signed part.\r\n";
        let good = armored(&cert, data);
        let text = String::from_utf8(good.clone()).expect("ASCII");
        let body_line = text.lines().nth(2).expect("a base64 line").to_owned();
        let crc_line = text
            .lines()
            .find(|l| l.starts_with('='))
            .expect("a checksum line")
            .to_owned();
        let mut flipped_body = body_line.clone();
        let replacement = if flipped_body.starts_with('A') {
            "B"
        } else {
            "A"
        };
        flipped_body.replace_range(0..1, replacement);
        let variants: Vec<(&str, String)> = vec![
            ("good", text.clone()),
            ("crlf", text.replace('\n', "\r\n")),
            ("leading blank lines", format!("\n\n{text}")),
            (
                "a header",
                text.replacen("-----\n", "-----\nComment: x\n", 1),
            ),
            (
                "a body character changed",
                text.replacen(&body_line, &flipped_body, 1),
            ),
            ("a wrong checksum", text.replacen(&crc_line, "=AAAA", 1)),
            (
                "no checksum",
                text.replacen(&format!("{crc_line}\n"), "", 1),
            ),
            (
                "no end line",
                text.replacen("-----END PGP SIGNATURE-----", "", 1),
            ),
            ("garbage after the end", format!("{text}garbage\n")),
            ("not base64", text.replacen(&body_line, "!!!!", 1)),
            ("truncated", text[..text.len() / 2].to_owned()),
            (
                "only the begin line",
                "-----BEGIN PGP SIGNATURE-----\n".to_owned(),
            ),
            ("no blank line", text.replacen("-----\n\n", "-----\n", 1)),
            (
                "a header without a colon",
                text.replacen("-----\n", "-----\nComment x\n", 1),
            ),
            ("spaces after the body lines", text.replace('\n', " \n")),
            ("leading spaces", text.replace('\n', "\n ")),
            ("two blocks", format!("{text}{text}")),
            (
                "lower-case begin",
                text.replacen("BEGIN PGP SIGNATURE", "begin pgp signature", 1),
            ),
            (
                "a message block",
                text.replace("PGP SIGNATURE", "PGP MESSAGE"),
            ),
            (
                "an empty body",
                "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n".to_owned(),
            ),
            (
                "a checksum of the wrong length",
                text.replacen(&crc_line, "=AAAAAA", 1),
            ),
        ];
        let mut verified = 0;
        for (what, variant) in &variants {
            let ours = verify_detached_unguarded(variant.as_bytes(), data, &ctx);
            let parsers = verify_detached_parsed(variant.as_bytes(), data, &ctx);
            assert_eq!(ours.signature, parsers.signature, "{what}");
            assert_eq!(ours.problems, parsers.problems, "{what}");
            if ours.signature.status == SignatureStatus::Valid {
                verified += 1;
            }
        }
        // The good block and its harmless variants verify; the comparison is not vacuous.
        assert!(verified >= 3, "{verified} variants verified");
        assert!(
            dearmor_signature(&good).is_some(),
            "the canonical form is taken"
        );
        assert_eq!(crc24(b""), [0xb7, 0x04, 0xce]);
        // The CRC-24/OPENPGP check value (RFC 4880 §6.1's algorithm over "123456789").
        assert_eq!(crc24(b"123456789"), [0x21, 0xcf, 0x02]);
        assert!(dearmor_signature(b"\x89\x01binary").is_none());
    }

    fn armored_all(signatures: Vec<Signature>) -> Vec<u8> {
        let mut writer = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::Signature)
            .expect("armor");
        for sig in signatures {
            openpgp::Packet::from(sig)
                .serialize(&mut writer)
                .expect("serializes");
        }
        writer.finalize().expect("armor")
    }

    fn persona(name: &str) -> Cert {
        let path =
            crate::corpus::default_corpora_dir().join(format!("keys/openpgp/{name}.sec.asc"));
        Cert::from_file(path).expect("persona key")
    }

    /// One run at the shared signature time gives exactly the two-pass verdict, over times
    /// before the key, in its life and far ahead, three hashes, three packet layouts, text
    /// and binary signatures, tampered data, unknown and wrong keys, and blocks of several
    /// signatures at one time or at several (those take the two passes).
    #[test]
    fn one_pass_gives_the_two_pass_verdict() {
        let robin = robin();
        let pat = persona("pat");
        let born = key_creation_time()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let data = b"Line one.\r\nLine two.\r\n";
        let sign = |cert: &Cert, style, typ, hash, unix: i64| {
            sign_detached(cert, style, typ, hash, unix, data, "one-pass").expect("signs")
        };
        let mut blocks: Vec<(String, Vec<u8>)> = Vec::new();
        for (when, unix) in [
            ("before the key", born - 86_400),
            ("a day in", born + 86_400),
            ("in 2099", 4_070_908_800),
        ] {
            for hash in [
                HashAlgorithm::SHA1,
                HashAlgorithm::SHA256,
                HashAlgorithm::SHA512,
            ] {
                for style in [
                    SigStyle::ProtonV6,
                    SigStyle::Proton2019,
                    SigStyle::RnpOrGnupg,
                ] {
                    for typ in [SignatureType::Binary, SignatureType::Text] {
                        let sig = sign(&robin, style, typ, hash, unix);
                        blocks.push((
                            format!("{when} {hash:?} {style:?} {typ:?}"),
                            armored_all(vec![sig]),
                        ));
                    }
                }
            }
        }
        let a_day_in = born + 86_400;
        let by = |cert: &Cert, unix| {
            sign(
                cert,
                SigStyle::RnpOrGnupg,
                SignatureType::Binary,
                HashAlgorithm::SHA256,
                unix,
            )
        };
        blocks.push((
            "two signers, one time".into(),
            armored_all(vec![by(&robin, a_day_in), by(&pat, a_day_in)]),
        ));
        blocks.push((
            "two signers, two times".into(),
            armored_all(vec![by(&robin, a_day_in), by(&pat, a_day_in + 60)]),
        ));
        blocks.push((
            "one signer twice".into(),
            armored_all(vec![by(&robin, a_day_in), by(&robin, a_day_in)]),
        ));

        let robin_only = [robin.clone()];
        let both = [robin.clone(), pat.clone()];
        let pat_only = [pat.clone()];
        let contexts: [(&str, &[Cert]); 4] = [
            ("robin's key", &robin_only),
            ("both keys", &both),
            ("the wrong key", &pat_only),
            ("no key", &[]),
        ];
        let tampered = b"Line one.\r\nLine 2.\r\n";
        let (mut one_pass, mut valid) = (0, 0);
        for (what, block) in &blocks {
            for (keys, certs) in contexts {
                let ctx = PgpContext {
                    from: Some("robin@northwind.example"),
                    certs,
                    secret_keys: &[],
                };
                for signed in [&data[..], &tampered[..]] {
                    let ours = verify_detached_unguarded(block, signed, &ctx);
                    let two_pass = verify_detached_parsed(block, signed, &ctx);
                    assert_eq!(ours.signature, two_pass.signature, "{what}, {keys}");
                    assert_eq!(ours.problems, two_pass.problems, "{what}, {keys}");
                    let binary = dearmor_signature(block).expect("canonical armor");
                    one_pass +=
                        usize::from(verify_detached_one_pass(&binary, signed, &ctx).is_some());
                    valid += usize::from(ours.signature.status == SignatureStatus::Valid);
                }
            }
        }
        // Not vacuous: most blocks took the one pass, and many verified.
        assert!(one_pass > blocks.len() * 4, "{one_pass} one-pass verdicts");
        assert!(valid >= 18, "{valid} valid");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Random damage to a good armored block (octets changed, a cut) never makes the
        /// shortcuts disagree with the parser's own two-pass reading.
        #[test]
        fn shortcuts_agree_with_the_parser_on_damaged_armor(
            edits in proptest::collection::vec(
                (proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()),
                0..4,
            ),
            cut in proptest::option::of(proptest::prelude::any::<proptest::sample::Index>()),
        ) {
            use std::sync::OnceLock;
            static GOOD: OnceLock<(Cert, Vec<u8>)> = OnceLock::new();
            let data = b"The signed part.\r\n";
            let (cert, good) = GOOD.get_or_init(|| {
                let cert = robin();
                let block = armored(&cert, data);
                (cert, block)
            });
            let mut block = good.clone();
            for (at, byte) in edits {
                let i = at.index(block.len());
                block[i] = byte;
            }
            if let Some(at) = cut {
                block.truncate(at.index(block.len()));
            }
            let certs = [cert.clone()];
            let ctx = PgpContext {
                from: Some("robin@northwind.example"),
                certs: &certs,
                secret_keys: &[],
            };
            let ours = verify_detached_unguarded(&block, data, &ctx);
            let parsers = verify_detached_parsed(&block, data, &ctx);
            proptest::prop_assert_eq!(ours.signature, parsers.signature);
            proptest::prop_assert_eq!(ours.problems, parsers.problems);
        }
    }
}
