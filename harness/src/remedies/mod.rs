//! Remedies: for an outcome that is not `yes`, the smallest sets of actions that make it
//! `yes` under the models, who takes them, and which would not help.
//!
//! The actions are data (`corpora/remedies/actions.toml`, compiled in): a stable id, the
//! actor, the procedure an admin follows, the evidence, an effort, and what the action
//! changes as a fragment of the public profile format ([`merge`]: tables merge, arrays
//! append, values replace). A client choice names the client used instead; a sender's change
//! is a sibling sample of the corpus, the same sender product and From with another setting
//! ([`SenderSample`]). [`Search`] fills the placeholders of each action for one message and
//! one profile, loads every changed profile through the ordinary loader
//! ([`crate::profile::Profile::parse`] and [`crate::profile::Profile::resolve_with`]) and
//! re-runs the models ([`crate::clients::evaluate`]).
//! Only the placeholder `{message-signer}` stays in a patch: the loader resolves it to the
//! certificate the message carries for its sender ([`crate::profile::MESSAGE_SIGNER`]).

mod search;

pub use search::{MAX_ACTIONS, MAX_REMEDIES, Search, SenderSample};

use serde::Deserialize;

use crate::clients::ClientId;
use crate::evidence::Confidence;
use crate::verdict::{ActionEvidence, Actor};

/// The catalogue's TOML text, compiled in.
pub const CATALOGUE_TOML: &str = include_str!("../../../corpora/remedies/actions.toml");

/// Where the catalogue lives in the source tree (for messages and docs).
pub const CATALOGUE_PATH: &str = "corpora/remedies/actions.toml";

/// One action of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Stable id (the research catalogue's).
    pub id: String,
    /// Who takes it.
    pub actor: Actor,
    /// Where it comes in the order an admin works (research catalogue §3, chain 1).
    pub step: u32,
    /// What it changes, one line.
    pub title: String,
    /// What the person does: the cmdlet with its parameters or the menu path.
    pub procedure: String,
    /// Effort of one person, in minutes (an estimate).
    pub minutes: u32,
    /// A roll-out for the whole tenant (ranked after one-person work).
    #[serde(default)]
    pub tenant_wide: bool,
    /// Something people try first: explain says when it would not help.
    #[serde(default)]
    pub tried_first: bool,
    /// The change, a TOML fragment of the profile format with placeholders.
    #[serde(default)]
    pub patch: Option<String>,
    /// For a client choice: the client used instead.
    #[serde(default)]
    pub client: Option<ClientId>,
    /// The sources.
    pub evidence: Vec<ActionEvidence>,
}

impl Action {
    /// The action's confidence: its strongest source.
    pub fn confidence(&self) -> Confidence {
        self.evidence
            .iter()
            .map(|e| e.confidence)
            .min()
            .unwrap_or(Confidence::Inferred)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    action: Vec<Action>,
}

/// Parses a catalogue text.
pub fn parse_catalogue(text: &str) -> Result<Vec<Action>, String> {
    let file: CatalogueFile = toml::from_str(text).map_err(|e| e.to_string())?;
    for a in &file.action {
        if a.patch.is_some() == a.client.is_some() {
            return Err(format!(
                "action {}: give either a profile patch or a client, not both or neither",
                a.id
            ));
        }
        if (a.actor == Actor::ClientChoice) != a.client.is_some() {
            return Err(format!(
                "action {}: a client choice names a client, and only a client choice does",
                a.id
            ));
        }
        if a.actor == Actor::Sender {
            return Err(format!(
                "action {}: sender actions come from sibling samples of the corpus, not the catalogue",
                a.id
            ));
        }
        if let Some(p) = &a.patch {
            toml::from_str::<toml::Table>(p)
                .map_err(|e| format!("action {}: patch is not TOML: {e}", a.id))?;
        }
    }
    let mut ids: Vec<&str> = file.action.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("action {} is listed twice", w[0]));
    }
    Ok(file.action)
}

/// The compiled-in catalogue.
pub fn catalogue() -> &'static [Action] {
    static CATALOGUE: std::sync::OnceLock<Vec<Action>> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // Invariant: the catalogue is compiled in, and `remedies::catalogue_parses_and_cites`
        // parses it; an error here is a build of a broken tree, caught by that test.
        parse_catalogue(CATALOGUE_TOML).unwrap_or_else(|e| panic!("{CATALOGUE_PATH}: {e}"))
    })
}

/// Merges `patch` into `base`: tables merge, arrays append (an element already covered by
/// one there, equal but for `true` where the new one says `false`, is not added again), other
/// values replace. Returns whether `base` changed.
pub fn merge(base: &mut toml::Table, patch: &toml::Table) -> bool {
    let mut changed = false;
    for (key, value) in patch {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(p)) => changed |= merge(b, p),
            (Some(toml::Value::Array(b)), toml::Value::Array(p)) => {
                for item in p {
                    if !b.iter().any(|old| covers(old, item)) {
                        b.push(item.clone());
                        changed = true;
                    }
                }
            }
            (Some(old), new) => {
                if old != new {
                    *old = new.clone();
                    changed = true;
                }
            }
            (None, new) => {
                base.insert(key.clone(), new.clone());
                changed = true;
            }
        }
    }
    changed
}

/// Whether `old` already gives what `new` adds: equal, or a table with every key of `new`
/// equal, `true` where `new` says `false` counting as equal (a certificate already published
/// covers one that is not).
fn covers(old: &toml::Value, new: &toml::Value) -> bool {
    match (old, new) {
        (toml::Value::Table(o), toml::Value::Table(n)) => n.iter().all(|(k, v)| match o.get(k) {
            Some(toml::Value::Boolean(true)) => matches!(v, toml::Value::Boolean(_)),
            Some(x) => x == v,
            None => false,
        }),
        _ => old == new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).expect("toml")
    }

    #[test]
    fn merge_merges_tables_appends_arrays_replaces_values() {
        let mut base = table("a = 1\nlist = [\"x\"]\n[t]\nb = false\n");
        let changed = merge(
            &mut base,
            &table("a = 2\nlist = [\"x\", \"y\"]\n[t]\nb = true\nc = \"new\"\n"),
        );
        assert!(changed);
        assert_eq!(
            base,
            table("a = 2\nlist = [\"x\", \"y\"]\n[t]\nb = true\nc = \"new\"\n")
        );
        assert!(!merge(&mut base, &table("list = [\"y\"]\n[t]\nb = true\n")));
    }

    #[test]
    fn a_published_certificate_covers_an_unpublished_one() {
        let mut base = table(
            "certificates = [{ cert = \"c.pem\", private_key = \"windows-store\", published_to_gal = true }]",
        );
        assert!(!merge(
            &mut base,
            &table(
                "certificates = [{ cert = \"c.pem\", private_key = \"windows-store\", published_to_gal = false }]"
            )
        ));
        assert!(merge(
            &mut base,
            &table(
                "certificates = [{ cert = \"c.pem\", private_key = \"smart-card\", published_to_gal = false }]"
            )
        ));
    }

    #[test]
    fn catalogue_parses() {
        assert!(catalogue().len() >= 15);
    }
}
