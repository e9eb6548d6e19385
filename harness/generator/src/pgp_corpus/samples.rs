//! The sample recipes. Each function returns the `.eml` bytes and the sidecar of one
//! sample; the wire layout of each follows the section of `research/sender-formats.md` (in
//! the shared material, `../shared` from the project root) named in its doc comment.

use base64::Engine as _;
use sequoia_openpgp::Cert;
use sequoia_openpgp::types::{DataFormat, HashAlgorithm, SignatureType};
use sha2::Digest as _;

use crate::error::Result;
use crate::named;
use replymatrix::corpus::{
    Control, Expect, ExpectLayer, InspectInputs, Provenance, ProvenanceConfidence, SenderInfo,
    Sidecar,
};
use replymatrix::facts::SignatureStatus;

use super::crypto::{self, EncryptRecipe, SigStyle};
use super::wire::{self, Instant, crlf};
use super::{Built, Personas};

const ROBIN: &str = "robin@northwind.example";

// ---------------------------------------------------------------------------------------
// Sidecar helpers

struct Meta<'a> {
    id: &'a str,
    title: &'a str,
    product: &'a str,
    version: &'a str,
    setting: &'a str,
    url: &'a str,
    confidence: ProvenanceConfidence,
    reference: &'a str,
    note: Option<String>,
}

fn sidecar(
    m: Meta,
    from: &str,
    layers: Vec<ExpectLayer>,
    keys: &[&str],
    certs: &[&str],
) -> Sidecar {
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
            confidence: m.confidence,
            reference: Some(m.reference.to_owned()),
            note: m.note,
        },
        pairs_with: None,
        control: Control::Positive,
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

fn layer(kind: &str, form: Option<&str>, part: Option<&str>) -> ExpectLayer {
    ExpectLayer {
        form: form.map(named),
        part: part.map(str::to_owned),
        ..ExpectLayer::new(named(kind))
    }
}

/// A signature layer with every fact a verified signature must show.
#[allow(clippy::too_many_arguments)]
fn signed(
    form: &str,
    part: Option<&str>,
    status: &str,
    digest: &str,
    algorithm: &str,
    signer: &str,
    matches_from: bool,
    covers_whole_body: Option<bool>,
) -> ExpectLayer {
    ExpectLayer {
        status: Some(named(status)),
        digest: Some(named(digest)),
        algorithm: Some(named(algorithm)),
        signer: Some(signer.to_owned()),
        signer_matches_from: Some(matches_from),
        covers_whole_body,
        ..layer("pgp-signed", Some(form), part)
    }
}

fn encrypted(form: &str, part: Option<&str>, recipients: usize) -> ExpectLayer {
    ExpectLayer {
        cipher: Some("aes-256".to_owned()),
        decrypted: Some(true),
        recipients: Some(recipients),
        ..layer("pgp-encrypted", Some(form), part)
    }
}

// ---------------------------------------------------------------------------------------
// MIME helpers

/// A multipart body (RFC 2046 §5.1.1): optional preamble, each part followed by the CRLF
/// that belongs to the next delimiter, the close delimiter, then `epilogue`.
fn multipart_body(
    boundary: &str,
    preamble: Option<&str>,
    parts: &[String],
    epilogue: &str,
) -> String {
    let mut s = String::new();
    if let Some(p) = preamble {
        s.push_str(p);
        s.push_str("\r\n");
    }
    for part in parts {
        s.push_str("--");
        s.push_str(boundary);
        s.push_str("\r\n");
        s.push_str(part);
        s.push_str("\r\n");
    }
    s.push_str("--");
    s.push_str(boundary);
    s.push_str("--");
    s.push_str(epilogue);
    s
}

/// Folds a long token list into header continuation lines (`prefix` starts each new line).
fn fold_b64(value: &str, first: usize, width: usize, prefix: &str) -> String {
    let mut out = String::new();
    let bytes = value.as_bytes();
    let (head, rest) = bytes.split_at(first.min(bytes.len()));
    out.push_str(&String::from_utf8_lossy(head));
    for chunk in rest.chunks(width.max(1)) {
        out.push_str("\r\n");
        out.push_str(prefix);
        out.push_str(&String::from_utf8_lossy(chunk));
    }
    out
}

/// DKIM relaxed body canonicalization (RFC 6376 §3.4.4) and its SHA-256, base64.
fn dkim_relaxed_body_hash(body: &str) -> String {
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|l| {
            let mut s = String::new();
            let mut ws = false;
            for c in l.chars() {
                if c == ' ' || c == '\t' {
                    ws = true;
                } else {
                    if ws {
                        s.push(' ');
                    }
                    ws = false;
                    s.push(c);
                }
            }
            s
        })
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let mut canon = lines.join("\r\n");
    if !canon.is_empty() {
        canon.push_str("\r\n");
    }
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(canon.as_bytes()))
}

// ---------------------------------------------------------------------------------------
// Proton

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Era {
    /// 2021-2026 (sender-formats P1/P2).
    Current,
    /// 2019 (P1 "2019 form", P2b).
    Y2019,
}

pub(crate) struct ProtonHdr<'a> {
    pub(crate) seed: &'a str,
    pub(crate) from: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) when: Instant,
    pub(crate) era: Era,
}

/// Proton's outgoing header block up to `MIME-Version` (sender-formats P1). The DKIM `bh=`
/// is the real relaxed body hash; `b=` is a hash-derived placeholder because
/// `proton.example` publishes no DKIM key (DKIM is not part of what `inspect` checks).
fn proton_headers(h: &ProtonHdr, body: &str) -> String {
    let t = h.when.unix();
    let selector = if h.era == Era::Current {
        "protonmail3"
    } else {
        "default"
    };
    let b = base64::engine::general_purpose::STANDARD
        .encode(wire::derived_bytes(h.seed, "dkim-b", 256));
    let mut s = format!(
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=proton.example;\r\n\
         \ts={selector}; t={t}; x={}; bh={};\r\n\
         \th=Date:To:From:Subject:Message-ID:Feedback-ID:From:To:Cc:Date:Subject:\r\n\
         \t Reply-To:Feedback-ID:Message-ID:BIMI-Selector;\r\n\
         \tb={}\r\n",
        t + 1_209_600,
        dkim_relaxed_body_hash(body),
        fold_b64(&b, 72, 76, "\t ")
    );
    s.push_str(&format!("Date: {}\r\n", h.when.rfc5322(0, true)));
    s.push_str(&format!("To: {ROBIN}\r\n"));
    s.push_str(&format!("From: {}\r\n", h.from));
    s.push_str(&format!("Subject: {}\r\n", h.subject));
    s.push_str(&format!(
        "Message-ID: <{}@proton.example>\r\n",
        wire::b64url_token(h.seed, "message-id", 80)
    ));
    match h.era {
        Era::Current => {
            let n = u32::from_be_bytes(
                <[u8; 4]>::try_from(&wire::derived_bytes(h.seed, "feedback", 4)[..])
                    .unwrap_or([0; 4]),
            ) % 900_000_000
                + 100_000_000;
            s.push_str(&format!("Feedback-ID: {n}:user:proton\r\n"));
            s.push_str(&format!(
                "X-Pm-Message-ID: {}\r\n",
                wire::hex_token(h.seed, "x-pm-message-id", 40)
            ));
        }
        Era::Y2019 => {
            s.push_str(&format!(
                "Feedback-ID: {}:Ext:ProtonMail\r\n",
                base64::engine::general_purpose::STANDARD
                    .encode(wire::derived_bytes(h.seed, "feedback", 64))
            ));
            s.push_str(
                "X-Spam-Status: No, score=-1.0 required=7.0 tests=ALL_TRUSTED,DKIM_SIGNED,\r\n\
                 \tDKIM_VALID,DKIM_VALID_AU autolearn=ham autolearn_force=no\r\n\
                 \tversion=3.4.2\r\n\
                 X-Spam-Checker-Version: SpamAssassin 3.4.2 (2018-09-13) on mail.protonmail.ch\r\n",
            );
        }
    }
    s.push_str("MIME-Version: 1.0\r\n");
    s
}

/// A whole Proton message: headers, `Content-Type`, optional more headers, body.
pub(crate) fn proton_message(
    h: &ProtonHdr,
    content_type: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    let mut s = proton_headers(h, body);
    s.push_str(&format!("Content-Type: {content_type}\r\n"));
    s.push_str(extra);
    s.push_str("\r\n");
    s.push_str(body);
    s.into_bytes()
}

pub(crate) const PAT_TEXT: &str = "Hi Robin,\n\nThe Q3 figures are below \u{2014} please check the totals before Friday.\n\nRevenue: 1.2M\nCosts:   0.9M \n\nBest,\nPat\n\nSent with Proton Mail secure email.\n";

/// The client-built text/plain leaf (sender-formats P2: CTE before Content-Type, no space
/// after `;`).
pub(crate) fn proton_text_leaf(text: &str) -> String {
    format!(
        "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain;charset=utf-8\r\n\r\n{}",
        wire::quoted_printable(&crlf(text))
    )
}

/// A `mimemessage` multipart: `boundary=` unquoted, 21 dashes + 32 hex (P2).
pub(crate) fn proton_multipart(
    seed: &str,
    label: &str,
    subtype: &str,
    parts: &[String],
    trailing: &str,
) -> String {
    let b = format!("---------------------{}", wire::hex_token(seed, label, 32));
    format!(
        "Content-Type: multipart/{subtype};boundary={b}\r\n\r\n{}",
        multipart_body(&b, None, parts, trailing)
    )
}

/// The P0 client entity for a text compose: multipart/mixed → text/plain, plus Proton's
/// trailing CRLF ("if it's not there outlook.com adds it and breaks pgp/mime signatures").
pub(crate) fn proton_text_entity(seed: &str, text: &str) -> String {
    proton_multipart(seed, "mixed", "mixed", &[proton_text_leaf(text)], "\r\n")
}

/// The armored detached signature Proton puts in `signature.asc`.
pub(crate) fn proton_sig_armor(sig_packet: &[u8], era: Era) -> String {
    match era {
        Era::Current => wire::armor("PGP SIGNATURE", &[("Version", "ProtonMail")], sig_packet),
        Era::Y2019 => wire::armor(
            "PGP SIGNATURE",
            &[
                ("Version", "ProtonMail"),
                ("Comment", "https://protonmail.com"),
            ],
            sig_packet,
        ),
    }
}

/// Proton's outer multipart/signed (P2/P2b): returns (Content-Type value, body).
pub(crate) fn proton_signed_envelope(
    seed: &str,
    era: Era,
    entity: &str,
    sig_armor: &str,
) -> (String, String) {
    let (boundary, ct) = match era {
        Era::Current => {
            let b = format!("------{}", wire::hex_token(seed, "signed", 64));
            let ct = format!(
                "multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha512; boundary=\"{b}\"; charset=utf-8"
            );
            (b, ct)
        }
        Era::Y2019 => {
            let b = format!(
                "---------------------{}",
                wire::hex_token(seed, "signed", 32)
            );
            let ct = format!(
                "multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"{b}\"; charset=UTF-8"
            );
            (b, ct)
        }
    };
    let sig_part = format!(
        "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\
         Content-Description: OpenPGP digital signature\r\n\
         Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n{sig_armor}\r\n"
    );
    let body = multipart_body(
        &boundary,
        Some("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)"),
        &[entity.to_owned(), sig_part],
        "\r\n",
    );
    (ct, body)
}

/// Pat's Proton signature (P8, 2026): text mode (0x01), SHA-512, EdDSA, openpgp.js salt.
fn pat_sign(p: &Personas, when: Instant, data: &str, seed: &str) -> Result<Vec<u8>> {
    let sig = crypto::sign_detached(
        &p.pat,
        SigStyle::ProtonV6,
        SignatureType::Text,
        HashAlgorithm::SHA512,
        when.unix(),
        data.as_bytes(),
        seed,
    )?;
    crypto::signature_packet(&sig)
}

pub(crate) fn at(d: u32, h: u32, mi: u32, s: u32) -> Instant {
    Instant {
        y: 2026,
        mo: 5,
        d,
        h,
        mi,
        s,
    }
}

const WEBCLIENTS_MIME: &str = "https://github.com/ProtonMail/WebClients/blob/main/applications/mail/src/app/helpers/send/sendMimeBuilder.ts";
const LORE_XEN: &str = "https://lore.kernel.org/xen-devel/";
const FLOWCRYPT_EXPORTS: &str = "https://github.com/FlowCrypt/flowcrypt-browser/tree/master/test/source/mock/google/exported-messages";
const WKD_NOTE: &str = "No key travels with this message: inspect.certs gives pat's public key, as a real recipient would have fetched it from Proton's WKD (openpgpkey.proton.example).";
const DKIM_NOTE: &str = "DKIM-Signature bh= is the real relaxed body hash; b= is a placeholder (no DNS key for proton.example; DKIM is not inspected).";

fn proton_meta<'a>(
    id: &'a str,
    title: &'a str,
    setting: &'a str,
    reference: &'a str,
    url: &'a str,
    confidence: ProvenanceConfidence,
    note: String,
) -> Meta<'a> {
    Meta {
        id,
        title,
        product: "Proton Mail (web)",
        version: "2026",
        setting,
        url,
        confidence,
        reference,
        note: Some(note),
    }
}

/// P1: plain text to an external recipient, no signing.
fn proton_plain() -> Built {
    let id = "proton/plain";
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Quarterly figures",
        when: at(4, 8, 15, 2),
        era: Era::Current,
    };
    let body = wire::quoted_printable(&crlf(PAT_TEXT));
    let eml = proton_message(
        &h,
        "text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        &body,
    );
    let meta = proton_meta(
        id,
        "Proton Mail plain message to an external recipient (no signing)",
        "Sign external messages: off (default)",
        "sender-formats P1",
        "https://lore.kernel.org/linux-man/",
        ProvenanceConfidence::Seen,
        DKIM_NOTE.to_owned(),
    );
    Built {
        id: id.into(),
        eml,
        sidecar: sidecar(meta, "pat@proton.example", Vec::new(), &[], &[]),
    }
}

/// P2: the canonical Proton PGP/MIME signed message. Also returns the signed entity and
/// signature armor so the controls reuse the very same signature.
pub(crate) fn proton_signed_parts(
    p: &Personas,
    seed: &str,
    when: Instant,
) -> Result<(String, String)> {
    let entity = proton_text_entity(seed, PAT_TEXT);
    let sig = pat_sign(p, when, &entity, seed)?;
    Ok((entity, proton_sig_armor(&sig, Era::Current)))
}

fn proton_pgp_mime_signed(p: &Personas) -> Result<Vec<Built>> {
    let id = "proton/pgp-mime-signed";
    let when = at(4, 9, 12, 33);
    let (entity, armor) = proton_signed_parts(p, id, when)?;
    let (ct, body) = proton_signed_envelope(id, Era::Current, &entity, &armor);
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Quarterly figures",
        when,
        era: Era::Current,
    };
    let eml = proton_message(&h, &ct, "", &body);
    let good = signed(
        "mime",
        Some(""),
        "valid",
        "sha512",
        "eddsa",
        "pat@proton.example",
        true,
        Some(true),
    );
    let mut out = Vec::new();
    let mut sc = sidecar(
        proton_meta(
            id,
            "Proton Mail \"Sign external messages\": PGP/MIME signed text",
            "Sign external messages: on; PGP scheme: PGP/MIME (default)",
            "sender-formats P2, P8",
            LORE_XEN,
            ProvenanceConfidence::Seen,
            format!("{WKD_NOTE} {DKIM_NOTE}"),
        ),
        "pat@proton.example",
        vec![good.clone()],
        &[],
        &["openpgp/pat.pub.asc"],
    );
    sc.pairs_with = Some("proton/pgp-mime-signed-tampered".into());
    out.push(Built {
        id: id.into(),
        eml: eml.clone(),
        sidecar: sc,
    });

    // Negative: one byte of the QP body changed after signing ("Q3" -> "Q4").
    let tid = "proton/pgp-mime-signed-tampered";
    let text = String::from_utf8_lossy(&eml).into_owned();
    let tampered = text.replacen("The Q3 figures", "The Q4 figures", 1);
    let mut sc = sidecar(
        proton_meta(
            tid,
            "Proton PGP/MIME signed message with one body byte changed after signing",
            "Sign external messages: on (then altered in transit)",
            "sender-formats P2",
            LORE_XEN,
            ProvenanceConfidence::Seen,
            format!(
                "Negative control: twin of proton/pgp-mime-signed with 'Q3' changed to 'Q4' in the signed text/plain. {WKD_NOTE}"
            ),
        ),
        "pat@proton.example",
        vec![ExpectLayer {
            status: Some(SignatureStatus::Invalid),
            signer: Some("pat@proton.example".into()),
            ..layer("pgp-signed", Some("mime"), Some(""))
        }],
        &[],
        &["openpgp/pat.pub.asc"],
    );
    sc.control = Control::Negative;
    sc.pairs_with = Some(id.into());
    out.push(Built {
        id: tid.into(),
        eml: tampered.into_bytes(),
        sidecar: sc,
    });

    // Negative: a genuine pat signature, but over different content.
    let oid = "proton/pgp-mime-signed-other-content";
    let other_entity = proton_text_entity(id, "Hi Robin,\n\nLunch on Thursday?\n\nPat\n");
    let other_sig = pat_sign(p, when, &other_entity, oid)?;
    let (ct, body) = proton_signed_envelope(
        oid,
        Era::Current,
        &entity,
        &proton_sig_armor(&other_sig, Era::Current),
    );
    let h2 = ProtonHdr { seed: oid, ..h };
    let mut sc = sidecar(
        proton_meta(
            oid,
            "Proton PGP/MIME message whose genuine signature covers different content",
            "Sign external messages: on (signature transplanted)",
            "sender-formats P2",
            LORE_XEN,
            ProvenanceConfidence::Seen,
            format!(
                "Negative control: the signature.asc is a real signature by pat over another message body. {WKD_NOTE}"
            ),
        ),
        "pat@proton.example",
        vec![ExpectLayer {
            status: Some(SignatureStatus::Invalid),
            signer: Some("pat@proton.example".into()),
            ..layer("pgp-signed", Some("mime"), Some(""))
        }],
        &[],
        &["openpgp/pat.pub.asc"],
    );
    sc.control = Control::Negative;
    sc.pairs_with = Some(id.into());
    out.push(Built {
        id: oid.into(),
        eml: proton_message(&h2, &ct, "", &body),
        sidecar: sc,
    });

    // Negative: the genuine multipart/signed, then an unsigned text/plain beside it.
    let uid = "proton/pgp-mime-signed-unsigned-appended";
    let (ct_signed, body_signed) = proton_signed_envelope(id, Era::Current, &entity, &armor);
    let outer_b = b1_boundary(uid, "outer");
    let appended =
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
         URGENT: the bank details changed, pay invoice 4471 to the new account today.\r\n"
            .to_owned();
    let body = multipart_body(
        &outer_b,
        Some("This is a multi-part message in MIME format.\r\n"),
        &[
            format!("Content-Type: {ct_signed}\r\n\r\n{body_signed}"),
            appended,
        ],
        "\r\n",
    );
    let h3 = ProtonHdr { seed: uid, ..h };
    let mut sc = sidecar(
        proton_meta(
            uid,
            "Genuine Proton PGP/MIME signed part followed by an unsigned text part",
            "Sign external messages: on (unsigned part appended in transit)",
            "sender-formats P2",
            LORE_XEN,
            ProvenanceConfidence::Seen,
            format!(
                "Negative control: the signature stays valid, but it covers only part 1, not the appended text. {WKD_NOTE}"
            ),
        ),
        "pat@proton.example",
        vec![signed(
            "mime",
            Some("1"),
            "valid",
            "sha512",
            "eddsa",
            "pat@proton.example",
            true,
            Some(false),
        )],
        &[],
        &["openpgp/pat.pub.asc"],
    );
    sc.control = Control::Negative;
    sc.pairs_with = Some(id.into());
    out.push(Built {
        id: uid.into(),
        eml: proton_message(
            &h3,
            &format!("multipart/mixed;\r\n boundary=\"{outer_b}\""),
            "",
            &body,
        ),
        sidecar: sc,
    });

    // Negative: signed by pat, From: someone else at Proton.
    let sid = "proton/pgp-mime-signed-signer-not-from";
    let (entity_s, armor_s) = proton_signed_parts(p, sid, when)?;
    let (ct, body) = proton_signed_envelope(sid, Era::Current, &entity_s, &armor_s);
    let h4 = ProtonHdr {
        seed: sid,
        from: "CEO <ceo@proton.example>",
        ..h
    };
    let mut sc = sidecar(
        proton_meta(
            sid,
            "Proton PGP/MIME message signed by pat but From: ceo@proton.example",
            "Sign external messages: on (From spoofed)",
            "sender-formats P2",
            LORE_XEN,
            ProvenanceConfidence::Seen,
            format!(
                "Negative control: valid signature whose signer address differs from From. {WKD_NOTE}"
            ),
        ),
        "ceo@proton.example",
        vec![signed(
            "mime",
            Some(""),
            "valid",
            "sha512",
            "eddsa",
            "pat@proton.example",
            false,
            Some(true),
        )],
        &[],
        &["openpgp/pat.pub.asc"],
    );
    sc.control = Control::Negative;
    sc.pairs_with = Some(id.into());
    out.push(Built {
        id: sid.into(),
        eml: proton_message(&h4, &ct, "", &body),
        sidecar: sc,
    });
    Ok(out)
}

/// P2b: the 2019 form, lee's RSA key, SHA-256, `b1_`-era headers.
fn proton_signed_2019(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-mime-signed-2019";
    let when = at(5, 14, 2, 41);
    let text = "Hello Robin,\n\nAttached below are the meeting notes from Tuesday.\n\nRegards,\nLee\n\nSent with ProtonMail Secure Email.\n";
    let entity = proton_text_entity(id, text);
    let sig = crypto::sign_detached(
        &p.lee,
        SigStyle::Proton2019,
        SignatureType::Text,
        HashAlgorithm::SHA256,
        when.unix(),
        entity.as_bytes(),
        id,
    )?;
    let armor = proton_sig_armor(&crypto::signature_packet(&sig)?, Era::Y2019);
    let (ct, body) = proton_signed_envelope(id, Era::Y2019, &entity, &armor);
    let h = ProtonHdr {
        seed: id,
        from: "Lee <lee@proton.example>",
        subject: "Meeting notes",
        when,
        era: Era::Y2019,
    };
    let mut meta = proton_meta(
        id,
        "ProtonMail 2019 PGP/MIME signed message (RSA-4096 key, pgp-sha256)",
        "Sign external messages: on; legacy RSA account",
        "sender-formats P2b, P8",
        FLOWCRYPT_EXPORTS,
        ProvenanceConfidence::Seen,
        format!(
            "Layout seen in FlowCrypt fixture message-export-16a9c0fe4e034bc2.json. No key attached: inspect.certs gives lee's public key (WKD). {DKIM_NOTE}"
        ),
    );
    meta.version = "2019";
    meta.product = "ProtonMail (web)";
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            meta,
            "lee@proton.example",
            vec![signed(
                "mime",
                Some(""),
                "valid",
                "sha256",
                "rsa",
                "lee@proton.example",
                true,
                Some(true),
            )],
            &[],
            &["openpgp/lee.pub.asc"],
        ),
    })
}

/// P3: "Attach public key": the key is one more leaf inside the signed multipart/mixed.
fn proton_signed_key_attached(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-mime-signed-key-attached";
    let when = at(6, 10, 41, 7);
    let fpr8: String = crypto::fingerprint_hex(&p.pat).chars().take(8).collect();
    let name = format!("publickey - pat@proton.example - 0x{fpr8}.asc");
    let key_armor = wire::armor("PGP PUBLIC KEY BLOCK", &[], &crypto::public_bytes(&p.pat)?);
    let key_leaf = format!(
        "Content-Type: application/pgp-keys; filename=\"{name}\"; name=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{name}\"; name=\"{name}\"\r\n\r\n{}",
        wire::base64_lines(key_armor.as_bytes())
    );
    let text = "Hi Robin,\n\nMy public key is attached, so you can write to me encrypted.\n\nPat\n\nSent with Proton Mail secure email.\n";
    let entity = proton_multipart(
        id,
        "mixed",
        "mixed",
        &[proton_text_leaf(text), key_leaf],
        "\r\n",
    );
    let sig = pat_sign(p, when, &entity, id)?;
    let (ct, body) = proton_signed_envelope(
        id,
        Era::Current,
        &entity,
        &proton_sig_armor(&sig, Era::Current),
    );
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "My public key",
        when,
        era: Era::Current,
    };
    let layers = vec![
        signed(
            "mime",
            Some(""),
            "valid",
            "sha512",
            "eddsa",
            "pat@proton.example",
            true,
            Some(true),
        ),
        layer("pgp-key", Some("attachment"), Some("1.2")),
    ];
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton PGP/MIME signed message with \"Attach public key\"",
                "Sign external messages: on; Attach public key: on",
                "sender-formats P3",
                LORE_XEN,
                ProvenanceConfidence::Seen,
                format!(
                    "The attached key alone makes the signature verifiable (no inspect.certs). {DKIM_NOTE}"
                ),
            ),
            "pat@proton.example",
            layers,
            &[],
            &[],
        ),
    })
}

/// P2 (HTML compose): mixed → alternative → (text/plain QP, related → text/html base64).
fn proton_signed_html(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-mime-signed-html";
    let when = at(6, 15, 3, 58);
    let text = "Hi Robin,\n\nPlease find the agenda for Monday below.\n\n1. Budget\n2. Hiring\n\nPat\n\nSent with Proton Mail secure email.\n";
    let html = "<div style=\"font-family: Arial, sans-serif; font-size: 14px;\">Hi Robin,</div><div style=\"font-family: Arial, sans-serif; font-size: 14px;\"><br></div><div style=\"font-family: Arial, sans-serif; font-size: 14px;\">Please find the agenda for Monday below.</div><ol><li>Budget</li><li>Hiring</li></ol><div style=\"font-family: Arial, sans-serif; font-size: 14px;\">Pat</div><div class=\"protonmail_signature_block\"><div class=\"protonmail_signature_block-proton\">Sent with <a target=\"_blank\" href=\"https://proton.me/mail/home\">Proton Mail</a> secure email.</div></div>";
    let html_leaf = format!(
        "Content-Transfer-Encoding: base64\r\nContent-Type: text/html;charset=utf-8\r\n\r\n{}",
        wire::base64_lines(html.as_bytes())
    );
    let related = proton_multipart(id, "related", "related", &[html_leaf], "");
    let alternative = proton_multipart(
        id,
        "alternative",
        "alternative",
        &[proton_text_leaf(text), related],
        "",
    );
    let entity = proton_multipart(id, "mixed", "mixed", &[alternative], "\r\n");
    let sig = pat_sign(p, when, &entity, id)?;
    let (ct, body) = proton_signed_envelope(
        id,
        Era::Current,
        &entity,
        &proton_sig_armor(&sig, Era::Current),
    );
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Agenda for Monday",
        when,
        era: Era::Current,
    };
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton PGP/MIME signed HTML message",
                "Sign external messages: on; composer: rich text (default)",
                "sender-formats P0, P2 (HTML tree)",
                WEBCLIENTS_MIME,
                ProvenanceConfidence::Seen,
                format!("{WKD_NOTE} {DKIM_NOTE}"),
            ),
            "pat@proton.example",
            vec![signed(
                "mime",
                Some(""),
                "valid",
                "sha512",
                "eddsa",
                "pat@proton.example",
                true,
                Some(true),
            )],
            &[],
            &["openpgp/pat.pub.asc"],
        ),
    })
}

/// P4 (inferred): PGP/MIME encrypted to robin and to pat's own key, signed inside, ZIP.
fn proton_encrypted(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-mime-encrypted";
    let when = at(7, 11, 20, 5);
    let text = "Hi Robin,\n\nHere is the draft contract, encrypted to your key.\n\nPat\n\nSent with Proton Mail secure email.\n";
    let payload = proton_text_entity(id, text);
    let ciphertext = crypto::encrypt(&EncryptRecipe {
        seed: id,
        recipients: &[&p.robin, &p.pat],
        signer: Some((
            &p.pat,
            when.unix(),
            HashAlgorithm::SHA512,
            SigStyle::ProtonV6,
        )),
        compress: true,
        format: DataFormat::Unicode,
        filename: None,
        plaintext: payload.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    let armor = wire::armor("PGP MESSAGE", &[("Version", "ProtonMail")], &ciphertext);
    let b = format!("------{}", wire::hex_token(id, "encrypted", 64));
    let parts = [
        "Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n".to_owned(),
        format!("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n{armor}\r\n"),
    ];
    let body = multipart_body(
        &b,
        Some("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"),
        &parts,
        "\r\n",
    );
    let ct = format!(
        "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\"; charset=utf-8"
    );
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Draft contract",
        when,
        era: Era::Current,
    };
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton PGP/MIME encrypted (and signed inside) to an external key",
                "Encrypt to a trusted external key (contact key pinned)",
                "sender-formats P4",
                "https://github.com/mailvelope/mailvelope/issues/660",
                ProvenanceConfidence::Inferred,
                format!(
                    "Inferred layout: PKESKs for robin and pat, SEIPD v1 AES-256, ZIP, one-pass signature by pat; payload is the P0 multipart/mixed without protected headers. inspect.certs gives pat's key (WKD) to verify the inner signature. The encrypted layer is multipart/encrypted at the root; the inner signature is expected at the decrypted path 2.1 (what part 2, encrypted.asc, decrypts to). {DKIM_NOTE}"
                ),
            ),
            "pat@proton.example",
            vec![
                encrypted("mime", None, 2),
                signed(
                    "mime",
                    Some("2.1"),
                    "valid",
                    "sha512",
                    "eddsa",
                    "pat@proton.example",
                    true,
                    Some(true),
                ),
            ],
            &["openpgp/robin.sec.asc"],
            &["openpgp/pat.pub.asc"],
        ),
    })
}

// ---------------------------------------------------------------------------------------
// RFC 9580: Proton with v6 and post-quantum keys (sender-formats (c) open question 4)

const GOPENPGP_V3: &str = "https://github.com/ProtonMail/gopenpgp";
const RFC9580_NOTE: &str = "Not seen on the wire: sender-formats (c) open question 4 asks when Proton's v6 and post-quantum (draft-ietf-openpgp-pqc) keys show up. Proton's OpenPGP libraries (GopenPGP v3, openpgp.js v6) implement RFC 9580 v6 keys, v6 signatures and SEIPDv2, and GopenPGP v3 the ML-KEM/ML-DSA composites; this sample is the P2/P4 layout with those packets. Keys made by sequoia under Profile::RFC9580 (corpora/keys/openpgp/README.md).";

/// The four RFC 9580 samples.
fn proton_rfc9580(p: &Personas) -> Result<Vec<Built>> {
    Ok(vec![
        proton_signed_rfc9580(
            p,
            Rfc9580Persona::V6,
            "proton/pgp-mime-signed-v6",
            at(9, 10, 2, 44),
        )?,
        proton_signed_rfc9580(
            p,
            Rfc9580Persona::PostQuantum,
            "proton/pgp-mime-signed-pq",
            at(9, 10, 31, 7),
        )?,
        proton_encrypted_rfc9580(
            p,
            Rfc9580Persona::V6,
            "proton/pgp-mime-encrypted-v6",
            at(9, 11, 5, 12),
        )?,
        proton_encrypted_rfc9580(
            p,
            Rfc9580Persona::PostQuantum,
            "proton/pgp-mime-encrypted-pq",
            at(9, 11, 40, 58),
        )?,
    ])
}

/// Which RFC 9580 sender (and recipient key) a sample uses.
#[derive(Clone, Copy)]
enum Rfc9580Persona {
    /// val: Ed25519 v6 (algorithm 27), robin's X25519 v6 subkey.
    V6,
    /// quinn: ML-DSA-65+Ed25519 (30), robin's ML-KEM-768+X25519 (35) subkey.
    PostQuantum,
}

impl Rfc9580Persona {
    fn sender(self, p: &Personas) -> &Cert {
        match self {
            Self::V6 => &p.val,
            Self::PostQuantum => &p.quinn,
        }
    }

    fn recipient(self, p: &Personas) -> &Cert {
        match self {
            Self::V6 => &p.robin_v6,
            Self::PostQuantum => &p.robin_pq,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::V6 => "val",
            Self::PostQuantum => "quinn",
        }
    }

    fn robin_key(self) -> &'static str {
        match self {
            Self::V6 => "robin-v6",
            Self::PostQuantum => "robin-pq",
        }
    }

    /// SHA-512 for Ed25519 (openpgp.js's preferred hash, P8); SHA3-256 for ML-DSA-65+Ed25519,
    /// the hash draft-ietf-openpgp-pqc binds to ML-DSA-65 (and one of 256 bits or more, which
    /// later drafts ask for).
    fn hash(self) -> (HashAlgorithm, &'static str, &'static str) {
        match self {
            Self::V6 => (HashAlgorithm::SHA512, "pgp-sha512", "sha512"),
            Self::PostQuantum => (HashAlgorithm::SHA3_256, "pgp-sha3-256", "sha3-256"),
        }
    }

    fn algorithm(self) -> &'static str {
        match self {
            Self::V6 => "eddsa",
            Self::PostQuantum => "mldsa65-ed25519",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::V6 => "a v6 Ed25519 key",
            Self::PostQuantum => "a post-quantum v6 key (ML-DSA-65+Ed25519, ML-KEM-768+X25519)",
        }
    }
}

/// P2 with a v6 key: PGP/MIME signed text, a v6 signature (text mode, salted).
fn proton_signed_rfc9580(
    p: &Personas,
    who: Rfc9580Persona,
    id: &str,
    when: Instant,
) -> Result<Built> {
    let name = who.name();
    let display = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    let address = format!("{name}@proton.example");
    let (hash, micalg, digest) = who.hash();
    let text = PAT_TEXT.replace("Pat", &display);
    let entity = proton_text_entity(id, &text);
    let sig = crypto::sign_detached(
        who.sender(p),
        SigStyle::Rfc9580,
        SignatureType::Text,
        hash,
        when.unix(),
        entity.as_bytes(),
        id,
    )?;
    let armor = proton_sig_armor(&crypto::signature_packet(&sig)?, Era::Current);
    let (ct, body) = proton_signed_envelope(id, Era::Current, &entity, &armor);
    let ct = ct.replace("micalg=pgp-sha512", &format!("micalg={micalg}"));
    let from = format!("{display} <{address}>");
    let h = ProtonHdr {
        seed: id,
        from: &from,
        subject: "Quarterly figures",
        when,
        era: Era::Current,
    };
    let eml = proton_message(&h, &ct, "", &body);
    let title = format!("Proton Mail PGP/MIME signed text with {}", who.words());
    let note = format!(
        "{RFC9580_NOTE} The signature is a v6 signature packet (RFC 9580 §5.2.3, salted) by {name}'s primary key; inspect.certs gives {name}'s public key (WKD). {DKIM_NOTE}"
    );
    Ok(Built {
        id: id.into(),
        eml,
        sidecar: sidecar(
            proton_meta(
                id,
                &title,
                "Sign external messages: on; PGP scheme: PGP/MIME; account key: RFC 9580",
                "sender-formats P2, P8, (c) 4",
                GOPENPGP_V3,
                ProvenanceConfidence::Inferred,
                note,
            ),
            &address,
            vec![signed(
                "mime",
                Some(""),
                "valid",
                digest,
                who.algorithm(),
                &address,
                true,
                Some(true),
            )],
            &[],
            &[&format!("openpgp/{name}.pub.asc")],
        ),
    })
}

/// P4 with v6 keys: PGP/MIME encrypted to robin's v6 key and the sender's own, v6 PKESKs,
/// SEIPDv2 AES-256-OCB (RFC 9580's mandatory AEAD mode), a v6 one-pass signature inside.
fn proton_encrypted_rfc9580(
    p: &Personas,
    who: Rfc9580Persona,
    id: &str,
    when: Instant,
) -> Result<Built> {
    let name = who.name();
    let display = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    let address = format!("{name}@proton.example");
    let (hash, _, digest) = who.hash();
    let text = format!(
        "Hi Robin,\n\nHere is the draft contract, encrypted to your key.\n\n{display}\n\nSent with Proton Mail secure email.\n"
    );
    let payload = proton_text_entity(id, &text);
    let ciphertext = crypto::encrypt(&EncryptRecipe {
        seed: id,
        recipients: &[who.recipient(p), who.sender(p)],
        signer: Some((who.sender(p), when.unix(), hash, SigStyle::Rfc9580)),
        compress: false,
        format: DataFormat::Unicode,
        filename: None,
        plaintext: payload.as_bytes(),
        container: crypto::Container::SeipdV2(sequoia_openpgp::types::AEADAlgorithm::OCB),
    })?;
    let armor = wire::armor("PGP MESSAGE", &[], &ciphertext);
    let b = format!("------{}", wire::hex_token(id, "encrypted", 64));
    let parts = [
        "Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n".to_owned(),
        format!("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n{armor}\r\n"),
    ];
    let body = multipart_body(
        &b,
        Some("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"),
        &parts,
        "\r\n",
    );
    let ct = format!(
        "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\"; charset=utf-8"
    );
    let from = format!("{display} <{address}>");
    let h = ProtonHdr {
        seed: id,
        from: &from,
        subject: "Draft contract",
        when,
        era: Era::Current,
    };
    let robin = who.robin_key();
    let title = format!(
        "Proton PGP/MIME encrypted (SEIPDv2) and signed inside, {} to robin's own",
        who.words()
    );
    let note = format!(
        "{RFC9580_NOTE} v6 PKESKs for robin ({robin}) and {name}, SEIPDv2 AES-256-OCB (chunk size octet 12, no compression: openpgp.js v6's defaults), a v6 one-pass signature by {name} inside; no armor header (openpgp.js v6 writes none). inspect.keys gives robin's {robin} secret key, inspect.certs {name}'s public key. {DKIM_NOTE}"
    );
    let mut enc = encrypted("mime", None, 2);
    enc.cipher = Some("aes-256-ocb".to_owned());
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            proton_meta(
                id,
                &title,
                "Encrypt to a trusted external key (contact key pinned); account key: RFC 9580",
                "sender-formats P4, (c) 1, (c) 4",
                GOPENPGP_V3,
                ProvenanceConfidence::Inferred,
                note,
            ),
            &address,
            vec![
                enc,
                signed(
                    "mime",
                    Some("2.1"),
                    "valid",
                    digest,
                    who.algorithm(),
                    &address,
                    true,
                    Some(true),
                ),
            ],
            &[&format!("openpgp/{robin}.sec.asc")],
            &[&format!("openpgp/{name}.pub.asc")],
        ),
    })
}

/// P5: PGP/Inline encrypted + signed body, `<file>.pgp` + `<file>.sig` per attachment.
fn proton_inline_encrypted(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-inline-encrypted-attachments";
    let when = at(8, 16, 45, 12);
    let text = crlf(
        "Hi Robin,\n\nThe notes are attached (encrypted inline).\n\nPat\n\nSent with Proton Mail secure email.\n",
    );
    let msg = crypto::encrypt(&EncryptRecipe {
        seed: id,
        recipients: &[&p.robin, &p.pat],
        signer: Some((
            &p.pat,
            when.unix(),
            HashAlgorithm::SHA512,
            SigStyle::ProtonV6,
        )),
        compress: true,
        format: DataFormat::Unicode,
        filename: None,
        plaintext: text.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    let msg_armor = wire::armor("PGP MESSAGE", &[("Version", "ProtonMail")], &msg);
    let file = "notes.txt";
    let file_data = crlf("Notes from Tuesday\n- budget approved\n- hiring freeze lifted\n");
    let file_seed = format!("{id}/{file}");
    let file_enc = crypto::encrypt(&EncryptRecipe {
        seed: &file_seed,
        recipients: &[&p.robin, &p.pat],
        signer: None,
        compress: false,
        format: DataFormat::Binary,
        filename: Some(file),
        plaintext: file_data.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    let file_sig = crypto::sign_detached(
        &p.pat,
        SigStyle::ProtonV6,
        SignatureType::Binary,
        HashAlgorithm::SHA512,
        when.unix(),
        file_data.as_bytes(),
        id,
    )?;
    let file_sig = crypto::signature_packet(&file_sig)?;
    let b = b1_boundary(id, "b1");
    let parts = [
        format!(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            wire::base64_lines(msg_armor.as_bytes())
        ),
        format!(
            "Content-Type: application/octet-stream; name=\"{file}.pgp\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{file}.pgp\"\r\n\r\n{}",
            wire::base64_lines(&file_enc)
        ),
        format!(
            "Content-Type: application/pgp-signature; name=\"{file}.sig\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{file}.sig\"\r\n\r\n{}",
            wire::base64_lines(&file_sig)
        ),
    ];
    let body = multipart_body(
        &b,
        Some("This is a multi-part message in MIME format.\r\n"),
        &parts,
        "\r\n",
    );
    let ct = format!("multipart/mixed;\r\n boundary=\"{b}\"");
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Inline signed and encrypted",
        when,
        era: Era::Current,
    };
    Ok(Built {
        id: id.into(),
        eml: proton_message(&h, &ct, "", &body),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton PGP/Inline: encrypted+signed body, encrypted attachment with detached .sig",
                "PGP scheme: PGP/Inline; encrypt + sign to an external key",
                "sender-formats P5",
                FLOWCRYPT_EXPORTS,
                ProvenanceConfidence::Seen,
                format!(
                    "Layout seen in FlowCrypt fixture message-export-1869220e0c8f16dd.json (Feb 2023). Body: armored PGP MESSAGE (robin + pat, signed inside by pat) in base64 text/plain; notes.txt.pgp is binary OpenPGP (encrypted, not signed inside); notes.txt.sig is a binary detached EdDSA/SHA-512 signature over the decrypted notes.txt. The inner signature of part 1 is expected at 1.1 (what part 1 decrypts to). {WKD_NOTE} {DKIM_NOTE}"
                ),
            ),
            "pat@proton.example",
            vec![
                encrypted("inline", Some("1"), 2),
                signed(
                    "inline",
                    Some("1.1"),
                    "valid",
                    "sha512",
                    "eddsa",
                    "pat@proton.example",
                    true,
                    None,
                ),
                encrypted("inline", Some("2"), 2),
                layer("pgp-signed", Some("inline"), Some("3")),
            ],
            &["openpgp/robin.sec.asc"],
            &["openpgp/pat.pub.asc"],
        ),
    })
}

/// Pat's cleartext signature (RFC 4880 §7) over `lines`, armored as Proton's PGP/Inline
/// sends it: the `-----BEGIN PGP SIGNED MESSAGE-----` block through the signature's armor.
pub(crate) fn pat_cleartext_signed(
    p: &Personas,
    when: Instant,
    lines: &[&str],
    seed: &str,
) -> Result<String> {
    // RFC 4880 §7.1: the signed text is the lines joined by CRLF, trailing whitespace
    // removed (none here), without the final line break.
    let signed_text = lines.join("\r\n");
    let sig = pat_sign(p, when, &signed_text, seed)?;
    let mut clear = String::from("-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA512\r\n\r\n");
    for l in lines {
        if l.starts_with('-') {
            clear.push_str("- ");
        }
        clear.push_str(l);
        clear.push_str("\r\n");
    }
    clear.push_str(&wire::armor(
        "PGP SIGNATURE",
        &[("Version", "ProtonMail")],
        &sig,
    ));
    Ok(clear)
}

/// P6 (inferred): PGP/Inline sign-only: a cleartext-signed text/plain body.
fn proton_inline_signed(p: &Personas) -> Result<Built> {
    let id = "proton/pgp-inline-signed";
    let when = at(8, 17, 2, 44);
    let lines = [
        "Hi Robin,",
        "",
        "Confirming the delivery date: 12 June.",
        "",
        "Pat",
        "",
        "Sent with Proton Mail secure email.",
    ];
    let clear = pat_cleartext_signed(p, when, &lines, id)?;
    let body = wire::quoted_printable(&clear);
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Delivery date",
        when,
        era: Era::Current,
    };
    Ok(Built {
        id: id.into(),
        eml: proton_message(
            &h,
            "text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            &body,
        ),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton PGP/Inline sign-only: cleartext-signed body",
                "PGP scheme: PGP/Inline; Sign external messages: on",
                "sender-formats P6",
                "https://github.com/ProtonMail/WebClients/blob/main/applications/mail/src/app/helpers/send/sendSubPackages.ts",
                ProvenanceConfidence::Inferred,
                format!(
                    "Inferred: SEND_CLEAR + Signature:1 with scheme Inline is assumed to produce a cleartext signature (text mode, SHA-512). {WKD_NOTE} {DKIM_NOTE}"
                ),
            ),
            "pat@proton.example",
            vec![signed(
                "inline",
                Some(""),
                "valid",
                "sha512",
                "eddsa",
                "pat@proton.example",
                true,
                Some(true),
            )],
            &[],
            &["openpgp/pat.pub.asc"],
        ),
    })
}

/// P7 (partly inferred): the Encrypted-to-Outside notification with an "Unlock message" link.
fn proton_eo_notice() -> Built {
    let id = "proton/eo-notice";
    let when = at(9, 9, 30, 0);
    let token = wire::b64url_token(id, "eo", 48);
    let html = format!(
        "<!DOCTYPE html>\n<html>\n<body style=\"font-family: Arial, sans-serif;\">\n\
         <p>Pat (pat@proton.example) has sent you a password-protected message.</p>\n\
         <p><a href=\"https://mail.proton.me/eo/{token}\" style=\"background-color:#6d4aff;color:#ffffff;padding:10px 20px;text-decoration:none;border-radius:4px;\">Unlock message</a></p>\n\
         <p>This message will expire in 28 days.</p>\n\
         <p>Secure email powered by <a href=\"https://proton.me\">Proton</a>.</p>\n\
         </body>\n</html>\n"
    );
    let body = wire::quoted_printable(&crlf(&html));
    let h = ProtonHdr {
        seed: id,
        from: "Pat <pat@proton.example>",
        subject: "Salary review",
        when,
        era: Era::Current,
    };
    Built {
        id: id.into(),
        eml: proton_message(
            &h,
            "text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            &body,
        ),
        sidecar: sidecar(
            proton_meta(
                id,
                "Proton password-protected (EO) notification with an Unlock message link",
                "Password-protect (Encrypt for non-Proton users): on",
                "sender-formats P7",
                "https://proton.me/support/password-protected-emails",
                ProvenanceConfidence::Inferred,
                format!(
                    "The content never leaves Proton; the recipient gets this notification. Exact MIME (HTML-only), wording and token format are inferred. {DKIM_NOTE}"
                ),
            ),
            "pat@proton.example",
            vec![layer("proton-eo-notice", None, Some(""))],
            &[],
            &[],
        ),
    }
}

/// P9: Proton Bridge rebuilding a Delta Chat PGP/MIME message as multipart/mixed.
fn proton_bridge_mixed_up(p: &Personas) -> Result<Built> {
    let id = "proton/bridge-mixed-up";
    let when = at(10, 19, 7, 51);
    let date = when.rfc5322(0, false);
    let mid = format!(
        "Mr.{}.{}@proton.example",
        wire::alnum_token(id, "mr1", 11, wire::ALNUM),
        wire::alnum_token(id, "mr2", 11, wire::ALNUM)
    );
    let inner = crlf(&format!(
        "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"\n\
         From: <pat@proton.example>\nTo: <{ROBIN}>\nSubject: Message from pat@proton.example\n\
         Date: {date}\nMessage-ID: <{mid}>\nChat-Version: 1.0\n\n\
         Are we still on for Friday?\n\n-- \nSent with my Delta Chat Messenger: https://delta.chat\n"
    ));
    // Delta Chat signs with rPGP, whose subpacket layout the research does not record;
    // RNP's stands in (inferred).
    let ciphertext = crypto::encrypt(&EncryptRecipe {
        seed: id,
        recipients: &[&p.robin, &p.pat],
        signer: Some((
            &p.pat,
            when.unix(),
            HashAlgorithm::SHA256,
            SigStyle::RnpOrGnupg,
        )),
        compress: false,
        format: DataFormat::Binary,
        filename: None,
        plaintext: inner.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    let armor = wire::armor("PGP MESSAGE", &[], &ciphertext);
    let b = b1_boundary(id, "b1");
    let parts = [
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nEmpty Message\r\n".to_owned(),
        format!("Content-Type: application/pgp-encrypted; name=attachment.pgp\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=attachment.pgp\r\n\r\n{}", wire::base64_lines(b"Version: 1\r\n")),
        format!("Content-Type: application/octet-stream; name=encrypted.asc\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=encrypted.asc\r\n\r\n{}", wire::base64_lines(armor.as_bytes())),
    ];
    let body = multipart_body(
        &b,
        Some("This is a multi-part message in MIME format.\r\n"),
        &parts,
        "\r\n",
    );
    let mut eml = proton_headers(
        &ProtonHdr {
            seed: id,
            from: "<pat@proton.example>",
            subject: "...",
            when,
            era: Era::Current,
        },
        &body,
    );
    // Bridge keeps the client's Message-ID and Chat-Version header (sender-formats P1, P9).
    let proton_mid = format!(
        "Message-ID: <{}@proton.example>\r\n",
        wire::b64url_token(id, "message-id", 80)
    );
    eml = eml.replacen(
        &proton_mid,
        &format!("Message-ID: <{mid}>\r\nChat-Version: 1.0\r\n"),
        1,
    );
    eml.push_str(&format!(
        "Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n{body}"
    ));
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Delta Chat PGP/MIME relayed through Proton Bridge, rebuilt as multipart/mixed",
                product: "Proton Mail Bridge + Delta Chat",
                version: "2021",
                setting: "Local client sends its own PGP/MIME through Bridge",
                url: "https://github.com/chatmail/core/blob/main/test-data/message/protonmail-mixed-up.eml",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats P9",
                note: Some(format!(
                    "Layout seen in chatmail/core protonmail-mixed-up.eml (chatmail/core#2320); unlike that fixture, the payload here is a real message (robin + pat, signed inside by pat, SHA-256). Bridge strips Autocrypt, so inspect.certs gives pat's key. The encrypted layer is expected at its container, the rewritten multipart/mixed (part \"\"), with its ciphertext in part 3 (encrypted.asc, `ciphertext-part`); the inner signature at 3.1. {DKIM_NOTE}"
                )),
            },
            "pat@proton.example",
            vec![
                encrypted("mime", Some(""), 2),
                signed(
                    "mime",
                    Some("3.1"),
                    "valid",
                    "sha256",
                    "eddsa",
                    "pat@proton.example",
                    true,
                    Some(true),
                ),
            ],
            &["openpgp/robin.sec.asc"],
            &["openpgp/pat.pub.asc"],
        ),
    })
}

// ---------------------------------------------------------------------------------------
// Thunderbird (T1, T2) and the Exchange rewrites of a Thunderbird message (X1)

/// `Autocrypt: addr=...; keydata=` folded with one space, 76 characters a line
/// (Autocrypt Level 1 §2.1; Thunderbird layout T1).
fn autocrypt_header(addr: &str, cert: &Cert) -> Result<String> {
    let keydata = base64::engine::general_purpose::STANDARD.encode(crypto::public_bytes(cert)?);
    let mut s = format!("Autocrypt: addr={addr}; keydata=");
    for chunk in keydata.as_bytes().chunks(76) {
        s.push_str("\r\n ");
        s.push_str(&String::from_utf8_lossy(chunk));
    }
    s.push_str("\r\n");
    Ok(s)
}

fn tb_boundary(seed: &str, label: &str) -> String {
    format!(
        "------------{}",
        wire::alnum_token(seed, label, 24, wire::ALNUM)
    )
}

fn tb_message_id(seed: &str) -> String {
    format!(
        "<{}@tbird.example>",
        wire::uuid_token(seed, "message-id").to_lowercase()
    )
}

/// Theo's RNP signature (T1): binary (0x00), SHA-256, RSA, no armor Version line.
fn theo_sig_armor(p: &Personas, when: Instant, data: &str, seed: &str) -> Result<String> {
    let sig = crypto::sign_detached(
        &p.theo,
        SigStyle::RnpOrGnupg,
        SignatureType::Binary,
        HashAlgorithm::SHA256,
        when.unix(),
        data.as_bytes(),
        seed,
    )?;
    Ok(wire::armor(
        "PGP SIGNATURE",
        &[],
        &crypto::signature_packet(&sig)?,
    ))
}

/// Thunderbird's multipart/signed around `entity` (T1): returns (Content-Type, body).
fn tb_signed(seed: &str, entity: &str, sig_armor: &str) -> (String, String) {
    let b = tb_boundary(seed, "signed");
    let ct = format!(
        "multipart/signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\";\r\n boundary=\"{b}\""
    );
    let sig_part = format!(
        "Content-Type: application/pgp-signature; name=\"OpenPGP_signature.asc\"\r\n\
         Content-Description: OpenPGP digital signature\r\n\
         Content-Disposition: attachment; filename=\"OpenPGP_signature.asc\"\r\n\r\n{sig_armor}\r\n"
    );
    let body = multipart_body(
        &b,
        Some("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)"),
        &[entity.to_owned(), sig_part],
        "\r\n",
    );
    (ct, body)
}

/// The protected-headers wrapper (T1): `multipart/mixed; protected-headers="v1"` with the
/// header block, around `parts`.
fn tb_protected(seed: &str, mid: &str, date: &str, subject: &str, parts: &[String]) -> String {
    let b = tb_boundary(seed, "protected");
    format!(
        "Content-Type: multipart/mixed; boundary=\"{b}\";\r\n protected-headers=\"v1\"\r\n\
         Message-ID: {mid}\r\nDate: {date}\r\nFrom: Theo <theo@tbird.example>\r\nTo: {ROBIN}\r\nSubject: {subject}\r\n\r\n{}",
        multipart_body(&b, None, parts, "\r\n")
    )
}

fn tb_text_leaf(text: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        wire::quoted_printable(&crlf(text))
    )
}

fn tb_headers(seed: &str, date: &str, subject: &str, autocrypt: &str) -> String {
    format!(
        "Message-ID: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nUser-Agent: Mozilla Thunderbird\r\nContent-Language: en-US\r\nTo: {ROBIN}\r\nFrom: Theo <theo@tbird.example>\r\nSubject: {subject}\r\n{autocrypt}",
        tb_message_id(seed)
    )
}

/// T1: signed, protected headers, key attached (QP), Autocrypt header.
fn tb_openpgp_signed(p: &Personas) -> Result<Built> {
    let id = "thunderbird/openpgp-signed";
    let when = at(11, 8, 21, 7);
    let date = when.rfc5322(120, false);
    let subject = "Signed with Thunderbird";
    let keyid = crypto::keyid_hex(&p.theo);
    let key_armor = wire::armor("PGP PUBLIC KEY BLOCK", &[], &crypto::public_bytes(&p.theo)?);
    let key_leaf = format!(
        "Content-Type: application/pgp-keys; name=\"OpenPGP_0x{keyid}.asc\"\r\n\
         Content-Disposition: attachment; filename=\"OpenPGP_0x{keyid}.asc\"\r\n\
         Content-Description: OpenPGP public key\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        wire::quoted_printable(&key_armor)
    );
    let text = "Hi Robin,\n\nthe signed minutes are below. My key is attached.\n\nTheo\n";
    let mixed_b = tb_boundary(id, "mixed");
    let mixed = format!(
        "Content-Type: multipart/mixed; boundary=\"{mixed_b}\"\r\n\r\n{}",
        multipart_body(
            &mixed_b,
            Some("This is a multi-part message in MIME format."),
            &[tb_text_leaf(text), key_leaf],
            "\r\n"
        )
    );
    let entity = tb_protected(id, &tb_message_id(id), &date, subject, &[mixed]);
    let (ct, body) = tb_signed(id, &entity, &theo_sig_armor(p, when, &entity, id)?);
    let mut eml = tb_headers(
        id,
        &date,
        subject,
        &autocrypt_header("theo@tbird.example", &p.theo)?,
    );
    eml.push_str(&format!("Content-Type: {ct}\r\n\r\n{body}"));
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Thunderbird OpenPGP signed message with protected headers, attached key and Autocrypt",
                product: "Thunderbird (built-in OpenPGP, RNP)",
                version: "115+",
                setting: "Sign messages by default: on; Attach my public key: on",
                url: "https://github.com/mozilla/releases-comm-central/tree/master/mail/test/browser/openpgp/data/eml",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats T1",
                note: Some("RSA-3072 (RNP default), binary signature class 0x00, SHA-256. The Autocrypt header and the attached OpenPGP_0x<KEYID>.asc both carry theo's key, so no inspect.certs.".into()),
            },
            "theo@tbird.example",
            vec![
                layer("pgp-key", Some("autocrypt"), Some("")),
                signed("mime", Some(""), "valid", "sha256", "rsa", "theo@tbird.example", true, Some(true)),
                layer("pgp-key", Some("attachment"), Some("1.1.2")),
            ],
            &[],
            &[],
        ),
    })
}

/// T2 payload: nested multipart/signed → protected-headers mixed → text, encrypted to
/// robin and theo (SEIPD v1, AES-256, no compression). Returns the armored message.
fn theo_encrypted_armor(
    p: &Personas,
    seed: &str,
    when: Instant,
    subject: &str,
    text: &str,
) -> Result<String> {
    let date = when.rfc5322(120, false);
    let entity = tb_protected(
        seed,
        &tb_message_id(seed),
        &date,
        subject,
        &[tb_text_leaf(text)],
    );
    let (ct, body) = tb_signed(
        &format!("{seed}/inner"),
        &entity,
        &theo_sig_armor(p, when, &entity, seed)?,
    );
    let plaintext = format!("Content-Type: {ct}\r\n\r\n{body}");
    let ciphertext = crypto::encrypt(&EncryptRecipe {
        seed,
        recipients: &[&p.robin, &p.theo],
        signer: None,
        compress: false,
        format: DataFormat::Binary,
        filename: None,
        plaintext: plaintext.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    Ok(wire::armor("PGP MESSAGE", &[], &ciphertext))
}

pub(crate) fn tb_encrypted_parts(armor: &str) -> [String; 2] {
    [
        "Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n".to_owned(),
        format!("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n{armor}\r\n"),
    ]
}

const TB_ENC_TEXT: &str =
    "Hi Robin,\n\nthe new door code is 4711. Please keep it to yourself.\n\nTheo\n";

/// T2: encrypted to robin and theo, hidden subject, Autocrypt.
fn tb_openpgp_encrypted(p: &Personas) -> Result<Built> {
    let id = "thunderbird/openpgp-encrypted";
    let when = at(11, 9, 2, 19);
    let date = when.rfc5322(120, false);
    let armor = theo_encrypted_armor(p, id, when, "Door code", TB_ENC_TEXT)?;
    let b = tb_boundary(id, "encrypted");
    let body = multipart_body(
        &b,
        Some("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"),
        &tb_encrypted_parts(&armor),
        "\r\n",
    );
    let mut eml = tb_headers(
        id,
        &date,
        "...",
        &autocrypt_header("theo@tbird.example", &p.theo)?,
    );
    eml.push_str(&format!("Content-Type: multipart/encrypted;\r\n protocol=\"application/pgp-encrypted\";\r\n boundary=\"{b}\"\r\n\r\n{body}"));
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Thunderbird OpenPGP encrypted message (signed inside, hidden subject, Autocrypt)",
                product: "Thunderbird (built-in OpenPGP, RNP)",
                version: "115+",
                setting: "Require encryption: on; Sign: on; Encrypt subject: on (default)",
                url: "https://github.com/chatmail/core/blob/main/test-data/message/thunderbird_encrypted_signed.eml",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats T2",
                note: Some("PKESKs for robin and theo, SEIPD v1 (MDC) AES-256. Payload: nested multipart/signed (RFC 3156 §6.1) → multipart/mixed protected-headers=\"v1\" → text/plain. The encrypted layer is multipart/encrypted at the root; the inner multipart/signed is expected at 2.1 (what encrypted.asc decrypts to). Autocrypt gives theo's key for the inner signature.".into()),
            },
            "theo@tbird.example",
            vec![
                layer("pgp-key", Some("autocrypt"), Some("")),
                encrypted("mime", None, 2),
                signed("mime", Some("2.1"), "valid", "sha256", "rsa", "theo@tbird.example", true, Some(true)),
            ],
            &["openpgp/robin.sec.asc"],
            &[],
        ),
    })
}

/// Exchange Online's header block for a message it received from outside (X1).
fn exchange_headers(seed: &str, when: Instant, autocrypt: &str, content_type: &str) -> String {
    let thread_index = base64::engine::general_purpose::STANDARD.encode(wire::derived_bytes(
        seed,
        "thread-index",
        22,
    ));
    format!(
        "From: Theo <theo@tbird.example>\r\nTo: Robin <{ROBIN}>\r\nSubject: ...\r\nThread-Topic: ...\r\nThread-Index: {thread_index}\r\n\
         Date: {}\r\nMessage-ID: {}\r\nAccept-Language: en-US\r\nContent-Language: en-US\r\n\
         X-MS-Exchange-Organization-AuthAs: Anonymous\r\nX-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator:\r\n{autocrypt}\
         Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n",
        when.rfc5322(0, false),
        tb_message_id(seed)
    )
}

fn exchange_attachment(
    name: &str,
    ctype: &str,
    description: &str,
    data: &[u8],
    when: Instant,
    seed: &str,
) -> String {
    let gmt = when.rfc5322(0, true).replace("+0000", "GMT");
    format!(
        "Content-Type: {ctype}; name=\"{name}\"\r\nContent-Description: {description}\r\n\
         Content-Disposition: attachment; filename=\"{name}\"; size={};\r\n\tcreation-date=\"{gmt}\";\r\n\tmodification-date=\"{gmt}\"\r\n\
         Content-ID: <{}@namprd00.prod.outlook.com>\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        data.len(),
        wire::hex_token(seed, name, 32).to_uppercase(),
        wire::base64_lines(data)
    )
}

/// X1 variants 1 and 2: multipart/mixed with an empty text/plain, the renamed
/// version-identification part and encrypted.asc.
fn exchange_mixed(
    p: &Personas,
    id: &str,
    version_name: &str,
    when: Instant,
    reference_note: &str,
) -> Result<Built> {
    let armor = theo_encrypted_armor(p, id, when, "Door code", TB_ENC_TEXT)?;
    let b = format!(
        "_003_MN2PR00MB{}namprd00prodoutlookcom_",
        wire::hex_token(id, "exchange", 16).to_uppercase()
    );
    let parts = [
        "Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".to_owned(),
        exchange_attachment(version_name, "application/pgp-encrypted", "PGP/MIME version identification", b"Version: 1\r\n", when, id),
        exchange_attachment("encrypted.asc", "application/octet-stream", "OpenPGP encrypted message.asc", armor.as_bytes(), when, id),
    ];
    let body = multipart_body(&b, None, &parts, "\r\n");
    let mut eml = exchange_headers(
        id,
        when,
        &autocrypt_header("theo@tbird.example", &p.theo)?,
        &format!("multipart/mixed;\r\n\tboundary=\"{b}\""),
    );
    eml.push_str(&body);
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Thunderbird PGP/MIME encrypted message after Exchange rewrote it to multipart/mixed",
                product: "Exchange Online (rewriting a Thunderbird PGP/MIME message)",
                version: "2026",
                setting: "Inbound external PGP/MIME mail through Exchange",
                url: "https://github.com/mozilla/releases-comm-central/blob/master/mail/test/browser/openpgp/data/eml/alice-broken-exchange.eml",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats X1",
                note: Some(format!(
                    "{reference_note} The payload is a real Thunderbird message from theo (robin + theo, nested multipart/signed inside). The encrypted layer is expected at its container, the rewritten multipart/mixed (part \"\"), with its ciphertext in part 3 (encrypted.asc, `ciphertext-part`); the inner signature at 3.1."
                )),
            },
            "theo@tbird.example",
            vec![
                layer("pgp-key", Some("autocrypt"), Some("")),
                encrypted("mime", Some(""), 2),
                signed(
                    "mime",
                    Some("3.1"),
                    "valid",
                    "sha256",
                    "rsa",
                    "theo@tbird.example",
                    true,
                    Some(true),
                ),
            ],
            &["openpgp/robin.sec.asc"],
            &[],
        ),
    })
}

/// X1 variant 3: multipart/encrypted kept, parts renamed ATT00001 / ATT00002.
fn exchange_att(p: &Personas) -> Result<Built> {
    let id = "exchange/pgp-mime-att0000n";
    let when = at(12, 13, 44, 9);
    let armor = theo_encrypted_armor(p, id, when, "Door code", TB_ENC_TEXT)?;
    let b = format!(
        "_002_MN2PR00MB{}namprd00prodoutlookcom_",
        wire::hex_token(id, "exchange", 16).to_uppercase()
    );
    let parts = [
        exchange_attachment(
            "ATT00001",
            "application/pgp-encrypted",
            "ATT00001",
            b"Version: 1\r\n",
            when,
            id,
        ),
        exchange_attachment(
            "ATT00002",
            "application/octet-stream",
            "ATT00002",
            armor.as_bytes(),
            when,
            id,
        ),
    ];
    let body = multipart_body(&b, None, &parts, "\r\n");
    let mut eml = exchange_headers(
        id,
        when,
        &autocrypt_header("theo@tbird.example", &p.theo)?,
        &format!(
            "multipart/encrypted;\r\n\tprotocol=\"application/pgp-encrypted\";\r\n\tboundary=\"{b}\""
        ),
    );
    eml.push_str(&body);
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Thunderbird PGP/MIME encrypted message with parts renamed ATT00001/ATT00002 by Exchange",
                product: "Exchange Online (rewriting a Thunderbird PGP/MIME message)",
                version: "2021",
                setting: "Inbound external PGP/MIME mail through Exchange",
                url: FLOWCRYPT_EXPORTS,
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats X1",
                note: Some("Seen in FlowCrypt fixture message-export-17dbdf2425ac0f29.json: multipart/encrypted kept, parts renamed. The encrypted layer is the root multipart/encrypted; the inner signature is expected at 2.1.".into()),
            },
            "theo@tbird.example",
            vec![
                layer("pgp-key", Some("autocrypt"), Some("")),
                encrypted("mime", None, 2),
                signed("mime", Some("2.1"), "valid", "sha256", "rsa", "theo@tbird.example", true, Some(true)),
            ],
            &["openpgp/robin.sec.asc"],
            &[],
        ),
    })
}

// ---------------------------------------------------------------------------------------
// Apple Mail + GPG Suite (G1)

fn apple_gpgsuite_signed(p: &Personas) -> Result<Built> {
    let id = "apple/gpgsuite-signed";
    let when = at(13, 12, 3, 22);
    let b = format!("Apple-Mail=_{}", wire::uuid_token(id, "boundary"));
    let entity = "Content-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\nHi Robin,\r\n\r\nthe signed purchase order is on its way.\r\n\r\nGus\r\n\r\n";
    let sig = crypto::sign_detached(
        &p.gus,
        SigStyle::RnpOrGnupg,
        SignatureType::Binary,
        HashAlgorithm::SHA512,
        when.unix(),
        entity.as_bytes(),
        id,
    )?;
    let armor = wire::armor(
        "PGP SIGNATURE",
        &[("Comment", "GPGTools - https://gpgtools.org")],
        &crypto::signature_packet_old_format(&sig)?,
    );
    let sig_part = format!(
        "Content-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment;\r\n\tfilename=signature.asc\r\n\
         Content-Type: application/pgp-signature;\r\n\tname=signature.asc\r\nContent-Description: Message signed with OpenPGP\r\n\r\n{armor}"
    );
    let body = multipart_body(&b, Some(""), &[entity.to_owned(), sig_part], "\r\n");
    let eml = format!(
        "From: Gus <gus@gpgsuite.example>\r\nContent-Type: multipart/signed;\r\n\tboundary=\"{b}\";\r\n\tprotocol=\"application/pgp-signature\";\r\n\tmicalg=pgp-sha512\r\n\
         Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\r\nSubject: Purchase order\r\nDate: {}\r\n\
         Message-Id: <{}@gpgsuite.example>\r\nTo: {ROBIN}\r\nX-Mailer: Apple Mail (2.3774.600.62)\r\n\r\n{body}",
        when.rfc5322(120, false),
        wire::uuid_token(id, "message-id")
    );
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Apple Mail + GPG Suite PGP/MIME signed message",
                product: "Apple Mail + GPG Suite (GPG Mail)",
                version: "2023",
                setting: "OpenPGP sign: on",
                url: "https://github.com/FlowCrypt/flowcrypt-browser/issues/5124",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats G1",
                note: Some("Boundary Apple-Mail=_<UUID>, pgp-sha512, Content-Description \"Message signed with OpenPGP\" (seen). Signature class 0x00 (binary), EdDSA, GnuPG old-format packet header and the GPGTools Comment line are inferred. No key travels with the message: inspect.certs gives gus's key (keyserver/WKD).".into()),
            },
            "gus@gpgsuite.example",
            vec![signed("mime", Some(""), "valid", "sha512", "eddsa", "gus@gpgsuite.example", true, Some(true))],
            &[],
            &["openpgp/gus.pub.asc"],
        ),
    })
}

// ---------------------------------------------------------------------------------------
// Delta Chat (D1)

/// D1: Delta Chat / chatmail core, encrypted + signed inside, Autocrypt with
/// `prefer-encrypt=mutual`, hidden subject `[...]`, protected headers in the payload.
fn deltachat_encrypted(p: &Personas) -> Result<Built> {
    let id = "deltachat/encrypted-autocrypt";
    let when = at(14, 18, 30, 12);
    let date = when.rfc5322(0, false);
    let b = format!(
        "{}_{}_{}",
        wire::hex_token(id, "b1", 16),
        wire::hex_token(id, "b2", 16),
        wire::hex_token(id, "b3", 16)
    );
    let mid = format!(
        "Mr.{}.{}@chat.example",
        wire::alnum_token(id, "mr1", 11, wire::ALNUM),
        wire::alnum_token(id, "mr2", 11, wire::ALNUM)
    );
    let payload = crlf(&format!(
        "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"\n\
         From: <dee@chat.example>\nTo: <{ROBIN}>\nSubject: Hello Robin\nDate: {date}\n\
         Message-ID: <{mid}>\nChat-Version: 1.0\n\n\
         Hi Robin, this is Dee writing from Delta Chat.\n"
    ));
    // rPGP's subpacket layout is not recorded in the research; RNP's stands in (inferred).
    let ciphertext = crypto::encrypt(&EncryptRecipe {
        seed: id,
        recipients: &[&p.robin, &p.dee],
        signer: Some((
            &p.dee,
            when.unix(),
            HashAlgorithm::SHA256,
            SigStyle::RnpOrGnupg,
        )),
        compress: false,
        format: DataFormat::Binary,
        filename: None,
        plaintext: payload.as_bytes(),
        container: crypto::Container::SeipdV1,
    })?;
    let armor = wire::armor("PGP MESSAGE", &[], &ciphertext);
    let parts = [
        "Content-Type: application/pgp-encrypted; charset=\"utf-8\"\r\n\
         Content-Description: PGP/MIME version identification\r\n\
         Content-Transfer-Encoding: 7bit\r\n\r\nVersion: 1\r\n"
            .to_owned(),
        format!(
            "Content-Type: application/octet-stream; name=\"encrypted.asc\";\r\n\tcharset=\"utf-8\"\r\n\
             Content-Description: OpenPGP encrypted message\r\n\
             Content-Disposition: inline; filename=\"encrypted.asc\";\r\n\
             Content-Transfer-Encoding: 7bit\r\n\r\n{armor}"
        ),
    ];
    let body = multipart_body(&b, None, &parts, "\r\n");
    let keydata = base64::engine::general_purpose::STANDARD.encode(crypto::public_bytes(&p.dee)?);
    let eml = format!(
        "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n\tboundary=\"{b}\"\r\n\
         MIME-Version: 1.0\r\nFrom: <dee@chat.example>\r\nTo: <{ROBIN}>\r\nSubject: [...]\r\n\
         Date: {date}\r\nMessage-ID: <{mid}>\r\nChat-Version: 1.0\r\n\
         Autocrypt: addr=dee@chat.example; prefer-encrypt=mutual;\r\n\tkeydata={}\r\n\r\n{body}",
        fold_b64(&keydata, 60, 76, "\t")
    );
    Ok(Built {
        id: id.into(),
        eml: eml.into_bytes(),
        sidecar: sidecar(
            Meta {
                id,
                title: "Delta Chat encrypted message with Autocrypt (prefer-encrypt=mutual)",
                product: "Delta Chat (chatmail core)",
                version: "1.x (2024)",
                setting: "Default: end-to-end encryption once Autocrypt keys are exchanged",
                url: "https://github.com/chatmail/core/blob/main/src/mimefactory.rs",
                confidence: ProvenanceConfidence::Seen,
                reference: "sender-formats D1",
                note: Some("Persona dee@chat.example exists only for this sample. PKESKs for robin and dee, SEIPD v1 AES-256, one-pass signature by dee (SHA-256) inside; payload is text/plain protected-headers=\"v1\" (the pre-RFC 9788 form of D1; newer cores add hp=\"cipher\"/HP-Outer). Autocrypt gives dee's key for the inner signature. The encrypted layer is multipart/encrypted at the root; the inner signature is expected at 2.1.".into()),
            },
            "dee@chat.example",
            vec![
                layer("pgp-key", Some("autocrypt"), Some("")),
                encrypted("mime", None, 2),
                signed("mime", Some("2.1"), "valid", "sha256", "eddsa", "dee@chat.example", true, Some(true)),
            ],
            &["openpgp/robin.sec.asc"],
            &[],
        ),
    })
}

/// PHPMailer-style `b1_` boundary: `b1_` + 43 base64url characters (sender-formats P5/P9).
fn b1_boundary(seed: &str, label: &str) -> String {
    // 33 bytes give 44 base64url characters; keep the first 43 (char-boundary safe: ASCII).
    let token = wire::b64url_token(seed, label, 33);
    format!("b1_{}", token.get(..43).unwrap_or(&token))
}

/// Every OpenPGP sample, in the brief's order.
pub(crate) fn all(p: &Personas) -> Result<Vec<Built>> {
    let mut out = Vec::new();
    out.push(proton_plain());
    out.extend(proton_pgp_mime_signed(p)?);
    out.push(proton_signed_2019(p)?);
    out.push(proton_signed_key_attached(p)?);
    out.push(proton_signed_html(p)?);
    out.push(proton_encrypted(p)?);
    out.push(proton_inline_encrypted(p)?);
    out.push(proton_inline_signed(p)?);
    out.push(proton_eo_notice());
    out.push(proton_bridge_mixed_up(p)?);
    out.extend(proton_rfc9580(p)?);
    out.push(exchange_mixed(
        p,
        "exchange/pgp-mime-version-identification",
        "PGPMIME version identification",
        at(12, 8, 14, 2),
        "Seen in Thunderbird's test alice-broken-exchange.eml (namprd00.prod.outlook.com).",
    )?);
    out.push(exchange_mixed(p, "exchange/pgp-mime-versions-identification", "PGPMIME Versions Identification", at(12, 9, 51, 40), "Seen in FlowCrypt fixture message-export-16224f57d26e038e.json (2018): name=\"PGPMIME Versions Identification\".")?);
    out.push(exchange_att(p)?);
    out.push(tb_openpgp_signed(p)?);
    out.push(tb_openpgp_encrypted(p)?);
    out.push(apple_gpgsuite_signed(p)?);
    out.push(deltachat_encrypted(p)?);
    Ok(out)
}
