//! Certificate judgement from [`CertificateFacts`]: validity at the profile's instant, the
//! emailProtection EKU, and chain building to an anchor.
//!
//! Chain building (RFC 5280 §6.1, simplified to what facts carry): from the leaf, find an
//! issuer among the anchors and the carried certificates whose subject equals the issuer DN
//! and, when both key ids are known, whose subjectKeyIdentifier equals the
//! authorityKeyIdentifier. Where the inspector recorded `verified_by`, only that certificate
//! may be the issuer. The chain is trusted when it reaches a certificate whose fingerprint is
//! an anchor's (or an anchor's subject and key id). Depth is bounded.

use crate::facts::{CertificateFacts, Instant};
use crate::vocabulary::vocabulary;

/// Longest chain followed.
pub const MAX_CHAIN_DEPTH: usize = 8;

vocabulary! {
    /// Why a certificate is not acceptable.
    pub enum CertProblem {
        /// Past its notAfter at the profile's instant.
        Expired = "expired",
        /// Before its notBefore at the profile's instant.
        NotYetValid = "not-yet-valid",
        /// Its extended key usage does not allow e-mail protection.
        NoEmailProtection = "no-email-protection-eku",
        /// Self-signed and not itself an anchor.
        SelfSignedUntrusted = "self-signed",
        /// The chain does not reach an anchor.
        Untrusted = "untrusted-root",
    }
}

/// Whether `at` lies in the certificate's validity period (RFC 5280 §4.1.2.5: both bounds
/// inclusive).
pub fn time_problem(cert: &CertificateFacts, at: Instant) -> Option<CertProblem> {
    if at < cert.not_before {
        return Some(CertProblem::NotYetValid);
    }
    if at > cert.not_after {
        return Some(CertProblem::Expired);
    }
    None
}

/// Whether the EKU rules out e-mail protection (E12).
pub fn eku_problem(cert: &CertificateFacts) -> Option<CertProblem> {
    (cert.email_protection == Some(false)).then_some(CertProblem::NoEmailProtection)
}

/// Whether the certificate is usable for e-mail at `at` (time and EKU), trust aside.
pub fn usable_at(cert: &CertificateFacts, at: Instant) -> Option<CertProblem> {
    time_problem(cert, at).or_else(|| eku_problem(cert))
}

fn same_cert(a: &CertificateFacts, b: &CertificateFacts) -> bool {
    if !a.fingerprint.is_empty() && a.fingerprint == b.fingerprint {
        return true;
    }
    a.subject == b.subject && a.subject_key_id.is_some() && a.subject_key_id == b.subject_key_id
}

fn issues(issuer: &CertificateFacts, child: &CertificateFacts) -> bool {
    if issuer.subject != child.issuer {
        return false;
    }
    if let (Some(aki), Some(ski)) = (&child.authority_key_id, &issuer.subject_key_id)
        && aki != ski
    {
        return false;
    }
    match &child.verified_by {
        Some(fp) => *fp == issuer.fingerprint,
        None => true,
    }
}

/// Whether `leaf` chains to one of `anchors`, through `carried` intermediates.
pub fn chains_to(
    leaf: &CertificateFacts,
    carried: &[CertificateFacts],
    anchors: &[CertificateFacts],
) -> bool {
    let mut current = leaf;
    for _ in 0..MAX_CHAIN_DEPTH {
        if anchors.iter().any(|a| same_cert(a, current)) {
            return true;
        }
        if current.self_signed || current.subject == current.issuer && !current.subject.is_empty() {
            return false;
        }
        if anchors.iter().any(|a| issues(a, current)) {
            return true;
        }
        match carried
            .iter()
            .find(|c| !same_cert(c, current) && issues(c, current))
        {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

/// The full judgement of a signer or recipient certificate against some anchors.
pub fn judge(
    cert: &CertificateFacts,
    carried: &[CertificateFacts],
    anchors: &[CertificateFacts],
    at: Instant,
) -> Option<CertProblem> {
    if let Some(p) = usable_at(cert, at) {
        return Some(p);
    }
    if chains_to(cert, carried, anchors) {
        None
    } else if cert.self_signed {
        Some(CertProblem::SelfSignedUntrusted)
    } else {
        Some(CertProblem::Untrusted)
    }
}
