//! The walker: finding every security layer of a message and the exact bytes each one covers.
//!
//! The walker parses a message with mail-parser (iterative, linear in the input), then visits
//! its part tree depth-first, recognising:
//! - `multipart/signed` (RFC 1847) as S/MIME (RFC 8551 §3.5.3) or PGP/MIME (RFC 3156 §5),
//!   judged by `protocol=` *and* by the signature part's type, so Outlook's
//!   `protocol="application/x-pkcs7-signature"` with an `application/pkcs7-signature` part and
//!   other spellings all work;
//! - `application/(x-)pkcs7-mime`, and `.p7m` parts with no `smime-type` or as
//!   `application/octet-stream` (MS-OXOSMIME §2.1.3.2), by the CMS content type they hold;
//! - `multipart/encrypted` (RFC 3156 §4) and Exchange's and Proton Bridge's rewrites of it
//!   into `multipart/mixed`; inline armor, `.pgp`/`.sig` pairs, attached keys, `Autocrypt:`;
//! - wrappers that decide what a client shows: OME/IRM, TNEF, Proton's EO notice.
//!
//! Decrypted and opaque-signed content is walked again as a message of its own, with part
//! paths continuing below the part that carried it (see [`crate::facts::Layer::part`]).
//! Every loop is bounded by the named limits below; exceeding one is a problem, not a panic.

use std::collections::BTreeSet;

use mail_parser::{MessageParser, MessagePart, MimeHeaders, PartType};
use sequoia_openpgp::Cert;

use super::{Inputs, MAX_DEPTH, MAX_LAYERS, MAX_MESSAGE_BYTES, MAX_PARTS, MAX_UNWRAP};
use crate::facts::reason;
use crate::facts::{Inspection, Layer, LayerForm, LayerKind, Problem, ProblemCode, SignatureFacts};
use crate::mime::{
    MESSAGE_BEGIN, SIGNED_MESSAGE_BEGIN, armor_is_whole, canonical_crlf, child_path, content_type,
    find_eo_link, first_body_part, is_attachment, is_key_part, looks_like_mime_entity,
    looks_like_pgp_message, looks_like_pgp_signature, micalg_matches, param, part_name, part_raw,
    path_key,
};
use crate::openpgp::{self, PgpContext};
use crate::smime::{self, CmsKind, SmimeContext};

/// Walks the message and collects every layer.
pub(super) fn inspect_message(message: &[u8], inputs: &Inputs) -> Inspection {
    let mut problems = Vec::new();
    let message = if message.len() > MAX_MESSAGE_BYTES {
        problems.push(Problem::new(
            ProblemCode::MessageTooLarge,
            format!(
                "the message is {} bytes; only the first {MAX_MESSAGE_BYTES} were inspected",
                message.len()
            ),
        ));
        &message[..MAX_MESSAGE_BYTES]
    } else {
        message
    };
    if let Some(why) = crate::mime::not_a_message(message) {
        problems.push(Problem::new(ProblemCode::NotAMessage, why));
        return Inspection {
            problems,
            ..Inspection::empty(None)
        };
    }
    let mut walker = Walker {
        inputs,
        // Read from the top-level entity's header when the walk parses it.
        from: None,
        layers: Vec::new(),
        problems,
        pgp_certs: inputs.pgp_certs.clone(),
        parts_seen: 0,
        unwrap_depth: 0,
    };
    walker.entity(message, "", 0, true, true);
    // Outermost first, depth-first: part-path order. The sort is stable, so layers at the same
    // part keep the order the walk found them in (an Autocrypt key before a root signature).
    walker.layers.sort_by_cached_key(|l| path_key(&l.part));
    Inspection {
        schema: crate::facts::INSPECT_SCHEMA.to_owned(),
        from: walker.from,
        layers: walker.layers,
        problems: walker.problems,
        stored_item_class: None,
        item_mime: None,
    }
}

/// The first `From` address, trimmed and lower-case.
fn from_address(message: &mail_parser::Message) -> Option<String> {
    message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
}

struct Walker<'a> {
    inputs: &'a Inputs,
    from: Option<String>,
    layers: Vec<Layer>,
    problems: Vec<Problem>,
    /// `--cert` plus every key found in the message so far.
    pgp_certs: Vec<Cert>,
    parts_seen: usize,
    /// How many decrypt/unwrap levels deep the entity being walked is.
    unwrap_depth: usize,
}

/// One parsed entity's tree with the facts the visit needs.
struct Tree<'m> {
    raw: &'m [u8],
    parts: &'m [MessagePart<'m>],
    /// Paths already handled by a pattern (so they are not reported twice).
    consumed: BTreeSet<usize>,
    /// Path prefix of this entity's root (`""` at top level, `"2.1"` inside decrypted part 2).
    root_path: String,
    /// Whether this entity is what the reader sees as the body.
    whole_body: bool,
    /// Plaintext of `.pgp` attachments decrypted so far, by part index (for `.sig` pairs).
    decrypted_attachments: Vec<(usize, Vec<u8>)>,
}

impl Walker<'_> {
    fn problem(&mut self, code: ProblemCode, message: impl Into<String>) {
        // Identical problems (the same limit hit in many places) are reported once.
        let message = message.into();
        if !self
            .problems
            .iter()
            .any(|p| p.code == code && p.message == message)
        {
            self.problems.push(Problem::new(code, message));
        }
    }

    fn push(&mut self, layer: Layer) {
        if self.layers.len() < MAX_LAYERS {
            self.layers.push(layer);
        } else if self.layers.len() == MAX_LAYERS {
            self.problem(
                ProblemCode::LayerLimit,
                format!("more than {MAX_LAYERS} layers; the rest are not reported"),
            );
        }
    }

    fn pgp_ctx(&self) -> PgpContext<'_> {
        PgpContext {
            from: self.from.as_deref(),
            certs: &self.pgp_certs,
            secret_keys: &self.inputs.pgp_secret_keys,
        }
    }

    fn smime_ctx(&self) -> SmimeContext<'_> {
        SmimeContext {
            from: self.from.as_deref(),
            keys: &self.inputs.smime_keys,
            certs: &self.inputs.x509_certs,
        }
    }

    /// Walks one MIME entity (a whole message, or decrypted / unwrapped content).
    fn entity(&mut self, raw: &[u8], root_path: &str, unwrap: usize, whole_body: bool, top: bool) {
        if unwrap > MAX_UNWRAP {
            self.problem(
                ProblemCode::UnwrapLimit,
                format!("content nested more than {MAX_UNWRAP} layers deep was not opened"),
            );
            return;
        }
        let parsed = MessageParser::default().parse(raw);
        if top {
            self.from = match &parsed {
                Some(message) => from_address(message),
                None => MessageParser::default()
                    .parse_headers(raw)
                    .and_then(|m| from_address(&m)),
            };
        }
        let Some(message) = parsed else {
            self.problem(
                ProblemCode::MimeUnparseable,
                format!("part {root_path:?}: not a MIME entity"),
            );
            return;
        };
        if top && let Some(value) = message.header_raw("Autocrypt") {
            let found = openpgp::autocrypt_keys(value);
            self.problems.extend(found.problems);
            self.pgp_certs.extend(found.certs);
            if !found.facts.is_empty() {
                let mut layer = Layer::new(LayerKind::PgpKey, Some(LayerForm::Autocrypt), "");
                layer.keys = found.facts;
                self.push(layer);
            }
        }
        let mut tree = Tree {
            raw: message.raw_message.as_ref(),
            parts: &message.parts,
            consumed: BTreeSet::new(),
            root_path: root_path.to_owned(),
            whole_body,
            decrypted_attachments: Vec::new(),
        };
        if message.parts.iter().any(|p| p.is_encoding_problem) {
            self.problem(
                ProblemCode::MimeEncoding,
                format!("entity {root_path:?}: a part's transfer encoding is broken"),
            );
        }
        self.collect_keys(&mut tree);
        let outer = std::mem::replace(&mut self.unwrap_depth, unwrap);
        self.part(&mut tree, 0, root_path.to_owned(), 0);
        self.unwrap_depth = outer;
    }

    /// First pass: every attached OpenPGP key, so signatures anywhere can use it.
    fn collect_keys(&mut self, tree: &mut Tree) {
        for part in tree.parts.iter().take(MAX_PARTS) {
            if is_key_part(part) {
                let found = openpgp::keys_in(part.contents(), &part_name(part).unwrap_or_default());
                self.pgp_certs.extend(found.certs);
            }
        }
    }

    fn part(&mut self, tree: &mut Tree, index: usize, path: String, depth: usize) {
        self.parts_seen += 1;
        if self.parts_seen == MAX_PARTS + 1 {
            self.problem(
                ProblemCode::PartLimit,
                format!("more than {MAX_PARTS} parts; the rest were not examined"),
            );
        }
        if self.parts_seen > MAX_PARTS || tree.consumed.contains(&index) {
            return;
        }
        let Some(part) = tree.parts.get(index) else {
            return;
        };
        let (ctype, subtype) = content_type(part);
        match (&part.body, ctype.as_str()) {
            (PartType::Multipart(children), "multipart") => {
                if depth >= MAX_DEPTH {
                    self.problem(
                        ProblemCode::MimeDepthLimit,
                        format!("MIME nesting deeper than {MAX_DEPTH} levels was not examined"),
                    );
                    return;
                }
                let children: Vec<usize> = children.iter().map(|&c| c as usize).collect();
                match subtype.as_str() {
                    "signed" => self.multipart_signed(tree, index, &children, &path, depth),
                    "encrypted" => self.multipart_encrypted(tree, index, &children, &path, depth),
                    _ => {
                        self.rewritten_pgp_mime(tree, &children, &path);
                        self.sig_pairs(tree, &children, &path);
                        for (n, &child) in children.iter().enumerate() {
                            self.part(tree, child, child_path(&path, n), depth + 1);
                        }
                    }
                }
            }
            _ => self.leaf(tree, index, &path),
        }
    }

    fn multipart_signed(
        &mut self,
        tree: &mut Tree,
        index: usize,
        children: &[usize],
        path: &str,
        depth: usize,
    ) {
        let protocol = param(&tree.parts[index], "protocol").to_ascii_lowercase();
        let micalg = tree.parts[index]
            .content_type()
            .and_then(|c| c.attribute("micalg"))
            .map(str::to_owned);
        let boundary = tree.parts[index]
            .content_type()
            .and_then(|c| c.attribute("boundary"))
            .map(str::to_owned);
        let (Some(&content), Some(&sig_index)) = (children.first(), children.get(1)) else {
            self.problem(
                ProblemCode::MultipartSignedMalformed,
                format!("part {path:?}: multipart/signed needs two parts"),
            );
            for (n, &child) in children.iter().enumerate() {
                self.part(tree, child, child_path(path, n), depth + 1);
            }
            return;
        };
        let sig_part = &tree.parts[sig_index];
        let (sig_type, sig_sub) = content_type(sig_part);
        let sig_mime = format!("{sig_type}/{sig_sub}");
        let is_smime = protocol.contains("pkcs7-signature") || sig_mime.contains("pkcs7-signature");
        let is_pgp = protocol.contains("pgp-signature") || sig_mime == "application/pgp-signature";
        let signed_bytes = boundary
            .as_deref()
            .and_then(|b| first_body_part(part_raw(tree.raw, &tree.parts[index]), b))
            .map(canonical_crlf);
        let whole = self.is_whole_body(tree, index);
        let mut layer;
        if is_smime || is_pgp {
            let kind = if is_smime {
                LayerKind::SmimeSigned
            } else {
                LayerKind::PgpSigned
            };
            let form = if is_smime {
                LayerForm::Clear
            } else {
                LayerForm::Mime
            };
            layer = Layer::new(kind, Some(form), path.to_owned());
            layer.wire.insert("protocol".into(), protocol.clone());
            layer.wire.insert("signature-type".into(), sig_mime.clone());
            if let Some(m) = &micalg {
                layer.wire.insert("micalg".into(), m.clone());
            }
            match &signed_bytes {
                None => {
                    self.problem(
                        ProblemCode::MultipartSignedMalformed,
                        format!("part {path:?}: the signed part could not be delimited"),
                    );
                    layer.signature = Some(SignatureFacts::unverifiable(reason!(
                        Malformed,
                        "the signed content could not be delimited"
                    )));
                    if is_smime {
                        layer.capabilities = Some(Vec::new());
                    }
                }
                Some(signed) if is_smime => {
                    let facts =
                        smime::inspect_signed(sig_part.contents(), Some(signed), &self.smime_ctx());
                    self.problems.extend(facts.problems);
                    let mut signature = facts.signature;
                    signature.covers_whole_body = whole;
                    layer.signature = Some(signature);
                    layer.capabilities = Some(facts.capabilities);
                    layer.key_preference = facts.key_preference;
                    layer.certificates = facts.certificates;
                }
                Some(signed) => {
                    let verified =
                        openpgp::verify_detached(sig_part.contents(), signed, &self.pgp_ctx());
                    self.problems.extend(verified.problems);
                    let mut signature = verified.signature;
                    signature.covers_whole_body = whole;
                    layer.signature = Some(signature);
                }
            }
            if let (Some(m), Some(sig)) = (&micalg, layer.signature.as_ref())
                && let Some(d) = sig.digest
                && !micalg_matches(m, d)
            {
                self.problem(
                    ProblemCode::MicalgMismatch,
                    format!(
                        "part {path:?}: micalg={m} but the signature uses {}",
                        d.as_str()
                    ),
                );
            }
            self.push(layer);
        } else {
            self.problem(
                ProblemCode::MultipartSignedUnknownProtocol,
                format!("part {path:?}: multipart/signed with protocol {protocol:?} and a {sig_mime} part"),
            );
        }
        tree.consumed.insert(sig_index);
        self.part(tree, content, child_path(path, 0), depth + 1);
        for (n, &child) in children.iter().enumerate().skip(2) {
            self.part(tree, child, child_path(path, n), depth + 1);
        }
    }

    fn multipart_encrypted(
        &mut self,
        tree: &mut Tree,
        index: usize,
        children: &[usize],
        path: &str,
        depth: usize,
    ) {
        let protocol = param(&tree.parts[index], "protocol").to_ascii_lowercase();
        // RFC 3156 §4: the second part carries the OpenPGP message; find it by content.
        let payload = children
            .iter()
            .enumerate()
            .skip(1)
            .find(|&(_, &c)| looks_like_pgp_message(tree.parts[c].contents()))
            .or_else(|| children.iter().enumerate().nth(1));
        if protocol != "application/pgp-encrypted" && payload.is_none() {
            self.problem(
                ProblemCode::MultipartEncryptedUnknownProtocol,
                format!("part {path:?}: multipart/encrypted with protocol {protocol:?}"),
            );
            for (n, &child) in children.iter().enumerate() {
                self.part(tree, child, child_path(path, n), depth + 1);
            }
            return;
        }
        let Some((n, &payload)) = payload else {
            self.problem(
                ProblemCode::MultipartEncryptedMalformed,
                format!("part {path:?}: no encrypted part"),
            );
            return;
        };
        let renamed = children.iter().any(|&c| {
            part_name(&tree.parts[c])
                .is_some_and(|name| name.to_ascii_uppercase().starts_with("ATT0000"))
        });
        let whole = self.is_whole_body(tree, index);
        let mut extra = Vec::new();
        if renamed {
            extra.push(("rewrite", "exchange-att-names".to_owned()));
        }
        for &c in children {
            tree.consumed.insert(c);
        }
        self.pgp_encrypted(
            tree,
            payload,
            path,
            &child_path(path, n),
            LayerForm::Mime,
            whole,
            extra,
        );
    }

    /// Exchange (and Proton Bridge) turn PGP/MIME encrypted mail into `multipart/mixed` with a
    /// version part and the ciphertext as attachments (sender-formats X1, P9).
    fn rewritten_pgp_mime(&mut self, tree: &mut Tree, children: &[usize], path: &str) {
        let version = children.iter().position(|&c| {
            let (t, s) = content_type(&tree.parts[c]);
            t == "application" && s == "pgp-encrypted"
        });
        let Some(version) = version else { return };
        let payload = children
            .iter()
            .enumerate()
            .skip(version + 1)
            .find(|&(_, &c)| looks_like_pgp_message(tree.parts[c].contents()));
        let Some((n, &payload)) = payload else { return };
        let version_name = part_name(&tree.parts[children[version]]).unwrap_or_default();
        let rewrite = if version_name.to_ascii_lowercase().contains("pgpmime") {
            "exchange-mixed"
        } else if version_name == "attachment.pgp" {
            "proton-bridge-mixed"
        } else {
            "mixed"
        };
        tree.consumed.insert(children[version]);
        tree.consumed.insert(payload);
        // The rewritten message is what the reader gets as the body, so a decrypted payload is
        // as whole as the multipart/mixed around it.
        let whole = tree.whole_body && self.depth_of_path(path, tree) == 0;
        let extra = vec![
            ("rewrite", rewrite.to_owned()),
            ("version-part-name", version_name),
        ];
        self.pgp_encrypted(
            tree,
            payload,
            path,
            &child_path(path, n),
            LayerForm::Mime,
            whole,
            extra,
        );
    }

    fn depth_of_path(&self, path: &str, tree: &Tree) -> usize {
        let rel = path.strip_prefix(tree.root_path.as_str()).unwrap_or(path);
        rel.split('.').filter(|s| !s.is_empty()).count()
    }

    /// Proton's PGP/Inline attachments come as `<name>.pgp` + `<name>.sig` (sender-formats P5).
    fn sig_pairs(&mut self, tree: &mut Tree, children: &[usize], path: &str) {
        for (n, &sig) in children.iter().enumerate() {
            let Some(name) = part_name(&tree.parts[sig]) else {
                continue;
            };
            let Some(base) = name.strip_suffix(".sig") else {
                continue;
            };
            if !looks_like_pgp_signature(tree.parts[sig].contents()) {
                continue;
            }
            let target = children.iter().enumerate().find(|&(_, &c)| {
                part_name(&tree.parts[c]).is_some_and(|t| t == base || t == format!("{base}.pgp"))
            });
            let sig_path = child_path(path, n);
            let mut layer = Layer::new(
                LayerKind::PgpSigned,
                Some(LayerForm::Inline),
                sig_path.clone(),
            );
            layer.wire.insert("filename".into(), name.clone());
            tree.consumed.insert(sig);
            let Some((tn, &target)) = target else {
                layer.signature = Some(SignatureFacts::unverifiable(reason!(
                    OrphanSignature,
                    "no attachment named like the signature"
                )));
                self.push(layer);
                continue;
            };
            layer.wire.insert("signs-part".into(), child_path(path, tn));
            let target_name = part_name(&tree.parts[target]).unwrap_or_default();
            let content: Option<Vec<u8>> = if target_name.ends_with(".pgp") {
                // Decrypt the target first (it is reported as its own layer).
                tree.consumed.insert(target);
                let target_path = child_path(path, tn);
                self.pgp_encrypted(
                    tree,
                    target,
                    &target_path,
                    &target_path,
                    LayerForm::Inline,
                    false,
                    Vec::new(),
                );
                tree.decrypted_attachments
                    .iter()
                    .find(|(i, _)| *i == target)
                    .map(|(_, p)| p.clone())
            } else {
                Some(tree.parts[target].contents().to_vec())
            };
            layer.signature = Some(match content {
                Some(content) => {
                    let verified = openpgp::verify_detached(
                        tree.parts[sig].contents(),
                        &content,
                        &self.pgp_ctx(),
                    );
                    self.problems.extend(verified.problems);
                    verified.signature
                }
                None => SignatureFacts::unverifiable(reason!(
                    SignedContentEncrypted,
                    "the signed attachment could not be decrypted"
                )),
            });
            self.push(layer);
        }
    }

    /// An OpenPGP message in part `index`: report it, decrypt it, walk what it holds.
    /// An OpenPGP encrypted layer: `index` is the part that carries the ciphertext, at
    /// `carrier`; the layer is reported at `container`, the part that is the layer (the
    /// `multipart/encrypted` around the ciphertext for PGP/MIME, the carrier itself
    /// otherwise). Decrypted content continues under the carrier (`facts::Layer::part`).
    #[allow(clippy::too_many_arguments)]
    fn pgp_encrypted(
        &mut self,
        tree: &mut Tree,
        index: usize,
        container: &str,
        carrier: &str,
        form: LayerForm,
        whole: bool,
        extra: Vec<(&str, String)>,
    ) {
        let path = carrier;
        let part = &tree.parts[index];
        let mut layer = Layer::new(LayerKind::PgpEncrypted, Some(form), container.to_owned());
        if container != carrier {
            layer
                .wire
                .insert(crate::facts::CIPHERTEXT_PART.into(), carrier.to_owned());
        }
        if let Some(name) = part_name(part) {
            layer.wire.insert("filename".into(), name);
        }
        for (k, v) in extra {
            layer.wire.insert(k.into(), v);
        }
        let facts = openpgp::inspect_encrypted(part.contents(), &self.pgp_ctx());
        self.problems.extend(facts.problems);
        layer.encryption = Some(facts.encryption);
        self.push(layer);
        let inner_path = child_path(path, 0);
        if let Some(mut signature) = facts.inner_signature {
            signature.covers_whole_body = whole;
            let mut signed = Layer::new(LayerKind::PgpSigned, Some(form), inner_path.clone());
            signed.wire.insert("embedded".into(), "true".into());
            signed.signature = Some(signature);
            self.push(signed);
        }
        if let Some(plain) = facts.plaintext {
            if form == LayerForm::Mime && looks_like_mime_entity(&plain) {
                self.entity(&plain, &inner_path, self.unwrap_depth + 1, whole, false);
            } else {
                self.inline_text(&plain, &inner_path, whole);
            }
            tree.decrypted_attachments.push((index, plain));
        }
    }

    /// Inline OpenPGP inside decrypted text (a cleartext-signed block).
    fn inline_text(&mut self, text: &[u8], path: &str, whole: bool) {
        if SIGNED_MESSAGE_BEGIN.find(text).is_some() {
            let facts = openpgp::verify_cleartext(text, &self.pgp_ctx());
            self.problems.extend(facts.problems);
            let mut signature = facts.signature;
            signature.covers_whole_body =
                whole && armor_is_whole(text, b"-----BEGIN PGP SIGNED MESSAGE-----");
            let mut layer = Layer::new(
                LayerKind::PgpSigned,
                Some(LayerForm::Inline),
                path.to_owned(),
            );
            layer.signature = Some(signature);
            self.push(layer);
        }
    }

    fn leaf(&mut self, tree: &mut Tree, index: usize, path: &str) {
        let part = &tree.parts[index];
        let (ctype, subtype) = content_type(part);
        let mime = format!("{ctype}/{subtype}");
        let name = part_name(part);
        let lower_name = name
            .as_deref()
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let smime_type = part
            .content_type()
            .and_then(|c| c.attribute("smime-type"))
            .map(str::to_ascii_lowercase);
        let whole = self.is_whole_body(tree, index);

        let is_p7m = mime == "application/pkcs7-mime"
            || mime == "application/x-pkcs7-mime"
            || (lower_name.ends_with(".p7m")
                && (mime == "application/octet-stream" || ctype == "application"));
        if is_p7m {
            self.pkcs7_mime(tree, index, path, smime_type, whole);
            return;
        }
        if mime.ends_with("pkcs7-signature") || lower_name.ends_with(".p7s") {
            // A detached S/MIME signature outside multipart/signed: what Proton makes of an
            // Outlook clear-signed message (sender-formats P8): nothing left to verify against.
            let mut layer = Layer::new(
                LayerKind::SmimeSigned,
                Some(LayerForm::Clear),
                path.to_owned(),
            );
            let facts = smime::inspect_signed(part.contents(), None, &self.smime_ctx());
            self.problems.extend(facts.problems);
            layer.signature = Some(SignatureFacts {
                status: crate::SignatureStatus::Unverifiable,
                reason: reason!(
                    OrphanSignature,
                    "a detached signature outside multipart/signed"
                ),
                covers_whole_body: false,
                ..facts.signature
            });
            layer.capabilities = Some(facts.capabilities);
            layer.key_preference = facts.key_preference;
            layer.certificates = facts.certificates;
            layer.wire.insert("content-type".into(), mime);
            self.push(layer);
            return;
        }
        if mime == "application/pgp-signature" {
            let mut layer = Layer::new(
                LayerKind::PgpSigned,
                Some(LayerForm::Inline),
                path.to_owned(),
            );
            layer.signature = Some(SignatureFacts::unverifiable(reason!(
                OrphanSignature,
                "a detached OpenPGP signature outside multipart/signed"
            )));
            self.push(layer);
            return;
        }
        if is_key_part(part) {
            let found = openpgp::keys_in(part.contents(), name.as_deref().unwrap_or_default());
            self.problems.extend(found.problems);
            let mut layer = Layer::new(
                LayerKind::PgpKey,
                Some(LayerForm::Attachment),
                path.to_owned(),
            );
            if let Some(name) = &name {
                layer.wire.insert("filename".into(), name.clone());
            }
            layer.keys = found.facts;
            self.push(layer);
            return;
        }
        if mime == "application/x-microsoft-rpmsg-message" || lower_name.ends_with(".rpmsg") {
            let mut layer = Layer::new(LayerKind::Ome, None, path.to_owned());
            layer.wire.insert("variant".into(), "rpmsg".into());
            if let Some(name) = &name {
                layer.wire.insert("filename".into(), name.clone());
            }
            self.push(layer);
            return;
        }
        if mime == "application/ms-tnef"
            || mime == "application/vnd.ms-tnef"
            || lower_name == "winmail.dat"
        {
            let mut layer = Layer::new(LayerKind::Tnef, None, path.to_owned());
            if !part.contents().starts_with(&[0x78, 0x9f, 0x3e, 0x22]) {
                self.problem(
                    ProblemCode::TnefMalformed,
                    format!("part {path:?}: no TNEF signature 0x223E9F78"),
                );
            }
            layer
                .wire
                .insert("filename".into(), name.clone().unwrap_or_default());
            self.push(layer);
            return;
        }
        let contents = part.contents();
        let pgp_file = lower_name.ends_with(".pgp")
            || lower_name.ends_with(".gpg")
            || lower_name.ends_with(".asc");
        // OpenPGP only by its armor, or by binary packets where the part says it holds
        // OpenPGP data (a .pgp/.gpg/.asc name, application/pgp-encrypted): a Latin-1 text
        // whose first byte happens to read as a packet tag is text.
        let armored = MESSAGE_BEGIN.find(contents).is_some();
        let says_pgp = pgp_file || mime == "application/pgp-encrypted";
        if (armored && (ctype == "text" || says_pgp || mime == "application/octet-stream"))
            || (says_pgp && looks_like_pgp_message(contents))
        {
            let whole_text = ctype == "text"
                && whole
                && armor_is_whole(contents, b"-----BEGIN PGP MESSAGE-----");
            self.pgp_encrypted(
                tree,
                index,
                path,
                path,
                LayerForm::Inline,
                whole_text,
                Vec::new(),
            );
            return;
        }
        if ctype == "text" && SIGNED_MESSAGE_BEGIN.find(contents).is_some() {
            self.inline_text(contents, path, whole && !is_attachment(part));
            return;
        }
        if ctype == "text" && !is_attachment(part) {
            self.wrapper_notices(contents, path, &subtype);
        }
        if lower_name == "message.html" {
            self.ome_once(path, "message-html");
        }
    }

    /// Opaque S/MIME: SignedData, EnvelopedData or AuthEnvelopedData in a pkcs7-mime part.
    fn pkcs7_mime(
        &mut self,
        tree: &mut Tree,
        index: usize,
        path: &str,
        smime_type: Option<String>,
        whole: bool,
    ) {
        let part = &tree.parts[index];
        let der = part.contents();
        let kind = match smime::content_kind(der) {
            Ok(kind) => kind,
            Err(problem) => {
                self.problems.push(problem);
                // Say what it claimed to be, so a model still sees a (broken) S/MIME layer.
                let (kind, form) = match smime_type.as_deref() {
                    Some("signed-data") => (LayerKind::SmimeSigned, Some(LayerForm::Opaque)),
                    Some("authenveloped-data") => (LayerKind::SmimeAuthEnveloped, None),
                    _ => (LayerKind::SmimeEnveloped, None),
                };
                let mut layer = Layer::new(kind, form, path.to_owned());
                if kind == LayerKind::SmimeSigned {
                    layer.signature = Some(SignatureFacts::unverifiable(reason!(
                        Malformed,
                        "the CMS structure does not parse"
                    )));
                    layer.capabilities = Some(Vec::new());
                } else {
                    layer.encryption = Some(crate::facts::EncryptionFacts::unknown());
                }
                self.push(layer);
                return;
            }
        };
        let claimed = match &kind {
            CmsKind::SignedData => "signed-data",
            CmsKind::EnvelopedData => "enveloped-data",
            CmsKind::AuthEnvelopedData => "authenveloped-data",
            CmsKind::Other(_) => "other",
        };
        if let Some(t) = &smime_type
            && t != claimed
            && !(t == "certs-only" && claimed == "signed-data")
        {
            self.problem(
                ProblemCode::SmimeTypeMismatch,
                format!("part {path:?}: smime-type={t} but the CMS content is {claimed}"),
            );
        }
        let inner_path = child_path(path, 0);
        let unwrap = self.unwrap_depth;
        match kind {
            CmsKind::SignedData => {
                let facts = smime::inspect_signed(der, None, &self.smime_ctx());
                self.problems.extend(facts.problems);
                let mut layer = Layer::new(
                    LayerKind::SmimeSigned,
                    Some(LayerForm::Opaque),
                    path.to_owned(),
                );
                let mut signature = facts.signature;
                signature.covers_whole_body = whole;
                layer.signature = Some(signature);
                layer.capabilities = Some(facts.capabilities);
                layer.key_preference = facts.key_preference;
                layer.certificates = facts.certificates;
                if let Some(t) = smime_type {
                    layer.wire.insert("smime-type".into(), t);
                }
                self.push(layer);
                if let Some(content) = facts.encapsulated {
                    self.entity(
                        &canonical_crlf(&content),
                        &inner_path,
                        unwrap + 1,
                        whole,
                        false,
                    );
                }
            }
            CmsKind::EnvelopedData | CmsKind::AuthEnvelopedData => {
                let facts = smime::inspect_enveloped(der, &self.smime_ctx());
                self.problems.extend(facts.problems);
                let mut layer = Layer::new(facts.kind, None, path.to_owned());
                layer.encryption = Some(facts.encryption);
                layer.certificates = facts.certificates;
                if let Some(t) = smime_type {
                    layer.wire.insert("smime-type".into(), t);
                }
                self.push(layer);
                if let Some(plain) = facts.plaintext {
                    self.entity(&plain, &inner_path, unwrap + 1, whole, false);
                }
            }
            CmsKind::Other(oid) => {
                self.problem(
                    ProblemCode::CmsUnsupportedContent,
                    format!("part {path:?}: CMS content type {oid}"),
                );
            }
        }
    }

    /// OME's "Read the message" wrapper and Proton's password-protected notice are plain
    /// text/HTML bodies; only their words and links say what they are (sender-formats X3, P7).
    fn wrapper_notices(&mut self, text: &[u8], path: &str, subtype: &str) {
        let lower = String::from_utf8_lossy(text).to_ascii_lowercase();
        if lower.contains("read the message")
            && (lower.contains("protection.outlook.com")
                || lower.contains("office365.com/encryption")
                || lower.contains("message encryption"))
        {
            self.ome_once(path, "wrapper");
        }
        if let Some(url) = find_eo_link(&lower)
            && !self
                .layers
                .iter()
                .any(|l| l.kind == LayerKind::ProtonEoNotice)
        {
            let mut layer = Layer::new(LayerKind::ProtonEoNotice, None, path.to_owned());
            layer.wire.insert("link".into(), url);
            layer
                .wire
                .insert("content-type".into(), format!("text/{subtype}"));
            self.push(layer);
        }
    }

    fn ome_once(&mut self, path: &str, variant: &str) {
        if let Some(existing) = self.layers.iter_mut().find(|l| l.kind == LayerKind::Ome) {
            let variants = existing.wire.entry("variant".into()).or_default();
            if !variants.split(',').any(|v| v == variant) {
                variants.push(',');
                variants.push_str(variant);
            }
            return;
        }
        let mut layer = Layer::new(LayerKind::Ome, None, path.to_owned());
        layer.wire.insert("variant".into(), variant.into());
        self.push(layer);
    }

    /// Whether part `index` is what the reader sees as the whole body: the entity's root, or
    /// the first child of a root `multipart/mixed` whose other children are all attachments.
    fn is_whole_body(&self, tree: &Tree, index: usize) -> bool {
        if !tree.whole_body {
            return false;
        }
        if index == 0 {
            return true;
        }
        let Some(root) = tree.parts.first() else {
            return false;
        };
        let (t, s) = content_type(root);
        let PartType::Multipart(children) = &root.body else {
            return false;
        };
        if t != "multipart" || s != "mixed" || children.first().map(|&c| c as usize) != Some(index)
        {
            return false;
        }
        children.iter().skip(1).all(|&c| {
            let part = &tree.parts[c as usize];
            let (ct, _) = content_type(part);
            is_attachment(part) || !(ct == "text" || ct == "multipart")
        })
    }
}
