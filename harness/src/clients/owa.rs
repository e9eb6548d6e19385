//! Outlook on the web (Exchange Online), and the web pipeline New Outlook shares.
//!
//! Catalogue §2: the S/MIME extension and control do all the cryptography (D); trust is the
//! tenant SST only (D); recipient certificates come from the directory only, published users
//! and admin mail contacts (D for GAL, I for "no harvesting"); algorithms from
//! Set-SmimeConfig (D). PGP/MIME-signed mail arrives as an S/MIME-class item (T) and reply was
//! reported failing (T), by the hypothesis that the control builds the reply (I).

use crate::evidence::RuleId;
use crate::facts::{Inspection, Layer, LayerForm, LayerKind};
use crate::policy::{self, Cipher};
use crate::profile::Profile;
use crate::verdict::{
    CertificateSource, ClientVerdict, Outcome, ReadStatus, ReadVerdict, Reason, ReplyVerdict,
    SignatureShown, Trail, With,
};

use super::exchange::{self, ItemClass};
use super::read_verdict as verdict;
use super::trust;
use super::{ClientId, ClientModel, Message, Protection, SignatureCheck};

/// E18a.
pub const E18A: &str = "This message has a digital signature, but it wasn't verified because the S/MIME control isn't currently supported for your browser or platform.";
/// E3.
pub const E3: &str = "This message can't be decrypted because its encryption algorithm isn't supported or your digital ID can't be found. If you have a smart card-based digital ID, insert the card and try again to open the message.";
/// E4 (legacy wording; the current string is not captured).
pub const E4: &str = "The content cannot be displayed because the S/MIME control is not available.";
/// E5 (first sentence).
pub const E5: &str = "The digital signature on this message isn't valid or trusted.";
/// E6 (German UI, as captured).
pub const E6: &str = "Fehler beim Senden dieser S/MIME-Nachricht. Das zum Signieren dieser Nachricht verwendete Zertifikat wird von Ihrer Organisation nicht als vertrauenswürdig eingestuft.";
/// E18b (single low-quality source).
pub const E18B: &str = "Valid certificates weren't found for the recipients listed above.";

/// The OWA model.
pub struct Owa;

impl ClientModel for Owa {
    fn id(&self) -> ClientId {
        ClientId::Owa
    }

    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
        evaluate_web(Flavour::Owa, inspection, profile)
    }
}

/// Which web client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Outlook on the web with the S/MIME extension (the control).
    Owa,
    /// New Outlook for Windows, which shares OWA's S/MIME code.
    NewOutlook,
}

impl Flavour {
    /// Whether an S/MIME control is available, and the rules that say so.
    fn control(self, profile: &Profile) -> (bool, Trail) {
        match self {
            Self::Owa => (
                profile.workstation.owa_smime_extension,
                Trail::of(&[RuleId::OwaExtensionRequired]),
            ),
            Self::NewOutlook => (true, Trail::of(&[RuleId::NewOutlookBuiltInBridge])),
        }
    }

    /// Rules every verdict of this flavour starts with.
    fn base(self) -> Trail {
        match self {
            Self::Owa => Trail::new(),
            Self::NewOutlook => Trail::of(&[RuleId::NewOutlookAsOwa]),
        }
    }

    fn id(self) -> ClientId {
        match self {
            Self::Owa => ClientId::Owa,
            Self::NewOutlook => ClientId::NewOutlook,
        }
    }
}

/// The verdict of OWA or New Outlook.
pub fn evaluate_web(flavour: Flavour, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
    let msg = Message::new(inspection);
    let read = read(flavour, &msg, profile);
    let blocked = reply_blocked(flavour, &msg, profile);
    let mut reply = match blocked {
        Some(b) => ReplyVerdict {
            plain: b.clone(),
            signed: b.clone(),
            encrypted: b,
        },
        None => ReplyVerdict {
            plain: if msg.first(LayerKind::ProtonEoNotice).is_some() {
                super::eo_notice_plain(&flavour.base())
            } else {
                Outcome::yes(None, &flavour.base().with(&[RuleId::OwaReplyPlain]))
            },
            signed: signed(flavour, profile),
            encrypted: encrypted(flavour, &msg, profile),
        },
    };
    let original = msg.protection();
    if flavour == Flavour::NewOutlook && blocked_none(&reply) {
        if msg.smime_encrypted() {
            reply
                .encrypted
                .add_rule(RuleId::NewOutlookReplyInheritsEncryption);
        }
        if original >= Protection::Signed {
            reply.signed.add_rule(RuleId::NewOutlookReplyNoSignOnReply);
        }
    }
    let cfg = &profile.tenant.smime_config;
    let mut wanted = Protection::Plain;
    if cfg.owa_always_sign {
        wanted = Protection::Signed;
    }
    if flavour == Flavour::NewOutlook {
        if original == Protection::Signed && !cfg.no_sign_on_reply {
            wanted = wanted.max(Protection::Signed);
        }
        if msg.smime_encrypted() {
            wanted = Protection::Encrypted;
        }
    }
    if cfg.owa_always_encrypt {
        wanted = Protection::Encrypted;
    }
    let default = if msg.first(LayerKind::Ome).is_some() {
        // OME replies stay protected (catalogue §0, T): the reply is not weaker.
        super::default_protection(&reply, Protection::Plain).map(|_| Protection::Encrypted)
    } else {
        super::default_protection(&reply, wanted)
    };
    let styles: (Option<bool>, &[RuleId]) = match flavour {
        // OWA's reply keeps the original's style rules, hidden text and all (Müller et al.
        // 2019, REPLY: "covert rules are kept in reply message").
        Flavour::Owa => (Some(true), &[RuleId::OwaReplyQuoteKeepsStyles]),
        // No observation of New Outlook's reply composer; sharing OWA's S/MIME pipeline says
        // nothing about how it quotes HTML.
        Flavour::NewOutlook => (None, &[RuleId::NewOutlookAsOwa, RuleId::ModelNotModelled]),
    };
    super::finish(flavour.id(), &msg, read, reply, original, default, styles)
}

/// Whether the reply outcomes are the individual ones (not one blocking outcome).
fn blocked_none(reply: &ReplyVerdict) -> bool {
    reply.plain != reply.signed || reply.signed != reply.encrypted
}

/// The signature shown for an S/MIME signed layer judged against the SST.
fn smime_signature(
    layer: &Layer,
    msg: &Message,
    profile: &Profile,
    t: &mut Trail,
) -> (SignatureShown, Option<&'static str>, bool) {
    let Some(sig) = &layer.signature else {
        t.push(RuleId::ModelNotModelled);
        return (SignatureShown::NotVerified, None, true);
    };
    match super::check_signature(sig, t) {
        SignatureCheck::Invalid => {
            t.push(RuleId::OwaReadInvalidOrUntrustedSignature);
            return (SignatureShown::Invalid, Some(E5), true);
        }
        SignatureCheck::Unverifiable => {
            t.push(RuleId::ModelNotModelled);
            return (SignatureShown::NotVerified, None, true);
        }
        SignatureCheck::OpenAlgorithm => {
            t.push(RuleId::ModelNotModelled);
            return (SignatureShown::Unknown, None, true);
        }
        SignatureCheck::Valid => {}
    }
    t.push(RuleId::OwaTrustSstOnly);
    let Some(signer) = Message::signer_certificate(layer) else {
        t.push(RuleId::ModelNotModelled);
        return (SignatureShown::NotVerified, None, true);
    };
    let carried = msg.carried_certificates();
    match trust::judge(
        signer,
        &carried,
        &profile.resolved.sst_roots,
        profile.evaluation_time,
    ) {
        None => {
            let mismatch = sig.signer_matches_from == Some(false);
            if mismatch {
                t.push(RuleId::OwaTrustAddressMismatch);
            }
            (SignatureShown::Verified, None, mismatch)
        }
        Some(_) => {
            t.push(RuleId::OwaReadInvalidOrUntrustedSignature);
            (SignatureShown::Untrusted, Some(E5), true)
        }
    }
}

fn read(flavour: Flavour, msg: &Message, profile: &Profile) -> ReadVerdict {
    let (_, class_rules) = exchange::item_class(msg);
    let mut t = flavour.base();
    t.extend(&class_rules);
    let (control, control_rules) = flavour.control(profile);
    let Some(primary) = msg.primary else {
        t.push(RuleId::ReadPlain);
        return verdict(ReadStatus::Readable, SignatureShown::None, None, &t);
    };
    match primary.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            t.extend(&control_rules);
            if !control {
                t.push(RuleId::OwaReadEncryptedNoExtension);
                return verdict(ReadStatus::Unreadable, SignatureShown::None, Some(E4), &t);
            }
            let gcm = primary.kind == LayerKind::SmimeAuthEnveloped
                || primary
                    .encryption
                    .as_ref()
                    .and_then(|e| e.cipher.as_deref())
                    .and_then(Cipher::parse)
                    .is_some_and(Cipher::is_gcm);
            if gcm {
                t.push(RuleId::OwaReadAuthEnveloped);
                return verdict(ReadStatus::Unreadable, SignatureShown::None, Some(E3), &t);
            }
            t.push(RuleId::OwaReadDecryptNeedsKey);
            let smart = profile.tenant.smime_config.owa_only_use_smart_card;
            if smart {
                t.push(RuleId::OwaSignSmartCardOnly);
            }
            if !super::own_key_for(primary, profile, smart) {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, Some(E3), &t);
            }
            if super::own_key_is_ecdh(primary, profile) {
                t.push(RuleId::OwaReadEcdhOpen);
                return verdict(ReadStatus::Unknown, SignatureShown::Unknown, None, &t);
            }
            match msg.signed_after(primary) {
                Some(inner) if inner.kind == LayerKind::SmimeSigned => {
                    let (shown, sees, warn) = smime_signature(inner, msg, profile, &mut t);
                    let status = if warn {
                        ReadStatus::ReadableWithWarning
                    } else {
                        ReadStatus::Readable
                    };
                    verdict(status, shown, sees, &t)
                }
                _ => verdict(ReadStatus::Readable, SignatureShown::None, None, &t),
            }
        }
        LayerKind::SmimeSigned => {
            t.extend(&control_rules);
            if !control {
                if primary.form == Some(LayerForm::Clear) {
                    t.push(RuleId::OwaReadNoExtensionBanner);
                    return verdict(
                        ReadStatus::ReadableWithWarning,
                        SignatureShown::NotVerified,
                        Some(E18A),
                        &t,
                    );
                }
                t.push(RuleId::OwaReadEncryptedNoExtension);
                return verdict(
                    ReadStatus::AttachmentsOnly,
                    SignatureShown::NotVerified,
                    Some(E4),
                    &t,
                );
            }
            let (shown, sees, warn) = smime_signature(primary, msg, profile, &mut t);
            let status = if warn {
                ReadStatus::ReadableWithWarning
            } else {
                ReadStatus::Readable
            };
            verdict(status, shown, sees, &t)
        }
        LayerKind::PgpSigned => {
            if flavour == Flavour::NewOutlook && profile.workstation.gpgol {
                t.push(RuleId::NewOutlookNoComAddIns);
            }
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::OwaReadPgpSignedBanner);
                let sees = if control {
                    t.push(RuleId::ModelNotModelled);
                    None
                } else {
                    Some(E18A)
                };
                verdict(
                    ReadStatus::ReadableWithWarning,
                    SignatureShown::NotVerified,
                    sees,
                    &t,
                )
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::PgpEncrypted => {
            if flavour == Flavour::NewOutlook {
                t.push(RuleId::NewOutlookNoComAddIns);
            }
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::OwaReadPgpEncryptedAttachments);
                verdict(ReadStatus::AttachmentsOnly, SignatureShown::None, None, &t)
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::Ome | LayerKind::Tnef | LayerKind::ProtonEoNotice | LayerKind::PgpKey => {
            t.push(super::wrapper_read_rule(primary.kind));
            verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
        }
    }
}

/// Whether replying at all is blocked for this S/MIME-class item (one outcome for all three
/// forms). A PGP/MIME-signed item is S/MIME-class (T) and no S/MIME control can parse its
/// OpenPGP signature (I); a real S/MIME item needs a control (I).
fn reply_blocked(flavour: Flavour, msg: &Message, profile: &Profile) -> Option<Outcome> {
    let (class, class_rules) = exchange::item_class(msg);
    let (control, control_rules) = flavour.control(profile);
    let mut t = flavour.base();
    t.extend(&class_rules);
    match class {
        ItemClass::SmimeMultipartSigned { openpgp: true } => {
            t.extend(&control_rules);
            t.push(RuleId::OwaReplySmimeClassReportedFailure);
            t.push(RuleId::OwaReplySmimeClassNeedsControl);
            if flavour == Flavour::NewOutlook && profile.workstation.gpgol {
                t.push(RuleId::NewOutlookNoComAddIns);
            }
            Some(Outcome::no(Reason::ItemClassSmimeNoControl, None, &t))
        }
        ItemClass::SmimeMultipartSigned { openpgp: false } | ItemClass::Smime if !control => {
            t.extend(&control_rules);
            t.push(RuleId::OwaReplySmimeClassNeedsControl);
            Some(Outcome::no(Reason::ExtensionMissing, None, &t))
        }
        _ => None,
    }
}

fn signed(flavour: Flavour, profile: &Profile) -> Outcome {
    let (control, control_rules) = flavour.control(profile);
    let mut t = flavour.base();
    t.extend(&control_rules);
    if !control {
        return Outcome::no(Reason::ExtensionMissing, None, &t);
    }
    let smart = profile.tenant.smime_config.owa_only_use_smart_card;
    if smart {
        t.push(RuleId::OwaSignSmartCardOnly);
    }
    t.push(RuleId::OwaSignOwnCertificateSst);
    let usable = super::classic_outlook::own_sending_certificates(profile, smart);
    if usable.is_empty() {
        return Outcome::no(Reason::NoOwnCertificate, None, &t);
    }
    t.push(RuleId::OwaTrustSstOnly);
    if !usable
        .iter()
        .any(|own| trust::chains_to(&own.facts, &[], &profile.resolved.sst_roots))
    {
        return Outcome::no(Reason::OwnCertificateNotTrustedBySst, Some(E6), &t);
    }
    t.push(RuleId::OwaSignDigest);
    let digest = policy::owa_digest(&profile.tenant.smime_config.owa_signing_algorithms);
    Outcome::yes(
        Some(With {
            digest: Some(digest),
            cipher: None,
            recipient_certificate_from: None,
        }),
        &t,
    )
}

fn encrypted(flavour: Flavour, msg: &Message, profile: &Profile) -> Outcome {
    let (control, control_rules) = flavour.control(profile);
    let mut t = flavour.base();
    t.extend(&control_rules);
    let Some(address) = msg.from else {
        t.push(RuleId::OwaEncryptNoRecipientCertificate);
        return Outcome::no(Reason::NoRecipientAddress, None, &t);
    };
    if !control {
        return Outcome::no(Reason::ExtensionMissing, None, &t);
    }
    t.push(RuleId::OwaEncryptGalOnly);
    let at = profile.evaluation_time;
    let usable = |c: &crate::facts::CertificateFacts| {
        super::encryption_capable(c) && trust::usable_at(c, at).is_none()
    };
    let found = profile
        .resolved
        .own
        .iter()
        .find(|o| {
            o.published_to_gal && o.facts.emails.iter().any(|e| e == address) && usable(&o.facts)
        })
        .map(|o| (CertificateSource::Gal, &o.facts))
        .or_else(|| {
            profile
                .resolved
                .mail_contacts
                .iter()
                .find(|c| c.address == address && usable(&c.certificate))
                .map(|c| (CertificateSource::MailContact, &c.certificate))
        });
    let Some((source, cert)) = found else {
        if msg.openpgp_only() {
            if flavour == Flavour::NewOutlook && profile.workstation.gpgol {
                t.push(RuleId::NewOutlookNoComAddIns);
            }
            t.push(RuleId::OwaEncryptOpenpgpSender);
            return Outcome::no(Reason::OpenpgpNotSupported, None, &t);
        }
        t.push(RuleId::OwaEncryptNoRecipientCertificate);
        return Outcome::no(Reason::NoRecipientCertificate, Some(E18B), &t);
    };
    if source == CertificateSource::MailContact {
        t.push(RuleId::OwaEncryptMailContact);
    }
    if policy::is_ec(&cert.key_type) {
        t.push(RuleId::OwaEncryptEccOpen);
        return Outcome::unknown(&t);
    }
    t.push(RuleId::OwaEncryptOwnCertificate);
    let smart = profile.tenant.smime_config.owa_only_use_smart_card;
    if super::classic_outlook::own_sending_certificate(profile, smart).is_none() {
        return Outcome::no(Reason::NoOwnCertificate, None, &t);
    }
    t.push(RuleId::OwaEncryptAlgorithms);
    let Some(cipher) = policy::owa_cipher(&profile.tenant.smime_config.owa_encryption_algorithms)
    else {
        return Outcome::no(Reason::UnsupportedAlgorithm, None, &t);
    };
    Outcome::yes(
        Some(With {
            digest: None,
            cipher: Some(cipher),
            recipient_certificate_from: Some(source),
        }),
        &t,
    )
}
