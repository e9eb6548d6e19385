//! One message's result: inspect, every client model, and the `jsonl` record.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::RawMessage;
use crate::clients::ClientId;
use crate::facts::{Inspection, LayerKind, Problem, ProblemCode};
use crate::inspect::Inputs;
use crate::profile::Profile;
use crate::verdict::{ClientVerdict, Outcome, ReadStatus, Status};

/// Bytes of header searched for `Message-ID`.
const MAX_HEADER_SCAN: usize = 64 * 1024;
/// Longest Message-ID kept (RFC 5322 §2.1.1 line limit).
const MAX_ID_LEN: usize = 998;
/// What one client lets the user do with one message, in short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientRecord {
    /// How the message reads.
    pub read: ReadStatus,
    /// Whether a plain reply can be made.
    pub plain: Status,
    /// Whether a signed reply can be made.
    pub signed: Status,
    /// Whether an encrypted reply can be made.
    pub encrypted: Status,
    /// `plain` / `signed` / `encrypted` → the reason code, for the outcomes that have one.
    pub reasons: BTreeMap<&'static str, &'static str>,
    /// `plain` / `signed` / `encrypted` → the remedies of a `no` or `partial` reply, best
    /// first, each as its action ids joined by `+` (`scan --remedies` only; `[]` when none
    /// helps).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub remedies: BTreeMap<&'static str, Vec<String>>,
}

impl ClientRecord {
    /// The short form of a client's verdict.
    pub fn of(verdict: &ClientVerdict) -> Self {
        let mut reasons = BTreeMap::new();
        for (form, outcome) in reply_forms(verdict) {
            if let Some(reason) = outcome.reason {
                reasons.insert(form, reason.as_str());
            }
        }
        let mut remedies = BTreeMap::new();
        for (form, outcome) in reply_forms(verdict) {
            if let Some(list) = &outcome.remedies {
                remedies.insert(form, list.iter().map(|r| r.ids()).collect());
            }
        }
        Self {
            read: verdict.read.status,
            plain: verdict.reply.plain.status,
            signed: verdict.reply.signed.status,
            encrypted: verdict.reply.encrypted.status,
            reasons,
            remedies,
        }
    }
}

fn reply_forms(v: &ClientVerdict) -> [(&'static str, &Outcome); 3] {
    [
        ("plain", &v.reply.plain),
        ("signed", &v.reply.signed),
        ("encrypted", &v.reply.encrypted),
    ]
}

/// Clients in [`ClientId::ALL`] order, written as a JSON object keyed by client id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRecords(pub Vec<(ClientId, ClientRecord)>);

impl Serialize for ClientRecords {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, record) in &self.0 {
            map.serialize_entry(id.as_str(), record)?;
        }
        map.end()
    }
}

/// One message's result: a `jsonl` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageRecord {
    /// Position in the input, from 0.
    pub index: usize,
    /// The `Message-ID` header, or `source#index` when there is none.
    pub id: String,
    /// The file, or `mbox-path@byte-offset` of its separator line.
    pub source: String,
    /// The sender family from the layers ([`family`]); absent on error lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Layer kinds, outermost first.
    pub layers: Vec<&'static str>,
    /// The message class an Outlook item (`.msg`, PST item) was stored with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_item_class: Option<String>,
    /// The inspection's problems.
    pub problems: Vec<Problem>,
    /// Each client's short verdict.
    pub clients: ClientRecords,
    /// Why this message has no verdicts (unreadable, or a panic caught while processing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MessageRecord {
    /// A line for a message that could not be processed.
    pub fn error(index: usize, id: String, source: String, error: String) -> Self {
        Self {
            index,
            id,
            source,
            family: None,
            layers: Vec::new(),
            stored_item_class: None,
            problems: Vec::new(),
            clients: ClientRecords::default(),
            error: Some(error),
        }
    }
}

/// The sender family of a message, from its layers: `smime` (any S/MIME layer), `openpgp`
/// (any OpenPGP layer), `ome` (Purview message encryption), `tnef`, `proton-eo`, several
/// joined by `+` in that order, or `plain` when there is no layer.
pub fn family(inspection: &Inspection) -> String {
    const FAMILIES: [&str; 5] = ["smime", "openpgp", "ome", "tnef", "proton-eo"];
    let of = |kind: LayerKind| match kind {
        LayerKind::SmimeSigned | LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => {
            "smime"
        }
        LayerKind::PgpSigned | LayerKind::PgpEncrypted | LayerKind::PgpKey => "openpgp",
        LayerKind::Ome => "ome",
        LayerKind::Tnef => "tnef",
        LayerKind::ProtonEoNotice => "proton-eo",
    };
    let present: Vec<&str> = FAMILIES
        .into_iter()
        .filter(|f| inspection.layers.iter().any(|l| of(l.kind) == *f))
        .collect();
    if present.is_empty() {
        "plain".to_owned()
    } else {
        present.join("+")
    }
}

/// The unfolded `Message-ID` header of a message, if any (RFC 5322 §3.6.4), read from at
/// most the first 64 KiB (`MAX_HEADER_SCAN`).
pub fn message_id(message: &[u8]) -> Option<String> {
    let head = message.get(..message.len().min(MAX_HEADER_SCAN))?;
    let mut lines = lines_of(head).peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None; // end of the header
        }
        let name_len = b"message-id:".len();
        if line.len() >= name_len
            && line
                .get(..name_len)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"message-id:"))
        {
            let mut value = line.get(name_len..).unwrap_or_default().to_vec();
            // Folded continuation lines start with white space.
            while let Some(next) = lines.peek() {
                if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    value.extend_from_slice(next.strip_suffix(b"\r").unwrap_or(next));
                    lines.next();
                } else {
                    break;
                }
            }
            let value = String::from_utf8_lossy(&value);
            let id: String = value
                .split_whitespace()
                .collect::<String>()
                .chars()
                .take(MAX_ID_LEN)
                .collect();
            return (!id.is_empty()).then_some(id);
        }
    }
    None
}

/// The lines of `text` without their `\n` (a last line without one included), found with
/// memchr.
fn lines_of(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match memchr::memchr(b'\n', current) {
            Some(end) => {
                rest = current.get(end + 1..);
                current.get(..end)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Inspects one message and runs every client model on it.
pub fn process(raw: RawMessage, inputs: &Inputs, profile: &Profile) -> MessageRecord {
    process_with(raw, inputs, profile, false)
}

/// [`process`], and with `remedies` the remedies of every `no` and `partial` reply
/// (`crate::remedies`; the message alone, so no sender's change is offered).
pub fn process_with(
    raw: RawMessage,
    inputs: &Inputs,
    profile: &Profile,
    remedies: bool,
) -> MessageRecord {
    let fallback_id = format!("{}#{}", raw.source, raw.index);
    let bytes = match raw.bytes {
        Ok(bytes) => bytes,
        Err(e) => return MessageRecord::error(raw.index, fallback_id, raw.source, e),
    };
    let (mut inspection, bytes) = match raw.item {
        None => (crate::inspect(&bytes, inputs), bytes),
        // A PST item: its MIME with the item's facts, as for a `.msg`.
        Some(item) => match item.item_mime {
            Some(item_mime) => {
                let converted = crate::outlook_item::Converted {
                    mime: bytes,
                    stored_class: item.stored_class,
                    item_mime,
                    problems: item.problems,
                };
                (crate::inspect_item(&converted, inputs), converted.mime)
            }
            // An item (or folder) that could not be read: its record says why.
            None => {
                let mut inspection = crate::facts::Inspection::empty(None);
                inspection.stored_item_class = item.stored_class;
                inspection.problems = item.problems;
                (inspection, bytes)
            }
        },
    };
    if raw.truncated {
        inspection.problems.insert(
            0,
            Problem::new(
                ProblemCode::MessageTooLarge,
                format!(
                    "the message is {} bytes; only the first {} were read",
                    raw.full_len,
                    bytes.len()
                ),
            ),
        );
    }
    let mut verdicts: Vec<ClientVerdict> = ClientId::ALL
        .into_iter()
        .map(|c| crate::clients::evaluate(c, &inspection, profile))
        .collect();
    if remedies {
        let message = crate::remedies::SenderSample::message(inspection.clone());
        let mut search = crate::remedies::Search::new(vec![profile.clone()], vec![message]);
        search.attach(0, 0, &mut verdicts);
    }
    let clients = ClientId::ALL
        .into_iter()
        .zip(&verdicts)
        .map(|(c, v)| (c, ClientRecord::of(v)))
        .collect();
    MessageRecord {
        index: raw.index,
        id: message_id(&bytes).unwrap_or(fallback_id),
        source: raw.source,
        family: Some(family(&inspection)),
        layers: inspection.layers.iter().map(|l| l.kind.as_str()).collect(),
        stored_item_class: inspection.stored_item_class,
        problems: inspection.problems,
        clients: ClientRecords(clients),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_unfolded_and_only_from_the_header() {
        assert_eq!(
            message_id(b"Subject: x\r\nMessage-ID:\r\n <a@b.example>\r\n\r\nbody").as_deref(),
            Some("<a@b.example>")
        );
        assert_eq!(
            message_id(b"message-id: <c@d>\n\n").as_deref(),
            Some("<c@d>")
        );
        assert_eq!(message_id(b"Subject: x\n\nMessage-ID: <in@body>\n"), None);
        assert_eq!(message_id(b""), None);
    }
}
