//! The `spoofing/` family: signature-spoofing negative controls after Müller et al.,
//! "Johnny, You Are Fired! – Spoofing OpenPGP and S/MIME Signatures in Emails", USENIX
//! Security 2019 (<https://www.usenix.org/conference/usenixsecurity19/presentation/muller>).
//!
//! Every sample is a negative control paired with a genuine, valid twin elsewhere in the
//! corpus (`outlook/clear-signed-sha256`, `outlook/opaque-signed`, `proton/pgp-mime-signed`).
//! The attack classes of the paper's §4 covered here:
//! - CMS class (`01-cms`): eContent confusion: a clear-signed message whose SignedData also carries
//!   eContent different from the displayed part; an opaque SignedData beside an unsigned text.
//! - CMS class: multiple signers and missing signers ("no signerInfos").
//! - MIME wrapping class (`03-mime`): unsigned text around a signed part, the signed part hidden as an
//!   attachment, the signed part hidden in an HTML alternative or behind HTML, the signed part
//!   referenced from the attacker's HTML as a `cid:` image in a multipart/related.
//! - ID binding class (`04-id`): `Sender:` set to the signer, two `From:` addresses, a signer
//!   certificate / User ID on a lookalike domain.
//! - ID binding class, display-name confusion (`04-id/i2-display-name-confusion`): `From: "dana@fabrikam.example" <eve@evil.example>`.
//! - UI redressing class (`05-ui`): an unsigned HTML body that draws its own "signed" banner.
//!
//! And after the same authors' REPLY attacks ("Re: What's Up Johnny?", ACNS 2019,
//! `RUB-NDS/Covert-Content-Attacks`): the victim's earlier S/MIME or PGP/MIME encrypted
//! message as a part beside the attacker's text (decryption oracle), and HTML whose
//! stylesheet hides a paragraph behind a conditional rule (signing oracle).
//!
//! The wire forms are the senders' own (sender-formats O1 for Outlook, P2 for Proton),
//! built with the `smime_corpus` and `pgp_corpus` builders; only the attacker's wrapping is
//! new. The attacker personas (eve, dana-lookalike, pat-lookalike) live in
//! `corpora/keys/spoofing/` and are created here when missing (randomness only then).
//!
//! Expectations are written to what is TRUE of the bytes: the signature never covers the
//! whole visible body when unsigned text is beside it, and the signer never matches `From`
//! when it is someone else. Signed samples are byte-stable across runs.

use std::path::{Path, PathBuf};

use der::EncodePem as _;

use sequoia_openpgp::Cert;
use sequoia_openpgp::types::{
    CompressionAlgorithm as Z, HashAlgorithm, HashAlgorithm as H, SignatureType,
    SymmetricAlgorithm as S,
};

use super::pgp_corpus::Personas;
use super::pgp_corpus::crypto::{self as pgp, PersonaSpec, SigStyle, Suite};
use super::pgp_corpus::samples::{
    Era, PAT_TEXT, ProtonHdr, at, pat_cleartext_signed, proton_message, proton_multipart,
    proton_sig_armor, proton_signed_envelope, proton_signed_parts, proton_text_entity,
    proton_text_leaf,
};
use super::pgp_corpus::wire;
use super::smime_corpus::ber;
use super::smime_corpus::cms::{self, DigestAlg};
use super::smime_corpus::keys::{self as x509, KeyKind, Persona, Spec, Usage};
use super::smime_corpus::mail::{self, When, lines};
use super::smime_corpus::{
    Ctx, DANA_FROM, DANA_TEXT, outlook_headers, outlook_p7m_eml, outlook_p7s, outlook_sign,
    outlook_signed_body, outlook_signed_content_type, outlook_signed_entity, outlook_text_entity,
    pkcs7_mime_part_headers,
};
use ::cms::cert::CertificateChoices;
use ::cms::signed_data::{CertificateSet, SignedData, SignerInfo, SignerInfos};
use const_oid::db::rfc5911;

use crate::error::{Error, Result};
use crate::named;
use replymatrix::corpus::{
    Control, Expect, ExpectLayer, InspectInputs, Provenance, ProvenanceConfidence, SenderInfo,
    Sidecar,
};
use replymatrix::facts::{Digest, SignatureAlgorithm, SignatureReasonCode};

/// The paper every sample follows.
pub const URL_MULLER: &str =
    "https://www.usenix.org/conference/usenixsecurity19/presentation/muller";

/// The paper's released attack classes (research/anchors.md §4 cites the repository and its
/// `01-cms/`, `03-mime/`, `04-id/` folders); a sidecar cites the folder of its class.
const URL_JOHNNY_REPO: &str = "https://github.com/RUB-NDS/Johnny-You-Are-Fired/tree/master";

/// The REPLY attacks' artifacts (Müller et al., "Re: What's Up Johnny? Covert Content Attacks
/// on Email End-to-End Encryption", ACNS 2019).
const URL_REPLY_REPO: &str = "https://github.com/RUB-NDS/Covert-Content-Attacks";

/// The provenance URL for a reference naming the attack class folder.
fn class_url(reference: &str) -> String {
    for class in ["01-cms", "03-mime", "04-id"] {
        if reference.contains(class) {
            return format!("{URL_JOHNNY_REPO}/{class}");
        }
    }
    URL_MULLER.to_owned()
}

const FAMILY: &str = "spoofing";
/// The REPLY attacks' samples: made here with the same builders, in a family of their own
/// (they spoof no signature; they turn the victim's reply into an oracle).
const REPLY_FAMILY: &str = "reply";
const DANA: &str = "dana@fabrikam.example";
const PAT: &str = "pat@proton.example";
const EVE: &str = "eve@evil.example";
const DANA_LOOKALIKE: &str = "dana@fabrikarn.example";
const PAT_LOOKALIKE: &str = "pat@pr0ton.example";
const SMIME_TWIN: &str = "outlook/clear-signed-sha256";
const OPAQUE_TWIN: &str = "outlook/opaque-signed";
const PGP_TWIN: &str = "proton/pgp-mime-signed";
const ENVELOPED_TWIN: &str = "outlook/enveloped-aes256";
const PGP_ENCRYPTED_TWIN: &str = "proton/pgp-mime-encrypted";
const HTML_TWIN: &str = "outlook/clear-signed-html";
const EVE_FROM: &str = "Eve Mallory <eve@evil.example>";
const SUBJECT: &str = "Northwind order: delivery date";
const PAT_SUBJECT: &str = "Quarterly figures";

/// What the attacker shows instead of (or beside) the signed text.
const ATTACKER_TEXT: &str = "URGENT: our bank details changed. Pay the Northwind invoice to\r\nIBAN XX00 0000 0000 0000 0000 00 today.\r\n";

/// The attacker's X.509 personas, issued by the same public CA as dana (so a client that
/// trusts dana trusts them too).
const X509_SPECS: &[Spec] = &[
    Spec {
        name: "eve",
        common_name: "Eve Mallory",
        org: "Evil Example",
        email: Some(EVE),
        issuer: Some("public-issuing-ca"),
        key: KeyKind::Rsa(2048),
        usage: Usage::Smime,
        valid: ((2025, 1, 1), (2030, 1, 1)),
    },
    Spec {
        name: "dana-lookalike",
        common_name: "Dana Whitfield",
        org: "Fabrikarn",
        email: Some(DANA_LOOKALIKE),
        issuer: Some("public-issuing-ca"),
        key: KeyKind::Rsa(2048),
        usage: Usage::Smime,
        valid: ((2025, 1, 1), (2030, 1, 1)),
    },
];

/// The attacker's OpenPGP personas (v4, Ed25519 + Cv25519, created 2025-01-01).
const PGP_SPECS: &[PersonaSpec] = &[
    PersonaSpec {
        name: "eve",
        userid: "Eve <eve@evil.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES128],
        hashes: &[H::SHA512, H::SHA256],
        compression: &[Z::Zlib, Z::Zip, Z::Uncompressed],
    },
    PersonaSpec {
        name: "pat-lookalike",
        userid: "pat@pr0ton.example <pat@pr0ton.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES128, S::AES192],
        hashes: &[H::SHA256, H::SHA512],
        compression: &[Z::Zlib, Z::Zip, Z::Uncompressed],
    },
];

/// `corpora/keys/spoofing/`.
pub fn keys_dir(corpora: &Path) -> PathBuf {
    corpora.join("keys").join("spoofing")
}

fn readme() -> String {
    let mut s = String::from(
        "# Spoofing personas (attacker keys for corpora/senders/spoofing/)\n\n\
         Written by `harness/generator/src/spoofing_corpus.rs`; created only when missing.\n\n",
    );
    s.push_str("- `eve.cert.pem` + `eve.key.pem`: Eve Mallory <eve@evil.example>, RSA-2048, issued by public-issuing-ca, 2025-01-01..2030-01-01, S/MIME (the attacker with a genuine public-CA certificate).\n");
    s.push_str("- `dana-lookalike.cert.pem` + `dana-lookalike.key.pem`: Dana Whitfield <dana@fabrikarn.example> (rn for m), RSA-2048, issued by public-issuing-ca, 2025-01-01..2030-01-01, S/MIME lookalike of dana.\n");
    s.push_str("- `eve.pub.asc` + `eve.sec.asc`: OpenPGP v4 `Eve <eve@evil.example>`, Ed25519 + Cv25519, created 2025-01-01, the attacker's key.\n");
    s.push_str("- `pat-lookalike.pub.asc` + `pat-lookalike.sec.asc`: OpenPGP v4 `pat@pr0ton.example`, Ed25519 + Cv25519, created 2025-01-01, lookalike of pat.\n");
    s
}

/// Writes the attacker keys (when missing) and every `spoofing/` sample; returns the ids.
pub fn generate(corpora: &Path) -> Result<Vec<String>> {
    let mut personas = x509::load_or_create(corpora)?;
    let dir = keys_dir(corpora);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    for spec in X509_SPECS {
        let cert_path = dir.join(format!("{}.cert.pem", spec.name));
        let key_path = dir.join(format!("{}.key.pem", spec.name));
        let persona = if cert_path.exists() && key_path.exists() {
            x509::load(spec, &cert_path, &key_path)?
        } else {
            let persona = x509::create(spec, &personas)?;
            let pem = persona
                .cert
                .to_pem(der::pem::LineEnding::LF)
                .map_err(x509::der_err)?;
            std::fs::write(&cert_path, pem).map_err(|e| Error::io(&cert_path, e))?;
            std::fs::write(&key_path, x509::key_to_pem(&persona.key)?)
                .map_err(|e| Error::io(&key_path, e))?;
            persona
        };
        personas.push(persona);
    }
    let eve_pgp = pgp::load_or_create(&dir, &PGP_SPECS[0])?;
    let pat_lookalike = pgp::load_or_create(&dir, &PGP_SPECS[1])?;
    let readme_path = dir.join("README.md");
    std::fs::write(&readme_path, readme()).map_err(|e| Error::io(&readme_path, e))?;
    let pgp_personas = Personas::load_or_create(&corpora.join("keys").join("openpgp"))?;

    let ctx = Ctx {
        personas: &personas,
    };
    let mut samples = smime_samples(&ctx)?;
    samples.extend(pgp_samples(&pgp_personas, &eve_pgp, &pat_lookalike)?);

    let senders = corpora.join("senders");
    let mut ids = Vec::new();
    for (sidecar, eml) in samples {
        let eml_path = senders.join(format!("{}.eml", sidecar.id));
        let toml_path = senders.join(format!("{}.toml", sidecar.id));
        if let Some(parent) = eml_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let text = toml::to_string(&sidecar).map_err(|e| Error::Generate {
            what: sidecar.id.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&eml_path, &eml).map_err(|e| Error::io(&eml_path, e))?;
        std::fs::write(&toml_path, text).map_err(|e| Error::io(&toml_path, e))?;
        ids.push(sidecar.id);
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------------------
// Sidecars

struct Meta<'a> {
    name: &'a str,
    title: &'a str,
    /// Which sender's wire form the wrapped signature has.
    product: &'a str,
    setting: &'a str,
    /// The section of the paper and of sender-formats.
    reference: &'a str,
    note: &'a str,
    twin: &'a str,
}

fn sidecar(
    m: &Meta,
    from: &str,
    layers: Vec<ExpectLayer>,
    keys: &[&str],
    certs: &[&str],
) -> Sidecar {
    Sidecar {
        id: format!("{FAMILY}/{}", m.name),
        title: m.title.to_owned(),
        sender: SenderInfo {
            product: m.product.to_owned(),
            version: "2026 (wrapped by an attacker)".to_owned(),
            setting: m.setting.to_owned(),
        },
        provenance: Provenance {
            url: class_url(m.reference),
            confidence: ProvenanceConfidence::Inferred,
            reference: Some(m.reference.to_owned()),
            note: Some(m.note.to_owned()),
        },
        pairs_with: Some(m.twin.to_owned()),
        control: Control::Negative,
        inspect: InspectInputs {
            keys: keys.iter().map(|s| (*s).to_owned()).collect(),
            certs: certs.iter().map(|s| (*s).to_owned()).collect(),
        },
        expect: Expect {
            from: Some(from.to_owned()),
            layers: Some(layers),
            problems: Vec::new(),
        },
    }
}

/// A signed layer with the facts that must hold; `None` leaves a fact unasserted.
#[allow(clippy::too_many_arguments)]
fn signed_layer(
    kind: &str,
    form: &str,
    part: &str,
    status: Option<&str>,
    signer: Option<&str>,
    matches_from: Option<bool>,
    covers_whole_body: Option<bool>,
) -> ExpectLayer {
    ExpectLayer {
        form: Some(named(form)),
        part: Some(part.to_owned()),
        status: status.map(named),
        signer: signer.map(str::to_owned),
        signer_matches_from: matches_from,
        covers_whole_body,
        ..ExpectLayer::new(named(kind))
    }
}

fn smime_valid(form: &str, part: &str, signer: &str, matches: bool, covers: bool) -> ExpectLayer {
    ExpectLayer {
        digest: Some(Digest::Sha256),
        algorithm: Some(SignatureAlgorithm::Rsa),
        ..signed_layer(
            "smime-signed",
            form,
            part,
            Some("valid"),
            Some(signer),
            Some(matches),
            Some(covers),
        )
    }
}

fn pgp_valid(part: &str, signer: &str, matches: bool, covers: bool) -> ExpectLayer {
    ExpectLayer {
        digest: Some(Digest::Sha512),
        algorithm: Some(SignatureAlgorithm::Eddsa),
        ..signed_layer(
            "pgp-signed",
            "mime",
            part,
            Some("valid"),
            Some(signer),
            Some(matches),
            Some(covers),
        )
    }
}

// ---------------------------------------------------------------------------------------
// MIME wrapping shared by both halves

/// A hash-derived boundary for the attacker's wrapper (`kind` = mixed, alternative...).
fn wrapper_boundary(id: &str, kind: &str) -> String {
    format!("=_{kind}_{}", mail::hex_lower(id, kind, 16))
}

/// A multipart entity (headers + body) of `subtype` around already-complete entities.
fn wrap(id: &str, subtype: &str, parts: &[Vec<u8>]) -> Vec<u8> {
    let b = wrapper_boundary(id, subtype);
    let mut out =
        format!("Content-Type: multipart/{subtype}; boundary=\"{b}\"\r\n\r\n").into_bytes();
    for part in parts {
        out.extend_from_slice(format!("--{b}\r\n").as_bytes());
        out.extend_from_slice(part);
        if !part.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    out
}

/// The attacker's unsigned text/html entity. It shows the demand and then opens a
/// `display:none` block that a renderer concatenating inline parts (Müller et al., MIME wrapping class)
/// never closes, so the genuine signed part after it is hidden while the signature badge
/// still shows.
fn attacker_hiding_html_entity() -> Vec<u8> {
    let html = "<html><body><p>URGENT: our bank details changed. Pay the Northwind invoice to IBAN XX00 0000 0000 0000 0000 00 today.</p><div style=\"display:none\">";
    format!(
        "Content-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}\r\n"
    )
    .into_bytes()
}

/// The attacker's text/html that shows the demand and references the part `cid` as an image
/// (Müller et al. 2019 §4.3, M3).
fn attacker_cid_html_entity(cid: &str) -> Vec<u8> {
    let html = format!(
        "<html><body><p>URGENT: our bank details changed. Pay the Northwind invoice to IBAN XX00 0000 0000 0000 0000 00 today.</p><img src=\"cid:{cid}\" alt=\"\"></body></html>"
    );
    format!(
        "Content-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}\r\n"
    )
    .into_bytes()
}

/// Adds a header line to an entity's header block.
fn with_header(entity: &[u8], header: &str) -> Vec<u8> {
    let split = entity
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .unwrap_or(0);
    let mut out = entity[..split].to_vec();
    out.extend_from_slice(format!("{header}\r\n").as_bytes());
    out.extend_from_slice(&entity[split..]);
    out
}

/// Adds `Content-Disposition: attachment` to an entity's header block.
fn as_attachment(entity: &[u8], filename: &str) -> Vec<u8> {
    let split = entity
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .unwrap_or(0);
    let mut out = entity[..split].to_vec();
    out.extend_from_slice(
        format!("Content-Disposition: attachment; filename=\"{filename}\"\r\n").as_bytes(),
    );
    out.extend_from_slice(&entity[split..]);
    out
}

/// Puts an extra header line right after the `From:` line.
fn insert_after_from(message: &[u8], header: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(message);
    let Some(start) = text
        .find("\r\nFrom: ")
        .map(|p| p + 2)
        .or_else(|| text.starts_with("From: ").then_some(0))
    else {
        return message.to_vec();
    };
    let end = text[start..]
        .find("\r\n")
        .map(|p| start + p + 2)
        .unwrap_or(text.len());
    let mut out = text[..end].to_owned();
    out.push_str(header);
    out.push_str("\r\n");
    out.push_str(&text[end..]);
    out.into_bytes()
}

/// A message from an entity: the sender's top headers with the entity's header block merged
/// in (its Content-Type lines go where the sender puts Content-Type).
fn split_entity(entity: &[u8]) -> (String, Vec<u8>) {
    let split = entity
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(0);
    let headers = String::from_utf8_lossy(&entity[..split]).into_owned();
    let body = entity.get(split + 4..).unwrap_or_default().to_vec();
    (headers, body)
}

/// name, From header, From address, extra header, signer persona, signer address,
/// signer matches From, title, note.
type SmimeIdentityCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    bool,
    &'a str,
    &'a str,
);

/// name, From header, From address, extra header, signer key, signer address, key file,
/// signer matches From, title, note.
type PgpIdentityCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a Cert,
    &'a str,
    &'a str,
    bool,
    &'a str,
    &'a str,
);

// ---------------------------------------------------------------------------------------
// S/MIME (Outlook wire form, sender-formats O1/O2)

fn outlook_message(id: &str, from: &str, entity: &[u8]) -> Vec<u8> {
    let (headers, body) = split_entity(entity);
    let ct: Vec<&str> = headers.split("\r\n").collect();
    let mut eml = outlook_headers(id, from, SUBJECT, &ct).into_bytes();
    eml.extend_from_slice(&body);
    eml
}

/// Dana's genuine Outlook clear-signed entity (multipart/signed headers + body) over `inner`.
fn dana_signed_entity(ctx: &Ctx, id: &str, signer: &str, inner: &[u8]) -> Result<Vec<u8>> {
    let when = When::of(id).signing_time();
    let mut req = outlook_sign(ctx, id, "dana", DigestAlg::Sha256, inner, &when)?;
    if signer != "dana" {
        req.signer = ctx.p(signer)?;
        req.certs = issued_chain(ctx, signer)?;
    }
    Ok(outlook_signed_entity(
        id,
        DigestAlg::Sha256,
        inner,
        &outlook_p7s(&req)?,
    ))
}

/// The signer and the public CA chain (attacker personas are not in the X.509 spec list).
fn issued_chain<'a>(ctx: &'a Ctx, name: &str) -> Result<Vec<&'a Persona>> {
    Ok(vec![
        ctx.p(name)?,
        ctx.p("public-issuing-ca")?,
        ctx.p("public-root-ca")?,
    ])
}

/// `base` with `other`'s SignerInfos after its own and `extra_certs` carried after its
/// certificates, as a DER ContentInfo. `der_order` sorts the SignerInfos as DER's SET OF
/// does ([`cms::der_sorted`]); false keeps `base`'s first (BER allows any order, X.690
/// §8.12), which the types can only carry through [`cms::in_given_order`].
fn with_signer_infos_of(
    mut base: SignedData,
    other: &SignedData,
    extra_certs: &[&Persona],
    der_order: bool,
) -> Result<Vec<u8>> {
    let mut infos: Vec<SignerInfo> = base.signer_infos.0.into_vec();
    infos.extend(other.signer_infos.0.iter().cloned());
    base.signer_infos = SignerInfos(if der_order {
        cms::der_sorted(infos)?
    } else {
        cms::in_given_order(&infos)?
    });
    let mut certs: Vec<CertificateChoices> = base
        .certificates
        .map(|set| set.0.into_vec())
        .unwrap_or_default();
    certs.extend(
        extra_certs
            .iter()
            .map(|p| CertificateChoices::Certificate(p.cert.clone())),
    );
    base.certificates = Some(CertificateSet(cms::in_given_order(&certs)?));
    cms::content_info(rfc5911::ID_SIGNED_DATA, &base)
}

fn outlook_meta<'a>(name: &'a str, title: &'a str, reference: &'a str, note: &'a str) -> Meta<'a> {
    Meta {
        name,
        title,
        product: "Outlook for Windows (Classic)",
        setting: "Add digital signature to outgoing messages (signature reused by an attacker)",
        reference,
        note,
        twin: SMIME_TWIN,
    }
}

fn smime_samples(ctx: &Ctx) -> Result<Vec<(Sidecar, Vec<u8>)>> {
    let mut out = Vec::new();
    let genuine = outlook_text_entity(DANA_TEXT);
    let attacker = outlook_text_entity(ATTACKER_TEXT);

    // 1. Clear-signed, but the SignedData carries its own eContent (dana's genuine text)
    //    while the displayed first part is the attacker's.
    {
        let name = "smime-clear-econtent-differs";
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let mut req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        req.encapsulate = true;
        let p7s = outlook_p7s(&req)?;
        let b = mail::outlook_boundary(&id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml = outlook_headers(&id, DANA_FROM, SUBJECT, &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &attacker, &p7s));
        let m = outlook_meta(
            name,
            "Negative: multipart/signed shows the attacker's text; the SignedData's own eContent is dana's genuine text",
            "Müller et al. CMS class (01-cms: CMS eContent confusion); sender-formats O1",
            "The p7s is a genuine opaque SignedData by dana (eContent = her text) put in a multipart/signed beside different text. Over the displayed part (the RFC 1847 content, which is what openssl cms -verify -content checks) the messageDigest does not match: invalid. Reporting it valid over the eContent while the reader sees the first part is the spoof.",
        );
        let layer = signed_layer(
            "smime-signed",
            "clear",
            "",
            Some("invalid"),
            Some(DANA),
            Some(true),
            None,
        );
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 2. An opaque SignedData (dana's genuine text as eContent) attached beside a visible,
    //    unsigned text saying something else.
    {
        let name = "smime-opaque-beside-unsigned";
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let mut req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        req.encapsulate = true;
        let p7m = outlook_p7s(&req)?;
        let mut opaque = lines(
            &pkcs7_mime_part_headers("application/pkcs7-mime", Some("signed-data"))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .into_bytes();
        opaque.extend_from_slice(b"\r\n");
        opaque.extend_from_slice(mail::base64_lines(&p7m).as_bytes());
        opaque.extend_from_slice(b"\r\n");
        let entity = wrap(&id, "mixed", &[attacker.clone(), opaque]);
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = Meta {
            twin: OPAQUE_TWIN,
            ..outlook_meta(
                name,
                "Negative: unsigned text/plain beside an attached opaque SignedData whose eContent says something else",
                "Müller et al. CMS + MIME wrapping classes (01-cms, 03-mime); sender-formats O2",
                "The smime.p7m is genuine and valid, but it is an attachment; the visible body is the attacker's text.",
            )
        };
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("opaque", "2", DANA, true, false)
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 2b. The same attached opaque SignedData by dana, beside a multipart/signed by eve
    //     that shows the attacker's text: two valid signatures, neither over the other's
    //     text, only one by the From address, and it is not the one displayed.
    {
        let name = "smime-opaque-beside-signed";
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let mut req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        req.encapsulate = true;
        let p7m = outlook_p7s(&req)?;
        let mut opaque = lines(
            &pkcs7_mime_part_headers("application/pkcs7-mime", Some("signed-data"))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .into_bytes();
        opaque.extend_from_slice(b"\r\n");
        opaque.extend_from_slice(mail::base64_lines(&p7m).as_bytes());
        opaque.extend_from_slice(b"\r\n");
        let eve_signed = dana_signed_entity(ctx, &format!("{id}/eve"), "eve", &attacker)?;
        let entity = wrap(&id, "mixed", &[eve_signed, opaque]);
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = Meta {
            twin: OPAQUE_TWIN,
            ..outlook_meta(
                name,
                "Negative: the body is a multipart/signed by eve; dana's genuine opaque SignedData rides along as smime.p7m",
                "Müller et al. CMS + ID binding classes (01-cms, 04-id); sender-formats O1, O2",
                "Both signatures verify. The displayed body is eve's (signer not From); dana's signature (signer = From) covers only the attachment. A client that badges the message with 'signed by dana' is fooled.",
            )
        };
        let eve_layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "1", EVE, false, true)
        };
        let dana_layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("opaque", "2", DANA, true, false)
        };
        out.push((
            sidecar(&m, DANA, vec![eve_layer, dana_layer], &[], &[]),
            eml,
        ));
    }

    // 3. Two SignerInfos: dana's valid one and eve's genuine signature over other content.
    //    DER sorts the SET OF, which puts eve's first; the second variant writes dana's
    //    first (BER allows any order, X.690 §8.12), so a verifier that stops at the first
    //    SignerInfo sees only the good one.
    for (name, der_order) in [
        ("smime-multiple-signers", true),
        ("smime-multiple-signers-forged-last", false),
    ] {
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        let dana_sd = cms::build_signed_data(&req)?;
        let mut eve_req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &attacker, &when)?;
        eve_req.signer = ctx.p("eve")?;
        eve_req.certs = vec![ctx.p("eve")?];
        let eve_sd = cms::build_signed_data(&eve_req)?;
        let combined = with_signer_infos_of(dana_sd, &eve_sd, &[ctx.p("eve")?], der_order)?;
        let p7s = ber::to_outlook_ber(&combined)?;
        let b = mail::outlook_boundary(&id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml = outlook_headers(&id, DANA_FROM, SUBJECT, &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &genuine, &p7s));
        let m = outlook_meta(
            name,
            if der_order {
                "Negative: two SignerInfos (DER order), dana's valid one and eve's over different content"
            } else {
                "Negative: two SignerInfos, dana's valid one FIRST and eve's over different content second"
            },
            "Müller et al. CMS class (01-cms: multiple signers); RFC 5652 §5.1",
            "One SignerInfo verifies, the other (eve, certificate carried) has a messageDigest over other text. A forged or tampered signer must not hide behind a good one: the layer is invalid, as the OpenPGP summary rule (any invalid signature makes the group invalid) has it.",
        );
        let layer = ExpectLayer {
            certificates: Some(4),
            ..signed_layer(
                "smime-signed",
                "clear",
                "",
                Some("invalid"),
                None,
                None,
                None,
            )
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 3b. Two SignerInfos that both verify over the same content: dana's and eve's. The
    //     attacker co-signs a genuine message; a client naming one signer may name eve.
    {
        let name = "smime-two-valid-signers";
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        let dana_sd = cms::build_signed_data(&req)?;
        let mut eve_req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &genuine, &when)?;
        eve_req.signer = ctx.p("eve")?;
        eve_req.certs = vec![ctx.p("eve")?];
        let eve_sd = cms::build_signed_data(&eve_req)?;
        let combined = with_signer_infos_of(dana_sd, &eve_sd, &[ctx.p("eve")?], true)?;
        let p7s = ber::to_outlook_ber(&combined)?;
        let b = mail::outlook_boundary(&id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml = outlook_headers(&id, DANA_FROM, SUBJECT, &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &genuine, &p7s));
        let m = outlook_meta(
            name,
            "Negative: two SignerInfos over the same content, dana's and eve's, both valid",
            "Müller et al. CMS class (01-cms: multiple signers); RFC 5652 §5.1",
            "Every signature verifies and the whole body is signed. Which signer a client names is the question: the facts carry one signer and signer_count = 2, so which one is reported is not asserted here.",
        );
        let layer = ExpectLayer {
            certificates: Some(4),
            ..signed_layer(
                "smime-signed",
                "clear",
                "",
                Some("valid"),
                None,
                None,
                Some(true),
            )
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 4. Opaque SignedData with an empty SignerInfos SET: eContent displayed, nobody signed.
    {
        let name = "smime-opaque-no-signer-infos";
        let id = format!("{FAMILY}/{name}");
        let when = When::of(&id).signing_time();
        let mut req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &attacker, &when)?;
        req.encapsulate = true;
        req.drop_signer_infos = true;
        let p7m = outlook_p7s(&req)?;
        let headers = pkcs7_mime_part_headers("application/pkcs7-mime", Some("signed-data"));
        let eml = outlook_p7m_eml(&id, DANA_FROM, SUBJECT, &headers, &p7m);
        let m = Meta {
            twin: OPAQUE_TWIN,
            ..outlook_meta(
                name,
                "Negative: opaque SignedData with no SignerInfos around the attacker's text",
                "Müller et al. CMS class (01-cms: no signers); sender-formats O2",
                "Dana's certificate chain is carried, so a client that shows 'signed by the carried certificate' is fooled; nothing is signed. The paper's 01-cms README records Microsoft closing its 'no signerInfos' report as not meeting the bar for immediate servicing (research/anchors.md §4).",
            )
        };
        let layer = ExpectLayer {
            reason: Some(SignatureReasonCode::NoSignerInfos),
            certificates: Some(3),
            ..signed_layer(
                "smime-signed",
                "opaque",
                "",
                Some("invalid"),
                None,
                None,
                None,
            )
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 5. The genuine multipart/signed hidden as an attachment behind unsigned text.
    {
        let name = "smime-signed-as-attachment";
        let id = format!("{FAMILY}/{name}");
        let signed = dana_signed_entity(ctx, &id, "dana", &genuine)?;
        let entity = wrap(
            &id,
            "mixed",
            &[attacker.clone(), as_attachment(&signed, "signed.eml")],
        );
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = outlook_meta(
            name,
            "Negative: unsigned text/plain, the genuine multipart/signed attached (Content-Disposition: attachment)",
            "Müller et al. MIME wrapping class (03-mime: signed part as attachment)",
            "The signature is valid but lives in an attachment; the visible body is unsigned.",
        );
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "2", DANA, true, false)
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 6. multipart/alternative: unsigned text/plain and a signed text/html.
    {
        let name = "smime-html-alternative";
        let id = format!("{FAMILY}/{name}");
        let html = "<html><body><p>Hi Robin,</p><p>The signed quote for the Northwind order is attached to our portal. Please confirm the delivery date by Friday.</p><p>Best regards,<br>Dana Whitfield<br>Fabrikam</p></body></html>\r\n";
        let html_entity = format!(
            "Content-Type: text/html;\r\n\tcharset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}"
        )
        .into_bytes();
        let signed = dana_signed_entity(ctx, &id, "dana", &html_entity)?;
        let entity = wrap(&id, "alternative", &[attacker.clone(), signed]);
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = outlook_meta(
            name,
            "Negative: multipart/alternative with an unsigned text/plain and a signed text/html",
            "Müller et al. MIME wrapping class (03-mime: alternative parts)",
            "A text-only reader (or one preferring text/plain) shows the unsigned attacker text; the signature covers only the HTML alternative.",
        );
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "2", DANA, true, false)
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 7. HTML that visually hides the genuine signed part after it.
    {
        let name = "smime-html-hides-signed";
        let id = format!("{FAMILY}/{name}");
        let signed = dana_signed_entity(ctx, &id, "dana", &genuine)?;
        let entity = wrap(&id, "mixed", &[attacker_hiding_html_entity(), signed]);
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = outlook_meta(
            name,
            "Negative: unsigned HTML that hides the genuine multipart/signed after it",
            "Müller et al. MIME wrapping class (03-mime: hidden signed part)",
            "The HTML opens a display:none block that swallows the signed part when inline parts are rendered together.",
        );
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "2", DANA, true, false)
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 7b. The genuine multipart/signed as the second part of a multipart/related, referenced
    //     by the attacker's HTML as an image (Müller et al., 03-mime: M3, cid: reference).
    {
        let name = "smime-related-cid";
        let id = format!("{FAMILY}/{name}");
        let signed = with_header(
            &dana_signed_entity(ctx, &id, "dana", &genuine)?,
            "Content-ID: <signed-part@fabrikam.example>",
        );
        let entity = wrap(
            &id,
            "related",
            &[
                attacker_cid_html_entity("signed-part@fabrikam.example"),
                signed,
            ],
        );
        let eml = outlook_message(&id, DANA_FROM, &entity);
        let m = outlook_meta(
            name,
            "Negative: the attacker's HTML in a multipart/related, the genuine multipart/signed referenced from it as a cid: image",
            "Müller et al. MIME wrapping class (03-mime: M3, hidden in related content)",
            "The cid: reference makes a client parse the signed part while showing only the attacker's HTML.",
        );
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "2", DANA, true, false)
        };
        out.push((sidecar(&m, DANA, vec![layer], &[], &[]), eml));
    }

    // 8-11. Identity confusion: Sender:, two From addresses, lookalike signer, display name.
    let ceo_from = "Fabrikam CEO <ceo@fabrikam.example>";
    let cases: [SmimeIdentityCase; 4] = [
        (
            "smime-sender-header",
            ceo_from,
            "ceo@fabrikam.example",
            Some("Sender: Dana Whitfield <dana@fabrikam.example>"),
            "dana",
            DANA,
            false,
            "Negative: From the CEO, Sender: dana, signed by dana",
            "Müller et al. ID binding class (04-id: Sender header). The signer matches Sender, not From; From is what the reader sees.",
        ),
        (
            "smime-two-from",
            "Fabrikam CEO <ceo@fabrikam.example>, Dana Whitfield <dana@fabrikam.example>",
            "ceo@fabrikam.example",
            None,
            "dana",
            DANA,
            false,
            "Negative: two addresses in From (the CEO first), signed by dana",
            "Müller et al. ID binding class (04-id: multiple From). A client showing the first address and checking the signer against any address is fooled.",
        ),
        (
            "smime-lookalike-signer",
            DANA_FROM,
            DANA,
            None,
            "dana-lookalike",
            DANA_LOOKALIKE,
            false,
            "Negative: From dana@fabrikam.example, signed with a public-CA certificate for dana@fabrikarn.example",
            "Müller et al. ID binding class (04-id: lookalike). The certificate is valid and from the same public CA; its address differs by 'rn' for 'm'.",
        ),
        (
            "smime-display-name",
            "\"dana@fabrikam.example\" <eve@evil.example>",
            EVE,
            None,
            "eve",
            EVE,
            true,
            "Negative: From \"dana@fabrikam.example\" <eve@evil.example>, signed by eve",
            "Müller et al. ID binding class (04-id: display-name confusion). Cryptographically all is well: eve signed and From is eve. Only a client that shows the display name instead of the address is fooled; the models judge that.",
        ),
    ];
    for (name, from, from_addr, extra, signer, signer_email, matches, title, note) in cases {
        let id = format!("{FAMILY}/{name}");
        let signed = dana_signed_entity(ctx, &id, signer, &genuine)?;
        let mut eml = outlook_message(&id, from, &signed);
        if let Some(h) = extra {
            eml = insert_after_from(&eml, h);
        }
        let m = outlook_meta(
            name,
            title,
            "Müller et al. ID binding class (04-id); sender-formats O1",
            note,
        );
        let layer = ExpectLayer {
            certificates: Some(3),
            ..smime_valid("clear", "", signer_email, matches, true)
        };
        out.push((sidecar(&m, from_addr, vec![layer], &[], &[]), eml));
    }

    // REPLY attacks' decryption oracle (Müller et al., "Re: What's Up Johnny?", 2019): the
    // victim's earlier encrypted message (dana to robin) rides as a smime.p7m part beside
    // the attacker's text. A client that decrypted it into the view would quote the
    // plaintext in robin's reply to the attacker.
    {
        let name = "smime-enveloped-beside-text";
        let id = format!("{REPLY_FAMILY}/{name}");
        let mut rng = cms::sample_rng(&id);
        let env = cms::enveloped_data(
            &genuine,
            &[ctx.p("robin-enterprise")?, ctx.p("dana")?],
            cms::Cipher::Aes256Cbc,
            cms::RecipientId::IssuerAndSerial,
            &mut rng,
        )?;
        let mut enveloped = lines(
            &pkcs7_mime_part_headers("application/pkcs7-mime", Some("enveloped-data"))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .into_bytes();
        enveloped.extend_from_slice(b"\r\n");
        enveloped.extend_from_slice(mail::base64_lines(&ber::to_outlook_ber(&env)?).as_bytes());
        enveloped.extend_from_slice(b"\r\n");
        let entity = wrap(&id, "mixed", &[reply_bait_entity(), enveloped]);
        let eml = outlook_message(&id, EVE_FROM, &entity);
        let m = Meta {
            twin: ENVELOPED_TWIN,
            ..outlook_meta(
                name,
                "Negative: the attacker's text, and the victim's earlier encrypted message attached as smime.p7m (REPLY decryption oracle)",
                "Müller et al. 2019, REPLY attacks (Covert-Content-Attacks 01-enc/smime: reply-mix); sender-formats O3",
                "The EnvelopedData is a genuine Outlook one from dana to robin (AES-256-CBC), lifted by the attacker into a multipart/mixed of her own. It is a part, not the message: a client that decrypts it into the body quotes dana's text in robin's reply to eve.",
            )
        };
        let layer = ExpectLayer {
            part: Some("2".to_owned()),
            cipher: Some("aes-256-cbc".to_owned()),
            decrypted: Some(true),
            recipients: Some(2),
            ..ExpectLayer::new(named("smime-enveloped"))
        };
        let mut s = sidecar(
            &m,
            EVE,
            vec![layer],
            &["x509/robin-enterprise.key.pem"],
            &[],
        );
        s.id = id.clone();
        s.provenance.url = URL_REPLY_REPO.to_owned();
        out.push((s, eml));
    }

    // UI redressing (Müller et al. 2019, 05-ui, U1): no signature at all, an HTML body that
    // draws a "signed and verified" banner of its own above the attacker's text.
    {
        let name = "html-signature-banner";
        let id = format!("{FAMILY}/{name}");
        let html = "<html><body><div style=\"border:1px solid #2e7d32;background:#e8f5e9;color:#1b5e20;padding:4px 8px;font:12px Segoe UI,sans-serif\">&#10004; Signed by dana@fabrikam.example. The digital signature is valid and trusted.</div><p>URGENT: our bank details changed. Pay the Northwind invoice to IBAN XX00 0000 0000 0000 0000 00 today.</p><p>Dana Whitfield<br>Fabrikam</p></body></html>";
        let entity = format!(
            "Content-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}\r\n"
        );
        let eml = outlook_message(&id, DANA_FROM, entity.as_bytes());
        let m = Meta {
            twin: HTML_TWIN,
            ..outlook_meta(
                name,
                "Negative: unsigned HTML that draws its own 'signed, valid and trusted' banner (UI redressing)",
                "Müller et al. UI redressing class (05-ui: U1)",
                "Nothing is signed: the banner is part of the attacker's HTML body. Only a client that shows signature status inside the body, where the sender's HTML can imitate it, is fooled.",
            )
        };
        let mut s = sidecar(&m, DANA, Vec::new(), &[], &[]);
        s.provenance.url = format!("{URL_JOHNNY_REPO}/05-ui");
        out.push((s, eml));
    }

    // REPLY attacks' signing oracle (Müller et al., "Re: What's Up Johnny?", 2019): an
    // innocent-looking HTML message whose stylesheet hides a paragraph behind a conditional
    // rule. A reply that keeps the original's styles keeps the paragraph hidden from the
    // victim, who then signs it along with her answer.
    {
        let name = "html-covert-css";
        let id = format!("{REPLY_FAMILY}/{name}");
        let html = "<html><head><style>@media (min-width:1px){.covert{display:none}}</style></head><body><p>Hi Robin, could you confirm you received the delivery schedule? A short reply is fine.</p><p>Dana</p><p class=\"covert\">I, Robin Marsh, authorise Fabrikam to debit 250,000 EUR from the Northwind account.</p></body></html>";
        let entity = format!(
            "Content-Type: text/html; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{html}\r\n"
        );
        let eml = outlook_message(&id, DANA_FROM, entity.as_bytes());
        let m = Meta {
            twin: HTML_TWIN,
            ..outlook_meta(
                name,
                "Negative: HTML whose stylesheet hides a paragraph behind a conditional CSS rule (REPLY signing oracle)",
                "Müller et al. 2019, REPLY attacks (Covert-Content-Attacks 02-sig: conditional rules)",
                "Unsigned; the hidden paragraph is what the attacker wants signed. The verdict's quote_keeps_styles says whether the client's reply keeps the rule (and so hides the paragraph from the user who signs the reply).",
            )
        };
        let mut s = sidecar(&m, DANA, Vec::new(), &[], &[]);
        s.id = id.clone();
        s.provenance.url = URL_REPLY_REPO.to_owned();
        out.push((s, eml));
    }
    Ok(out)
}

/// The attacker's bait: a short request to reply, then blank lines that push whatever follows
/// out of view (the REPLY attacks' reply-mix messages).
fn reply_bait_entity() -> Vec<u8> {
    let mut text = String::from(
        "Hi Robin,\r\n\r\nCould you reply to confirm you got this? Thanks.\r\n\r\nEve\r\n",
    );
    text.push_str(&".\r\n".repeat(40));
    outlook_text_entity(&text)
}

// ---------------------------------------------------------------------------------------
// OpenPGP (Proton PGP/MIME wire form, sender-formats P2)

fn proton_meta<'a>(name: &'a str, title: &'a str, reference: &'a str, note: &'a str) -> Meta<'a> {
    Meta {
        name,
        title,
        product: "Proton Mail (web)",
        setting: "Sign external messages: on; PGP/MIME (signature reused by an attacker)",
        reference,
        note,
        twin: PGP_TWIN,
    }
}

/// A Proton top-level message around `entity` (headers + body).
fn proton_wrapped(seed: &str, from: &str, entity: &[u8]) -> Vec<u8> {
    let (headers, body) = split_entity(entity);
    let ct = headers
        .strip_prefix("Content-Type: ")
        .unwrap_or(&headers)
        .to_owned();
    let h = ProtonHdr {
        seed,
        from,
        subject: PAT_SUBJECT,
        when: at(12, 10, 4, 41),
        era: Era::Current,
    };
    proton_message(&h, &ct, "", &String::from_utf8_lossy(&body))
}

/// A multipart/signed entity (headers + body) by `cert` over `inner` in Proton's form.
fn proton_signed_entity(
    cert: &Cert,
    seed: &str,
    inner: &str,
    extra_sigs: &[Vec<u8>],
) -> Result<Vec<u8>> {
    let when = at(12, 10, 4, 41);
    let sig = pgp::sign_detached(
        cert,
        SigStyle::ProtonV6,
        SignatureType::Text,
        HashAlgorithm::SHA512,
        when.unix(),
        inner.as_bytes(),
        seed,
    )?;
    let mut packets = pgp::signature_packet(&sig)?;
    for extra in extra_sigs {
        packets.extend_from_slice(extra);
    }
    let (ct, body) = proton_signed_envelope(
        seed,
        Era::Current,
        inner,
        &proton_sig_armor(&packets, Era::Current),
    );
    Ok(format!("Content-Type: {ct}\r\n\r\n{body}").into_bytes())
}

fn proton_attacker_leaf() -> Vec<u8> {
    proton_text_leaf(&ATTACKER_TEXT.replace("\r\n", "\n")).into_bytes()
}

fn pgp_samples(p: &Personas, eve: &Cert, pat_lookalike: &Cert) -> Result<Vec<(Sidecar, Vec<u8>)>> {
    let mut out = Vec::new();
    let pat_cert = ["openpgp/pat.pub.asc"];
    let pat_from = "Pat <pat@proton.example>";

    // Wrapping classes: prepended text, signed part as attachment, HTML hiding it.
    for (name, title, reference, note) in [
        (
            "pgp-unsigned-prepended",
            "Negative: unsigned text/plain BEFORE a genuine Proton multipart/signed",
            "Müller et al. MIME wrapping class (03-mime: prepended)",
            "The signature by pat is valid; it covers only the second part of the visible body.",
        ),
        (
            "pgp-signed-as-attachment",
            "Negative: unsigned text/plain, the genuine Proton multipart/signed attached",
            "Müller et al. MIME wrapping class (03-mime: signed part as attachment)",
            "The signed part carries Content-Disposition: attachment; the visible body is unsigned.",
        ),
        (
            "pgp-html-hides-signed",
            "Negative: unsigned HTML that hides the genuine Proton multipart/signed after it",
            "Müller et al. MIME wrapping class (03-mime: hidden signed part)",
            "The HTML opens a display:none block that swallows the signed part when inline parts are rendered together.",
        ),
        (
            "pgp-related-cid",
            "Negative: the attacker's HTML in a multipart/related, the genuine Proton multipart/signed referenced from it as a cid: image",
            "Müller et al. MIME wrapping class (03-mime: M3, hidden in related content)",
            "The cid: reference makes a client parse the signed part while showing only the attacker's HTML.",
        ),
    ] {
        let id = format!("{FAMILY}/{name}");
        let (entity, armor) = proton_signed_parts(p, &id, at(12, 10, 4, 41))?;
        let (ct, body) = proton_signed_envelope(&id, Era::Current, &entity, &armor);
        let signed = format!("Content-Type: {ct}\r\n\r\n{body}").into_bytes();
        let parts = match name {
            "pgp-signed-as-attachment" => {
                vec![proton_attacker_leaf(), as_attachment(&signed, "signed.eml")]
            }
            "pgp-html-hides-signed" => vec![attacker_hiding_html_entity(), signed],
            "pgp-related-cid" => vec![
                attacker_cid_html_entity("signed-part@proton.example"),
                with_header(&signed, "Content-ID: <signed-part@proton.example>"),
            ],
            _ => vec![proton_attacker_leaf(), signed],
        };
        let subtype = if name == "pgp-related-cid" {
            "related"
        } else {
            "mixed"
        };
        let wrapped = wrap(&id, subtype, &parts);
        let eml = proton_wrapped(&id, pat_from, &wrapped);
        let m = proton_meta(name, title, reference, note);
        out.push((
            sidecar(
                &m,
                PAT,
                vec![pgp_valid("2", PAT, true, false)],
                &[],
                &pat_cert,
            ),
            eml,
        ));
    }

    // Inline PGP, partly signed (Müller et al. 2019, 03-mime/m1-prepending-text): the
    // attacker's text in a part of its own before Pat's cleartext-signed part
    // (m1-pgp-inline.eml), or before the armor in the same text/plain body (m1-pgp-inline2.eml).
    for (name, title, note) in [
        (
            "pgp-inline-unsigned-part-prepended",
            "Negative: unsigned text/plain BEFORE a genuine Proton PGP/Inline cleartext-signed part",
            "The cleartext signature by pat in the second part is valid; it does not cover the first part.",
        ),
        (
            "pgp-inline-text-before-armor",
            "Negative: unsigned text BEFORE a genuine Proton PGP/Inline cleartext signature in the same text/plain body",
            "The cleartext signature by pat is valid; it does not cover the text before its armor.",
        ),
        (
            "pgp-inline-html-hides-signed",
            "Negative: unsigned HTML that hides the genuine Proton PGP/Inline cleartext-signed part after it",
            "The HTML opens a display:none block that swallows the signed text/plain part when inline parts are rendered together (m2-pgp-inline.eml).",
        ),
        (
            "pgp-inline-related-cid",
            "Negative: the attacker's HTML in a multipart/related, the genuine Proton PGP/Inline cleartext-signed part referenced from it as a cid: image",
            "The cid: reference makes a client parse the signed part while showing only the attacker's HTML (m3-pgp-inline.eml).",
        ),
        (
            "pgp-inline-signed-as-attachment",
            "Negative: unsigned text/plain, the genuine Proton PGP/Inline cleartext-signed part attached as signature.asc",
            "The signed part carries Content-Disposition: attachment; the visible body is unsigned (m4-pgp-inline.eml).",
        ),
    ] {
        let id = format!("{FAMILY}/{name}");
        let lines = [
            "Hi Robin,",
            "",
            "Confirming the delivery date: 12 June.",
            "",
            "Pat",
        ];
        let clear = pat_cleartext_signed(p, at(12, 10, 4, 41), &lines, &id)?;
        let signed_leaf = format!(
            "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain;charset=utf-8\r\n\r\n{}",
            wire::quoted_printable(&clear)
        )
        .into_bytes();
        let wrapped_parts = match name {
            "pgp-inline-unsigned-part-prepended" => {
                Some(("mixed", vec![proton_attacker_leaf(), signed_leaf]))
            }
            "pgp-inline-html-hides-signed" => {
                Some(("mixed", vec![attacker_hiding_html_entity(), signed_leaf]))
            }
            "pgp-inline-related-cid" => Some((
                "related",
                vec![
                    attacker_cid_html_entity("signed-part@proton.example"),
                    with_header(&signed_leaf, "Content-ID: <signed-part@proton.example>"),
                ],
            )),
            "pgp-inline-signed-as-attachment" => Some((
                "mixed",
                vec![
                    proton_attacker_leaf(),
                    as_attachment(&signed_leaf, "signature.asc"),
                ],
            )),
            _ => None,
        };
        let (eml, part) = if let Some((subtype, parts)) = wrapped_parts {
            let wrapped = wrap(&id, subtype, &parts);
            (proton_wrapped(&id, pat_from, &wrapped), "2")
        } else {
            let body = format!("{ATTACKER_TEXT}\r\n{clear}");
            let h = ProtonHdr {
                seed: &id,
                from: pat_from,
                subject: PAT_SUBJECT,
                when: at(12, 10, 4, 41),
                era: Era::Current,
            };
            let eml = proton_message(
                &h,
                "text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable\r\n",
                &wire::quoted_printable(&body),
            );
            (eml, "")
        };
        let m = Meta {
            setting: "Sign external messages: on; PGP/Inline (signature reused by an attacker)",
            twin: "proton/pgp-inline-signed",
            ..proton_meta(
                name,
                title,
                "Müller et al. MIME wrapping class (03-mime: M1, prepended text, Inline PGP)",
                note,
            )
        };
        let layer = ExpectLayer {
            digest: Some(Digest::Sha512),
            algorithm: Some(SignatureAlgorithm::Eddsa),
            ..signed_layer(
                "pgp-signed",
                "inline",
                part,
                Some("valid"),
                Some(PAT),
                Some(true),
                Some(false),
            )
        };
        out.push((sidecar(&m, PAT, vec![layer], &[], &pat_cert), eml));
    }

    // multipart/alternative: unsigned text/plain, signed text/html.
    {
        let name = "pgp-html-alternative";
        let id = format!("{FAMILY}/{name}");
        let html = "<div style=\"font-family: Arial, sans-serif; font-size: 14px;\">Hi Robin,</div><div style=\"font-family: Arial, sans-serif; font-size: 14px;\">The Q3 figures are below, please check the totals before Friday.</div><div>Pat</div>";
        let html_leaf = format!(
            "Content-Transfer-Encoding: base64\r\nContent-Type: text/html;charset=utf-8\r\n\r\n{}",
            wire::base64_lines(html.as_bytes())
        );
        let inner = proton_multipart(&id, "mixed", "mixed", &[html_leaf], "\r\n");
        let signed = proton_signed_entity(&p.pat, &id, &inner, &[])?;
        let wrapped = wrap(&id, "alternative", &[proton_attacker_leaf(), signed]);
        let eml = proton_wrapped(&id, pat_from, &wrapped);
        let m = proton_meta(
            name,
            "Negative: multipart/alternative with an unsigned text/plain and a signed text/html (PGP/MIME)",
            "Müller et al. MIME wrapping class (03-mime: alternative parts)",
            "A reader preferring text/plain shows the unsigned attacker text; the signature covers only the HTML alternative.",
        );
        out.push((
            sidecar(
                &m,
                PAT,
                vec![pgp_valid("2", PAT, true, false)],
                &[],
                &pat_cert,
            ),
            eml,
        ));
    }

    // Two signature packets: pat's valid one and eve's over other content.
    {
        let name = "pgp-multiple-signatures";
        let id = format!("{FAMILY}/{name}");
        let inner = proton_text_entity(&id, PAT_TEXT);
        let other = proton_text_entity(&id, &ATTACKER_TEXT.replace("\r\n", "\n"));
        let eve_sig = pgp::sign_detached(
            eve,
            SigStyle::ProtonV6,
            SignatureType::Text,
            HashAlgorithm::SHA512,
            at(12, 10, 4, 41).unix(),
            other.as_bytes(),
            &id,
        )?;
        let extra = pgp::signature_packet(&eve_sig)?;
        let signed = proton_signed_entity(&p.pat, &id, &inner, &[extra])?;
        let eml = proton_wrapped(&id, pat_from, &signed);
        let m = proton_meta(
            name,
            "Negative: signature.asc with two signatures, pat's valid one and eve's over other content",
            "Müller et al. CMS class (01-cms: multiple signers); RFC 3156 §5",
            "Both keys are given to inspect; eve's signature does not verify over this content, so the layer is invalid.",
        );
        let layer = signed_layer("pgp-signed", "mime", "", Some("invalid"), None, None, None);
        out.push((
            sidecar(
                &m,
                PAT,
                vec![layer],
                &[],
                &["openpgp/pat.pub.asc", "spoofing/eve.pub.asc"],
            ),
            eml,
        ));
    }

    // Two signature packets that both verify: pat's and eve's over the same content.
    {
        let name = "pgp-two-valid-signatures";
        let id = format!("{FAMILY}/{name}");
        let inner = proton_text_entity(&id, PAT_TEXT);
        let eve_sig = pgp::sign_detached(
            eve,
            SigStyle::ProtonV6,
            SignatureType::Text,
            HashAlgorithm::SHA512,
            at(12, 10, 4, 41).unix(),
            inner.as_bytes(),
            &id,
        )?;
        let extra = pgp::signature_packet(&eve_sig)?;
        let signed = proton_signed_entity(&p.pat, &id, &inner, &[extra])?;
        let eml = proton_wrapped(&id, pat_from, &signed);
        let m = proton_meta(
            name,
            "Negative: signature.asc with two valid signatures over the same content, pat's and eve's",
            "Müller et al. CMS class (01-cms: multiple signers); RFC 3156 §5",
            "Both keys are given to inspect and both signatures verify. The facts carry one signer and signer_count = 2; which signer is reported is not asserted here.",
        );
        let layer = signed_layer(
            "pgp-signed",
            "mime",
            "",
            Some("valid"),
            None,
            None,
            Some(true),
        );
        out.push((
            sidecar(
                &m,
                PAT,
                vec![layer],
                &[],
                &["openpgp/pat.pub.asc", "spoofing/eve.pub.asc"],
            ),
            eml,
        ));
    }

    // The PGP analog of eContent confusion: signature.asc holds a complete signed OpenPGP
    // message (one-pass signature, literal data with pat's genuine text, signature), not a
    // detached signature; the displayed first part is the attacker's.
    {
        let name = "pgp-signature-carries-message";
        let id = format!("{FAMILY}/{name}");
        let shown = proton_text_entity(&id, &ATTACKER_TEXT.replace("\r\n", "\n"));
        let packets = signed_message_packets(&p.pat, &id, &crlf_text(PAT_TEXT))?;
        let (ct, body) = proton_signed_envelope(
            &id,
            Era::Current,
            &shown,
            &proton_sig_armor(&packets, Era::Current),
        );
        let signed = format!("Content-Type: {ct}\r\n\r\n{body}").into_bytes();
        let eml = proton_wrapped(&id, pat_from, &signed);
        let m = proton_meta(
            name,
            "Negative: PGP/MIME whose signature.asc is a whole signed message (pat's genuine text) while the first part shows the attacker's",
            "Müller et al. CMS class (01-cms: CMS/OpenPGP content confusion); RFC 3156 §5",
            "The signature part is a one-pass-signed OpenPGP message whose literal data is pat's text: valid on its own, but it does not sign the displayed part. Whatever the verdict, it must not be valid over the whole visible body.",
        );
        let layer = signed_layer("pgp-signed", "mime", "", None, None, None, None);
        out.push((sidecar(&m, PAT, vec![layer], &[], &pat_cert), eml));
    }

    // A signature.asc with no signature packet at all.
    {
        let name = "pgp-no-signature-packets";
        let id = format!("{FAMILY}/{name}");
        let inner = proton_text_entity(&id, &ATTACKER_TEXT.replace("\r\n", "\n"));
        let (ct, body) = proton_signed_envelope(
            &id,
            Era::Current,
            &inner,
            &proton_sig_armor(&[], Era::Current),
        );
        let signed = format!("Content-Type: {ct}\r\n\r\n{body}").into_bytes();
        let eml = proton_wrapped(&id, pat_from, &signed);
        let m = proton_meta(
            name,
            "Negative: PGP/MIME multipart/signed whose signature.asc holds no signature",
            "Müller et al. CMS class (01-cms: no signers); RFC 3156 §5",
            "An empty armored PGP SIGNATURE block: nothing is signed.",
        );
        let layer = signed_layer(
            "pgp-signed",
            "mime",
            "",
            Some("unverifiable"),
            None,
            None,
            None,
        );
        out.push((sidecar(&m, PAT, vec![layer], &[], &pat_cert), eml));
    }

    // Identity confusion.
    let cases: [PgpIdentityCase; 4] = [
        (
            "pgp-sender-header",
            "CEO <ceo@proton.example>",
            "ceo@proton.example",
            Some("Sender: Pat <pat@proton.example>"),
            &p.pat,
            PAT,
            "openpgp/pat.pub.asc",
            false,
            "Negative: From the CEO, Sender: pat, signed by pat (PGP/MIME)",
            "Müller et al. ID binding class (04-id: Sender header).",
        ),
        (
            "pgp-two-from",
            "CEO <ceo@proton.example>, Pat <pat@proton.example>",
            "ceo@proton.example",
            None,
            &p.pat,
            PAT,
            "openpgp/pat.pub.asc",
            false,
            "Negative: two addresses in From (the CEO first), signed by pat (PGP/MIME)",
            "Müller et al. ID binding class (04-id: multiple From).",
        ),
        (
            "pgp-lookalike-uid",
            pat_from,
            PAT,
            None,
            pat_lookalike,
            PAT_LOOKALIKE,
            "spoofing/pat-lookalike.pub.asc",
            false,
            "Negative: From pat@proton.example, signed by a key whose User ID is pat@pr0ton.example",
            "Müller et al. ID binding class (04-id: lookalike User ID, zero for o). The key is given to inspect as if fetched from a keyserver.",
        ),
        (
            "pgp-display-name",
            "\"pat@proton.example\" <eve@evil.example>",
            EVE,
            None,
            eve,
            EVE,
            "spoofing/eve.pub.asc",
            true,
            "Negative: From \"pat@proton.example\" <eve@evil.example>, signed by eve (PGP/MIME)",
            "Müller et al. ID binding class (04-id: display-name confusion). eve signed and From is eve; only a client showing the display name is fooled.",
        ),
    ];
    for (name, from, from_addr, extra, cert, signer, key, matches, title, note) in cases {
        let id = format!("{FAMILY}/{name}");
        let inner = proton_text_entity(&id, PAT_TEXT);
        let signed = proton_signed_entity(cert, &id, &inner, &[])?;
        let mut eml = proton_wrapped(&id, from, &signed);
        if let Some(h) = extra {
            eml = insert_after_from(&eml, h);
        }
        let m = proton_meta(
            name,
            title,
            "Müller et al. ID binding class (04-id); sender-formats P2",
            note,
        );
        out.push((
            sidecar(
                &m,
                from_addr,
                vec![pgp_valid("", signer, matches, true)],
                &[],
                &[key],
            ),
            eml,
        ));
    }

    // REPLY attacks' decryption oracle, OpenPGP: pat's earlier PGP/MIME encrypted message
    // to robin rides as a multipart/encrypted part beside the attacker's text.
    {
        let name = "pgp-encrypted-beside-text";
        let id = format!("{REPLY_FAMILY}/{name}");
        let when = at(12, 10, 4, 41);
        let payload = proton_text_entity(&id, PAT_TEXT);
        let ciphertext = pgp::encrypt(&pgp::EncryptRecipe {
            seed: &id,
            recipients: &[&p.robin, &p.pat],
            signer: Some((
                &p.pat,
                when.unix(),
                HashAlgorithm::SHA512,
                SigStyle::ProtonV6,
            )),
            compress: true,
            format: sequoia_openpgp::types::DataFormat::Unicode,
            filename: None,
            plaintext: payload.as_bytes(),
            container: pgp::Container::SeipdV1,
        })?;
        let armor = wire::armor("PGP MESSAGE", &[("Version", "ProtonMail")], &ciphertext);
        let b = format!("------{}", wire::hex_token(&id, "encrypted", 64));
        let encrypted = format!(
            "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\"\r\n\r\n\
             This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n\
             --{b}\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n\
             --{b}\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n{armor}\r\n\
             --{b}--\r\n"
        );
        let bait = proton_text_leaf(&format!(
            "Hi Robin,\n\nCould you reply to confirm you got this? Thanks.\n\nEve\n{}",
            ".\n".repeat(40)
        ))
        .into_bytes();
        let wrapped = wrap(&id, "mixed", &[bait, encrypted.into_bytes()]);
        let eml = proton_wrapped(&id, "Eve <eve@evil.example>", &wrapped);
        let m = Meta {
            twin: PGP_ENCRYPTED_TWIN,
            ..proton_meta(
                name,
                "Negative: the attacker's text, and the victim's earlier PGP/MIME encrypted message as a second part (REPLY decryption oracle)",
                "Müller et al. 2019, REPLY attacks (Covert-Content-Attacks 01-enc/pgp_mime: reply-mix); sender-formats P4",
                "The multipart/encrypted is a Proton one from pat to robin (signed inside), lifted by the attacker into a multipart/mixed of her own. It is a part, not the message: a client that decrypts it into the body quotes pat's text in robin's reply to eve.",
            )
        };
        let layers = vec![
            ExpectLayer {
                form: Some(named("mime")),
                part: Some("2".to_owned()),
                decrypted: Some(true),
                recipients: Some(2),
                ..ExpectLayer::new(named("pgp-encrypted"))
            },
            ExpectLayer {
                digest: Some(Digest::Sha512),
                algorithm: Some(SignatureAlgorithm::Eddsa),
                ..signed_layer(
                    "pgp-signed",
                    "mime",
                    "2.2.1",
                    Some("valid"),
                    Some(PAT),
                    Some(false),
                    Some(false),
                )
            },
        ];
        let mut s = sidecar(
            &m,
            EVE,
            layers,
            &["openpgp/robin.sec.asc"],
            &["openpgp/pat.pub.asc"],
        );
        s.id = id.clone();
        s.provenance.url = URL_REPLY_REPO.to_owned();
        out.push((s, eml));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Randomly composed messages for the independent cross-check (tests/crosscheck.rs)

/// One randomly composed message and the inputs `inspect` needs for it.
#[derive(Clone, Debug)]
pub struct RandomSample {
    /// `random/<n>-<what>`, naming the choices made.
    pub id: String,
    /// The message bytes.
    pub eml: Vec<u8>,
    /// Paths relative to `corpora/keys/`, as in a sidecar.
    pub inputs: InspectInputs,
}

/// `n` messages with digest, signer, attribute style, form, cipher and tampering drawn
/// from an RNG seeded with `seed` (signatures are deterministic and session keys derive from
/// each message's id, so every message is byte-stable). Built with the corpus builders,
/// persona keys only (none is created here: the corpus keys must exist).
pub fn random_samples(corpora: &Path, seed: u64, n: usize) -> Result<Vec<RandomSample>> {
    use rand::{RngExt as _, SeedableRng as _};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut personas = x509::load_or_create(corpora)?;
    let dir = keys_dir(corpora);
    for spec in X509_SPECS {
        let cert_path = dir.join(format!("{}.cert.pem", spec.name));
        let key_path = dir.join(format!("{}.key.pem", spec.name));
        personas.push(x509::load(spec, &cert_path, &key_path)?);
    }
    let ctx = Ctx {
        personas: &personas,
    };
    let pgp_personas = Personas::load_or_create(&corpora.join("keys").join("openpgp"))?;
    let eve_pgp = pgp::load_or_create(&dir, &PGP_SPECS[0])?;
    let smime_signers = [
        "dana",
        "dana-rsa3072",
        "dana-rsa4096",
        "dana-p256",
        "dana-p384",
        "owen",
        "tess",
        "ava",
        "gil",
        "eve",
    ];
    let pgp_signers: [(&str, &Cert, &str); 5] = [
        ("pat", &pgp_personas.pat, "openpgp/pat.pub.asc"),
        ("lee", &pgp_personas.lee, "openpgp/lee.pub.asc"),
        ("theo", &pgp_personas.theo, "openpgp/theo.pub.asc"),
        ("gus", &pgp_personas.gus, "openpgp/gus.pub.asc"),
        ("eve", &eve_pgp, "spoofing/eve.pub.asc"),
    ];
    let mut out = Vec::with_capacity(n);
    for i in 0..n.min(256) {
        let shape = rng.random_range(0..4u8);
        let tamper = rng.random_range(0..4u8) == 0;
        let text = format!(
            "Hi Robin,\r\n\r\nRandom cross-check message {i} (seed {seed}).\r\n\r\nRegards\r\n"
        );
        let entity = outlook_text_entity(&text);
        let (id, mut eml, inputs) = match shape {
            // S/MIME signed, clear or opaque, maybe wrapped in EnvelopedData.
            0 | 1 => {
                let signer = smime_signers[rng.random_range(0..smime_signers.len())];
                let digest = match signer {
                    "dana-p256" => DigestAlg::Sha256,
                    "dana-p384" => DigestAlg::Sha384,
                    _ => [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha384]
                        [rng.random_range(0..3usize)],
                };
                let style = [
                    cms::AttrStyle::Outlook,
                    cms::AttrStyle::Nss,
                    cms::AttrStyle::Apple,
                    cms::AttrStyle::Minimal,
                ][rng.random_range(0..4usize)];
                let opaque = rng.random_bool(0.5);
                let id = format!(
                    "random/{i}-smime-{signer}-{}-{}{}",
                    digest.name(),
                    if opaque { "opaque" } else { "clear" },
                    if tamper { "-tampered" } else { "" }
                );
                let when = When::of(&id).signing_time();
                let mut req = outlook_sign(&ctx, &id, "dana", digest, &entity, &when)?;
                req.signer = ctx.p(signer)?;
                req.certs = issued_chain(&ctx, signer)?;
                req.attrs = style;
                req.encapsulate = opaque;
                let der_sd = cms::signed_data(&req)?;
                let sd = if rng.random_bool(0.5) {
                    ber::to_outlook_ber(&der_sd)?
                } else {
                    der_sd
                };
                // Tampering changes one byte of the signed text after signing ("Random" ->
                // "Rbndom"): in the eContent of an opaque SignedData, in the displayed part
                // of a clear one; before any encryption so it survives it.
                let (sd, entity) = if tamper {
                    (
                        replace_once(&sd, b"Random cross", b"Rbndom cross"),
                        replace_once(&entity, b"Random cross", b"Rbndom cross"),
                    )
                } else {
                    (sd, entity.clone())
                };
                let signed_entity = if opaque {
                    let mut e = lines(
                        &pkcs7_mime_part_headers("application/pkcs7-mime", Some("signed-data"))
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                    )
                    .into_bytes();
                    e.extend_from_slice(b"\r\n");
                    e.extend_from_slice(mail::base64_lines(&sd).as_bytes());
                    e.extend_from_slice(b"\r\n");
                    e
                } else {
                    outlook_signed_entity(&id, digest, &entity, &sd)
                };
                if shape == 1 {
                    let robin = ["robin-enterprise", "robin-public"][rng.random_range(0..2usize)];
                    let gcm = rng.random_bool(0.3);
                    let cipher =
                        [cms::Cipher::Aes256Cbc, cms::Cipher::TdesCbc][rng.random_range(0..2usize)];
                    let mut cek_rng = cms::sample_rng(&format!("{id} seed {seed}"));
                    let env = if gcm {
                        cms::auth_enveloped_data(&signed_entity, &[ctx.p(robin)?], &mut cek_rng)?
                    } else {
                        cms::enveloped_data(
                            &signed_entity,
                            &[ctx.p(robin)?],
                            cipher,
                            cms::RecipientId::IssuerAndSerial,
                            &mut cek_rng,
                        )?
                    };
                    let smime_type = if gcm {
                        "authenveloped-data"
                    } else {
                        "enveloped-data"
                    };
                    let id = format!(
                        "{id}-in-{}-to-{robin}",
                        if gcm { "aes-256-gcm" } else { cipher.name() }
                    );
                    let headers =
                        pkcs7_mime_part_headers("application/pkcs7-mime", Some(smime_type));
                    let eml = outlook_p7m_eml(&id, DANA_FROM, SUBJECT, &headers, &env);
                    let inputs = InspectInputs {
                        keys: vec![format!("x509/{robin}.key.pem")],
                        certs: Vec::new(),
                    };
                    (id, eml, inputs)
                } else {
                    (
                        id.clone(),
                        outlook_message(&id, DANA_FROM, &signed_entity),
                        InspectInputs::default(),
                    )
                }
            }
            // PGP/MIME signed.
            2 => {
                let (name, cert, key) = pgp_signers[rng.random_range(0..pgp_signers.len())];
                let hash =
                    [HashAlgorithm::SHA256, HashAlgorithm::SHA512][rng.random_range(0..2usize)];
                let style = [SigStyle::ProtonV6, SigStyle::RnpOrGnupg][rng.random_range(0..2usize)];
                let id = format!(
                    "random/{i}-pgp-{name}-{hash:?}{}",
                    if tamper { "-tampered" } else { "" }
                );
                let inner = proton_text_entity(&id, &text.replace("\r\n", "\n"));
                let sig = pgp::sign_detached(
                    cert,
                    style,
                    SignatureType::Text,
                    hash,
                    at(20, 9, 0, 0).unix(),
                    inner.as_bytes(),
                    &id,
                )?;
                let packet = pgp::signature_packet(&sig)?;
                let (ct, body) = proton_signed_envelope(
                    &id,
                    Era::Current,
                    &inner,
                    &proton_sig_armor(&packet, Era::Current),
                );
                let signed = format!("Content-Type: {ct}\r\n\r\n{body}").into_bytes();
                let eml = proton_wrapped(&id, "Pat <pat@proton.example>", &signed);
                let inputs = InspectInputs {
                    keys: Vec::new(),
                    certs: vec![key.to_owned()],
                };
                (id, eml, inputs)
            }
            // PGP/MIME encrypted to robin, maybe signed inside.
            _ => {
                let signer = rng
                    .random_bool(0.5)
                    .then(|| pgp_signers[rng.random_range(0..pgp_signers.len())]);
                let id = format!(
                    "random/{i}-pgp-encrypted{}",
                    signer
                        .map(|s| format!("-signed-{}", s.0))
                        .unwrap_or_default()
                );
                let inner = proton_text_entity(&id, &text.replace("\r\n", "\n"));
                let recipients = [&pgp_personas.robin];
                let ciphertext = pgp::encrypt(&pgp::EncryptRecipe {
                    seed: &id,
                    recipients: &recipients,
                    signer: signer.map(|s| {
                        (
                            s.1,
                            at(20, 9, 0, 0).unix(),
                            HashAlgorithm::SHA256,
                            SigStyle::ProtonV6,
                        )
                    }),
                    compress: rng.random_bool(0.5),
                    format: sequoia_openpgp::types::DataFormat::Unicode,
                    filename: None,
                    plaintext: inner.as_bytes(),
                    container: pgp::Container::SeipdV1,
                })?;
                let armor = wire::armor("PGP MESSAGE", &[], &ciphertext);
                let parts = super::pgp_corpus::samples::tb_encrypted_parts(&armor);
                let b = wrapper_boundary(&id, "encrypted");
                let mut entity = format!(
                    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\"\r\n\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                );
                for part in &parts {
                    entity.push_str(&format!("--{b}\r\n{part}"));
                }
                entity.push_str(&format!("--{b}--\r\n"));
                let eml = proton_wrapped(&id, "Pat <pat@proton.example>", entity.as_bytes());
                let inputs = InspectInputs {
                    keys: vec!["openpgp/robin.sec.asc".to_owned()],
                    certs: signer.map(|s| vec![s.2.to_owned()]).unwrap_or_default(),
                };
                (id, eml, inputs)
            }
        };
        // PGP/MIME signed: tamper with the signed text on the wire.
        if tamper && shape == 2 {
            let text = String::from_utf8_lossy(&eml).replacen("Random cross", "Rbndom cross", 1);
            eml = text.into_bytes();
        }
        out.push(RandomSample { id, eml, inputs });
    }
    Ok(out)
}

/// `hay` with the first `from` replaced by `to` (same length, so DER lengths stay right).
fn replace_once(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = hay.to_vec();
    if from.len() == to.len()
        && let Some(pos) = hay.windows(from.len()).position(|w| w == from)
    {
        out[pos..pos + to.len()].copy_from_slice(to);
    }
    out
}

/// CRLF line ends for a text the personas write with LF.
fn crlf_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A signed OpenPGP message (RFC 9580 §10.3: one-pass signature, literal data, signature)
/// over `text`, as packets. The signature is [`pgp::sign_detached`]'s (deterministic), in
/// text mode over the literal's CRLF body, so the message verifies on its own.
fn signed_message_packets(cert: &Cert, seed: &str, text: &str) -> Result<Vec<u8>> {
    use sequoia_openpgp::packet::{Literal, OnePassSig, Packet, one_pass_sig::OnePassSig3};
    use sequoia_openpgp::serialize::MarshalInto as _;
    let err = |e: sequoia_openpgp::anyhow::Error| Error::Generate {
        what: "signed message".into(),
        message: format!("{e:#}"),
    };
    let sig = pgp::sign_detached(
        cert,
        SigStyle::ProtonV6,
        SignatureType::Text,
        HashAlgorithm::SHA512,
        at(12, 10, 4, 41).unix(),
        text.as_bytes(),
        seed,
    )?;
    let mut ops = OnePassSig3::try_from(&sig).map_err(err)?;
    ops.set_last(true);
    let mut literal = Literal::new(sequoia_openpgp::types::DataFormat::Unicode);
    literal.set_body(text.as_bytes().to_vec());
    literal
        .set_date(Some(pgp::system_time(at(12, 10, 4, 41).unix())))
        .map_err(err)?;
    let mut out = Packet::from(OnePassSig::from(ops)).to_vec().map_err(err)?;
    out.extend(Packet::from(literal).to_vec().map_err(err)?);
    out.extend(pgp::signature_packet(&sig)?);
    Ok(out)
}
