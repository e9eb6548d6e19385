//! Outlook for Mac, modelled from its admin preference keys and the legacy help
//! (`research/microsoft-clients-mac-mobile.md` §2, catalogue §4).
//!
//! New Outlook for Mac (the default edition) has S/MIME and three admin keys the profile
//! carries (MAC-02 to MAC-04): `SMIMECertificatesLookupOrder` (Contacts, GAL, Device, LDAP by
//! default; decryption too, inferred MAC-13), `AllowCertsWithoutMatchingEmailAddress` and
//! `DisableSMIMECompose`. Its trust source, banners, algorithms, ECC support and reply
//! inheritance are not documented (MAC-11, MAC-24, open question 8): where the keychain and
//! the tenant SST agree on a signer the answer stands, elsewhere it is `unknown`. Legacy
//! Outlook for Mac is modelled where the evidence is about it: keychain trust (MAC-07), no
//! subjectKeyIdentifier recipients (MAC-10), no ECC (MAC-12), contacts or directory for
//! encryption (MAC-20), no own certificate needed to encrypt. OpenPGP: no engine, and no
//! report of what a PGP/MIME-signed item looks like (MAC-30, MAC-31).

use crate::evidence::RuleId;
use crate::facts::{CertificateFacts, Inspection, Layer, LayerForm, LayerKind};
use crate::policy;
use crate::profile::{MacEdition, MacLookupSource, Profile, ResolvedOwn};
use crate::verdict::{
    CertificateSource, ClientVerdict, Outcome, ReadStatus, ReadVerdict, Reason, ReplyVerdict,
    SignatureShown, Trail, With,
};

use super::read_verdict as verdict;
use super::{
    ClientId, ClientModel, Message, Protection, SignatureCheck, exchange, trust, unknown_read,
};

/// KB 2142236: what Outlook 2011 for Mac showed for a message it could not decrypt.
pub const SECURITY_CANNOT_BE_VERIFIED: &str =
    "The security of this message cannot be verified because of an error.";

/// The Outlook for Mac model.
pub struct OutlookMac;

impl ClientModel for OutlookMac {
    fn id(&self) -> ClientId {
        ClientId::OutlookMac
    }

    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
        let msg = Message::new(inspection);
        let read = read(&msg, profile);
        let original = msg.protection();
        let reply = ReplyVerdict {
            plain: super::plain_reply(&msg, RuleId::MacReplyPlain, RuleId::MacReplyInheritanceOpen),
            signed: signed(profile),
            encrypted: encrypted(&msg, profile),
        };
        let default = if msg.first(LayerKind::Ome).is_some() {
            // OME replies stay protected (catalogue §0, T): the reply is not weaker.
            super::default_protection(&reply, Protection::Plain).map(|_| Protection::Encrypted)
        } else {
            super::default_protection(&reply, Protection::Plain)
        };
        super::finish(
            ClientId::OutlookMac,
            &msg,
            read,
            reply,
            original,
            default,
            (None, &[RuleId::ModelNotModelled]),
        )
    }
}

fn legacy(profile: &Profile) -> bool {
    profile.mac.edition == MacEdition::Legacy
}

/// Whether the address check of `AllowCertsWithoutMatchingEmailAddress` applies (new
/// Outlook, key false).
fn match_address(profile: &Profile) -> bool {
    !legacy(profile) && !profile.mac.allow_certs_without_matching_email_address
}

/// The user's own identities in her keychain, for her address where the check applies.
fn own_in_keychain<'a>(profile: &'a Profile, t: &mut Trail) -> Vec<&'a ResolvedOwn> {
    if !profile.mac.own_certificates_in_keychain {
        return Vec::new();
    }
    let address = profile.recipient.address.to_ascii_lowercase();
    let all = &profile.resolved.own;
    if match_address(profile) {
        let matching: Vec<&ResolvedOwn> = all
            .iter()
            .filter(|o| o.facts.emails.contains(&address))
            .collect();
        // The rule decides only when it leaves a certificate out.
        if matching.len() < all.len() {
            t.push(RuleId::MacCertificateAddressMatch);
        }
        matching
    } else {
        all.iter().collect()
    }
}

/// What the signature indicator shows; `None` when the evidence does not say.
fn smime_signature(
    layer: &Layer,
    msg: &Message,
    profile: &Profile,
    t: &mut Trail,
) -> Option<SignatureShown> {
    let sig = layer.signature.as_ref()?;
    match super::check_signature(sig, t) {
        SignatureCheck::Invalid => {
            t.push(RuleId::MacReadInvalidSignature);
            return Some(SignatureShown::Invalid);
        }
        // The caller answers unknown for a `None` (the evidence is silent).
        SignatureCheck::Unverifiable | SignatureCheck::OpenAlgorithm => return None,
        SignatureCheck::Valid => {}
    }
    let signer = Message::signer_certificate(layer)?;
    let carried = msg.carried_certificates();
    let at = profile.evaluation_time;
    let keychain = trust::judge(signer, &carried, &profile.resolved.keychain_roots, at).is_none();
    if legacy(profile) {
        t.push(RuleId::MacLegacyTrustKeychain);
        return Some(if keychain {
            SignatureShown::Verified
        } else {
            SignatureShown::Untrusted
        });
    }
    t.push(RuleId::MacTrustKeychainOrSst);
    let sst = trust::judge(signer, &carried, &profile.resolved.sst_roots, at).is_none();
    match (keychain, sst) {
        (true, true) => Some(SignatureShown::Verified),
        (false, false) => Some(SignatureShown::Untrusted),
        _ => None,
    }
}

fn signature_read(shown: Option<SignatureShown>, t: &mut Trail) -> ReadVerdict {
    match shown {
        Some(SignatureShown::Verified) => {
            verdict(ReadStatus::Readable, SignatureShown::Verified, None, t)
        }
        Some(shown) => verdict(ReadStatus::ReadableWithWarning, shown, None, t),
        None => unknown_read(t),
    }
}

fn read(msg: &Message, profile: &Profile) -> ReadVerdict {
    let (_, class_rules) = exchange::item_class(msg);
    let mut t = class_rules;
    let Some(primary) = msg.primary else {
        t.push(RuleId::ReadPlain);
        return verdict(ReadStatus::Readable, SignatureShown::None, None, &t);
    };
    let is_new = !legacy(profile);
    match primary.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            if is_new {
                t.push(RuleId::MacSmimeSupported);
            }
            t.push(RuleId::MacDecryptOwnKeychain);
            let own = own_in_keychain(profile, &mut t);
            let Some((ski, mine)) = own
                .iter()
                .find_map(|o| super::names_recipient(primary, &o.facts).map(|s| (s, &o.facts)))
            else {
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            };
            if is_new {
                t.push(RuleId::MacDecryptLookupOrder);
                if !profile
                    .mac
                    .smime_certificates_lookup_order
                    .contains(&MacLookupSource::Device)
                {
                    return unknown_read(&mut t);
                }
            }
            if ski {
                if is_new {
                    t.push(RuleId::MacDecryptSkiOpen);
                    return unknown_read(&mut t);
                }
                t.push(RuleId::MacLegacySkiRecipient);
                return verdict(
                    ReadStatus::Unreadable,
                    SignatureShown::None,
                    Some(SECURITY_CANNOT_BE_VERIFIED),
                    &t,
                );
            }
            if policy::is_ec(&mine.key_type) {
                if is_new {
                    t.push(RuleId::MacEccOpen);
                    return unknown_read(&mut t);
                }
                t.push(RuleId::MacEccLegacyUnsupported);
                return verdict(ReadStatus::Unreadable, SignatureShown::None, None, &t);
            }
            if !super::microsoft_sender_cipher(primary) {
                t.push(RuleId::MacDecryptAlgorithmOpen);
                return unknown_read(&mut t);
            }
            t.push(RuleId::MacDecryptCipherMicrosoftSenders);
            match msg.signed_after(primary) {
                Some(inner) if inner.kind == LayerKind::SmimeSigned => {
                    let shown = smime_signature(inner, msg, profile, &mut t);
                    signature_read(shown, &mut t)
                }
                _ => verdict(ReadStatus::Readable, SignatureShown::None, None, &t),
            }
        }
        LayerKind::SmimeSigned => {
            if is_new {
                t.push(RuleId::MacSmimeSupported);
            }
            if primary.form != Some(LayerForm::Clear) {
                t.push(RuleId::MacReadOpaqueSigned);
            }
            let shown = smime_signature(primary, msg, profile, &mut t);
            signature_read(shown, &mut t)
        }
        LayerKind::PgpSigned => {
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::MacOpenpgpNoEngine);
                unknown_read(&mut t)
            } else {
                t.push(RuleId::ReadInlinePgp);
                verdict(ReadStatus::Readable, SignatureShown::None, None, &t)
            }
        }
        LayerKind::PgpEncrypted => {
            if primary.form == Some(LayerForm::Mime) {
                t.push(RuleId::MacOpenpgpEncryptedAttachments);
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

/// The own identity Outlook for Mac signs with: in the keychain, valid now.
fn sending_identity<'a>(profile: &'a Profile, t: &mut Trail) -> Option<&'a ResolvedOwn> {
    let at = profile.evaluation_time;
    own_in_keychain(profile, t)
        .into_iter()
        .find(|o| trust::usable_at(&o.facts, at).is_none())
}

/// The compose gate of new Outlook for Mac: `Err` when DisableSMIMECompose is set (boxed:
/// an `Outcome` is large, and the gate is passed far more often than not).
fn compose(profile: &Profile, t: &mut Trail) -> Result<(), Box<Outcome>> {
    if legacy(profile) {
        return Ok(());
    }
    t.push(RuleId::MacSmimeSupported);
    if profile.mac.disable_smime_compose {
        t.push(RuleId::MacComposeDisabled);
        return Err(Box::new(Outcome::no(Reason::SmimeComposeDisabled, None, t)));
    }
    Ok(())
}

fn signed(profile: &Profile) -> Outcome {
    let mut t = Trail::new();
    if let Err(no) = compose(profile, &mut t) {
        return *no;
    }
    t.push(RuleId::MacSignOwnCertificate);
    let Some(own) = sending_identity(profile, &mut t) else {
        return Outcome::no(Reason::NoOwnCertificate, None, &t);
    };
    if policy::is_ec(&own.facts.key_type) {
        if legacy(profile) {
            t.push(RuleId::MacEccLegacyUnsupported);
            return Outcome::no(Reason::UnsupportedAlgorithm, None, &t);
        }
        t.push(RuleId::MacEccOpen);
        return Outcome::unknown(&t);
    }
    // The hash is not documented (MAC-24): the reply names none.
    Outcome::yes(None, &t)
}

/// Where Outlook for Mac finds the recipient's certificate.
enum Found<'a> {
    Cert(CertificateSource, &'a CertificateFacts),
    Ldap,
}

fn lookup<'a>(profile: &'a Profile, address: &str, t: &mut Trail) -> Option<Found<'a>> {
    let check = match_address(profile);
    let order: &[MacLookupSource] = if legacy(profile) {
        t.push(RuleId::MacLegacyEncryptContactsOrDirectory);
        &[MacLookupSource::Contacts, MacLookupSource::Gal]
    } else {
        t.push(RuleId::MacEncryptLookupOrder);
        &profile.mac.smime_certificates_lookup_order
    };
    let found = find_in(profile, order, address, check);
    // The address check decides only when it changes what is found.
    if check {
        let key = |f: &Option<Found>| match f {
            Some(Found::Cert(s, c)) => Some((Some(*s), c.fingerprint.clone())),
            Some(Found::Ldap) => Some((None, String::new())),
            None => None,
        };
        if key(&found) != key(&find_in(profile, order, address, false)) {
            t.push(RuleId::MacCertificateAddressMatch);
        }
    }
    found
}

/// The first certificate for `address` in `order` (see [`lookup`]).
fn find_in<'a>(
    profile: &'a Profile,
    order: &[MacLookupSource],
    address: &str,
    check: bool,
) -> Option<Found<'a>> {
    let at = profile.evaluation_time;
    let r = &profile.resolved;
    order.iter().find_map(|source| match source {
        MacLookupSource::Contacts => super::usable_contact(&r.mac_contacts, address, at, check)
            .map(|c| Found::Cert(CertificateSource::Contacts, c)),
        MacLookupSource::Gal => {
            super::directory_certificate(profile, address, check).map(|(s, c)| Found::Cert(s, c))
        }
        MacLookupSource::Device => {
            super::usable_contact(&r.mac_keychain_certificates, address, at, check)
                .map(|c| Found::Cert(CertificateSource::Device, c))
        }
        MacLookupSource::Ldap => super::usable_contact(&r.ldap_contacts, address, at, check)
            .is_some()
            .then_some(Found::Ldap),
    })
}

fn encrypted(msg: &Message, profile: &Profile) -> Outcome {
    let mut t = Trail::new();
    if let Err(no) = compose(profile, &mut t) {
        return *no;
    }
    let Some(address) = msg.from else {
        t.push(RuleId::MacEncryptNoRecipientCertificate);
        return Outcome::no(Reason::NoRecipientAddress, None, &t);
    };
    let (source, cert) = match lookup(profile, address, &mut t) {
        Some(Found::Cert(source, cert)) => (source, cert),
        Some(Found::Ldap) => {
            t.push(RuleId::MacEncryptLdapOpen);
            return Outcome::unknown(&t);
        }
        None => {
            if msg.openpgp_only() {
                t.push(RuleId::MacOpenpgpNoEngine);
                return Outcome::no(Reason::OpenpgpNotSupported, None, &t);
            }
            t.push(RuleId::MacEncryptNoRecipientCertificate);
            return Outcome::no(Reason::NoRecipientCertificate, None, &t);
        }
    };
    if !legacy(profile)
        && matches!(
            source,
            CertificateSource::Contacts | CertificateSource::Device
        )
    {
        t.push(RuleId::MacEncryptSourceMeaning);
    }
    if policy::is_ec(&cert.key_type) {
        if legacy(profile) {
            t.push(RuleId::MacEccLegacyUnsupported);
            return Outcome::no(Reason::UnsupportedAlgorithm, None, &t);
        }
        t.push(RuleId::MacEccOpen);
        return Outcome::unknown(&t);
    }
    if legacy(profile) {
        t.push(RuleId::MacLegacyEncryptOwnOptional);
    } else {
        let mut own_rules = Trail::new();
        if sending_identity(profile, &mut own_rules).is_none() {
            t.push(RuleId::MacEncryptOwnCertificateOpen);
            return Outcome::unknown(&t);
        }
    }
    // The cipher is not documented (MAC-24): the reply names only the certificate's source.
    Outcome::yes(
        Some(With {
            digest: None,
            cipher: None,
            recipient_certificate_from: Some(source),
        }),
        &t,
    )
}
