//! The S/MIME and Microsoft part of the sender corpus: the X.509 personas and the samples of
//! the `outlook/`, `owa/`, `microsoft/`, `thunderbird/smime-*`, `apple/smime-*` and `others/`
//! families, each written byte for byte after research/sender-formats.md (section named in
//! every sidecar) with a sidecar made from the same recipe.
//!
//! CMS is built from the `cms` types (`cms.rs`); Outlook's BER form is the one re-encoding
//! by hand (`ber.rs`).
//!
//! Determinism: Date, signingTime, Message-ID, Thread-Index and boundaries derive from the
//! sample id; RSA PKCS#1 v1.5 and RFC 6979 ECDSA signatures are deterministic; session keys
//! come from an RNG seeded with the sample id. Running the generator twice writes the same
//! bytes.

pub(crate) mod ber;
pub(crate) mod cms;
pub mod keys;
pub(crate) mod mail;

use std::path::Path;

use crate::error::{Error, Result};
use crate::named;
use cms::{AttrStyle, Cipher, DigestAlg, RecipientId, SignRequest};
use keys::{Persona, PrivateKey};
use mail::{When, base64_lines, lines};
use replymatrix::corpus::{
    Control, Expect, ExpectLayer, InspectInputs, Provenance, ProvenanceConfidence, SenderInfo,
    Sidecar,
};
use replymatrix::facts::{LayerForm, LayerKind, SignatureStatus};

/// Writes this part of the corpus below `corpora`; returns the sample ids written.
pub fn generate(corpora: &Path) -> Result<Vec<String>> {
    let personas = keys::load_or_create(corpora)?;
    let readme = keys::dir(corpora).join("README.md");
    std::fs::write(&readme, keys::readme()).map_err(|e| Error::io(&readme, e))?;
    let ctx = Ctx {
        personas: &personas,
    };
    let samples = all_samples(&ctx)?;
    let senders = corpora.join("senders");
    let mut ids = Vec::new();
    for sample in samples {
        let eml = senders.join(format!("{}.eml", sample.sidecar.id));
        let toml_path = senders.join(format!("{}.toml", sample.sidecar.id));
        if let Some(parent) = eml.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&eml, &sample.eml).map_err(|e| Error::io(&eml, e))?;
        let text = toml::to_string(&sample.sidecar).map_err(|e| Error::Generate {
            what: sample.sidecar.id.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&toml_path, text).map_err(|e| Error::io(&toml_path, e))?;
        ids.push(sample.sidecar.id);
    }
    Ok(ids)
}

/// One generated sample.
pub struct Sample {
    /// The sidecar written beside it.
    pub sidecar: Sidecar,
    /// The message bytes.
    pub eml: Vec<u8>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) personas: &'a [Persona],
}

impl Ctx<'_> {
    pub(crate) fn p(&self, name: &str) -> Result<&Persona> {
        self.personas
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::Generate {
                what: "persona".into(),
                message: format!("no persona {name}"),
            })
    }

    /// The persona, its issuing CA and the root: Outlook carries the full chain (O1).
    pub(crate) fn chain(&self, name: &str) -> Result<Vec<&Persona>> {
        let mut out = vec![self.p(name)?];
        let mut current = name.to_owned();
        for _ in 0..4 {
            let spec = keys::SPECS.iter().find(|s| s.name == current);
            match spec.and_then(|s| s.issuer) {
                Some(issuer) => {
                    out.push(self.p(issuer)?);
                    current = issuer.to_owned();
                }
                None => break,
            }
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Provenance

const URL_MS_OXOSMIME: &str = "https://docs.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxosmime/58b44f9e-af38-4068-b100-fcfc8fae91a1";
const URL_GRADENEGGER: &str = "https://www.gradenegger.eu/en/microsoft-outlook-control-the-encryption-algorithm-used-for-s-mime-certificates/";
const URL_SET_SMIMECONFIG: &str =
    "https://learn.microsoft.com/powershell/module/exchangepowershell/set-smimeconfig";
const URL_TB_NSS: &str = "https://github.com/mozilla/releases-comm-central/blob/master/mailnews/test/data/smime/alice.dsig.SHA256.multipart.eml";
const URL_RFC8551: &str = "https://www.rfc-editor.org/rfc/rfc8551";
/// The Suite B policy text (ECDH/ECMQV key agreement, ECDSA) of the catalogue's ECC row.
const URL_SUITE_B: &str = "https://uitranslation.com/?term=322fbae7315c&lang=de-de";
/// RFC 5753, ECC in CMS (ECDH key agreement recipients, §3.1, §7.2).
const URL_RFC8419: &str = "https://www.rfc-editor.org/rfc/rfc8419";
const URL_RFC5753: &str = "https://www.rfc-editor.org/rfc/rfc5753";
const URL_MIMEKIT_1149: &str = "https://github.com/jstedfast/MimeKit/issues/1149";
const URL_OME: &str = "https://doit.illinois.gov/services/catalog/collaboration/purview-message-encryption-overview.html";
const URL_RPMSG: &str = "https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxormms/1688a4e7-1cac-437d-9caa-ce4ae96c5716";
const URL_TNEF: &str =
    "https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxtnef/";

struct Meta<'a> {
    id: &'a str,
    title: &'a str,
    product: &'a str,
    version: &'a str,
    setting: &'a str,
    url: &'a str,
    seen: bool,
    reference: &'a str,
    note: Option<&'a str>,
}

fn sidecar(m: Meta, from: &str, keys: &[&str], layers: Vec<ExpectLayer>) -> Sidecar {
    Sidecar {
        id: m.id.to_owned(),
        title: m.title.to_owned(),
        sender: SenderInfo {
            product: m.product.to_owned(),
            version: m.version.to_owned(),
            setting: m.setting.to_owned(),
        },
        provenance: Provenance {
            url: m.url.to_owned(),
            confidence: if m.seen {
                ProvenanceConfidence::Seen
            } else {
                ProvenanceConfidence::Inferred
            },
            reference: Some(m.reference.to_owned()),
            note: m.note.map(str::to_owned),
        },
        pairs_with: None,
        control: Control::Positive,
        inspect: InspectInputs {
            keys: keys.iter().map(|k| format!("x509/{k}.key.pem")).collect(),
            certs: Vec::new(),
        },
        expect: Expect {
            from: Some(from.to_owned()),
            layers: Some(layers),
            problems: Vec::new(),
        },
    }
}

fn negative(mut s: Sidecar, twin: &str) -> Sidecar {
    s.control = Control::Negative;
    s.pairs_with = Some(twin.to_owned());
    s
}

fn paired(mut s: Sidecar, twin: &str) -> Sidecar {
    s.pairs_with = Some(twin.to_owned());
    s
}

/// Expectations of one S/MIME signed layer.
struct SignedExpect<'a> {
    form: &'a str,
    part: &'a str,
    status: &'a str,
    reason: Option<&'a str>,
    digest: Option<DigestAlg>,
    algorithm: Option<&'a str>,
    signer: Option<&'a str>,
    matches_from: Option<bool>,
    covers_whole_body: Option<bool>,
    certificates: Option<usize>,
    capabilities_empty: bool,
}

impl<'a> SignedExpect<'a> {
    fn valid(
        form: &'a str,
        part: &'a str,
        digest: DigestAlg,
        alg: &'a str,
        signer: &'a str,
    ) -> Self {
        Self {
            form,
            part,
            status: "valid",
            reason: None,
            digest: Some(digest),
            algorithm: Some(alg),
            signer: Some(signer),
            matches_from: Some(true),
            covers_whole_body: None,
            certificates: None,
            capabilities_empty: false,
        }
    }

    fn layer(self) -> ExpectLayer {
        ExpectLayer {
            form: Some(named(self.form)),
            part: Some(self.part.into()),
            status: Some(named(self.status)),
            reason: self.reason.map(named),
            digest: self.digest.map(|d| named(d.name())),
            algorithm: self.algorithm.map(named),
            signer: self.signer.map(str::to_owned),
            signer_matches_from: self.matches_from,
            covers_whole_body: self.covers_whole_body,
            certificates: self.certificates,
            capabilities: if self.capabilities_empty {
                Some(Vec::new())
            } else {
                None
            },
            ..ExpectLayer::new(LayerKind::SmimeSigned)
        }
    }
}

fn enveloped_layer(
    kind: &str,
    form: &str,
    part: &str,
    cipher: &str,
    recipients: usize,
) -> ExpectLayer {
    // Enveloped layers have no wire form in replymatrix.inspect/1 (only signed and OpenPGP
    // layers do), so `form` is asserted only where the interface defines one.
    let _ = form;
    ExpectLayer {
        form: None,
        part: Some(part.into()),
        cipher: Some(cipher.into()),
        decrypted: Some(true),
        recipients: Some(recipients),
        ..ExpectLayer::new(named(kind))
    }
}

fn wrapper_layer(kind: &str) -> ExpectLayer {
    ExpectLayer::new(named(kind))
}

// ---------------------------------------------------------------------------------------
// Entities

pub(crate) const DANA_TEXT: &str = "Hi Robin,\r\n\r\nThe signed quote for the Northwind order is attached to our portal. Please\r\nconfirm the delivery date by Friday.\r\n\r\nBest regards,\r\nDana Whitfield\r\nFabrikam\r\n";

/// Outlook's text/plain entity (O1: `text/plain;` TAB-folded charset, 7bit).
pub(crate) fn outlook_text_entity(text: &str) -> Vec<u8> {
    format!(
        "{}{text}",
        lines(&[
            "Content-Type: text/plain;",
            "\tcharset=\"us-ascii\"",
            "Content-Transfer-Encoding: 7bit",
            "",
        ])
    )
    .into_bytes()
}

/// Outlook's multipart/alternative entity (O1: `----=_NextPart_001_…`, text + HTML).
fn outlook_alternative_entity(id: &str, text: &str) -> Vec<u8> {
    let b = mail::outlook_boundary(id, 1);
    let mut html = String::from(
        "<html xmlns:o=3D\"urn:schemas-microsoft-com:office:office\" xmlns:w=3D\"urn:schemas-microsoft-com:office:word\">\r\n<head>\r\n<meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3Dus-ascii\">\r\n<meta name=3D\"Generator\" content=3D\"Microsoft Word 15 (filtered medium)\">\r\n</head>\r\n<body lang=3D\"EN-US\" link=3D\"#0563C1\" vlink=3D\"#954F72\">\r\n<div class=3D\"WordSection1\">\r\n",
    );
    for para in text.split("\r\n").filter(|l| !l.is_empty()) {
        html.push_str(&format!(
            "<p class=3D\"MsoNormal\">{para}<o:p></o:p></p>\r\n"
        ));
    }
    html.push_str("</div>\r\n</body>\r\n</html>\r\n");
    let html: String = html
        .split("\r\n")
        .map(mail::qp_soft_wrap)
        .collect::<Vec<_>>()
        .join("\r\n");
    let mut out = lines(&[
        "Content-Type: multipart/alternative;",
        &format!("\tboundary=\"{b}\""),
        "",
        "",
        &format!("--{b}"),
        "Content-Type: text/plain;",
        "\tcharset=\"us-ascii\"",
        "Content-Transfer-Encoding: 7bit",
        "",
    ]);
    out.push_str(text);
    out.push_str(&lines(&[
        "",
        &format!("--{b}"),
        "Content-Type: text/html;",
        "\tcharset=\"us-ascii\"",
        "Content-Transfer-Encoding: quoted-printable",
        "",
    ]));
    out.push_str(&html);
    out.push_str(&lines(&["", &format!("--{b}--"), ""]));
    out.into_bytes()
}

/// Outlook's top-level headers, in the order an Exchange Online copy shows them (O1).
pub(crate) fn outlook_headers(
    id: &str,
    from: &str,
    subject: &str,
    content_type: &[&str],
) -> String {
    let when = When::of(id);
    let mut out = lines(&[
        &format!("From: {from}"),
        "To: Robin Marsh <robin@northwind.example>",
        &format!("Subject: {subject}"),
        &format!("Thread-Topic: {subject}"),
        &format!("Thread-Index: {}", mail::thread_index(id)),
        &format!("Date: {}", when.rfc5322()),
        &format!("Message-ID: {}", mail::exchange_message_id(id)),
        "Accept-Language: en-US",
        "Content-Language: en-US",
        "X-MS-Has-Attach: yes",
        "X-MS-TNEF-Correlator:",
    ]);
    out.push_str(&lines(content_type));
    out.push_str(&lines(&["MIME-Version: 1.0", ""]));
    out
}

fn outlook_micalg(digest: DigestAlg) -> &'static str {
    match digest {
        // O1: SHA-1-era token inferred to be "sha1".
        DigestAlg::Sha1 => "sha1",
        DigestAlg::Sha256 => "2.16.840.1.101.3.4.2.1",
        DigestAlg::Sha384 => "2.16.840.1.101.3.4.2.2",
        DigestAlg::Sha512 => "2.16.840.1.101.3.4.2.3",
    }
}

/// An Outlook `multipart/signed` entity's Content-Type header lines (O1).
pub(crate) fn outlook_signed_content_type(boundary: &str, digest: DigestAlg) -> Vec<String> {
    vec![
        "Content-Type: multipart/signed;".into(),
        "\tprotocol=\"application/x-pkcs7-signature\";".into(),
        format!("\tmicalg={};", outlook_micalg(digest)),
        format!("\tboundary=\"{boundary}\""),
    ]
}

/// The body of an Outlook multipart/signed: no preamble, the entity, the `smime.p7s` part
/// (O1: `application/pkcs7-signature` without `x-`, TAB-folded name/filename, base64 76).
pub(crate) fn outlook_signed_body(boundary: &str, entity: &[u8], p7s: &[u8]) -> Vec<u8> {
    let mut out = format!("--{boundary}\r\n").into_bytes();
    out.extend_from_slice(entity);
    out.extend_from_slice(
        lines(&[
            "",
            &format!("--{boundary}"),
            "Content-Type: application/pkcs7-signature;",
            "\tname=\"smime.p7s\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment;",
            "\tfilename=\"smime.p7s\"",
            "",
            &base64_lines(p7s),
            "",
            &format!("--{boundary}--"),
            "",
        ])
        .as_bytes(),
    );
    out
}

/// A complete multipart/signed entity (headers + body) as Outlook nests it (O4).
pub(crate) fn outlook_signed_entity(
    id: &str,
    digest: DigestAlg,
    entity: &[u8],
    p7s: &[u8],
) -> Vec<u8> {
    let b = mail::outlook_boundary(id, 0);
    let ct = outlook_signed_content_type(&b, digest);
    let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
    let mut out = lines(&refs).into_bytes();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&outlook_signed_body(&b, entity, p7s));
    out
}

/// Outlook's SignRequest defaults: full chain, Outlook attributes, detached.
pub(crate) fn outlook_sign<'a>(
    ctx: &'a Ctx,
    id: &'a str,
    signer: &'a str,
    digest: DigestAlg,
    content: &'a [u8],
    when: &'a str,
) -> Result<SignRequest<'a>> {
    let _ = id;
    Ok(SignRequest {
        signer: ctx.p(signer)?,
        digest,
        signing_time: when,
        attrs: AttrStyle::Outlook,
        encryption_cert: None,
        certs: ctx.chain(signer)?,
        content,
        encapsulate: false,
        drop_signer_infos: false,
    })
}

pub(crate) fn outlook_p7s(req: &SignRequest) -> Result<Vec<u8>> {
    ber::to_outlook_ber(&cms::signed_data(req)?)
}

pub(crate) fn pkcs7_mime_part_headers(content_type: &str, smime_type: Option<&str>) -> Vec<String> {
    let mut out = vec![format!("Content-Type: {content_type};")];
    if let Some(t) = smime_type {
        out.push(format!("\tsmime-type={t};"));
    }
    out.push("\tname=\"smime.p7m\"".into());
    out.push("Content-Transfer-Encoding: base64".into());
    out.push("Content-Disposition: attachment;".into());
    out.push("\tfilename=\"smime.p7m\"".into());
    out
}

fn key_algorithm(p: &Persona) -> &'static str {
    match p.key {
        PrivateKey::Rsa(_) => "rsa",
        PrivateKey::P256(_) | PrivateKey::P384(_) | PrivateKey::P521(_) => "ecdsa",
        PrivateKey::Ed25519(_) => "ed25519",
    }
}

// ---------------------------------------------------------------------------------------
// Samples

const OUTLOOK: &str = "Outlook for Windows (Classic)";
const OUTLOOK_VERSION: &str = "16.0 (Microsoft 365)";
pub(crate) const DANA_FROM: &str = "Dana Whitfield <dana@fabrikam.example>";
const DANA: &str = "dana@fabrikam.example";

fn all_samples(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    out.extend(outlook_clear_signed(ctx)?);
    out.extend(outlook_opaque(ctx)?);
    out.extend(outlook_encrypted(ctx)?);
    out.extend(ecdh_recipients(ctx)?);
    out.extend(outlook_negative(ctx)?);
    out.extend(owa(ctx)?);
    out.extend(microsoft(ctx)?);
    out.extend(other_senders(ctx)?);
    Ok(out)
}

/// A plain Outlook clear-signed sample.
struct ClearSigned<'a> {
    name: &'a str,
    title: &'a str,
    signer: &'a str,
    from: &'a str,
    from_addr: &'a str,
    digest: DigestAlg,
    html: bool,
    setting: &'a str,
    note: Option<&'a str>,
    /// Override the carried certificates (`None`: the full chain).
    certs: Option<Vec<&'a str>>,
    encryption_cert: Option<&'a str>,
}

impl<'a> ClearSigned<'a> {
    fn new(name: &'a str, title: &'a str, signer: &'a str) -> Self {
        Self {
            name,
            title,
            signer,
            from: DANA_FROM,
            from_addr: DANA,
            digest: DigestAlg::Sha256,
            html: false,
            setting: "Add digital signature to outgoing messages; Send clear text signed message (default)",
            note: None,
            certs: None,
            encryption_cert: None,
        }
    }
}

/// Builds an Outlook clear-signed message; returns (eml, entity, p7s).
fn build_clear_signed(ctx: &Ctx, c: &ClearSigned, id: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let entity = if c.html {
        outlook_alternative_entity(id, DANA_TEXT)
    } else {
        outlook_text_entity(DANA_TEXT)
    };
    let when = When::of(id).signing_time();
    let mut req = outlook_sign(ctx, id, c.signer, c.digest, &entity, &when)?;
    if let Some(names) = &c.certs {
        req.certs = names.iter().map(|n| ctx.p(n)).collect::<Result<_>>()?;
    }
    if let Some(enc) = c.encryption_cert {
        req.encryption_cert = Some(ctx.p(enc)?);
    }
    let p7s = outlook_p7s(&req)?;
    let b = mail::outlook_boundary(id, 0);
    let ct = outlook_signed_content_type(&b, c.digest);
    let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
    let mut eml = outlook_headers(id, c.from, "Northwind order: delivery date", &refs).into_bytes();
    eml.extend_from_slice(&outlook_signed_body(&b, &entity, &p7s));
    Ok((eml, entity))
}

fn outlook_meta<'a>(
    id: &'a str,
    title: &'a str,
    setting: &'a str,
    note: Option<&'a str>,
) -> Meta<'a> {
    Meta {
        id,
        title,
        product: OUTLOOK,
        version: OUTLOOK_VERSION,
        setting,
        url: URL_MS_OXOSMIME,
        seen: true,
        reference: "sender-formats O1",
        note,
    }
}

fn outlook_clear_signed(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut variants = vec![
        ClearSigned {
            note: Some(
                "The canonical Outlook sample: BER indefinite-length SignedData, rsaEncryption, signed attributes in Outlook's order, full chain.",
            ),
            ..ClearSigned::new(
                "clear-signed-sha256",
                "Outlook clear-signed, SHA-256, full chain",
                "dana",
            )
        },
        ClearSigned {
            digest: DigestAlg::Sha1,
            setting: "Registry DefaultHashOID = SHA-1 (older builds' default)",
            note: Some("micalg token for SHA-1 is inferred (\"sha1\"), O1."),
            ..ClearSigned::new("clear-signed-sha1", "Outlook clear-signed, SHA-1", "dana")
        },
        ClearSigned {
            html: true,
            note: Some(
                "multipart/alternative (text + HTML, ----=_NextPart_001_) inside the signature.",
            ),
            ..ClearSigned::new(
                "clear-signed-html",
                "Outlook clear-signed HTML message",
                "dana",
            )
        },
        ClearSigned::new(
            "clear-signed-rsa4096",
            "Outlook clear-signed with an RSA-4096 certificate",
            "dana-rsa4096",
        ),
        ClearSigned::new(
            "clear-signed-p256",
            "Outlook clear-signed with an ECDSA P-256 certificate",
            "dana-p256",
        ),
        ClearSigned {
            digest: DigestAlg::Sha384,
            note: Some("ECDSA P-384 with SHA-384 (micalg OID 2.16.840.1.101.3.4.2.2)."),
            ..ClearSigned::new(
                "clear-signed-p384",
                "Outlook clear-signed with an ECDSA P-384 certificate",
                "dana-p384",
            )
        },
        ClearSigned::new(
            "clear-signed-untrusted-root",
            "Outlook clear-signed, certificate from an untrusted root",
            "dana-untrusted",
        ),
        ClearSigned::new(
            "clear-signed-expired",
            "Outlook clear-signed with an expired certificate (2019-2021)",
            "dana-expired",
        ),
        ClearSigned::new(
            "clear-signed-not-yet-valid",
            "Outlook clear-signed with a not-yet-valid certificate (2030-2035)",
            "dana-not-yet-valid",
        ),
        ClearSigned::new(
            "clear-signed-self-signed",
            "Outlook clear-signed with a self-signed certificate",
            "dana-self-signed",
        ),
        ClearSigned::new(
            "clear-signed-no-eku",
            "Outlook clear-signed, certificate EKU clientAuth only",
            "dana-no-eku",
        ),
        ClearSigned::new(
            "clear-signed-address-mismatch",
            "Outlook clear-signed, certificate for dana.k@ while From is dana@",
            "dana-mismatch",
        ),
        ClearSigned {
            certs: Some(Vec::new()),
            note: Some(
                "SignedData without certificates; no certificate is given to inspect either.",
            ),
            ..ClearSigned::new(
                "clear-signed-no-certs",
                "Outlook clear-signed without certificates in the SignedData",
                "dana",
            )
        },
        ClearSigned {
            certs: Some(vec![
                "dana-sign",
                "dana-encrypt",
                "public-issuing-ca",
                "public-root-ca",
            ]),
            encryption_cert: Some("dana-encrypt"),
            note: Some(
                "Signing certificate dana-sign; both key-preference attributes name dana-encrypt; both carried.",
            ),
            ..ClearSigned::new(
                "clear-signed-separate-certs",
                "Outlook clear-signed with separate signing and encryption certificates",
                "dana-sign",
            )
        },
    ];
    let mut out = Vec::new();
    for c in variants.drain(..) {
        let id = format!("outlook/{}", c.name);
        let (eml, _) = build_clear_signed(ctx, &c, &id)?;
        let signer = ctx.p(c.signer)?;
        let signer_email = if c.signer == "dana-mismatch" {
            "dana.k@fabrikam.example"
        } else {
            DANA
        };
        let mut e = SignedExpect::valid("clear", "", c.digest, key_algorithm(signer), signer_email);
        e.covers_whole_body = Some(true);
        e.matches_from = Some(c.signer != "dana-mismatch");
        e.certificates = Some(match &c.certs {
            Some(v) => v.len(),
            None => ctx.chain(c.signer)?.len(),
        });
        if c.name == "clear-signed-no-certs" {
            e = SignedExpect {
                status: "unverifiable",
                reason: Some("signer-certificate-missing"),
                digest: None,
                algorithm: None,
                signer: None,
                matches_from: None,
                covers_whole_body: None,
                certificates: Some(0),
                ..e
            };
        }
        let mut s = sidecar(
            outlook_meta(&id, c.title, c.setting, c.note),
            c.from_addr,
            &[],
            vec![e.layer()],
        );
        if c.name == "clear-signed-sha256" {
            s = paired(s, "outlook/clear-signed-tampered-body");
        }
        out.push(Sample { sidecar: s, eml });
    }
    Ok(out)
}

fn outlook_opaque(ctx: &Ctx) -> Result<Vec<Sample>> {
    let variants: [(&str, &str, Option<&str>, &str, &str); 3] = [
        (
            "opaque-signed",
            "application/pkcs7-mime",
            Some("signed-data"),
            "Outlook opaque-signed (application/pkcs7-mime; smime-type=signed-data)",
            "MS-OXOSMIME §2.1.3.2 lists application/pkcs7-mime for .p7m.",
        ),
        (
            "opaque-signed-no-smime-type",
            "application/x-pkcs7-mime",
            None,
            "Outlook opaque-signed as application/x-pkcs7-mime without smime-type",
            "mutt crypt.c note: Outlook sends .p7m parts without smime-type.",
        ),
        (
            "opaque-signed-octet-stream",
            "application/octet-stream",
            None,
            "Outlook opaque-signed as application/octet-stream; name=\"smime.p7m\"",
            "MS-OXOSMIME §2.1.3.2: 'alternatively application/octet-stream … .p7m'.",
        ),
    ];
    let mut out = Vec::new();
    for (name, ct, smime_type, title, note) in variants {
        let id = format!("outlook/{name}");
        let entity = outlook_text_entity(DANA_TEXT);
        let when = When::of(&id).signing_time();
        let mut req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &entity, &when)?;
        req.encapsulate = true;
        let p7m = outlook_p7s(&req)?;
        let headers = pkcs7_mime_part_headers(ct, smime_type);
        let eml = outlook_p7m_eml(
            &id,
            DANA_FROM,
            "Northwind order: delivery date",
            &headers,
            &p7m,
        );
        let mut e = SignedExpect::valid("opaque", "", DigestAlg::Sha256, "rsa", DANA);
        e.certificates = Some(3);
        e.covers_whole_body = Some(true);
        let s = sidecar(
            Meta {
                url: URL_MS_OXOSMIME,
                seen: false,
                reference: "sender-formats O2",
                ..outlook_meta(
                    &id,
                    title,
                    "Send clear text signed message when sending signed messages: off",
                    Some(note),
                )
            },
            DANA,
            &[],
            vec![e.layer()],
        );
        out.push(Sample { sidecar: s, eml });
    }
    Ok(out)
}

/// A single-part Outlook message carrying a `.p7m` (O2/O3): the part headers join the top
/// headers, the base64 CMS is the body.
pub(crate) fn outlook_p7m_eml(
    id: &str,
    from: &str,
    subject: &str,
    part_headers: &[String],
    der: &[u8],
) -> Vec<u8> {
    let refs: Vec<&str> = part_headers.iter().map(String::as_str).collect();
    let mut eml = outlook_headers(id, from, subject, &refs);
    eml.push_str(&base64_lines(der));
    eml.push_str("\r\n\r\n");
    eml.into_bytes()
}

/// An Outlook enveloped message (O3 headers).
fn outlook_enveloped_eml(id: &str, subject: &str, p7m: &[u8]) -> Vec<u8> {
    let headers = pkcs7_mime_part_headers("application/pkcs7-mime", Some("enveloped-data"));
    outlook_p7m_eml(id, DANA_FROM, subject, &headers, p7m)
}

/// Mail to Robin's EC certificates: ECDH key agreement recipients (RFC 5753). Outlook with ECC
/// certificates under the Suite B policy (catalogue ECC row) on P-256 and P-384, with the
/// RFC 5008 §3 Suite B parameters (P-256: SHA-256 KDF, AES-128 wrap; P-384: SHA-384 KDF,
/// AES-256 wrap), each also to Dana's RSA certificate (one RSA and one EC recipient in one
/// message); and an S/MIME 4.0 sender's AES-256-GCM AuthEnvelopedData to P-521 with cofactor
/// DH and a ukm. The ephemeral keys and ukm come from the sample's seeded RNG.
fn ecdh_recipients(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for (name, robin, kari, title, note) in [
        (
            "enveloped-ecdh-p256",
            "robin-ecdh-p256",
            cms::Kari {
                kdf: DigestAlg::Sha256,
                cofactor: false,
                wrap_bits: 128,
                ukm: false,
            },
            "Outlook encrypted to an ECC (P-256) recipient and the sender's RSA certificate",
            "ECDH key agreement (dhSinglePass-stdDH-sha256kdf-scheme, AES-128 wrap: RFC 5008 §3 Suite B 128) to robin-ecdh-p256, RSA key transport to dana; AES-256-CBC content. The Suite B parameters are inferred from RFC 5008; no captured Outlook message. BER indefinite length.",
        ),
        (
            "enveloped-ecdh-p384",
            "robin-ecdh-p384",
            cms::Kari {
                kdf: DigestAlg::Sha384,
                cofactor: false,
                wrap_bits: 256,
                ukm: false,
            },
            "Outlook encrypted to an ECC (P-384) recipient and the sender's RSA certificate",
            "ECDH key agreement (dhSinglePass-stdDH-sha384kdf-scheme, AES-256 wrap: RFC 5008 §3 Suite B 192) to robin-ecdh-p384, RSA key transport to dana; AES-256-CBC content. Inferred from RFC 5008; no captured Outlook message. BER indefinite length.",
        ),
    ] {
        let id = format!("outlook/{name}");
        let entity = outlook_text_entity(DANA_TEXT);
        let mut rng = cms::sample_rng(&id);
        let env = cms::ecdh_enveloped_data(
            &entity,
            &[ctx.p(robin)?, ctx.p("dana")?],
            kari,
            false,
            &mut rng,
        )?;
        let eml = outlook_enveloped_eml(
            &id,
            "Northwind order: delivery date",
            &ber::to_outlook_ber(&env)?,
        );
        let s = sidecar(
            Meta {
                url: URL_SUITE_B,
                seen: false,
                reference: "microsoft-clients ECC (ECDH/ECDSA) row (Suite B policy, KB 9067236); RFC 5008 §3; RFC 5753 §3.1",
                ..outlook_meta(
                    &id,
                    title,
                    "Encrypt contents and attachments; ECC certificates (Suite B policy)",
                    Some(note),
                )
            },
            DANA,
            &[robin],
            vec![enveloped_layer(
                "smime-enveloped",
                "opaque",
                "",
                "aes-256-cbc",
                2,
            )],
        );
        out.push(Sample { sidecar: s, eml });
    }
    {
        let id = "others/auth-enveloped-ecdh-p521";
        let text = "Hi Robin,\r\n\r\nThis one is for your P-521 certificate (ECDH, AES-GCM).\r\n\r\nGil\r\n";
        let entity = format!(
            "{}{text}",
            lines(&[
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 7bit",
                ""
            ])
        );
        let mut rng = cms::sample_rng(id);
        let kari = cms::Kari {
            kdf: DigestAlg::Sha384,
            cofactor: true,
            wrap_bits: 256,
            ukm: true,
        };
        let env = cms::ecdh_enveloped_data(
            entity.as_bytes(),
            &[ctx.p("robin-ecdh-p521")?, ctx.p("gil")?],
            kari,
            true,
            &mut rng,
        )?;
        let eml = gil_auth_enveloped_message(id, "GCM to P-521", &env);
        out.push(Sample {
            sidecar: sidecar(
                Meta {
                    id,
                    title: "S/MIME 4.0 AuthEnvelopedData, AES-256-GCM, to an ECC (P-521) recipient",
                    product: "MimeKit-based sender (S/MIME 4.0)",
                    version: "2026",
                    setting: "Prefer AES-GCM (RFC 8551 §2.7); recipient with an ECC certificate",
                    url: URL_RFC5753,
                    seen: false,
                    reference: "RFC 5753 §3.1 (ECDH recipients), §7.2 (ukm as entityUInfo); RFC 5083; microsoft-clients AES-GCM row",
                    note: Some("ECDH key agreement (dhSinglePass-cofactorDH-sha384kdf-scheme, AES-256 wrap, 64-octet ukm) to robin-ecdh-p521, RSA key transport to gil; AES-256-GCM AuthEnvelopedData. Inferred from the RFCs; no captured message."),
                },
                "gil@gcm.example",
                &["robin-ecdh-p521"],
                vec![enveloped_layer("smime-auth-enveloped", "opaque", "", "aes-256-gcm", 2)],
            ),
            eml: eml.into_bytes(),
        });
    }
    {
        // RFC 8419: an Ed25519 signer, SHA-512 message digest, PureEdDSA over the signed
        // attributes. No Microsoft client's handling of it is documented.
        let id = "others/clear-signed-ed25519";
        let c = ClearSigned {
            digest: DigestAlg::Sha512,
            setting: "Sign with an Ed25519 certificate (RFC 8419)",
            ..ClearSigned::new(
                id,
                "S/MIME clear-signed with an Ed25519 certificate",
                "dana-ed25519",
            )
        };
        let (eml, _) = build_clear_signed(ctx, &c, id)?;
        let mut e = SignedExpect::valid("clear", "", c.digest, "ed25519", DANA);
        e.covers_whole_body = Some(true);
        e.matches_from = Some(true);
        e.certificates = Some(ctx.chain(c.signer)?.len());
        out.push(Sample {
            sidecar: sidecar(
                Meta {
                    id,
                    title: c.title,
                    product: "An RFC 8419 sender (OpenSSL 3.x with an Ed25519 certificate)",
                    version: "2026",
                    setting: c.setting,
                    url: URL_RFC8419,
                    seen: false,
                    reference: "RFC 8419 §3 (id-Ed25519, SHA-512 message digest); RFC 8410 (Ed25519 certificates)",
                    note: Some("dana-ed25519 signs (public issuing CA, RSA-signed certificate); the Outlook-style clear-signed layout. Inferred from the RFCs; no captured message, and no Microsoft document says what its clients do with it."),
                },
                DANA,
                &[],
                vec![e.layer()],
            ),
            eml,
        });
    }
    Ok(out)
}

/// Gil's AuthEnvelopedData message to Robin (the `others/auth-enveloped-*` samples): the
/// header fields, then the CMS as base64.
fn gil_auth_enveloped_message(id: &str, subject: &str, env: &[u8]) -> String {
    let when = When::of(id);
    let mut eml = lines(&[
        "From: Gil Navarro <gil@gcm.example>",
        "To: Robin Marsh <robin@northwind.example>",
        &format!("Subject: {subject}"),
        &format!("Date: {}", when.rfc5322()),
        &format!(
            "Message-ID: <{}@gcm.example>",
            mail::hex_lower(id, "message-id", 12)
        ),
        "MIME-Version: 1.0",
        "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data;",
        " name=smime.p7m",
        "Content-Disposition: attachment; filename=smime.p7m",
        "Content-Transfer-Encoding: base64",
        "",
    ]);
    eml.push_str(&base64_lines(env));
    eml.push_str("\r\n");
    eml
}

fn outlook_encrypted(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for (name, cipher, robin, title, setting, note) in [
        (
            "enveloped-aes256",
            Cipher::Aes256Cbc,
            "robin-enterprise",
            "Outlook encrypted, AES-256-CBC, to robin and to the sender",
            "Encrypt contents and attachments; M365 default AES-256",
            "Key transport RSA PKCS#1 v1.5 (inferred) to robin-enterprise and to dana herself (inferred, O3). BER indefinite length.",
        ),
        (
            "enveloped-3des",
            Cipher::TdesCbc,
            "robin-public",
            "Outlook encrypted, 3DES-CBC (2010/2013/2016 MSI default)",
            "Encrypt contents and attachments; MSI builds without KB4484511 default to 3DES",
            "Key transport RSA PKCS#1 v1.5 to robin-public and to dana. BER indefinite length.",
        ),
    ] {
        let id = format!("outlook/{name}");
        let entity = outlook_text_entity(DANA_TEXT);
        let mut rng = cms::sample_rng(&id);
        let env = cms::enveloped_data(
            &entity,
            &[ctx.p(robin)?, ctx.p("dana")?],
            cipher,
            RecipientId::IssuerAndSerial,
            &mut rng,
        )?;
        let eml = outlook_enveloped_eml(
            &id,
            "Northwind order: delivery date",
            &ber::to_outlook_ber(&env)?,
        );
        let s = sidecar(
            Meta {
                url: URL_GRADENEGGER,
                seen: false,
                reference: "sender-formats O3",
                ..outlook_meta(&id, title, setting, Some(note))
            },
            DANA,
            &[robin],
            vec![enveloped_layer(
                "smime-enveloped",
                "opaque",
                "",
                cipher.name(),
                2,
            )],
        );
        out.push(Sample { sidecar: s, eml });
    }

    // O4: EnvelopedData around a clear-signed multipart/signed entity.
    let id = "outlook/signed-then-encrypted";
    let entity = outlook_text_entity(DANA_TEXT);
    let when = When::of(id).signing_time();
    let req = outlook_sign(ctx, id, "dana", DigestAlg::Sha256, &entity, &when)?;
    let signed_entity = outlook_signed_entity(id, DigestAlg::Sha256, &entity, &outlook_p7s(&req)?);
    let mut rng = cms::sample_rng(id);
    let env = cms::enveloped_data(
        &signed_entity,
        &[ctx.p("robin-enterprise")?, ctx.p("dana")?],
        Cipher::Aes256Cbc,
        RecipientId::IssuerAndSerial,
        &mut rng,
    )?;
    let eml = outlook_enveloped_eml(
        id,
        "Northwind order: delivery date",
        &ber::to_outlook_ber(&env)?,
    );
    let mut inner = SignedExpect::valid("clear", "1", DigestAlg::Sha256, "rsa", DANA);
    inner.certificates = Some(3);
    inner.covers_whole_body = Some(true);
    let s = sidecar(
        Meta {
            url: URL_MS_OXOSMIME,
            seen: false,
            reference: "sender-formats O4",
            ..outlook_meta(
                id,
                "Outlook signed and encrypted: EnvelopedData around multipart/signed",
                "Encrypt + Add digital signature; clear text signed on",
                Some("Not triple-wrapped: no outer signature (O4, inferred)."),
            )
        },
        DANA,
        &["robin-enterprise"],
        vec![
            enveloped_layer("smime-enveloped", "opaque", "", "aes-256-cbc", 2),
            inner.layer(),
        ],
    );
    out.push(Sample { sidecar: s, eml });
    Ok(out)
}

fn outlook_negative(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    let twin = "outlook/clear-signed-sha256";

    // Tampered: one body byte changed after signing ("Friday" -> "Monday" is 3 bytes; change
    // one: "Friday" -> "Fridax").
    {
        let id = "outlook/clear-signed-tampered-body";
        let c = ClearSigned::new("clear-signed-tampered-body", "", "dana");
        let (eml, _) = build_clear_signed(ctx, &c, id)?;
        let text = String::from_utf8_lossy(&eml).replacen("by Friday.", "by Fridax.", 1);
        let mut e = SignedExpect::valid("clear", "", DigestAlg::Sha256, "rsa", DANA);
        e.status = "invalid";
        e.reason = Some("message-digest-mismatch");
        e.covers_whole_body = Some(true);
        let s = sidecar(
            outlook_meta(
                id,
                "Negative: Outlook clear-signed with one body byte changed after signing",
                "tampered in transit",
                Some("Twin of clear-signed-sha256; 'Friday' became 'Fridax' after signing."),
            ),
            DANA,
            &[],
            vec![e.layer()],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml: text.into_bytes(),
        });
    }

    // A valid signature by dana over other content, attached to this content.
    {
        let id = "outlook/clear-signed-other-content";
        let entity = outlook_text_entity(DANA_TEXT);
        let other = outlook_text_entity("Hi Robin,\r\n\r\nNo changes this week.\r\n\r\nDana\r\n");
        let when = When::of(id).signing_time();
        let req = outlook_sign(ctx, id, "dana", DigestAlg::Sha256, &other, &when)?;
        let p7s = outlook_p7s(&req)?;
        let b = mail::outlook_boundary(id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml =
            outlook_headers(id, DANA_FROM, "Northwind order: delivery date", &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &entity, &p7s));
        let mut e = SignedExpect::valid("clear", "", DigestAlg::Sha256, "rsa", DANA);
        e.status = "invalid";
        e.reason = Some("message-digest-mismatch");
        let s = sidecar(
            outlook_meta(
                id,
                "Negative: a genuine signature by dana made over different content",
                "signature transplanted",
                Some("The SignedData is valid over another text/plain entity."),
            ),
            DANA,
            &[],
            vec![e.layer()],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml,
        });
    }

    // Unsigned text beside the genuine multipart/signed entity.
    for (name, prepend) in [
        ("clear-signed-unsigned-prepended", true),
        ("clear-signed-unsigned-appended", false),
    ] {
        let id = format!("outlook/{name}");
        let entity = outlook_text_entity(DANA_TEXT);
        let when = When::of(&id).signing_time();
        let req = outlook_sign(ctx, &id, "dana", DigestAlg::Sha256, &entity, &when)?;
        let signed = outlook_signed_entity(&id, DigestAlg::Sha256, &entity, &outlook_p7s(&req)?);
        let unsigned = lines(&[
            "Content-Type: text/plain; charset=\"us-ascii\"",
            "Content-Transfer-Encoding: 7bit",
            "",
            "URGENT: our bank details changed. Pay the Northwind invoice to",
            "IBAN XX00 0000 0000 0000 0000 00 today.",
        ]);
        let wb = format!("=_mixed_{}", mail::hex_lower(&id, "boundary", 12));
        let mut body = Vec::new();
        let part = |body: &mut Vec<u8>, bytes: &[u8]| {
            body.extend_from_slice(format!("--{wb}\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        };
        if prepend {
            part(&mut body, unsigned.as_bytes());
            part(&mut body, &signed);
        } else {
            part(&mut body, &signed);
            part(&mut body, unsigned.as_bytes());
        }
        body.extend_from_slice(format!("--{wb}--\r\n").as_bytes());
        let ct = format!("Content-Type: multipart/mixed; boundary=\"{wb}\"");
        let mut eml =
            outlook_headers(&id, DANA_FROM, "Northwind order: delivery date", &[&ct]).into_bytes();
        eml.extend_from_slice(&body);
        let mut e = SignedExpect::valid(
            "clear",
            if prepend { "2" } else { "1" },
            DigestAlg::Sha256,
            "rsa",
            DANA,
        );
        e.covers_whole_body = Some(false);
        let title = if prepend {
            "Negative: unsigned text/plain BEFORE a genuine multipart/signed"
        } else {
            "Negative: unsigned text/plain AFTER a genuine multipart/signed"
        };
        let s = sidecar(
            outlook_meta(
                &id,
                title,
                "wrapped by an attacker or a gateway",
                Some("The signature is valid; it covers only one part of the visible body."),
            ),
            DANA,
            &[],
            vec![e.layer()],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml,
        });
    }

    // From a different address, signed by dana.
    {
        let id = "outlook/clear-signed-signer-not-from";
        let c = ClearSigned {
            from: "Fabrikam CEO <ceo@fabrikam.example>",
            from_addr: "ceo@fabrikam.example",
            ..ClearSigned::new("clear-signed-signer-not-from", "", "dana")
        };
        let (eml, _) = build_clear_signed(ctx, &c, id)?;
        let mut e = SignedExpect::valid("clear", "", DigestAlg::Sha256, "rsa", DANA);
        e.matches_from = Some(false);
        e.covers_whole_body = Some(true);
        let s = sidecar(
            outlook_meta(
                id,
                "Negative: From ceo@fabrikam.example, signed by dana",
                "spoofed From",
                Some("Cryptographically valid; the signer is not the From address."),
            ),
            "ceo@fabrikam.example",
            &[],
            vec![e.layer()],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml,
        });
    }

    // SignedData with an empty SignerInfos SET.
    {
        let id = "outlook/signed-no-signer-infos";
        let entity = outlook_text_entity(DANA_TEXT);
        let when = When::of(id).signing_time();
        let mut req = outlook_sign(ctx, id, "dana", DigestAlg::Sha256, &entity, &when)?;
        req.drop_signer_infos = true;
        let p7s = outlook_p7s(&req)?;
        let b = mail::outlook_boundary(id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml =
            outlook_headers(id, DANA_FROM, "Northwind order: delivery date", &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &entity, &p7s));
        let e = ExpectLayer {
            form: Some(LayerForm::Clear),
            part: Some(String::new()),
            status: Some(SignatureStatus::Invalid),
            certificates: Some(3),
            ..ExpectLayer::new(LayerKind::SmimeSigned)
        };
        let s = sidecar(
            outlook_meta(
                id,
                "Negative: SignedData with no SignerInfos",
                "broken on purpose",
                Some("SignerInfos is an empty SET; the certificates are still carried."),
            ),
            DANA,
            &[],
            vec![e],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml,
        });
    }

    // The same with no certificates either (Müller et al. 2019, C3 "no certificates":
    // `01-cms/c3_no-signerInfos/no certificates`).
    {
        let id = "outlook/signed-no-signer-infos-no-certs";
        let entity = outlook_text_entity(DANA_TEXT);
        let when = When::of(id).signing_time();
        let mut req = outlook_sign(ctx, id, "dana", DigestAlg::Sha256, &entity, &when)?;
        req.drop_signer_infos = true;
        req.certs.clear();
        let p7s = outlook_p7s(&req)?;
        let b = mail::outlook_boundary(id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha256);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let mut eml =
            outlook_headers(id, DANA_FROM, "Northwind order: delivery date", &refs).into_bytes();
        eml.extend_from_slice(&outlook_signed_body(&b, &entity, &p7s));
        let e = ExpectLayer {
            form: Some(LayerForm::Clear),
            part: Some(String::new()),
            status: Some(SignatureStatus::Invalid),
            certificates: Some(0),
            ..ExpectLayer::new(LayerKind::SmimeSigned)
        };
        let s = sidecar(
            Meta {
                url: URL_JOHNNY_C3,
                reference: "Müller et al. 2019, CMS class C3 (no signerInfos, no certificates); sender-formats O1",
                ..outlook_meta(
                    id,
                    "Negative: SignedData with no SignerInfos and no certificates",
                    "broken on purpose",
                    Some(
                        "SignerInfos is an empty SET and the certificates field is absent: nothing is signed and no signer is named (Müller et al. 2019, C3 without certificates).",
                    ),
                )
            },
            DANA,
            &[],
            vec![e],
        );
        out.push(Sample {
            sidecar: negative(s, twin),
            eml,
        });
    }
    Ok(out)
}

/// The no-signers messages of Müller et al. 2019 (C3), with and without certificates.
const URL_JOHNNY_C3: &str =
    "https://github.com/RUB-NDS/Johnny-You-Are-Fired/tree/master/01-cms/c3_no-signerInfos";

// ---------------------------------------------------------------------------------------
// OWA / new Outlook (O5, inferred)

const OWEN_FROM: &str = "Owen Sato <owen@contoso.example>";
const OWEN: &str = "owen@contoso.example";
const OWEN_TEXT: &str = "Hi Robin,\r\n\r\nHere are the figures for the joint Contoso / Northwind review.\r\n\r\nThanks,\r\nOwen\r\n";

fn owa_meta<'a>(id: &'a str, title: &'a str, setting: &'a str, note: &'a str) -> Meta<'a> {
    Meta {
        id,
        title,
        product: "Outlook on the web / new Outlook (S/MIME control)",
        version: "2026 (Exchange Online)",
        setting,
        url: URL_SET_SMIMECONFIG,
        seen: false,
        reference: "sender-formats O5",
        note: Some(note),
    }
}

fn owa_sign<'a>(ctx: &'a Ctx, content: &'a [u8], when: &'a str) -> Result<SignRequest<'a>> {
    Ok(SignRequest {
        signer: ctx.p("owen")?,
        digest: DigestAlg::Sha1,
        signing_time: when,
        attrs: AttrStyle::Minimal,
        encryption_cert: None,
        certs: vec![ctx.p("owen")?],
        content,
        encapsulate: false,
        drop_signer_infos: false,
    })
}

fn owa_eml(id: &str, content_type: &[&str], body: &[u8]) -> Vec<u8> {
    let mut eml = outlook_headers(id, OWEN_FROM, "Joint review figures", content_type).into_bytes();
    eml.extend_from_slice(body);
    eml
}

fn owa(ctx: &Ctx) -> Result<Vec<Sample>> {
    let note_defaults = "Set-SmimeConfig defaults: OWASigningAlgorithms SHA-1, no SMIMECapabilities attribute, only the end-entity certificate, issuer+serial. Wire format of OWA not seen; MIME framing copied from Classic Outlook (O1).";
    let mut out = Vec::new();
    // Clear-signed with the defaults.
    {
        let id = "owa/clear-signed-defaults";
        let entity = outlook_text_entity(OWEN_TEXT);
        let when = When::of(id).signing_time();
        let p7s = cms::signed_data(&owa_sign(ctx, &entity, &when)?)?;
        let b = mail::outlook_boundary(id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha1);
        let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let eml = owa_eml(id, &refs, &outlook_signed_body(&b, &entity, &p7s));
        let mut e = SignedExpect::valid("clear", "", DigestAlg::Sha1, "rsa", OWEN);
        e.certificates = Some(1);
        e.capabilities_empty = true;
        e.covers_whole_body = Some(true);
        out.push(Sample {
            sidecar: sidecar(
                owa_meta(
                    id,
                    "OWA clear-signed with Set-SmimeConfig defaults (SHA-1, no capabilities)",
                    "Set-SmimeConfig defaults",
                    note_defaults,
                ),
                OWEN,
                &[],
                vec![e.layer()],
            ),
            eml,
        });
    }
    // Triple-wrapped: signed(enveloped(signed(content))).
    {
        let id = "owa/triple-wrapped";
        let entity = outlook_text_entity(OWEN_TEXT);
        let when = When::of(id).signing_time();
        let inner_p7s = cms::signed_data(&owa_sign(ctx, &entity, &when)?)?;
        let inner_signed =
            outlook_signed_entity(&format!("{id}/inner"), DigestAlg::Sha1, &entity, &inner_p7s);
        let mut rng = cms::sample_rng(id);
        let env = cms::enveloped_data(
            &inner_signed,
            &[ctx.p("robin-public")?, ctx.p("owen")?],
            Cipher::Aes256Cbc,
            RecipientId::IssuerAndSerial,
            &mut rng,
        )?;
        let headers = pkcs7_mime_part_headers("application/pkcs7-mime", Some("enveloped-data"));
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut env_entity = lines(&refs);
        env_entity.push_str("\r\n");
        env_entity.push_str(&base64_lines(&env));
        env_entity.push_str("\r\n");
        let outer_when = When::of(&format!("{id}/outer")).signing_time();
        let outer_p7s = cms::signed_data(&owa_sign(ctx, env_entity.as_bytes(), &outer_when)?)?;
        let b = mail::outlook_boundary(id, 0);
        let ct = outlook_signed_content_type(&b, DigestAlg::Sha1);
        let ct_refs: Vec<&str> = ct.iter().map(String::as_str).collect();
        let eml = owa_eml(
            id,
            &ct_refs,
            &outlook_signed_body(&b, env_entity.as_bytes(), &outer_p7s),
        );
        let mut outer = SignedExpect::valid("clear", "", DigestAlg::Sha1, "rsa", OWEN);
        outer.certificates = Some(1);
        outer.covers_whole_body = Some(true);
        let mut inner = SignedExpect::valid("clear", "1.1", DigestAlg::Sha1, "rsa", OWEN);
        inner.certificates = Some(1);
        out.push(Sample {
            sidecar: sidecar(
                owa_meta(id, "OWA triple-wrapped: signed(enveloped(signed(text)))", "OWATripleWrapSignedEncryptedMail: true", "RFC 2634 triple wrapping as OWA's setting names it; framing inferred. Encrypted to robin-public and owen, AES-256-CBC."),
                OWEN,
                &["robin-public"],
                vec![
                    outer.layer(),
                    enveloped_layer("smime-enveloped", "opaque", "1", "aes-256-cbc", 2),
                    inner.layer(),
                ],
            ),
            eml,
        });
    }
    // Enveloped with SubjectKeyIdentifier recipients.
    {
        let id = "owa/enveloped-key-identifier";
        let entity = outlook_text_entity(OWEN_TEXT);
        let mut rng = cms::sample_rng(id);
        let env = cms::enveloped_data(
            &entity,
            &[ctx.p("robin-public")?, ctx.p("owen")?],
            Cipher::Aes256Cbc,
            RecipientId::SubjectKeyId,
            &mut rng,
        )?;
        let headers = pkcs7_mime_part_headers("application/pkcs7-mime", Some("enveloped-data"));
        let eml = outlook_p7m_eml(id, OWEN_FROM, "Joint review figures", &headers, &env);
        out.push(Sample {
            sidecar: sidecar(
                owa_meta(id, "OWA encrypted with recipients named by SubjectKeyIdentifier", "OWAUseKeyIdentifier: true", "KeyTransRecipientInfo v2 with [0] subjectKeyIdentifier (RFC 5652 §6.2.1), EnvelopedData v2, AES-256-CBC (OWAEncryptionAlgorithms 6610)."),
                OWEN,
                &["robin-public"],
                vec![enveloped_layer("smime-enveloped", "opaque", "", "aes-256-cbc", 2)],
            ),
            eml,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Microsoft wrappers (X2, X3)

fn exchange_mixed(id: &str, subject: &str, extra_headers: &[&str], parts: &[String]) -> Vec<u8> {
    let b = format!(
        "_004_{}namprd11prodoutlookcom_",
        mail::hex_upper(id, "boundary", 10)
    );
    let mut ct = vec![
        format!("Content-Type: multipart/mixed;"),
        format!("\tboundary=\"{b}\""),
    ];
    ct.extend(extra_headers.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = ct.iter().map(String::as_str).collect();
    let mut eml = outlook_headers(id, DANA_FROM, subject, &refs);
    for p in parts {
        eml.push_str(&format!("--{b}\r\n"));
        eml.push_str(p);
        eml.push_str("\r\n");
    }
    eml.push_str(&format!("--{b}--\r\n"));
    eml.into_bytes()
}

/// A minimal TNEF stream (MS-OXTNEF §2.1.3): signature 0x223E9F78, legacy key, then
/// attTnefVersion, attOemCodepage and attMessageClass, each with its checksum.
fn tnef_stream() -> Vec<u8> {
    fn attr(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
        out.push(level);
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        let sum = data.iter().fold(0u16, |a, b| a.wrapping_add(u16::from(*b)));
        out.extend_from_slice(&sum.to_le_bytes());
    }
    let mut out = 0x223E_9F78u32.to_le_bytes().to_vec();
    out.extend_from_slice(&0x0D3Cu16.to_le_bytes());
    attr(&mut out, 0x01, 0x0008_9006, &0x0001_0000u32.to_le_bytes());
    attr(&mut out, 0x01, 0x0006_9007, &[0xE4, 0x04, 0, 0, 0, 0, 0, 0]);
    attr(&mut out, 0x01, 0x0007_8008, b"IPM.Microsoft Mail.Note\0");
    out
}

fn microsoft(ctx: &Ctx) -> Result<Vec<Sample>> {
    let _ = ctx;
    let mut out = Vec::new();
    let link = "https://outlook.office365.com/Encryption/retrieve.ashx?recipientemailaddress=robin%40northwind.example&senderemailaddress=dana%40fabrikam.example&senderorganization=fabrikam.example&messageid=%3c0001%40fabrikam.example%3e";
    {
        let id = "microsoft/ome-wrapper";
        let html = format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\r\n<p>Dana Whitfield (dana@fabrikam.example) has sent you a protected message.</p>\r\n<p><a href=\"{link}\">Read the message</a></p>\r\n<p>Learn about messages protected by Microsoft Purview Message Encryption.</p>\r\n<p>Privacy Statement</p>\r\n<p>Email encryption powered by Microsoft 365.</p>\r\n</body></html>\r\n"
        );
        let attachment = "<html><body><p>To view your message, open it in a web browser and sign in: the content is held by Microsoft Purview Message Encryption.</p></body></html>\r\n";
        let parts = vec![
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: text/html; charset=\"utf-8\"",
                    "Content-Transfer-Encoding: base64",
                    ""
                ]),
                base64_lines(html.as_bytes())
            ),
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: text/html; name=\"message.html\"",
                    "Content-Description: message.html",
                    "Content-Disposition: attachment; filename=\"message.html\"",
                    "Content-Transfer-Encoding: base64",
                    "",
                ]),
                base64_lines(attachment.as_bytes())
            ),
        ];
        let eml = exchange_mixed(id, "Encrypted message: Northwind contract", &[], &parts);
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "Purview Message Encryption wrapper to an external recipient", product: "Exchange Online (Microsoft Purview Message Encryption)", version: "2026", setting: "Encrypt-Only / mail flow rule; recipient outside the tenant", url: URL_OME, seen: false, reference: "sender-formats X3", note: Some("HTML 'Read the message' link to the OME portal plus a message.html attachment (older OME form). No crypto the inspector can open. The link and texts are modelled on public how-tos, not copied.") },
                DANA, &[], vec![wrapper_layer("ome")],
            ),
            eml,
        });
    }
    {
        let id = "microsoft/rpmsg";
        // A fake payload: the rpmsg prefix bytes are not reproduced; a compound-file signature
        // (D0 CF 11 E0 A1 B1 1A E1) and zero padding stand in for the encrypted content.
        let mut payload = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        payload.extend_from_slice(&[0u8; 504]);
        let parts = vec![
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: text/plain; charset=\"us-ascii\"",
                    "Content-Transfer-Encoding: 7bit",
                    ""
                ]),
                "This message is protected with Microsoft Information Rights Management.\r\nOpen it in a client that supports rights-managed messages.\r\n"
            ),
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: application/x-microsoft-rpmsg-message; name=\"message.rpmsg\"",
                    "Content-Description: message.rpmsg",
                    "Content-Disposition: attachment; filename=\"message.rpmsg\"",
                    "Content-Transfer-Encoding: base64",
                    "",
                ]),
                base64_lines(&payload)
            ),
        ];
        let eml = exchange_mixed(
            id,
            "Northwind contract (Do Not Forward)",
            &["Content-Class: rpmsg.message"],
            &parts,
        );
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "IRM rights-managed message (message.rpmsg)", product: "Outlook for Windows (Classic) with IRM", version: OUTLOOK_VERSION, setting: "Permission: Do Not Forward", url: URL_RPMSG, seen: false, reference: "sender-formats X3", note: Some("Attachment name and MIME type as MS-OXORMMS §2.2.3.1/2.2.3.2 require. Content-Class: rpmsg.message is inferred. The payload is a FAKE: a compound-file signature and zero padding, not a real protected stream.") },
                DANA, &[], vec![wrapper_layer("ome")],
            ),
            eml,
        });
    }
    {
        let id = "microsoft/tnef";
        let parts = vec![
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: text/plain; charset=\"us-ascii\"",
                    "Content-Transfer-Encoding: 7bit",
                    ""
                ]),
                "Hi Robin,\r\n\r\nThe minutes are in the rich-text body.\r\n\r\nDana\r\n"
            ),
            format!(
                "{}{}",
                lines(&[
                    "Content-Type: application/ms-tnef; name=\"winmail.dat\"",
                    "Content-Transfer-Encoding: base64",
                    "Content-Disposition: attachment; filename=\"winmail.dat\"",
                    "",
                ]),
                base64_lines(&tnef_stream())
            ),
        ];
        let eml = exchange_mixed(id, "Meeting minutes", &[], &parts);
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "Rich-text message wrapped in TNEF (winmail.dat)", product: "Outlook for Windows (Classic)", version: OUTLOOK_VERSION, setting: "Rich Text format to a recipient marked 'send using Outlook rich text'", url: URL_TNEF, seen: false, reference: "sender-formats X2", note: Some("A minimal TNEF stream: signature 0x223E9F78, attTnefVersion, attOemCodepage, attMessageClass. Not a crypto layer.") },
                DANA, &[], vec![wrapper_layer("tnef")],
            ),
            eml,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Thunderbird (T3), Apple Mail, AES-GCM

fn other_senders(ctx: &Ctx) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    {
        let id = "thunderbird/smime-signed";
        let text = "Hi Robin,\r\n\r\nthe test build is ready; the notes are in the usual place.\r\n\r\nCheers,\r\nTess\r\n";
        let entity = format!(
            "{}{text}",
            lines(&[
                "Content-Type: text/plain; charset=UTF-8; format=flowed",
                "Content-Transfer-Encoding: quoted-printable",
                ""
            ])
        );
        let when = When::of(id);
        let st = when.signing_time();
        let req = SignRequest {
            signer: ctx.p("tess")?,
            digest: DigestAlg::Sha256,
            signing_time: &st,
            attrs: AttrStyle::Nss,
            encryption_cert: None,
            certs: vec![ctx.p("tess")?, ctx.p("public-issuing-ca")?],
            content: entity.as_bytes(),
            encapsulate: false,
            drop_signer_infos: false,
        };
        let p7s = ber::to_outlook_ber(&cms::signed_data(&req)?)?;
        let digits: String = mail::hash(id, "boundary")
            .iter()
            .take(12)
            .map(|b| format!("{:02}", b % 100))
            .collect();
        let b = format!("------------ms{digits}");
        let mut eml = lines(&[
            &format!(
                "Message-ID: <{}@tbird.example>",
                mail::uuid_upper(id, "message-id").to_lowercase()
            ),
            &format!("Date: {}", when.rfc5322()),
            "MIME-Version: 1.0",
            "User-Agent: Mozilla Thunderbird",
            "Content-Language: en-US",
            "To: Robin Marsh <robin@northwind.example>",
            "From: Tess Lindqvist <tess@tbird.example>",
            "Subject: Test build ready",
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";",
            &format!(" micalg=sha-256; boundary=\"{b}\""),
            "",
            "This is a cryptographically signed message in MIME format.",
            "",
            &format!("--{b}"),
        ]);
        eml.push_str(&entity);
        eml.push_str(&lines(&[
            "",
            &format!("--{b}"),
            "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment; filename=\"smime.p7s\"",
            "Content-Description: S/MIME Cryptographic Signature",
            "",
            &base64_lines(&p7s),
            "",
            &format!("--{b}--"),
            "",
        ]));
        let mut e =
            SignedExpect::valid("clear", "", DigestAlg::Sha256, "rsa", "tess@tbird.example");
        e.certificates = Some(2);
        e.capabilities_empty = true;
        e.covers_whole_body = Some(true);
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "Thunderbird S/MIME clear-signed (NSS)", product: "Thunderbird", version: "128 ESR", setting: "Digitally sign this message", url: URL_TB_NSS, seen: true, reference: "sender-formats T3", note: Some("Framing and signed attributes (contentType, signingTime, messageDigest, MS key preference, encrypKeyPref; no SMIMECapabilities) as in NSS-generated Thunderbird test data. Real Thunderbird compose probably adds SMIMECapabilities (inferred). Chain without the root.") },
                "tess@tbird.example", &[], vec![e.layer()],
            ),
            eml: eml.into_bytes(),
        });
    }
    {
        let id = "apple/smime-signed";
        let text =
            "Hi Robin,\r\n\r\nSending this from my Mac so you have my certificate.\r\n\r\nAva\r\n";
        let entity = format!(
            "{}{text}",
            lines(&[
                "Content-Transfer-Encoding: 7bit",
                "Content-Type: text/plain;",
                "\tcharset=us-ascii",
                ""
            ])
        );
        let when = When::of(id);
        let st = when.signing_time();
        let req = SignRequest {
            signer: ctx.p("ava")?,
            digest: DigestAlg::Sha256,
            signing_time: &st,
            attrs: AttrStyle::Apple,
            encryption_cert: None,
            certs: vec![
                ctx.p("ava")?,
                ctx.p("public-issuing-ca")?,
                ctx.p("public-root-ca")?,
            ],
            content: entity.as_bytes(),
            encapsulate: false,
            drop_signer_infos: false,
        };
        let p7s = cms::signed_data(&req)?;
        let b = format!("Apple-Mail={}", mail::uuid_upper(id, "boundary"));
        let b = b.replacen("Apple-Mail=", "Apple-Mail=_", 1);
        let mut eml = lines(&[
            "From: Ava Moreau <ava@apple.example>",
            "Content-Type: multipart/signed;",
            &format!("\tboundary=\"{b}\";"),
            "\tprotocol=\"application/pkcs7-signature\";",
            "\tmicalg=sha-256",
            "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.500.181.1.5\\))",
            "Subject: My certificate",
            &format!(
                "Message-Id: <{}@apple.example>",
                mail::uuid_upper(id, "message-id")
            ),
            &format!("Date: {}", when.rfc5322()),
            "To: Robin Marsh <robin@northwind.example>",
            "X-Mailer: Apple Mail (2.3826.500.181.1.5)",
            "",
            "",
            &format!("--{b}"),
        ]);
        eml.push_str(&entity);
        eml.push_str(&lines(&[
            "",
            &format!("--{b}"),
            "Content-Disposition: attachment;",
            "\tfilename=smime.p7s",
            "Content-Type: application/pkcs7-signature;",
            "\tname=smime.p7s",
            "Content-Transfer-Encoding: base64",
            "",
            &base64_lines(&p7s),
            "",
            &format!("--{b}--"),
            "",
        ]));
        let mut e = SignedExpect::valid("clear", "", DigestAlg::Sha256, "rsa", "ava@apple.example");
        e.certificates = Some(3);
        e.covers_whole_body = Some(true);
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "Apple Mail S/MIME clear-signed", product: "Apple Mail (macOS)", version: "16.0 (macOS 15)", setting: "Sign (certificate in the keychain)", url: URL_RFC8551, seen: false, reference: "sender-formats G1", note: Some("Apple-Mail=_<UUID> boundary and unquoted smime.p7s parameters follow G1 (Apple Mail + GPG Suite); the S/MIME signed attributes and DER encoding are inferred.") },
                "ava@apple.example", &[], vec![e.layer()],
            ),
            eml: eml.into_bytes(),
        });
    }
    {
        let id = "others/auth-enveloped-aes-gcm";
        let text = "Hi Robin,\r\n\r\nThis one uses AES-GCM (S/MIME 4.0).\r\n\r\nGil\r\n";
        let entity = format!(
            "{}{text}",
            lines(&[
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 7bit",
                ""
            ])
        );
        let mut rng = cms::sample_rng(id);
        let env = cms::auth_enveloped_data(
            entity.as_bytes(),
            &[ctx.p("robin-public")?, ctx.p("gil")?],
            &mut rng,
        )?;
        let eml = gil_auth_enveloped_message(id, "GCM test", &env);
        out.push(Sample {
            sidecar: sidecar(
                Meta { id, title: "S/MIME 4.0 AuthEnvelopedData, AES-256-GCM", product: "MimeKit-based sender (S/MIME 4.0)", version: "2026", setting: "Prefer AES-GCM (RFC 8551 §2.7)", url: URL_MIMEKIT_1149, seen: false, reference: "microsoft-clients AES-GCM row (MimeKit#1149); RFC 8551 §3.4", note: Some("AuthEnvelopedData (RFC 5083) with AES-256-GCM (RFC 5084: 12-byte nonce, 16-byte ICV), no authenticated attributes, to robin-public and gil.") },
                "gil@gcm.example", &["robin-public"], vec![enveloped_layer("smime-auth-enveloped", "opaque", "", "aes-256-gcm", 2)],
            ),
            eml: eml.into_bytes(),
        });
    }
    Ok(out)
}
