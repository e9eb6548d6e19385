//! `replymatrix diff OLD.json NEW.json`: what changed between two matrix exports, for a
//! pull-request comment.
//!
//! Reported: samples, profiles and clients added or removed, and for every (sample, profile,
//! client) present in both exports each decision whose status changed: `read` (the read
//! status), `signature` (what the signature indicator shows), `plain`, `signed`, `encrypted`
//! (the reply outcomes), each with old → new and the new reason and rules. A changed reason,
//! rule list or evidence with the same status is not a change of the matrix and is not listed.
//!
//! Order is stable: samples by id, profiles by name, clients in [`ClientId::ALL`] order (then
//! by name), decisions in the order above.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use super::Matrix;
use crate::clients::ClientId;
use crate::evidence::RuleId;
use crate::verdict::ClientVerdict;

/// The differences between two matrices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatrixDiff {
    /// Sample ids only in the new export.
    pub samples_added: Vec<String>,
    /// Sample ids only in the old export.
    pub samples_removed: Vec<String>,
    /// Profile names only in the new export.
    pub profiles_added: Vec<String>,
    /// Profile names only in the old export.
    pub profiles_removed: Vec<String>,
    /// Client ids only in the new export.
    pub clients_added: Vec<String>,
    /// Client ids only in the old export.
    pub clients_removed: Vec<String>,
    /// Decisions that changed, in report order.
    pub changes: Vec<CellChange>,
}

impl MatrixDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.samples_added.is_empty()
            && self.samples_removed.is_empty()
            && self.profiles_added.is_empty()
            && self.profiles_removed.is_empty()
            && self.clients_added.is_empty()
            && self.clients_removed.is_empty()
            && self.changes.is_empty()
    }
}

/// One decision of one cell whose status changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// The sample id.
    pub sample: String,
    /// The profile name.
    pub profile: String,
    /// The client id.
    pub client: String,
    /// `read`, `signature`, `plain`, `signed` or `encrypted`.
    pub decision: &'static str,
    /// The old value.
    pub old: String,
    /// The new value.
    pub new: String,
    /// The new outcome's reason code (reply decisions only).
    pub reason: Option<String>,
    /// The rules the new decision applied.
    pub rules: Vec<String>,
}

/// The decisions compared, in report order.
pub const DECISIONS: [&str; 5] = ["read", "signature", "plain", "signed", "encrypted"];

/// (status, reason, rules) of one decision of a verdict.
fn decision(v: &ClientVerdict, name: &str) -> (String, Option<String>, Vec<String>) {
    let outcome = match name {
        "read" => return (v.read.status.as_str().into(), None, names(&v.read.rules)),
        "signature" => {
            return (
                v.read.signature_shown.as_str().into(),
                None,
                names(&v.read.rules),
            );
        }
        "plain" => &v.reply.plain,
        "signed" => &v.reply.signed,
        _ => &v.reply.encrypted,
    };
    (
        outcome.status.as_str().into(),
        outcome.reason.map(|r| r.as_str().to_owned()),
        names(&outcome.rules),
    )
}

fn names(rules: &[RuleId]) -> Vec<String> {
    rules.iter().map(|r| r.as_str().to_owned()).collect()
}

/// Sort key of a client id: its place in [`ClientId::ALL`], unknown ids after, by name.
fn client_rank(id: &str) -> (usize, String) {
    let rank = ClientId::ALL
        .iter()
        .position(|c| c.as_str() == id)
        .unwrap_or(ClientId::ALL.len());
    (rank, id.to_owned())
}

/// (added, removed) between two name lists, each sorted by `key`.
fn added_removed<K: Ord>(
    old: &[String],
    new: &[String],
    key: impl Fn(&str) -> K,
) -> (Vec<String>, Vec<String>) {
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    let mut added: Vec<String> = new_set.difference(&old_set).map(|s| (*s).clone()).collect();
    let mut removed: Vec<String> = old_set.difference(&new_set).map(|s| (*s).clone()).collect();
    added.sort_by_key(|s| key(s));
    removed.sort_by_key(|s| key(s));
    (added, removed)
}

/// The differences from `old` to `new`.
pub fn diff(old: &Matrix, new: &Matrix) -> MatrixDiff {
    let ids = |m: &Matrix| m.samples.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let names = |m: &Matrix| {
        m.profiles
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    let (samples_added, samples_removed) = added_removed(&ids(old), &ids(new), str::to_owned);
    let (profiles_added, profiles_removed) = added_removed(&names(old), &names(new), str::to_owned);
    let (clients_added, clients_removed) = added_removed(&old.clients, &new.clients, client_rank);

    // (sample, profile, client rank) -> verdict, for both sides.
    type Key = (String, String, (usize, String));
    let index = |m: &Matrix| -> BTreeMap<Key, ClientVerdict> {
        let mut map = BTreeMap::new();
        for row in &m.samples {
            for cell in &row.cells {
                map.insert(
                    (
                        row.id.clone(),
                        cell.profile.clone(),
                        client_rank(cell.verdict.client.as_str()),
                    ),
                    cell.verdict.clone(),
                );
            }
        }
        map
    };
    let old_cells = index(old);
    let new_cells = index(new);
    let mut changes = Vec::new();
    for (key, new_v) in &new_cells {
        let Some(old_v) = old_cells.get(key) else {
            continue;
        };
        for name in DECISIONS {
            let (old_status, _, _) = decision(old_v, name);
            let (new_status, reason, rules) = decision(new_v, name);
            if old_status != new_status {
                changes.push(CellChange {
                    sample: key.0.clone(),
                    profile: key.1.clone(),
                    client: key.2.1.clone(),
                    decision: name,
                    old: old_status,
                    new: new_status,
                    reason,
                    rules,
                });
            }
        }
    }
    MatrixDiff {
        samples_added,
        samples_removed,
        profiles_added,
        profiles_removed,
        clients_added,
        clients_removed,
        changes,
    }
}

fn list_lines(out: &mut String, label: &str, items: &[String], md: bool) {
    if items.is_empty() {
        return;
    }
    if md {
        let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
        let _ = writeln!(out, "- {label}: {}", quoted.join(", "));
    } else {
        let _ = writeln!(out, "{label}: {}", items.join(", "));
    }
}

fn lists(out: &mut String, d: &MatrixDiff, md: bool) {
    list_lines(out, "samples added", &d.samples_added, md);
    list_lines(out, "samples removed", &d.samples_removed, md);
    list_lines(out, "profiles added", &d.profiles_added, md);
    list_lines(out, "profiles removed", &d.profiles_removed, md);
    list_lines(out, "clients added", &d.clients_added, md);
    list_lines(out, "clients removed", &d.clients_removed, md);
}

/// Plain text: the lists, then one line per changed decision.
pub fn text(d: &MatrixDiff) -> String {
    if d.is_empty() {
        return "no changes\n".into();
    }
    let mut out = String::new();
    lists(&mut out, d, false);
    if !d.changes.is_empty() {
        let _ = writeln!(out, "changed decisions: {}", d.changes.len());
    }
    for c in &d.changes {
        let _ = writeln!(
            out,
            "{} | {} | {} | {}: {} -> {} reason={} rules={}",
            c.sample,
            c.profile,
            c.client,
            c.decision,
            c.old,
            c.new,
            c.reason.as_deref().unwrap_or("-"),
            c.rules.join(",")
        );
    }
    out
}

/// Markdown for a pull-request comment: the lists, then a table of changed decisions.
pub fn markdown(d: &MatrixDiff) -> String {
    let mut out = String::from("### replymatrix: matrix changes\n\n");
    if d.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    lists(&mut out, d, true);
    if !d.changes.is_empty() {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str("| Sample | Profile | Client | Decision | Old → new | Reason | Rules |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for c in &d.changes {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} → **{}** | {} | {} |",
                c.sample,
                c.profile,
                c.client,
                c.decision,
                c.old,
                c.new,
                c.reason
                    .as_deref()
                    .map(|r| format!("`{r}`"))
                    .unwrap_or_else(|| "—".into()),
                c.rules.join(", ")
            );
        }
    }
    out
}
