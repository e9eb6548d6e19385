//! The search: the minimal sets of up to [`MAX_ACTIONS`] actions that make an outcome `yes`.
//!
//! A *world* is the message (the one answered, or a sibling sample the sender's other
//! setting produces) and the client (the one asked, or another by a client choice). In each
//! world the profile patches that apply form a set `U`, and the models are monotonic in them
//! (tests/testsuite/properties.rs): when `U` does not give `yes`, no subset does; an action
//! without which `U` no longer gives `yes` is in every working set; when those necessary
//! actions alone give `yes`, they are the only minimal set. Otherwise the subsets are tried
//! by size, supersets of working sets skipped. Across worlds, a set is kept only when no
//! smaller world (without the client choice or the sender's change) works with a subset of
//! its patches. Loaded profiles, verdicts and per-world tables are cached, so a matrix shares
//! them between samples and clients.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clients::{ClientId, Message, trust};
use crate::evidence::{Confidence, RuleId};
use crate::facts::{CertificateFacts, Inspection, LayerKind, PgpKeyFacts};
use crate::profile::{KeyFiles, MESSAGE_SIGNER, Profile, bundled};
use crate::verdict::{ActionEvidence, Actor, ClientVerdict, Outcome, Remedy, RemedyAction, Status};

use super::{Action, catalogue, merge};

/// The most actions in one remedy.
pub const MAX_ACTIONS: usize = 3;
/// The most remedies listed per outcome.
pub const MAX_REMEDIES: usize = 3;
/// The most minimal sets kept per world and mode.
const MAX_PER_WORLD: usize = 6;
/// The effort given to a sender's change: asking someone outside the tenant.
const SENDER_MINUTES: u32 = 10;

/// A message a remedy may re-run the models on: the one answered, or a sibling sample.
#[derive(Clone, Debug)]
pub struct SenderSample {
    /// `family/name` for a corpus sample; empty for a message outside the corpus.
    pub id: String,
    /// The sender product (`[sender] product`), when known.
    pub product: Option<String>,
    /// The sender setting (`[sender] setting`), when known.
    pub setting: Option<String>,
    /// A positive control (a sender's real output, not an attack or breakage).
    pub positive: bool,
    /// Where the sample's wire form comes from (its provenance).
    pub evidence: Vec<ActionEvidence>,
    /// What inspect found.
    pub inspection: Inspection,
}

impl SenderSample {
    /// A message outside the corpus: no sender product or setting, so no siblings.
    pub fn message(inspection: Inspection) -> Self {
        Self {
            id: String::new(),
            product: None,
            setting: None,
            positive: true,
            evidence: Vec::new(),
            inspection,
        }
    }
}

/// One action filled in for one message and profile.
#[derive(Clone, Debug)]
struct Instance {
    /// Index in [`catalogue`].
    action: usize,
    /// The patch with its placeholders filled (`{message-signer}` kept).
    patch: String,
    /// The parsed patch.
    table: toml::Table,
    /// The patch's number among every distinct (patch, message certificate) of the search.
    key: u32,
    /// The procedure with its placeholders filled.
    procedure: String,
}

/// The actions that apply to one message under one profile.
#[derive(Clone, Debug, Default)]
struct Context {
    instances: Vec<Instance>,
    signer: Option<CertificateFacts>,
}

/// The certificates and keys a profile's remedies may name: the files the profile names,
/// and for a bundled profile the persona keys bundled with it.
#[derive(Clone, Debug, Default)]
struct Pool {
    certs: Vec<(String, CertificateFacts)>,
    pgp: Vec<(String, Vec<PgpKeyFacts>, bool)>,
}

/// The result of one mode in one world.
#[derive(Clone, Debug)]
struct ModeResult {
    status: Status,
    confidence: Confidence,
    rules: Vec<RuleId>,
}

/// The result of one world under one set of patches: per mode, and whether the client
/// shows the message text.
#[derive(Clone, Debug)]
struct Eval {
    modes: [ModeResult; 3],
    text_visible: bool,
}

impl std::ops::Index<usize> for Eval {
    type Output = ModeResult;

    fn index(&self, mode: usize) -> &ModeResult {
        &self.modes[mode]
    }
}
/// A set of a context's instances, bit `i` for instance `i`. A context has at most
/// [`MAX_INSTANCES`] instances (one per catalogue action with a patch; the catalogue is
/// compiled in; the unit test `the_catalogue_fits_a_mask` holds it under that, and a context
/// stops taking instances there).
type Mask = u64;
/// The most instances a context holds: the bits of a [`Mask`].
const MAX_INSTANCES: usize = Mask::BITS as usize;

fn mask_of(set: &[usize]) -> Mask {
    set.iter()
        .filter(|&&i| i < MAX_INSTANCES)
        .fold(0, |mask, &i| mask | 1 << i)
}

fn members(mask: Mask) -> Vec<usize> {
    (0..MAX_INSTANCES).filter(|&i| mask >> i & 1 == 1).collect()
}
/// Per mode, the minimal sets (indices into the world's context).
type Table = [Vec<Vec<usize>>; 3];

/// A candidate remedy before it is rendered.
#[derive(Clone, Debug)]
struct Candidate {
    sibling: Option<usize>,
    client: Option<ClientId>,
    /// Indices into the context of the world's message.
    set: Vec<usize>,
    /// Action ids of the set, for comparisons across worlds.
    ids: Vec<&'static str>,
}

/// The search over a set of profiles and messages, with its caches.
#[derive(Debug)]
pub struct Search {
    profiles: Vec<Profile>,
    samples: Vec<SenderSample>,
    bases: HashMap<usize, Option<toml::Table>>,
    pools: HashMap<usize, Arc<Pool>>,
    contexts: HashMap<(usize, usize), Context>,
    shared: Vec<Arc<Profile>>,
    loaded: HashMap<(usize, Vec<u32>), Option<Arc<Profile>>>,
    keys: HashMap<String, u32>,
    file_facts: HashMap<usize, crate::profile::FileFacts>,
    evals: HashMap<(usize, usize, ClientId, Mask), Arc<Eval>>,
    /// Per profile and filled patch: the parsed patch when it changes the profile.
    patches: HashMap<(usize, String), Option<toml::Table>>,
    tables: HashMap<(usize, usize, ClientId), Arc<Table>>,
}

/// The index of a mode: plain, signed, encrypted.
const MODES: [&str; 3] = ["plain", "signed", "encrypted"];

fn outcome_mut(v: &mut ClientVerdict, mode: usize) -> &mut Outcome {
    match mode {
        0 => &mut v.reply.plain,
        1 => &mut v.reply.signed,
        _ => &mut v.reply.encrypted,
    }
}

fn outcome_of(v: &ClientVerdict, mode: usize) -> &Outcome {
    match mode {
        0 => &v.reply.plain,
        1 => &v.reply.signed,
        _ => &v.reply.encrypted,
    }
}

/// Every `k`-subset of `items` as a [`Mask`], in lexicographic order of positions in `items`.
fn combinations(items: &[usize], k: usize) -> impl Iterator<Item = Mask> + '_ {
    let n = items.len();
    // The positions of the next subset; `None` once every subset has been given.
    let mut next: Option<Vec<usize>> = (k > 0 && k <= n).then(|| (0..k).collect());
    std::iter::from_fn(move || {
        let idx = next.as_mut()?;
        let mask = idx.iter().fold(0, |m, &i| m | mask_of(&[items[i]]));
        match (0..k).rev().find(|&i| idx[i] < n - k + i) {
            Some(i) => {
                idx[i] += 1;
                for j in i + 1..k {
                    idx[j] = idx[j - 1] + 1;
                }
            }
            None => next = None,
        }
        Some(mask)
    })
}

impl Search {
    /// A search over these profiles and messages (the corpus samples, whose sibling samples
    /// are the sender's other settings, or one message).
    pub fn new(profiles: Vec<Profile>, samples: Vec<SenderSample>) -> Self {
        Self {
            shared: profiles.iter().cloned().map(Arc::new).collect(),
            profiles,
            samples,
            bases: HashMap::new(),
            pools: HashMap::new(),
            contexts: HashMap::new(),
            loaded: HashMap::new(),
            keys: HashMap::new(),
            file_facts: HashMap::new(),
            evals: HashMap::new(),
            patches: HashMap::new(),
            tables: HashMap::new(),
        }
    }

    /// The profiles searched under.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The messages searched.
    pub fn samples(&self) -> &[SenderSample] {
        &self.samples
    }

    /// The index of the sample with this id.
    pub fn sample_index(&self, id: &str) -> Option<usize> {
        self.samples.iter().position(|s| s.id == id)
    }

    /// Fills `remedies`, `no_remedy` and `not_helping` of every `no` and `partial` reply
    /// outcome of `verdicts` (the verdicts of sample `sample` under profile `profile`).
    pub fn attach(&mut self, sample: usize, profile: usize, verdicts: &mut [ClientVerdict]) {
        for v in verdicts.iter_mut() {
            for mode in 0..3 {
                let status = outcome_of(v, mode).status;
                if !matches!(status, Status::No | Status::Partial) {
                    continue;
                }
                let (remedies, no_remedy, not_helping) =
                    self.remedies(sample, profile, v.client, mode, outcome_of(v, mode));
                let o = outcome_mut(v, mode);
                o.remedies = Some(remedies);
                o.no_remedy = no_remedy;
                o.not_helping = not_helping;
            }
        }
    }

    /// The remedies of one outcome, why none helps when none does, and the actions tried
    /// first that would not help.
    fn remedies(
        &mut self,
        sample: usize,
        profile: usize,
        client: ClientId,
        mode: usize,
        outcome: &Outcome,
    ) -> (Vec<Remedy>, Option<String>, Vec<String>) {
        let siblings = self.siblings(sample);
        let mut candidates: Vec<Candidate> = Vec::new();
        for sibling in std::iter::once(None).chain(siblings.iter().copied().map(Some)) {
            let world = sibling.unwrap_or(sample);
            for other in ClientId::ALL {
                let cost = usize::from(sibling.is_some()) + usize::from(other != client);
                let table = self.table(world, profile, other);
                for set in &table[mode] {
                    if set.len() + cost > MAX_ACTIONS || set.len() + cost == 0 {
                        continue;
                    }
                    let ids = self.ids_of(world, profile, set);
                    candidates.push(Candidate {
                        sibling,
                        client: (other != client).then_some(other),
                        set: set.clone(),
                        ids,
                    });
                }
            }
        }
        // Keep the sets no smaller world makes work with a subset of their patches.
        let mut minimal = Vec::new();
        for c in candidates {
            if !self.smaller_world_works(sample, profile, client, mode, &c) {
                minimal.push(c);
            }
        }
        // Rank: smallest first, then the strongest evidence for the resulting `yes` (an
        // admin acts first on what is documented or observed), then the rest of `rank`.
        let mut keyed: Vec<_> = minimal
            .into_iter()
            .map(|c| {
                let strength = self.strength(sample, profile, client, mode, &c);
                // Answering in another client means reading the message there first: a
                // client that does not show its text (unreadable, attachments only, unknown)
                // ranks after one that does.
                let unread = c.client.is_some_and(|other| {
                    !self.text_visible(c.sibling.unwrap_or(sample), profile, other, &c.set)
                });
                let (size, tenant, minutes, layers, ids) = self.rank(sample, profile, &c);
                ((size, strength, unread, tenant, minutes, layers, ids), c)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let minimal: Vec<Candidate> = keyed.into_iter().map(|(_, c)| c).collect();
        let chosen = choose(&minimal);
        let remedies: Vec<Remedy> = chosen
            .iter()
            .map(|c| self.render(sample, profile, client, mode, c))
            .collect();
        let not_helping = self.not_helping(sample, profile, client, mode);
        let no_remedy = remedies.is_empty().then(|| {
            let reason = outcome.reason.map_or_else(String::new, |r| {
                format!(": {} ({})", r.as_str(), r.describe())
            });
            format!(
                "no set of up to {MAX_ACTIONS} actions makes the {} reply yes under the models, \
                 in {} or another modelled client{}{reason}",
                MODES[mode],
                client.as_str(),
                if siblings.is_empty() {
                    ""
                } else {
                    ", nor any other setting of the sender in the corpus"
                }
            )
        });
        (remedies, no_remedy, not_helping)
    }

    /// The action ids of a set in a world.
    fn ids_of(&mut self, world: usize, profile: usize, set: &[usize]) -> Vec<&'static str> {
        let ctx = self.context(world, profile);
        set.iter()
            .map(|&i| catalogue()[ctx.instances[i].action].id.as_str())
            .collect()
    }

    /// The ranking key after size and the resulting confidence (`remedies`): one-person
    /// before tenant-wide, then fewest minutes, then (for a sender's change) the sibling with
    /// fewer layers, then ids.
    fn rank(
        &self,
        _sample: usize,
        _profile: usize,
        c: &Candidate,
    ) -> (usize, usize, u32, usize, String) {
        let actions: Vec<&Action> = c
            .ids
            .iter()
            .filter_map(|id| catalogue().iter().find(|a| a.id == *id))
            .collect();
        let cc = c
            .client
            .and_then(|cl| catalogue().iter().find(|a| a.client == Some(cl)));
        let size = c.set.len() + usize::from(c.sibling.is_some()) + usize::from(c.client.is_some());
        let tenant = actions.iter().filter(|a| a.tenant_wide).count();
        let minutes = actions.iter().map(|a| a.minutes).sum::<u32>()
            + cc.map_or(0, |a| a.minutes)
            + if c.sibling.is_some() {
                SENDER_MINUTES
            } else {
                0
            };
        let mut ids: Vec<String> = c.ids.iter().map(|s| (*s).to_owned()).collect();
        if let Some(a) = cc {
            ids.push(a.id.clone());
        }
        if let Some(s) = c.sibling {
            ids.push(format!("sender:{}", self.samples[s].id));
        }
        ids.sort();
        let layers = c
            .sibling
            .map_or(0, |s| self.samples[s].inspection.layers.len());
        (size, tenant, minutes, layers, ids.join("+"))
    }

    /// Whether a world with fewer world actions (no client choice, no sender's change)
    /// works with a subset of the candidate's patches.
    fn smaller_world_works(
        &mut self,
        sample: usize,
        profile: usize,
        client: ClientId,
        mode: usize,
        c: &Candidate,
    ) -> bool {
        let mut smaller: Vec<(Option<usize>, ClientId)> = Vec::new();
        let here = c.client.unwrap_or(client);
        if c.sibling.is_some() {
            smaller.push((None, here));
        }
        if c.client.is_some() {
            smaller.push((c.sibling, client));
        }
        if c.sibling.is_some() && c.client.is_some() {
            smaller.push((None, client));
        }
        for (sibling, cl) in smaller {
            let world = sibling.unwrap_or(sample);
            let table = self.table(world, profile, cl);
            for set in &table[mode] {
                let ids = self.ids_of(world, profile, set);
                if ids.iter().all(|id| c.ids.contains(id)) {
                    return true;
                }
            }
        }
        false
    }

    /// The actions tried first that apply to this message and client and are in no minimal
    /// set of this world (the same message and client).
    fn not_helping(
        &mut self,
        sample: usize,
        profile: usize,
        client: ClientId,
        mode: usize,
    ) -> Vec<String> {
        let table = self.table(sample, profile, client);
        let ctx = self.context(sample, profile);
        let mut out: Vec<String> = ctx
            .instances
            .iter()
            .enumerate()
            .filter(|(i, inst)| {
                catalogue()[inst.action].tried_first && !table[mode].iter().any(|s| s.contains(i))
            })
            .map(|(_, inst)| catalogue()[inst.action].id.clone())
            .collect();
        out.sort();
        out
    }

    /// The confidence of a candidate's `yes`: the weakest of the changed world's outcome,
    /// the sender's change (inferred), the client choice and every action; what [`render`]
    /// gives it, without building the remedy (the ranking asks for every candidate).
    ///
    /// [`render`]: Self::render
    fn strength(
        &mut self,
        sample: usize,
        profile: usize,
        client: ClientId,
        mode: usize,
        c: &Candidate,
    ) -> Confidence {
        let world = c.sibling.unwrap_or(sample);
        let cl = c.client.unwrap_or(client);
        let mut confidence = self.eval(world, profile, cl, mask_of(&c.set))[mode].confidence;
        if c.sibling.is_some() {
            confidence = confidence.weakest(Confidence::Inferred);
        }
        if let Some(other) = c.client
            && let Some(a) = catalogue().iter().find(|a| a.client == Some(other))
        {
            confidence = confidence.weakest(a.confidence());
        }
        let ctx = self.context(world, profile);
        for &i in &c.set {
            confidence = confidence.weakest(catalogue()[ctx.instances[i].action].confidence());
        }
        confidence
    }

    /// One candidate as a [`Remedy`].
    fn render(
        &mut self,
        sample: usize,
        profile: usize,
        client: ClientId,
        mode: usize,
        c: &Candidate,
    ) -> Remedy {
        let world = c.sibling.unwrap_or(sample);
        let cl = c.client.unwrap_or(client);
        let rules = self.eval(world, profile, cl, mask_of(&c.set))[mode]
            .rules
            .clone();
        let confidence = self.strength(sample, profile, client, mode, c);
        self.context(world, profile);
        let ctx = &self.contexts[&(world, profile)];
        let mut steps: Vec<(u32, RemedyAction)> = Vec::new();
        if let Some(s) = c.sibling {
            let sib = &self.samples[s];
            let own = &self.samples[sample];
            steps.push((
                0,
                RemedyAction {
                    id: format!("sender:{}", sib.id),
                    actor: Actor::Sender,
                    title: format!(
                        "The sender sends with \u{201c}{}\u{201d} instead of \u{201c}{}\u{201d}",
                        sib.setting.as_deref().unwrap_or("-"),
                        own.setting.as_deref().unwrap_or("-")
                    ),
                    procedure: format!(
                        "Ask the sender to change the setting in {}: \u{201c}{}\u{201d}; the corpus \
                         sample {} is the message that setting produces.",
                        sib.product.as_deref().unwrap_or("the sender's client"),
                        sib.setting.as_deref().unwrap_or("-"),
                        sib.id
                    ),
                    evidence: sib.evidence.clone(),
                    profile_patch: None,
                    client: None,
                    sample: Some(sib.id.clone()),
                },
            ));
        }
        if let Some(other) = c.client
            && let Some(a) = catalogue().iter().find(|a| a.client == Some(other))
        {
            steps.push((
                a.step,
                RemedyAction {
                    id: a.id.clone(),
                    actor: a.actor,
                    title: a.title.clone(),
                    procedure: a.procedure.clone(),
                    evidence: a.evidence.clone(),
                    profile_patch: None,
                    client: Some(other),
                    sample: None,
                },
            ));
        }
        for &i in &c.set {
            let inst = &ctx.instances[i];
            let a = &catalogue()[inst.action];
            steps.push((
                a.step,
                RemedyAction {
                    id: a.id.clone(),
                    actor: a.actor,
                    title: a.title.clone(),
                    procedure: inst.procedure.clone(),
                    evidence: a.evidence.clone(),
                    profile_patch: Some(inst.patch.clone()),
                    client: None,
                    sample: None,
                },
            ));
        }
        steps.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Remedy {
            actions: steps.into_iter().map(|(_, a)| a).collect(),
            confidence,
            rules,
        }
    }

    /// The sibling samples of a sample: the same sender product and From, a positive control,
    /// another setting; one per setting (the first by id).
    fn siblings(&self, sample: usize) -> Vec<usize> {
        let s = &self.samples[sample];
        let (Some(product), Some(setting), Some(from)) =
            (&s.product, &s.setting, s.inspection.from.as_deref())
        else {
            return Vec::new();
        };
        let mut seen: Vec<&str> = vec![setting];
        let mut out: Vec<(usize, &str)> = self
            .samples
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                *i != sample
                    && t.positive
                    && t.product.as_deref() == Some(product)
                    && t.inspection.from.as_deref() == Some(from)
                    && t.setting.is_some()
            })
            .map(|(i, t)| (i, t.id.as_str()))
            .collect();
        out.sort_by(|a, b| a.1.cmp(b.1));
        let mut chosen = Vec::new();
        for (i, _) in out {
            let setting = self.samples[i].setting.as_deref().unwrap_or_default();
            if !seen.contains(&setting) {
                seen.push(setting);
                chosen.push(i);
            }
        }
        chosen
    }

    /// The table of one world: per mode, the minimal sets of patches that give `yes`.
    fn table(&mut self, world: usize, profile: usize, client: ClientId) -> Arc<Table> {
        if let Some(t) = self.tables.get(&(world, profile, client)) {
            return Arc::clone(t);
        }
        let n = self.context(world, profile).instances.len();
        let all: Mask = mask_of(&(0..n).collect::<Vec<_>>());
        let base = self.eval(world, profile, client, 0);
        let full = self.eval(world, profile, client, all);
        let mut table: Table = Default::default();
        let mut without: Option<Vec<Arc<Eval>>> = None;
        for mode in 0..3 {
            if base[mode].status == Status::Yes {
                table[mode] = vec![Vec::new()];
                continue;
            }
            if full[mode].status != Status::Yes {
                continue;
            }
            if without.is_none() {
                let mut w = Vec::with_capacity(n);
                for a in 0..n {
                    w.push(self.eval(world, profile, client, all & !mask_of(&[a])));
                }
                without = Some(w);
            }
            let Some(w) = &without else { continue };
            let need: Vec<usize> = (0..n)
                .filter(|&a| w[a][mode].status != Status::Yes)
                .collect();
            if need.len() > MAX_ACTIONS {
                continue;
            }
            let need_mask = mask_of(&need);
            if self.eval(world, profile, client, need_mask)[mode].status == Status::Yes {
                table[mode] = vec![need];
                continue;
            }
            let rest: Vec<usize> = (0..n).filter(|a| !need.contains(a)).collect();
            let mut found: Vec<Mask> = Vec::new();
            // What is left outside a set found not to work, grown until adding any one more
            // action works: by monotonicity a working set takes at least one action from
            // each, so a candidate that misses one is skipped without evaluating it. The
            // result is the same as trying every candidate, in the same order.
            let mut outside_failing: Vec<Mask> = Vec::new();
            'sizes: for k in 1..=MAX_ACTIONS.saturating_sub(need.len()) {
                for combo in combinations(&rest, k) {
                    let set = need_mask | combo;
                    if found.iter().any(|&f| f & !set == 0) {
                        continue;
                    }
                    if outside_failing.iter().any(|&left| left & combo == 0) {
                        continue;
                    }
                    if self.eval(world, profile, client, set)[mode].status == Status::Yes {
                        found.push(set);
                        if found.len() >= MAX_PER_WORLD {
                            break 'sizes;
                        }
                        continue;
                    }
                    let mut failing = set;
                    let mut left: Mask = 0;
                    for &x in &rest {
                        let grown = failing | mask_of(&[x]);
                        if grown == failing {
                            continue;
                        }
                        if self.eval(world, profile, client, grown)[mode].status == Status::Yes {
                            left |= mask_of(&[x]);
                        } else {
                            failing = grown;
                        }
                    }
                    outside_failing.push(left);
                }
            }
            table[mode] = found.into_iter().map(members).collect();
        }
        let table = Arc::new(table);
        self.tables
            .insert((world, profile, client), Arc::clone(&table));
        table
    }

    /// The verdict of one client on one message under the profile with these patches.
    fn eval(&mut self, world: usize, profile: usize, client: ClientId, set: Mask) -> Arc<Eval> {
        let key = (world, profile, client, set);
        if let Some(e) = self.evals.get(&key) {
            return Arc::clone(e);
        }
        let changed = self.load(world, profile, &members(set));
        let none = || ModeResult {
            status: Status::No,
            confidence: Confidence::Inferred,
            rules: Vec::new(),
        };
        let result = match changed {
            Some(p) => {
                let v = crate::clients::evaluate(client, &self.samples[world].inspection, &p);
                let r = |o: &Outcome| ModeResult {
                    status: o.status,
                    confidence: o.confidence,
                    rules: o.rules.clone(),
                };
                Eval {
                    modes: [r(&v.reply.plain), r(&v.reply.signed), r(&v.reply.encrypted)],
                    text_visible: v.read.status.text_visible(),
                }
            }
            None => Eval {
                modes: [none(), none(), none()],
                text_visible: false,
            },
        };
        let result = Arc::new(result);
        self.evals.insert(key, Arc::clone(&result));
        result
    }

    /// Whether `client` shows the world's message text in the changed profile.
    fn text_visible(
        &mut self,
        world: usize,
        profile: usize,
        client: ClientId,
        set: &[usize],
    ) -> bool {
        self.eval(world, profile, client, mask_of(set)).text_visible
    }

    /// The profile with these patches applied, through the ordinary loader; `None` when it
    /// does not load (then the set does not work).
    fn load(&mut self, world: usize, profile: usize, set: &[usize]) -> Option<Arc<Profile>> {
        if set.is_empty() {
            return Some(Arc::clone(&self.shared[profile]));
        }
        self.context(world, profile);
        let ctx = &self.contexts[&(world, profile)];
        let mut key: Vec<u32> = set.iter().map(|&i| ctx.instances[i].key).collect();
        key.sort_unstable();
        if let Some(p) = self.loaded.get(&(profile, key.clone())) {
            return p.clone();
        }
        let tables: Vec<toml::Table> = set
            .iter()
            .map(|&i| ctx.instances[i].table.clone())
            .collect();
        let signer = ctx.signer.clone();
        let loaded = self.apply(profile, &tables, signer.as_ref()).map(Arc::new);
        self.loaded.insert((profile, key), loaded.clone());
        loaded
    }

    /// Merges the patches into the profile's TOML and loads the result.
    fn apply(
        &mut self,
        profile: usize,
        patches: &[toml::Table],
        signer: Option<&CertificateFacts>,
    ) -> Option<Profile> {
        let mut merged = self.base(profile)?;
        for p in patches {
            merge(&mut merged, p);
        }
        let base = &self.profiles[profile];
        let origin = PathBuf::from(format!("<remedy>/{}.toml", base.name));
        let mut changed = Profile::from_table(merged, &origin).ok()?;
        let mut files = base.files.clone();
        files.message_signer = signer.cloned().map(Box::new);
        let cache = self.file_facts.entry(profile).or_default();
        changed.resolve_cached(&files, cache).ok()?;
        Some(changed)
    }

    /// The profile as a TOML table (its public format, defaults written out).
    fn base(&mut self, profile: usize) -> Option<toml::Table> {
        self.bases
            .entry(profile)
            .or_insert_with(|| toml::Table::try_from(&self.profiles[profile]).ok())
            .clone()
    }

    /// The actions that apply to one message under one profile, filled in.
    fn context(&mut self, sample: usize, profile: usize) -> &Context {
        if !self.contexts.contains_key(&(sample, profile)) {
            let ctx = self.build_context(sample, profile);
            self.contexts.insert((sample, profile), ctx);
        }
        &self.contexts[&(sample, profile)]
    }

    fn build_context(&mut self, sample: usize, profile: usize) -> Context {
        let pool = self.pool(profile);
        let base = self.base(profile);
        let p = &self.profiles[profile];
        let inspection = &self.samples[sample].inspection;
        let msg = Message::new(inspection);
        let at = p.evaluation_time;
        let from = inspection.from.as_deref().map(str::to_ascii_lowercase);
        let address = p.recipient.address.to_ascii_lowercase();
        let signer = from
            .as_deref()
            .and_then(|f| msg.harvestable_certificate(f, at))
            .cloned();
        let roots: Vec<&(String, CertificateFacts)> = pool
            .certs
            .iter()
            .filter(|(_, c)| c.is_ca && (c.self_signed || c.subject == c.issuer))
            .collect();
        let usable_own = |c: &CertificateFacts| {
            !c.is_ca && c.emails.contains(&address) && trust::usable_at(c, at).is_none()
        };
        let own = p
            .recipient
            .certificates
            .iter()
            .find_map(|o| {
                pool.certs
                    .iter()
                    .find(|(path, c)| *path == o.cert && usable_own(c))
            })
            .or_else(|| pool.certs.iter().find(|(_, c)| usable_own(c)));
        let own_root = own.and_then(|(_, c)| {
            roots
                .iter()
                .find(|(_, r)| trust::chains_to(c, &[], std::slice::from_ref(r)))
        });
        let sender_signer = inspection
            .layers_of(LayerKind::SmimeSigned)
            .filter(|l| !crate::clients::is_nested_entity(inspection, l))
            .find_map(Message::signer_certificate);
        let carried = msg.carried_certificates();
        let sender_root = sender_signer.and_then(|c| {
            roots
                .iter()
                .find(|(_, r)| trust::chains_to(c, &carried, std::slice::from_ref(r)))
        });
        let sender_key = from.as_deref().and_then(|f| {
            pool.pgp.iter().find(|(_, keys, secret)| {
                !secret
                    && keys
                        .iter()
                        .any(|k| k.can_encrypt && k.emails.iter().any(|e| e == f))
            })
        });
        let own_key = pool
            .pgp
            .iter()
            .find(|(_, keys, secret)| *secret && keys.iter().any(|k| k.emails.contains(&address)));
        let values: Vec<(&str, Option<String>)> = vec![
            ("{sender-address}", from.clone()),
            ("{own-certificate}", own.map(|(p, _)| p.clone())),
            ("{own-root}", own_root.map(|(p, _)| p.clone())),
            ("{sender-root}", sender_root.map(|(p, _)| p.clone())),
            (
                "{sender-openpgp-key}",
                sender_key.map(|(p, _, _)| p.clone()),
            ),
            ("{own-openpgp-key}", own_key.map(|(p, _, _)| p.clone())),
        ];
        let mut instances = Vec::new();
        for (index, action) in catalogue().iter().enumerate() {
            let Some(patch) = &action.patch else { continue };
            if patch.contains(MESSAGE_SIGNER) && signer.is_none() {
                continue;
            }
            let Some(filled) = fill(patch, &values) else {
                continue;
            };
            let Some(table) = self
                .patches
                .entry((profile, filled.clone()))
                .or_insert_with(|| {
                    let table = toml::from_str::<toml::Table>(&filled).ok()?;
                    // An action that changes nothing here (already so) does not apply.
                    let mut merged = base.clone()?;
                    merge(&mut merged, &table).then_some(table)
                })
                .clone()
            else {
                continue;
            };
            if instances.len() >= MAX_INSTANCES {
                break;
            }
            let procedure = fill_text(&action.procedure, &values);
            let mut name = filled.clone();
            if filled.contains(MESSAGE_SIGNER)
                && let Some(s) = &signer
            {
                name.push_str(&s.fingerprint);
            }
            let next = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
            let key = *self.keys.entry(name).or_insert(next);
            instances.push(Instance {
                action: index,
                patch: filled,
                table,
                key,
                procedure,
            });
        }
        Context { instances, signer }
    }

    /// The files a profile's remedies may name.
    fn pool(&mut self, profile: usize) -> Arc<Pool> {
        if let Some(p) = self.pools.get(&profile) {
            return Arc::clone(p);
        }
        let p = &self.profiles[profile];
        let mut paths: Vec<String> = p
            .file_paths()
            .into_iter()
            .filter(|path| !path.starts_with('{'))
            .map(str::to_owned)
            .collect();
        if is_bundled(p) {
            paths.extend(bundled::KEYS.iter().map(|(name, _)| (*name).to_owned()));
        }
        let mut pool = Pool::default();
        let mut seen: Vec<String> = Vec::new();
        for path in paths {
            if seen.contains(&path) {
                continue;
            }
            seen.push(path.clone());
            let Ok((_, bytes)) = p.files.read(&path) else {
                continue;
            };
            let certs = crate::smime::load_certs(&bytes);
            if let Some(first) = certs.first() {
                let facts =
                    crate::smime::certificate_facts(first, crate::facts::CertificateRole::Own);
                pool.certs.push((path, facts));
                continue;
            }
            let keys = crate::openpgp::keys_in(&bytes, &path);
            if !keys.facts.is_empty() {
                let secret =
                    p.workstation.gpgol_secret_keys.contains(&path) || path.contains(".sec.");
                pool.pgp.push((path, keys.facts, secret));
            }
        }
        let pool = Arc::new(pool);
        self.pools.insert(profile, Arc::clone(&pool));
        pool
    }
}

/// Whether the profile is one of the bundled ones (its values equal a bundled profile's),
/// whose remedies may name the persona keys bundled with it.
fn is_bundled(p: &Profile) -> bool {
    let Some(text) = bundled::profile(&p.name) else {
        return false;
    };
    let Ok(b) = Profile::parse(text, &bundled::profile_path(&p.name)) else {
        return false;
    };
    let mut spec = p.clone();
    spec.resolved = Default::default();
    spec.files = KeyFiles::default();
    spec == b
}

/// The patch with its placeholders filled; `None` when one has no value here.
fn fill(text: &str, values: &[(&str, Option<String>)]) -> Option<String> {
    let mut out = text.to_owned();
    for (name, value) in values {
        if out.contains(name) {
            out = out.replace(name, value.as_deref()?);
        }
    }
    Some(out)
}

/// A text with the placeholders that have a value filled.
fn fill_text(text: &str, values: &[(&str, Option<String>)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        if let Some(v) = value {
            out = out.replace(name, v);
        }
    }
    out
}

/// Up to [`MAX_REMEDIES`] of the ranked candidates: first the best in the client asked and
/// with the message as it is, the best with another client, the best with a sender's change
/// (so a cheaper client choice does not hide what the tenant can do), then the next best;
/// listed in rank order.
fn choose(ranked: &[Candidate]) -> Vec<Candidate> {
    let mut chosen: Vec<usize> = Vec::new();
    let kinds: [fn(&Candidate) -> bool; 3] = [
        |c| c.client.is_none() && c.sibling.is_none(),
        |c| c.client.is_some() && c.sibling.is_none(),
        |c| c.sibling.is_some(),
    ];
    for kind in kinds {
        if let Some(i) = ranked.iter().position(kind) {
            chosen.push(i);
        }
    }
    for i in 0..ranked.len() {
        if chosen.len() >= MAX_REMEDIES {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen.truncate(MAX_REMEDIES);
    chosen.into_iter().map(|i| ranked[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::{MAX_INSTANCES, catalogue, combinations, mask_of, members};

    #[test]
    fn the_catalogue_fits_a_mask() {
        let with_patch = catalogue().iter().filter(|a| a.patch.is_some()).count();
        assert!(
            with_patch <= MAX_INSTANCES,
            "{with_patch} actions with a patch"
        );
        assert_eq!(members(mask_of(&[0, 5, 63])), vec![0, 5, 63]);
    }

    #[test]
    fn combinations_are_every_subset_of_that_size_in_order() {
        let subsets = |items: &[usize], k| -> Vec<Vec<usize>> {
            combinations(items, k).map(members).collect()
        };
        assert_eq!(
            subsets(&[1, 2, 3, 4], 2),
            vec![
                vec![1, 2],
                vec![1, 3],
                vec![1, 4],
                vec![2, 3],
                vec![2, 4],
                vec![3, 4]
            ]
        );
        assert_eq!(subsets(&[1, 2, 3], 3), vec![vec![1, 2, 3]]);
        assert!(subsets(&[1, 2], 3).is_empty());
        assert!(subsets(&[1, 2], 0).is_empty());
        assert_eq!(subsets(&[7], 1), vec![vec![7]]);
    }
}
