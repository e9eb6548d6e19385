//! Encrypted OpenPGP messages (RFC 9580 §10.3): recipients without any key, decryption with
//! the given secret keys, the cipher, the literal data and the signature inside.

use std::io::Read;
use std::time::SystemTime;

use openpgp::crypto::SessionKey;
use openpgp::packet::{PKESK, SEIP, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageStructure, VerificationHelper,
};
use openpgp::parse::{PacketParser, PacketParserResult, Parse};
use openpgp::types::{AEADAlgorithm, PublicKeyAlgorithm, SymmetricAlgorithm};
use openpgp::{Cert, KeyHandle, KeyID, Packet};
use sequoia_openpgp as openpgp;

use super::policy::InspectionPolicy;
use super::verify::{
    PROBE_TIME, Recorder, RecordingHelper, chain, judge_at_signature_times, summarize,
};
use super::{EncryptedFacts, MAX_RECIPIENTS, PgpContext};
use crate::facts::{EncryptionFacts, PgpContainer, Problem, ProblemCode, Recipient};

/// The most packets looked at while listing the recipients in front of the encrypted data.
const MAX_HEADER_PACKETS: usize = 1024;

/// The most (PKESK, secret key) pairs tried: each try is a public-key operation.
const MAX_KEY_ATTEMPTS: usize = 64;

/// `inspect_encrypted` with a chosen plaintext limit (bytes): past it the message counts
/// as a compression bomb (problem `pgp-decompressed-too-large`, no plaintext). Public so
/// tests can prove the defence with a small message.
pub(super) fn inspect_encrypted_unguarded(
    data: &[u8],
    ctx: &PgpContext,
    limit: usize,
) -> EncryptedFacts {
    let mut facts = EncryptedFacts {
        encryption: EncryptionFacts::unknown(),
        plaintext: None,
        inner_signature: None,
        problems: Vec::new(),
    };

    let header = match read_header(data) {
        Ok(header) => header,
        Err(error) => {
            facts.problems.push(Problem::new(
                ProblemCode::PgpMalformed,
                format!("the OpenPGP message does not parse: {}", chain(&error)),
            ));
            return facts;
        }
    };
    facts.encryption.recipients = header.recipients;
    facts.encryption.container = header.container;
    if let Some((sym, aead, chunk_size)) = header.seipd_v2 {
        // SEIPDv2 names its cipher, AEAD mode and chunk size in clear (RFC 9580 §5.13.2).
        facts.encryption.cipher = Some(cipher_name(sym, Some(aead)));
        facts.encryption.aead = Some(aead_name(aead));
        facts.encryption.chunk_size = Some(chunk_size);
    }
    let unsupported: Vec<String> = header
        .targets
        .iter()
        .filter(|(_, algo)| !algo.is_supported())
        .map(|(_, algo)| pk_algorithm_name(*algo))
        .collect();

    if !header.encrypted {
        facts.problems.push(Problem::new(
            ProblemCode::PgpNotEncrypted,
            "the OpenPGP message has no encrypted data packet (it is only signed or literal)",
        ));
    } else if ctx.secret_keys.is_empty() {
        // Nothing to decrypt with: the recipients are all we can say.
        return facts;
    } else {
        match key_match(&header.targets, ctx.secret_keys) {
            KeyMatch::Usable => {}
            KeyMatch::ProtectedOnly => {
                facts.problems.push(Problem::new(
                    ProblemCode::PgpNoMatchingKey,
                    "a given secret key is a recipient, but its secret is passphrase-protected \
                     (passwords are out of scope)",
                ));
                return facts;
            }
            KeyMatch::None => {
                facts.problems.push(Problem::new(
                    ProblemCode::PgpNoMatchingKey,
                    "none of the given secret keys is a recipient of the message",
                ));
                return facts;
            }
            KeyMatch::UnsupportedOnly => {
                facts.problems.push(Problem::new(
                    ProblemCode::PgpUnsupportedAlgorithm,
                    format!(
                        "a given secret key is a recipient, but the OpenPGP backend \
                         (sequoia's RustCrypto backend) does not implement its algorithm: {}",
                        unsupported.join(", ")
                    ),
                ));
                return facts;
            }
        }
    }

    // Phase 1: decrypt (and learn the signatures' creation times).
    let mut state = DecryptState::default();
    let first = run_decryptor(data, ctx, &mut state, PROBE_TIME, limit);
    if let Some(cipher) = state.cipher_name() {
        facts.encryption.cipher = Some(cipher);
    }
    let (record, plaintext) = match first {
        Ok(RunEnd::TooLarge) => {
            facts.problems.push(Problem::new(
                ProblemCode::PgpDecompressedTooLarge,
                format!(
                    "the decrypted (decompressed) data exceeds {limit} bytes; reading stopped there"
                ),
            ));
            return facts;
        }
        Ok(RunEnd::Complete { record, plaintext }) => (record, plaintext),
        Err(error) => {
            if header.encrypted {
                facts.problems.push(Problem::new(
                    ProblemCode::PgpDecryptionFailed,
                    format!(
                        "a recipient key matched but decryption failed: {}",
                        chain(&error)
                    ),
                ));
            } else {
                facts.problems.push(Problem::new(
                    ProblemCode::PgpMalformed,
                    format!("the OpenPGP message does not parse: {}", chain(&error)),
                ));
            }
            return facts;
        }
    };
    facts.encryption.decrypted = header.encrypted && state.session.is_some();
    facts.plaintext = Some(plaintext);

    // Phase 2: judge each inner signature at its own creation time, replaying the session
    // key (no second public-key operation).
    if record.signature_count > 0 {
        let count = record.signature_count;
        let replay = state.session.clone();
        let outcomes = judge_at_signature_times(record.outcomes, |t| {
            let mut again = DecryptState {
                replay: replay.clone(),
                ..DecryptState::default()
            };
            match run_decryptor(data, ctx, &mut again, t, limit)? {
                RunEnd::Complete { record, .. } => Ok(record.outcomes),
                RunEnd::TooLarge => Err(anyhow::anyhow!(
                    "the data grew past the limit on a second reading"
                )),
            }
        });
        facts.inner_signature = Some(summarize(&outcomes, count, ctx.from));
    }
    facts
}

/// What is in front of the encrypted data.
struct Header {
    recipients: Vec<Recipient>,
    /// Each PKESK's recipient handle (`None`: hidden) and algorithm, for matching keys.
    targets: Vec<(Option<KeyHandle>, PublicKeyAlgorithm)>,
    /// Whether an encryption container (SEIPD v1/v2, SED, AED) follows.
    encrypted: bool,
    /// Which container it is.
    container: Option<PgpContainer>,
    /// What a SEIPDv2 packet header names: cipher, AEAD mode, chunk size in octets.
    seipd_v2: Option<(SymmetricAlgorithm, AEADAlgorithm, u64)>,
}

/// Lists PKESK and SKESK packets up to the encryption container without decrypting
/// anything (RFC 9580 §10.3: ESKs precede the encrypted data).
fn read_header(data: &[u8]) -> Result<Header, anyhow::Error> {
    let mut header = Header {
        recipients: Vec::new(),
        targets: Vec::new(),
        encrypted: false,
        container: None,
        seipd_v2: None,
    };
    let mut ppr = PacketParser::from_bytes(data)?;
    let mut seen = 0usize;
    while let PacketParserResult::Some(pp) = ppr {
        seen += 1;
        if seen > MAX_HEADER_PACKETS {
            break;
        }
        match &pp.packet {
            Packet::PKESK(pkesk) if header.recipients.len() < MAX_RECIPIENTS => {
                header.recipients.push(pkesk_recipient(pkesk));
                header.targets.push((pkesk.recipient(), pkesk.pk_algo()));
            }
            Packet::SKESK(_) if header.recipients.len() < MAX_RECIPIENTS => {
                header.recipients.push(Recipient {
                    key_algorithm: "password".into(),
                    id: "skesk".into(),
                    version: None,
                });
            }
            Packet::SEIP(seip) => {
                header.encrypted = true;
                header.container = Some(PgpContainer::SeipdV1);
                if let SEIP::V2(v2) = seip {
                    header.container = Some(PgpContainer::SeipdV2);
                    header.seipd_v2 = Some((v2.symmetric_algo(), v2.aead(), v2.chunk_size()));
                }
                // Skip over the ciphertext once without decrypting: a truncated container
                // fails here, as data, before the decryptor sees it (sequoia 2.4.2 panics
                // on some truncated SEIPD v1 bodies, parse.rs:6367).
                pp.next()?;
                break;
            }
            Packet::Unknown(unknown)
                if matches!(
                    unknown.tag(),
                    openpgp::packet::Tag::SED | openpgp::packet::Tag::AED
                ) =>
            {
                header.encrypted = true;
                header.container = Some(if unknown.tag() == openpgp::packet::Tag::SED {
                    PgpContainer::Sed
                } else {
                    PgpContainer::Aed
                });
                break;
            }
            Packet::Literal(_)
            | Packet::CompressedData(_)
            | Packet::OnePassSig(_)
            | Packet::Signature(_) => break,
            _ => {}
        }
        // Siblings only: never descend into (or decrypt) anything.
        ppr = pp.next()?.1;
    }
    Ok(header)
}

/// Whether the given secret keys can open any PKESK.
enum KeyMatch {
    /// A recipient key with unencrypted secret material.
    Usable,
    /// Recipient keys exist, but only passphrase-protected.
    ProtectedOnly,
    /// Recipient keys exist, but the backend does not implement their algorithm.
    UnsupportedOnly,
    None,
}

/// Matches secret keys against the PKESK targets: by key id / fingerprint, or by algorithm
/// for a hidden recipient (RFC 9580 §5.1: the receiver tries its keys).
fn key_match(
    targets: &[(Option<KeyHandle>, PublicKeyAlgorithm)],
    secret_keys: &[Cert],
) -> KeyMatch {
    let mut protected = false;
    let mut unsupported = false;
    for (handle, algo) in targets {
        for cert in secret_keys {
            for ka in cert.keys().secret() {
                let key = ka.key();
                let is_recipient = match handle {
                    Some(handle) => key.key_handle().aliases(handle),
                    None => key.pk_algo() == *algo,
                };
                if !is_recipient {
                    continue;
                }
                if !key.pk_algo().is_supported() {
                    unsupported = true;
                    continue;
                }
                if key.has_unencrypted_secret() {
                    return KeyMatch::Usable;
                }
                protected = true;
            }
        }
    }
    if protected {
        KeyMatch::ProtectedOnly
    } else if unsupported {
        KeyMatch::UnsupportedOnly
    } else {
        KeyMatch::None
    }
}

/// A PKESK's recipient: `rsa`, `ecdh` (Cv25519 in v4), `x25519`, ... and the key id
/// (`0000000000000000` for a wildcard / hidden recipient, RFC 9580 §5.1).
fn pkesk_recipient(pkesk: &PKESK) -> Recipient {
    let id = match pkesk.recipient() {
        Some(KeyHandle::KeyID(keyid)) => keyid.to_hex(),
        Some(KeyHandle::Fingerprint(fpr)) => KeyID::from(&fpr).to_hex(),
        None => KeyID::wildcard().to_hex(),
    };
    Recipient {
        key_algorithm: pk_algorithm_name(pkesk.pk_algo()),
        id,
        version: Some(pkesk.version()),
    }
}

/// The AEAD mode's name (RFC 9580 §9.6), lower-case.
fn aead_name(aead: AEADAlgorithm) -> String {
    match aead {
        AEADAlgorithm::OCB => "ocb".to_owned(),
        AEADAlgorithm::GCM => "gcm".to_owned(),
        AEADAlgorithm::EAX => "eax".to_owned(),
        other => format!("aead-{}", u8::from(other)),
    }
}

/// RFC 9580 §9.1 name, lower-case.
fn pk_algorithm_name(algo: PublicKeyAlgorithm) -> String {
    #[allow(deprecated)]
    let name = match algo {
        PublicKeyAlgorithm::RSAEncryptSign
        | PublicKeyAlgorithm::RSAEncrypt
        | PublicKeyAlgorithm::RSASign => "rsa",
        PublicKeyAlgorithm::ElGamalEncrypt | PublicKeyAlgorithm::ElGamalEncryptSign => "elgamal",
        PublicKeyAlgorithm::DSA => "dsa",
        PublicKeyAlgorithm::ECDH => "ecdh",
        PublicKeyAlgorithm::ECDSA => "ecdsa",
        PublicKeyAlgorithm::EdDSA => "eddsa",
        PublicKeyAlgorithm::X25519 => "x25519",
        PublicKeyAlgorithm::X448 => "x448",
        PublicKeyAlgorithm::Ed25519 => "ed25519",
        PublicKeyAlgorithm::Ed448 => "ed448",
        PublicKeyAlgorithm::MLKEM768_X25519 => "mlkem768-x25519",
        PublicKeyAlgorithm::MLKEM1024_X448 => "mlkem1024-x448",
        PublicKeyAlgorithm::MLDSA65_Ed25519 => "mldsa65-ed25519",
        PublicKeyAlgorithm::MLDSA87_Ed448 => "mldsa87-ed448",
        other => return format!("pk-{}", u8::from(other)),
    };
    name.to_owned()
}

/// `aes-256`, `cast5`, ...; SEIPDv2 adds the AEAD mode: `aes-256-ocb`.
fn cipher_name(sym: SymmetricAlgorithm, aead: Option<AEADAlgorithm>) -> String {
    #[allow(deprecated)]
    let base = match sym {
        SymmetricAlgorithm::AES128 => "aes-128".to_owned(),
        SymmetricAlgorithm::AES192 => "aes-192".to_owned(),
        SymmetricAlgorithm::AES256 => "aes-256".to_owned(),
        SymmetricAlgorithm::CAST5 => "cast5".to_owned(),
        SymmetricAlgorithm::TripleDES => "3des".to_owned(),
        SymmetricAlgorithm::IDEA => "idea".to_owned(),
        SymmetricAlgorithm::Blowfish => "blowfish".to_owned(),
        SymmetricAlgorithm::Twofish => "twofish".to_owned(),
        SymmetricAlgorithm::Camellia128 => "camellia-128".to_owned(),
        SymmetricAlgorithm::Camellia192 => "camellia-192".to_owned(),
        SymmetricAlgorithm::Camellia256 => "camellia-256".to_owned(),
        other => format!("sym-{}", u8::from(other)),
    };
    match aead {
        None => base,
        Some(AEADAlgorithm::OCB) => format!("{base}-ocb"),
        Some(AEADAlgorithm::GCM) => format!("{base}-gcm"),
        Some(AEADAlgorithm::EAX) => format!("{base}-eax"),
        Some(other) => format!("{base}-aead-{}", u8::from(other)),
    }
}

/// A recovered session key, replayable.
#[derive(Clone)]
struct Session {
    algo: Option<SymmetricAlgorithm>,
    key: SessionKey,
    /// The certificate whose key decrypted (sequoia checks Intended Recipient subpackets
    /// against it).
    identity: Option<Cert>,
}

/// What a decryptor run learned; lives outside the helper so it survives a failed build.
#[derive(Default)]
struct DecryptState {
    /// Replay this session key instead of using secret keys (phase 2).
    replay: Option<Session>,
    /// The session key that opened the message.
    session: Option<Session>,
    /// The SEIPD packet's cipher hints: v2 names cipher and AEAD mode.
    seipd_v2: Option<(SymmetricAlgorithm, AEADAlgorithm)>,
}

impl DecryptState {
    fn cipher_name(&self) -> Option<String> {
        if let Some((sym, aead)) = self.seipd_v2 {
            return Some(cipher_name(sym, Some(aead)));
        }
        let session = self.session.as_ref()?;
        session.algo.map(|sym| cipher_name(sym, None))
    }
}

/// How a decryptor run ended.
enum RunEnd {
    Complete {
        record: Recorder,
        plaintext: Vec<u8>,
    },
    TooLarge,
}

/// One decryptor run at verification time `time`, reading at most `limit` bytes.
fn run_decryptor(
    data: &[u8],
    ctx: &PgpContext,
    state: &mut DecryptState,
    time: SystemTime,
    limit: usize,
) -> Result<RunEnd, anyhow::Error> {
    let policy = InspectionPolicy::at(time);
    let mut record = Recorder::default();
    let mut plaintext = Vec::new();
    {
        let helper = DecryptHelper {
            verify: RecordingHelper::new(ctx.certs, &mut record),
            secret_keys: ctx.secret_keys,
            state,
        };
        let mut decryptor =
            DecryptorBuilder::from_bytes(data)?.with_policy(&policy, time, helper)?;
        (&mut decryptor)
            .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut plaintext)?;
    }
    if plaintext.len() > limit {
        return Ok(RunEnd::TooLarge);
    }
    Ok(RunEnd::Complete { record, plaintext })
}

/// Verification (recording) plus decryption with unencrypted secret keys.
struct DecryptHelper<'c> {
    verify: RecordingHelper<'c>,
    secret_keys: &'c [Cert],
    state: &'c mut DecryptState,
}

impl VerificationHelper for DecryptHelper<'_> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        self.verify.get_certs(ids)
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        self.verify.check(structure)
    }

    fn inspect(&mut self, pp: &PacketParser) -> openpgp::Result<()> {
        if let Packet::SEIP(SEIP::V2(v2)) = &pp.packet {
            self.state.seipd_v2 = Some((v2.symmetric_algo(), v2.aead()));
        }
        Ok(())
    }
}

impl DecryptionHelper for DecryptHelper<'_> {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        _skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        if let Some(session) = &self.state.replay {
            if decrypt(session.algo, &session.key) {
                self.state.session = Some(session.clone());
                return Ok(session.identity.clone());
            }
            return Err(anyhow::anyhow!(
                "the recovered session key no longer opens the message"
            ));
        }
        let mut attempts = 0usize;
        for pkesk in pkesks.iter().take(MAX_RECIPIENTS) {
            let recipient = pkesk.recipient();
            for cert in self.secret_keys {
                for ka in cert.keys().secret() {
                    let key = ka.key();
                    let is_recipient = match &recipient {
                        Some(handle) => key.key_handle().aliases(handle),
                        // Hidden recipient: try every key of the right algorithm.
                        None => key.pk_algo() == pkesk.pk_algo(),
                    };
                    if !is_recipient || !key.has_unencrypted_secret() {
                        continue;
                    }
                    attempts += 1;
                    if attempts > MAX_KEY_ATTEMPTS {
                        return Ok(None);
                    }
                    let Ok(mut keypair) = key.clone().into_keypair() else {
                        continue;
                    };
                    if let Some((algo, session_key)) = pkesk.decrypt(&mut keypair, sym_algo) {
                        let algo = sym_algo.or(algo);
                        if decrypt(algo, &session_key) {
                            let identity = Some(cert.clone().strip_secret_key_material());
                            self.state.session = Some(Session {
                                algo,
                                key: session_key,
                                identity: identity.clone(),
                            });
                            return Ok(identity);
                        }
                    }
                }
            }
        }
        Ok(None)
    }
}
