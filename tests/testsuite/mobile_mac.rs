//! Outlook for iOS and Android and Outlook for Mac: one test per evidence row the models
//! encode (`research/microsoft-clients-mac-mobile.md`, ids MOB-xx, MAC-xx, E-MOB-xx), each
//! asserting the behaviour where its evidence says it holds, with the client's exact words.
//! Facts and profiles are the hand-built ones of `models` (the shipped TOML files, with
//! persona certificates as facts).

use replymatrix::clients::ClientId;
use replymatrix::clients::outlook_mac::SECURITY_CANNOT_BE_VERIFIED;
use replymatrix::clients::outlook_mobile::{
    CANT_VERIFY_SIGNATURE, CERTIFICATE_EXPIRED, CERTIFICATE_EXPIRING, ENCRYPTED,
    INVALID_RECIPIENTS, NO_CERTIFICATE, SIGNED, SIGNED_AND_ENCRYPTED,
};
use replymatrix::evidence::{Confidence, RuleId};
use replymatrix::facts::{CertificateRole, Inspection, LayerForm};
use replymatrix::profile::{
    CertificateDelivery, Contact, MacEdition, MacLookupSource, MobileLookupOrder, Profile,
};
use replymatrix::verdict::{
    CertificateSource, ClientVerdict, ReadStatus, Reason, SignatureShown, Status,
};

use crate::models::{
    at, cert, gcm_to_robin, hand_resolve, ome, outlook_signed, owa_signed, pgp_encrypted, profile,
    proton_signed, smime_enveloped_to_robin,
};

const MOBILE: ClientId = ClientId::OutlookMobile;
const MAC: ClientId = ClientId::OutlookMac;

fn verdict(i: &Inspection, p: &Profile, c: ClientId) -> ClientVerdict {
    crate::models::verdict(i, p, c)
}

/// A shipped profile changed by `change`, resolved again.
fn changed(name: &str, change: impl FnOnce(&mut Profile)) -> Profile {
    let mut p = profile(name);
    change(&mut p);
    hand_resolve(&mut p);
    p
}

/// smime-tenant-mobile with the public root in the SST too, so that dana's signature is
/// trusted by Exchange Online.
fn mobile_trusting_dana() -> Profile {
    changed("smime-tenant-mobile", |p| {
        p.tenant
            .sst_roots
            .push("x509/public-root-ca.cert.pem".into());
    })
}

/// smime_enveloped_to_robin without the signature inside.
fn enveloped_only() -> Inspection {
    let mut i = smime_enveloped_to_robin();
    i.layers.truncate(1);
    i
}

fn dana_contact(file: &str) -> Contact {
    Contact {
        address: "dana@fabrikam.example".into(),
        certificate: format!("x509/{file}.cert.pem"),
    }
}

// ---------------------------------------------------------------- Outlook for iOS and Android

/// MOB-01: the app reads an Exchange Online mailbox on Microsoft sync; it gets the item as
/// Exchange classed it.
#[test]
fn mob_01_native_sync_account_sees_exchange_class() {
    let v = verdict(&proton_signed(), &profile("smime-tenant-mobile"), MOBILE);
    assert!(v.read.rules.contains(&RuleId::MobileAccountNativeSync));
    assert!(
        v.read
            .rules
            .contains(&RuleId::ExchangePgpMultipartSignedClass)
    );
}

/// MOB-10, MOB-11, MOB-12, E-MOB-09: with the S/MIME setting off (the default) S/MIME content
/// cannot be consumed and nothing can be signed or encrypted; a plain reply still goes out.
#[test]
fn mob_12_smime_off_nothing_smime_can_be_read_or_sent() {
    let p = profile("smime-tenant");
    assert!(!p.mobile.smime_enabled, "the typical tenant leaves it off");
    for i in [outlook_signed(), smime_enveloped_to_robin()] {
        let v = verdict(&i, &p, MOBILE);
        assert_eq!(v.read.status, ReadStatus::Unreadable);
        assert!(v.read.rules.contains(&RuleId::MobileSmimeSetting));
        assert_eq!(v.read.confidence, Confidence::Documented);
        for o in [&v.reply.signed, &v.reply.encrypted] {
            assert_eq!(o.status, Status::No);
            assert_eq!(o.reason, Some(Reason::SmimeSwitchedOff));
            assert_eq!(o.confidence, Confidence::Documented);
        }
        assert_eq!(v.reply.plain.status, Status::Yes);
    }
    // On (the admin forced it): the same messages read.
    let on = verdict(&outlook_signed(), &mobile_trusting_dana(), MOBILE);
    assert_eq!(on.read.status, ReadStatus::Readable);
}

/// MOB-20, MOB-21, E-MOB-02: the S/MIME status bar says Signed, Encrypted, or Signed and
/// Encrypted.
#[test]
fn mob_21_status_bar_words() {
    let p = mobile_trusting_dana();
    let signed = verdict(&outlook_signed(), &p, MOBILE);
    assert_eq!(signed.read.signature_shown, SignatureShown::Verified);
    assert_eq!(signed.read.user_sees.as_deref(), Some(SIGNED));
    assert_eq!(signed.read.user_sees.as_deref(), Some("Signed"));
    let both = verdict(&smime_enveloped_to_robin(), &p, MOBILE);
    assert_eq!(both.read.status, ReadStatus::Readable);
    assert_eq!(both.read.user_sees.as_deref(), Some(SIGNED_AND_ENCRYPTED));
    assert_eq!(SIGNED_AND_ENCRYPTED, "Signed and Encrypted");
    let enc = verdict(&enveloped_only(), &p, MOBILE);
    assert_eq!(enc.read.user_sees.as_deref(), Some(ENCRYPTED));
    assert_eq!(ENCRYPTED, "Encrypted");
    assert!(enc.read.rules.contains(&RuleId::MobileReadStatusBar));
}

/// MOB-22: reading an encrypted message needs the private key on the device; Intune or a
/// manual .pfx puts it there (MOB-05, MOB-07).
#[test]
fn mob_22_decryption_needs_the_key_on_the_device() {
    let none = changed("smime-tenant-mobile", |p| {
        p.mobile.certificate_delivery = CertificateDelivery::None;
    });
    let v = verdict(&smime_enveloped_to_robin(), &none, MOBILE);
    assert_eq!(v.read.status, ReadStatus::Unreadable);
    assert!(
        v.read
            .rules
            .contains(&RuleId::MobileReadDecryptNeedsDeviceKey)
    );
    for delivery in [CertificateDelivery::Intune, CertificateDelivery::ManualPfx] {
        let p = changed("smime-tenant-mobile", |p| {
            p.mobile.certificate_delivery = delivery;
        });
        let v = verdict(&smime_enveloped_to_robin(), &p, MOBILE);
        assert!(v.read.status.text_visible(), "{delivery:?}");
        assert!(v.read.rules.contains(&RuleId::MobileCertificateDelivery));
        assert!(
            v.read
                .rules
                .contains(&RuleId::MobileReadCipherMicrosoftSenders)
        );
    }
}

/// MOB-23, MOB-25, E-MOB-03, E15: trust is Exchange Online's (SST and CRL). A signer Windows
/// trusts but the SST does not, or a CRL Exchange cannot reach, gives "Can't Verify
/// Signature" with the body still shown.
#[test]
fn mob_23_trust_is_exchange_onlines_cant_verify_signature() {
    let p = profile("smime-tenant-mobile");
    let v = verdict(&outlook_signed(), &p, MOBILE);
    let classic = verdict(&outlook_signed(), &p, ClientId::ClassicOutlook);
    assert_eq!(classic.read.signature_shown, SignatureShown::Verified);
    assert_eq!(v.read.signature_shown, SignatureShown::Untrusted);
    assert_eq!(v.read.status, ReadStatus::ReadableWithWarning, "body shown");
    assert_eq!(v.read.user_sees.as_deref(), Some(CANT_VERIFY_SIGNATURE));
    assert_eq!(CANT_VERIFY_SIGNATURE, "Can't Verify Signature");
    assert!(v.read.rules.contains(&RuleId::MobileTrustExchangeOnline));
    assert_eq!(v.read.confidence, Confidence::Documented);
    let mut no_crl = mobile_trusting_dana();
    no_crl.tenant.crl_reachable = false;
    let v = verdict(&outlook_signed(), &no_crl, MOBILE);
    assert_eq!(v.read.user_sees.as_deref(), Some(CANT_VERIFY_SIGNATURE));
    // A signature that fails is shown the same way.
    let mut bad = outlook_signed();
    if let Some(s) = bad.layers[0].signature.as_mut() {
        s.status = replymatrix::facts::SignatureStatus::Invalid;
    }
    let v = verdict(&bad, &mobile_trusting_dana(), MOBILE);
    assert_eq!(v.read.signature_shown, SignatureShown::Invalid);
    assert_eq!(v.read.user_sees.as_deref(), Some(CANT_VERIFY_SIGNATURE));
}

/// MOB-26, E-MOB-04..06: the certificate in a signed message is not used by itself; once
/// the user installed it from the S/MIME bar, it is the device source.
#[test]
fn mob_26_sender_certificate_only_after_install_from_the_status_bar() {
    let p = mobile_trusting_dana();
    let v = verdict(&outlook_signed(), &p, MOBILE);
    assert_eq!(v.reply.encrypted.status, Status::No);
    assert_eq!(
        v.reply.encrypted.reason,
        Some(Reason::NoRecipientCertificate)
    );
    let installed = changed("smime-tenant-mobile", |p| {
        p.mobile.device_certificates.push(dana_contact("dana"));
    });
    let v = verdict(&outlook_signed(), &installed, MOBILE);
    assert_eq!(v.reply.encrypted.status, Status::Yes);
    let with = v.reply.encrypted.with.as_ref().expect("with");
    assert_eq!(
        with.recipient_certificate_from,
        Some(CertificateSource::Device)
    );
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MobileEncryptDeviceCertificateInstalled)
    );
    assert_eq!(v.reply.encrypted.confidence, Confidence::Documented);
}

/// MOB-27: label / OME encryption is decrypted by Exchange Online, S/MIME setting or not.
#[test]
fn mob_27_ome_reads_whatever_the_smime_setting() {
    let v = verdict(&ome(), &profile("seed-tenant"), MOBILE);
    assert_eq!(v.read.status, ReadStatus::Readable);
    assert!(
        v.read
            .rules
            .contains(&RuleId::MobileReadOmeDecryptedByExchange)
    );
}

/// MOB-28, open question 3: AES-GCM (AuthEnvelopedData) is not documented: unknown.
#[test]
fn mob_28_gcm_is_unknown() {
    let v = verdict(&gcm_to_robin(), &profile("smime-tenant-mobile"), MOBILE);
    assert_eq!(v.read.status, ReadStatus::Unknown);
    assert!(v.read.rules.contains(&RuleId::MobileReadAlgorithmOpen));
    assert!(v.read.rules.contains(&RuleId::ModelNotModelled));
    assert_eq!(v.read.confidence, Confidence::Inferred);
}

/// Open question 2: opaque-signed mail on mobile is undocumented: unknown.
#[test]
fn mob_q2_opaque_signed_is_unknown() {
    let mut i = outlook_signed();
    i.layers[0].form = Some(LayerForm::Opaque);
    let v = verdict(&i, &mobile_trusting_dana(), MOBILE);
    assert_eq!(v.read.status, ReadStatus::Unknown);
    assert!(v.read.rules.contains(&RuleId::MobileReadOpaqueSignedOpen));
}

/// MOB-04, MOB-32, E-MOB-07: no own certificate for the user's address on the device, no
/// signing: "We couldn't find your S/MIME certificate...".
#[test]
fn mob_04_own_certificate_must_match_the_address() {
    let none = changed("smime-tenant-mobile", |p| {
        p.mobile.certificate_delivery = CertificateDelivery::None;
    });
    let wrong = changed("smime-tenant-mobile", |p| {
        p.recipient.address = "robin.other@northwind.example".into();
    });
    for p in [none, wrong] {
        let v = verdict(&outlook_signed(), &p, MOBILE);
        for o in [&v.reply.signed, &v.reply.encrypted] {
            assert_eq!(o.status, Status::No);
            assert_eq!(o.reason, Some(Reason::NoOwnCertificate));
            assert_eq!(o.user_sees.as_deref(), Some(NO_CERTIFICATE));
        }
    }
    assert_eq!(
        NO_CERTIFICATE,
        "We couldn't find your S/MIME certificate. Install a certificate or please contact your IT help desk."
    );
}

/// MOB-41, E-MOB-07: a warning from 30 days before the own certificate expires; expired,
/// the options are greyed out.
#[test]
fn mob_41_expiry_warning_and_expired_certificate() {
    let soon = changed("smime-tenant-mobile", |p| {
        p.evaluation_time = at("2029-12-19T12:00:00Z");
    });
    let v = verdict(&outlook_signed(), &soon, MOBILE);
    assert_eq!(v.reply.signed.status, Status::Yes);
    assert_eq!(
        v.reply.signed.user_sees.as_deref(),
        Some(CERTIFICATE_EXPIRING)
    );
    assert!(
        v.reply
            .signed
            .rules
            .contains(&RuleId::MobileSignCertificateExpiry)
    );
    let late = changed("smime-tenant-mobile", |p| {
        p.evaluation_time = at("2030-02-01T12:00:00Z");
    });
    let v = verdict(&outlook_signed(), &late, MOBILE);
    assert_eq!(v.reply.signed.status, Status::No);
    assert_eq!(
        v.reply.signed.user_sees.as_deref(),
        Some(CERTIFICATE_EXPIRED)
    );
    assert_eq!(
        CERTIFICATE_EXPIRED,
        "Your S/MIME certificate has expired. Install a certificate or please contact your IT help desk."
    );
}

/// MOB-31, MOB-43: signed replies are clear-signed; the hash is not documented, so the
/// signed `yes` names none.
#[test]
fn mob_31_clear_signed_only_hash_not_documented() {
    let v = verdict(&outlook_signed(), &profile("smime-tenant-mobile"), MOBILE);
    assert_eq!(v.reply.signed.status, Status::Yes);
    assert!(
        v.reply
            .signed
            .rules
            .contains(&RuleId::MobileSendClearSignedOnly)
    );
    assert!(v.reply.signed.with.is_none());
    assert_eq!(v.reply.signed.confidence, Confidence::Documented);
}

/// MOB-33, MOB-34: the two documented lookup orders are a profile setting; with both a GAL
/// and a device certificate they pick different sources.
#[test]
fn mob_33_34_lookup_order_is_a_setting_with_both_documented_orders() {
    let both = |order| {
        changed("smime-tenant-mobile", |p| {
            p.tenant.mail_contacts.push(dana_contact("dana"));
            p.mobile.device_certificates.push(dana_contact("dana"));
            p.mobile.recipient_lookup_order = order;
        })
    };
    let gal = verdict(
        &outlook_signed(),
        &both(MobileLookupOrder::GalThenDevice),
        MOBILE,
    );
    let enc = &gal.reply.encrypted;
    assert!(enc.rules.contains(&RuleId::MobileEncryptLookupGalFirst));
    assert_eq!(
        enc.with.as_ref().and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::MailContact)
    );
    let device = verdict(
        &outlook_signed(),
        &both(MobileLookupOrder::DeviceThenAzureAdThenLdap),
        MOBILE,
    );
    let enc = &device.reply.encrypted;
    assert!(enc.rules.contains(&RuleId::MobileEncryptLookupDeviceFirst));
    assert_eq!(
        enc.with.as_ref().and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::Device)
    );
}

/// MOB-35, MOB-36, open question 1: a certificate only the LDAP endpoint holds: unknown.
#[test]
fn mob_35_ldap_only_certificate_is_unknown() {
    let p = changed("smime-tenant-mobile", |p| {
        p.mobile.ldap_host = "ldaps://ldap.northwind.example".into();
        p.tenant.ldap_contacts.push(Contact {
            address: "owen@contoso.example".into(),
            certificate: "x509/owen.cert.pem".into(),
        });
    });
    let v = verdict(&owa_signed(), &p, MOBILE);
    assert_eq!(v.reply.encrypted.status, Status::Unknown);
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MobileEncryptLdapOpen)
    );
    // Without LDAPHostName the app does not query it.
    let unset = changed("smime-tenant-mobile", |p| {
        p.tenant.ldap_contacts.push(Contact {
            address: "owen@contoso.example".into(),
            certificate: "x509/owen.cert.pem".into(),
        });
    });
    assert_eq!(
        verdict(&owa_signed(), &unset, MOBILE)
            .reply
            .encrypted
            .status,
        Status::No
    );
}

/// MOB-38, E-MOB-01: no certificate for the recipient: "Invalid Recipients Detected".
#[test]
fn mob_38_invalid_recipients_detected() {
    let v = verdict(&outlook_signed(), &profile("smime-tenant-mobile"), MOBILE);
    let enc = &v.reply.encrypted;
    assert_eq!(enc.status, Status::No);
    assert_eq!(enc.reason, Some(Reason::NoRecipientCertificate));
    assert_eq!(enc.user_sees.as_deref(), Some(INVALID_RECIPIENTS));
    assert_eq!(
        INVALID_RECIPIENTS,
        "Invalid Recipients Detected: Some recipients in your draft have invalid or unavailable certificates. Would you like to remove them and send?"
    );
    assert_eq!(enc.confidence, Confidence::Documented);
}

/// MOB-10 (EncryptAllMail, SignAllMail), MOB-40: the default reply is plain unless the keys
/// say otherwise; inheritance is not documented.
#[test]
fn mob_40_default_reply_plain_unless_all_mail_keys() {
    let p = mobile_trusting_dana();
    let v = verdict(&smime_enveloped_to_robin(), &p, MOBILE);
    assert!(
        v.weaker_than_original,
        "a plain reply to an encrypted message"
    );
    assert!(
        v.reply
            .plain
            .rules
            .contains(&RuleId::MobileReplyInheritanceOpen)
    );
    let all = changed("smime-tenant-mobile", |p| {
        p.mobile.encrypt_all_mail = true;
        p.mobile.device_certificates.push(dana_contact("dana"));
    });
    let v = verdict(&smime_enveloped_to_robin(), &all, MOBILE);
    assert!(!v.weaker_than_original);
    assert!(v.reply.encrypted.rules.contains(&RuleId::MobileSendAllMail));
}

/// MOB-33 with an ECC certificate, open question 3: unknown.
#[test]
fn mob_q3_ecc_recipient_is_unknown() {
    let p = changed("smime-tenant-mobile", |p| {
        p.mobile.device_certificates.push(dana_contact("dana-p256"));
    });
    let v = verdict(&outlook_signed(), &p, MOBILE);
    assert_eq!(v.reply.encrypted.status, Status::Unknown);
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MobileEncryptEccOpen)
    );
}

/// MOB-50 to MOB-53: OpenPGP as Exchange delivers it: PGP/MIME signed is an S/MIME-class
/// item whose display is untested (unknown), PGP/MIME encrypted is attachments only, a
/// plain reply is the only reply.
#[test]
fn mob_51_to_53_openpgp_as_exchange_delivers_it() {
    for name in ["seed-tenant", "smime-tenant-mobile"] {
        let p = profile(name);
        let v = verdict(&proton_signed(), &p, MOBILE);
        assert_eq!(v.read.status, ReadStatus::Unknown, "{name}");
        assert!(
            v.read
                .rules
                .contains(&RuleId::MobileOpenpgpSignedSmimeClass)
        );
        assert_eq!(v.reply.plain.status, Status::Yes);
        assert_eq!(v.reply.encrypted.status, Status::No);
        let v = verdict(&pgp_encrypted(), &p, MOBILE);
        assert_eq!(v.read.status, ReadStatus::AttachmentsOnly);
        assert!(
            v.read
                .rules
                .contains(&RuleId::MobileOpenpgpEncryptedAttachments)
        );
    }
    let on = verdict(&proton_signed(), &profile("smime-tenant-mobile"), MOBILE);
    assert_eq!(on.reply.encrypted.reason, Some(Reason::OpenpgpNotSupported));
    assert!(
        on.reply
            .encrypted
            .rules
            .contains(&RuleId::MobileEncryptOpenpgpSender)
    );
}

// ---------------------------------------------------------------- Outlook for Mac

/// MAC-03, MAC-22: new Outlook for Mac looks in Contacts, GAL, Device, LDAP by default; the
/// admin can reorder.
#[test]
fn mac_03_lookup_order_contacts_first_by_default() {
    let both = |order: Option<Vec<MacLookupSource>>| {
        changed("smime-tenant", |p| {
            p.tenant.mail_contacts.push(dana_contact("dana"));
            p.mac.contacts.push(dana_contact("dana"));
            if let Some(o) = order {
                p.mac.smime_certificates_lookup_order = o;
            }
        })
    };
    let v = verdict(&outlook_signed(), &both(None), MAC);
    let enc = &v.reply.encrypted;
    assert_eq!(enc.status, Status::Yes);
    assert_eq!(
        enc.with.as_ref().and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::Contacts)
    );
    assert!(enc.rules.contains(&RuleId::MacEncryptLookupOrder));
    assert!(enc.rules.contains(&RuleId::MacEncryptSourceMeaning));
    let v = verdict(
        &outlook_signed(),
        &both(Some(vec![MacLookupSource::Gal, MacLookupSource::Contacts])),
        MAC,
    );
    assert_eq!(
        v.reply
            .encrypted
            .with
            .as_ref()
            .and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::MailContact)
    );
}

/// MAC-03, MAC-13: the order governs decryption too; without Device the user's keychain
/// identity is not known to be found: unknown.
#[test]
fn mac_13_lookup_order_without_device_leaves_decryption_unknown() {
    let p = profile("smime-tenant");
    let v = verdict(&enveloped_only(), &p, MAC);
    assert!(v.read.status.text_visible());
    assert!(v.read.rules.contains(&RuleId::MacDecryptLookupOrder));
    let no_device = changed("smime-tenant", |p| {
        p.mac.smime_certificates_lookup_order =
            vec![MacLookupSource::Contacts, MacLookupSource::Gal];
    });
    let v = verdict(&enveloped_only(), &no_device, MAC);
    assert_eq!(v.read.status, ReadStatus::Unknown);
}

/// MAC-02: by default a certificate whose address does not match is not used; the key
/// allows it.
#[test]
fn mac_02_address_mismatch_blocked_by_default() {
    let mismatch = |allow| {
        changed("smime-tenant", |p| {
            // owen's certificate on a contact for dana: its address is owen's.
            p.mac.contacts.push(Contact {
                address: "dana@fabrikam.example".into(),
                certificate: "x509/owen.cert.pem".into(),
            });
            p.mac.allow_certs_without_matching_email_address = allow;
        })
    };
    let v = verdict(&outlook_signed(), &mismatch(false), MAC);
    assert_eq!(v.reply.encrypted.status, Status::No);
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MacCertificateAddressMatch)
    );
    let v = verdict(&outlook_signed(), &mismatch(true), MAC);
    assert_eq!(v.reply.encrypted.status, Status::Yes);
}

/// MAC-04: DisableSMIMECompose removes signing and encrypting; reading is unaffected.
#[test]
fn mac_04_disable_smime_compose() {
    let p = changed("smime-tenant", |p| p.mac.disable_smime_compose = true);
    let v = verdict(&enveloped_only(), &p, MAC);
    for o in [&v.reply.signed, &v.reply.encrypted] {
        assert_eq!(o.status, Status::No);
        assert_eq!(o.reason, Some(Reason::SmimeComposeDisabled));
        assert_eq!(o.confidence, Confidence::Documented);
    }
    assert!(v.read.status.text_visible());
    assert_eq!(v.reply.plain.status, Status::Yes);
}

/// MAC-11: new Outlook for Mac's trust source is not documented: where keychain and SST
/// agree the answer stands, where they disagree it is unknown.
#[test]
fn mac_11_trust_source_open() {
    // smime-tenant: keychain has the public root, the SST only the enterprise root.
    let v = verdict(&outlook_signed(), &profile("smime-tenant"), MAC);
    assert_eq!(v.read.signature_shown, SignatureShown::Unknown);
    assert!(v.read.rules.contains(&RuleId::MacTrustKeychainOrSst));
    let agree = changed("smime-tenant", |p| {
        p.tenant
            .sst_roots
            .push("x509/public-root-ca.cert.pem".into());
    });
    let v = verdict(&outlook_signed(), &agree, MAC);
    assert_eq!(v.read.signature_shown, SignatureShown::Verified);
    assert_eq!(
        v.read.user_sees, None,
        "the banner words are not documented"
    );
}

/// MAC-07: legacy Outlook for Mac trusts the keychain roots.
#[test]
fn mac_07_legacy_trusts_the_keychain() {
    let legacy = |roots: Vec<&str>| {
        changed("smime-tenant", |p| {
            p.mac.edition = MacEdition::Legacy;
            p.mac.keychain_trusted_roots = roots.into_iter().map(str::to_owned).collect();
        })
    };
    let v = verdict(
        &outlook_signed(),
        &legacy(vec!["x509/public-root-ca.cert.pem"]),
        MAC,
    );
    assert_eq!(v.read.signature_shown, SignatureShown::Verified);
    assert!(v.read.rules.contains(&RuleId::MacLegacyTrustKeychain));
    assert_eq!(v.read.confidence, Confidence::Documented);
    let v = verdict(
        &outlook_signed(),
        &legacy(vec!["x509/enterprise-root-ca.cert.pem"]),
        MAC,
    );
    assert_eq!(v.read.signature_shown, SignatureShown::Untrusted);
}

/// MAC-10: legacy Outlook for Mac cannot decrypt for a recipient named by
/// subjectKeyIdentifier (KB 2142236's words); for new Outlook for Mac it is open.
#[test]
fn mac_10_subject_key_identifier_recipients() {
    let mut i = enveloped_only();
    let robin = cert("robin-enterprise", CertificateRole::Own);
    if let Some(e) = i.layers[0].encryption.as_mut() {
        e.recipients[0].id = format!("ski:{}", robin.subject_key_id.clone().unwrap_or_default());
    }
    let legacy = changed("smime-tenant", |p| p.mac.edition = MacEdition::Legacy);
    let v = verdict(&i, &legacy, MAC);
    assert_eq!(v.read.status, ReadStatus::Unreadable);
    assert_eq!(
        v.read.user_sees.as_deref(),
        Some(SECURITY_CANNOT_BE_VERIFIED)
    );
    assert_eq!(
        SECURITY_CANNOT_BE_VERIFIED,
        "The security of this message cannot be verified because of an error."
    );
    let v = verdict(&i, &profile("smime-tenant"), MAC);
    assert_eq!(v.read.status, ReadStatus::Unknown);
    assert!(v.read.rules.contains(&RuleId::MacDecryptSkiOpen));
}

/// MAC-12: ECC is not supported by legacy Outlook for Mac; for new Outlook for Mac it is
/// open.
#[test]
fn mac_12_ecc() {
    let with_p256 = |edition| {
        changed("smime-tenant", |p| {
            p.mac.edition = edition;
            p.mac.contacts.push(dana_contact("dana-p256"));
        })
    };
    let v = verdict(&outlook_signed(), &with_p256(MacEdition::Legacy), MAC);
    assert_eq!(v.reply.encrypted.status, Status::No);
    assert_eq!(v.reply.encrypted.reason, Some(Reason::UnsupportedAlgorithm));
    assert_eq!(v.reply.encrypted.confidence, Confidence::ThirdParty);
    let v = verdict(&outlook_signed(), &with_p256(MacEdition::New), MAC);
    assert_eq!(v.reply.encrypted.status, Status::Unknown);
    assert!(v.reply.encrypted.rules.contains(&RuleId::MacEccOpen));
}

/// MAC-20, MAC-24 (catalogue §4): legacy Outlook for Mac encrypts with a contact's or the
/// directory's certificate and needs no own certificate; new Outlook for Mac without an own
/// identity: unknown.
#[test]
fn mac_20_24_recipient_sources_and_own_certificate() {
    let legacy = changed("seed-tenant", |p| {
        p.mac.edition = MacEdition::Legacy;
        p.mac.contacts.push(dana_contact("dana"));
    });
    let v = verdict(&outlook_signed(), &legacy, MAC);
    assert_eq!(v.reply.encrypted.status, Status::Yes);
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MacLegacyEncryptOwnOptional)
    );
    let new = changed("seed-tenant", |p| p.mac.contacts.push(dana_contact("dana")));
    let v = verdict(&outlook_signed(), &new, MAC);
    assert_eq!(v.reply.encrypted.status, Status::Unknown);
    assert!(
        v.reply
            .encrypted
            .rules
            .contains(&RuleId::MacEncryptOwnCertificateOpen)
    );
    // No certificate anywhere: no (MAC-20), without documented words.
    let v = verdict(&outlook_signed(), &profile("smime-tenant"), MAC);
    assert_eq!(
        v.reply.encrypted.reason,
        Some(Reason::NoRecipientCertificate)
    );
    assert_eq!(v.reply.encrypted.user_sees, None);
}

/// MAC-30, MAC-31: OpenPGP on Mac: a PGP/MIME-signed item's display is unreported
/// (unknown), PGP/MIME encrypted is attachments only (by analogy), no OpenPGP encryption.
#[test]
fn mac_30_31_openpgp() {
    let p = profile("smime-tenant");
    let v = verdict(&proton_signed(), &p, MAC);
    assert_eq!(v.read.status, ReadStatus::Unknown);
    assert!(v.read.rules.contains(&RuleId::MacOpenpgpNoEngine));
    assert_eq!(v.reply.encrypted.reason, Some(Reason::OpenpgpNotSupported));
    assert_eq!(v.reply.plain.status, Status::Yes);
    let v = verdict(&pgp_encrypted(), &p, MAC);
    assert_eq!(v.read.status, ReadStatus::AttachmentsOnly);
}

/// Signing on Mac: the own identity in the keychain; the hash is not documented (MAC-24).
#[test]
fn mac_sign_needs_keychain_identity() {
    let v = verdict(&outlook_signed(), &profile("smime-tenant"), MAC);
    assert_eq!(v.reply.signed.status, Status::Yes);
    assert!(v.reply.signed.with.is_none());
    let v = verdict(&outlook_signed(), &profile("seed-tenant-local-cert"), MAC);
    assert_eq!(v.reply.signed.status, Status::No);
    assert_eq!(v.reply.signed.reason, Some(Reason::NoOwnCertificate));
}
