//! Client models against hand-built facts and the shipped profiles.
//!
//! Facts are built by hand (the inspector is another helper's work); profiles are the
//! shipped TOML files, with their certificate paths resolved to hand-built
//! `CertificateFacts` that mirror the persona keys in `corpora/keys/`.

use std::collections::BTreeMap;
use std::path::Path;

use replymatrix::clients::ClientId;
use replymatrix::evidence::{self, Confidence, RuleId};
use replymatrix::explain::{explain, explain_text};
use replymatrix::facts::{
    CertificateFacts, CertificateRole, Digest, EncryptionFacts, Inspection, KeyPreference, Layer,
    LayerForm, LayerKind, PgpKeyFacts, Recipient, SignatureAlgorithm, SignatureFacts,
    SignatureStatus, Signer,
};
use replymatrix::profile::{
    CertificateDelivery, Contact, MacEdition, MacLookupSource, MobileLookupOrder, OwnCertificate,
    PrivateKeyLocation, Profile, ResolvedContact, ResolvedOwn,
};
use replymatrix::verdict::{
    CertificateSource, ClientVerdict, Outcome, ReadStatus, Reason, SignatureShown, Status,
};

use crate::support::{self, root};

/// An instant the test writes literally.
pub(crate) fn at(text: &str) -> replymatrix::facts::Instant {
    replymatrix::facts::Instant::parse(text).unwrap_or_else(|| panic!("{text:?} is a time"))
}

// ---------------------------------------------------------------- personas (facts)

struct CertSpec {
    name: &'static str,
    subject: &'static str,
    issuer: &'static str,
    email: Option<&'static str>,
    ski: &'static str,
    aki: Option<&'static str>,
    ca: bool,
    not_before: &'static str,
    not_after: &'static str,
    eku: Option<bool>,
}

const EE_FROM: &str = "2025-01-01T00:00:00Z";
const EE_TO: &str = "2030-01-01T00:00:00Z";
const CA_FROM: &str = "2020-01-01T00:00:00Z";
const CA_TO: &str = "2045-01-01T00:00:00Z";

const PUBLIC_ROOT: &str = "CN=Public Root CA,O=Replymatrix Public Trust";
const PUBLIC_ISSUING: &str = "CN=Public Issuing CA,O=Replymatrix Public Trust";
const ENTERPRISE_ROOT: &str = "CN=Northwind Enterprise Root CA,O=Northwind";
const UNTRUSTED_ROOT: &str = "CN=Untrusted Root CA,O=Nobody";

fn spec(name: &str) -> CertSpec {
    let ee = |name, subject, issuer, email, aki| CertSpec {
        name,
        subject,
        issuer,
        email: Some(email),
        ski: name,
        aki: Some(aki),
        ca: false,
        not_before: EE_FROM,
        not_after: EE_TO,
        eku: Some(true),
    };
    let ca = |name, subject, issuer, aki| CertSpec {
        name,
        subject,
        issuer,
        email: None,
        ski: name,
        aki,
        ca: true,
        not_before: CA_FROM,
        not_after: CA_TO,
        eku: None,
    };
    match name {
        "public-root-ca" => ca("public-root-ca", PUBLIC_ROOT, PUBLIC_ROOT, None),
        "public-issuing-ca" => ca(
            "public-issuing-ca",
            PUBLIC_ISSUING,
            PUBLIC_ROOT,
            Some("public-root-ca"),
        ),
        "enterprise-root-ca" => ca("enterprise-root-ca", ENTERPRISE_ROOT, ENTERPRISE_ROOT, None),
        "untrusted-root-ca" => ca("untrusted-root-ca", UNTRUSTED_ROOT, UNTRUSTED_ROOT, None),
        "dana" => ee(
            "dana",
            "CN=Dana,O=Fabrikam",
            PUBLIC_ISSUING,
            "dana@fabrikam.example",
            "public-issuing-ca",
        ),
        "dana-expired" => CertSpec {
            not_before: "2019-01-01T00:00:00Z",
            not_after: "2021-01-01T00:00:00Z",
            ..ee(
                "dana-expired",
                "CN=Dana Expired,O=Fabrikam",
                PUBLIC_ISSUING,
                "dana@fabrikam.example",
                "public-issuing-ca",
            )
        },
        "dana-no-eku" => CertSpec {
            eku: Some(false),
            ..ee(
                "dana-no-eku",
                "CN=Dana No EKU,O=Fabrikam",
                PUBLIC_ISSUING,
                "dana@fabrikam.example",
                "public-issuing-ca",
            )
        },
        "dana-untrusted" => ee(
            "dana-untrusted",
            "CN=Dana Untrusted,O=Fabrikam",
            UNTRUSTED_ROOT,
            "dana@fabrikam.example",
            "untrusted-root-ca",
        ),
        "owen" => ee(
            "owen",
            "CN=Owen,O=Contoso",
            PUBLIC_ISSUING,
            "owen@contoso.example",
            "public-issuing-ca",
        ),
        "dana-p256" => ee(
            "dana-p256",
            "CN=Dana P-256,O=Fabrikam",
            PUBLIC_ISSUING,
            "dana@fabrikam.example",
            "public-issuing-ca",
        ),
        "gil" => ee(
            "gil",
            "CN=Gil,O=GCM",
            PUBLIC_ISSUING,
            "gil@gcm.example",
            "public-issuing-ca",
        ),
        "robin-enterprise" => ee(
            "robin-enterprise",
            "CN=Robin,O=Northwind",
            ENTERPRISE_ROOT,
            "robin@northwind.example",
            "enterprise-root-ca",
        ),
        "robin-public" => ee(
            "robin-public",
            "CN=Robin Public,O=Northwind",
            PUBLIC_ISSUING,
            "robin@northwind.example",
            "public-issuing-ca",
        ),
        other => panic!("no persona certificate {other}"),
    }
}

pub(crate) fn cert(name: &str, role: CertificateRole) -> CertificateFacts {
    let s = spec(name);
    let serial = format!("{:02x}", s.name.len());
    CertificateFacts {
        subject: s.subject.to_owned(),
        issuer: s.issuer.to_owned(),
        serial: serial.clone(),
        id: format!("{}#{}-{serial}", s.issuer, s.name),
        fingerprint: format!("fp-{}", s.name),
        emails: s.email.map(|e| vec![e.to_owned()]).unwrap_or_default(),
        key_type: if s.name.ends_with("p256") {
            "ec"
        } else {
            "rsa"
        }
        .to_owned(),
        key_bits: if s.name.ends_with("p256") { 256 } else { 2048 },
        curve: s.name.ends_with("p256").then(|| "p-256".to_owned()),
        email_protection: s.eku,
        key_usage: if s.ca {
            vec!["keyCertSign".to_owned()]
        } else {
            vec!["digitalSignature".to_owned(), "keyEncipherment".to_owned()]
        },
        not_before: at(s.not_before),
        not_after: at(s.not_after),
        self_signed: s.subject == s.issuer,
        is_ca: s.ca,
        subject_key_id: Some(s.ski.to_owned()),
        authority_key_id: s.aki.map(str::to_owned),
        capabilities: Vec::new(),
        verified_by: None,
        role,
    }
}

fn pgp_key(name: &str) -> PgpKeyFacts {
    let (fp, email) = match name {
        "pat" => (
            "AAAA0000000000000000000000000000PAT00001",
            "pat@proton.example",
        ),
        "theo" => (
            "BBBB000000000000000000000000000THEO0001",
            "theo@tbird.example",
        ),
        "robin" => (
            "CCCC00000000000000000000000000ROBIN0001",
            "robin@northwind.example",
        ),
        "lee" => (
            "DDDD000000000000000000000000000LEE00001",
            "lee@proton.example",
        ),
        other => panic!("no persona key {other}"),
    };
    PgpKeyFacts {
        fingerprint: fp.to_owned(),
        version: 4,
        emails: vec![email.to_owned()],
        algorithm: "eddsa".to_owned(),
        bits: 256,
        can_encrypt: true,
        can_sign: true,
        source: format!("openpgp/{name}.pub.asc"),
    }
}

fn persona_of(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').next().unwrap_or(file).to_owned()
}

/// What `Profile::resolve` would produce, from hand-built facts.
pub(crate) fn hand_resolve(p: &mut Profile) {
    let r = &mut p.resolved;
    *r = Default::default();
    for own in &p.recipient.certificates {
        r.own.push(ResolvedOwn {
            facts: cert(&persona_of(&own.cert), CertificateRole::Own),
            private_key: own.private_key,
            published_to_gal: own.published_to_gal,
        });
    }
    r.sst_roots = p
        .tenant
        .sst_roots
        .iter()
        .map(|c| cert(&persona_of(c), CertificateRole::Anchor))
        .collect();
    r.windows_roots = p
        .workstation
        .windows_trusted_roots
        .iter()
        .map(|c| cert(&persona_of(c), CertificateRole::Anchor))
        .collect();
    r.mail_contacts = p
        .tenant
        .mail_contacts
        .iter()
        .map(|c| ResolvedContact {
            address: c.address.clone(),
            certificate: cert(&persona_of(&c.certificate), CertificateRole::Encryption),
        })
        .collect();
    r.outlook_contacts = p
        .workstation
        .outlook_contacts
        .iter()
        .map(|c| ResolvedContact {
            address: c.address.clone(),
            certificate: cert(&persona_of(&c.certificate), CertificateRole::Encryption),
        })
        .collect();
    r.gpgol_keyring = p
        .workstation
        .gpgol_keyring
        .iter()
        .map(|k| pgp_key(&persona_of(k)))
        .collect();
    r.gpgol_secret_keys = p
        .workstation
        .gpgol_secret_keys
        .iter()
        .map(|k| pgp_key(&persona_of(k)))
        .collect();
    let contacts = |list: &[Contact]| -> Vec<ResolvedContact> {
        list.iter()
            .map(|c| ResolvedContact {
                address: c.address.clone(),
                certificate: cert(&persona_of(&c.certificate), CertificateRole::Encryption),
            })
            .collect()
    };
    r.ldap_contacts = contacts(&p.tenant.ldap_contacts);
    r.mobile_device_certificates = contacts(&p.mobile.device_certificates);
    r.mac_keychain_certificates = contacts(&p.mac.keychain_certificates);
    r.mac_contacts = contacts(&p.mac.contacts);
    r.keychain_roots = p
        .mac
        .keychain_trusted_roots
        .iter()
        .map(|c| cert(&persona_of(c), CertificateRole::Anchor))
        .collect();
}

const PROFILES: &[&str] = &[
    "seed-tenant",
    "seed-tenant-local-cert",
    "smime-tenant",
    "smime-tenant-external-contact",
    "smime-tenant-mobile",
    "gpgol-workstation",
];

pub(crate) fn profile(name: &str) -> Profile {
    let path = root().join("corpora/profiles").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("profile readable");
    let mut p = Profile::parse(&text, &path).expect("profile parses");
    hand_resolve(&mut p);
    p
}

// ---------------------------------------------------------------- messages (facts)

pub(crate) fn signature(
    status: SignatureStatus,
    digest: Digest,
    alg: SignatureAlgorithm,
    email: &str,
    id: &str,
) -> SignatureFacts {
    SignatureFacts {
        status,
        reason: replymatrix::facts::SignatureReason::new(
            replymatrix::facts::SignatureReasonCode::Valid,
            "fixture",
        ),
        digest: Some(digest),
        algorithm: Some(alg),
        signer: Some(Signer {
            subject: None,
            email: Some(email.to_owned()),
            id: id.to_owned(),
        }),
        signer_matches_from: Some(true),
        covers_whole_body: true,
        signer_count: 1,
        signed_at: Some(at("2026-05-01T10:00:00Z")),
        version: None,
        key_version: None,
    }
}

pub(crate) fn with_layers(from: &str, layers: Vec<Layer>) -> Inspection {
    let mut i = Inspection::empty(Some(from.to_owned()));
    i.layers = layers;
    i
}

/// Proton: PGP/MIME signed (RFC 3156 §5) with the public key attached.
pub(crate) fn proton_signed() -> Inspection {
    let pat = pgp_key("pat");
    let mut signed = Layer::new(LayerKind::PgpSigned, Some(LayerForm::Mime), "");
    signed.signature = Some(signature(
        SignatureStatus::Valid,
        Digest::Sha512,
        SignatureAlgorithm::Eddsa,
        "pat@proton.example",
        &pat.fingerprint,
    ));
    signed.keys = vec![pat.clone()];
    signed
        .wire
        .insert("protocol".into(), "application/pgp-signature".into());
    let mut key = Layer::new(LayerKind::PgpKey, Some(LayerForm::Attachment), "1.2");
    key.keys = vec![pat];
    with_layers("pat@proton.example", vec![signed, key])
}

/// An S/MIME clear-signed layer by `signer` with `chain`, capabilities and key preference.
fn smime_signed(from: &str, signer: &str, caps: Vec<&str>, digest: Digest) -> Inspection {
    let leaf = cert(signer, CertificateRole::Signer);
    let mut l = Layer::new(LayerKind::SmimeSigned, Some(LayerForm::Clear), "");
    l.signature = Some(signature(
        SignatureStatus::Valid,
        digest,
        SignatureAlgorithm::Rsa,
        from,
        &leaf.id,
    ));
    l.capabilities = Some(caps.into_iter().map(str::to_owned).collect());
    l.key_preference = Some(KeyPreference {
        smime: Some(leaf.id.clone()),
        microsoft: Some(leaf.id.clone()),
    });
    let mut chain = vec![leaf];
    if spec(signer).issuer == PUBLIC_ISSUING {
        chain.push(cert("public-issuing-ca", CertificateRole::Chain));
    }
    l.certificates = chain;
    with_layers(from, vec![l])
}

/// Outlook: clear-signed RSA/SHA-256 with SMIMECapabilities (sender-formats O1).
pub(crate) fn outlook_signed() -> Inspection {
    smime_signed(
        "dana@fabrikam.example",
        "dana",
        vec![
            "aes256-cbc",
            "aes192-cbc",
            "des-ede3-cbc",
            "aes128-cbc",
            "rc2-cbc",
        ],
        Digest::Sha256,
    )
}

/// OWA: clear-signed SHA-1 without capabilities (OWASigningAlgorithms 8004,
/// OWAIncludeSMIMECapabilitiesInMessage false).
pub(crate) fn owa_signed() -> Inspection {
    let mut i = smime_signed("owen@contoso.example", "owen", vec![], Digest::Sha1);
    if let Some(l) = i.layers.first_mut() {
        l.key_preference = None;
    }
    i
}

/// S/MIME enveloped to robin (and to dana, the copy to self), signed inside.
pub(crate) fn smime_enveloped_to_robin() -> Inspection {
    let mut env = Layer::new(LayerKind::SmimeEnveloped, Some(LayerForm::Opaque), "");
    env.encryption = Some(EncryptionFacts {
        cipher: Some("aes-256-cbc".to_owned()),
        recipients: vec![
            Recipient {
                key_algorithm: "rsa".into(),
                id: cert("robin-enterprise", CertificateRole::Own).id,
                version: None,
            },
            Recipient {
                key_algorithm: "rsa".into(),
                id: cert("dana", CertificateRole::Signer).id,
                version: None,
            },
        ],
        decrypted: true,
        container: None,
        aead: None,
        chunk_size: None,
    });
    let mut inner = outlook_signed().layers.remove(0);
    inner.part = "1".to_owned();
    with_layers("dana@fabrikam.example", vec![env, inner])
}

/// Gil: S/MIME 4.0 AuthEnvelopedData (AES-256-GCM) to robin.
pub(crate) fn gcm_to_robin() -> Inspection {
    let mut env = Layer::new(LayerKind::SmimeAuthEnveloped, Some(LayerForm::Opaque), "");
    env.encryption = Some(EncryptionFacts {
        cipher: Some("aes-256-gcm".to_owned()),
        recipients: vec![Recipient {
            key_algorithm: "rsa".into(),
            id: cert("robin-enterprise", CertificateRole::Own).id,
            version: None,
        }],
        decrypted: false,
        container: None,
        aead: None,
        chunk_size: None,
    });
    with_layers("gil@gcm.example", vec![env])
}

/// PGP/MIME encrypted (RFC 3156 §4) from pat to robin's OpenPGP key.
pub(crate) fn pgp_encrypted() -> Inspection {
    let mut l = Layer::new(LayerKind::PgpEncrypted, Some(LayerForm::Mime), "");
    l.encryption = Some(EncryptionFacts {
        cipher: None,
        recipients: vec![Recipient {
            key_algorithm: "x25519".into(),
            id: "ROBIN0001".into(),
            version: None,
        }],
        decrypted: false,
        container: None,
        aead: None,
        chunk_size: None,
    });
    with_layers("pat@proton.example", vec![l])
}

/// Purview Message Encryption wrapper.
pub(crate) fn ome() -> Inspection {
    let mut l = Layer::new(LayerKind::Ome, None, "");
    l.wire.insert("filename".into(), "message.rpmsg".into());
    with_layers("owen@contoso.example", vec![l])
}

/// Proton "Encrypt for outside users": a notice with a link to Proton's portal.
fn proton_eo() -> Inspection {
    let mut l = Layer::new(LayerKind::ProtonEoNotice, None, "");
    l.wire
        .insert("link".into(), "https://mail.proton.me/eo/xyz".into());
    with_layers("pat@proton.example", vec![l])
}

/// A winmail.dat (TNEF) wrapper.
fn tnef() -> Inspection {
    with_layers(
        "owen@contoso.example",
        vec![Layer::new(LayerKind::Tnef, None, "2")],
    )
}

fn plain() -> Inspection {
    Inspection::empty(Some("owen@contoso.example".to_owned()))
}

fn fixtures() -> Vec<(&'static str, Inspection)> {
    let mut untrusted = smime_signed(
        "dana@fabrikam.example",
        "dana-untrusted",
        vec!["aes256-cbc"],
        Digest::Sha256,
    );
    untrusted.layers[0]
        .certificates
        .push(cert("untrusted-root-ca", CertificateRole::Chain));
    vec![
        ("proton-signed", proton_signed()),
        ("outlook-signed", outlook_signed()),
        ("owa-signed", owa_signed()),
        ("smime-enveloped", smime_enveloped_to_robin()),
        ("gcm", gcm_to_robin()),
        ("pgp-encrypted", pgp_encrypted()),
        ("ome", ome()),
        ("plain", plain()),
        ("proton-eo", proton_eo()),
        ("tnef", tnef()),
        (
            "dana-p256",
            smime_signed(
                "dana@fabrikam.example",
                "dana-p256",
                vec!["aes256-cbc"],
                Digest::Sha256,
            ),
        ),
        ("dana-untrusted", untrusted),
        (
            "dana-expired",
            smime_signed(
                "dana@fabrikam.example",
                "dana-expired",
                vec![],
                Digest::Sha256,
            ),
        ),
    ]
}

pub(crate) fn verdict(i: &Inspection, p: &Profile, c: ClientId) -> ClientVerdict {
    replymatrix::clients::model(c).evaluate(i, p)
}

pub(crate) fn has_rule(o: &Outcome, id: RuleId) -> bool {
    o.rules.contains(&id)
}

// ---------------------------------------------------------------- the seed

#[test]
fn seed_proton_signed_under_seed_tenant() {
    let p = profile("seed-tenant");
    let i = proton_signed();
    let classic = verdict(&i, &p, ClientId::ClassicOutlook);
    assert_eq!(classic.reply.plain.status, Status::Yes);
    assert_eq!(classic.read.status, ReadStatus::Readable);
    assert!(
        classic
            .read
            .rules
            .contains(&RuleId::ClassicReadPgpSignedReadable)
    );
    assert_eq!(classic.read.signature_shown, SignatureShown::NotVerified);
    assert!(
        classic
            .read
            .rules
            .contains(&RuleId::ClassicReadPgpSignedSignatureUi)
    );
    assert_eq!(
        classic.reply.encrypted.reason,
        Some(Reason::OpenpgpNotSupported)
    );

    for c in [ClientId::Owa, ClientId::NewOutlook] {
        let v = verdict(&i, &p, c);
        let plain = &v.reply.plain;
        assert_ne!(plain.status, Status::Yes, "{c:?}");
        assert_eq!(plain.status, Status::No);
        assert_eq!(plain.reason, Some(Reason::ItemClassSmimeNoControl));
        assert!(has_rule(plain, RuleId::ExchangePgpMultipartSignedClass));
        assert!(has_rule(plain, RuleId::OwaReplySmimeClassReportedFailure));
        assert!(has_rule(plain, RuleId::OwaReplySmimeClassNeedsControl));
        assert_eq!(plain.confidence, Confidence::Inferred);
        assert!(plain.evidence.iter().any(|u| u.contains("5876934")));
        assert_eq!(v.read.status, ReadStatus::ReadableWithWarning);
        assert_eq!(v.read.signature_shown, SignatureShown::NotVerified);
        assert!(!v.quotes_original, "no reply, nothing quoted");
    }
    let owa = verdict(&i, &p, ClientId::Owa);
    assert!(
        owa.read
            .user_sees
            .as_deref()
            .is_some_and(|s| s.contains("S/MIME control"))
    );
}

#[test]
fn seed_proton_signed_under_other_profiles() {
    let i = proton_signed();
    // Classic can sign once robin has a certificate with its key in the store.
    let local = profile("seed-tenant-local-cert");
    assert_eq!(
        verdict(&i, &local, ClientId::ClassicOutlook)
            .reply
            .signed
            .status,
        Status::Yes
    );
    assert_eq!(
        verdict(&i, &profile("seed-tenant"), ClientId::ClassicOutlook)
            .reply
            .signed
            .reason,
        Some(Reason::NoOwnCertificate)
    );
    // A full S/MIME deployment does not help OWA with an OpenPGP item.
    let smime = profile("smime-tenant");
    let owa = verdict(&i, &smime, ClientId::Owa);
    assert_eq!(
        owa.reply.plain.reason,
        Some(Reason::ItemClassSmimeNoControl)
    );
    // GpgOL verifies with the keyring and encrypts to pat.
    let gpgol = profile("gpgol-workstation");
    let classic = verdict(&i, &gpgol, ClientId::ClassicOutlook);
    assert_eq!(classic.read.signature_shown, SignatureShown::Verified);
    assert_eq!(classic.reply.encrypted.status, Status::Yes);
    assert_eq!(
        classic
            .reply
            .encrypted
            .with
            .as_ref()
            .and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::Keyring)
    );
    // New Outlook has no COM add-ins: GpgOL changes nothing there.
    let new = verdict(&i, &gpgol, ClientId::NewOutlook);
    assert_ne!(new.reply.encrypted.status, Status::Yes);
    assert!(has_rule(
        &new.reply.encrypted,
        RuleId::NewOutlookNoComAddIns
    ));
    assert!(new.read.rules.contains(&RuleId::NewOutlookNoComAddIns));
    assert_eq!(new.read.signature_shown, SignatureShown::NotVerified);
}

// ---------------------------------------------------------------- catalogue rows

#[test]
fn classic_encrypts_with_harvested_certificate_and_strongest_capability() {
    let v = verdict(
        &outlook_signed(),
        &profile("seed-tenant-local-cert"),
        ClientId::ClassicOutlook,
    );
    let e = &v.reply.encrypted;
    assert_eq!(e.status, Status::Yes);
    let with = e.with.as_ref().expect("with");
    assert_eq!(
        with.recipient_certificate_from,
        Some(CertificateSource::Message)
    );
    assert_eq!(with.cipher.map(|c| c.as_str()), Some("aes-256-cbc"));
    assert!(has_rule(e, RuleId::ClassicEncryptHarvestedCert));
    assert!(has_rule(e, RuleId::ClassicEncryptCapabilitiesCipher));
    // Strongest *common*: a sender offering only 3DES and AES-128 gets AES-128.
    let weak = smime_signed(
        "dana@fabrikam.example",
        "dana",
        vec!["des-ede3-cbc", "aes128-cbc"],
        Digest::Sha256,
    );
    let v = verdict(
        &weak,
        &profile("seed-tenant-local-cert"),
        ClientId::ClassicOutlook,
    );
    assert_eq!(
        v.reply
            .encrypted
            .with
            .and_then(|w| w.cipher)
            .map(|c| c.as_str()),
        Some("aes-128-cbc")
    );
}

#[test]
fn classic_encryption_needs_own_certificate() {
    let v = verdict(
        &outlook_signed(),
        &profile("seed-tenant"),
        ClientId::ClassicOutlook,
    );
    assert_eq!(v.reply.encrypted.status, Status::No);
    assert_eq!(v.reply.encrypted.reason, Some(Reason::NoOwnCertificate));
    assert_eq!(v.reply.encrypted.confidence, Confidence::Inferred);
}

#[test]
fn classic_falls_back_to_build_default_cipher() {
    let mut p = profile("seed-tenant-local-cert");
    let v = verdict(&owa_signed(), &p, ClientId::ClassicOutlook);
    assert_eq!(
        v.reply
            .encrypted
            .with
            .as_ref()
            .and_then(|w| w.cipher.map(|c| c.as_str())),
        Some("aes-256-cbc")
    );
    assert!(has_rule(
        &v.reply.encrypted,
        RuleId::ClassicEncryptDefaultCipher
    ));
    p.workstation.classic_build = "16.0.8201.2200".to_owned();
    let v = verdict(&owa_signed(), &p, ClientId::ClassicOutlook);
    assert_eq!(
        v.reply
            .encrypted
            .with
            .and_then(|w| w.cipher)
            .map(|c| c.as_str()),
        Some("3des-cbc")
    );
}

#[test]
fn classic_lookup_order_contacts_after_message() {
    let mut p = profile("seed-tenant-local-cert");
    p.workstation.outlook_contacts.push(Contact {
        address: "pat@proton.example".into(),
        certificate: "x509/dana.cert.pem".into(),
    });
    hand_resolve(&mut p);
    // No certificate in the message: Contacts supply one.
    let v = verdict(&proton_signed(), &p, ClientId::ClassicOutlook);
    assert_eq!(
        v.reply
            .encrypted
            .with
            .and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::Contacts)
    );
}

#[test]
fn classic_does_not_harvest_expired_certificate() {
    let i = smime_signed(
        "dana@fabrikam.example",
        "dana-expired",
        vec![],
        Digest::Sha256,
    );
    let v = verdict(
        &i,
        &profile("seed-tenant-local-cert"),
        ClientId::ClassicOutlook,
    );
    assert_eq!(
        v.reply.encrypted.reason,
        Some(Reason::NoRecipientCertificate)
    );
    assert_eq!(v.read.signature_shown, SignatureShown::Untrusted);
}

#[test]
fn owa_cannot_encrypt_to_external_sender_without_mail_contact() {
    let v = verdict(&outlook_signed(), &profile("smime-tenant"), ClientId::Owa);
    assert_eq!(v.reply.encrypted.status, Status::No);
    assert_eq!(
        v.reply.encrypted.reason,
        Some(Reason::NoRecipientCertificate)
    );
    assert!(has_rule(&v.reply.encrypted, RuleId::OwaEncryptGalOnly));
    let v = verdict(
        &outlook_signed(),
        &profile("smime-tenant-external-contact"),
        ClientId::Owa,
    );
    let e = &v.reply.encrypted;
    assert_eq!(e.status, Status::Yes);
    let with = e.with.as_ref().expect("with");
    assert_eq!(
        with.recipient_certificate_from,
        Some(CertificateSource::MailContact)
    );
    assert_eq!(with.cipher.map(|c| c.as_str()), Some("aes-256-cbc"));
}

#[test]
fn owa_signs_with_sha1_default_and_refuses_certificate_outside_sst() {
    let v = verdict(&outlook_signed(), &profile("smime-tenant"), ClientId::Owa);
    assert_eq!(v.reply.signed.status, Status::Yes);
    assert_eq!(
        v.reply
            .signed
            .with
            .as_ref()
            .and_then(|w| w.digest.map(|d| d.as_str())),
        Some("sha1")
    );
    let mut p = profile("seed-tenant-local-cert");
    p.workstation.owa_smime_extension = true;
    let v = verdict(&outlook_signed(), &p, ClientId::Owa);
    assert_eq!(v.reply.signed.status, Status::No);
    assert_eq!(
        v.reply.signed.reason,
        Some(Reason::OwnCertificateNotTrustedBySst)
    );
    assert!(
        v.reply
            .signed
            .user_sees
            .as_deref()
            .is_some_and(|s| s.contains("vertrauenswürdig"))
    );
    p.tenant.smime_config.owa_signing_algorithms = "800C".to_owned();
    // The SST holds the root and the issuing CA (robin's own chain is not carried anywhere).
    p.tenant
        .sst_roots
        .push("x509/public-root-ca.cert.pem".to_owned());
    p.tenant
        .sst_roots
        .push("x509/public-issuing-ca.cert.pem".to_owned());
    hand_resolve(&mut p);
    let v = verdict(&outlook_signed(), &p, ClientId::Owa);
    assert_eq!(
        v.reply
            .signed
            .with
            .and_then(|w| w.digest)
            .map(|d| d.as_str()),
        Some("sha256")
    );
}

#[test]
fn owa_without_extension_shows_e18a_and_cannot_sign() {
    let mut p = profile("smime-tenant");
    p.workstation.owa_smime_extension = false;
    let v = verdict(&outlook_signed(), &p, ClientId::Owa);
    assert_eq!(v.read.signature_shown, SignatureShown::NotVerified);
    assert!(
        v.read
            .user_sees
            .as_deref()
            .is_some_and(|s| s.starts_with("This message has a digital signature"))
    );
    assert_eq!(v.reply.signed.reason, Some(Reason::ExtensionMissing));
    // New Outlook has its own bridge.
    let n = verdict(&outlook_signed(), &p, ClientId::NewOutlook);
    assert_ne!(n.read.signature_shown, SignatureShown::NotVerified);
}

#[test]
fn web_clients_trust_sst_only_classic_trusts_windows_roots() {
    let p = profile("smime-tenant");
    // dana's public-CA chain: Windows trusts it, the SST (enterprise root) does not.
    assert_eq!(
        verdict(&outlook_signed(), &p, ClientId::ClassicOutlook)
            .read
            .signature_shown,
        SignatureShown::Verified
    );
    assert_eq!(
        verdict(&outlook_signed(), &p, ClientId::Owa)
            .read
            .signature_shown,
        SignatureShown::Untrusted
    );
    assert_eq!(
        verdict(&outlook_signed(), &p, ClientId::NewOutlook)
            .read
            .signature_shown,
        SignatureShown::Untrusted
    );
    let untrusted = fixtures()
        .into_iter()
        .find(|(n, _)| *n == "dana-untrusted")
        .map(|(_, i)| i)
        .expect("fixture");
    let v = verdict(&untrusted, &p, ClientId::ClassicOutlook);
    assert_eq!(v.read.signature_shown, SignatureShown::Untrusted);
    assert!(v.read.rules.contains(&RuleId::ClassicTrustUntrustedSigner));
}

#[test]
fn classic_rejects_signer_without_email_eku() {
    let i = smime_signed(
        "dana@fabrikam.example",
        "dana-no-eku",
        vec![],
        Digest::Sha256,
    );
    let v = verdict(&i, &profile("seed-tenant"), ClientId::ClassicOutlook);
    assert_eq!(v.read.signature_shown, SignatureShown::Untrusted);
    assert!(v.read.rules.contains(&RuleId::ClassicTrustNoEmailEku));
}

#[test]
fn new_outlook_reply_to_encrypted_message_is_encrypted() {
    let p = profile("smime-tenant-external-contact");
    let i = smime_enveloped_to_robin();
    let n = verdict(&i, &p, ClientId::NewOutlook);
    assert_eq!(
        n.read.status,
        ReadStatus::ReadableWithWarning,
        "dana's public CA is not in the SST"
    );
    assert_eq!(n.reply.encrypted.status, Status::Yes);
    assert!(has_rule(
        &n.reply.encrypted,
        RuleId::NewOutlookReplyInheritsEncryption
    ));
    assert!(!n.weaker_than_original);
    assert!(n.quotes_original);
    // Classic (Q4 default: no inheritance) replies plain by default: weaker.
    let c = verdict(&i, &p, ClientId::ClassicOutlook);
    assert!(c.weaker_than_original);
    let mut inherit = p.clone();
    inherit.workstation.classic_reply_inherits_security = true;
    assert!(!verdict(&i, &inherit, ClientId::ClassicOutlook).weaker_than_original);
}

#[test]
fn decryption_needs_the_users_key() {
    let i = smime_enveloped_to_robin();
    let v = verdict(
        &i,
        &profile("seed-tenant-local-cert"),
        ClientId::ClassicOutlook,
    );
    assert_eq!(
        v.read.status,
        ReadStatus::Unreadable,
        "robin-public is not a recipient"
    );
    assert!(
        v.read
            .user_sees
            .as_deref()
            .is_some_and(|s| s.contains("Digital ID"))
    );
    let v = verdict(&i, &profile("smime-tenant"), ClientId::ClassicOutlook);
    assert!(v.read.status.text_visible());
    let mut no_ext = profile("smime-tenant");
    no_ext.workstation.owa_smime_extension = false;
    assert_eq!(
        verdict(&i, &no_ext, ClientId::Owa).read.status,
        ReadStatus::Unreadable
    );
}

#[test]
fn classic_cannot_read_auth_enveloped() {
    let v = verdict(
        &gcm_to_robin(),
        &profile("smime-tenant"),
        ClientId::ClassicOutlook,
    );
    assert_eq!(v.read.status, ReadStatus::Unreadable);
    assert!(v.read.rules.contains(&RuleId::ClassicReadAuthEnveloped));
}

#[test]
fn no_client_smime_encrypts_to_openpgp_only_sender() {
    for name in PROFILES {
        let p = profile(name);
        for c in ClientId::ALL {
            for i in [proton_signed(), pgp_encrypted()] {
                let e = verdict(&i, &p, c).reply.encrypted;
                if e.status == Status::Yes {
                    assert_eq!(c, ClientId::ClassicOutlook, "{name}");
                    assert!(p.workstation.gpgol, "{name}");
                    assert_eq!(
                        e.with.and_then(|w| w.recipient_certificate_from),
                        Some(CertificateSource::Keyring)
                    );
                }
            }
        }
    }
}

#[test]
fn pgp_mime_encrypted_is_attachments_only_in_all_three() {
    let p = profile("seed-tenant");
    for c in ClientId::ALL {
        let v = verdict(&pgp_encrypted(), &p, c);
        assert_eq!(v.read.status, ReadStatus::AttachmentsOnly, "{c:?}");
        assert!(!v.quotes_original);
    }
    // GpgOL with robin's secret key decrypts in Classic, not in the web clients.
    let g = profile("gpgol-workstation");
    assert_eq!(
        verdict(&pgp_encrypted(), &g, ClientId::ClassicOutlook)
            .read
            .status,
        ReadStatus::Readable
    );
    assert_eq!(
        verdict(&pgp_encrypted(), &g, ClientId::NewOutlook)
            .read
            .status,
        ReadStatus::AttachmentsOnly
    );
}

#[test]
fn ome_renders_natively() {
    for c in ClientId::ALL {
        let v = verdict(&ome(), &profile("seed-tenant"), c);
        assert_eq!(v.read.status, ReadStatus::Readable);
        assert!(v.read.rules.contains(&RuleId::ReadOmeNative));
        assert!(!v.weaker_than_original, "OME replies stay protected");
        assert!(v.quotes_original);
    }
}

#[test]
fn plain_message_plain_reply_everywhere() {
    for name in PROFILES {
        for c in ClientId::ALL {
            let v = verdict(&plain(), &profile(name), c);
            assert_eq!(v.reply.plain.status, Status::Yes);
            assert!(!v.weaker_than_original);
        }
    }
}

// ---------------------------------------------------------------- invariants

fn outcomes(v: &ClientVerdict) -> [(&'static str, &Outcome); 3] {
    [
        ("plain", &v.reply.plain),
        ("signed", &v.reply.signed),
        ("encrypted", &v.reply.encrypted),
    ]
}

#[test]
fn invariants_over_fixtures_and_profiles() {
    for name in PROFILES {
        let p = profile(name);
        for (fixture, i) in fixtures() {
            for c in ClientId::ALL {
                let v = verdict(&i, &p, c);
                assert_eq!(v, verdict(&i, &p, c), "deterministic");
                for (form, o) in outcomes(&v) {
                    let ctx = format!("{name} {fixture} {c:?} {form}");
                    assert!(!o.rules.is_empty(), "{ctx}: no rules");
                    assert_eq!(o.confidence, evidence::weakest_of(&o.rules), "{ctx}");
                    assert_eq!(o.evidence, evidence::urls_of(&o.rules), "{ctx}");
                    if o.status == Status::Yes && form == "encrypted" {
                        assert!(
                            o.with
                                .as_ref()
                                .and_then(|w| w.recipient_certificate_from)
                                .is_some(),
                            "{ctx}"
                        );
                    }
                    // Outlook mobile and Outlook for Mac document no signing hash (MOB-43,
                    // MAC-24): their signed `yes` names none.
                    let hash_documented =
                        !matches!(c, ClientId::OutlookMobile | ClientId::OutlookMac);
                    if o.status == Status::Yes && form == "signed" && hash_documented {
                        assert!(
                            o.with.as_ref().and_then(|w| w.digest.as_ref()).is_some(),
                            "{ctx}"
                        );
                    }
                    if o.status == Status::Unknown {
                        assert_eq!(o.reason, Some(Reason::NotModelled), "{ctx}");
                    }
                    if o.status == Status::Partial {
                        assert!(o.reason.is_some(), "{ctx}: a partial names its caveat");
                    }
                    if o.status == Status::No {
                        assert!(o.reason.is_some_and(|r| r != Reason::NotModelled), "{ctx}");
                    }
                }
            }
        }
    }
}

/// Profile variants that only add environment.
fn richer(base: &Profile) -> Vec<(&'static str, Profile)> {
    let mut out = Vec::new();
    let mut p = base.clone();
    p.workstation
        .windows_trusted_roots
        .push("x509/enterprise-root-ca.cert.pem".into());
    p.workstation
        .windows_trusted_roots
        .push("x509/untrusted-root-ca.cert.pem".into());
    out.push(("windows-root", p));
    let mut p = base.clone();
    p.tenant
        .sst_roots
        .push("x509/public-root-ca.cert.pem".into());
    out.push(("sst-root", p));
    let mut p = base.clone();
    for (addr, c) in [
        ("dana@fabrikam.example", "dana"),
        ("owen@contoso.example", "owen"),
        ("gil@gcm.example", "gil"),
    ] {
        p.tenant.mail_contacts.push(Contact {
            address: addr.into(),
            certificate: format!("x509/{c}.cert.pem"),
        });
    }
    out.push(("mail-contact", p));
    let mut p = base.clone();
    p.workstation.owa_smime_extension = true;
    out.push(("extension", p));
    let mut p = base.clone();
    p.recipient.certificates.push(OwnCertificate {
        cert: "x509/robin-enterprise.cert.pem".into(),
        private_key: PrivateKeyLocation::WindowsStore,
        published_to_gal: true,
    });
    out.push(("own-key", p));
    let mut p = base.clone();
    p.workstation.gpgol = true;
    p.workstation
        .gpgol_keyring
        .push("openpgp/pat.pub.asc".into());
    p.workstation
        .gpgol_secret_keys
        .push("openpgp/robin.sec.asc".into());
    out.push(("gpgol", p));
    for (_, p) in &mut out {
        hand_resolve(p);
    }
    out
}

#[test]
fn more_environment_never_turns_yes_into_no() {
    for name in PROFILES {
        let base = profile(name);
        for (added, rich) in richer(&base) {
            for (fixture, i) in fixtures() {
                for c in ClientId::ALL {
                    let before = verdict(&i, &base, c);
                    let after = verdict(&i, &rich, c);
                    for ((form, b), (_, a)) in outcomes(&before).into_iter().zip(outcomes(&after)) {
                        if b.status == Status::Yes {
                            assert_ne!(
                                a.status,
                                Status::No,
                                "{name} +{added} {fixture} {c:?} {form}: {:?}",
                                a.reason
                            );
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_json_has_the_documented_shape() {
    let e = explain(
        &outlook_signed(),
        &profile("smime-tenant-external-contact"),
        None,
    );
    let v = serde_json::to_value(&e).expect("serialise");
    assert_eq!(v["schema"], "replymatrix.explain/1");
    assert_eq!(v["profile"], "smime-tenant-external-contact");
    assert_eq!(v["inspect"]["schema"], "replymatrix.inspect/1");
    let clients = v["clients"].as_array().expect("clients");
    let ids: Vec<&str> = clients
        .iter()
        .filter_map(|c| c["client"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "classic-outlook",
            "owa",
            "new-outlook",
            "outlook-mobile",
            "outlook-mac"
        ]
    );
    let keys = |o: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = o
            .as_object()
            .unwrap_or_else(|| panic!("a JSON object, got {o}"))
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&clients[0]),
        [
            "client",
            "quote_keeps_styles",
            "quote_rules",
            "quotes_decrypted",
            "quotes_original",
            "read",
            "reply",
            "weaker_than_original"
        ]
    );
    assert_eq!(
        keys(&clients[0]["read"]),
        [
            "confidence",
            "rules",
            "signature_shown",
            "status",
            "user_sees"
        ]
    );
    assert_eq!(keys(&clients[0]["reply"]), ["encrypted", "plain", "signed"]);
    let enc = &clients[1]["reply"]["encrypted"];
    assert_eq!(
        keys(enc),
        [
            "confidence",
            "evidence",
            "reason",
            "rules",
            "status",
            "user_sees",
            "with"
        ]
    );
    assert_eq!(
        keys(&enc["with"]),
        ["cipher", "digest", "recipient_certificate_from"]
    );
    assert_eq!(enc["with"]["recipient_certificate_from"], "mail-contact");
    assert_eq!(
        clients[1]["reply"]["plain"]["with"],
        serde_json::Value::Null
    );
    let only = explain(
        &outlook_signed(),
        &profile("smime-tenant"),
        Some(ClientId::Owa),
    );
    assert_eq!(only.clients.len(), 1);
}

#[test]
fn explain_text_puts_verdicts_first_with_evidence() {
    let e = explain(&proton_signed(), &profile("seed-tenant"), None);
    let text = explain_text(&e);
    let table = text.find("classic-outlook ").expect("summary row");
    let detail = text.find("item-class-smime-no-control").expect("reason");
    assert!(table < detail);
    assert!(text.contains(
        "https://learn.microsoft.com/en-us/answers/questions/5876934/365-s-mime-signed-emails"
    ));
}

// ---------------------------------------------------------------- rules and profiles

#[test]
fn rules_doc_is_current() {
    let path = root().join("docs/rules.md");
    let want = replymatrix::docs::rules_markdown();
    if std::env::var("UPDATE_RULES").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).expect("write docs/rules.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `UPDATE_RULES=1 cargo test --test testsuite models::rules_doc`"
    );
}

#[test]
fn rule_table_is_sorted_unique_and_cites_catalogue() {
    let catalogue = support::shared_file("research/microsoft-clients.md");
    // The rows on Outlook for iOS and Android and Outlook for Mac extend the catalogue; their
    // short keys ([SMIME-MOB]...) stand for the full URLs listed at the top of that file.
    let mac_mobile =
        support::shared_file("research/microsoft-clients-mac-mobile.md").map(|t| expand_keys(&t));
    // A rule may also cite a study its observations come from (corpora/observations/).
    let observed = replymatrix::observations::load_dir(
        &replymatrix::corpus::default_corpora_dir().join("observations"),
    )
    .expect("observations load");
    let studies: std::collections::BTreeSet<&str> = observed
        .iter()
        .flat_map(|l| [Some(l.observation.url.as_str()), l.source.url.as_deref()])
        .flatten()
        .collect();
    // ... or a source the project found, kept with its quote (corpora/evidence/sources.toml).
    let found = found_sources();
    let ids: Vec<&str> = evidence::RULES.iter().map(|r| r.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
    let mut cited = std::collections::BTreeSet::new();
    for r in evidence::RULES {
        // Every outcome cites a source: only the two rules that say the evidence is silent
        // (or the content was not examined) have none, and they answer `unknown`.
        if !SAY_NOTHING_IS_KNOWN.contains(&r.id.as_str()) {
            assert!(
                !r.sources.is_empty(),
                "{} cites no source: cite the documentation of the behaviour it stands on",
                r.id
            );
        }
        for url in r.sources {
            cited.insert(*url);
            let in_catalogue = catalogue.as_ref().is_none_or(|cat| cat.contains(url))
                || mac_mobile.as_ref().is_some_and(|rows| rows.contains(url));
            assert!(
                in_catalogue || studies.contains(url) || found.iter().any(|f| f.url == *url),
                "{} cites {url}: neither in the catalogue, an observation's source nor \
                 corpora/evidence/sources.toml",
                r.id
            );
        }
    }
    for f in &found {
        assert!(
            cited.contains(f.url.as_str()),
            "corpora/evidence/sources.toml: {} is cited by no rule",
            f.url
        );
        assert!(
            !f.title.is_empty() && !f.quote.is_empty() && !f.found.is_empty(),
            "corpora/evidence/sources.toml: {} needs its title, quote and how it was found",
            f.url
        );
    }
}

/// The mac-mobile evidence rows with each short URL key (`[SMIME-MOB]`, `[INTUNE-CFG]`,
/// `[LABEL-MOB]`, `[MAC-PREF]`) replaced by the URL the file's key list gives it.
fn expand_keys(text: &str) -> String {
    let mut out = text.to_owned();
    for line in text.lines() {
        // - **[SMIME-MOB]** https://... (source ...)
        let Some(rest) = line.strip_prefix("- **[") else {
            continue;
        };
        let Some((key, tail)) = rest.split_once("]**") else {
            continue;
        };
        let Some(url) = tail
            .split_whitespace()
            .next()
            .filter(|u| u.starts_with("http"))
        else {
            continue;
        };
        out = out.replace(&format!("[{key}]"), url);
    }
    out
}

#[test]
fn mac_mobile_short_keys_expand_to_their_urls() {
    let Some(text) = support::shared_file("research/microsoft-clients-mac-mobile.md") else {
        return;
    };
    let expanded = expand_keys(&text);
    for key in ["[SMIME-MOB]", "[INTUNE-CFG]", "[LABEL-MOB]", "[MAC-PREF]"] {
        assert!(text.contains(key), "{key} is a key of the file");
        assert!(!expanded.contains(key), "{key} expanded");
    }
    assert!(
        expanded.contains(
            "https://learn.microsoft.com/en-us/microsoft-365-apps/mac/preferences-outlook"
        )
    );
}

/// The rules that say the evidence is silent, or that the content was not examined: they cite
/// no source by design.
const SAY_NOTHING_IS_KNOWN: [&str; 2] = ["model.content-not-examined", "model.not-modelled"];

/// The outcomes of the rules that cite nothing are `unknown`, in every cell of the matrix.
#[test]
fn rules_without_a_source_only_answer_unknown() {
    use replymatrix::verdict::Status;
    for row in &support::bundled_matrix().samples {
        for cell in &row.cells {
            let r = &cell.verdict.reply;
            for o in [&r.plain, &r.signed, &r.encrypted] {
                if o.rules
                    .iter()
                    .all(|id| SAY_NOTHING_IS_KNOWN.contains(&id.as_str()))
                    && !o.rules.is_empty()
                {
                    assert_eq!(o.status, Status::Unknown, "{} {:?}", row.id, o.rules);
                }
            }
        }
    }
}

/// A source the project found (corpora/evidence/sources.toml).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FoundSource {
    url: String,
    title: String,
    quote: String,
    #[allow(dead_code)] // read by people; the vocabulary is checked by parsing
    confidence: evidence::Confidence,
    found: String,
}

fn found_sources() -> Vec<FoundSource> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        source: Vec<FoundSource>,
    }
    let path = support::corpora().join("evidence/sources.toml");
    let text = std::fs::read_to_string(&path).expect("corpora/evidence/sources.toml");
    toml::from_str::<File>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .source
}

#[test]
fn every_shipped_profile_parses() {
    let dir = root().join("corpora/profiles");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("profiles dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            let prof = Profile::parse(&text, &p).unwrap_or_else(|e| panic!("{e}"));
            let stem = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            assert_eq!(prof.name, stem);
            assert_eq!(prof.evaluation_time, at("2026-06-01T12:00:00Z"));
            stem
        })
        .collect();
    names.sort();
    let mut want: Vec<String> = PROFILES.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(names, want);
    // Documented defaults.
    let seed = profile("seed-tenant");
    let cfg = &seed.tenant.smime_config;
    assert_eq!(cfg.owa_encryption_algorithms, "6610");
    assert_eq!(cfg.owa_signing_algorithms, "8004");
    assert!(
        cfg.owa_clear_sign && cfg.no_sign_on_reply && cfg.owa_signed_email_certificate_inclusion
    );
    assert!(!cfg.owa_always_sign && !cfg.owa_always_encrypt && !cfg.owa_only_use_smart_card);
    assert!(!seed.workstation.classic_reply_inherits_security);
    assert_eq!(seed.workstation.classic_build, "16.0.19000");
    // Outlook mobile and Mac: the documented defaults (MOB-10, MAC-02 to MAC-04).
    let defaults = Profile::parse(
        "name = \"x\"\n[recipient]\naddress = \"robin@northwind.example\"\n",
        Path::new("x.toml"),
    )
    .expect("a minimal profile parses");
    let m = &defaults.mobile;
    assert!(!m.smime_enabled && m.user_change_allowed && !m.encrypt_all_mail && !m.sign_all_mail);
    assert_eq!(m.certificate_delivery, CertificateDelivery::None);
    assert_eq!(m.recipient_lookup_order, MobileLookupOrder::GalThenDevice);
    assert!(m.ldap_host.is_empty() && m.device_certificates.is_empty());
    let mac = &defaults.mac;
    assert_eq!(mac.edition, MacEdition::New);
    assert_eq!(
        mac.smime_certificates_lookup_order,
        [
            MacLookupSource::Contacts,
            MacLookupSource::Gal,
            MacLookupSource::Device,
            MacLookupSource::Ldap
        ]
    );
    assert!(!mac.allow_certs_without_matching_email_address && !mac.disable_smime_compose);
    assert!(defaults.tenant.crl_reachable && defaults.tenant.ldap_contacts.is_empty());
    // Every bundled profile but the mobile one leaves S/MIME off in the app.
    for name in PROFILES {
        assert_eq!(
            profile(name).mobile.smime_enabled,
            *name == "smime-tenant-mobile",
            "{name}"
        );
    }
}

#[test]
fn shipped_profiles_load_their_keys() {
    let keys = root().join("corpora/keys");
    for name in PROFILES {
        let path = root().join("corpora/profiles").join(format!("{name}.toml"));
        let p = Profile::load(&path, &keys)
            .unwrap_or_else(|e| panic!("{name}: shipped profile does not load: {e}"));
        let spec = profile(name);
        assert_eq!(p.resolved.own.len(), spec.recipient.certificates.len());
        assert_eq!(p.resolved.sst_roots.len(), spec.tenant.sst_roots.len());
        assert!(
            p.resolved
                .own
                .iter()
                .all(|o| !o.facts.fingerprint.is_empty())
        );
        assert!(
            p.resolved
                .sst_roots
                .iter()
                .all(|r| !r.fingerprint.is_empty())
        );
    }
}

#[test]
fn unknown_key_is_rejected_naming_file_and_key() {
    let path = Path::new("corpora/profiles/typo.toml");
    let text = "name = \"typo\"\n[recipient]\naddress = \"robin@northwind.example\"\n[tenant.smime_config]\nowa_always_sing = true\n";
    let err = Profile::parse(text, path).expect_err("unknown key");
    let msg = err.to_string();
    assert!(msg.contains("typo.toml"), "{msg}");
    assert!(msg.contains("owa_always_sing"), "{msg}");
    let bad_time =
        "name = \"t\"\nevaluation_time = \"2026-06-01 12:00\"\n[recipient]\naddress = \"r@x\"\n";
    assert!(Profile::parse(bad_time, path).is_err());
    let _unused: BTreeMap<(), ()> = BTreeMap::new();
}

#[test]
fn proton_eo_notice_secure_reply_happens_in_the_portal() {
    for c in ClientId::ALL {
        let v = verdict(&proton_eo(), &profile("seed-tenant"), c);
        assert_eq!(v.read.status, ReadStatus::Readable);
        assert_eq!(v.reply.plain.status, Status::Partial);
        assert_eq!(v.reply.plain.reason, Some(Reason::ReplyInSenderPortal));
        assert!(
            v.weaker_than_original,
            "an Outlook reply to an EO notice goes out unencrypted"
        );
    }
}

#[test]
fn ecc_recipient_classic_warns_web_clients_unknown() {
    let i = smime_signed(
        "dana@fabrikam.example",
        "dana-p256",
        vec!["aes256-cbc"],
        Digest::Sha256,
    );
    let v = verdict(
        &i,
        &profile("seed-tenant-local-cert"),
        ClientId::ClassicOutlook,
    );
    let e = &v.reply.encrypted;
    assert_eq!(e.status, Status::Partial);
    assert_eq!(e.reason, Some(Reason::WarningDialog));
    assert!(
        e.user_sees
            .as_deref()
            .is_some_and(|s| s.contains("conflicting or unsupported capabilities"))
    );
    assert_eq!(
        e.with.as_ref().and_then(|w| w.recipient_certificate_from),
        Some(CertificateSource::Message)
    );
    let mut p = profile("smime-tenant-external-contact");
    p.tenant.mail_contacts[0].certificate = "x509/dana-p256.cert.pem".into();
    hand_resolve(&mut p);
    for c in [ClientId::Owa, ClientId::NewOutlook] {
        let e = verdict(&i, &p, c).reply.encrypted;
        assert_eq!(e.status, Status::Unknown, "{c:?}");
        assert_eq!(e.reason, Some(Reason::NotModelled));
        assert!(has_rule(&e, RuleId::ModelNotModelled) && has_rule(&e, RuleId::OwaEncryptEccOpen));
    }
}

// ---------------------------------------------------------------- policy and trust data

#[test]
fn policy_tables() {
    use replymatrix::policy::{self, Cipher};
    assert_eq!(
        policy::normalise_cipher("2.16.840.1.101.3.4.1.42"),
        Some(Cipher::Aes256Cbc)
    );
    assert_eq!(
        policy::normalise_cipher("des-ede3-cbc"),
        Some(Cipher::TripleDesCbc)
    );
    assert_eq!(policy::normalise_cipher("sha256"), None);
    let caps: Vec<String> = ["sha256", "aes-256-gcm", "aes128-cbc", "des-ede3-cbc"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(
        policy::strongest_common(&caps, policy::CLASSIC_CIPHERS),
        Some(Cipher::Aes128Cbc)
    );
    assert_eq!(
        policy::classic_default_cipher("16.0.8518.1000"),
        Cipher::Aes256Cbc
    );
    assert_eq!(
        policy::classic_default_cipher("16.0.8431.2079"),
        Cipher::TripleDesCbc
    );
    assert_eq!(policy::owa_cipher("660E,6610"), Some(Cipher::Aes128Cbc));
    assert_eq!(policy::owa_cipher("bogus"), None);
    assert_eq!(
        policy::owa_digest("bogus"),
        Digest::Sha1,
        "documented fallback to 8004"
    );
    assert_eq!(policy::owa_digest("800D"), Digest::Sha384);
    assert!(
        policy::OWA_ENCRYPTION_CODES
            .iter()
            .all(|(_, c)| !c.is_gcm())
    );
}

#[test]
fn chain_building_uses_verified_by_and_key_ids() {
    use replymatrix::clients::trust;
    let anchors = vec![cert("public-root-ca", CertificateRole::Anchor)];
    let dana = cert("dana", CertificateRole::Signer);
    let issuing = cert("public-issuing-ca", CertificateRole::Chain);
    assert!(trust::chains_to(
        &dana,
        std::slice::from_ref(&issuing),
        &anchors
    ));
    assert!(
        !trust::chains_to(&dana, &[], &anchors),
        "intermediate missing"
    );
    let mut forged = issuing.clone();
    forged.subject_key_id = Some("other".into());
    assert!(
        !trust::chains_to(&dana, &[forged], &anchors),
        "AKI/SKI mismatch"
    );
    let mut wrong_verifier = dana.clone();
    wrong_verifier.verified_by = Some("fp-someone-else".into());
    assert!(!trust::chains_to(
        &wrong_verifier,
        std::slice::from_ref(&issuing),
        &anchors
    ));
    assert_eq!(
        trust::time_problem(
            &cert("dana-expired", CertificateRole::Signer),
            at("2026-06-01T12:00:00Z")
        ),
        Some(trust::CertProblem::Expired)
    );
    assert_eq!(
        trust::time_problem(&dana, at("2024-06-01T12:00:00Z")),
        Some(trust::CertProblem::NotYetValid)
    );
    assert_eq!(
        trust::judge(
            &cert("dana-untrusted", CertificateRole::Signer),
            &[cert("untrusted-root-ca", CertificateRole::Chain)],
            &anchors,
            at("2026-06-01T12:00:00Z")
        ),
        Some(trust::CertProblem::Untrusted)
    );
    let self_signed = cert("untrusted-root-ca", CertificateRole::Signer);
    assert_eq!(
        trust::judge(&self_signed, &[], &anchors, at("2026-06-01T12:00:00Z")),
        Some(trust::CertProblem::SelfSignedUntrusted)
    );
}

#[test]
fn no_from_means_no_encrypted_reply() {
    let mut i = outlook_signed();
    i.from = None;
    for c in ClientId::ALL {
        // smime-tenant-mobile: S/MIME on in every client, so the missing From decides.
        let v = verdict(&i, &profile("smime-tenant-mobile"), c);
        assert_eq!(v.reply.encrypted.status, Status::No, "{c:?}");
        assert_eq!(
            v.reply.encrypted.reason,
            Some(Reason::NoRecipientAddress),
            "{c:?}"
        );
    }
}

/// Every rule of the table is applied by some sample under some bundled profile: a rule
/// nothing can reach is dead weight in `docs/rules.md` and must be deleted or made
/// reachable (with a sample or a profile that reaches it).
#[test]
fn every_rule_is_applied_by_some_sample_under_some_profile() {
    use replymatrix::evidence::RuleId;
    use std::collections::BTreeSet;
    let corpora = replymatrix::corpus::default_corpora_dir();
    let mut profiles =
        replymatrix::matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
            .expect("profiles load");
    for fixture in [
        "owa-edge-settings",
        "mobile-mac-edge-settings",
        "mac-legacy",
        "mac-compose-disabled",
    ] {
        profiles.push(
            Profile::load(
                &root().join(format!("tests/fixtures/profiles/{fixture}.toml")),
                &corpora.join("keys"),
            )
            .expect("the test-only profile loads"),
        );
    }
    let matrix = replymatrix::matrix::build(&corpora, &profiles).expect("matrix builds");
    let mut applied = BTreeSet::new();
    for row in &matrix.samples {
        for cell in &row.cells {
            let v = &cell.verdict;
            applied.extend(v.read.rules.iter().copied());
            for o in [&v.reply.plain, &v.reply.signed, &v.reply.encrypted] {
                applied.extend(o.rules.iter().copied());
            }
            applied.extend(v.quote_rules.iter().copied());
        }
    }
    let dead: Vec<&str> = RuleId::ALL
        .iter()
        .filter(|r| !applied.contains(*r))
        .map(|r| r.as_str())
        .collect();
    assert!(
        dead.is_empty(),
        "rules no sample × profile applies (delete them, or add the sample or profile that \
         reaches them): {dead:?}"
    );
}

// ---------------------------------------------------------------- what was not examined

/// Without the key, the answers that depend on the encrypted content are `unknown`, with
/// the reason and the rule that say so, and the explanation names them; the answers no
/// content changes stay. With the key, they are answered.
#[test]
fn what_depends_on_unexamined_encrypted_content_is_unknown() {
    use replymatrix::verdict::{ReadStatus, SignatureShown};
    let corpora = replymatrix::corpus::default_corpora_dir();
    let eml =
        std::fs::read(corpora.join("senders/outlook/signed-then-encrypted.eml")).expect("sample");
    let keyless = replymatrix::inspect(&eml, &replymatrix::Inputs::default());
    let mut inputs = replymatrix::Inputs::default();
    inputs
        .add_key_file(&corpora.join("keys/x509/robin-enterprise.key.pem"))
        .expect("key");
    let keyed = replymatrix::inspect(&eml, &inputs);
    let p = Profile::load(
        &corpora.join("profiles/smime-tenant.toml"),
        &corpora.join("keys"),
    )
    .expect("profile");
    let without = explain(&keyless, &p, None);
    let with = explain(&keyed, &p, None);
    assert!(with.not_examined.is_empty());
    let classic = |e: &replymatrix::explain::Explanation| e.clients[0].clone();
    let owa = |e: &replymatrix::explain::Explanation| e.clients[1].clone();
    // With the key: Classic verifies the inner signature and harvests the certificate.
    assert_eq!(
        classic(&with).read.signature_shown,
        SignatureShown::Verified
    );
    assert_eq!(classic(&with).reply.encrypted.status, Status::Yes);
    // Without: unknown, and said why.
    let c = classic(&without);
    assert_eq!(c.read.status, ReadStatus::Unknown);
    assert_eq!(c.read.signature_shown, SignatureShown::Unknown);
    assert!(c.read.rules.contains(&RuleId::ModelContentNotExamined));
    assert_eq!(c.reply.encrypted.status, Status::Unknown);
    assert_eq!(c.reply.encrypted.reason, Some(Reason::ContentNotExamined));
    // What no content changes is answered: plain and signed replies, OWA's directory lookup.
    assert_eq!(c.reply.plain, classic(&with).reply.plain);
    assert_eq!(c.reply.signed, classic(&with).reply.signed);
    assert_eq!(owa(&without).reply.encrypted, owa(&with).reply.encrypted);
    // The explanation names the layer and, per client, what a key holder needs it for.
    let n = &without.not_examined;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].layer, "smime-enveloped@root");
    assert!(n[0].why.contains("no key"), "{}", n[0].why);
    assert_eq!(n[0].needed_for[0].client, ClientId::ClassicOutlook);
    assert_eq!(
        n[0].needed_for[0].decisions,
        ["read", "signature", "encrypted"]
    );
    let text = explain_text(&without);
    assert!(
        text.contains("not examined  smime-enveloped@root")
            && text.contains("a client holding the key would read it for")
            && text.contains("--key"),
        "{text}"
    );
}

/// Input that is not a message: every client has nothing to read and nothing to answer.
#[test]
fn not_a_message_is_unreadable_and_unanswerable_everywhere() {
    let inspection = replymatrix::inspect(b"", &replymatrix::Inputs::default());
    for name in ["seed-tenant", "smime-tenant", "gpgol-workstation"] {
        for v in explain(&inspection, &profile(name), None).clients {
            assert_eq!(v.read.status, replymatrix::verdict::ReadStatus::Unreadable);
            for o in [&v.reply.plain, &v.reply.signed, &v.reply.encrypted] {
                assert_eq!(
                    (o.status, o.reason),
                    (Status::No, Some(Reason::NotAMessage))
                );
                assert_eq!(o.rules, [RuleId::ModelNotAMessage]);
            }
            assert!(!v.quotes_original && !v.weaker_than_original);
        }
    }
}

/// RFC 8419 signatures: no Microsoft document says whether any of the clients verifies an
/// Ed25519 S/MIME signature, so wherever a client gets as far as the signature (the OWA
/// extension deployed, S/MIME on in the app), what it shows is `unknown`, by
/// `read.smime-signature-algorithm-open`; never `verified`. The same holds for RSASSA-PSS
/// (the catalogue's open question 4): the RSA sample's facts with the algorithm made PSS.
#[test]
fn an_eddsa_or_pss_signature_is_unknown_to_every_client() {
    use replymatrix::verdict::SignatureShown;
    let row = support::bundled_matrix()
        .samples
        .iter()
        .find(|r| r.id == "others/clear-signed-ed25519")
        .expect("the Ed25519 sample");
    let mut reached = std::collections::BTreeSet::new();
    for cell in &row.cells {
        let read = &cell.verdict.read;
        assert_ne!(
            read.signature_shown,
            SignatureShown::Verified,
            "{}",
            cell.profile
        );
        if read
            .rules
            .contains(&evidence::RuleId::ReadSmimeSignatureAlgorithmOpen)
        {
            assert_eq!(read.signature_shown, SignatureShown::Unknown);
            reached.insert(cell.verdict.client);
        }
    }
    assert_eq!(
        reached.len(),
        5,
        "every client reaches the signature somewhere: {reached:?}"
    );

    // RSASSA-PSS: the clear-signed RSA sample with its signature's algorithm made PSS.
    let corpora = support::corpora();
    let samples = replymatrix::corpus::load_samples(&corpora.join("senders")).expect("corpus");
    let sample = samples
        .iter()
        .find(|s| s.sidecar.id == "outlook/clear-signed-sha256")
        .expect("sample");
    let mut inspection = replymatrix::inspect(
        &std::fs::read(&sample.eml).expect("eml"),
        &replymatrix::Inputs::default(),
    );
    for l in &mut inspection.layers {
        if let Some(sig) = &mut l.signature {
            sig.algorithm = Some(replymatrix::facts::SignatureAlgorithm::RsaPss);
        }
    }
    let profile = Profile::load_named(
        "smime-tenant",
        &corpora.join("profiles"),
        &corpora.join("keys"),
    )
    .expect("profile");
    let mut pss_reached = 0;
    for client in replymatrix::verdict::ClientId::ALL {
        let v = replymatrix::clients::evaluate(client, &inspection, &profile);
        assert_ne!(v.read.signature_shown, SignatureShown::Verified, "{client}");
        if v.read
            .rules
            .contains(&evidence::RuleId::ReadSmimeSignatureAlgorithmOpen)
        {
            assert_eq!(v.read.signature_shown, SignatureShown::Unknown, "{client}");
            pss_reached += 1;
        }
    }
    assert!(
        pss_reached >= 2,
        "Classic and OWA reach the PSS signature ({pss_reached})"
    );
}
