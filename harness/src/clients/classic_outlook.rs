//! Classic Outlook for Windows: Windows certificate store, harvesting, GpgOL.
//!
//! Catalogue §1: trust from Windows roots plus the carried chain (M); certificates harvested
//! from signed mail, then GAL, then Contacts (M/T); the strongest common SMIMECapabilities
//! cipher, else the build default (T/D); no AuthEnvelopedData (T); no native OpenPGP (T),
//! GpgOL when installed (T).

use crate::evidence::RuleId;
use crate::facts::{Inspection, Layer, LayerForm, LayerKind, SignatureReasonCode, SignatureStatus};
use crate::policy::{self, Cipher};
use crate::profile::Profile;
use crate::verdict::{
    CertificateSource, ClientVerdict, Outcome, ReadStatus, ReadVerdict, Reason, ReplyVerdict,
    SignatureShown, Status, Trail, With,
};

use super::read_verdict as verdict;
use super::trust::{self, CertProblem};
use super::{ClientId, ClientModel, Message, Protection, SignatureCheck, exchange};

/// E1, the Encryption Problems dialog.
pub const E1: &str = "Microsoft Outlook had problems encrypting this message because the following recipients had missing or invalid certificates, or conflicting or unsupported encryption capabilities:";
/// E1b, the KB 9067236 wording (RSA sender, ECC recipient: a false positive).
pub const E1B: &str = "Microsoft Outlook had problems encrypting this message because the following recipients had missing or invalid certificates, or conflicting or unsupported capabilities.";
/// E2.
pub const E2: &str =
    "Cannot open this item. Your Digital ID name cannot be found by the underlying security system";
/// E9 with E10.
pub const E9: &str = "The digital signature on this item is Invalid or Not Trusted.";
/// E11.
pub const E11: &str =
    "This message has an invalid Digital Signature. Open the message for more information.";
/// The Signed By line of a multipart/signed without SignerInfos, up to its first comma
/// (Müller et al. 2019, `01-cms/c3_no-signerInfos/outlook_1.png`, which cuts the line short).
pub const NO_SIGNERS: &str = "There were errors displaying the signers of this message";
/// What Outlook says on opening a multipart/signed whose SignedData has neither SignerInfos
/// nor certificates (Müller et al. 2019, `01-cms/c3_no-signerInfos/no certificates/
/// outlook_1.png`); the reading pane has said "This item cannot be displayed in the Reading
/// Pane. Open the item to read its contents."
pub const NO_SIGNERS_NO_CERTIFICATES: &str = "Sorry, we're having trouble opening this item. This could be temporary, but if you see it again you might want to restart Outlook. Your Digital ID name cannot be found by the underlying security system.";
/// E12.
pub const E12: &str = "The certificate used to create this signature does not have the correct usage properties for digitally signing e-mail messages";

/// The Classic Outlook model.
pub struct ClassicOutlook;

impl ClientModel for ClassicOutlook {
    fn id(&self) -> ClientId {
        ClientId::ClassicOutlook
    }

    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
        let msg = Message::new(inspection);
        let read = read(&msg, profile);
        let reply = ReplyVerdict {
            plain: super::plain_reply(
                &msg,
                RuleId::ClassicReplyPlain,
                RuleId::ClassicReplyInheritsSecurity,
            ),
            signed: signed(profile),
            encrypted: encrypted(&msg, profile),
        };
        let original = msg.protection();
        let wanted = if profile.workstation.classic_reply_inherits_security {
            original
        } else {
            Protection::Plain
        };
        let default = if msg.first(LayerKind::Ome).is_some() {
            // OME replies stay protected (catalogue §0, T): the reply is not weaker.
            super::default_protection(&reply, Protection::Plain).map(|_| Protection::Encrypted)
        } else {
            super::default_protection(&reply, wanted)
        };
        // The reply's quote drops the original's style rules (Müller et al. 2019, REPLY:
        // "covert rules only for received message" in Outlook 2016, none in Outlook 2019).
        super::finish(
            ClientId::ClassicOutlook,
            &msg,
            read,
            reply,
            original,
            default,
            (Some(false), &[RuleId::ClassicReplyQuoteDropsStyles]),
        )
    }
}

/// What the signature indicator shows for an S/MIME signed layer under Windows trust.
fn smime_signature(
    layer: &Layer,
    msg: &Message,
    profile: &Profile,
    t: &mut Trail,
) -> (SignatureShown, Option<&'static str>) {
    let Some(sig) = &layer.signature else {
        t.push(RuleId::ModelNotModelled);
        return (SignatureShown::NotVerified, None);
    };
    if sig.status == SignatureStatus::Invalid
        && sig.reason.code() == SignatureReasonCode::NoSignerInfos
        && layer.form == Some(LayerForm::Clear)
        && !layer.certificates.is_empty()
    {
        // Nothing is signed, yet Outlook shows the seal and no error bar (Müller et al.
        // 2019, C3): the contradiction is the indicator.
        t.push(RuleId::ClassicReadNoSignerInfos);
        return (SignatureShown::SignedWithErrors, Some(NO_SIGNERS));
    }
    match super::check_signature(sig, t) {
        SignatureCheck::Invalid => {
            t.push(RuleId::ClassicReadInvalidSignature);
            return (SignatureShown::Invalid, Some(E11));
        }
        SignatureCheck::Unverifiable => {
            t.push(RuleId::ModelNotModelled);
            return (SignatureShown::NotVerified, None);
        }
        SignatureCheck::OpenAlgorithm => {
            t.push(RuleId::ModelNotModelled);
            return (SignatureShown::Unknown, None);
        }
        SignatureCheck::Valid => {}
    }
    t.push(RuleId::ClassicTrustWindowsRoots);
    let Some(signer) = Message::signer_certificate(layer) else {
        t.push(RuleId::ModelNotModelled);
        return (SignatureShown::NotVerified, None);
    };
    let carried = msg.carried_certificates();
    match trust::judge(
        signer,
        &carried,
        &profile.resolved.windows_roots,
        profile.evaluation_time,
    ) {
        None => {
            if sig.signer_matches_from == Some(false) {
                t.push(RuleId::ClassicTrustSignerAddress);
            }
            (SignatureShown::Verified, None)
        }
        Some(CertProblem::NoEmailProtection) => {
            t.push(RuleId::ClassicTrustNoEmailEku);
            (SignatureShown::Untrusted, Some(E12))
        }
        Some(CertProblem::Untrusted) => {
            t.push(RuleId::ClassicTrustUntrustedSigner);
            t.push(RuleId::ClassicTrustMissingRootError);
            (SignatureShown::Untrusted, Some(E9))
        }
        Some(_) => {
            t.push(RuleId::ClassicTrustUntrustedSigner);
            (SignatureShown::Untrusted, Some(E9))
        }
    }
}

/// GpgOL's words when a valid signature's key has no user ID for the sender's address
/// (`src/mail.cpp`, level 0); `GPGOL_SENDER_NOT_CLAIMED_ENCRYPTED` for an encrypted mail. The
/// reason follows on the next line: `The used key does not claim the address: "<From>".`
pub const GPGOL_SENDER_NOT_CLAIMED: &str = "The sender address is not trustworthy because:";
/// [`GPGOL_SENDER_NOT_CLAIMED`] for an encrypted and signed mail.
pub const GPGOL_SENDER_NOT_CLAIMED_ENCRYPTED: &str =
    "But the sender address is not trustworthy because:";

/// A multipart/signed whose SignedData has no SignerInfos and carries no certificates.
fn no_signers_no_certificates(layer: &Layer) -> bool {
    layer.form == Some(LayerForm::Clear)
        && layer.certificates.is_empty()
        && layer
            .signature
            .as_ref()
            .is_some_and(|s| s.reason.code() == SignatureReasonCode::NoSignerInfos)
}

/// The signature shown for an OpenPGP signed layer when GpgOL is installed, and GpgOL's
/// words; `encrypted` when the signed layer came out of an encrypted one.
fn gpgol_signature(
    layer: &Layer,
    profile: &Profile,
    encrypted: bool,
    t: &mut Trail,
) -> (SignatureShown, Option<&'static str>) {
    t.push(RuleId::ClassicGpgolDecryptVerify);
    let Some(sig) = &layer.signature else {
        return (SignatureShown::NotVerified, None);
    };
    if gnupg_cannot_read(layer) {
        t.push(RuleId::ClassicGpgolRfc9580);
        return (SignatureShown::NotVerified, None);
    }
    // GpgOL can only judge a signature whose key is in its keyring; without the key it shows
    // the signature as not verified, whatever the bytes say.
    let signer = sig.signer.as_ref().map(|s| s.id.to_ascii_uppercase());
    let known = signer.is_some_and(|id| {
        !id.is_empty()
            && profile
                .resolved
                .gpgol_keyring
                .iter()
                .any(|k| k.fingerprint.to_ascii_uppercase().ends_with(&id))
    });
    match sig.status {
        SignatureStatus::Invalid if known => (SignatureShown::Invalid, None),
        // GpgOL looks for a user ID of the key that claims the sender's address; without one
        // the signature counts for nothing (level 0), however valid (Müller et al. 2019:
        // GpgOL resisted I1 and I3).
        SignatureStatus::Valid if known && sig.signer_matches_from == Some(false) => {
            t.push(RuleId::ClassicGpgolSenderAddress);
            let sees = if encrypted {
                GPGOL_SENDER_NOT_CLAIMED_ENCRYPTED
            } else {
                GPGOL_SENDER_NOT_CLAIMED
            };
            (SignatureShown::Untrusted, Some(sees))
        }
        SignatureStatus::Valid if known => (SignatureShown::Verified, None),
        _ => (SignatureShown::NotVerified, None),
    }
}

/// Whether GnuPG, under GpgOL, cannot read this OpenPGP layer at all: a v6 signature packet,
/// a v6 PKESK or a SEIPD v2 container (RFC 9580), which GnuPG reads as packets of unknown
/// version (rule `classic.gpgol.rfc9580-unsupported`).
fn gnupg_cannot_read(layer: &Layer) -> bool {
    let v6_signature = layer
        .signature
        .as_ref()
        .is_some_and(|s| s.version == Some(6));
    let rfc9580_encryption = layer.encryption.as_ref().is_some_and(|e| {
        e.container == Some(crate::facts::PgpContainer::SeipdV2)
            || e.recipients.iter().any(|r| r.version == Some(6))
    });
    v6_signature || rfc9580_encryption
}

/// Whether GpgOL holds a secret key this OpenPGP message is encrypted to: a recipient key id
/// that ends a secret key's fingerprint, or (subkey ids are not in the facts) a secret key
/// for the recipient's own address.
fn gpgol_can_decrypt(layer: &Layer, profile: &Profile) -> bool {
    let secrets = &profile.resolved.gpgol_secret_keys;
    let by_id = layer.encryption.as_ref().is_some_and(|e| {
        e.recipients.iter().any(|r| {
            let id = r.id.to_ascii_uppercase();
            id != "0000000000000000"
                && secrets
                    .iter()
                    .any(|k| k.fingerprint.to_ascii_uppercase().ends_with(&id))
        })
    });
    let address = profile.recipient.address.to_ascii_lowercase();
    by_id || secrets.iter().any(|k| k.emails.contains(&address))
}

fn read(msg: &Message, profile: &Profile) -> ReadVerdict {
    let (_, class_rules) = exchange::item_class(msg);
    let mut t = class_rules;
    let gpgol = profile.workstation.gpgol;
    let Some(primary) = msg.primary else {
        t.push(RuleId::ReadPlain);
        return verdict(ReadStatus::Readable, SignatureShown::None, None, &t);
    };
    match primary.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            let cipher = primary
                .encryption
                .as_ref()
                .and_then(|e| e.cipher.as_deref())
                .and_then(Cipher::parse);
            if primary.kind == LayerKind::SmimeAuthEnveloped || cipher.is_some_and(Cipher::is_gcm) {
                t.push(RuleId::ClassicReadAuthEnveloped);
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            t.push(RuleId::ClassicReadDecryptNeedsKey);
            if !super::own_key_for(primary, profile, false) {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, Some(E2), &t);
            }
            if super::own_key_is_ecdh(primary, profile) {
                t.push(RuleId::ClassicReadEcdhRecipient);
            }
            match msg.signed_after(primary) {
                Some(inner) if inner.kind == LayerKind::SmimeSigned => {
                    let (shown, sees) = smime_signature(inner, msg, profile, &mut t);
                    let status = if matches!(
                        shown,
                        SignatureShown::Verified | SignatureShown::SignedWithErrors
                    ) {
                        ReadStatus::Readable
                    } else {
                        ReadStatus::ReadableWithWarning
                    };
                    verdict(status, shown, sees, &t)
                }
                _ => verdict(ReadStatus::Readable, SignatureShown::None, None, &t),
            }
        }
        LayerKind::SmimeSigned => {
            t.push(RuleId::ClassicReadSmimeSigned);
            if no_signers_no_certificates(primary) {
                // Nothing signed and no certificate to name a signer: Outlook will not open
                // the item (Müller et al. 2019, C3 without certificates).
                t.push(RuleId::ClassicReadNoSignerInfos);
                return verdict(
                    ReadStatus::Unreadable,
                    SignatureShown::None,
                    Some(NO_SIGNERS_NO_CERTIFICATES),
                    &t,
                );
            }
            let (shown, sees) = smime_signature(primary, msg, profile, &mut t);
            // Signed-with-errors has no error bar: the text reads as any signed message's.
            let status = if (shown == SignatureShown::Verified
                && !t.contains(RuleId::ClassicTrustSignerAddress))
                || shown == SignatureShown::SignedWithErrors
            {
                ReadStatus::Readable
            } else {
                ReadStatus::ReadableWithWarning
            };
            verdict(status, shown, sees, &t)
        }
        LayerKind::PgpSigned => {
            let partly_signed_inline = primary.form == Some(LayerForm::Inline)
                && primary
                    .signature
                    .as_ref()
                    .is_some_and(|s| !s.covers_whole_body);
            if gpgol && partly_signed_inline {
                // GpgOL (since 2.2.0) classifies inline PGP by the body's first non-blank
                // line: text before the armor (or a part before it) leaves the message plain,
                // so the armor shows as text and no signature is shown. 2.0.1, which looked
                // further, was not forged either (Müller et al. 2019, Table 2: GpgOL MIME –).
                t.push(RuleId::ClassicGpgolInlinePartlySigned);
                t.push(RuleId::ReadInlinePgp);
                return verdict(ReadStatus::Readable, SignatureShown::None, None, &t);
            }
            if gpgol {
                let (shown, sees) = gpgol_signature(primary, profile, false, &mut t);
                let status = if shown == SignatureShown::Verified {
                    ReadStatus::Readable
                } else {
                    ReadStatus::ReadableWithWarning
                };
                return verdict(status, shown, sees, &t);
            }
            t.push(RuleId::ClassicOpenpgpNoNative);
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::ClassicReadPgpSignedReadable);
                t.push(RuleId::ClassicReadPgpSignedSignatureUi);
                verdict(ReadStatus::Readable, SignatureShown::NotVerified, None, &t)
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::PgpEncrypted => {
            if gpgol && gnupg_cannot_read(primary) {
                // GpgOL takes the message (it is PGP/MIME) but GnuPG cannot open it.
                t.push(RuleId::ClassicGpgolDecryptVerify);
                t.push(RuleId::ClassicGpgolRfc9580);
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            if gpgol && gpgol_can_decrypt(primary, profile) {
                t.push(RuleId::ClassicGpgolDecryptVerify);
                let (shown, sees) = match msg.signed_after(primary) {
                    Some(inner) if inner.kind == LayerKind::PgpSigned => {
                        gpgol_signature(inner, profile, true, &mut t)
                    }
                    _ => (SignatureShown::None, None),
                };
                return verdict(ReadStatus::Readable, shown, sees, &t);
            }
            t.push(RuleId::ClassicOpenpgpNoNative);
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::ClassicReadPgpEncryptedAttachments);
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

/// The user's own certificate usable for sending: private key present, valid at the
/// evaluation time with e-mail EKU, and (sender-side name check) for her address.
pub fn own_sending_certificate(
    profile: &Profile,
    smart_card_only: bool,
) -> Option<&crate::profile::ResolvedOwn> {
    own_sending_certificates(profile, smart_card_only)
        .into_iter()
        .next()
}

/// Every own certificate usable for sending (see [`own_sending_certificate`]).
pub fn own_sending_certificates(
    profile: &Profile,
    smart_card_only: bool,
) -> Vec<&crate::profile::ResolvedOwn> {
    let address = profile.recipient.address.to_ascii_lowercase();
    profile
        .resolved
        .own
        .iter()
        .filter(|own| {
            let key_ok = if smart_card_only {
                own.private_key == crate::profile::PrivateKeyLocation::SmartCard
            } else {
                own.private_key.usable()
            };
            key_ok
                && trust::usable_at(&own.facts, profile.evaluation_time).is_none()
                && own.facts.emails.contains(&address)
        })
        .collect()
}

fn signed(profile: &Profile) -> Outcome {
    let t = Trail::of(&[
        RuleId::ClassicSignOwnCertificate,
        RuleId::ClassicSignOwnAddressCheck,
    ]);
    if own_sending_certificate(profile, false).is_none() {
        return Outcome::no(Reason::NoOwnCertificate, None, &t);
    }
    let t = t.with(&[RuleId::ClassicSignDefaultDigest]);
    Outcome::yes(
        Some(With {
            digest: Some(policy::CLASSIC_DEFAULT_DIGEST),
            cipher: None,
            recipient_certificate_from: None,
        }),
        &t,
    )
}

/// Classic's recipient-certificate lookup: message, GAL (published users and mail
/// contacts), Outlook Contacts; the first usable certificate wins.
fn lookup<'a>(
    msg: &Message<'a>,
    profile: &'a Profile,
    address: &str,
) -> Option<(
    CertificateSource,
    &'a crate::facts::CertificateFacts,
    RuleId,
)> {
    let at = profile.evaluation_time;
    let usable = |c: &crate::facts::CertificateFacts| {
        super::encryption_capable(c) && trust::usable_at(c, at).is_none()
    };
    if let Some(c) = msg.harvestable_certificate(address, at) {
        return Some((
            CertificateSource::Message,
            c,
            RuleId::ClassicEncryptHarvestedCert,
        ));
    }
    if let Some(own) = profile.resolved.own.iter().find(|o| {
        o.published_to_gal && o.facts.emails.iter().any(|e| e == address) && usable(&o.facts)
    }) {
        return Some((
            CertificateSource::Gal,
            &own.facts,
            RuleId::ClassicEncryptGal,
        ));
    }
    if let Some(c) = profile
        .resolved
        .mail_contacts
        .iter()
        .find(|c| c.address == address && usable(&c.certificate))
    {
        return Some((
            CertificateSource::MailContact,
            &c.certificate,
            RuleId::ClassicEncryptGal,
        ));
    }
    profile
        .resolved
        .outlook_contacts
        .iter()
        .find(|c| c.address == address && usable(&c.certificate))
        .map(|c| {
            (
                CertificateSource::Contacts,
                &c.certificate,
                RuleId::ClassicEncryptContacts,
            )
        })
}

fn gpgol_key_for(profile: &Profile, address: &str) -> bool {
    profile.workstation.gpgol
        && profile
            .resolved
            .gpgol_keyring
            .iter()
            .any(|k| k.can_encrypt && k.emails.iter().any(|e| e == address))
}

fn encrypted(msg: &Message, profile: &Profile) -> Outcome {
    let Some(address) = msg.from else {
        return Outcome::no(
            Reason::NoRecipientAddress,
            None,
            &Trail::of(&[RuleId::ClassicEncryptNoRecipientCertificate]),
        );
    };
    let keyring = Trail::of(&[RuleId::ClassicGpgolEncryptKeyring]);
    let keyring_yes = || {
        Outcome::yes(
            Some(With {
                digest: None,
                cipher: None,
                recipient_certificate_from: Some(CertificateSource::Keyring),
            }),
            &keyring,
        )
    };
    if msg.openpgp_only() && gpgol_key_for(profile, address) {
        return keyring_yes();
    }
    let Some((source, cert, rule)) = lookup(msg, profile, address) else {
        if gpgol_key_for(profile, address) {
            return keyring_yes();
        }
        if msg.openpgp_only() {
            return Outcome::no(
                Reason::OpenpgpNotSupported,
                Some(E1),
                &Trail::of(&[
                    RuleId::ClassicOpenpgpNoNative,
                    RuleId::ClassicEncryptOpenpgpSender,
                ]),
            );
        }
        return Outcome::no(
            Reason::NoRecipientCertificate,
            Some(E1),
            &Trail::of(&[
                RuleId::ClassicEncryptHarvestedCert,
                RuleId::ClassicEncryptGal,
                RuleId::ClassicEncryptContacts,
                RuleId::ClassicEncryptRecipientCertValid,
                RuleId::ClassicEncryptNoRecipientCertificate,
            ]),
        );
    };
    let mut t = Trail::of(&[
        rule,
        RuleId::ClassicEncryptRecipientCertValid,
        RuleId::ClassicEncryptOwnCertificate,
    ]);
    let Some(own) = own_sending_certificate(profile, false) else {
        return Outcome::no(Reason::NoOwnCertificate, None, &t);
    };
    let mut caps = msg.sender_capabilities();
    if caps.is_empty() {
        caps = cert.capabilities.clone();
    }
    let cipher = match policy::strongest_common(&caps, policy::CLASSIC_CIPHERS) {
        Some(c) => {
            t.push(RuleId::ClassicEncryptCapabilitiesCipher);
            c
        }
        None => {
            t.push(RuleId::ClassicEncryptDefaultCipher);
            policy::classic_default_cipher(&profile.workstation.classic_build)
        }
    };
    let with = Some(With {
        digest: None,
        cipher: Some(cipher),
        recipient_certificate_from: Some(source),
    });
    if policy::is_ec(&cert.key_type) && !policy::is_ec(&own.facts.key_type) {
        t.push(RuleId::ClassicEncryptEccRecipientWarning);
        return Outcome::new(
            Status::Partial,
            Some(Reason::WarningDialog),
            Some(E1B),
            with,
            &t,
        );
    }
    Outcome::yes(with, &t)
}
