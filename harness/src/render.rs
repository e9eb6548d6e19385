//! Rendering for people. The JSON forms are the serde types themselves; these are the text
//! forms: short, aligned, the verdicts first.

use std::fmt::Write as _;

use crate::facts::{Inspection, Layer, SignatureStatus};

/// The text form of an inspection.
pub fn inspection_text(inspection: &Inspection) -> String {
    let mut out = String::new();
    let from = inspection.from.as_deref().unwrap_or("(no From)");
    let _ = writeln!(out, "From: {from}");
    if let Some(class) = &inspection.stored_item_class {
        let how = match inspection.item_mime {
            Some(crate::facts::ItemMime::Kept) => "the MIME kept whole in the item",
            _ => "rebuilt from the item's properties: signatures over it are unverifiable",
        };
        let _ = writeln!(out, "Outlook item stored as {class} ({how})");
    }
    if inspection.layers.is_empty() {
        let _ = writeln!(out, "no security layers");
    }
    let rows: Vec<[String; 4]> = inspection.layers.iter().map(layer_row).collect();
    let widths = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect::<Vec<_>>();
    for row in &rows {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    if !inspection.problems.is_empty() {
        let _ = writeln!(out, "problems:");
        for p in &inspection.problems {
            let _ = writeln!(out, "  {}: {}", p.code, p.message);
        }
    }
    out
}

fn layer_row(layer: &Layer) -> [String; 4] {
    let verdict = if let Some(sig) = &layer.signature {
        match sig.status {
            SignatureStatus::Valid => "valid",
            SignatureStatus::Invalid => "INVALID",
            SignatureStatus::Unverifiable => "unverifiable",
        }
        .to_owned()
    } else if let Some(enc) = &layer.encryption {
        if enc.decrypted {
            "decrypted"
        } else {
            "encrypted"
        }
        .to_owned()
    } else {
        "present".to_owned()
    };
    let what = match layer.form {
        Some(form) => format!("{} ({})", layer.kind.as_str(), serde_plain(&form)),
        None => layer.kind.as_str().to_owned(),
    };
    let part = if layer.part.is_empty() {
        "part -".to_owned()
    } else {
        format!("part {}", layer.part)
    };
    let mut detail = Vec::new();
    if let Some(sig) = &layer.signature {
        let algs: Vec<&str> = [sig.digest.map(|d| d.as_str()), sig.algorithm.map(alg_name)]
            .into_iter()
            .flatten()
            .collect();
        if !algs.is_empty() {
            detail.push(algs.join("/"));
        }
        if let Some(v) = sig.version {
            detail.push(format!("v{v} signature"));
        }
        if let Some(signer) = &sig.signer {
            // The signer's own address or name, never the issuer-and-serial identifier as if
            // it were one.
            let who = signer.email.clone().unwrap_or_else(|| signer.name());
            let matches = match sig.signer_matches_from {
                Some(true) => " = From",
                Some(false) => " != From",
                None => "",
            };
            detail.push(format!("by {who}{matches}"));
        }
        if sig.status == SignatureStatus::Valid {
            detail.push(
                if sig.covers_whole_body {
                    "whole body"
                } else {
                    "NOT the whole body"
                }
                .into(),
            );
        }
        detail.push(format!("({})", sig.reason));
    }
    if let Some(enc) = &layer.encryption {
        if let Some(container) = enc.container {
            detail.push(container.as_str().to_owned());
        }
        detail.push(
            enc.cipher
                .clone()
                .unwrap_or_else(|| "cipher unknown".into()),
        );
        detail.push(format!("{} recipient(s)", enc.recipients.len()));
    }
    if let Some(caps) = &layer.capabilities
        && !caps.is_empty()
    {
        detail.push(format!("caps {}", caps.join(",")));
    }
    for key in &layer.keys {
        detail.push(format!("key {} {}", key.fingerprint, key.emails.join(",")));
    }
    for (k, v) in &layer.wire {
        if matches!(k.as_str(), "rewrite" | "variant" | "link") {
            detail.push(format!("{k}={v}"));
        }
    }
    [verdict, what, part, detail.join("  ")]
}

fn alg_name(a: crate::facts::SignatureAlgorithm) -> &'static str {
    a.as_str()
}

fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
