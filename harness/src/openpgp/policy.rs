//! The policy inspection runs sequoia under: signature rules at the signature's own time,
//! decryption rules at a fixed, permissive-but-authenticated time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openpgp::Packet;
use openpgp::cert::amalgamation::key::ValidErasedKeyAmalgamation;
use openpgp::packet::{Signature, Tag, key};
use openpgp::policy::{HashAlgoSecurity, Policy, StandardPolicy};
use openpgp::types::{AEADAlgorithm, SymmetricAlgorithm};
use sequoia_openpgp as openpgp;

/// The reference time of the decryption half of the policy, in seconds since the epoch:
/// 2017-01-01T00:00:00Z.
///
/// sequoia's `StandardPolicy` cutoffs (policy.rs in sequoia-openpgp 2.4.2): SED packets
/// (no integrity protection) are refused from 2004-02, 3DES from 2017-02, CAST5 and IDEA
/// from 2025-02. At 2017-01-01 every SEIPD cipher GnuPG still decrypts is accepted, while
/// the malleable SED packet is not (GnuPG also refuses it without `--ignore-mdc-error`).
/// Decrypting is describing the bytes: which client would refuse a CAST5 message is the
/// client models' call, made from the reported cipher.
pub const DECRYPTION_POLICY_UNIX_TIME: u64 = 1_483_228_800;

/// Signatures, keys and signature packets are judged by `StandardPolicy::at(verification
/// time)`; symmetric and AEAD algorithms and the other packets by `StandardPolicy::at(
/// DECRYPTION_POLICY_UNIX_TIME)`.
#[derive(Debug)]
pub(super) struct InspectionPolicy {
    verification: StandardPolicy<'static>,
    decryption: StandardPolicy<'static>,
}

impl InspectionPolicy {
    /// Signatures judged at `verification_time` (a signature's own creation time).
    pub(super) fn at(verification_time: SystemTime) -> Self {
        Self {
            verification: StandardPolicy::at(verification_time),
            // No overflow: a 2017 instant is representable on every platform.
            decryption: StandardPolicy::at(
                UNIX_EPOCH + Duration::from_secs(DECRYPTION_POLICY_UNIX_TIME),
            ),
        }
    }
}

impl Policy for InspectionPolicy {
    fn signature(&self, sig: &Signature, sec: HashAlgoSecurity) -> openpgp::Result<()> {
        self.verification.signature(sig, sec)
    }

    fn key(&self, ka: &ValidErasedKeyAmalgamation<key::PublicParts>) -> openpgp::Result<()> {
        self.verification.key(ka)
    }

    fn symmetric_algorithm(&self, algo: SymmetricAlgorithm) -> openpgp::Result<()> {
        self.decryption.symmetric_algorithm(algo)
    }

    fn aead_algorithm(&self, algo: AEADAlgorithm) -> openpgp::Result<()> {
        self.decryption.aead_algorithm(algo)
    }

    fn packet(&self, packet: &Packet) -> openpgp::Result<()> {
        match packet.tag() {
            Tag::Signature | Tag::OnePassSig => self.verification.packet(packet),
            _ => self.decryption.packet(packet),
        }
    }
}
