//! Observations: what a real client did with a concrete message, as data.
//!
//! A study or a first-hand report says "client X, version V, shown message M, displayed D".
//! `corpora/observations/<source>.toml` records each such statement once: the client and its
//! version, where it is reported (the exact table, figure or section and a short quote), the
//! corpus sample that stands for the message, the environment (a bundled profile or one
//! written inline), and what the verdict must say ([`Expect`]). Unknown fields are errors that
//! name the file.
//!
//! The observations test runs the models on every observation and fails on any disagreement,
//! unless the observation is marked [`Superseded`] with the evidence that overrides it (and a
//! superseded observation that agrees again fails as stale). Where an observation with an
//! [`Fit::Exact`] sample and a bundled profile agrees, [`confirm`] raises the decisions it
//! asserts to [`Confidence::Observed`] and records its id, so the matrix and the snapshots say
//! which outcomes were seen rather than read or inferred.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clients::ClientId;
use crate::error::{Error, Result};
use crate::evidence::Confidence;
use crate::profile::Profile;
use crate::verdict::{ClientVerdict, Outcome, ReadStatus, Reason, SignatureShown, Status};
use crate::vocabulary::vocabulary;

/// One file, `corpora/observations/<source>.toml`: one source and what it reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationFile {
    /// The study or the collection of reports the file encodes.
    pub source: Source,
    /// Environments the source observed that no bundled profile is: a profile's fields,
    /// written here (`[[environment]]`), named by the observations that use them.
    #[serde(default, rename = "environment")]
    pub environments: Vec<Profile>,
    /// The observations, in the order of the source.
    #[serde(rename = "observation")]
    pub observations: Vec<Observation>,
}

/// The study or report collection behind a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Authors, title, venue and year, or the collection's name.
    pub title: String,
    /// Where it is published, when it is (a collection of reports has none of its own).
    #[serde(default)]
    pub url: Option<String>,
    /// Anything a reviewer should know about the source as a whole.
    #[serde(default)]
    pub note: Option<String>,
}

/// One observation: a client shown a message, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// Stable id, lower-case words joined by `-`; never reused.
    pub id: String,
    /// The client observed.
    pub client: ClientId,
    /// The client's version, add-in or extension, as the source gives them.
    pub client_version: String,
    /// When it was observed or reported (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub date: String,
    /// Where exactly it is reported (the artifact file, the issue, the page).
    pub url: String,
    /// The exact place in the source: table, row and column, figure, section.
    pub reference: String,
    /// What the source says was seen, in its own words (short).
    pub quote: String,
    /// The source's verdict in its own legend.
    pub finding: Finding,
    /// The corpus sample that stands for the observed message (`<family>/<name>`).
    pub sample: String,
    /// How closely the sample stands for the observed message.
    pub fit: Fit,
    /// Why the sample stands for the observed message.
    pub stands_for: String,
    /// The bundled profile (`corpora/profiles/<name>.toml`) that is the observed environment.
    #[serde(default)]
    pub profile: Option<String>,
    /// The observed environment when no bundled profile is it: the name of an
    /// `[[environment]]` of the same file.
    #[serde(default)]
    pub environment: Option<String>,
    /// What the verdict must say.
    pub expect: Expect,
    /// Set when later evidence overrides this observation: the models follow that evidence,
    /// and this observation is kept, checked to still disagree.
    #[serde(default)]
    pub superseded: Option<Superseded>,
    /// Anything a reviewer should know.
    #[serde(default)]
    pub note: Option<String>,
}

vocabulary! {
    /// A source's verdict on one case, in its own legend.
    pub enum Finding {
        /// Johnny ●: the spoofed signature is indistinguishable on all UI levels.
        PerfectForgery = "perfect-forgery",
        /// Johnny ◐: indistinguishable on the first UI level.
        PartialForgery = "partial-forgery",
        /// Johnny ○: some UI elements suggest a valid signature, others the opposite.
        WeakForgery = "weak-forgery",
        /// Johnny –: no vulnerability found.
        NoForgery = "no-forgery",
        /// REPLY ●: the decrypted plaintext can be completely hidden in the reply.
        PlaintextHidden = "plaintext-hidden",
        /// REPLY ◐: the decrypted plaintext is merged with the attacker's text in the reply.
        PlaintextMerged = "plaintext-merged",
        /// REPLY ○ (decryption): no decryption oracle found.
        NoDecryptionOracle = "no-decryption-oracle",
        /// REPLY ● (signatures): the covert CSS rules are kept in the reply message.
        CovertRulesKept = "covert-rules-kept",
        /// REPLY ◐ (signatures): the covert rules work only in the received message.
        CovertRulesReceivedOnly = "covert-rules-received-only",
        /// REPLY ○ (signatures): no signing oracle found.
        NoSigningOracle = "no-signing-oracle",
        /// A first-hand report of what the client showed or did.
        Report = "report",
    }
}

vocabulary! {
    /// How closely a corpus sample stands for the observed message.
    pub enum Fit {
        /// The sample has the observed message's structure (the parts and layers that decide
        /// the verdict); only names, keys and text differ.
        Exact = "exact",
        /// The observed message's structure was not captured; the sample is its likely form.
        /// Such an observation is checked but never raises a confidence.
        Inferred = "inferred",
    }
}

/// What the verdict must say; every field is optional, and at least one is given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// How the message reads.
    #[serde(default)]
    pub read: Option<ReadStatus>,
    /// What the signature indicator shows.
    #[serde(default)]
    pub signature: Option<SignatureShown>,
    /// The words the client shows when reading start with this.
    #[serde(default)]
    pub read_user_sees: Option<String>,
    /// The message's text is shown (readable, with or without a warning), when a report
    /// says only that.
    #[serde(default)]
    pub text_shown: Option<bool>,
    /// The message is presented as validly signed at the first UI level: readable without a
    /// warning and the signature shown as verified (what a perfect or partial forgery in
    /// Müller et al. 2019 achieves, and a weak or failed one does not).
    #[serde(default)]
    pub shown_as_valid: Option<bool>,
    /// Replying without protection.
    #[serde(default)]
    pub plain: Option<ExpectOutcome>,
    /// Replying signed.
    #[serde(default)]
    pub signed: Option<ExpectOutcome>,
    /// Replying encrypted.
    #[serde(default)]
    pub encrypted: Option<ExpectOutcome>,
    /// The reply quotes the readable text.
    #[serde(default)]
    pub quotes_original: Option<bool>,
    /// The reply quotes text the client decrypted.
    #[serde(default)]
    pub quotes_decrypted: Option<bool>,
    /// The reply's quote keeps the original's styles (and so what they hide).
    #[serde(default)]
    pub quote_keeps_styles: Option<bool>,
}

/// What one reply outcome must say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectOutcome {
    /// Whether the user can do it.
    pub status: Status,
    /// Why not, or the caveat.
    #[serde(default)]
    pub reason: Option<Reason>,
    /// The words the client shows start with this.
    #[serde(default)]
    pub user_sees: Option<String>,
}

/// Later evidence that overrides an observation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Superseded {
    /// The observation id or URL of the evidence the models follow instead.
    pub by: String,
    /// Why that evidence overrides this observation.
    pub evidence: String,
}

/// An observation with the file it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The file.
    pub file: PathBuf,
    /// Its source.
    pub source: Source,
    /// The observation.
    pub observation: Observation,
    /// The `[[environment]]` it names, as written (not resolved against the keys).
    pub environment: Option<Profile>,
}

impl Loaded {
    /// The observed environment, resolved against `corpora/`: the bundled profile by name,
    /// or the file's `[[environment]]`, its certificates and keys read from `corpora/keys/`.
    pub fn resolve_environment(&self, corpora: &Path) -> Result<Profile> {
        let keys = corpora.join("keys");
        let o = &self.observation;
        match (&o.profile, &self.environment) {
            (Some(name), None) => Profile::load_named(name, &corpora.join("profiles"), &keys),
            (None, Some(env)) => {
                let mut env = env.clone();
                env.resolve(&keys).map_err(|e| Error::Schema {
                    path: self.file.clone(),
                    message: format!("environment {:?}: {e}", env.name),
                })?;
                Ok(env)
            }
            _ => Err(Error::Schema {
                path: self.file.clone(),
                message: format!(
                    "observation {:?}: give `profile` or an `environment` of this file",
                    o.id
                ),
            }),
        }
    }
}

/// Parses one observation file, naming it in any error.
pub fn parse_file(path: &Path, text: &str) -> Result<ObservationFile> {
    toml::from_str(text).map_err(|e| Error::Schema {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Loads every `*.toml` in `dir` (the `corpora/observations` folder), files sorted by name,
/// observations in file order. A missing folder holds no observations.
pub fn load_dir(dir: &Path) -> Result<Vec<Loaded>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let file = parse_file(&path, &text)?;
        for observation in file.observations {
            let environment = match &observation.environment {
                None => None,
                Some(name) => Some(
                    file.environments
                        .iter()
                        .find(|e| &e.name == name)
                        .cloned()
                        .ok_or_else(|| Error::Schema {
                            path: path.clone(),
                            message: format!(
                                "observation {:?}: no [[environment]] named {name:?} in this file",
                                observation.id
                            ),
                        })?,
                ),
            };
            out.push(Loaded {
                file: path.clone(),
                source: file.source.clone(),
                observation,
                environment,
            });
        }
    }
    Ok(out)
}

/// Every problem with the observations as data, each naming the file and the id: a bad or
/// duplicate id, a sample or profile that does not exist, not exactly one environment, an
/// empty `expect`, an `expect` that does not say what the source's finding implies.
/// `samples` and `profiles` are the ids and names that exist.
pub fn problems(
    all: &[Loaded],
    samples: &BTreeSet<String>,
    profiles: &BTreeSet<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for l in all {
        let o = &l.observation;
        let at = format!("{}: observation {:?}", l.file.display(), o.id);
        let mut say = |what: String| out.push(format!("{at}: {what}"));
        let well_formed = !o.id.is_empty()
            && o.id.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !well_formed {
            say("the id is not lower-case words joined by '-'".into());
        }
        if !seen.insert(o.id.clone()) {
            say("the id is used twice".into());
        }
        if !samples.contains(&o.sample) {
            say(format!("no sample {:?} in corpora/senders", o.sample));
        }
        match (&o.profile, &o.environment) {
            (Some(p), None) if !profiles.contains(p) => {
                say(format!("no profile {p:?} in corpora/profiles"));
            }
            (None, Some(e)) if profiles.contains(e) => {
                say(format!(
                    "environment {e:?} has a bundled profile's name: name the profile instead"
                ));
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => say("give exactly one of `profile` and `environment`".into()),
        }
        if !o.url.starts_with("http") {
            say(format!("url {:?} is not a web address", o.url));
        }
        for what in finding_problems(o.finding, &o.expect) {
            say(what);
        }
    }
    out
}

/// What the source's finding implies the `expect` must say, and does not.
fn finding_problems(finding: Finding, e: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    let any = e.read.is_some()
        || e.signature.is_some()
        || e.read_user_sees.is_some()
        || e.text_shown.is_some()
        || e.shown_as_valid.is_some()
        || e.plain.is_some()
        || e.signed.is_some()
        || e.encrypted.is_some()
        || e.quotes_original.is_some()
        || e.quotes_decrypted.is_some()
        || e.quote_keeps_styles.is_some();
    if !any {
        out.push("`expect` says nothing".into());
    }
    match finding {
        Finding::PerfectForgery | Finding::PartialForgery => {
            if e.shown_as_valid != Some(true) {
                out.push(format!(
                    "a {finding} is a message shown as validly signed: expect shown_as_valid = true"
                ));
            }
        }
        Finding::WeakForgery => {
            if e.shown_as_valid != Some(false) {
                out.push(format!(
                    "a {finding} shows signs of the spoof at the first UI level: expect \
                     shown_as_valid = false"
                ));
            }
        }
        Finding::NoForgery => {
            if e.shown_as_valid.is_none() && e.signature.is_none() {
                out.push(format!(
                    "a {finding} is about the signature indicator: give shown_as_valid or signature"
                ));
            }
        }
        Finding::PlaintextHidden | Finding::PlaintextMerged => {
            if e.quotes_decrypted != Some(true) {
                out.push(format!(
                    "{finding}: the reply quotes the decrypted text, expect quotes_decrypted = true"
                ));
            }
        }
        Finding::NoDecryptionOracle => {
            if e.quotes_decrypted != Some(false) {
                out.push(format!("{finding}: expect quotes_decrypted = false"));
            }
        }
        Finding::CovertRulesKept => {
            if e.quote_keeps_styles != Some(true) {
                out.push(format!("{finding}: expect quote_keeps_styles = true"));
            }
        }
        Finding::CovertRulesReceivedOnly | Finding::NoSigningOracle => {
            if e.quote_keeps_styles != Some(false) {
                out.push(format!(
                    "{finding}: the reply does not keep the covert rules, expect \
                     quote_keeps_styles = false"
                ));
            }
        }
        Finding::Report => {}
    }
    out
}

/// A decision the verdict makes that an observation can confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// How the message reads and what the signature indicator shows.
    Read,
    /// Replying without protection.
    Plain,
    /// Replying signed.
    Signed,
    /// Replying encrypted.
    Encrypted,
}

impl Expect {
    /// The decisions this expectation states outright: the read decision when it gives the
    /// read status, a reply outcome when it gives its status.
    pub fn decisions(&self) -> Vec<Decision> {
        let mut out = Vec::new();
        if self.read.is_some() {
            out.push(Decision::Read);
        }
        if self.plain.is_some() {
            out.push(Decision::Plain);
        }
        if self.signed.is_some() {
            out.push(Decision::Signed);
        }
        if self.encrypted.is_some() {
            out.push(Decision::Encrypted);
        }
        out
    }

    /// Every way the verdict differs from this expectation, one line each; empty when it
    /// holds.
    pub fn disagreements(&self, v: &ClientVerdict) -> Vec<String> {
        let mut out = Vec::new();
        let mut cmp = |field: &str, want: String, have: String| {
            if want != have {
                out.push(format!("{field}: observed {want}, the model says {have}"));
            }
        };
        if let Some(r) = self.read {
            cmp("read", r.to_string(), v.read.status.to_string());
        }
        if let Some(s) = self.signature {
            cmp(
                "signature",
                s.to_string(),
                v.read.signature_shown.to_string(),
            );
        }
        if let Some(want) = self.text_shown {
            cmp(
                "text_shown",
                want.to_string(),
                v.read.status.text_visible().to_string(),
            );
        }
        if let Some(want) = self.shown_as_valid {
            let have = v.read.status == ReadStatus::Readable
                && v.read.signature_shown == SignatureShown::Verified;
            cmp("shown_as_valid", want.to_string(), have.to_string());
        }
        if let Some(words) = &self.read_user_sees {
            let have = v.read.user_sees.clone().unwrap_or_default();
            if !have.starts_with(words.as_str()) {
                cmp("read user_sees", format!("{words:?}…"), format!("{have:?}"));
            }
        }
        for (field, want, have) in [
            ("plain", &self.plain, &v.reply.plain),
            ("signed", &self.signed, &v.reply.signed),
            ("encrypted", &self.encrypted, &v.reply.encrypted),
        ] {
            let Some(want) = want else { continue };
            cmp(field, want.status.to_string(), have.status.to_string());
            if let Some(r) = want.reason {
                let got = have.reason.map_or("none".to_owned(), |r| r.to_string());
                cmp(&format!("{field} reason"), r.to_string(), got);
            }
            if let Some(words) = &want.user_sees {
                let got = have.user_sees.clone().unwrap_or_default();
                if !got.starts_with(words.as_str()) {
                    cmp(
                        &format!("{field} user_sees"),
                        format!("{words:?}…"),
                        format!("{got:?}"),
                    );
                }
            }
        }
        for (field, want, have) in [
            ("quotes_original", self.quotes_original, v.quotes_original),
            (
                "quotes_decrypted",
                self.quotes_decrypted,
                v.quotes_decrypted,
            ),
        ] {
            if let Some(want) = want {
                cmp(field, want.to_string(), have.to_string());
            }
        }
        if let Some(want) = self.quote_keeps_styles {
            let have = v
                .quote_keeps_styles
                .map_or("unknown".to_owned(), |b| b.to_string());
            cmp("quote_keeps_styles", want.to_string(), have);
        }
        out
    }
}

/// Raises to [`Confidence::Observed`] every decision of `cells` that an observation confirms:
/// one with an exact sample (`sample`), the cell's profile by name and the cell's client, not
/// superseded, and agreeing with the cell's verdict in everything it states. The
/// observation's id is added to the decision's `observed_by`. `cells` are one sample's
/// (profile name, verdict) pairs.
pub fn confirm<'a>(
    sample: &str,
    cells: impl IntoIterator<Item = (&'a str, &'a mut ClientVerdict)>,
    all: &[Loaded],
) {
    for (profile, verdict) in cells {
        for l in all {
            let o = &l.observation;
            if o.sample != sample
                || o.client != verdict.client
                || o.profile.as_deref() != Some(profile)
                || o.fit != Fit::Exact
                || o.superseded.is_some()
                || !o.expect.disagreements(verdict).is_empty()
            {
                continue;
            }
            for decision in o.expect.decisions() {
                match decision {
                    Decision::Read => {
                        let read = &mut verdict.read;
                        read.confidence = Confidence::Observed;
                        push_once(&mut read.observed_by, &o.id);
                    }
                    Decision::Plain => observe(&mut verdict.reply.plain, &o.id),
                    Decision::Signed => observe(&mut verdict.reply.signed, &o.id),
                    Decision::Encrypted => observe(&mut verdict.reply.encrypted, &o.id),
                }
            }
        }
    }
}

fn observe(outcome: &mut Outcome, id: &str) {
    outcome.confidence = Confidence::Observed;
    push_once(&mut outcome.observed_by, id);
}

fn push_once(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_owned());
    }
}
