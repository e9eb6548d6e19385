//! `replymatrix corpus add FILE --id family/name [--key F]... [--cert F]...`: a message file
//! becomes a sample.
//!
//! The message is copied in as it is, except for bare LF line ends, which are turned into
//! CRLF (the corpus keeps messages as SMTP carries them) only when the inspection is the
//! same afterwards, signature by signature; otherwise nothing is written and the caller
//! hears why. The sidecar's `[expect]` is written from what `inspect` finds, under a comment
//! that says so: it is for the maintainer to review, and the metadata only a person knows
//! (title, sender, provenance) is left as `TODO:` placeholders that `corpus check` rejects
//! until they are filled in.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::corpus::{self, ExpectLayer};
use crate::error::{Error, Result};
use crate::facts::{Inspection, Layer};

/// What to add.
#[derive(Clone, Debug, Default)]
pub struct AddRequest {
    /// The message file.
    pub file: PathBuf,
    /// The new sample's id, `family/name`.
    pub id: String,
    /// Keys for decryption (`--key`).
    pub keys: Vec<PathBuf>,
    /// Certificates for verification (`--cert`).
    pub certs: Vec<PathBuf>,
    /// The password of PKCS#12 keys (`--password`, `REPLYMATRIX_PASSWORD`); shown as
    /// `<hidden>` by `Debug`.
    pub password: Option<crate::Password>,
}

/// What [`add`] wrote and found.
#[derive(Clone, Debug)]
pub struct Added {
    /// The message written.
    pub eml: PathBuf,
    /// The sidecar written.
    pub toml: PathBuf,
    /// Key and certificate files copied below `corpora/keys/` (with their new path).
    pub copied: Vec<PathBuf>,
    /// How many bare LF line ends were turned into CRLF (0: the bytes are the file's).
    pub converted_line_ends: usize,
    /// What `inspect` found (and `[expect]` now says).
    pub inspection: Inspection,
}

impl Added {
    /// What happened and what to do next, for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "wrote {}", self.eml.display());
        if self.converted_line_ends > 0 {
            let _ = writeln!(
                out,
                "      {} bare LF line end(s) converted to CRLF, as SMTP carries mail; every \
                 layer and signature inspects as before",
                self.converted_line_ends
            );
        } else {
            let _ = writeln!(out, "      byte for byte as given");
        }
        let _ = writeln!(out, "wrote {}", self.toml.display());
        let _ = writeln!(out, "      [expect] is what inspect found (review it):");
        let _ = writeln!(
            out,
            "        from: {}",
            self.inspection.from.as_deref().unwrap_or("none")
        );
        if self.inspection.layers.is_empty() {
            let _ = writeln!(out, "        no layers");
        }
        for layer in &self.inspection.layers {
            let _ = writeln!(out, "        layer: {}", crate::matrix::layer_line(layer));
        }
        for p in &self.inspection.problems {
            let _ = writeln!(out, "        problem: {}: {}", p.code, p.message);
        }
        for path in &self.copied {
            let _ = writeln!(
                out,
                "copied {} (it will be committed: use throw-away keys only)",
                path.display()
            );
        }
        let _ = writeln!(out, "next:");
        let _ = writeln!(
            out,
            "  1. fill in the TODO fields of {} (title, [sender], [provenance]) and check \
             [expect] says what the message really is",
            self.toml.display()
        );
        let _ = writeln!(out, "  2. replymatrix corpus check");
        let _ = writeln!(
            out,
            "  3. review the new snapshot: {}",
            super::REVIEW_SNAPSHOTS
        );
        let _ = writeln!(out, "  4. refresh MATRIX.md: {}", super::UPDATE_MATRIX);
        let _ = writeln!(
            out,
            "  5. commit the sample, its snapshot and MATRIX.md together, apart from model changes"
        );
        out
    }
}

/// Whether `id` is `family/name` with lower-case letters, digits, `-` and `.`.
fn valid_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

/// Adds `request.file` as the sample `request.id` below `corpora/senders/`, with its sidecar.
/// Keys and certificates outside `corpora/keys/` are copied to `corpora/keys/<family>/`.
/// Refuses (and writes nothing) when the id is taken or malformed, or when converting line
/// ends would change what `inspect` finds.
pub fn add(corpora: &Path, request: &AddRequest) -> Result<Added> {
    let id = request.id.trim_end_matches(".eml");
    if !valid_id(id) {
        return Err(usage(format!(
            "--id {id:?}: a sample id is `family/name` (lower-case letters, digits, `-`), the \
             path below corpora/senders/ without `.eml`"
        )));
    }
    let senders = corpora.join("senders");
    let eml = senders.join(format!("{id}.eml"));
    let toml = eml.with_extension("toml");
    if eml.exists() || toml.exists() {
        return Err(usage(format!(
            "{} already exists: choose another id, or remove the sample first",
            eml.display()
        )));
    }
    let original = std::fs::read(&request.file).map_err(|e| Error::io(&request.file, e))?;
    let original = if crate::outlook_item::is_compound_file(&original) {
        mime_of_item(&request.file, &original)?
    } else {
        original
    };
    let family = id.split('/').next().unwrap_or_default();
    let keys_dir = corpora.join("keys");

    // Where each key and certificate will be, relative to corpora/keys/.
    // (from, to, the bytes to write when they are not `from`'s own).
    type Copies = Vec<(PathBuf, PathBuf, Option<Vec<u8>>)>;
    let password = request.password.as_ref().map(crate::Password::expose);
    let mut copies: Copies = Vec::new();
    let relative = |given: &Path, copies: &mut Copies| -> Result<String> {
        if let Some(rel) = below(&keys_dir, given) {
            return Ok(rel);
        }
        let name = given
            .file_name()
            .ok_or_else(|| usage(format!("{}: not a file", given.display())))?;
        // A PKCS#12 key is kept as PEM (`name.key.pem`: the key and its certificate), so
        // the sample's keys open without a password.
        let bytes = std::fs::read(given).map_err(|e| Error::io(given, e))?;
        if crate::smime::is_pkcs12(&bytes) {
            let pem =
                crate::smime::pkcs12_to_pem(&bytes, password).map_err(|message| Error::Key {
                    path: given.to_path_buf(),
                    message,
                })?;
            let stem = Path::new(name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let pem_name = format!("{stem}.key.pem");
            copies.push((
                given.to_path_buf(),
                keys_dir.join(family).join(&pem_name),
                Some(pem.into_bytes()),
            ));
            return Ok(format!("{family}/{pem_name}"));
        }
        let target = keys_dir.join(family).join(name);
        copies.push((given.to_path_buf(), target.clone(), None));
        // A key's certificate beside it (`x.key.pem` → `x.cert.pem`) goes with it.
        let name = name.to_string_lossy();
        if let Some(stem) = name.strip_suffix(".key.pem") {
            let sibling = given.with_file_name(format!("{stem}.cert.pem"));
            if sibling.is_file() {
                copies.push((
                    sibling,
                    keys_dir.join(family).join(format!("{stem}.cert.pem")),
                    None,
                ));
            }
        }
        Ok(format!("{family}/{}", name))
    };
    let mut key_paths = Vec::new();
    for key in &request.keys {
        key_paths.push(relative(key, &mut copies)?);
    }
    let mut cert_paths = Vec::new();
    for cert in &request.certs {
        cert_paths.push(relative(cert, &mut copies)?);
    }
    for (from, to, converted) in &copies {
        let bytes = match converted {
            Some(bytes) => bytes.clone(),
            None => std::fs::read(from).map_err(|e| Error::io(from, e))?,
        };
        if let Ok(existing) = std::fs::read(to)
            && existing != bytes
        {
            return Err(usage(format!(
                "{} already exists with other contents: rename {} or pass the key already in \
                 corpora/keys/",
                to.display(),
                from.display()
            )));
        }
    }

    // Inspect with the keys where they are now (they are copied only on success).
    let mut inputs = crate::Inputs::default();
    inputs.set_password(password.map(str::to_owned));
    for key in &request.keys {
        inputs.add_key_file(key)?;
    }
    for cert in &request.certs {
        inputs.add_cert_file(cert)?;
    }
    let inspection = crate::inspect(&original, &inputs);
    let converted = corpus::bare_lf(&original).count();
    let bytes = if converted > 0 {
        let crlf = corpus::with_crlf(&original);
        let after = crate::inspect(&crlf, &inputs);
        if let Some(change) = first_change(&inspection, &after) {
            return Err(usage(format!(
                "{}: {converted} line(s) end in a bare LF, and converting them to CRLF (as SMTP \
                 carries mail) changes what inspect finds: {change}. The corpus keeps messages \
                 with CRLF line ends; make the message again with CRLF line ends (openssl: \
                 `-crlfeol`) or export it from the mail client as it arrived",
                request.file.display()
            )));
        }
        crlf
    } else {
        original
    };

    let sidecar = sidecar_text(
        id,
        &inspection,
        &original_headers(&bytes),
        &key_paths,
        &cert_paths,
    );
    // The sidecar must be one the loader accepts (it is checked again by `corpus check`).
    corpus::parse_sidecar(&toml, &sidecar)?;
    let mut copied = Vec::new();
    for (from, to, converted) in &copies {
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        if !to.exists() {
            match converted {
                Some(bytes) => std::fs::write(to, bytes).map(|_| 0),
                None => std::fs::copy(from, to),
            }
            .map_err(|e| Error::io(to, e))?;
            copied.push(to.clone());
        }
    }
    if let Some(dir) = eml.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&eml, &bytes).map_err(|e| Error::io(&eml, e))?;
    std::fs::write(&toml, sidecar).map_err(|e| Error::io(&toml, e))?;
    Ok(Added {
        eml,
        toml,
        copied,
        converted_line_ends: converted,
        inspection,
    })
}

/// The MIME a sample is made from when `corpus add` is given an Outlook item (`.msg`): the
/// entity the item kept whole (S/MIME classes), with its transport header fields. A rebuilt
/// item is refused: its bytes are Exchange's rebuilding, not what the sender sent, and a
/// sample's signatures are checked over its bytes.
fn mime_of_item(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let item = crate::outlook_item::msg::read(bytes)
        .map_err(|why| usage(format!("{}: {why}", path.display())))?;
    let converted = item.to_mime();
    if converted.item_mime != crate::facts::ItemMime::Kept {
        return Err(usage(format!(
            "{}: an Outlook item of class {} does not keep the message as it was sent (it would \
             be rebuilt from the item's properties{}); add the message as an .eml instead \
             (OWA or New Outlook: Download > Download as EML)",
            path.display(),
            converted.stored_class.as_deref().unwrap_or("(none)"),
            converted
                .problems
                .first()
                .map(|p| format!("; {}", p.message))
                .unwrap_or_default()
        )));
    }
    Ok(converted.mime)
}

/// `path` relative to `dir` with `/` separators, when it lies below it.
fn below(dir: &Path, path: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    let rel = path.strip_prefix(&dir).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The first difference between two inspections of the same message, layer by layer.
fn first_change(before: &Inspection, after: &Inspection) -> Option<String> {
    let kinds = |i: &Inspection| {
        i.layers
            .iter()
            .map(|l| format!("{}@{}", l.kind, l.part))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if kinds(before) != kinds(after) {
        return Some(format!(
            "the layers were [{}] and would be [{}]",
            kinds(before),
            kinds(after)
        ));
    }
    for (n, (a, b)) in before.layers.iter().zip(&after.layers).enumerate() {
        let (sa, sb) = (a.signature.as_ref(), b.signature.as_ref());
        let state = |s: Option<&crate::facts::SignatureFacts>| {
            s.map(|s| format!("{} ({})", s.status, s.reason))
        };
        if sa.map(|s| (s.status, s.reason.code())) != sb.map(|s| (s.status, s.reason.code())) {
            return Some(format!(
                "layer {n} ({}) signature was {} and would be {}",
                a.kind,
                state(sa).unwrap_or_else(|| "absent".into()),
                state(sb).unwrap_or_else(|| "absent".into())
            ));
        }
        if a.encryption.as_ref().map(|e| e.decrypted) != b.encryption.as_ref().map(|e| e.decrypted)
        {
            return Some(format!("layer {n} ({}) would no longer decrypt", a.kind));
        }
    }
    let codes = |i: &Inspection| i.problems.iter().map(|p| p.code).collect::<Vec<_>>();
    if codes(before) != codes(after) {
        return Some("the problems reported would change".into());
    }
    None
}

/// `Subject` and the sending product's header (`X-Mailer` / `User-Agent`), for the
/// placeholders.
fn original_headers(bytes: &[u8]) -> (Option<String>, Option<String>) {
    let parsed = mail_parser::MessageParser::new().parse_headers(bytes);
    let subject = parsed.as_ref().and_then(|m| m.subject().map(str::to_owned));
    let mailer = parsed.as_ref().and_then(|m| {
        m.header_raw("X-Mailer")
            .or_else(|| m.header_raw("User-Agent"))
            .map(|v| v.trim().to_owned())
    });
    (subject, mailer)
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The sidecar: placeholders for what a person must say, `[expect]` from the inspection.
fn sidecar_text(
    id: &str,
    inspection: &Inspection,
    (subject, mailer): &(Option<String>, Option<String>),
    keys: &[String],
    certs: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "id = {}", quoted(id));
    let _ = writeln!(
        out,
        "title = {}",
        quoted(&match subject {
            Some(s) => format!("TODO: one line for people (the Subject is {s:?})"),
            None => "TODO: one line for people".to_owned(),
        })
    );
    let _ = writeln!(out, "control = \"positive\"");
    let _ = writeln!(
        out,
        "# A negative control (tampered, spoofed, broken on purpose) says control = \"negative\" \
         and names its genuine twin: pairs_with = \"family/name\"."
    );
    let _ = writeln!(out, "\n[sender]");
    let _ = writeln!(
        out,
        "product = {}",
        quoted(&match mailer {
            Some(m) => format!("TODO: the sending product (its header says {m:?})"),
            None => "TODO: the sending product".to_owned(),
        })
    );
    let _ = writeln!(
        out,
        "version = {}",
        quoted("TODO: the version or era of this wire form")
    );
    let _ = writeln!(
        out,
        "setting = {}",
        quoted("TODO: the setting that produces it")
    );
    let _ = writeln!(out, "\n[provenance]");
    let _ = writeln!(
        out,
        "url = {}",
        quoted("TODO: the public source of this wire form (https://...)")
    );
    let _ = writeln!(
        out,
        "confidence = \"inferred\"  # \"seen\" when a real message or the producing code was read"
    );
    let _ = writeln!(out, "\n[inspect]");
    let _ = writeln!(out, "keys = {}", list(keys));
    let _ = writeln!(out, "certs = {}", list(certs));
    let _ = writeln!(
        out,
        "\n# Written by `replymatrix corpus add` from what inspect found. Review every value:\n\
         # the tests prove exactly this, so a wrong value here makes them prove the wrong thing."
    );
    let _ = writeln!(out, "[expect]");
    if let Some(from) = &inspection.from {
        let _ = writeln!(out, "from = {}", quoted(from));
    }
    let problems: Vec<String> = inspection
        .problems
        .iter()
        .map(|p| p.code.to_string())
        .collect();
    let _ = writeln!(out, "problems = {}", list(&problems));
    if inspection.layers.is_empty() {
        let _ = writeln!(out, "layers = []");
    }
    for layer in &inspection.layers {
        let _ = writeln!(out, "\n[[expect.layers]]");
        out.push_str(&expect_layer_text(&expect_layer(layer)));
    }
    out
}

/// What a sidecar asserts about a layer, from the layer.
fn expect_layer(layer: &Layer) -> ExpectLayer {
    let mut e = ExpectLayer::new(layer.kind);
    e.form = layer.form;
    e.part = Some(layer.part.clone());
    if let Some(sig) = &layer.signature {
        e.status = Some(sig.status);
        e.reason = Some(sig.reason.code());
        e.digest = sig.digest;
        e.algorithm = sig.algorithm;
        e.signer = sig.signer.as_ref().and_then(|s| s.email.clone());
        e.signer_matches_from = sig.signer_matches_from;
        e.covers_whole_body = Some(sig.covers_whole_body);
    }
    if let Some(enc) = &layer.encryption {
        e.cipher = enc.cipher.clone();
        e.decrypted = Some(enc.decrypted);
        e.recipients = Some(enc.recipients.len());
    }
    e.capabilities = layer.capabilities.clone().filter(|c| !c.is_empty());
    if !layer.certificates.is_empty() {
        e.certificates = Some(layer.certificates.len());
    }
    e
}

/// One `[[expect.layers]]` table's lines, in the schema's field order.
fn expect_layer_text(e: &ExpectLayer) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            let _ = writeln!(out, "{k} = {v}");
        }
    };
    line("kind", Some(quoted(e.kind.as_str())));
    line("form", e.form.map(|f| quoted(f.as_str())));
    line("part", e.part.as_deref().map(quoted));
    line("status", e.status.map(|s| quoted(s.as_str())));
    line("reason", e.reason.map(|r| quoted(r.as_str())));
    line("digest", e.digest.map(|d| quoted(d.as_str())));
    line("algorithm", e.algorithm.map(|a| quoted(a.as_str())));
    line("signer", e.signer.as_deref().map(quoted));
    line(
        "signer_matches_from",
        e.signer_matches_from.map(|b| b.to_string()),
    );
    line(
        "covers_whole_body",
        e.covers_whole_body.map(|b| b.to_string()),
    );
    line("cipher", e.cipher.as_deref().map(quoted));
    line("decrypted", e.decrypted.map(|b| b.to_string()));
    line("recipients", e.recipients.map(|n| n.to_string()));
    line("capabilities", e.capabilities.as_deref().map(list));
    line("certificates", e.certificates.map(|n| n.to_string()));
    out
}
