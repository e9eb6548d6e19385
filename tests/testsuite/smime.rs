//! S/MIME inspection: CMS SignedData verification, EnvelopedData / AuthEnvelopedData
//! decryption and certificate facts, against structures built here with the `cms` builder
//! (fixed keys from `tests/fixtures/smime/`, fixed-seed RNG) and, independently, with the
//! `openssl cms` CLI.

use crate::support::{digest_oid, hash};
use cms::builder::{
    ContentEncryptionAlgorithm, EnvelopedDataBuilder, KeyEncryptionInfo,
    KeyTransRecipientInfoBuilder, SignedDataBuilder, SignerInfoBuilder,
};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfos};
use der::asn1::{ObjectIdentifier as Oid, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode, Tag};
use rand::SeedableRng;
use rand::rngs::StdRng;
use replymatrix::facts::{Digest, SignatureAlgorithm, SignatureStatus};
use replymatrix::smime::{self, CmsKind, EnvelopedFacts, SignedDataFacts, SmimeContext, SmimeKey};
use replymatrix::{LayerKind, Problem};
use rsa::pkcs8::DecodePrivateKey;
use spki::AlgorithmIdentifierOwned;
use std::path::PathBuf;
use std::process::Command;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

// ---------------------------------------------------------------------------------------
// Fixtures and builders
// ---------------------------------------------------------------------------------------

const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const ID_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
const ID_AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");
const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
const SMIME_CAPABILITIES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.15");
const ENCRYP_KEY_PREF: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.11");
const MS_KEY_PREF: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.16.4");
const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
const AES256_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.46");
const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");
const RC2_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.2");
const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");

/// A signed MIME entity, CRLF-canonical as the MIME walker hands it over.
const CONTENT: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello Robin, this is signed.\r\n";

fn fixture_dir() -> PathBuf {
    crate::support::fixtures_dir().join("smime")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn cert(name: &str) -> Certificate {
    let certs = smime::load_certs(&fixture(&format!("{name}.cert.pem")));
    assert_eq!(certs.len(), 1, "{name}.cert.pem holds one certificate");
    certs.into_iter().next().unwrap()
}

/// `load_key` over the key and certificate PEM concatenated, as `--key` would get them.
fn key(name: &str) -> SmimeKey {
    let mut pem = fixture(&format!("{name}.key.pem"));
    pem.extend_from_slice(&fixture(&format!("{name}.cert.pem")));
    smime::load_key(&pem).unwrap_or_else(|e| panic!("load_key {name}: {e}"))
}

fn rsa_private(name: &str) -> rsa::PrivateKey {
    let pem = String::from_utf8(fixture(&format!("{name}.key.pem"))).unwrap();
    rsa::PrivateKey::from_pkcs8_pem(&pem).unwrap()
}

fn rsa_public(name: &str) -> rsa::PublicKey {
    rsa::PublicKey::from(&rsa_private(name))
}

fn ctx<'a>(
    from: Option<&'a str>,
    keys: &'a [SmimeKey],
    certs: &'a [Certificate],
) -> SmimeContext<'a> {
    SmimeContext { from, keys, certs }
}

fn alg(oid: Oid) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn attribute(oid: Oid, value_der: &[u8]) -> Attribute {
    let mut values = SetOfVec::new();
    values.insert(Any::from_der(value_der).unwrap()).unwrap();
    Attribute { oid, values }
}

/// signingTime 2026-05-01T10:00:00Z (UTCTime).
fn signing_time_attribute() -> Attribute {
    let time = UtcTime::from_unix_duration(std::time::Duration::from_secs(1_777_629_600)).unwrap();
    attribute(SIGNING_TIME, &time.to_der().unwrap())
}

fn issuer_and_serial(cert: &Certificate) -> IssuerAndSerialNumber {
    IssuerAndSerialNumber {
        issuer: cert.tbs_certificate().issuer().clone(),
        serial_number: cert.tbs_certificate().serial_number().clone(),
    }
}

fn ski(cert: &Certificate) -> SubjectKeyIdentifier {
    cert.tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
        .unwrap()
        .unwrap()
        .1
}

/// How to build one SignedData in a test.
struct SignSpec {
    signer: &'static str,
    digest: Digest,
    /// `None`: the real H(content).
    message_digest: Option<Vec<u8>>,
    opaque: bool,
    include_signer_cert: bool,
    extra_certs: Vec<Certificate>,
    by_ski: bool,
    attributes: Vec<Attribute>,
}

impl SignSpec {
    fn new(signer: &'static str, digest: Digest) -> Self {
        Self {
            signer,
            digest,
            message_digest: None,
            opaque: false,
            include_signer_cert: true,
            extra_certs: Vec::new(),
            by_ski: false,
            attributes: vec![signing_time_attribute()],
        }
    }
}

/// Signs CONTENT-like bytes with the cms builder. The builder always signs detached over an
/// external digest (so every digest works); an opaque SignedData gets its eContent added
/// afterwards, which the signature over the signed attributes does not cover directly.
fn sign(spec: &SignSpec, content: &[u8]) -> Vec<u8> {
    let signer_cert = cert(spec.signer);
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let digest = spec
        .message_digest
        .clone()
        .unwrap_or_else(|| hash(spec.digest, content));
    let sid = if spec.by_ski {
        SignerIdentifier::SubjectKeyIdentifier(ski(&signer_cert))
    } else {
        SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&signer_cert))
    };
    let digest_alg = alg(digest_oid(spec.digest));
    let mut info = SignerInfoBuilder::new(sid, digest_alg.clone(), &eci, Some(&digest)).unwrap();
    for attr in &spec.attributes {
        info.add_signed_attribute(attr.clone()).unwrap();
    }
    let mut builder = SignedDataBuilder::new(&eci);
    builder.add_digest_algorithm(digest_alg).unwrap();
    if spec.include_signer_cert {
        builder
            .add_certificate(CertificateChoices::Certificate(signer_cert.clone()))
            .unwrap();
    }
    for extra in &spec.extra_certs {
        builder
            .add_certificate(CertificateChoices::Certificate(extra.clone()))
            .unwrap();
    }
    let mut rng = StdRng::seed_from_u64(0x5349_474e);
    match (spec.signer, spec.digest) {
        ("carol-p256", _) => {
            let pem = String::from_utf8(fixture("carol-p256.key.pem")).unwrap();
            let key = p256::ecdsa::SigningKey::from_pkcs8_pem(&pem).unwrap();
            builder
                .add_signer_info::<_, p256::ecdsa::DerSignature>(info, &key)
                .unwrap();
        }
        ("dave-p384", _) => {
            let pem = String::from_utf8(fixture("dave-p384.key.pem")).unwrap();
            let key = p384::ecdsa::SigningKey::from_pkcs8_pem(&pem).unwrap();
            builder
                .add_signer_info::<_, p384::ecdsa::DerSignature>(info, &key)
                .unwrap();
        }
        (name, digest) => {
            let private = rsa_private(name);
            macro_rules! rsa_sign {
                ($d:ty) => {
                    builder
                        .add_signer_info::<_, rsa::pkcs1v15::Signature>(
                            info,
                            &rsa::pkcs1v15::SigningKey::<$d>::new(private),
                        )
                        .unwrap()
                };
            }
            match digest {
                Digest::Sha3_256 | Digest::Sha3_512 => {
                    unreachable!("these CMS tests sign with MD5, SHA-1, SHA-2")
                }
                Digest::Sha1 | Digest::Md5 => {
                    // rsa has no SHA-1/MD5 SigningKey here: the legacy signer below writes
                    // rsaEncryption as the signature algorithm, as Outlook does.
                    builder
                        .add_signer_info::<_, rsa::pkcs1v15::Signature>(
                            info,
                            &LegacyRsaSigner {
                                key: private,
                                digest,
                            },
                        )
                        .unwrap()
                }
                Digest::Sha224 => rsa_sign!(sha2::Sha224),
                Digest::Sha256 => rsa_sign!(sha2::Sha256),
                Digest::Sha384 => rsa_sign!(sha2::Sha384),
                Digest::Sha512 => rsa_sign!(sha2::Sha512),
                Digest::Shake256 => panic!("RSA with SHAKE256 is not what these tests sign"),
            };
        }
    }
    let _ = &mut rng;
    let ci = builder.build().unwrap();
    if spec.opaque {
        set_econtent(&ci.to_der().unwrap(), content)
    } else {
        ci.to_der().unwrap()
    }
}

/// RSA PKCS#1 v1.5 over any digest, with `rsaEncryption` as the signature algorithm.
struct LegacyRsaSigner {
    key: rsa::PrivateKey,
    digest: Digest,
}

impl signature::Keypair for LegacyRsaSigner {
    type VerifyingKey = rsa::PublicKey;
    fn verifying_key(&self) -> rsa::PublicKey {
        rsa::PublicKey::from(&self.key)
    }
}

impl spki::DynSignatureAlgorithmIdentifier for LegacyRsaSigner {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        })
    }
}

impl signature::Signer<rsa::pkcs1v15::Signature> for LegacyRsaSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        let hashed = hash(self.digest, msg);
        // DigestInfo (RFC 8017 §9.2) with NULL parameters.
        let alg = AlgorithmIdentifierOwned {
            oid: digest_oid(self.digest),
            parameters: Some(Any::null()),
        };
        let mut body = alg.to_der().unwrap();
        body.extend_from_slice(&OctetString::new(hashed).unwrap().to_der().unwrap());
        let mut info = vec![0x30, body.len() as u8];
        info.extend_from_slice(&body);
        let raw = self
            .key
            .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info)
            .map_err(|_| signature::Error::new())?;
        rsa::pkcs1v15::Signature::try_from(raw.as_slice())
    }
}

/// Decodes a SignedData ContentInfo, lets `edit` change it, re-encodes it.
fn edit_signed(cms: &[u8], edit: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let ci = ContentInfo::from_der(cms).unwrap();
    let mut sd: SignedData = ci.content.decode_as().unwrap();
    edit(&mut sd);
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&sd).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn set_econtent(cms: &[u8], content: &[u8]) -> Vec<u8> {
    edit_signed(cms, |sd| {
        sd.encap_content_info.econtent =
            Some(Any::new(Tag::OctetString, content.to_vec()).unwrap());
    })
}

fn assert_valid(facts: &SignedDataFacts) {
    assert_eq!(
        facts.signature.status,
        SignatureStatus::Valid,
        "reason: {} problems: {:?}",
        facts.signature.reason,
        facts.problems
    );
}

fn has_problem(problems: &[Problem], code: &str) -> bool {
    problems.iter().any(|p| p.code.as_str() == code)
}

// ---------------------------------------------------------------------------------------
// SignedData built with the cms builder
// ---------------------------------------------------------------------------------------

#[test]
fn every_digest_verifies_with_rsa_pkcs1() {
    let keys = [];
    for digest in [
        Digest::Md5,
        Digest::Sha1,
        Digest::Sha224,
        Digest::Sha256,
        Digest::Sha384,
        Digest::Sha512,
    ] {
        let cms = sign(&SignSpec::new("alice-rsa2048", digest), CONTENT);
        let facts = smime::inspect_signed(
            &cms,
            Some(CONTENT),
            &ctx(Some("alice@example.test"), &keys, &[]),
        );
        assert_valid(&facts);
        assert_eq!(facts.signature.digest, Some(digest));
        assert_eq!(facts.signature.algorithm, Some(SignatureAlgorithm::Rsa));
        assert_eq!(facts.signature.signer_count, 1);
        assert_eq!(facts.signature.signer_matches_from, Some(true));
        assert_eq!(
            facts.signature.signed_at.map(|t| t.to_string()).as_deref(),
            Some("2026-05-01T10:00:00Z")
        );
        let signer = facts.signature.signer.as_ref().unwrap();
        assert_eq!(signer.email.as_deref(), Some("alice@example.test"));
        assert_eq!(
            signer.id,
            smime::certificate_facts(
                &cert("alice-rsa2048"),
                replymatrix::facts::CertificateRole::Chain
            )
            .id
        );
        assert!(facts.encapsulated.is_none());
        assert!(facts.capabilities.is_empty());
        assert!(facts.key_preference.is_none());
    }
}

#[test]
fn rsa3072_signer_by_subject_key_identifier_and_mixed_case_address() {
    let mut spec = SignSpec::new("bob-rsa3072", Digest::Sha384);
    spec.by_ski = true;
    let cms = sign(&spec, CONTENT);
    let facts = smime::inspect_signed(
        &cms,
        Some(CONTENT),
        &ctx(Some("bob@example.test"), &[], &[]),
    );
    assert_valid(&facts);
    let signer = facts.signature.signer.as_ref().unwrap();
    assert_eq!(signer.email.as_deref(), Some("bob@example.test"));
    assert!(signer.id.starts_with("ski:"), "{}", signer.id);
    assert_eq!(
        signer.id,
        format!(
            "ski:{}",
            smime::certificate_facts(
                &cert("bob-rsa3072"),
                replymatrix::facts::CertificateRole::Chain
            )
            .subject_key_id
            .unwrap()
        )
    );
    assert_eq!(facts.signature.signer_matches_from, Some(true));
    // A different From does not match.
    let other = smime::inspect_signed(
        &cms,
        Some(CONTENT),
        &ctx(Some("mallory@example.test"), &[], &[]),
    );
    assert_valid(&other);
    assert_eq!(other.signature.signer_matches_from, Some(false));
    // Unknown From: unknown match.
    let none = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(none.signature.signer_matches_from, None);
}

#[test]
fn rsa_pss_verifies() {
    let signer_cert = cert("alice-rsa2048");
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let digest = hash(Digest::Sha256, CONTENT);
    let digest_alg = alg(digest_oid(Digest::Sha256));
    let info = SignerInfoBuilder::new(
        SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&signer_cert)),
        digest_alg.clone(),
        &eci,
        Some(&digest),
    )
    .unwrap();
    let mut builder = SignedDataBuilder::new(&eci);
    builder.add_digest_algorithm(digest_alg).unwrap();
    builder
        .add_certificate(CertificateChoices::Certificate(signer_cert))
        .unwrap();
    let signing_key = rsa::pss::SigningKey::<sha2::Sha256>::new(rsa_private("alice-rsa2048"));
    let mut rng = StdRng::seed_from_u64(42);
    builder
        .add_signer_info_with_rng::<_, rsa::pss::Signature, _>(info, &signing_key, &mut rng)
        .unwrap();
    let cms = builder.build().unwrap().to_der().unwrap();
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_valid(&facts);
    assert_eq!(facts.signature.algorithm, Some(SignatureAlgorithm::RsaPss));
    // And PSS also catches tampering.
    let tampered = flip_signature_byte(&cms);
    let bad = smime::inspect_signed(&tampered, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(bad.signature.status, SignatureStatus::Invalid);
    assert!(
        bad.signature.reason.code() == replymatrix::facts::SignatureReasonCode::BadSignature,
        "{}",
        bad.signature.reason
    );
}

#[test]
fn ecdsa_p256_and_p384_verify() {
    for (signer, digest) in [
        ("carol-p256", Digest::Sha256),
        ("dave-p384", Digest::Sha384),
    ] {
        let cms = sign(&SignSpec::new(signer, digest), CONTENT);
        let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
        assert_valid(&facts);
        assert_eq!(facts.signature.algorithm, Some(SignatureAlgorithm::Ecdsa));
        let tampered = flip_signature_byte(&cms);
        let bad = smime::inspect_signed(&tampered, Some(CONTENT), &ctx(None, &[], &[]));
        assert_eq!(bad.signature.status, SignatureStatus::Invalid, "{signer}");
    }
}

#[test]
fn opaque_signed_returns_the_encapsulated_content() {
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.opaque = true;
    let cms = sign(&spec, CONTENT);
    let facts = smime::inspect_signed(&cms, None, &ctx(None, &[], &[]));
    assert_valid(&facts);
    assert_eq!(facts.encapsulated.as_deref(), Some(CONTENT));
    // eContent and detached both given: the eContent is verified and a problem is reported;
    // the same bytes stay valid, different bytes were not signed (eContent confusion).
    let same = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_valid(&same);
    assert!(has_problem(&same.problems, "cms-econtent-and-detached"));
    let other = smime::inspect_signed(&cms, Some(b"something else"), &ctx(None, &[], &[]));
    assert_eq!(other.signature.status, SignatureStatus::Invalid);
    assert!(
        other.signature.reason.code() == replymatrix::facts::SignatureReasonCode::EcontentDiffers
    );
    assert!(has_problem(&other.problems, "cms-econtent-and-detached"));
}

#[test]
fn tampered_content_is_invalid_never_valid() {
    let cms = sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT);
    let mut tampered = CONTENT.to_vec();
    tampered[50] ^= 0x01;
    let facts = smime::inspect_signed(&cms, Some(&tampered), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("message-digest-mismatch: "),
        "{}",
        facts.signature.reason
    );
    // Opaque: tamper the eContent itself.
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.opaque = true;
    let opaque = set_econtent(&sign(&spec, CONTENT), &tampered);
    let facts = smime::inspect_signed(&opaque, None, &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
}

fn flip_signature_byte(cms: &[u8]) -> Vec<u8> {
    edit_signed(cms, |sd| {
        let mut infos: Vec<_> = sd.signer_infos.0.iter().cloned().collect();
        let mut sig = infos[0].signature.as_bytes().to_vec();
        sig[10] ^= 0x40;
        infos[0].signature = OctetString::new(sig).unwrap();
        sd.signer_infos = SignerInfos::try_from(infos).unwrap();
    })
}

#[test]
fn bad_signature_value_is_invalid() {
    let cms = flip_signature_byte(&sign(
        &SignSpec::new("alice-rsa2048", Digest::Sha256),
        CONTENT,
    ));
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("bad-signature: "),
        "{}",
        facts.signature.reason
    );
}

#[test]
fn wrong_message_digest_attribute_is_invalid() {
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.message_digest = Some(hash(Digest::Sha256, b"not the content"));
    let cms = sign(&spec, CONTENT);
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("message-digest-mismatch: ")
    );
}

/// Ed25519 (RFC 8419): Erin's signature over the signed attributes verifies; a forged value
/// is `invalid`, not `unverifiable`. The structure is an RSA SignedData re-signed by Erin's
/// Ed25519 key (OpenSSL 3.0 cannot sign CMS with Ed25519, so there is no independent signer
/// on this machine).
#[test]
fn ed25519_signatures_verify_and_forgeries_are_invalid() {
    use base64::Engine as _;
    use der::Encode as _;
    use ed25519_dalek::Signer as _;
    let erin = cert("erin-ed25519");
    // RFC 8410 §7: an Ed25519 PKCS#8 key ends with the 32-byte seed.
    let pem = String::from_utf8(fixture("erin-ed25519.key.pem")).expect("erin's key is PEM");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let pkcs8 = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body");
    let seed: [u8; 32] = pkcs8[pkcs8.len() - 32..].try_into().expect("32-byte seed");
    let erin_key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let resign = |forged: bool| {
        edit_signed(
            &sign(&SignSpec::new("alice-rsa2048", Digest::Sha512), CONTENT),
            |sd| {
                let mut infos: Vec<_> = sd.signer_infos.0.iter().cloned().collect();
                infos[0].sid = SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&erin));
                infos[0].signature_algorithm = alg(Oid::new_unwrap("1.3.101.112"));
                // RFC 5652 §5.4: the signature covers the DER of the signed attributes.
                let attributes = infos[0]
                    .signed_attrs
                    .as_ref()
                    .expect("signed attributes")
                    .to_der()
                    .expect("DER");
                let value = if forged {
                    vec![0x11; 64]
                } else {
                    erin_key.sign(&attributes).to_bytes().to_vec()
                };
                infos[0].signature = OctetString::new(value).unwrap();
                sd.signer_infos = SignerInfos::try_from(infos).unwrap();
                sd.certificates = Some(
                    cms::signed_data::CertificateSet::try_from(vec![
                        CertificateChoices::Certificate(erin.clone()),
                    ])
                    .unwrap(),
                );
            },
        )
    };
    let ctx = ctx(Some("erin@example.test"), &[], &[]);
    let good = smime::inspect_signed(&resign(false), Some(CONTENT), &ctx);
    assert_eq!(
        good.signature.status,
        SignatureStatus::Valid,
        "{}",
        good.signature.reason
    );
    assert_eq!(good.signature.algorithm, Some(SignatureAlgorithm::Ed25519));
    assert_eq!(good.signature.signer_matches_from, Some(true));
    let forged = smime::inspect_signed(&resign(true), Some(CONTENT), &ctx);
    assert_eq!(
        forged.signature.status,
        SignatureStatus::Invalid,
        "{}",
        forged.signature.reason
    );
    let wrong_content = smime::inspect_signed(&resign(false), Some(b"other content"), &ctx);
    assert_eq!(wrong_content.signature.status, SignatureStatus::Invalid);
}

/// Ed448 (RFC 8419): the messageDigest is SHAKE256 with 512 bits of output, and the
/// signature is PureEdDSA Ed448 over the DER of the signed attributes. OpenSSL 3.0 cannot sign
/// CMS with Ed448 ("no default digest"), but `openssl pkeyutl -sign -rawin` signs raw bytes
/// with an Ed448 key: the signature value here is openssl's, over attributes built here, and
/// the certificate is openssl's too, so the verification is checked against an independent
/// signer. A flipped bit, other content, or SHA-512 named as the digest are `invalid`.
#[test]
fn ed448_signatures_made_by_openssl_pkeyutl_verify() {
    use der::Encode as _;
    use sha3::digest::{ExtendableOutput as _, Update as _};
    if !crate::support::require_tool(crate::support::Tool::Openssl) {
        return;
    }
    let dir = crate::support::TempDir::new("ed448");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir.path(""))
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&["genpkey", "-algorithm", "ed448", "-out", "ed448.key"]);
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "ed448.key",
        "-days",
        "2",
        "-subj",
        "/CN=Erin Ed448/emailAddress=erin@example.test",
        "-outform",
        "DER",
        "-out",
        "ed448.der",
    ]);
    let erin = Certificate::from_der(&std::fs::read(dir.path("ed448.der")).unwrap()).unwrap();
    const SHAKE256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.12");
    const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    let shake = |data: &[u8]| {
        let mut h = sha3::Shake256::default();
        h.update(data);
        let mut out = vec![0u8; 64];
        h.finalize_xof_into(&mut out);
        out
    };
    // (digest named, messageDigest over, flip a signature bit)
    let make = |digest: Oid, digest_value: Vec<u8>, flip: bool| {
        edit_signed(
            &sign(&SignSpec::new("alice-rsa2048", Digest::Sha512), CONTENT),
            |sd| {
                let mut infos: Vec<_> = sd.signer_infos.0.iter().cloned().collect();
                infos[0].sid = SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&erin));
                infos[0].digest_alg = alg(digest);
                infos[0].signature_algorithm = AlgorithmIdentifierOwned {
                    oid: Oid::new_unwrap("1.3.101.113"),
                    parameters: None,
                };
                let attrs: Vec<Attribute> = infos[0]
                    .signed_attrs
                    .as_ref()
                    .expect("signed attributes")
                    .iter()
                    .map(|a| {
                        let mut a = a.clone();
                        if a.oid == MESSAGE_DIGEST {
                            a.values = SetOfVec::try_from(vec![
                                Any::new(Tag::OctetString, digest_value.clone()).unwrap(),
                            ])
                            .unwrap();
                        }
                        a
                    })
                    .collect();
                let attrs = SetOfVec::try_from(attrs).unwrap();
                std::fs::write(dir.path("attrs.der"), attrs.to_der().unwrap()).unwrap();
                openssl(&[
                    "pkeyutl",
                    "-sign",
                    "-rawin",
                    "-inkey",
                    "ed448.key",
                    "-in",
                    "attrs.der",
                    "-out",
                    "attrs.sig",
                ]);
                let mut value = std::fs::read(dir.path("attrs.sig")).unwrap();
                assert_eq!(value.len(), 114, "an Ed448 signature is 114 bytes");
                if flip {
                    value[10] ^= 1;
                }
                infos[0].signed_attrs = Some(attrs);
                infos[0].signature = OctetString::new(value).unwrap();
                sd.digest_algorithms = SetOfVec::try_from(vec![alg(digest)]).unwrap();
                sd.signer_infos = SignerInfos::try_from(infos).unwrap();
                sd.certificates = Some(
                    cms::signed_data::CertificateSet::try_from(vec![
                        CertificateChoices::Certificate(erin.clone()),
                    ])
                    .unwrap(),
                );
            },
        )
    };
    let ctx = ctx(Some("erin@example.test"), &[], &[]);
    let good = smime::inspect_signed(&make(SHAKE256, shake(CONTENT), false), Some(CONTENT), &ctx);
    assert_eq!(
        good.signature.status,
        SignatureStatus::Valid,
        "{}",
        good.signature.reason
    );
    assert_eq!(good.signature.algorithm, Some(SignatureAlgorithm::Ed448));
    assert_eq!(good.signature.digest, Some(Digest::Shake256));
    assert_eq!(good.signature.signer_matches_from, Some(true));
    let flipped = smime::inspect_signed(&make(SHAKE256, shake(CONTENT), true), Some(CONTENT), &ctx);
    assert_eq!(
        flipped.signature.status,
        SignatureStatus::Invalid,
        "{}",
        flipped.signature.reason
    );
    let other = smime::inspect_signed(&make(SHAKE256, shake(CONTENT), false), Some(b"other"), &ctx);
    assert_eq!(
        other.signature.status,
        SignatureStatus::Invalid,
        "{}",
        other.signature.reason
    );
    // SHAKE256's value under SHA-512's name: the messageDigest does not match.
    let sha512 = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    let misnamed = smime::inspect_signed(&make(sha512, shake(CONTENT), false), Some(CONTENT), &ctx);
    assert_eq!(
        misnamed.signature.status,
        SignatureStatus::Invalid,
        "{}",
        misnamed.signature.reason
    );
}

#[test]
fn content_type_attribute_must_match_econtent_type() {
    // The attribute says id-data; change eContentType after signing.
    let cms = sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT);
    let cms = edit_signed(&cms, |sd| {
        sd.encap_content_info.econtent_type = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    });
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("content-type-mismatch: "),
        "{}",
        facts.signature.reason
    );
}

#[test]
fn missing_certificate_is_unverifiable_until_supplied() {
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.include_signer_cert = false;
    let cms = sign(&spec, CONTENT);
    let facts = smime::inspect_signed(
        &cms,
        Some(CONTENT),
        &ctx(Some("alice@example.test"), &[], &[]),
    );
    assert_eq!(facts.signature.status, SignatureStatus::Unverifiable);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("signer-certificate-missing: "),
        "{}",
        facts.signature.reason
    );
    assert_eq!(facts.signature.signer_matches_from, None);
    assert!(facts.certificates.is_empty());
    // Supplying the certificate (--cert) makes it verifiable.
    let supplied = [cert("alice-rsa2048")];
    let facts = smime::inspect_signed(
        &cms,
        Some(CONTENT),
        &ctx(Some("alice@example.test"), &[], &supplied),
    );
    assert_valid(&facts);
    assert_eq!(facts.signature.signer_matches_from, Some(true));
    // A missing certificate never hides a broken digest.
    let mut wrong = CONTENT.to_vec();
    wrong.push(b'!');
    let facts = smime::inspect_signed(&cms, Some(&wrong), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
}

#[test]
fn no_signer_infos_is_invalid() {
    let cms = edit_signed(
        &sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT),
        |sd| {
            sd.signer_infos = SignerInfos::try_from(Vec::new()).unwrap();
        },
    );
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Invalid);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("no-signer-infos: ")
    );
    assert_eq!(facts.certificates.len(), 1);
}

#[test]
fn capabilities_and_both_key_preferences_are_reported() {
    let bob = cert("bob-rsa3072");
    let rc2_128 = AlgorithmIdentifierOwned {
        oid: RC2_CBC,
        parameters: Some(Any::from_der(&[0x02, 0x02, 0x00, 0x80]).unwrap()),
    };
    let caps = vec![
        alg(AES256_CBC),
        alg(AES128_CBC),
        rc2_128,
        alg(DES_EDE3_CBC),
        alg(Oid::new_unwrap("2.16.840.1.101.3.4.2.1")),
        alg(Oid::new_unwrap("1.2.3.4")),
    ];
    let caps_der = caps.to_der().unwrap();
    let isn_der = issuer_and_serial(&bob).to_der().unwrap();
    let mut pref_der = isn_der.clone();
    pref_der[0] = 0xA0; // [0] IMPLICIT IssuerAndSerialNumber
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.extra_certs = vec![bob.clone(), cert("test-ca")];
    spec.attributes
        .push(attribute(SMIME_CAPABILITIES, &caps_der));
    spec.attributes.push(attribute(ENCRYP_KEY_PREF, &pref_der));
    spec.attributes.push(attribute(MS_KEY_PREF, &isn_der));
    let cms = sign(&spec, CONTENT);
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_valid(&facts);
    assert_eq!(
        facts.capabilities,
        [
            "aes-256-cbc",
            "aes-128-cbc",
            "rc2-cbc-128",
            "3des-cbc",
            "sha256",
            "1.2.3.4"
        ]
    );
    let bob_id = smime::certificate_facts(&bob, replymatrix::facts::CertificateRole::Chain).id;
    let pref = facts.key_preference.as_ref().unwrap();
    assert_eq!(pref.smime.as_deref(), Some(bob_id.as_str()));
    assert_eq!(pref.microsoft.as_deref(), Some(bob_id.as_str()));

    // Roles and the chain: signer, encryption (named by the preference), chain (the CA).
    let ca_fp =
        smime::certificate_facts(&cert("test-ca"), replymatrix::facts::CertificateRole::Chain)
            .fingerprint;
    let role_of = |email: &str| {
        facts
            .certificates
            .iter()
            .find(|c| c.emails.iter().any(|e| e == email))
            .unwrap()
    };
    assert_eq!(
        role_of("alice@example.test").role,
        replymatrix::facts::CertificateRole::Signer
    );
    assert_eq!(
        role_of("bob@example.test").role,
        replymatrix::facts::CertificateRole::Encryption
    );
    assert_eq!(
        role_of("alice@example.test").verified_by.as_deref(),
        Some(ca_fp.as_str())
    );
    assert_eq!(
        role_of("bob@example.test").verified_by.as_deref(),
        Some(ca_fp.as_str())
    );
    let ca = facts.certificates.iter().find(|c| c.is_ca).unwrap();
    assert_eq!(ca.role, replymatrix::facts::CertificateRole::Chain);
    assert!(ca.self_signed);
    assert_eq!(ca.verified_by.as_deref(), Some(ca_fp.as_str()));

    // The RFC 8551 preference by subjectKeyIdentifier ([2] IMPLICIT).
    let bob_ski = ski(&bob);
    let mut ski_pref = vec![0x82, bob_ski.0.as_bytes().len() as u8];
    ski_pref.extend_from_slice(bob_ski.0.as_bytes());
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.attributes.push(attribute(ENCRYP_KEY_PREF, &ski_pref));
    let facts = smime::inspect_signed(&sign(&spec, CONTENT), Some(CONTENT), &ctx(None, &[], &[]));
    assert_valid(&facts);
    let pref = facts.key_preference.unwrap();
    assert_eq!(
        pref.smime.unwrap(),
        format!("ski:{}", hex(bob_ski.0.as_bytes()))
    );
    assert_eq!(pref.microsoft, None);
}

/// Verified_by is None when no carried or supplied certificate signed it.
#[test]
fn verified_by_needs_the_issuer() {
    let cms = sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT);
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.certificates.len(), 1);
    assert_eq!(
        facts.certificates[0].role,
        replymatrix::facts::CertificateRole::Signer
    );
    assert_eq!(facts.certificates[0].verified_by, None);
    // A CA that did not sign it (another leaf claiming to be the issuer) does not count.
    let trust = [cert("bob-rsa3072")];
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &trust));
    assert_eq!(facts.certificates[0].verified_by, None);
    let trust = [cert("test-ca")];
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &trust));
    assert_eq!(
        facts.certificates[0].verified_by,
        Some(
            smime::certificate_facts(&trust[0], replymatrix::facts::CertificateRole::Chain)
                .fingerprint
        )
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Re-encodes a DER structure with every constructed element in the indefinite length form
/// (X.690 §8.1.3.6), the way Outlook and `openssl -stream` write CMS.
fn to_indefinite_ber(der: &[u8]) -> Vec<u8> {
    fn walk(der: &[u8], out: &mut Vec<u8>) {
        let mut pos = 0;
        while pos < der.len() {
            let tag = der[pos];
            let len_byte = der[pos + 1];
            let (len, header) = if len_byte < 0x80 {
                (len_byte as usize, 2)
            } else {
                let n = (len_byte & 0x7f) as usize;
                let mut len = 0usize;
                for i in 0..n {
                    len = len * 256 + der[pos + 2 + i] as usize;
                }
                (len, 2 + n)
            };
            let content = &der[pos + header..pos + header + len];
            // Keep the signed attributes ([0] inside SignerInfo) definite: they are signed
            // as DER. Only SEQUENCE/SET and EXPLICIT [0] wrappers of the outer layers go
            // indefinite here, which is what openssl -stream does.
            if tag & 0x20 != 0 && (tag == 0x30 || tag == 0xA0) && len > 300 {
                out.push(tag);
                out.push(0x80);
                walk(content, out);
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&der[pos..pos + header + len]);
            }
            pos += header + len;
        }
    }
    let mut out = Vec::new();
    walk(der, &mut out);
    out
}

#[test]
fn ber_indefinite_length_signed_data_verifies() {
    let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
    spec.opaque = true;
    let der = sign(&spec, CONTENT);
    let ber = to_indefinite_ber(&der);
    assert_ne!(ber, der);
    assert_eq!(&ber[..2], &[0x30, 0x80], "outer ContentInfo is indefinite");
    assert_eq!(smime::content_kind(&ber), Ok(CmsKind::SignedData));
    let facts = smime::inspect_signed(&ber, None, &ctx(None, &[], &[]));
    assert_valid(&facts);
    assert_eq!(facts.encapsulated.as_deref(), Some(CONTENT));
}

#[test]
fn content_kind_names_the_outer_type() {
    let signed = sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT);
    assert_eq!(smime::content_kind(&signed), Ok(CmsKind::SignedData));
    let enveloped = envelope_with_builder(
        ContentEncryptionAlgorithm::Aes128Cbc,
        recipient_by_issuer("alice-rsa2048"),
    );
    assert_eq!(smime::content_kind(&enveloped), Ok(CmsKind::EnvelopedData));
    let gcm = auth_envelope_gcm("alice-rsa2048", CONTENT);
    assert_eq!(smime::content_kind(&gcm), Ok(CmsKind::AuthEnvelopedData));
    let data = ContentInfo {
        content_type: ID_DATA,
        content: Any::new(Tag::OctetString, b"x".to_vec()).unwrap(),
    }
    .to_der()
    .unwrap();
    assert_eq!(
        smime::content_kind(&data),
        Ok(CmsKind::Other("1.2.840.113549.1.7.1".into()))
    );
    assert_eq!(
        smime::content_kind(b"garbage").unwrap_err().code,
        replymatrix::facts::ProblemCode::CmsMalformed
    );
    // A SignedData is not enveloped, and the other way round.
    let facts = smime::inspect_enveloped(&signed, &ctx(None, &[], &[]));
    assert!(!facts.encryption.decrypted);
    assert!(!facts.problems.is_empty());
    let facts = smime::inspect_signed(&enveloped, None, &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Unverifiable);
    assert!(!facts.problems.is_empty());
}

// ---------------------------------------------------------------------------------------
// Certificates and keys
// ---------------------------------------------------------------------------------------

#[test]
fn certificate_facts_describe_the_fixtures() {
    let ca = smime::certificate_facts(&cert("test-ca"), replymatrix::facts::CertificateRole::Chain);
    assert!(ca.self_signed && ca.is_ca);
    assert_eq!(ca.key_type, "rsa");
    assert_eq!(ca.key_bits, 2048);
    assert_eq!(ca.key_usage, ["keyCertSign", "cRLSign"]);
    assert_eq!(ca.email_protection, None);
    assert_eq!(ca.subject, ca.issuer);
    // RFC 4514 lists RDNs last-to-first: the wire order is CN, O.
    assert_eq!(ca.subject, "O=replymatrix tests,CN=replymatrix test CA");
    assert_eq!(ca.role, replymatrix::facts::CertificateRole::Chain);

    let alice = smime::certificate_facts(
        &cert("alice-rsa2048"),
        replymatrix::facts::CertificateRole::Chain,
    );
    assert_eq!(alice.emails, ["alice@example.test"]);
    assert_eq!(alice.key_type, "rsa");
    assert_eq!(alice.key_bits, 2048);
    assert_eq!(alice.curve, None);
    assert_eq!(alice.email_protection, Some(true));
    assert_eq!(alice.key_usage, ["digitalSignature", "keyEncipherment"]);
    assert_eq!(alice.not_before.to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(alice.not_after.to_string(), "2045-01-01T00:00:00Z");
    assert!(!alice.self_signed && !alice.is_ca);
    assert_eq!(alice.issuer, ca.subject);
    assert_eq!(alice.authority_key_id, ca.subject_key_id);
    assert_eq!(alice.id, format!("{}#{}", alice.issuer, alice.serial));
    assert_eq!(alice.fingerprint.len(), 64);
    assert_eq!(alice.verified_by, None);
    assert!(alice.capabilities.is_empty());

    let bob = smime::certificate_facts(
        &cert("bob-rsa3072"),
        replymatrix::facts::CertificateRole::Chain,
    );
    assert_eq!(
        bob.emails,
        ["bob@example.test"],
        "lower-case and de-duplicated"
    );
    assert_eq!(bob.key_bits, 3072);
    let carol = smime::certificate_facts(
        &cert("carol-p256"),
        replymatrix::facts::CertificateRole::Chain,
    );
    assert_eq!(
        (
            carol.key_type.as_str(),
            carol.key_bits,
            carol.curve.as_deref()
        ),
        ("ec", 256, Some("p-256"))
    );
    assert_eq!(carol.key_usage, ["digitalSignature", "keyAgreement"]);
    let dave = smime::certificate_facts(
        &cert("dave-p384"),
        replymatrix::facts::CertificateRole::Chain,
    );
    assert_eq!(
        (dave.key_type.as_str(), dave.key_bits, dave.curve.as_deref()),
        ("ec", 384, Some("p-384"))
    );
    let erin = smime::certificate_facts(
        &cert("erin-ed25519"),
        replymatrix::facts::CertificateRole::Chain,
    );
    assert_eq!(erin.key_type, "ed25519");
}

#[test]
fn load_certs_reads_pem_bundles_and_der() {
    let mut bundle = fixture("test-ca.cert.pem");
    bundle.extend_from_slice(&fixture("alice-rsa2048.cert.pem"));
    let certs = smime::load_certs(&bundle);
    assert_eq!(certs.len(), 2);
    let der = certs[1].to_der().unwrap();
    assert_eq!(smime::load_certs(&der), vec![certs[1].clone()]);
    // CRLF PEM too.
    let crlf: Vec<u8> = String::from_utf8(bundle)
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    assert_eq!(smime::load_certs(&crlf).len(), 2);
    assert!(smime::load_certs(b"not a certificate").is_empty());
    assert!(smime::load_certs(&fixture("alice-rsa2048.key.pem")).is_empty());
}

#[test]
fn load_key_needs_a_matching_certificate() {
    assert_eq!(key("alice-rsa2048").cert, cert("alice-rsa2048"));
    assert_eq!(key("carol-p256").cert, cert("carol-p256"));
    assert_eq!(key("dave-p384").cert, cert("dave-p384"));
    // The certificate may come first, among others.
    let mut pem = fixture("test-ca.cert.pem");
    pem.extend_from_slice(&fixture("bob-rsa3072.cert.pem"));
    pem.extend_from_slice(&fixture("bob-rsa3072.key.pem"));
    assert_eq!(smime::load_key(&pem).unwrap().cert, cert("bob-rsa3072"));
    // Key alone, mismatched certificate, nothing: errors.
    assert!(smime::load_key(&fixture("alice-rsa2048.key.pem")).is_err());
    let mut mismatched = fixture("alice-rsa2048.key.pem");
    mismatched.extend_from_slice(&fixture("bob-rsa3072.cert.pem"));
    assert!(smime::load_key(&mismatched).is_err());
    assert!(smime::load_key(b"").is_err());
    assert!(smime::load_key(&fixture("alice-rsa2048.cert.pem")).is_err());
}

// ---------------------------------------------------------------------------------------
// EnvelopedData and AuthEnvelopedData
// ---------------------------------------------------------------------------------------

fn recipient_by_issuer(name: &str) -> RecipientIdentifier {
    RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(&cert(name)))
}

fn recipient_by_ski(name: &str) -> RecipientIdentifier {
    RecipientIdentifier::SubjectKeyIdentifier(ski(&cert(name)))
}

fn wrap(content_type: Oid, inner_der: &[u8]) -> Vec<u8> {
    ContentInfo {
        content_type,
        content: Any::from_der(inner_der).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn envelope_with_builder(
    algorithm: ContentEncryptionAlgorithm,
    rid: RecipientIdentifier,
) -> Vec<u8> {
    let public = match &rid {
        RecipientIdentifier::IssuerAndSerialNumber(isn) => {
            let name = ["alice-rsa2048", "bob-rsa3072"]
                .into_iter()
                .find(|n| cert(n).tbs_certificate().serial_number() == &isn.serial_number)
                .unwrap();
            rsa_public(name)
        }
        RecipientIdentifier::SubjectKeyIdentifier(id) => {
            let name = ["alice-rsa2048", "bob-rsa3072"]
                .into_iter()
                .find(|n| ski(&cert(n)) == *id)
                .unwrap();
            rsa_public(name)
        }
    };
    let mut builder = EnvelopedDataBuilder::<StdRng>::new(None, CONTENT, algorithm, None).unwrap();
    builder
        .add_recipient_info(
            KeyTransRecipientInfoBuilder::<StdRng>::new(rid, KeyEncryptionInfo::Rsa(public))
                .unwrap(),
        )
        .unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let ed = builder.build_with_rng(&mut rng).unwrap();
    wrap(ID_ENVELOPED_DATA, &ed.to_der().unwrap())
}

fn ktri(rid: RecipientIdentifier, to: &str, cek: &[u8], rng: &mut StdRng) -> RecipientInfo {
    let enc = rsa_public(to)
        .encrypt(rng, rsa::Pkcs1v15Encrypt, cek)
        .unwrap();
    RecipientInfo::Ktri(KeyTransRecipientInfo {
        version: match rid {
            RecipientIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V0,
            RecipientIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V2,
        },
        rid,
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        enc_key: OctetString::new(enc).unwrap(),
    })
}

/// 3DES-CBC EnvelopedData built by hand (the cms builder only offers AES-CBC).
/// `rid_of` names the recipient identifier, `to` whose public key wraps the CEK.
fn envelope_3des(rid: RecipientIdentifier, to: &str) -> Vec<u8> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    use rand::Rng;
    let mut rng = StdRng::seed_from_u64(3);
    let mut cek = [0u8; 24];
    let mut iv = [0u8; 8];
    rng.fill_bytes(&mut cek);
    rng.fill_bytes(&mut iv);
    let ciphertext = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&cek, &iv)
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(CONTENT);
    let ed = EnvelopedData {
        version: CmsVersion::V0,
        originator_info: None,
        recip_infos: RecipientInfos::try_from(vec![ktri(rid, to, &cek, &mut rng)]).unwrap(),
        encrypted_content: EncryptedContentInfo {
            content_type: ID_DATA,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: DES_EDE3_CBC,
                parameters: Some(Any::new(Tag::OctetString, iv.to_vec()).unwrap()),
            },
            encrypted_content: Some(OctetString::new(ciphertext).unwrap()),
        },
        unprotected_attrs: None,
    };
    wrap(ID_ENVELOPED_DATA, &ed.to_der().unwrap())
}

/// AES-256-GCM AuthEnvelopedData (RFC 5083 / RFC 5084), 12-byte nonce, 16-byte tag.
fn auth_envelope_gcm(to: &str, plaintext: &[u8]) -> Vec<u8> {
    auth_envelope_gcm_for(to, to, plaintext)
}

/// As [`auth_envelope_gcm`], naming `rid_of` as the recipient but wrapping the key for `to`.
fn auth_envelope_gcm_for(rid_of: &str, to: &str, plaintext: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit};
    use rand::Rng;
    let mut rng = StdRng::seed_from_u64(5);
    let mut cek = [0u8; 32];
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut cek);
    rng.fill_bytes(&mut nonce);
    let sealed = aes_gcm::Aes256Gcm::new_from_slice(&cek)
        .unwrap()
        .encrypt(
            &aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::from(nonce),
            plaintext,
        )
        .unwrap();
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING (12), aes-ICVlen INTEGER 16 }
    let mut params = vec![0x30, 17, 0x04, 12];
    params.extend_from_slice(&nonce);
    params.extend_from_slice(&[0x02, 0x01, 16]);
    let recip = ktri(recipient_by_issuer(rid_of), to, &cek, &mut rng)
        .to_der()
        .unwrap();
    let eci = EncryptedContentInfo {
        content_type: ID_DATA,
        content_enc_alg: AlgorithmIdentifierOwned {
            oid: AES256_GCM,
            parameters: Some(Any::from_der(&params).unwrap()),
        },
        encrypted_content: Some(OctetString::new(ciphertext.to_vec()).unwrap()),
    };
    // AuthEnvelopedData ::= SEQUENCE { version 0, recipientInfos SET, authEncryptedContentInfo,
    //                                  mac OCTET STRING }
    let mut body = Vec::new();
    body.extend_from_slice(&CmsVersion::V0.to_der().unwrap());
    let mut set = vec![0x31];
    push_len(&mut set, recip.len());
    set.extend_from_slice(&recip);
    body.extend_from_slice(&set);
    body.extend_from_slice(&eci.to_der().unwrap());
    body.extend_from_slice(&OctetString::new(tag.to_vec()).unwrap().to_der().unwrap());
    let mut seq = vec![0x30];
    push_len(&mut seq, body.len());
    seq.extend_from_slice(&body);
    wrap(ID_AUTH_ENVELOPED_DATA, &seq)
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 128 {
        out.push(len as u8);
    } else if len < 256 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

fn assert_decrypted(facts: &EnvelopedFacts, cipher: &str) {
    assert!(facts.encryption.decrypted, "problems: {:?}", facts.problems);
    assert_eq!(facts.plaintext.as_deref(), Some(CONTENT));
    assert_eq!(facts.encryption.cipher.as_deref(), Some(cipher));
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
}

#[test]
fn aes_cbc_enveloped_decrypts_by_issuer_serial_and_by_ski() {
    let alice = [key("alice-rsa2048")];
    for (algorithm, name) in [
        (ContentEncryptionAlgorithm::Aes128Cbc, "aes-128-cbc"),
        (ContentEncryptionAlgorithm::Aes256Cbc, "aes-256-cbc"),
    ] {
        let cms = envelope_with_builder(algorithm, recipient_by_issuer("alice-rsa2048"));
        let facts = smime::inspect_enveloped(&cms, &ctx(None, &alice, &[]));
        assert_eq!(facts.kind, LayerKind::SmimeEnveloped);
        assert_decrypted(&facts, name);
        assert_eq!(facts.encryption.recipients.len(), 1);
        assert_eq!(facts.encryption.recipients[0].key_algorithm, "rsa");
        assert_eq!(
            facts.encryption.recipients[0].id,
            smime::certificate_facts(
                &cert("alice-rsa2048"),
                replymatrix::facts::CertificateRole::Chain
            )
            .id
        );
    }
    let cms = envelope_with_builder(
        ContentEncryptionAlgorithm::Aes256Cbc,
        recipient_by_ski("alice-rsa2048"),
    );
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &alice, &[]));
    assert_decrypted(&facts, "aes-256-cbc");
    assert_eq!(
        facts.encryption.recipients[0].id,
        format!("ski:{}", hex(ski(&cert("alice-rsa2048")).0.as_bytes()))
    );
}

#[test]
fn triple_des_enveloped_decrypts() {
    let bob = [key("bob-rsa3072")];
    let cms = envelope_3des(recipient_by_issuer("bob-rsa3072"), "bob-rsa3072");
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &bob, &[]));
    assert_decrypted(&facts, "3des-cbc");
    let cms = envelope_3des(recipient_by_ski("bob-rsa3072"), "bob-rsa3072");
    assert_decrypted(
        &smime::inspect_enveloped(&cms, &ctx(None, &bob, &[])),
        "3des-cbc",
    );
}

#[test]
fn aes_gcm_auth_enveloped_decrypts_and_checks_the_tag() {
    let alice = [key("alice-rsa2048")];
    let cms = auth_envelope_gcm("alice-rsa2048", CONTENT);
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &alice, &[]));
    assert_eq!(facts.kind, LayerKind::SmimeAuthEnveloped);
    assert_decrypted(&facts, "aes-256-gcm");
    // Flip one ciphertext bit (the last byte before the mac): the tag no longer verifies.
    let mut tampered = cms.clone();
    let tag_start = tampered.len() - 16;
    tampered[tag_start - 3] ^= 0x01;
    let facts = smime::inspect_enveloped(&tampered, &ctx(None, &alice, &[]));
    assert!(!facts.encryption.decrypted);
    assert!(facts.plaintext.is_none());
    assert!(
        has_problem(&facts.problems, "decryption-failed"),
        "{:?}",
        facts.problems
    );
}

#[test]
fn wrong_key_is_not_decrypted_and_says_why() {
    let cms = envelope_with_builder(
        ContentEncryptionAlgorithm::Aes256Cbc,
        recipient_by_issuer("alice-rsa2048"),
    );
    // Bob's key does not match any recipient.
    let bob = [key("bob-rsa3072")];
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &bob, &[]));
    assert!(!facts.encryption.decrypted);
    assert!(facts.plaintext.is_none());
    assert!(
        has_problem(&facts.problems, "no-matching-key"),
        "{:?}",
        facts.problems
    );
    // No key at all: described, not decrypted, no complaint.
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &[], &[]));
    assert!(!facts.encryption.decrypted);
    assert_eq!(facts.encryption.cipher.as_deref(), Some("aes-256-cbc"));
    assert_eq!(facts.encryption.recipients.len(), 1);
    // The recipient id names Alice but the CEK was wrapped for Bob: Alice's key "decrypts"
    // to garbage (implicit rejection) and the padding check is the real failure.
    let alice = [key("alice-rsa2048")];
    for cms in [
        envelope_3des(recipient_by_issuer("alice-rsa2048"), "bob-rsa3072"),
        auth_envelope_gcm_for("alice-rsa2048", "bob-rsa3072", CONTENT),
    ] {
        let facts = smime::inspect_enveloped(&cms, &ctx(None, &alice, &[]));
        assert!(!facts.encryption.decrypted);
        assert!(facts.plaintext.is_none());
        assert!(
            has_problem(&facts.problems, "decryption-failed"),
            "{:?}",
            facts.problems
        );
    }
}

// ---------------------------------------------------------------------------------------
// Independent implementation: the openssl CLI
// ---------------------------------------------------------------------------------------

/// A scratch directory for one openssl test, or `None` (skip) when openssl is missing and
/// `CI` is not set. With `CI` set a missing openssl fails the test.
fn openssl_dir(test: &str) -> Option<PathBuf> {
    if !crate::support::require_tool(crate::support::Tool::Openssl) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("replymatrix-smime-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("content.txt"), CONTENT).unwrap();
    Some(dir)
}

fn openssl(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let fixtures = fixture_dir();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("@F/", &format!("{}/", fixtures.display())))
        .collect();
    Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn openssl_ok(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl_sign(dir: &std::path::Path, signer: &str, extra: &[&str]) -> Vec<u8> {
    let cert_arg = format!("@F/{signer}.cert.pem");
    let key_arg = format!("@F/{signer}.key.pem");
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-in",
        "content.txt",
        "-signer",
        &cert_arg,
        "-inkey",
        &key_arg,
        "-outform",
        "DER",
        "-out",
        "signed.der",
    ];
    args.extend_from_slice(extra);
    openssl_ok(dir, &args);
    std::fs::read(dir.join("signed.der")).unwrap()
}

#[test]
fn openssl_signed_data_agrees() {
    let Some(dir) = openssl_dir("sign") else {
        return;
    };
    let ca_pem = format!("{}/test-ca.cert.pem", fixture_dir().display());
    for md in ["sha1", "sha256", "sha512"] {
        for stream in [false, true] {
            let mut extra = vec!["-md", md];
            if stream {
                extra.push("-stream");
            }
            let cms = openssl_sign(&dir, "alice-rsa2048", &extra);
            if stream {
                assert_eq!(
                    &cms[..2],
                    &[0x30, 0x80],
                    "openssl -stream writes indefinite length"
                );
            }
            // openssl itself verifies it.
            openssl_ok(
                &dir,
                &[
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    "signed.der",
                    "-content",
                    "content.txt",
                    "-CAfile",
                    &ca_pem,
                    "-out",
                    "/dev/null",
                ],
            );
            // With -outform DER, -stream embeds the content (a constructed OCTET STRING).
            let detached = if stream { None } else { Some(CONTENT) };
            let facts =
                smime::inspect_signed(&cms, detached, &ctx(Some("alice@example.test"), &[], &[]));
            assert_valid(&facts);
            assert_eq!(facts.encapsulated.is_some(), stream);
            if stream {
                assert_eq!(facts.encapsulated.as_deref(), Some(CONTENT));
            }
            let expected = match md {
                "sha1" => Digest::Sha1,
                "sha256" => Digest::Sha256,
                _ => Digest::Sha512,
            };
            assert_eq!(facts.signature.digest, Some(expected));
            assert_eq!(facts.signature.signer_matches_from, Some(true));
            assert!(
                facts.signature.signed_at.is_some(),
                "openssl adds signingTime"
            );
            // openssl lists its SMIMECapabilities (strongest first).
            assert!(
                facts
                    .capabilities
                    .first()
                    .is_some_and(|c| c == "aes-256-cbc"),
                "{:?}",
                facts.capabilities
            );
            if stream {
                continue;
            }
            // And both agree the tampered content is bad.
            let mut tampered = CONTENT.to_vec();
            tampered[45] ^= 0x20;
            std::fs::write(dir.join("tampered.txt"), &tampered).unwrap();
            let verdict = openssl(
                &dir,
                &[
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    "signed.der",
                    "-content",
                    "tampered.txt",
                    "-CAfile",
                    &ca_pem,
                    "-out",
                    "/dev/null",
                ],
            );
            assert!(!verdict.status.success());
            let facts = smime::inspect_signed(&cms, Some(&tampered), &ctx(None, &[], &[]));
            assert_eq!(facts.signature.status, SignatureStatus::Invalid);
        }
    }
    // Opaque (-nodetach), streamed.
    let cms = openssl_sign(&dir, "alice-rsa2048", &["-nodetach", "-stream"]);
    let facts = smime::inspect_signed(&cms, None, &ctx(None, &[], &[]));
    assert_valid(&facts);
    assert_eq!(facts.encapsulated.as_deref(), Some(CONTENT));
    // -nocerts: unverifiable until the certificate is supplied.
    let cms = openssl_sign(&dir, "alice-rsa2048", &["-nocerts"]);
    let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
    assert_eq!(facts.signature.status, SignatureStatus::Unverifiable);
    assert!(
        facts
            .signature
            .reason
            .to_string()
            .starts_with("signer-certificate-missing")
    );
    let supplied = [cert("alice-rsa2048")];
    assert_valid(&smime::inspect_signed(
        &cms,
        Some(CONTENT),
        &ctx(None, &[], &supplied),
    ));
    // ECDSA and RSA-3072 signers, -keyid (SubjectKeyIdentifier sid).
    for signer in ["carol-p256", "dave-p384", "bob-rsa3072"] {
        let cms = openssl_sign(&dir, signer, &["-keyid"]);
        let facts = smime::inspect_signed(&cms, Some(CONTENT), &ctx(None, &[], &[]));
        assert_valid(&facts);
        assert!(facts.signature.signer.unwrap().id.starts_with("ski:"));
    }
    // (OpenSSL 3.0 cannot sign CMS with Ed25519: see ed25519_is_unsupported_not_bad.)
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openssl_certificate_facts_agree() {
    let Some(dir) = openssl_dir("x509") else {
        return;
    };
    for name in ["test-ca", "alice-rsa2048", "carol-p256"] {
        let path = format!("@F/{name}.cert.pem");
        let out = String::from_utf8(openssl_ok(
            &dir,
            &[
                "x509",
                "-in",
                &path,
                "-noout",
                "-serial",
                "-fingerprint",
                "-sha256",
            ],
        ))
        .unwrap();
        let facts =
            smime::certificate_facts(&cert(name), replymatrix::facts::CertificateRole::Chain);
        let serial = out
            .lines()
            .find_map(|l| l.strip_prefix("serial="))
            .unwrap()
            .to_ascii_lowercase();
        assert_eq!(facts.serial, serial.trim_start_matches('0'));
        let fingerprint = out
            .lines()
            .find_map(|l| {
                l.split_once("Fingerprint=")
                    .map(|(_, v)| v.replace(':', "").to_ascii_lowercase())
            })
            .unwrap();
        assert_eq!(facts.fingerprint, fingerprint);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openssl_enveloped_data_decrypts() {
    let Some(dir) = openssl_dir("encrypt") else {
        return;
    };
    let alice = [key("alice-rsa2048")];
    let mut ciphers = vec![
        ("-aes256", "aes-256-cbc", false),
        ("-aes128", "aes-128-cbc", false),
        ("-des3", "3des-cbc", false),
    ];
    // AuthEnvelopedData with AES-GCM, if this openssl can write it for CMS.
    let probe = openssl(
        &dir,
        &[
            "cms",
            "-encrypt",
            "-binary",
            "-aes-256-gcm",
            "-in",
            "content.txt",
            "-outform",
            "DER",
            "-out",
            "probe.der",
            "@F/alice-rsa2048.cert.pem",
        ],
    );
    if probe.status.success() {
        ciphers.push(("-aes-256-gcm", "aes-256-gcm", true));
    } else {
        eprintln!(
            "note: this openssl cannot write CMS AES-GCM: {}",
            String::from_utf8_lossy(&probe.stderr)
        );
    }
    for (flag, name, auth) in ciphers {
        for extra in [&[][..], &["-stream"][..], &["-keyid"][..]] {
            let mut args = vec![
                "cms",
                "-encrypt",
                "-binary",
                flag,
                "-in",
                "content.txt",
                "-outform",
                "DER",
                "-out",
                "enc.der",
            ];
            args.extend_from_slice(extra);
            args.push("@F/alice-rsa2048.cert.pem");
            openssl_ok(&dir, &args);
            let cms = std::fs::read(dir.join("enc.der")).unwrap();
            let facts = smime::inspect_enveloped(&cms, &ctx(None, &alice, &[]));
            assert_eq!(
                facts.kind,
                if auth {
                    LayerKind::SmimeAuthEnveloped
                } else {
                    LayerKind::SmimeEnveloped
                },
                "{flag} {extra:?}"
            );
            assert_decrypted(&facts, name);
            let id = &facts.encryption.recipients[0].id;
            assert_eq!(id.starts_with("ski:"), extra == ["-keyid"], "{id}");
            // The wrong key never decrypts.
            let bob = [key("bob-rsa3072")];
            let facts = smime::inspect_enveloped(&cms, &ctx(None, &bob, &[]));
            assert!(!facts.encryption.decrypted && !facts.problems.is_empty());
        }
    }
    // Two recipients: either key decrypts, both recipients are listed.
    openssl_ok(
        &dir,
        &[
            "cms",
            "-encrypt",
            "-binary",
            "-aes256",
            "-in",
            "content.txt",
            "-outform",
            "DER",
            "-out",
            "two.der",
            "@F/alice-rsa2048.cert.pem",
            "@F/bob-rsa3072.cert.pem",
        ],
    );
    let cms = std::fs::read(dir.join("two.der")).unwrap();
    let bob = [key("bob-rsa3072")];
    let facts = smime::inspect_enveloped(&cms, &ctx(None, &bob, &[]));
    assert_decrypted(&facts, "aes-256-cbc");
    assert_eq!(facts.encryption.recipients.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Garbage never panics
// ---------------------------------------------------------------------------------------

fn inspect_everything(bytes: &[u8], keys: &[SmimeKey]) {
    let context = ctx(Some("alice@example.test"), keys, &[]);
    let kind = smime::content_kind(bytes);
    let signed = smime::inspect_signed(bytes, Some(CONTENT), &context);
    let enveloped = smime::inspect_enveloped(bytes, &context);
    // Whatever it was, a broken structure is never reported valid or decrypted without a
    // problem or a reason.
    if kind.is_err() {
        assert_ne!(signed.signature.status, SignatureStatus::Valid);
        assert!(!signed.problems.is_empty());
        assert!(!enveloped.encryption.decrypted);
        assert!(!enveloped.problems.is_empty());
    }
}

#[test]
fn huge_declared_lengths_and_truncations_are_problems() {
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09],
        vec![0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        vec![
            0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0,
            0x80,
        ],
        vec![0x30; 4096],
        [0x30, 0x80].repeat(2000),
    ];
    for case in &cases {
        inspect_everything(case, &[]);
        assert!(smime::content_kind(case).is_err());
    }
    let keys = [key("alice-rsa2048")];
    let signed = sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT);
    let ber = to_indefinite_ber(&{
        let mut spec = SignSpec::new("alice-rsa2048", Digest::Sha256);
        spec.opaque = true;
        sign(&spec, CONTENT)
    });
    let enveloped = envelope_with_builder(
        ContentEncryptionAlgorithm::Aes256Cbc,
        recipient_by_issuer("alice-rsa2048"),
    );
    let gcm = auth_envelope_gcm("alice-rsa2048", CONTENT);
    for valid in [&signed, &ber, &enveloped, &gcm] {
        for cut in (0..valid.len()).step_by(7) {
            inspect_everything(&valid[..cut], &keys);
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            inspect_everything(&bytes, &[]);
        }

        #[test]
        fn arbitrary_prefixed_bytes_never_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..256),
            prefix in prop_oneof![Just(vec![0x30u8, 0x80]), Just(vec![0x30u8, 0x82, 0x01, 0x00]), Just(vec![0x30u8, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80])],
        ) {
            let mut bytes = prefix;
            bytes.extend_from_slice(&tail);
            inspect_everything(&bytes, &[]);
        }

        #[test]
        fn mutated_and_truncated_signed_data(index in 0usize..4096, bit in 0u8..8, cut in 0usize..4096, tail in 0usize..256) {
            let signed = signed_fixture();
            // Any flipped bit: no panic.
            let mut mutated = signed.clone();
            let i = index % mutated.len();
            mutated[i] ^= 1 << bit;
            let _ = smime::inspect_signed(&mutated, Some(CONTENT), &ctx(None, &[], &[]));
            // A flipped bit in the RSA-2048 signature value (the last 256 bytes: the
            // SignerInfo has no unsigned attributes) is never valid.
            let mut bad = signed.clone();
            let j = signed.len() - 1 - tail;
            bad[j] ^= 1 << bit;
            let facts = smime::inspect_signed(&bad, Some(CONTENT), &ctx(None, &[], &[]));
            prop_assert_eq!(facts.signature.status, SignatureStatus::Invalid);
            // Truncations: never valid, always a problem.
            let truncated = &signed[..cut % signed.len()];
            let facts = smime::inspect_signed(truncated, Some(CONTENT), &ctx(None, &[], &[]));
            prop_assert_ne!(facts.signature.status, SignatureStatus::Valid);
            prop_assert!(!facts.problems.is_empty());
        }
    }

    fn signed_fixture() -> Vec<u8> {
        static SIGNED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        SIGNED
            .get_or_init(|| sign(&SignSpec::new("alice-rsa2048", Digest::Sha256), CONTENT))
            .clone()
    }
}

/// eContent confusion (Müller et al. 2019): a SignedData carrying its own content, checked
/// against detached content, proves the detached bytes only when they are that content.
#[test]
fn econtent_and_detached_content_must_be_the_same_bytes() {
    use base64::Engine as _;
    let eml = std::fs::read(crate::support::corpora().join("senders/outlook/opaque-signed.eml"))
        .expect("corpus sample");
    let body_at = eml
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end")
        + 4;
    let b64: Vec<u8> = eml[body_at..]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let cms = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let ctx = SmimeContext {
        from: Some("dana@fabrikam.example"),
        keys: &[],
        certs: &[],
    };

    let own = smime::inspect_signed(&cms, None, &ctx);
    assert_eq!(
        own.signature.status,
        SignatureStatus::Valid,
        "{}",
        own.signature.reason
    );
    let econtent = own
        .encapsulated
        .clone()
        .expect("opaque SignedData carries its content");

    // The same bytes given as detached content: still valid (noted as a problem).
    let same = smime::inspect_signed(&cms, Some(&econtent), &ctx);
    assert_eq!(
        same.signature.status,
        SignatureStatus::Valid,
        "{}",
        same.signature.reason
    );
    assert!(
        same.problems
            .iter()
            .any(|p| p.code == replymatrix::facts::ProblemCode::CmsEcontentAndDetached)
    );

    // Different displayed bytes: the signature does not cover them.
    let forged = smime::inspect_signed(
        &cms,
        Some(b"Content-Type: text/plain\r\n\r\nPay eve.\r\n"),
        &ctx,
    );
    assert_eq!(forged.signature.status, SignatureStatus::Invalid);
    assert!(
        forged.signature.reason.code() == replymatrix::facts::SignatureReasonCode::EcontentDiffers,
        "{}",
        forged.signature.reason
    );
}
