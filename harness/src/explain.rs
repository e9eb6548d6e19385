//! `replymatrix.explain/1`: the inspection plus every client's verdict, and a text form for
//! an administrator.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::ClientId;
use crate::facts::Inspection;
use crate::profile::Profile;
use crate::verdict::{ClientVerdict, Outcome};

/// The schema tag of [`Explanation`].
pub const EXPLAIN_SCHEMA: &str = "replymatrix.explain/1";

/// What each client lets the user do with one message under one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Explanation {
    /// `replymatrix.explain/1`.
    pub schema: String,
    /// The profile's name.
    pub profile: String,
    /// The facts the verdicts rest on (`replymatrix.inspect/1`).
    pub inspect: Inspection,
    /// One entry per client, in [`ClientId::ALL`] order.
    pub clients: Vec<ClientVerdict>,
    /// Encrypted layers whose content was not examined (no key for them was given), and
    /// the answers that are `unknown` for it; absent when every layer was examined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_examined: Vec<NotExamined>,
    /// For an Outlook item: its stored message class against the class the Exchange rules
    /// predict for the MIME inside; absent for MIME input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_class: Option<StoredClass>,
}

crate::vocabulary::vocabulary! {
    /// How an Outlook item's stored class compares with the Exchange rules' prediction.
    pub enum ClassAgreement {
        /// The stored class is the predicted one: direct evidence for the rules that decided
        /// it, for this message.
        Agrees = "agrees",
        /// The stored class is another one: the rules do not describe how this item was
        /// stored (a finding, shown first).
        Disagrees = "disagrees",
        /// GpgOL renamed the class after it read the item (`IPM.Note.GpgOL.*`): the kind it
        /// names is compared instead (multipart/signed, encrypted).
        RenamedByGpgol = "renamed-by-gpgol",
    }
}

/// An Outlook item's stored class against the Exchange rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StoredClass {
    /// `PidTagMessageClass` as stored.
    pub stored: String,
    /// The class the Exchange rules predict for the MIME inside.
    pub predicted: String,
    /// The comparison.
    pub agreement: ClassAgreement,
    /// The Exchange rules that predicted the class.
    pub rules: Vec<crate::evidence::RuleId>,
    /// What follows, in a sentence.
    pub sentence: String,
}

/// The kind GpgOL's class names, as the Exchange class it was renamed from: GpgOL's
/// `MultipartSigned` was Exchange's `IPM.Note.SMIME.MultipartSigned`; its encrypted and
/// inline classes were `IPM.Note` (mapihelp.cpp).
fn gpgol_origin(stored: &str) -> Option<&'static str> {
    let lower = stored.to_ascii_lowercase();
    let rest = lower.strip_prefix("ipm.note.gpgol.")?;
    Some(if rest.starts_with("multipartsigned") {
        "IPM.Note.SMIME.MultipartSigned"
    } else if rest.starts_with("opaque") {
        "IPM.Note.SMIME"
    } else {
        "IPM.Note"
    })
}

/// Compares the stored class with the prediction; on agreement, the outcomes that stand on
/// the class rules lose those rules' uncertainty (they count as observed for this message):
/// an outcome's confidence becomes the weakest of its other rules, or `observed` when the
/// class rules were all it stood on. It never falls.
fn stored_class(inspection: &Inspection, clients: &mut [ClientVerdict]) -> Option<StoredClass> {
    use crate::evidence::Confidence;
    let stored = inspection.stored_item_class.clone()?;
    let (class, trail) = crate::clients::exchange::predicted_class(inspection);
    let predicted = class.mapi_name();
    let rules = trail.ids();
    let (agreement, compared) = match gpgol_origin(&stored) {
        Some(origin) if origin.eq_ignore_ascii_case(predicted) => {
            (ClassAgreement::RenamedByGpgol, origin)
        }
        Some(origin) => (ClassAgreement::Disagrees, origin),
        None if stored.eq_ignore_ascii_case(predicted) => (ClassAgreement::Agrees, predicted),
        None => (ClassAgreement::Disagrees, stored.as_str()),
    };
    let names = crate::evidence::joined(&rules, ", ");
    let (predict, them) = if rules.len() == 1 {
        ("predicts", "it")
    } else {
        ("predict", "them")
    };
    let sentence = match agreement {
        ClassAgreement::Agrees if rules.is_empty() => format!(
            "the item was stored as {stored}, the class the Exchange rules predict for this \
             MIME; no class rule was needed to predict it"
        ),
        ClassAgreement::Agrees => format!(
            "the item was stored as {stored}, as {names} {predict}: confirming evidence for \
             this message; the decisions that stand on {names} count {them} as observed (each \
             stays as weak as its weakest other rule)"
        ),
        ClassAgreement::RenamedByGpgol => format!(
            "the item was stored as {stored}: GpgOL renamed {compared} after reading it, \
             which is the class {}",
            if names.is_empty() {
                "the Exchange rules predict".to_owned()
            } else {
                format!("{names} {predict}")
            }
        ),
        ClassAgreement::Disagrees => format!(
            "the item was stored as {stored}, but {} predict {predicted} for this MIME: the \
             models' Exchange class rules do not describe how this message was stored, and \
             the verdicts below that stand on them are in doubt for it",
            if names.is_empty() {
                "the Exchange rules"
            } else {
                &names
            }
        ),
    };
    if agreement == ClassAgreement::Agrees && !rules.is_empty() {
        let raise = |confidence: &mut Confidence, applied: &[crate::evidence::RuleId]| {
            if !applied.iter().any(|r| rules.contains(r)) {
                return;
            }
            let rest = applied
                .iter()
                .filter(|r| !rules.contains(r))
                .map(|r| r.rule().confidence)
                .fold(Confidence::Observed, Confidence::weakest);
            if rest < *confidence {
                *confidence = rest;
            }
        };
        for c in clients.iter_mut() {
            raise(&mut c.read.confidence, &c.read.rules);
            for o in [
                &mut c.reply.plain,
                &mut c.reply.signed,
                &mut c.reply.encrypted,
            ] {
                raise(&mut o.confidence, &o.rules);
            }
        }
    }
    Some(StoredClass {
        stored,
        predicted: predicted.to_owned(),
        agreement,
        rules,
        sentence,
    })
}

/// An encrypted layer whose content was not examined, and what a client holding its key
/// would need that content for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotExamined {
    /// The layer, `kind@part` (`smime-enveloped@root`).
    pub layer: String,
    /// Why it was not opened: no key given, or what the keys given did.
    pub why: String,
    /// Per client, the answers that depend on the content (`read`, `signature`, `plain`,
    /// `signed`, `encrypted`), which are `unknown` (or without their `with` details) here.
    pub needed_for: Vec<NeededFor>,
}

/// The answers of one client that depend on content that was not examined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NeededFor {
    /// The client.
    pub client: ClientId,
    /// `read`, `signature`, `plain`, `signed`, `encrypted`.
    pub decisions: Vec<String>,
}

/// The layers whose content was not examined, and which answers of `clients` depend on it.
fn not_examined(inspection: &Inspection, clients: &[ClientVerdict]) -> Vec<NotExamined> {
    use crate::clients::unexamined::depends_on_unexamined;
    use crate::facts::ProblemCode;
    let needed_for: Vec<NeededFor> = clients
        .iter()
        .filter_map(|c| {
            let mut decisions = Vec::new();
            if depends_on_unexamined(&c.read.rules) {
                decisions.push("read".to_owned());
                if c.read.signature_shown == crate::verdict::SignatureShown::Unknown {
                    decisions.push("signature".to_owned());
                }
            }
            for (name, o) in [
                ("plain", &c.reply.plain),
                ("signed", &c.reply.signed),
                ("encrypted", &c.reply.encrypted),
            ] {
                if depends_on_unexamined(&o.rules) {
                    decisions.push(name.to_owned());
                }
            }
            (!decisions.is_empty()).then_some(NeededFor {
                client: c.client,
                decisions,
            })
        })
        .collect();
    let why = inspection
        .problems
        .iter()
        .find(|p| {
            matches!(
                p.code,
                ProblemCode::NoMatchingKey
                    | ProblemCode::PgpNoMatchingKey
                    | ProblemCode::DecryptionFailed
                    | ProblemCode::PgpDecryptionFailed
                    | ProblemCode::UnsupportedCipher
            )
        })
        .map_or_else(
            || "no key for it was given (--key)".to_owned(),
            |p| format!("{}: {}", p.code, p.message),
        );
    inspection
        .layers
        .iter()
        .filter(|l| l.encryption.as_ref().is_some_and(|e| !e.decrypted))
        .map(|l| NotExamined {
            layer: format!(
                "{}@{}",
                l.kind,
                if l.part.is_empty() { "root" } else { &l.part }
            ),
            why: why.clone(),
            needed_for: needed_for.clone(),
        })
        .collect()
}

/// Runs the models: every client, or only `client`.
pub fn explain(
    inspection: &Inspection,
    profile: &Profile,
    client: Option<ClientId>,
) -> Explanation {
    let mut clients = ClientId::ALL
        .into_iter()
        .filter(|c| client.is_none_or(|only| only == *c))
        .map(|c| crate::clients::evaluate(c, inspection, profile))
        .collect::<Vec<_>>();
    let stored_class = stored_class(inspection, &mut clients);
    Explanation {
        stored_class,
        schema: EXPLAIN_SCHEMA.to_owned(),
        profile: profile.name.clone(),
        inspect: inspection.clone(),
        not_examined: not_examined(inspection, &clients),
        clients,
    }
}

/// Runs the models (every client, or only `client`) and searches the remedies of every `no`
/// and `partial` reply (`crate::remedies`): `message` is the message as the search sees it
/// (with its sender product and setting when it is a corpus sample), `others` the corpus
/// samples that may be its siblings (the same sender with another setting).
pub fn explain_with_remedies(
    inspection: &Inspection,
    profile: &Profile,
    client: Option<ClientId>,
    message: crate::remedies::SenderSample,
    others: Vec<crate::remedies::SenderSample>,
) -> Explanation {
    let mut e = explain(inspection, profile, client);
    let mut samples = vec![message];
    samples.extend(others);
    let mut search = crate::remedies::Search::new(vec![profile.clone()], samples);
    search.attach(0, 0, &mut e.clients);
    e
}

/// The index (1-based) of `url` in the client's evidence list, adding it when new.
fn cite(urls: &mut Vec<String>, url: &str) -> usize {
    match urls.iter().position(|u| u == url) {
        Some(i) => i.saturating_add(1),
        None => {
            urls.push(url.to_owned());
            urls.len()
        }
    }
}

fn outcome_line(label: &str, o: &Outcome, urls: &mut Vec<String>) -> String {
    let mut line = format!("  {label:<10} {:<8}", o.status.as_str());
    if let Some(r) = o.reason {
        line.push_str(&format!(" {}", r.as_str()));
    }
    if let Some(w) = &o.with {
        let mut parts = Vec::new();
        if let Some(d) = &w.digest {
            parts.push(format!("digest {d}"));
        }
        if let Some(c) = &w.cipher {
            parts.push(format!("cipher {c}"));
        }
        if let Some(s) = w.recipient_certificate_from {
            parts.push(format!("certificate from {}", s.as_str()));
        }
        if !parts.is_empty() {
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
    }
    line.push_str(&format!(" [{}]\n", o.confidence.as_str()));
    if let Some(s) = &o.user_sees {
        line.push_str(&format!("  {:<10} user sees: \"{s}\"\n", ""));
    }
    let refs: Vec<String> = o
        .evidence
        .iter()
        .map(|u| format!("[{}]", cite(urls, u)))
        .collect();
    line.push_str(&format!(
        "  {:<10} rules: {}{}{}\n",
        "",
        crate::evidence::joined(&o.rules, ", "),
        if refs.is_empty() { "" } else { "  evidence " },
        refs.join("")
    ));
    line
}

/// The explanation as text: a summary table first, then per client what the user can do and
/// why not, with the rules applied and numbered evidence links.
pub fn explain_text(e: &Explanation) -> String {
    let mut out = format!(
        "profile {}  from {}\n",
        e.profile,
        e.inspect.from.as_deref().unwrap_or("(none)")
    );
    let layers: Vec<String> = e
        .inspect
        .layers
        .iter()
        .map(|l| {
            format!(
                "{}@{}",
                l.kind.as_str(),
                if l.part.is_empty() { "root" } else { &l.part }
            )
        })
        .collect();
    out.push_str(&format!(
        "layers  {}\n\n",
        if layers.is_empty() {
            "(none)".to_owned()
        } else {
            layers.join(" > ")
        }
    ));
    if let Some(s) = &e.stored_class {
        let label = match s.agreement {
            ClassAgreement::Disagrees => "FINDING  stored class disagrees",
            ClassAgreement::Agrees => "evidence stored class agrees",
            ClassAgreement::RenamedByGpgol => "evidence stored class (renamed by GpgOL)",
        };
        out.push_str(&format!("{label}: {}\n", s.sentence));
        if e.inspect.item_mime == Some(crate::facts::ItemMime::Rebuilt) {
            out.push_str(
                "         the message was rebuilt from the item's properties: its structure is \
                 Exchange's, and no signature over it can be checked (unverifiable)\n",
            );
        }
        out.push('\n');
    }
    for p in &e.inspect.problems {
        out.push_str(&format!("problem {}: {}\n", p.code, p.message));
    }
    if e.inspect
        .problems
        .iter()
        .any(|p| p.code == crate::facts::ProblemCode::NotAMessage)
    {
        out.push_str(
            "        this is not an e-mail message: no client shows it or answers it; give the \
             .eml file of the message (RFC 5322: header fields, a blank line, the body)\n",
        );
    }
    for n in &e.not_examined {
        out.push_str(&format!(
            "not examined  {}: encrypted, and {}; what is inside was not inspected\n",
            n.layer, n.why
        ));
        if n.needed_for.is_empty() {
            out.push_str("              no client's answers here depend on what is inside\n");
        } else {
            out.push_str(
                "              a client holding the key would read it for (these answers are \
                 \"unknown\" below):\n",
            );
            for c in &n.needed_for {
                out.push_str(&format!(
                    "                {:<16} {}\n",
                    c.client.as_str(),
                    c.decisions.join(", ")
                ));
            }
            out.push_str("              give the key with --key FILE to answer them\n");
        }
    }
    if !e.inspect.problems.is_empty() || !e.not_examined.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "{:<16} {:<22} {:<13} {:<8} {:<8} {:<9} {}\n",
        "client", "read", "signature", "plain", "signed", "encrypted", "weaker"
    ));
    for c in &e.clients {
        out.push_str(&format!(
            "{:<16} {:<22} {:<13} {:<8} {:<8} {:<9} {}\n",
            c.client.as_str(),
            c.read.status.as_str(),
            c.read.signature_shown.as_str(),
            c.reply.plain.status.as_str(),
            c.reply.signed.status.as_str(),
            c.reply.encrypted.status.as_str(),
            if c.weaker_than_original { "yes" } else { "no" },
        ));
    }
    for c in &e.clients {
        let mut urls: Vec<String> = Vec::new();
        out.push_str(&format!("\n{}\n", c.client.as_str()));
        out.push_str(&format!(
            "  {:<10} {} / signature {} [{}]\n",
            "read",
            c.read.status.as_str(),
            c.read.signature_shown.as_str(),
            c.read.confidence.as_str()
        ));
        if let Some(s) = &c.read.user_sees {
            out.push_str(&format!("  {:<10} user sees: \"{s}\"\n", ""));
        }
        out.push_str(&format!(
            "  {:<10} rules: {}\n",
            "",
            crate::evidence::joined(&c.read.rules, ", ")
        ));
        out.push_str(&outcome_line("plain", &c.reply.plain, &mut urls));
        out.push_str(&outcome_line("signed", &c.reply.signed, &mut urls));
        out.push_str(&outcome_line("encrypted", &c.reply.encrypted, &mut urls));
        out.push_str(&remedies_text(c, &mut urls));
        out.push_str(&format!(
            "  {:<10} quotes original: {}, quotes decrypted text: {}, quote keeps the original's styles: {}, weaker than original: {}\n",
            "",
            c.quotes_original,
            c.quotes_decrypted,
            c.quote_keeps_styles
                .map_or("unknown", |b| if b { "yes" } else { "no" }),
            c.weaker_than_original
        ));
        for (i, u) in urls.iter().enumerate() {
            out.push_str(&format!("  [{}] {u}\n", i.saturating_add(1)));
        }
    }
    out
}

/// "What would make it work" and "What would not help" for one client's replies; empty when
/// no remedies were searched.
fn remedies_text(c: &ClientVerdict, urls: &mut Vec<String>) -> String {
    let modes = [
        ("plain", &c.reply.plain),
        ("signed", &c.reply.signed),
        ("encrypted", &c.reply.encrypted),
    ];
    if modes.iter().all(|(_, o)| o.remedies.is_none()) {
        return String::new();
    }
    let mut out = String::from("  What would make it work\n");
    for (mode, o) in modes {
        let Some(remedies) = &o.remedies else {
            continue;
        };
        if remedies.is_empty() {
            out.push_str(&format!(
                "    {mode:<10} nothing: {}\n",
                o.no_remedy.as_deref().unwrap_or("no remedy")
            ));
            continue;
        }
        for (n, r) in remedies.iter().enumerate() {
            let label = if n == 0 { mode } else { "" };
            out.push_str(&format!(
                "    {label:<10} {}. {} [{}]\n",
                n.saturating_add(1),
                r.ids(),
                r.confidence.as_str()
            ));
            for a in &r.actions {
                let refs: String = a
                    .evidence
                    .iter()
                    .map(|e| format!("[{}]", cite(urls, &e.url)))
                    .collect();
                out.push_str(&format!(
                    "    {:<10}    - {} ({}): {}\n",
                    "",
                    a.id,
                    a.actor.as_str(),
                    a.title
                ));
                out.push_str(&format!("    {:<10}      {}\n", "", a.procedure));
                if let Some(patch) = &a.profile_patch {
                    let lines: Vec<&str> = patch.lines().filter(|l| !l.is_empty()).collect();
                    out.push_str(&format!(
                        "    {:<10}      profile patch: {}\n",
                        "",
                        lines.join(" ")
                    ));
                }
                if !refs.is_empty() {
                    out.push_str(&format!("    {:<10}      evidence {refs}\n", ""));
                }
            }
            out.push_str(&format!(
                "    {:<10}    rules of the resulting yes: {}\n",
                "",
                crate::evidence::joined(&r.rules, ", ")
            ));
        }
    }
    let not: Vec<(&str, &Vec<String>)> = modes
        .iter()
        .filter(|(_, o)| !o.not_helping.is_empty())
        .map(|(m, o)| (*m, &o.not_helping))
        .collect();
    if !not.is_empty() {
        out.push_str("  What would not help\n");
        for (mode, ids) in not {
            out.push_str(&format!(
                "    {mode:<10} {}: in {} no remedy of this reply uses them\n",
                ids.join(", "),
                c.client.as_str()
            ));
        }
    }
    out
}
