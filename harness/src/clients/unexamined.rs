//! Encrypted content that was not examined.
//!
//! Without the key, `inspect` sees an encrypted layer and nothing inside it, and a model
//! would answer as if nothing were inside. A client that holds the key does see inside: the
//! inner signature sets its signature indicator and warnings, and Classic harvests the
//! sender's certificate and capabilities from it for an encrypted reply. Which of a client's
//! answers depend on the content is the model's own business, so it is asked: the model is
//! run again with plausible contents in place of the unexamined one (a valid or invalid
//! signature by the sender, with a certificate a profile anchor trusts or none trusts, with
//! strong capabilities or none, or an OpenPGP signature by a keyring key or an unknown one),
//! and every answer that is not the same for all of them is reported as `unknown` with the
//! reason `content-not-examined` and the rule `model.content-not-examined`. Answers every
//! content gives alike (a plain reply, a signed reply with the user's own certificate, OWA's
//! directory lookup) stay as they are.

use crate::evidence::RuleId;
use crate::facts::{
    CertificateFacts, CertificateRole, Digest, Inspection, Instant, Layer, LayerForm, LayerKind,
    SignatureAlgorithm, SignatureFacts, SignatureStatus, Signer, reason,
};
use crate::profile::Profile;
use crate::verdict::{ClientVerdict, Outcome, ReadStatus, Reason, SignatureShown, Status, Trail};

use super::ClientId;

/// `verdict` with every answer that depends on unexamined encrypted content made `unknown`.
pub(super) fn mark(
    client: ClientId,
    inspection: &Inspection,
    profile: &Profile,
    verdict: ClientVerdict,
) -> ClientVerdict {
    let model = super::model(client);
    let alternatives: Vec<ClientVerdict> = inspection
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.encryption.as_ref().is_some_and(|e| !e.decrypted))
        .flat_map(|(i, _)| contents(inspection, i, profile))
        .map(|variant| model.evaluate(&variant, profile))
        .collect();
    if alternatives.is_empty() {
        return verdict;
    }
    merge(verdict, &alternatives)
}

/// Whether an answer was made `unknown` because of content that was not examined.
pub fn depends_on_unexamined(rules: &[RuleId]) -> bool {
    rules.contains(&RuleId::ModelContentNotExamined)
}

/// One answer per distinct value: `Some(v)` when every verdict agrees on it.
fn agreed<T: PartialEq + Clone>(values: impl IntoIterator<Item = T>) -> Option<T> {
    let mut values = values.into_iter();
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

fn merge(mut verdict: ClientVerdict, alternatives: &[ClientVerdict]) -> ClientVerdict {
    let all = || std::iter::once(&verdict).chain(alternatives);
    // Reading: status, indicator and words, each unknown where the contents disagree.
    let status = agreed(all().map(|v| v.read.status));
    let shown = agreed(all().map(|v| v.read.signature_shown));
    let sees = agreed(all().map(|v| v.read.user_sees.clone()));
    let mut read = verdict.read.clone();
    if status.is_none() || shown.is_none() || sees.is_none() {
        read.status = status.unwrap_or(ReadStatus::Unknown);
        read.signature_shown = shown.unwrap_or(SignatureShown::Unknown);
        read.user_sees = sees.flatten();
        if !read.rules.contains(&RuleId::ModelContentNotExamined) {
            read.rules.push(RuleId::ModelContentNotExamined);
        }
        read.confidence = crate::evidence::weakest_of(&read.rules);
    }
    // Whether the quote keeps the original's styles is unknown (`None`) where it depends on
    // the content; the other reply flags are the model's for the message as inspected.
    if agreed(all().map(|v| v.quote_keeps_styles)).is_none() {
        verdict.quote_keeps_styles = None;
    }
    let plain = outcome(
        &verdict.reply.plain,
        alternatives.iter().map(|v| &v.reply.plain),
    );
    let signed = outcome(
        &verdict.reply.signed,
        alternatives.iter().map(|v| &v.reply.signed),
    );
    let encrypted = outcome(
        &verdict.reply.encrypted,
        alternatives.iter().map(|v| &v.reply.encrypted),
    );
    verdict.read = read;
    verdict.reply.plain = plain;
    verdict.reply.signed = signed;
    verdict.reply.encrypted = encrypted;
    verdict
}

/// One reply outcome against its alternatives: as it is when they all give the same
/// answer (status, reason, what it is made with, what the user sees), `unknown` otherwise.
/// A `yes` whose certificate source or cipher depends on the content is `unknown` too: a
/// `yes` always names what it uses.
fn outcome<'a>(base: &'a Outcome, others: impl Iterator<Item = &'a Outcome> + Clone) -> Outcome {
    let answer = |o: &'a Outcome| (o.status, o.reason, o.with.clone(), o.user_sees.clone());
    if agreed(std::iter::once(base).chain(others).map(answer)).is_some() {
        return base.clone();
    }
    let mut trail = Trail::of(&base.rules);
    trail.push(RuleId::ModelContentNotExamined);
    Outcome::new(
        Status::Unknown,
        Some(Reason::ContentNotExamined),
        None,
        None,
        &trail,
    )
}

/// Plausible contents of the encrypted layer at `index`: the inspection with that layer
/// decrypted and a signed layer inside it.
fn contents(inspection: &Inspection, index: usize, profile: &Profile) -> Vec<Inspection> {
    let outer = &inspection.layers[index];
    let part = outer.decrypted_root();
    let from = inspection.from.clone();
    let mut inner: Vec<Layer> = Vec::new();
    let statuses = [SignatureStatus::Valid, SignatureStatus::Invalid];
    match outer.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            let at = profile.evaluation_time;
            let anchors: Vec<Option<&CertificateFacts>> = profile
                .resolved
                .windows_roots
                .iter()
                .chain(&profile.resolved.sst_roots)
                .chain(&profile.resolved.keychain_roots)
                .map(Some)
                .chain([None])
                .collect();
            let strong: Vec<String> = ["aes-256-cbc", "aes-128-cbc", "3des-cbc"]
                .map(str::to_owned)
                .to_vec();
            for (n, anchor) in anchors.into_iter().enumerate() {
                let cert = certificate(from.as_deref(), anchor, at, n);
                for status in statuses {
                    for caps in [strong.clone(), Vec::new()] {
                        let mut layer =
                            Layer::new(LayerKind::SmimeSigned, Some(LayerForm::Clear), &part);
                        layer.signature = Some(signature(
                            status,
                            &cert.id,
                            from.as_deref(),
                            Some(SignatureAlgorithm::Rsa),
                        ));
                        layer.capabilities = Some(caps);
                        layer.certificates = vec![cert.clone()];
                        inner.push(layer);
                    }
                }
            }
        }
        LayerKind::PgpEncrypted => {
            let mut signers: Vec<String> = profile
                .resolved
                .gpgol_keyring
                .iter()
                .map(|k| k.fingerprint.clone())
                .collect();
            signers.push("0000000000000000".to_owned());
            for id in signers {
                for status in statuses {
                    let mut layer = Layer::new(LayerKind::PgpSigned, Some(LayerForm::Mime), &part);
                    layer.signature = Some(signature(
                        status,
                        &id,
                        from.as_deref(),
                        Some(SignatureAlgorithm::Eddsa),
                    ));
                    inner.push(layer);
                }
            }
        }
        _ => {}
    }
    inner
        .into_iter()
        .map(|layer| {
            let mut variant = inspection.clone();
            if let Some(enc) = variant.layers[index].encryption.as_mut() {
                enc.decrypted = true;
            }
            variant.layers.insert(index + 1, layer);
            variant
        })
        .collect()
}

/// A signature by `from` over the whole body.
fn signature(
    status: SignatureStatus,
    signer_id: &str,
    from: Option<&str>,
    algorithm: Option<SignatureAlgorithm>,
) -> SignatureFacts {
    SignatureFacts {
        status,
        reason: match status {
            SignatureStatus::Valid => reason!(Valid, "a plausible content, not inspected"),
            _ => reason!(BadSignature, "a plausible content, not inspected"),
        },
        digest: Some(Digest::Sha256),
        algorithm,
        signer: Some(Signer {
            subject: None,
            email: from.map(str::to_owned),
            id: signer_id.to_owned(),
        }),
        signer_matches_from: from.map(|_| true),
        covers_whole_body: true,
        signer_count: 1,
        signed_at: None,
        version: None,
        key_version: None,
    }
}

/// A certificate for `from`, issued by `anchor` (or self-signed), valid at `at`, usable for
/// signing and encryption.
fn certificate(
    from: Option<&str>,
    anchor: Option<&CertificateFacts>,
    at: Instant,
    n: usize,
) -> CertificateFacts {
    const DAY: i64 = 86_400;
    let subject = format!("CN=a plausible signer {n}");
    let issuer = anchor.map_or_else(|| subject.clone(), |a| a.subject.clone());
    let serial = format!("{:x}", n + 1);
    CertificateFacts {
        id: format!("{issuer}#{serial}"),
        subject,
        issuer,
        serial,
        fingerprint: format!("plausible-content-{n}"),
        emails: from.map(str::to_owned).into_iter().collect(),
        key_type: "rsa".to_owned(),
        key_bits: 2048,
        curve: None,
        email_protection: Some(true),
        key_usage: vec!["digitalSignature".to_owned(), "keyEncipherment".to_owned()],
        not_before: Instant::from_unix(at.unix() - DAY),
        not_after: Instant::from_unix(at.unix() + 365 * DAY),
        self_signed: anchor.is_none(),
        is_ca: false,
        subject_key_id: Some(format!("plausible{n}")),
        authority_key_id: anchor.and_then(|a| a.subject_key_id.clone()),
        capabilities: Vec::new(),
        verified_by: anchor.map(|a| a.fingerprint.clone()),
        role: CertificateRole::Signer,
    }
}
