//! The end-of-scan summary: counts per client, reply form, reason and sender family.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::record::MessageRecord;
use super::{SCAN_SCHEMA, SourceKind, TOP_REASONS, TOP_REMEDIES};
use crate::clients::ClientId;
use crate::facts::ProblemCode;
use crate::verdict::{ReadStatus, Status};

/// yes / no / partial / unknown counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Outcomes that are `yes`.
    pub yes: usize,
    /// Outcomes that are `no`.
    pub no: usize,
    /// Outcomes that are `partial`.
    pub partial: usize,
    /// Outcomes that are `unknown`.
    pub unknown: usize,
}

impl StatusCounts {
    fn add(&mut self, status: Status) {
        let slot = match status {
            Status::Yes => &mut self.yes,
            Status::No => &mut self.no,
            Status::Partial => &mut self.partial,
            Status::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add(1);
    }

    /// All counts added up.
    pub fn total(&self) -> usize {
        self.yes
            .saturating_add(self.no)
            .saturating_add(self.partial)
            .saturating_add(self.unknown)
    }
}

/// Reply counts of one client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReplyCounts {
    /// Plain replies.
    pub plain: StatusCounts,
    /// Signed replies.
    pub signed: StatusCounts,
    /// Encrypted replies.
    pub encrypted: StatusCounts,
}

impl ReplyCounts {
    fn add(&mut self, r: &ClientTally) {
        self.plain.add(r.plain);
        self.signed.add(r.signed);
        self.encrypted.add(r.encrypted);
    }
}

/// What the [`Summary`] counts of one record: statuses and reason codes, with no strings to
/// free but the family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Whether the message could not be processed.
    pub error: bool,
    /// The message was cut at the size limit.
    pub truncated: bool,
    /// The codes of the problems the inspection reported, each once.
    pub problems: Vec<ProblemCode>,
    /// The sender family, for messages that were processed.
    pub family: Option<String>,
    /// The stored class of an Outlook item.
    pub stored_item_class: Option<String>,
    /// Each client's statuses.
    pub clients: Vec<(ClientId, ClientTally)>,
    /// Each client's best remedy per reply form (`scan --remedies`).
    pub best_remedies: Vec<(ClientId, &'static str, String)>,
}

impl Tally {
    /// The tally of a record.
    pub fn of(record: &MessageRecord) -> Self {
        let clients = record
            .clients
            .0
            .iter()
            .map(|(id, r)| {
                let reason = |form: &str| r.reasons.get(form).copied();
                let tally = ClientTally {
                    read: r.read,
                    plain: r.plain,
                    signed: r.signed,
                    encrypted: r.encrypted,
                    reasons: [reason("plain"), reason("signed"), reason("encrypted")],
                };
                (*id, tally)
            })
            .collect();
        Self {
            stored_item_class: record.stored_item_class.clone(),
            error: record.error.is_some(),
            truncated: record
                .problems
                .iter()
                .any(|p| p.code == ProblemCode::MessageTooLarge),
            problems: {
                let mut codes: Vec<ProblemCode> = record.problems.iter().map(|p| p.code).collect();
                codes.sort();
                codes.dedup();
                codes
            },
            family: record.family.clone(),
            clients,
            best_remedies: record
                .clients
                .0
                .iter()
                .flat_map(|(id, r)| {
                    r.remedies
                        .iter()
                        .filter_map(move |(form, list)| Some((*id, *form, list.first()?.clone())))
                })
                .collect(),
        }
    }
}

/// One client's statuses for one message, and the reason of each reply form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTally {
    /// How the message reads.
    pub read: ReadStatus,
    /// The plain reply.
    pub plain: Status,
    /// The signed reply.
    pub signed: Status,
    /// The encrypted reply.
    pub encrypted: Status,
    /// The reasons of plain, signed and encrypted, in that order.
    pub reasons: [Option<&'static str>; 3],
}

impl ClientTally {
    /// (status, reason) of each reply form that has a reason.
    fn reasons(&self) -> impl Iterator<Item = (Status, &'static str)> + '_ {
        [self.plain, self.signed, self.encrypted]
            .into_iter()
            .zip(self.reasons)
            .filter_map(|(status, reason)| reason.map(|r| (status, r)))
    }
}

/// A reason and how many reply outcomes gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// The reason code.
    pub reason: &'static str,
    /// How many reply outcomes gave it.
    pub count: usize,
}

/// One client over the whole mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientSummary {
    /// The client.
    pub client: ClientId,
    /// Read statuses and their counts.
    pub read: BTreeMap<&'static str, usize>,
    #[serde(flatten)]
    /// Its reply counts.
    pub reply: ReplyCounts,
    /// The [`TOP_REASONS`] most frequent reasons of reply outcomes that are not `yes`
    /// (each of plain / signed / encrypted counts), most frequent first, ties by name.
    pub top_reasons: Vec<ReasonCount>,
    #[serde(skip)]
    reasons: BTreeMap<&'static str, usize>,
}

/// One sender family over the whole mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilySummary {
    /// The sender family.
    pub family: String,
    /// Messages of this family.
    pub messages: usize,
    /// Reply counts per client.
    pub clients: ClientRecordsCounts,
}

/// Reply counts per client, as a JSON object keyed by client id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRecordsCounts(pub Vec<(ClientId, ReplyCounts)>);

impl Serialize for ClientRecordsCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, counts) in &self.0 {
            map.serialize_entry(id.as_str(), counts)?;
        }
        map.end()
    }
}

/// The end-of-scan summary (`replymatrix.scan/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `replymatrix.scan/1`.
    pub schema: &'static str,
    /// The profile's name.
    pub profile: String,
    /// The path scanned.
    pub source: String,
    /// What the path was (`mbox`, `maildir`, `folder`, `message`).
    pub kind: &'static str,
    /// Messages read (equals the number of records).
    pub messages: usize,
    /// Records with an `error` (not counted below).
    pub errors: usize,
    /// Messages cut at the size limit.
    pub truncated: usize,
    /// Messages whose inspection reported a problem (a broken layer, a message cut short, not
    /// a message at all...): counted below too, their verdicts are what could be answered.
    pub with_problems: usize,
    /// Per problem code, how many messages reported it.
    pub problems: BTreeMap<&'static str, usize>,
    /// One summary per client.
    pub clients: Vec<ClientSummary>,
    /// Sender families, by name.
    pub families: Vec<FamilySummary>,
    /// Outlook items (`.msg` files, PST items) per stored message class; empty when the
    /// input had none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub item_classes: BTreeMap<String, usize>,
    /// With `--remedies`: the remedies that would turn the most replies into `yes`, most
    /// first: for each client and reply form, how many messages have this remedy as their
    /// best one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remedies: Vec<RemedyCount>,
}

/// How many messages' `reply` in `client` a remedy would turn into `yes` (it is their best).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemedyCount {
    /// The client.
    pub client: ClientId,
    /// `plain`, `signed` or `encrypted`.
    pub reply: &'static str,
    /// The action ids, joined by `+`.
    pub remedy: String,
    /// Messages whose best remedy it is.
    pub messages: usize,
}

impl Summary {
    /// An empty summary.
    pub fn new(profile: &str, source: &str, kind: SourceKind) -> Self {
        Self {
            schema: SCAN_SCHEMA,
            profile: profile.to_owned(),
            source: source.to_owned(),
            kind: kind.as_str(),
            messages: 0,
            errors: 0,
            truncated: 0,
            with_problems: 0,
            problems: BTreeMap::new(),
            clients: ClientId::ALL
                .into_iter()
                .map(|client| ClientSummary {
                    client,
                    read: BTreeMap::new(),
                    reply: ReplyCounts::default(),
                    top_reasons: Vec::new(),
                    reasons: BTreeMap::new(),
                })
                .collect(),
            families: Vec::new(),
            item_classes: BTreeMap::new(),
            remedies: Vec::new(),
        }
    }

    /// Counts one record.
    pub fn add(&mut self, record: &MessageRecord) {
        self.add_tally(&Tally::of(record));
    }

    /// Counts one record, from its [`Tally`].
    pub fn add_tally(&mut self, tally: &Tally) {
        self.messages = self.messages.saturating_add(1);
        if let Some(class) = &tally.stored_item_class {
            let n = self.item_classes.entry(class.clone()).or_insert(0);
            *n = n.saturating_add(1);
        }
        if tally.error {
            self.errors = self.errors.saturating_add(1);
            return;
        }
        for (client, reply, remedy) in &tally.best_remedies {
            match self
                .remedies
                .iter_mut()
                .find(|r| r.client == *client && r.reply == *reply && r.remedy == *remedy)
            {
                Some(r) => r.messages = r.messages.saturating_add(1),
                None => self.remedies.push(RemedyCount {
                    client: *client,
                    reply,
                    remedy: remedy.clone(),
                    messages: 1,
                }),
            }
        }
        if !tally.best_remedies.is_empty() {
            self.remedies.sort_by(|a, b| {
                b.messages
                    .cmp(&a.messages)
                    .then(a.client.cmp(&b.client))
                    .then(a.reply.cmp(b.reply))
                    .then(a.remedy.cmp(&b.remedy))
            });
        }
        if tally.truncated {
            self.truncated = self.truncated.saturating_add(1);
        }
        if !tally.problems.is_empty() {
            self.with_problems = self.with_problems.saturating_add(1);
        }
        for code in &tally.problems {
            let n = self.problems.entry(code.as_str()).or_insert(0);
            *n = n.saturating_add(1);
        }
        for (id, r) in &tally.clients {
            let Some(summary) = self.clients.iter_mut().find(|c| c.client == *id) else {
                continue;
            };
            let read = summary.read.entry(r.read.as_str()).or_insert(0);
            *read = read.saturating_add(1);
            summary.reply.add(r);
            for (status, reason) in r.reasons() {
                if status != Status::Yes {
                    let n = summary.reasons.entry(reason).or_insert(0);
                    *n = n.saturating_add(1);
                }
            }
            summary.top_reasons = top_reasons(&summary.reasons);
        }
        let family = tally.family.as_deref().unwrap_or("plain");
        let position = match self
            .families
            .binary_search_by(|f| f.family.as_str().cmp(family))
        {
            Ok(i) => i,
            Err(i) => {
                self.families.insert(
                    i,
                    FamilySummary {
                        family: family.to_owned(),
                        messages: 0,
                        clients: ClientRecordsCounts(
                            ClientId::ALL
                                .into_iter()
                                .map(|c| (c, ReplyCounts::default()))
                                .collect(),
                        ),
                    },
                );
                i
            }
        };
        if let Some(f) = self.families.get_mut(position) {
            f.messages = f.messages.saturating_add(1);
            for (id, r) in &tally.clients {
                if let Some((_, counts)) = f.clients.0.iter_mut().find(|(c, _)| c == id) {
                    counts.add(r);
                }
            }
        }
    }

    /// The summary for people.
    pub fn text(&self) -> String {
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        let mut out = format!(
            "scanned {} ({}) from {} with profile {}: {} failed to process, {} with problems, {} \
             cut at the size limit\n",
            n(self.messages, "message", "messages"),
            self.kind,
            self.source,
            self.profile,
            self.errors,
            self.with_problems,
            self.truncated
        );
        if !self.problems.is_empty() {
            let mut by_count: Vec<(&&str, &usize)> = self.problems.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            out.push_str("\nproblems (messages reporting each; `--format jsonl` says which):\n");
            for (code, count) in by_count {
                out.push_str(&format!("  {count:>6}  {code}\n"));
            }
        }
        if !self.item_classes.is_empty() {
            out.push_str("\nOutlook items per stored message class:\n");
            for (class, count) in &self.item_classes {
                out.push_str(&format!("  {count:>6}  {class}\n"));
            }
        }
        let counts = |c: &StatusCounts| {
            format!("{:>6} {:>6} {:>6} {:>6}", c.yes, c.no, c.partial, c.unknown)
        };
        out.push_str(&format!(
            "\n{:<16} {:<10} {:>6} {:>6} {:>6} {:>6}\n",
            "client", "reply", "yes", "no", "partial", "unknown"
        ));
        for c in &self.clients {
            for (form, sc) in [
                ("plain", &c.reply.plain),
                ("signed", &c.reply.signed),
                ("encrypted", &c.reply.encrypted),
            ] {
                out.push_str(&format!(
                    "{:<16} {:<10} {}\n",
                    c.client.as_str(),
                    form,
                    counts(sc)
                ));
            }
        }
        if !self.remedies.is_empty() {
            out.push_str(
                "\nwhat would turn the most replies into yes (messages whose best remedy it is; \
                 `replymatrix explain` gives procedures and evidence):\n",
            );
            for r in self.remedies.iter().take(TOP_REMEDIES) {
                out.push_str(&format!(
                    "  {:>6}  {} {} replies: {}\n",
                    format!("+{}", r.messages),
                    r.client.as_str(),
                    r.reply,
                    if r.remedy.is_empty() { "-" } else { &r.remedy }
                ));
            }
        }
        for c in &self.clients {
            out.push_str(&format!("\n{} top reasons why not:\n", c.client.as_str()));
            if c.top_reasons.is_empty() {
                out.push_str("  (none)\n");
            }
            for r in &c.top_reasons {
                out.push_str(&format!("  {:>6}  {}\n", r.count, r.reason));
            }
        }
        out.push_str(&format!(
            "\n{:<16} {:>8}  {}\n",
            "family", "messages", "replies yes (plain/signed/encrypted) per client"
        ));
        for f in &self.families {
            let per_client: Vec<String> = f
                .clients
                .0
                .iter()
                .map(|(id, r)| {
                    format!(
                        "{} {}/{}/{}",
                        id.as_str(),
                        r.plain.yes,
                        r.signed.yes,
                        r.encrypted.yes
                    )
                })
                .collect();
            out.push_str(&format!(
                "{:<16} {:>8}  {}\n",
                f.family,
                f.messages,
                per_client.join("  ")
            ));
        }
        out
    }
}

fn top_reasons(reasons: &BTreeMap<&'static str, usize>) -> Vec<ReasonCount> {
    let mut all: Vec<ReasonCount> = reasons
        .iter()
        .map(|(reason, count)| ReasonCount {
            reason,
            count: *count,
        })
        .collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(b.reason)));
    all.truncate(TOP_REASONS);
    all
}
