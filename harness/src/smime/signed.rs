//! SignedData verification (RFC 5652 §5, RFC 8551 §2.5).

use super::algorithms::{self, Verification};
use super::ber::{self, Tlv};
use super::certificate::{self, CertRef, SMIME_CAPABILITIES};
use super::{ID_SIGNED_DATA, SignedDataFacts, SmimeContext, parse_content_info};
use crate::facts::reason;
use crate::facts::{
    CertificateFacts, KeyPreference, Problem, ProblemCode, SignatureFacts, SignatureReason,
    SignatureStatus, Signer,
};
use crate::facts::{CertificateRole, Instant};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use der::{Decode, Encode, EncodingRules};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

/// Most certificates examined in one SignedData.
pub(crate) const MAX_CERTIFICATES: usize = 64;
/// Most signer infos examined in one SignedData.
pub(crate) const MAX_SIGNER_INFOS: usize = 16;

const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-encrypKeyPref (RFC 8551 §2.5.3).
const ID_ENCRYP_KEY_PREF: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.11");
/// Microsoft's encryption key preference (an IssuerAndSerialNumber), written by Outlook.
const MS_ENCRYP_KEY_PREF: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.16.4");

fn signature_with(status: SignatureStatus, reason: SignatureReason) -> SignatureFacts {
    let mut facts = SignatureFacts::unverifiable(reason);
    facts.status = status;
    facts
}

/// The signer identifier in the `issuer#serial` / `ski:<hex>` form.
fn sid_string(sid: &SignerIdentifier) -> String {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::issuer_serial_id(&isn.issuer, &isn.serial_number)
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => certificate::ski_id(ski.0.as_bytes()),
    }
}

fn sid_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            certificate::matches_issuer_serial(cert, &isn.issuer, &isn.serial_number)
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            certificate::matches_ski(cert, ski.0.as_bytes())
        }
    }
}

/// The raw `[0] IMPLICIT SignedAttributes` of the `index`th SignerInfo (wire order), re-tagged
/// as `SET OF` (0x31) as RFC 5652 §5.4 prescribes, when it used the definite length form.
///
/// Verifying over the wire bytes keeps senders whose attributes are not in canonical DER
/// order verifiable; the typed decoder would re-encode them.
fn raw_signed_attributes(cms: &[u8], wire: &[Tlv], index: usize) -> Option<Vec<u8>> {
    let signer_infos = wire.last().filter(|t| t.tag == 0x31)?;
    let nth = *ber::children(cms, signer_infos)?.get(index)?;
    let si_fields = ber::children(cms, &nth)?;
    let attrs = si_fields
        .get(3)
        .filter(|t| t.tag == 0xA0 && !t.indefinite)?;
    let mut bytes = attrs.bytes(cms).to_vec();
    *bytes.first_mut()? = 0x31;
    Some(bytes)
}

/// The fields of the SignedData (RFC 5652 §5.1) on the wire, walked once: `version`,
/// `digestAlgorithms`, `encapContentInfo`, then the optional `certificates [0]` and
/// `crls [1]`, and `signerInfos`. `None` when the walk fails.
fn signed_data_fields(cms: &[u8]) -> Option<Vec<Tlv>> {
    let (_, info) = ber::children_of(cms)?;
    let explicit = info.get(1).filter(|t| t.tag == 0xA0)?;
    let signed_data = *ber::children(cms, explicit)?.first()?;
    ber::children(cms, &signed_data)
}

/// The eContent octets read from the wire (RFC 5652 §5.2): the OCTET STRING inside
/// `encapContentInfo [0]`, reassembled when constructed. `Some(None)` when the SignedData has
/// no eContent; `None` when the walk failed.
///
/// Read from the wire because der 0.8 keeps the segment headers of a constructed OCTET
/// STRING in a BER-decoded `Any` (seen with `openssl cms -sign -stream` output).
fn econtent_from_wire(cms: &[u8], wire: &[Tlv]) -> Option<Option<Vec<u8>>> {
    let encap = wire.get(2).filter(|t| t.tag == 0x30)?;
    let encap_fields = ber::children(cms, encap)?;
    let Some(wrapper) = encap_fields.get(1) else {
        return Some(None);
    };
    if wrapper.tag != 0xA0 {
        return None;
    }
    let octets = *ber::children(cms, wrapper)?.first()?;
    ber::octet_string_value(cms, &octets).map(Some)
}

/// The encryption key preference value rendered as a recipient identifier.
///
/// SMIMEEncryptionKeyPreference (RFC 8551 §2.5.3) is a CHOICE of `[0] IMPLICIT
/// IssuerAndSerialNumber`, `[1] IMPLICIT RecipientKeyIdentifier`, `[2] IMPLICIT
/// SubjectKeyIdentifier`.
fn smime_key_preference(value: &[u8]) -> Option<String> {
    let tlv = ber::parse(value, 0)?;
    match tlv.tag {
        0xA0 => {
            let mut retagged = tlv.bytes(value).to_vec();
            *retagged.first_mut()? = 0x30;
            let isn = IssuerAndSerialNumber::from_ber(&retagged).ok()?;
            Some(certificate::issuer_serial_id(
                &isn.issuer,
                &isn.serial_number,
            ))
        }
        0xA1 => {
            let first = *ber::children(value, &tlv)?.first()?;
            (first.tag == 0x04).then(|| certificate::ski_id(first.content(value)))
        }
        0x82 => Some(certificate::ski_id(tlv.content(value))),
        _ => None,
    }
}

/// Everything read from the signed attributes.
#[derive(Default)]
struct AttributeFacts {
    message_digests: Vec<Vec<u8>>,
    content_types: Vec<Oid>,
    signing_time: Option<Instant>,
    capabilities: Vec<String>,
    key_preference: Option<KeyPreference>,
}

fn read_attributes(attrs: &[&Attribute], problems: &mut Vec<Problem>) -> AttributeFacts {
    let mut out = AttributeFacts::default();
    let mut preference = KeyPreference::default();
    for attr in attrs {
        for value in attr.values.iter() {
            match attr.oid {
                ID_MESSAGE_DIGEST => match value.decode_as::<OctetString>() {
                    Ok(digest) => out.message_digests.push(digest.as_bytes().to_vec()),
                    Err(_) => out.message_digests.push(Vec::new()),
                },
                ID_CONTENT_TYPE => {
                    if let Ok(oid) = value.decode_as::<Oid>() {
                        out.content_types.push(oid);
                    }
                }
                ID_SIGNING_TIME => {
                    if let Ok(time) = value.decode_as::<x509_cert::time::Time>() {
                        out.signing_time =
                            Some(super::certificate::instant_of(time.to_date_time()));
                    }
                }
                SMIME_CAPABILITIES => {
                    match value.decode_as::<Vec<spki::AlgorithmIdentifierOwned>>() {
                        Ok(caps) => out
                            .capabilities
                            .extend(caps.iter().map(algorithms::capability_name)),
                        Err(e) => problems.push(Problem::new(
                            ProblemCode::CmsCapabilitiesMalformed,
                            format!("the SMIMECapabilities attribute does not decode: {e}"),
                        )),
                    }
                }
                ID_ENCRYP_KEY_PREF => {
                    preference.smime = value
                        .to_der()
                        .ok()
                        .and_then(|der| smime_key_preference(&der));
                }
                MS_ENCRYP_KEY_PREF => {
                    preference.microsoft = value
                        .decode_as::<IssuerAndSerialNumber>()
                        .ok()
                        .map(|isn| certificate::issuer_serial_id(&isn.issuer, &isn.serial_number));
                }
                _ => {}
            }
        }
    }
    if preference.smime.is_some() || preference.microsoft.is_some() {
        out.key_preference = Some(preference);
    }
    out
}

/// Verifies a SignedData over `detached` (clear-signed) or its own eContent (opaque).
pub fn inspect_signed(cms: &[u8], detached: Option<&[u8]>, ctx: &SmimeContext) -> SignedDataFacts {
    inspect_signed_with(cms, detached, ctx, true)
}

/// [`inspect_signed`], with or without decoding the certificates apart (the tests compare).
fn inspect_signed_with(
    cms: &[u8],
    detached: Option<&[u8]>,
    ctx: &SmimeContext,
    certificates_apart: bool,
) -> SignedDataFacts {
    let mut facts = SignedDataFacts {
        signature: SignatureFacts::unverifiable(reason!(
            Malformed,
            "the SignedData was not examined"
        )),
        certificates: Vec::new(),
        capabilities: Vec::new(),
        key_preference: None,
        encapsulated: None,
        problems: Vec::new(),
    };
    let wire = signed_data_fields(cms);
    let decoded = decode(
        cms,
        wire.as_deref(),
        certificates_apart,
        &mut facts.problems,
    );
    let (signed_data, carried) = match decoded {
        Ok(decoded) => decoded,
        Err(problem) => {
            facts.signature =
                SignatureFacts::unverifiable(reason!(Malformed, "{}", problem.message));
            facts.problems.push(problem);
            return facts;
        }
    };

    // Carried certificates, bounded.
    if carried.len() > MAX_CERTIFICATES {
        facts.problems.push(Problem::new(
            ProblemCode::CmsTooManyCertificates,
            format!(
                "the SignedData carries {} certificates; only the first {MAX_CERTIFICATES} were examined",
                carried.len()
            ),
        ));
    }
    let carried: Vec<CertRef> = carried
        .iter()
        .take(MAX_CERTIFICATES)
        .map(Carried::as_ref)
        .collect();

    // The content: eContent (opaque) wins over detached bytes (RFC 5652 §5.2).
    let econtent = match (
        signed_data.encap_content_info.econtent.as_ref(),
        wire.as_deref()
            .and_then(|fields| econtent_from_wire(cms, fields)),
    ) {
        (None, _) => None,
        (Some(_), Some(Some(wire))) => Some(wire),
        (Some(any), _) => match any.decode_as_encoding::<OctetString>(EncodingRules::Ber) {
            Ok(octets) => Some(octets.as_bytes().to_vec()),
            Err(e) => {
                let problem = Problem::new(
                    ProblemCode::CmsMalformed,
                    format!("the eContent is not an OCTET STRING: {e}"),
                );
                facts.signature =
                    SignatureFacts::unverifiable(reason!(Malformed, "{}", problem.message));
                facts.problems.push(problem);
                facts.certificates = describe_certificates(&carried, None, None, ctx);
                return facts;
            }
        },
    };
    if econtent.is_some() && detached.is_some() {
        facts.problems.push(Problem::new(
            ProblemCode::CmsEcontentAndDetached,
            "the SignedData carries its own content and detached content was given too; the eContent was verified",
        ));
    }
    facts.encapsulated = econtent.clone();
    let content: Option<Vec<u8>> = econtent.or_else(|| detached.map(<[u8]>::to_vec));

    let signer_infos: Vec<&SignerInfo> = signed_data.signer_infos.0.iter().collect();
    if signer_infos.len() > MAX_SIGNER_INFOS {
        facts.problems.push(Problem::new(
            ProblemCode::CmsTooManySignerInfos,
            format!(
                "the SignedData has {} signer infos; only the first {MAX_SIGNER_INFOS} are considered",
                signer_infos.len()
            ),
        ));
    }
    if signer_infos.is_empty() {
        facts.signature = signature_with(
            SignatureStatus::Invalid,
            reason!(
                NoSignerInfos,
                "the SignedData has no SignerInfo, so nothing is signed"
            ),
        );
        facts.certificates = describe_certificates(&carried, None, None, ctx);
        return facts;
    }

    // Every signer is checked (RFC 5652 §5.6 leaves the policy to the recipient): one forged
    // signer makes the layer invalid whatever its position, so the verdict never depends on
    // the order of the SET (a BER sender may put a forged signer last).
    let mut results = Vec::new();
    for (index, signer_info) in signer_infos.iter().take(MAX_SIGNER_INFOS).enumerate() {
        let (signature, attributes) = verify_signer(
            &signed_data,
            signer_info,
            content.as_deref(),
            wire.as_deref()
                .and_then(|fields| raw_signed_attributes(cms, fields, index)),
            &carried,
            ctx,
            &mut facts.problems,
        );
        results.push((signature, attributes, *signer_info));
    }
    let chosen = results
        .iter()
        .position(|(sig, _, _)| sig.status == SignatureStatus::Invalid)
        .or_else(|| {
            results
                .iter()
                .position(|(sig, _, _)| sig.status == SignatureStatus::Valid)
        })
        .unwrap_or(0);
    // Invariant: `results` is non-empty (signer_infos is, and MAX_SIGNER_INFOS > 0), and
    // `chosen` is an index into it.
    let (signature, attributes, signer_info) = results.swap_remove(chosen);
    facts.signature = signature;
    if signer_infos.len() > 1 && facts.signature.status == SignatureStatus::Invalid {
        facts.signature.reason = SignatureReason::new(
            facts.signature.reason.code(),
            format!(
                "{} (signer {} of {})",
                facts.signature.reason.detail(),
                chosen + 1,
                signer_infos.len()
            ),
        );
    }
    facts.signature.signer_count = signer_infos.len();
    // eContent confusion (Müller et al. 2019): a SignedData that carries its own content signs
    // *that*; when detached content was given too and differs, the displayed part is not
    // what was signed, whatever the eContent check said.
    if let (Some(econtent), Some(displayed)) = (&facts.encapsulated, detached)
        && crate::mime::canonical_crlf(econtent) != displayed
    {
        facts.signature.status = SignatureStatus::Invalid;
        facts.signature.reason = reason!(
            EcontentDiffers,
            "the signature covers encapsulated content \
            that differs from the displayed part"
        );
    }
    facts.capabilities = attributes.capabilities;
    facts.key_preference = attributes.key_preference.clone();

    let signer_cert = carried
        .iter()
        .map(|c| c.cert)
        .chain(ctx.certs.iter())
        .find(|cert| sid_matches(&signer_info.sid, cert));
    facts.certificates = describe_certificates(
        &carried,
        signer_cert,
        attributes.key_preference.as_ref(),
        ctx,
    );
    facts
}

fn decode(
    cms: &[u8],
    wire: Option<&[Tlv]>,
    apart: bool,
    problems: &mut Vec<Problem>,
) -> Result<(SignedData, Vec<Carried>), Problem> {
    if apart && let Some(decoded) = wire.and_then(|fields| decode_certificates_apart(cms, fields)) {
        return Ok(decoded);
    }
    let ci = parse_content_info(cms, problems)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(Problem::new(
            ProblemCode::CmsNotSignedData,
            format!(
                "the CMS content type is {}, not SignedData",
                ci.content_type
            ),
        ));
    }
    // The whole SignedData at once: slower, and the decoder's error when it is malformed.
    let signed_data = ci
        .content
        .decode_as_encoding::<SignedData>(EncodingRules::Ber)
        .map_err(|e| {
            Problem::new(
                ProblemCode::CmsMalformed,
                format!("the SignedData does not decode as BER: {e}"),
            )
        })?;
    let decoded: Vec<&Certificate> = signed_data
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|choice| match choice {
                    CertificateChoices::Certificate(cert) => Some(cert),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    // Fingerprinted over the bytes they were carried as, like the certificates decoded apart,
    // when the wire walk finds them one for one.
    let encodings = wire
        .and_then(|fields| certificate_encodings(cms, fields))
        .filter(|encodings| encodings.len() == decoded.len());
    let certificates = match encodings {
        Some(encodings) => decoded
            .iter()
            .zip(encodings)
            .map(|(cert, encoding)| {
                Carried::Encoded(certificate::CarriedCertificate::new(
                    std::sync::Arc::new((*cert).clone()),
                    encoding,
                ))
            })
            .collect(),
        None => decoded
            .iter()
            .map(|cert| Carried::Decoded(std::sync::Arc::new((*cert).clone())))
            .collect(),
    };
    Ok((signed_data, certificates))
}

/// The `certificates [0] IMPLICIT CertificateSet` field among the SignedData's wire fields
/// (RFC 5652 §5.1: it follows `encapContentInfo`), when present.
fn certificate_set(fields: &[Tlv]) -> Option<&Tlv> {
    fields.get(3).filter(|t| t.tag == 0xA0)
}

/// The wire bytes of the `Certificate` choices in `certificates [0]` (RFC 5652 §5.1), in
/// order; empty when the field is absent, `None` when the walk fails.
fn certificate_encodings<'c>(cms: &'c [u8], fields: &[Tlv]) -> Option<Vec<&'c [u8]>> {
    let Some(set) = certificate_set(fields) else {
        return Some(Vec::new());
    };
    Some(
        ber::children(cms, set)?
            .iter()
            .filter(|choice| choice.tag == 0x30)
            .map(|choice| choice.bytes(cms))
            .collect(),
    )
}

/// A carried certificate (RFC 5652 §5.1 `certificates`).
enum Carried {
    /// With the bytes it was carried as: decoded from them through the memo
    /// ([`certificate::decode_carried`]), or with the whole SignedData and paired with them.
    Encoded(certificate::CarriedCertificate),
    /// Decoded with the whole SignedData; its encoding is not at hand.
    Decoded(std::sync::Arc<Certificate>),
}

impl Carried {
    fn as_ref(&self) -> CertRef<'_> {
        match self {
            Carried::Encoded(carried) => carried.as_ref(),
            Carried::Decoded(cert) => CertRef::new(cert),
        }
    }
}

/// The SignedData decoded with its `certificates [0]` field cut out, and every certificate
/// decoded on its own from its wire bytes, through the memo: a mailbox's recurring chains
/// are decoded once. `None` when anything does not decode (the caller then decodes the whole
/// SignedData, which reports the error).
fn decode_certificates_apart(cms: &[u8], fields: &[Tlv]) -> Option<(SignedData, Vec<Carried>)> {
    // Exactly one ContentInfo of type SignedData, nothing after it: anything else takes the
    // whole decoder's path, which reports it (RFC 5652 §3: ContentInfo is one SEQUENCE of
    // contentType and `[0] EXPLICIT content`).
    let (top, info) = ber::children_of(cms)?;
    let [content_type, explicit] = info.as_slice() else {
        return None;
    };
    let [signed_data] = ber::children(cms, explicit)?[..] else {
        return None;
    };
    // The SignedData is re-wrapped below without its certificates: its own tag is checked
    // here, as the whole decoder would.
    if signed_data.tag != 0x30
        || top.tag != 0x30
        || top.end != cms.len()
        || content_type.tag != 0x06
        || content_type.content(cms) != ID_SIGNED_DATA.as_bytes()
    {
        return None;
    }
    let Some(set) = certificate_set(fields) else {
        let decoded = SignedData::from_ber(signed_data.bytes(cms)).ok()?;
        return Some((decoded, Vec::new()));
    };
    let mut certificates = Vec::new();
    for choice in ber::children(cms, set)? {
        let bytes = choice.bytes(cms);
        if choice.tag == 0x30 {
            certificates.push(Carried::Encoded(certificate::decode_carried(bytes)?));
        } else {
            // Another CertificateChoices alternative: only checked, as the whole decode would.
            CertificateChoices::from_ber(bytes).ok()?;
        }
    }
    let rest: Vec<u8> = fields
        .iter()
        .filter(|field| field.start != set.start)
        .flat_map(|field| field.bytes(cms).iter().copied())
        .collect();
    let mut stripped = Vec::with_capacity(rest.len() + 6);
    stripped.push(0x30);
    der::Length::try_from(rest.len())
        .ok()?
        .encode_to_vec(&mut stripped)
        .ok()?;
    stripped.extend_from_slice(&rest);
    let decoded = SignedData::from_ber(&stripped).ok()?;
    Some((decoded, certificates))
}

/// Checks one SignerInfo (RFC 5652 §5.6) and reads its attributes.
fn verify_signer(
    signed_data: &SignedData,
    signer_info: &SignerInfo,
    content: Option<&[u8]>,
    raw_attrs: Option<Vec<u8>>,
    carried: &[CertRef],
    ctx: &SmimeContext,
    problems: &mut Vec<Problem>,
) -> (SignatureFacts, AttributeFacts) {
    let attrs: Vec<&Attribute> = signer_info
        .signed_attrs
        .as_ref()
        .map(|set| set.iter().collect())
        .unwrap_or_default();
    let attributes = read_attributes(&attrs, problems);

    let mut facts =
        SignatureFacts::unverifiable(reason!(Malformed, "the signer info was not examined"));
    facts.signed_at = attributes.signing_time;
    let sid = sid_string(&signer_info.sid);
    facts.signer = Some(Signer {
        email: None,
        subject: None,
        id: sid.clone(),
    });
    let signer_cert = carried
        .iter()
        .map(|c| c.cert)
        .chain(ctx.certs.iter())
        .find(|cert| sid_matches(&signer_info.sid, cert));
    if let Some(cert) = signer_cert {
        let emails = certificate::emails(cert);
        if let Some(signer) = facts.signer.as_mut() {
            signer.email = emails.first().cloned();
            signer.subject = Some(certificate::name_string(cert.tbs_certificate().subject()));
        }
        if let Some(from) = ctx.from
            && !emails.is_empty()
        {
            facts.signer_matches_from = Some(emails.iter().any(|e| e.eq_ignore_ascii_case(from)));
        }
        facts.algorithm = algorithms::signature_family(
            &signer_info.signature_algorithm.oid,
            &cert
                .tbs_certificate()
                .subject_public_key_info()
                .algorithm
                .oid,
        );
    } else {
        facts.algorithm = algorithms::signature_family(
            &signer_info.signature_algorithm.oid,
            &Oid::new_unwrap("0.0"),
        );
    }

    let Some(digest) = algorithms::digest_from_oid(&signer_info.digest_alg.oid) else {
        facts.reason = reason!(
            UnsupportedAlgorithm,
            "{}: the digest algorithm is not one of md5, sha1, sha224, sha256, sha384, sha512, shake256",
            signer_info.digest_alg.oid
        );
        return (facts, attributes);
    };
    facts.digest = Some(digest);

    let Some(content) = content else {
        facts.reason = reason!(
            Malformed,
            "the SignedData has no eContent and no detached content was given"
        );
        return (facts, attributes);
    };
    let content_digest = algorithms::hash(digest, content);

    // The signed message: the attributes (wire bytes first, then canonical re-encoding) or
    // the content itself (RFC 5652 §5.4).
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut canonical_fallback = None;
    if let Some(set) = signer_info.signed_attrs.as_ref() {
        if attributes.message_digests.len() != 1 {
            facts.status = SignatureStatus::Invalid;
            facts.reason = reason!(
                MessageDigestMismatch,
                "the signed attributes carry {} messageDigest values, not exactly one",
                attributes.message_digests.len()
            );
            return (facts, attributes);
        }
        if attributes.message_digests.first() != Some(&content_digest) {
            facts.status = SignatureStatus::Invalid;
            facts.reason = reason!(
                MessageDigestMismatch,
                "the messageDigest attribute does not match the {} of the content",
                digest.as_str()
            );
            return (facts, attributes);
        }
        if attributes.content_types.len() != 1
            || attributes.content_types.first()
                != Some(&signed_data.encap_content_info.econtent_type)
        {
            facts.status = SignatureStatus::Invalid;
            facts.reason = reason!(
                ContentTypeMismatch,
                "the contentType attribute ({}) is not the eContentType {}",
                attributes
                    .content_types
                    .iter()
                    .map(Oid::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                signed_data.encap_content_info.econtent_type
            );
            return (facts, attributes);
        }
        match raw_attrs {
            // The canonical re-encoding is tried only if the wire bytes do not verify.
            Some(raw) => {
                messages.push(raw);
                canonical_fallback = Some(set);
            }
            None => match set.to_der() {
                Ok(canonical) => messages.push(canonical),
                Err(e) => {
                    facts.reason =
                        reason!(Malformed, "the signed attributes do not re-encode: {e}");
                    return (facts, attributes);
                }
            },
        }
    } else {
        messages.push(content.to_vec());
    }

    let Some(cert) = signer_cert else {
        facts.reason = reason!(
            SignerCertificateMissing,
            "the signer's certificate is neither in the SignedData nor among the supplied \
             certificates; the signature names {}",
            facts
                .signer
                .as_ref()
                .map_or_else(|| sid.clone(), Signer::id_words)
        );
        return (facts, attributes);
    };
    let spki = cert.tbs_certificate().subject_public_key_info();
    let verify = |message: &[u8]| {
        algorithms::verify(
            spki,
            &signer_info.signature_algorithm,
            digest,
            message,
            signer_info.signature.as_bytes(),
        )
    };
    let mut outcome = Verification::Failed;
    for message in &messages {
        outcome = verify(message);
        if outcome == Verification::Verified {
            break;
        }
    }
    if outcome != Verification::Verified
        && let Some(set) = canonical_fallback
        && let Ok(canonical) = set.to_der()
        && !messages.contains(&canonical)
    {
        outcome = verify(&canonical);
    }
    match outcome {
        Verification::Verified => {
            facts.status = SignatureStatus::Valid;
            let signer = facts.signer.as_ref();
            facts.reason = reason!(
                Valid,
                "the signature by {} verifies over the {} content ({})",
                signer.map_or_else(|| sid.clone(), Signer::name),
                digest.as_str(),
                signer.map(Signer::id_words).unwrap_or_default()
            );
        }
        Verification::Failed => {
            facts.status = SignatureStatus::Invalid;
            facts.reason = reason!(
                BadSignature,
                "the signature value does not verify with the signer certificate's key"
            );
        }
        Verification::Unchecked(reason) => {
            facts.status = SignatureStatus::Unverifiable;
            facts.reason = reason;
        }
    }
    (facts, attributes)
}

/// Certificate facts for every carried certificate, with role and verified_by.
fn describe_certificates(
    carried: &[CertRef],
    signer: Option<&Certificate>,
    preference: Option<&KeyPreference>,
    ctx: &SmimeContext,
) -> Vec<CertificateFacts> {
    let preferred: Vec<&String> = preference
        .map(|p| p.smime.iter().chain(p.microsoft.iter()).collect())
        .unwrap_or_default();
    // Supplied certificates are fingerprinted only if one turns out to be an issuer.
    let supplied: Vec<CertRef> = ctx.certs.iter().map(CertRef::new).collect();
    carried
        .iter()
        .map(|cert| {
            // The signer was found among these very references: identity, not equality.
            let is_signer = signer.is_some_and(|s| std::ptr::eq(s, cert.cert));
            let tbs = cert.cert.tbs_certificate();
            let role = if is_signer {
                CertificateRole::Signer
            } else if !preferred.is_empty() && {
                let id = certificate::issuer_serial_id(tbs.issuer(), tbs.serial_number());
                let ski =
                    certificate::subject_key_id(cert.cert).map(|ski| certificate::ski_id(&ski));
                preferred
                    .iter()
                    .any(|p| **p == id || Some(*p) == ski.as_ref())
            } {
                CertificateRole::Encryption
            } else {
                CertificateRole::Chain
            };
            let mut facts = certificate::facts_of(cert, role);
            facts.verified_by = carried
                .iter()
                .chain(supplied.iter())
                .find(|issuer| certificate::signed_by(cert, issuer))
                .map(CertRef::fingerprint);
            facts
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};
    use proptest::prelude::*;

    /// The `.p7s` and the signed bytes of a corpus sample.
    fn clear_signed(id: &str) -> (Vec<u8>, Vec<u8>) {
        let path = crate::corpus::default_corpora_dir()
            .join("senders")
            .join(format!("{id}.eml"));
        let raw = std::fs::read(path).expect("sample");
        let parsed = MessageParser::default().parse(&raw).expect("parses");
        let boundary = parsed
            .content_type()
            .and_then(|ct| ct.attribute("boundary"))
            .expect("boundary")
            .to_owned();
        let signed = crate::mime::canonical_crlf(
            crate::mime::first_body_part(&raw, &boundary).expect("first part"),
        );
        let p7s = parsed
            .parts
            .iter()
            .find(|p| {
                p.content_type()
                    .and_then(|ct| ct.subtype())
                    .is_some_and(|s| s.eq_ignore_ascii_case("pkcs7-signature"))
            })
            .expect("the .p7s")
            .contents()
            .to_vec();
        (p7s, signed)
    }

    fn both_ways(cms: &[u8], signed: &[u8]) -> (SignedDataFacts, SignedDataFacts) {
        let ctx = SmimeContext {
            from: Some("dana@contoso.example"),
            keys: &[],
            certs: &[],
        };
        (
            inspect_signed_with(cms, Some(signed), &ctx, true),
            inspect_signed_with(cms, Some(signed), &ctx, false),
        )
    }

    fn assert_same(apart: &SignedDataFacts, whole: &SignedDataFacts) {
        assert_eq!(apart.signature, whole.signature);
        assert_eq!(apart.certificates, whole.certificates);
        assert_eq!(apart.capabilities, whole.capabilities);
        assert_eq!(apart.key_preference, whole.key_preference);
        assert_eq!(apart.encapsulated, whole.encapsulated);
        assert_eq!(apart.problems, whole.problems);
    }

    /// Decoding the certificates apart (through the memo) gives the facts of decoding the
    /// whole SignedData, on the real samples (BER from Outlook, DER from OWA and Thunderbird).
    #[test]
    fn certificates_apart_match_the_whole_decode_on_samples() {
        for id in [
            "outlook/clear-signed-sha256",
            "outlook/clear-signed-rsa4096",
            "owa/clear-signed-defaults",
        ] {
            let (p7s, signed) = clear_signed(id);
            let (apart, whole) = both_ways(&p7s, &signed);
            assert_eq!(
                apart.signature.status,
                crate::facts::SignatureStatus::Valid,
                "{id}"
            );
            assert!(!apart.certificates.is_empty(), "{id}");
            assert_same(&apart, &whole);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// The same on damaged SignedData: a few octets changed anywhere, and a cut.
        #[test]
        fn certificates_apart_match_the_whole_decode_on_damage(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let (mut p7s, signed) = clear_signed("outlook/clear-signed-sha256");
            for (at, byte) in edits {
                let i = at.index(p7s.len());
                p7s[i] = byte;
            }
            if let Some(at) = cut {
                p7s.truncate(at.index(p7s.len()));
            }
            let (apart, whole) = both_ways(&p7s, &signed);
            assert_same(&apart, &whole);
        }
    }
}
