//! `replymatrix diff OLD.json NEW.json`: what changed between two matrix exports, for a
//! reviewer and a pull-request comment.
//!
//! Reported:
//! - samples, profiles and clients added or removed, and profiles whose description or
//!   evaluation time changed;
//! - samples whose facts changed (the `from:`, `layer:` and `problems:` lines of their
//!   snapshot);
//! - for every (sample, profile, client) present in both exports, every field of the cell
//!   that changed: the read status, signature indicator, what the user sees and the rules;
//!   each reply outcome's status, reason, `with` (digest, cipher, certificate source), what
//!   the user sees, confidence, evidence and rules; `quotes_original`, `weaker_than_original`.
//!   The fields are read from the cell's JSON, so a field added to the verdict is compared
//!   too.
//!
//! Cells whose changes are the same (the same fields, from the same old to the same new
//! value) are one [`Change`] with all its cells: a rule change that moves 39 cells reads as
//! one change with its 39 cells. A list (rules, evidence) shows what left it on the old side
//! and what joined it on the new side.
//!
//! Order is stable: changes by number of cells (most first), then by their first cell;
//! cells by sample id, profile name and client ([`ClientId::ALL`] order).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::Matrix;
use crate::clients::ClientId;

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
    /// Profiles in both whose description or evaluation time changed.
    pub profiles_changed: Vec<(String, Vec<FieldChange>)>,
    /// Samples in both whose facts changed.
    pub facts: Vec<FactsChange>,
    /// Changed cells, grouped by what changed.
    pub changes: Vec<Change>,
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
            && self.profiles_changed.is_empty()
            && self.facts.is_empty()
            && self.changes.is_empty()
    }

    /// How many cells changed.
    pub fn cells_changed(&self) -> usize {
        self.changes.iter().map(|c| c.cells.len()).sum()
    }
}

/// A field's value: one value, or a list (rules, evidence).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A status, reason, cipher, sentence, flag...
    One(String),
    /// The items of a list, in order.
    List(Vec<String>),
}

/// One field that changed: its path in the cell (`read.status`, `encrypted.with.cipher`,
/// `signed.rules`), and its old and new value (`None`: absent or null). For a list whose
/// items changed, old holds the items that left it and new those that joined it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Before.
    pub old: Option<FieldValue>,
    /// After.
    pub new: Option<FieldValue>,
}

impl FieldChange {
    /// The two sides as people read them: lists show what left (old) and what joined (new),
    /// or both whole when only their order changed.
    pub fn sides(&self) -> (String, String) {
        match (&self.old, &self.new) {
            (Some(FieldValue::List(old)), Some(FieldValue::List(new))) => {
                let left: Vec<String> = old
                    .iter()
                    .filter(|x| !new.contains(x))
                    .map(|x| format!("-{x}"))
                    .collect();
                let joined: Vec<String> = new
                    .iter()
                    .filter(|x| !old.contains(x))
                    .map(|x| format!("+{x}"))
                    .collect();
                if left.is_empty() && joined.is_empty() {
                    (old.join(","), format!("{} (order)", new.join(",")))
                } else {
                    (join_or_dash(&left), join_or_dash(&joined))
                }
            }
            (old, new) => (side(old.as_ref()), side(new.as_ref())),
        }
    }
}

fn join_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(" ")
    }
}

fn side(v: Option<&FieldValue>) -> String {
    match v {
        None => "-".to_owned(),
        Some(FieldValue::One(s)) => s.clone(),
        Some(FieldValue::List(items)) if items.is_empty() => "[]".to_owned(),
        Some(FieldValue::List(items)) => items.join(","),
    }
}

/// A cell: (sample, profile, client).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CellKey {
    /// The sample id.
    pub sample: String,
    /// The profile name.
    pub profile: String,
    /// The client id.
    pub client: String,
}

/// The same field changes in a set of cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed, in the cell's field order.
    pub fields: Vec<FieldChange>,
    /// Where, in report order.
    pub cells: Vec<CellKey>,
}

/// A sample whose facts changed: its fact lines before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactsChange {
    /// The sample id.
    pub sample: String,
    /// Lines only in the old export.
    pub old: Vec<String>,
    /// Lines only in the new export.
    pub new: Vec<String>,
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

/// Every leaf of a JSON value as (path, value), in document order; the `reply.` level is
/// dropped (`encrypted.status`, not `reply.encrypted.status`) and `skip` keys are left out.
fn leaves(value: &Value, prefix: &str, skip: &[&str], out: &mut Vec<(String, Option<FieldValue>)>) {
    let one = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if prefix.is_empty() && skip.contains(&k.as_str()) {
                    continue;
                }
                let path = if prefix.is_empty() && k == "reply" {
                    String::new()
                } else if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if path.is_empty() {
                    leaves(v, "", &[], out);
                } else {
                    leaves(v, &path, skip, out);
                }
            }
        }
        Value::Array(items) => out.push((
            prefix.to_owned(),
            Some(FieldValue::List(items.iter().map(one).collect())),
        )),
        Value::Null => out.push((prefix.to_owned(), None)),
        other => out.push((prefix.to_owned(), Some(FieldValue::One(one(other))))),
    }
}

/// Where a field sorts in a report: decisions in reading order (read, plain, signed,
/// encrypted, then the reply flags), and within one the fields a reviewer looks at first
/// (status, signature, reason, with, what the user sees, confidence, rules, evidence).
fn field_rank(path: &str) -> (usize, usize, String) {
    const DECISIONS: [&str; 6] = [
        "read",
        "plain",
        "signed",
        "encrypted",
        "quotes_original",
        "weaker_than_original",
    ];
    const FIELDS: [&str; 8] = [
        "status",
        "signature_shown",
        "reason",
        "with",
        "user_sees",
        "confidence",
        "rules",
        "evidence",
    ];
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let decision = DECISIONS
        .iter()
        .position(|d| *d == head)
        .unwrap_or(DECISIONS.len());
    let field_head = rest.split('.').next().unwrap_or_default();
    let field = FIELDS
        .iter()
        .position(|f| *f == field_head)
        .unwrap_or(FIELDS.len());
    (decision, field, path.to_owned())
}

/// The fields that differ between two JSON values, in report order ([`field_rank`]).
fn field_changes(old: &Value, new: &Value, skip: &[&str]) -> Vec<FieldChange> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves(old, "", skip, &mut a);
    leaves(new, "", skip, &mut b);
    let old_map: BTreeMap<&String, &Option<FieldValue>> = a.iter().map(|(k, v)| (k, v)).collect();
    let new_map: BTreeMap<&String, &Option<FieldValue>> = b.iter().map(|(k, v)| (k, v)).collect();
    let mut changes = Vec::new();
    for (field, value) in &b {
        let before = old_map.get(field).copied().cloned().flatten();
        if before != *value {
            changes.push(list_delta(FieldChange {
                field: field.clone(),
                old: before,
                new: value.clone(),
            }));
        }
    }
    for (field, value) in &a {
        if !new_map.contains_key(field) && value.is_some() {
            changes.push(FieldChange {
                field: field.clone(),
                old: value.clone(),
                new: None,
            });
        }
    }
    changes.sort_by_cached_key(|c| field_rank(&c.field));
    changes
}

/// A list whose items changed, as what left it (old) and what joined it (new): so the same
/// rule added to many cells is the same change wherever the other rules differ. A list whose
/// items only moved keeps both orders.
fn list_delta(change: FieldChange) -> FieldChange {
    let (Some(FieldValue::List(old)), Some(FieldValue::List(new))) = (&change.old, &change.new)
    else {
        return change;
    };
    let left: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    let joined: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    if left.is_empty() && joined.is_empty() {
        return change;
    }
    FieldChange {
        field: change.field,
        old: Some(FieldValue::List(left)),
        new: Some(FieldValue::List(joined)),
    }
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

    let mut profiles_changed = Vec::new();
    for p in &new.profiles {
        if let Some(o) = old.profiles.iter().find(|o| o.name == p.name) {
            let changes = field_changes(&to_json(o), &to_json(p), &[]);
            if !changes.is_empty() {
                profiles_changed.push((p.name.clone(), changes));
            }
        }
    }

    let mut facts = Vec::new();
    for row in &new.samples {
        if let Some(o) = old.samples.iter().find(|o| o.id == row.id) {
            let before = super::facts_lines(&o.inspect);
            let after = super::facts_lines(&row.inspect);
            if before != after {
                facts.push(FactsChange {
                    sample: row.id.clone(),
                    old: before
                        .iter()
                        .filter(|l| !after.contains(l))
                        .cloned()
                        .collect(),
                    new: after
                        .iter()
                        .filter(|l| !before.contains(l))
                        .cloned()
                        .collect(),
                });
            }
        }
    }
    facts.sort_by(|a, b| a.sample.cmp(&b.sample));

    // (sample, profile, client rank) -> the cell as JSON, for both sides.
    type Key = (String, String, (usize, String));
    let index = |m: &Matrix| -> BTreeMap<Key, Value> {
        let mut map = BTreeMap::new();
        for row in &m.samples {
            for cell in &row.cells {
                map.insert(
                    (
                        row.id.clone(),
                        cell.profile.clone(),
                        client_rank(cell.verdict.client.as_str()),
                    ),
                    to_json(&cell.verdict),
                );
            }
        }
        map
    };
    let old_cells = index(old);
    let mut groups: BTreeMap<Vec<FieldChange>, Vec<CellKey>> = BTreeMap::new();
    for (key, new_cell) in &index(new) {
        let Some(old_cell) = old_cells.get(key) else {
            continue;
        };
        let changes = field_changes(old_cell, new_cell, &["client"]);
        if !changes.is_empty() {
            groups.entry(changes).or_default().push(CellKey {
                sample: key.0.clone(),
                profile: key.1.clone(),
                client: key.2.1.clone(),
            });
        }
    }
    let mut changes: Vec<Change> = groups
        .into_iter()
        .map(|(fields, cells)| Change { fields, cells })
        .collect();
    // The cells came in key order; sort the groups by size, then by their first cell.
    let first = |c: &Change| {
        c.cells
            .first()
            .map(|k| (k.sample.clone(), k.profile.clone(), client_rank(&k.client)))
    };
    changes.sort_by(|a, b| {
        b.cells
            .len()
            .cmp(&a.cells.len())
            .then_with(|| first(a).cmp(&first(b)))
    });
    MatrixDiff {
        samples_added,
        samples_removed,
        profiles_added,
        profiles_removed,
        clients_added,
        clients_removed,
        profiles_changed,
        facts,
        changes,
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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

/// The headline: how many cells changed in how many changes.
fn headline(d: &MatrixDiff) -> String {
    let cells = d.cells_changed();
    format!(
        "{cells} cell{} changed, in {} change{}",
        plural(cells),
        d.changes.len(),
        plural(d.changes.len())
    )
}

/// Plain text: the lists, the facts that changed, then each change (its fields old → new,
/// side by side) with all its cells.
pub fn text(d: &MatrixDiff) -> String {
    text_limited(d, usize::MAX)
}

/// [`text`] with at most `max_cells` cells listed per change (for a test's failure
/// message); the rest are counted.
pub fn text_limited(d: &MatrixDiff, max_cells: usize) -> String {
    if d.is_empty() {
        return "no changes\n".into();
    }
    let mut out = String::new();
    lists(&mut out, d, false);
    for (name, fields) in &d.profiles_changed {
        let _ = writeln!(out, "profile {name} changed:");
        field_rows(&mut out, fields);
    }
    for f in &d.facts {
        let _ = writeln!(out, "facts of {} changed:", f.sample);
        for line in &f.old {
            let _ = writeln!(out, "  - {line}");
        }
        for line in &f.new {
            let _ = writeln!(out, "  + {line}");
        }
    }
    if d.changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{}", headline(d));
    for (n, change) in d.changes.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nchange {} of {}: {} cell{}",
            n + 1,
            d.changes.len(),
            change.cells.len(),
            plural(change.cells.len())
        );
        field_rows(&mut out, &change.fields);
        let _ = writeln!(out, "  in:");
        for cell in change.cells.iter().take(max_cells) {
            let _ = writeln!(
                out,
                "    {} | {} | {}",
                cell.sample, cell.profile, cell.client
            );
        }
        let more = change.cells.len().saturating_sub(max_cells);
        if more > 0 {
            let _ = writeln!(
                out,
                "    ... and {more} more (`replymatrix diff` lists them all)"
            );
        }
    }
    out
}

/// `field  old  ->  new`, aligned.
fn field_rows(out: &mut String, fields: &[FieldChange]) {
    let sides: Vec<(String, String)> = fields.iter().map(FieldChange::sides).collect();
    let fw = fields.iter().map(|f| f.field.len()).max().unwrap_or(0);
    let ow = sides
        .iter()
        .map(|(o, _)| o.chars().count())
        .max()
        .unwrap_or(0);
    for (f, (old, new)) in fields.iter().zip(&sides) {
        let _ = writeln!(out, "  {:<fw$}  {old:<ow$}  ->  {new}", f.field);
    }
}

/// Markdown for a pull-request comment: the lists, the facts that changed, then each change
/// as a table of its fields (old | new) and its cells in a collapsed list.
pub fn markdown(d: &MatrixDiff) -> String {
    let mut out = String::from("### replymatrix: matrix changes\n\n");
    if d.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    lists(&mut out, d, true);
    for (name, fields) in &d.profiles_changed {
        let _ = writeln!(out, "\n**Profile `{name}` changed**\n");
        md_fields(&mut out, fields);
    }
    for f in &d.facts {
        let _ = writeln!(out, "\n**Facts of `{}` changed**\n\n```diff", f.sample);
        for line in &f.old {
            let _ = writeln!(out, "- {line}");
        }
        for line in &f.new {
            let _ = writeln!(out, "+ {line}");
        }
        out.push_str("```\n");
    }
    if d.changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n**{}**", headline(d));
    for (n, change) in d.changes.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n#### Change {}: {} cell{}\n",
            n + 1,
            change.cells.len(),
            plural(change.cells.len())
        );
        md_fields(&mut out, &change.fields);
        let _ = writeln!(
            out,
            "\n<details><summary>{} cell{}</summary>\n\n| Sample | Profile | Client |\n|---|---|---|",
            change.cells.len(),
            plural(change.cells.len())
        );
        for cell in &change.cells {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                cell.sample, cell.profile, cell.client
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn md_fields(out: &mut String, fields: &[FieldChange]) {
    out.push_str("| Field | Old | New |\n|---|---|---|\n");
    for f in fields {
        let (old, new) = f.sides();
        let _ = writeln!(
            out,
            "| `{}` | {} | **{}** |",
            f.field,
            md_escape(&old),
            md_escape(&new)
        );
    }
}

/// A value inside a table cell: `|` escaped, line breaks as spaces.
fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
