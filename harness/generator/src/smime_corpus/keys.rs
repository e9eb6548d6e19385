//! X.509 personas (common brief, "Personas"): CAs and end entities, created once with
//! x509-cert 0.3's builder and a [`BuilderProfile`] of our own (research/crates.md §6.7; the
//! extensions are `x509_cert::ext::pkix` types), then loaded from
//! `corpora/keys/x509/<name>.cert.pem` + `<name>.key.pem` (PKCS#8).
//!
//! Randomness is used only when a key file is missing (RSA via `rsa::PrivateKey::new`,
//! ECDSA via `Generate`); validity dates, serial numbers and extensions are fixed, so a
//! regenerated certificate differs only by its key.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use cms::cert::IssuerAndSerialNumber;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::{Ia5String, OctetString, UtcTime};
use der::{DateTime, Decode, DecodePem, Encode, EncodePem};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use const_oid::db::{rfc5280, rfc5911};

use crate::error::{Error, Result};

/// A persona's private key.
pub enum PrivateKey {
    /// An RSA key.
    Rsa(rsa::PrivateKey),
    /// A P-256 key.
    P256(p256::ecdsa::SigningKey),
    /// A P-384 key.
    P384(p384::ecdsa::SigningKey),
    /// A P-521 key (p521 0.13: its own pkcs8/spki versions, so its SPKI is built by hand).
    P521(p521::SecretKey),
    /// An Ed25519 key (RFC 8410; its PKCS#8 and SPKI are fixed prefixes and built by hand:
    /// ed25519-dalek's pkcs8 feature would compile another der).
    Ed25519(ed25519_dalek::SigningKey),
}

/// A persona: its certificate (and DER) and private key.
pub struct Persona {
    /// The persona name (the key files are `<name>.key.pem`, `<name>.cert.pem`).
    pub name: &'static str,
    /// Its certificate.
    pub cert: Certificate,
    /// Its certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its private key.
    pub key: PrivateKey,
}

impl Persona {
    /// The `IssuerAndSerialNumber` (RFC 5652 §10.2.4) of this certificate.
    pub fn issuer_and_serial(&self) -> IssuerAndSerialNumber {
        let tbs = self.cert.tbs_certificate();
        IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }
    }

    /// The subjectKeyIdentifier extension of this certificate.
    pub fn subject_key_id(&self) -> Option<SubjectKeyIdentifier> {
        let tbs = self.cert.tbs_certificate();
        let (_critical, ski) = tbs.get_extension::<SubjectKeyIdentifier>().ok()??;
        Some(ski)
    }

    /// The RSA public key, when the persona has one.
    pub fn rsa_public(&self) -> Option<rsa::PublicKey> {
        match &self.key {
            PrivateKey::Rsa(k) => Some(k.to_public_key()),
            _ => None,
        }
    }
}

pub(crate) fn der_err(e: der::Error) -> Error {
    Error::Generate {
        what: "der".into(),
        message: e.to_string(),
    }
}

fn gen_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Generate {
        what: what.into(),
        message: e.to_string(),
    }
}

/// The key algorithm of a persona.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with this many bits.
    Rsa(usize),
    /// ECDSA P-256.
    P256,
    /// ECDSA P-384.
    P384,
    /// EC P-521.
    P521,
    /// Ed25519 (RFC 8410), a signer in CMS per RFC 8419.
    Ed25519,
}

/// What a certificate is for; decides the extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// Root or intermediate CA: basicConstraints cA, keyCertSign + cRLSign.
    Ca,
    /// S/MIME end entity: digitalSignature + nonRepudiation + keyEncipherment, EKU
    /// emailProtection (keyAgreement instead of keyEncipherment for EC keys).
    Smime,
    /// As [`Usage::Smime`] plus the RFC 4262 SMIMECapabilities extension.
    SmimeWithCapabilities,
    /// digitalSignature + keyEncipherment, EKU clientAuth only (dana-no-eku).
    ClientAuthOnly,
    /// digitalSignature (+ nonRepudiation) only (dana-sign).
    SignOnly,
    /// keyEncipherment only (dana-encrypt).
    EncryptOnly,
}

/// The recipe of one persona.
pub struct Spec {
    /// The persona name (the key files are `<name>.key.pem`, `<name>.cert.pem`).
    pub name: &'static str,
    /// The subject CN.
    pub common_name: &'static str,
    /// The subject O.
    pub org: &'static str,
    /// The rfc822Name SAN, if any.
    pub email: Option<&'static str>,
    /// `None`: self-signed.
    pub issuer: Option<&'static str>,
    /// The key algorithm.
    pub key: KeyKind,
    /// What the certificate is for.
    pub usage: Usage,
    /// (year, month, day) not before / not after, 00:00:00Z.
    pub valid: ((u16, u8, u8), (u16, u8, u8)),
}

const CA_VALID: ((u16, u8, u8), (u16, u8, u8)) = ((2020, 1, 1), (2045, 1, 1));
const EE_VALID: ((u16, u8, u8), (u16, u8, u8)) = ((2025, 1, 1), (2030, 1, 1));

const fn ee(
    name: &'static str,
    common_name: &'static str,
    org: &'static str,
    email: &'static str,
    issuer: &'static str,
) -> Spec {
    Spec {
        name,
        common_name,
        org,
        email: Some(email),
        issuer: Some(issuer),
        key: KeyKind::Rsa(2048),
        usage: Usage::Smime,
        valid: EE_VALID,
    }
}

const fn ca(
    name: &'static str,
    cn: &'static str,
    org: &'static str,
    issuer: Option<&'static str>,
) -> Spec {
    Spec {
        name,
        common_name: cn,
        org,
        email: None,
        issuer,
        key: KeyKind::Rsa(2048),
        usage: Usage::Ca,
        valid: CA_VALID,
    }
}

const PUB: &str = "public-issuing-ca";
const DANA: &str = "dana@fabrikam.example";

/// Every X.509 persona, issuers before the certificates they issue.
pub const SPECS: &[Spec] = &[
    ca(
        "public-root-ca",
        "Contoso Public Root CA 2020",
        "Contoso Trust Services",
        None,
    ),
    ca(
        "public-issuing-ca",
        "Contoso Public S/MIME Issuing CA 2020",
        "Contoso Trust Services",
        Some("public-root-ca"),
    ),
    ca(
        "enterprise-root-ca",
        "Northwind Enterprise Root CA",
        "Northwind Traders",
        None,
    ),
    ca(
        "untrusted-root-ca",
        "Unknown Test Root CA",
        "Unknown Test Org",
        None,
    ),
    ee("dana", "Dana Whitfield", "Fabrikam", DANA, PUB),
    Spec {
        valid: ((2019, 1, 1), (2021, 1, 1)),
        ..ee("dana-expired", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        valid: ((2030, 1, 1), (2035, 1, 1)),
        ..ee(
            "dana-not-yet-valid",
            "Dana Whitfield",
            "Fabrikam",
            DANA,
            PUB,
        )
    },
    Spec {
        issuer: None,
        ..ee("dana-self-signed", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        usage: Usage::ClientAuthOnly,
        ..ee("dana-no-eku", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    ee(
        "dana-mismatch",
        "Dana K. Whitfield",
        "Fabrikam",
        "dana.k@fabrikam.example",
        PUB,
    ),
    ee(
        "dana-untrusted",
        "Dana Whitfield",
        "Fabrikam",
        DANA,
        "untrusted-root-ca",
    ),
    Spec {
        key: KeyKind::Rsa(3072),
        ..ee("dana-rsa3072", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        key: KeyKind::Rsa(4096),
        ..ee("dana-rsa4096", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        key: KeyKind::P256,
        ..ee("dana-p256", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        key: KeyKind::P384,
        ..ee("dana-p384", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        key: KeyKind::Ed25519,
        usage: Usage::SignOnly,
        ..ee("dana-ed25519", "Dana Whitfield", "Fabrikam", DANA, PUB)
    },
    Spec {
        usage: Usage::SignOnly,
        ..ee(
            "dana-sign",
            "Dana Whitfield (Signing)",
            "Fabrikam",
            DANA,
            PUB,
        )
    },
    Spec {
        usage: Usage::EncryptOnly,
        ..ee(
            "dana-encrypt",
            "Dana Whitfield (Encryption)",
            "Fabrikam",
            DANA,
            PUB,
        )
    },
    Spec {
        usage: Usage::SmimeWithCapabilities,
        ..ee("owen", "Owen Sato", "Contoso", "owen@contoso.example", PUB)
    },
    ee("tess", "Tess Lindqvist", "TBird", "tess@tbird.example", PUB),
    ee(
        "ava",
        "Ava Moreau",
        "Apple Example",
        "ava@apple.example",
        PUB,
    ),
    ee("gil", "Gil Navarro", "GCM Example", "gil@gcm.example", PUB),
    ee(
        "robin-enterprise",
        "Robin Marsh",
        "Northwind Traders",
        "robin@northwind.example",
        "enterprise-root-ca",
    ),
    ee(
        "robin-public",
        "Robin Marsh",
        "Northwind Traders",
        "robin@northwind.example",
        PUB,
    ),
    // Robin's EC certificates (keyAgreement): the ECDH key agreement recipients of the
    // Suite B samples (RFC 5008, RFC 5753), one per NIST curve.
    Spec {
        key: KeyKind::P256,
        ..ee(
            "robin-ecdh-p256",
            "Robin Marsh",
            "Northwind Traders",
            "robin@northwind.example",
            "enterprise-root-ca",
        )
    },
    Spec {
        key: KeyKind::P384,
        ..ee(
            "robin-ecdh-p384",
            "Robin Marsh",
            "Northwind Traders",
            "robin@northwind.example",
            "enterprise-root-ca",
        )
    },
    Spec {
        key: KeyKind::P521,
        ..ee(
            "robin-ecdh-p521",
            "Robin Marsh",
            "Northwind Traders",
            "robin@northwind.example",
            "enterprise-root-ca",
        )
    },
];

/// The folder of the X.509 personas.
pub fn dir(corpora: &Path) -> PathBuf {
    corpora.join("keys").join("x509")
}

/// Loads every persona, creating the missing ones (and only those).
pub fn load_or_create(corpora: &Path) -> Result<Vec<Persona>> {
    let dir = dir(corpora);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut personas: Vec<Persona> = Vec::new();
    for spec in SPECS {
        let cert_path = dir.join(format!("{}.cert.pem", spec.name));
        let key_path = dir.join(format!("{}.key.pem", spec.name));
        let persona = if cert_path.exists() && key_path.exists() {
            load(spec, &cert_path, &key_path)?
        } else {
            let persona = create(spec, &personas)?;
            let cert_pem = persona.cert.to_pem(LineEnding::LF).map_err(der_err)?;
            std::fs::write(&cert_path, cert_pem).map_err(|e| Error::io(&cert_path, e))?;
            let key_pem = key_to_pem(&persona.key)?;
            std::fs::write(&key_path, key_pem).map_err(|e| Error::io(&key_path, e))?;
            persona
        };
        personas.push(persona);
    }
    Ok(personas)
}

pub(crate) fn key_to_pem(key: &PrivateKey) -> Result<String> {
    let pem = match key {
        PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
        PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
        PrivateKey::P384(k) => k.to_pkcs8_pem(LineEnding::LF),
        PrivateKey::Ed25519(k) => {
            // RFC 8410 §7: OneAsymmetricKey v1, id-Ed25519, the 32-byte seed as an OCTET STRING.
            let mut der = vec![
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20,
            ];
            der.extend_from_slice(&k.to_bytes());
            return der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
                .map_err(|e| gen_err("pkcs8", e));
        }
        PrivateKey::P521(k) => {
            use p521::pkcs8::EncodePrivateKey as _;
            let pem = k
                .to_pkcs8_pem(p521::pkcs8::LineEnding::LF)
                .map_err(|e| gen_err("pkcs8", e))?;
            return Ok(pem.to_string());
        }
    }
    .map_err(|e| gen_err("pkcs8", e))?;
    Ok(pem.to_string())
}

pub(crate) fn load(spec: &Spec, cert_path: &Path, key_path: &Path) -> Result<Persona> {
    let key_err = |p: &Path, m: String| Error::Key {
        path: p.to_owned(),
        message: m,
    };
    let cert_text = std::fs::read_to_string(cert_path).map_err(|e| Error::io(cert_path, e))?;
    let cert = Certificate::from_pem(cert_text.as_bytes())
        .map_err(|e| key_err(cert_path, e.to_string()))?;
    let key_text = std::fs::read_to_string(key_path).map_err(|e| Error::io(key_path, e))?;
    let key = match spec.key {
        KeyKind::Rsa(_) => PrivateKey::Rsa(
            rsa::PrivateKey::from_pkcs8_pem(&key_text)
                .map_err(|e| key_err(key_path, e.to_string()))?,
        ),
        KeyKind::P256 => PrivateKey::P256(
            p256::ecdsa::SigningKey::from_pkcs8_pem(&key_text)
                .map_err(|e| key_err(key_path, e.to_string()))?,
        ),
        KeyKind::P384 => PrivateKey::P384(
            p384::ecdsa::SigningKey::from_pkcs8_pem(&key_text)
                .map_err(|e| key_err(key_path, e.to_string()))?,
        ),
        KeyKind::P521 => PrivateKey::P521(
            <p521::SecretKey as p521::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&key_text)
                .map_err(|e| key_err(key_path, e.to_string()))?,
        ),
        KeyKind::Ed25519 => {
            PrivateKey::Ed25519(ed25519_seed(&key_text).map_err(|m| key_err(key_path, m))?)
        }
    };
    let cert_der = cert.to_der().map_err(der_err)?;
    Ok(Persona {
        name: spec.name,
        cert,
        cert_der,
        key,
    })
}

/// Our certificate profile: subject/issuer from the spec, extensions from [`Usage`].
struct PersonaProfile {
    subject: Name,
    issuer: Name,
    usage: Usage,
    email: Option<&'static str>,
    ec: bool,
}

/// An extension of type `T` under its own OID.
fn ext<T: Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> x509_cert::builder::Result<Extension> {
    ext_with_oid(T::OID, value, critical)
}

fn ext_with_oid(
    extn_id: ObjectIdentifier,
    value: &impl Encode,
    critical: bool,
) -> x509_cert::builder::Result<Extension> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
fn key_id(spk: &SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    Sha1::digest(spk.subject_public_key.raw_bytes()).to_vec()
}

impl BuilderProfile for PersonaProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        use KeyUsages as K;
        let mut out = Vec::new();
        let ski = key_id(&spk);
        let aki = key_id(&issuer_spk);
        if self.usage == Usage::Ca {
            let ca = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            out.push(ext(&ca, true)?);
            out.push(ext(&KeyUsage(K::KeyCertSign | K::CRLSign), true)?);
        } else {
            let enc = if self.ec {
                K::KeyAgreement
            } else {
                K::KeyEncipherment
            };
            let usage = match self.usage {
                Usage::SignOnly => KeyUsage(K::DigitalSignature | K::NonRepudiation),
                Usage::EncryptOnly => KeyUsage(K::KeyEncipherment.into()),
                Usage::ClientAuthOnly => KeyUsage(K::DigitalSignature | K::KeyEncipherment),
                _ => KeyUsage(K::DigitalSignature | K::NonRepudiation | enc),
            };
            out.push(ext(&usage, true)?);
            let eku = if self.usage == Usage::ClientAuthOnly {
                rfc5280::ID_KP_CLIENT_AUTH
            } else {
                rfc5280::ID_KP_EMAIL_PROTECTION
            };
            out.push(ext(&ExtendedKeyUsage(vec![eku]), false)?);
            if let Some(email) = self.email {
                let san = SubjectAltName(vec![GeneralName::Rfc822Name(Ia5String::new(email)?)]);
                out.push(ext(&san, false)?);
            }
            if self.usage == Usage::SmimeWithCapabilities {
                out.push(ext_with_oid(
                    rfc5911::SMIME_CAPABILITIES,
                    &super::cms::aes_3des_capabilities(),
                    false,
                )?);
            }
        }
        out.push(ext(
            &SubjectKeyIdentifier(OctetString::new(ski.clone())?),
            false,
        )?);
        if ski != aki || self.usage != Usage::Ca {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            out.push(ext(&aki, false)?);
        }
        Ok(out)
    }
}

/// The subject DN. Names are as long as real CA and S/MIME names (OU, L, ST), which also
/// makes the DER-sorted signed attributes come out in Outlook's observed order (the
/// SMIMECapabilities attribute sorts before the IssuerAndSerialNumber ones, O1).
fn distinguished_name(spec: &Spec) -> String {
    let (ou, locality, state) = match spec.org {
        "Contoso Trust Services" => ("Secure Email", "Redmond", "Washington"),
        "Northwind Traders" => ("Information Technology", "Portland", "Oregon"),
        "Unknown Test Org" => ("Testing Department", "Springfield", "Nowhere"),
        "Fabrikam" => ("Procurement", "Seattle", "Washington"),
        "Contoso" => ("Partner Programs", "Redmond", "Washington"),
        "TBird" => ("Release Engineering", "Mountain View", "California"),
        "Apple Example" => ("Design", "Cupertino", "California"),
        _ => ("Cryptography Lab", "Austin", "Texas"),
    };
    format!(
        "CN={},OU={ou},O={},L={locality},ST={state},C=US",
        spec.common_name, spec.org
    )
}

fn time(ymd: (u16, u8, u8)) -> Result<Time> {
    let dt = DateTime::new(ymd.0, ymd.1, ymd.2, 0, 0, 0).map_err(der_err)?;
    Ok(Time::UtcTime(UtcTime::from_date_time(dt).map_err(der_err)?))
}

pub(crate) fn create(spec: &Spec, issued_so_far: &[Persona]) -> Result<Persona> {
    let mut rng = rand::rng();
    let key = match spec.key {
        KeyKind::Rsa(bits) => {
            PrivateKey::Rsa(rsa::PrivateKey::new(&mut rng, bits).map_err(|e| gen_err("rsa", e))?)
        }
        KeyKind::P256 => {
            use p256::elliptic_curve::Generate;
            PrivateKey::P256(p256::ecdsa::SigningKey::generate_from_rng(&mut rng))
        }
        KeyKind::P384 => {
            use p384::elliptic_curve::Generate;
            PrivateKey::P384(p384::ecdsa::SigningKey::generate_from_rng(&mut rng))
        }
        KeyKind::Ed25519 => {
            use rand::Rng as _;
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        KeyKind::P521 => {
            use rand::Rng as _;
            // 521 random bits until they are a valid scalar (below the order).
            loop {
                let mut bytes = [0u8; 66];
                rng.fill_bytes(&mut bytes);
                bytes[0] &= 0x01;
                if let Ok(key) = p521::SecretKey::from_slice(&bytes) {
                    break PrivateKey::P521(key);
                }
            }
        }
    };
    certify(spec, key, issued_so_far)
}

/// The persona of `spec` with this key: its certificate, issued by the spec's issuer among
/// `issued_so_far` (or self-signed). Deterministic: fixed dates, serial and extensions, and
/// RSA PKCS#1 v1.5 signatures.
pub(crate) fn certify(spec: &Spec, key: PrivateKey, issued_so_far: &[Persona]) -> Result<Persona> {
    let spki = match &key {
        PrivateKey::Rsa(k) => SubjectPublicKeyInfoOwned::from_key(&k.to_public_key()),
        PrivateKey::P256(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
        PrivateKey::P384(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
        PrivateKey::P521(k) => Ok(p521_spki(k)?),
        PrivateKey::Ed25519(k) => Ok(ed25519_spki(k)?),
    }
    .map_err(|e| gen_err("spki", e))?;
    let dn = distinguished_name(spec);
    let subject = Name::from_str(&dn).map_err(der_err)?;
    let issuer_persona = match spec.issuer {
        Some(name) => Some(
            issued_so_far
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| gen_err("x509", format!("issuer {name} must come first")))?,
        ),
        None => None,
    };
    let issuer = match issuer_persona {
        Some(p) => p.cert.tbs_certificate().subject().clone(),
        None => subject.clone(),
    };
    let profile = PersonaProfile {
        subject,
        issuer,
        usage: spec.usage,
        email: spec.email,
        ec: matches!(spec.key, KeyKind::P256 | KeyKind::P384 | KeyKind::P521),
    };
    // Fixed 16-byte serial from the persona name (top bit cleared: positive INTEGER).
    let mut serial =
        Sha256::digest(format!("replymatrix x509 serial {}", spec.name).as_bytes())[..16].to_vec();
    serial[0] &= 0x7f;
    serial[0] |= 0x10;
    let serial = SerialNumber::new(&serial).map_err(der_err)?;
    let validity = Validity::new(time(spec.valid.0)?, time(spec.valid.1)?);
    let builder =
        CertificateBuilder::new(profile, serial, validity, spki).map_err(|e| gen_err("x509", e))?;
    let signer_key = match issuer_persona {
        Some(p) => match &p.key {
            PrivateKey::Rsa(k) => k.clone(),
            _ => return Err(gen_err("x509", "CA keys are RSA")),
        },
        None => match &key {
            PrivateKey::Rsa(k) => k.clone(),
            _ => return Err(gen_err("x509", "self-signed personas are RSA")),
        },
    };
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(signer_key);
    let cert = builder
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .map_err(|e| gen_err("x509", e))?;
    let cert_der = cert.to_der().map_err(der_err)?;
    // Round-trip check: what we write must parse.
    Certificate::from_der(&cert_der).map_err(der_err)?;
    Ok(Persona {
        name: spec.name,
        cert,
        cert_der,
        key,
    })
}

/// The SubjectPublicKeyInfo of a P-521 key (RFC 5480: id-ecPublicKey, secp521r1, the
/// uncompressed point).
fn p521_spki(key: &p521::SecretKey) -> Result<SubjectPublicKeyInfoOwned> {
    use p521::elliptic_curve::sec1::ToEncodedPoint as _;
    let point = key.public_key().to_encoded_point(false);
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
            parameters: Some(der::Any::from(&ObjectIdentifier::new_unwrap(
                "1.3.132.0.35",
            ))),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point.as_bytes()).map_err(der_err)?,
    })
}

/// The README lines, one per key file (common brief, "Keys README").
pub fn readme() -> String {
    let mut out = String::from(
        "# X.509 personas (S/MIME)\n\n\
         Made by `harness/generator/src/smime_corpus/keys.rs` (x509-cert 0.3 builder, rsa 0.10,\n\
         p256/p384 0.14, p521 0.13) the first time `cargo corpus-generate` runs; committed so samples\n\
         regenerate byte-identically. Keys are PKCS#8 PEM, certificates PEM. Test keys only:\n\
         the private keys are public.\n\n\
         | file | who | algorithm | issuer | validity (UTC) | purpose |\n\
         |---|---|---|---|---|---|\n",
    );
    for spec in SPECS {
        let alg = match spec.key {
            KeyKind::Rsa(bits) => format!("RSA-{bits}"),
            KeyKind::P256 => "ECDSA P-256".into(),
            KeyKind::P384 => "ECDSA P-384".into(),
            KeyKind::P521 => "EC P-521".into(),
            KeyKind::Ed25519 => "Ed25519".into(),
        };
        let issuer = spec.issuer.unwrap_or("self-signed");
        let who = match spec.email {
            Some(e) => format!("{} <{e}>", spec.common_name),
            None => spec.common_name.to_owned(),
        };
        let (a, b) = spec.valid;
        let validity = format!(
            "{:04}-{:02}-{:02}..{:04}-{:02}-{:02}",
            a.0, a.1, a.2, b.0, b.1, b.2
        );
        let purpose = match (spec.name, spec.usage) {
            ("public-root-ca", _) => "root \"trusted by Windows\"",
            ("public-issuing-ca", _) => "intermediate under public-root-ca; issues the senders",
            ("enterprise-root-ca", _) => {
                "Northwind's own root (tenant SST); issues robin-enterprise"
            }
            ("untrusted-root-ca", _) => "a root nobody trusts",
            ("dana-no-eku", _) => "EKU clientAuth only (no emailProtection)",
            ("dana-mismatch", _) => "SAN dana.k@ while mail comes From dana@",
            ("dana-sign", _) => "signing only (digitalSignature, nonRepudiation)",
            ("dana-encrypt", _) => "encryption only (keyEncipherment)",
            ("owen", _) => "S/MIME; carries the RFC 4262 SMIMECapabilities extension",
            ("robin-enterprise" | "robin-public", _) => "recipient: decrypts the enveloped samples",
            ("robin-ecdh-p256" | "robin-ecdh-p384" | "robin-ecdh-p521", _) => {
                "recipient's EC certificate (keyAgreement): decrypts the ECDH samples"
            }
            (_, Usage::Smime) => "S/MIME sign + encrypt, EKU emailProtection",
            _ => "S/MIME",
        };
        for (file, what) in [("cert", "certificate"), ("key", "PKCS#8 private key")] {
            out.push_str(&format!(
                "| {}.{file}.pem | {who} ({what}) | {alg} | {issuer} | {validity} | {purpose} |\n",
                spec.name
            ));
        }
    }
    out
}

/// The seed of an Ed25519 PKCS#8 PEM as [`key_to_pem`] writes it (RFC 8410 §7).
fn ed25519_seed(pem: &str) -> std::result::Result<ed25519_dalek::SigningKey, String> {
    let (_, der) =
        der::pem::decode_vec(pem.as_bytes()).map_err(|e| format!("Ed25519 PKCS#8: {e}"))?;
    let seed: [u8; 32] = der
        .strip_prefix(&[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ])
        .and_then(|rest| rest.try_into().ok())
        .ok_or("Ed25519 PKCS#8: not the RFC 8410 form with a 32-byte seed")?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// The SubjectPublicKeyInfo of an Ed25519 key (RFC 8410 §4: id-Ed25519, no parameters).
fn ed25519_spki(k: &ed25519_dalek::SigningKey) -> Result<SubjectPublicKeyInfoOwned> {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(k.verifying_key().as_bytes());
    SubjectPublicKeyInfoOwned::from_der(&der).map_err(der_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed certificates are what [`certify`] makes from the committed keys today,
    /// byte for byte: the safety net for the extension and name code, which runs only when
    /// a key is missing.
    #[test]
    fn committed_certificates_are_reproduced_from_their_keys() {
        let dir = dir(&replymatrix::corpus::default_corpora_dir());
        let mut personas: Vec<Persona> = Vec::new();
        for spec in SPECS {
            let cert_path = dir.join(format!("{}.cert.pem", spec.name));
            let key_path = dir.join(format!("{}.key.pem", spec.name));
            let committed = load(spec, &cert_path, &key_path).unwrap();
            let key = load(spec, &cert_path, &key_path).unwrap().key;
            let made = certify(spec, key, &personas).unwrap();
            assert!(made.cert_der == committed.cert_der, "{}", spec.name);
            personas.push(committed);
        }
    }
}
