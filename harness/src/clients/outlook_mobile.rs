//! Outlook for iOS and Android, modelled from Microsoft's S/MIME page for it, the Intune
//! app-configuration keys and its screenshots (`research/microsoft-clients-mac-mobile.md` §1,
//! catalogue §5).
//!
//! The account is an Exchange Online mailbox on the native Microsoft sync technology, so the
//! app gets the item as Exchange classed it ([`exchange::item_class`], inferred for OpenPGP:
//! MOB-51, MOB-52). The S/MIME setting (off by default, `SMIMEEnabled`) gates everything
//! S/MIME: with it off, S/MIME content cannot be consumed (MOB-12). Trust is Exchange
//! Online's (tenant SST and a reachable CRL), "Can't Verify Signature" otherwise with the
//! body still shown (MOB-23, MOB-25). The user's own certificate reaches the phone by Intune
//! or a manual `.pfx` (MOB-05, MOB-07) and must match her address (MOB-04). Recipient
//! certificates come from the directory or the device, in the order the profile picks
//! between the two the page gives (MOB-33, MOB-34); a sender's certificate is on the device
//! only when the user installed it from the S/MIME bar (MOB-26). Algorithms, opaque-signed
//! mail, reply inheritance, LDAP and OpenPGP signed mail are open: `unknown`.

use crate::evidence::RuleId;
use crate::facts::{Inspection, Layer, LayerForm, LayerKind};
use crate::policy;
use crate::profile::{CertificateDelivery, MobileLookupOrder, Profile, ResolvedOwn};
use crate::verdict::{
    CertificateSource, ClientVerdict, Outcome, ReadStatus, ReadVerdict, Reason, ReplyVerdict,
    SignatureShown, Status, Trail, With,
};

use super::read_verdict as verdict;
use super::{
    ClientId, ClientModel, Message, Protection, SignatureCheck, exchange, trust, unknown_read,
};

/// E-MOB-03: the status row and dialog title for a signature Exchange Online cannot validate.
pub const CANT_VERIFY_SIGNATURE: &str = "Can't Verify Signature";
/// MOB-21: the status bar of a signed message.
pub const SIGNED: &str = "Signed";
/// MOB-21: the status bar of an encrypted message.
pub const ENCRYPTED: &str = "Encrypted";
/// MOB-21, E-MOB-02: the status bar of a signed and encrypted message.
pub const SIGNED_AND_ENCRYPTED: &str = "Signed and Encrypted";
/// E-MOB-01: the alert on sending encrypted to a recipient without a valid certificate
/// (title, then text; buttons "Remove Recipients & Send", "Cancel").
pub const INVALID_RECIPIENTS: &str = "Invalid Recipients Detected: Some recipients in your draft have invalid or unavailable certificates. Would you like to remove them and send?";
/// E-MOB-07: no usable own certificate (Sign and Encrypt greyed out).
pub const NO_CERTIFICATE: &str = "We couldn't find your S/MIME certificate. Install a certificate or please contact your IT help desk.";
/// E-MOB-07: the own certificate expires within 30 days.
pub const CERTIFICATE_EXPIRING: &str = "Your S/MIME certificate is expiring in 30 days. Install a certificate or please contact your IT help desk.";
/// E-MOB-07: the own certificate has expired (Sign and Encrypt greyed out).
pub const CERTIFICATE_EXPIRED: &str = "Your S/MIME certificate has expired. Install a certificate or please contact your IT help desk.";

/// The warning period before the own certificate expires (MOB-41).
const EXPIRY_WARNING_SECONDS: i64 = 30 * 86_400;

/// The Outlook for iOS and Android model.
pub struct OutlookMobile;

impl ClientModel for OutlookMobile {
    fn id(&self) -> ClientId {
        ClientId::OutlookMobile
    }

    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
        let msg = Message::new(inspection);
        let read = read(&msg, profile);
        let original = msg.protection();
        let reply = ReplyVerdict {
            plain: super::plain_reply(
                &msg,
                RuleId::MobileReplyPlain,
                RuleId::MobileReplyInheritanceOpen,
            ),
            signed: signed(profile),
            encrypted: encrypted(&msg, profile),
        };
        let m = &profile.mobile;
        let wanted = if m.encrypt_all_mail {
            Protection::Encrypted
        } else if m.sign_all_mail {
            Protection::Signed
        } else {
            Protection::Plain
        };
        let default = if msg.first(LayerKind::Ome).is_some() {
            // OME replies stay protected (catalogue §0, T): the reply is not weaker.
            super::default_protection(&reply, Protection::Plain).map(|_| Protection::Encrypted)
        } else {
            super::default_protection(&reply, wanted)
        };
        // Nothing is known about how the app quotes HTML.
        super::finish(
            ClientId::OutlookMobile,
            &msg,
            read,
            reply,
            original,
            default,
            (None, &[RuleId::ModelNotModelled]),
        )
    }
}

/// The user's own certificates on the phone (with their private keys): all of them when a
/// delivery put them there, none otherwise.
fn on_device(profile: &Profile) -> &[ResolvedOwn] {
    match profile.mobile.certificate_delivery {
        CertificateDelivery::None => &[],
        CertificateDelivery::Intune | CertificateDelivery::ManualPfx => &profile.resolved.own,
    }
}

/// What the S/MIME status bar shows for a signed layer; `None` when the evidence is silent.
fn smime_signature(
    layer: &Layer,
    msg: &Message,
    profile: &Profile,
    t: &mut Trail,
) -> Option<SignatureShown> {
    let sig = layer.signature.as_ref()?;
    match super::check_signature(sig, t) {
        SignatureCheck::Invalid => {
            t.push(RuleId::MobileReadCantVerifySignature);
            return Some(SignatureShown::Invalid);
        }
        // The caller answers unknown for a `None` (the evidence is silent).
        SignatureCheck::Unverifiable | SignatureCheck::OpenAlgorithm => return None,
        SignatureCheck::Valid => {}
    }
    t.push(RuleId::MobileTrustExchangeOnline);
    let signer = Message::signer_certificate(layer)?;
    let carried = msg.carried_certificates();
    let chain = trust::judge(
        signer,
        &carried,
        &profile.resolved.sst_roots,
        profile.evaluation_time,
    );
    if chain.is_none() && profile.tenant.crl_reachable {
        Some(SignatureShown::Verified)
    } else {
        t.push(RuleId::MobileReadCantVerifySignature);
        Some(SignatureShown::Untrusted)
    }
}

fn read(msg: &Message, profile: &Profile) -> ReadVerdict {
    let (_, class_rules) = exchange::item_class(msg);
    let mut t = Trail::of(&[RuleId::MobileAccountNativeSync]);
    t.extend(&class_rules);
    let on = profile.mobile.smime_enabled;
    let Some(primary) = msg.primary else {
        t.push(RuleId::ReadPlain);
        return verdict(ReadStatus::Readable, SignatureShown::None, None, &t);
    };
    match primary.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            t.push(RuleId::MobileSmimeSetting);
            if !on {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            t.push(RuleId::MobileReadStatusBar);
            t.push(RuleId::MobileReadDecryptNeedsDeviceKey);
            let own = on_device(profile);
            if !own.is_empty() {
                t.push(RuleId::MobileCertificateDelivery);
            }
            if !own
                .iter()
                .any(|o| super::names_recipient(primary, &o.facts).is_some())
            {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            if !super::microsoft_sender_cipher(primary) {
                t.push(RuleId::MobileReadAlgorithmOpen);
                return unknown_read(&mut t);
            }
            t.push(RuleId::MobileReadCipherMicrosoftSenders);
            match msg.signed_after(primary) {
                Some(inner) if inner.kind == LayerKind::SmimeSigned => {
                    match smime_signature(inner, msg, profile, &mut t) {
                        Some(SignatureShown::Verified) => verdict(
                            ReadStatus::Readable,
                            SignatureShown::Verified,
                            Some(SIGNED_AND_ENCRYPTED),
                            &t,
                        ),
                        Some(shown) => verdict(
                            ReadStatus::ReadableWithWarning,
                            shown,
                            Some(CANT_VERIFY_SIGNATURE),
                            &t,
                        ),
                        None => unknown_read(&mut t),
                    }
                }
                _ => verdict(
                    ReadStatus::Readable,
                    SignatureShown::None,
                    Some(ENCRYPTED),
                    &t,
                ),
            }
        }
        LayerKind::SmimeSigned => {
            t.push(RuleId::MobileSmimeSetting);
            if !on {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            if primary.form != Some(LayerForm::Clear) {
                t.push(RuleId::MobileReadOpaqueSignedOpen);
                return unknown_read(&mut t);
            }
            t.push(RuleId::MobileReadStatusBar);
            match smime_signature(primary, msg, profile, &mut t) {
                Some(SignatureShown::Verified) => verdict(
                    ReadStatus::Readable,
                    SignatureShown::Verified,
                    Some(SIGNED),
                    &t,
                ),
                Some(shown) => verdict(
                    ReadStatus::ReadableWithWarning,
                    shown,
                    Some(CANT_VERIFY_SIGNATURE),
                    &t,
                ),
                None => unknown_read(&mut t),
            }
        }
        LayerKind::PgpSigned => {
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::MobileOpenpgpSignedSmimeClass);
                unknown_read(&mut t)
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::PgpEncrypted => {
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::MobileOpenpgpEncryptedAttachments);
                verdict(ReadStatus::AttachmentsOnly, SignatureShown::None, None, &t)
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::Ome => {
            t.push(super::wrapper_read_rule(primary.kind));
            t.push(RuleId::MobileReadOmeDecryptedByExchange);
            verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
        }
        LayerKind::Tnef | LayerKind::ProtonEoNotice | LayerKind::PgpKey => {
            t.push(super::wrapper_read_rule(primary.kind));
            verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
        }
    }
}

/// The own certificate the app signs and encrypts with: on the device, for the user's
/// address, valid now; `Err` with what the app says when there is none (E-MOB-07), and `Ok`
/// with the expiry warning when it expires within 30 days.
fn own_certificate(profile: &Profile, t: &mut Trail) -> Result<Option<&'static str>, &'static str> {
    t.push(RuleId::MobileSignOwnCertificate);
    let own = on_device(profile);
    if !own.is_empty() {
        t.push(RuleId::MobileCertificateDelivery);
    }
    let address = profile.recipient.address.to_ascii_lowercase();
    let at = profile.evaluation_time;
    let mine: Vec<&ResolvedOwn> = own
        .iter()
        .filter(|o| o.facts.emails.contains(&address) && trust::eku_problem(&o.facts).is_none())
        .collect();
    let valid: Vec<&&ResolvedOwn> = mine
        .iter()
        .filter(|o| trust::time_problem(&o.facts, at).is_none())
        .collect();
    let Some(latest) = valid.iter().max_by_key(|o| o.facts.not_after) else {
        if mine.is_empty() {
            return Err(NO_CERTIFICATE);
        }
        t.push(RuleId::MobileSignCertificateExpiry);
        return Err(CERTIFICATE_EXPIRED);
    };
    if latest.facts.not_after.unix() - at.unix() <= EXPIRY_WARNING_SECONDS {
        t.push(RuleId::MobileSignCertificateExpiry);
        return Ok(Some(CERTIFICATE_EXPIRING));
    }
    Ok(None)
}

fn signed(profile: &Profile) -> Outcome {
    let mut t = Trail::of(&[RuleId::MobileSmimeSetting]);
    if !profile.mobile.smime_enabled {
        return Outcome::no(Reason::SmimeSwitchedOff, None, &t);
    }
    let warning = match own_certificate(profile, &mut t) {
        Ok(w) => w,
        Err(sees) => return Outcome::no(Reason::NoOwnCertificate, Some(sees), &t),
    };
    t.push(RuleId::MobileSendClearSignedOnly);
    if profile.mobile.sign_all_mail {
        t.push(RuleId::MobileSendAllMail);
    }
    // The hash is not documented (MOB-43): the reply names none.
    Outcome::new(Status::Yes, None, warning, None, &t)
}

/// Where the app finds the recipient's certificate, in the profile's lookup order.
enum Found<'a> {
    Directory(CertificateSource, &'a crate::facts::CertificateFacts),
    Device(&'a crate::facts::CertificateFacts),
    Ldap,
}

fn lookup<'a>(profile: &'a Profile, address: &str) -> Option<Found<'a>> {
    let at = profile.evaluation_time;
    let directory = || {
        super::directory_certificate(profile, address, false).map(|(s, c)| Found::Directory(s, c))
    };
    let device = || {
        super::usable_contact(
            &profile.resolved.mobile_device_certificates,
            address,
            at,
            false,
        )
        .map(Found::Device)
    };
    let ldap = || {
        (!profile.mobile.ldap_host.trim().is_empty()
            && super::usable_contact(&profile.resolved.ldap_contacts, address, at, false).is_some())
        .then_some(Found::Ldap)
    };
    match profile.mobile.recipient_lookup_order {
        MobileLookupOrder::GalThenDevice => directory().or_else(device).or_else(ldap),
        MobileLookupOrder::DeviceThenAzureAdThenLdap => device().or_else(directory).or_else(ldap),
    }
}

fn encrypted(msg: &Message, profile: &Profile) -> Outcome {
    let mut t = Trail::of(&[RuleId::MobileSmimeSetting]);
    if !profile.mobile.smime_enabled {
        return Outcome::no(Reason::SmimeSwitchedOff, None, &t);
    }
    t.push(RuleId::MobileEncryptOwnCertificate);
    let warning = match own_certificate(profile, &mut t) {
        Ok(w) => w,
        Err(sees) => return Outcome::no(Reason::NoOwnCertificate, Some(sees), &t),
    };
    let Some(address) = msg.from else {
        t.push(RuleId::MobileEncryptInvalidRecipients);
        return Outcome::no(Reason::NoRecipientAddress, Some(INVALID_RECIPIENTS), &t);
    };
    t.push(match profile.mobile.recipient_lookup_order {
        MobileLookupOrder::GalThenDevice => RuleId::MobileEncryptLookupGalFirst,
        MobileLookupOrder::DeviceThenAzureAdThenLdap => RuleId::MobileEncryptLookupDeviceFirst,
    });
    let (source, cert) = match lookup(profile, address) {
        Some(Found::Directory(source, cert)) => (source, cert),
        Some(Found::Device(cert)) => {
            t.push(RuleId::MobileEncryptDeviceCertificateInstalled);
            (CertificateSource::Device, cert)
        }
        Some(Found::Ldap) => {
            t.push(RuleId::MobileEncryptLdapOpen);
            return Outcome::unknown(&t);
        }
        None => {
            t.push(RuleId::MobileEncryptDeviceCertificateInstalled);
            t.push(RuleId::MobileEncryptInvalidRecipients);
            if msg.openpgp_only() {
                t.push(RuleId::MobileEncryptOpenpgpSender);
                return Outcome::no(Reason::OpenpgpNotSupported, Some(INVALID_RECIPIENTS), &t);
            }
            return Outcome::no(Reason::NoRecipientCertificate, Some(INVALID_RECIPIENTS), &t);
        }
    };
    if policy::is_ec(&cert.key_type) {
        t.push(RuleId::MobileEncryptEccOpen);
        return Outcome::unknown(&t);
    }
    if profile.mobile.encrypt_all_mail {
        t.push(RuleId::MobileSendAllMail);
    }
    // The cipher is not documented (MOB-43): the reply names only the certificate's source.
    Outcome::new(
        Status::Yes,
        None,
        warning,
        Some(With {
            digest: None,
            cipher: None,
            recipient_certificate_from: Some(source),
        }),
        &t,
    )
}
