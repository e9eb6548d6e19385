//! Outlook items: a message saved from Outlook (`.msg`, an OLE compound file, [MS-OXMSG]) and
//! the items of a PST export, turned into the MIME message `inspect` reads, with what only
//! the item knows (the message class Exchange stored it with).
//!
//! Two ways to MIME, chosen by the stored class and the attachments ([`Item::to_mime`]):
//! - **kept**: S/MIME-class items (`IPM.Note.SMIME`, `IPM.Note.SMIME.MultipartSigned`) and
//!   GpgOL's classes keep the original MIME entity whole in their one attachment
//!   (`smime.p7m`, [MS-OXOSMIME] 2.1.3.2); the top-level header fields come from the item's
//!   transport headers (`PidTagTransportMessageHeaders`). The entity's bytes are the signed
//!   bytes, so signatures verify as in the `.eml`.
//! - **rebuilt**: any other item is rebuilt from its transport headers, body and attachments
//!   ([MS-OXCMAIL]). The structure is Exchange's, not the sender's: `inspect` reports every
//!   signature over these bytes `unverifiable` (`rebuilt-from-item`).
//!
//! The stage sits before `inspect`: it turns a container into MIME bytes plus facts.

pub mod msg;
pub mod pst;

use crate::facts::{ItemMime, Problem, ProblemCode};

/// The first eight bytes of every OLE compound file ([MS-CFB] 2.2).
pub const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Longest property value read from an item (a stream or an attachment), in bytes: the
/// inspector's own message limit (`inspect::MAX_MESSAGE_BYTES`, a later stage).
pub const MAX_VALUE_BYTES: usize = 128 * 1024 * 1024;
/// Most attachments (and recipients) read from one item.
pub const MAX_ATTACHMENTS: usize = 1_000;

/// Whether `bytes` start like an OLE compound file (a `.msg`), whatever the file is called.
pub fn is_compound_file(bytes: &[u8]) -> bool {
    bytes.starts_with(&CFB_MAGIC)
}

/// `PidTagMessageClass` ([MS-OXCMSG] 2.2.1.3).
pub const PID_MESSAGE_CLASS: u16 = 0x001A;
/// `PidTagSubject`.
pub const PID_SUBJECT: u16 = 0x0037;
/// `PidTagTransportMessageHeaders` ([MS-OXOMSG] 2.2.5.1).
pub const PID_TRANSPORT_HEADERS: u16 = 0x007D;
/// `PidTagSenderName`.
pub const PID_SENDER_NAME: u16 = 0x0C1A;
/// `PidTagSenderEmailAddress`.
pub const PID_SENDER_EMAIL: u16 = 0x0C1F;
/// `PidTagSenderSmtpAddress`.
pub const PID_SENDER_SMTP: u16 = 0x5D01;
/// `PidTagBody` ([MS-OXCMSG] 2.2.1.56.1).
pub const PID_BODY: u16 = 0x1000;
/// `PidTagHtml` ([MS-OXCMSG] 2.2.1.56.3).
pub const PID_HTML: u16 = 0x1013;
/// `PidTagInternetMessageId`.
pub const PID_MESSAGE_ID: u16 = 0x1035;
/// `PidTagAttachDataBinary` ([MS-OXCMSG] 2.2.2.7).
pub const PID_ATTACH_DATA: u16 = 0x3701;
/// `PidTagAttachFilename`.
pub const PID_ATTACH_FILENAME: u16 = 0x3704;
/// `PidTagAttachLongFilename`.
pub const PID_ATTACH_LONG_FILENAME: u16 = 0x3707;
/// `PidTagAttachMimeTag` ([MS-OXCMSG] 2.2.2.29).
pub const PID_ATTACH_MIME_TAG: u16 = 0x370E;
/// `PidTagAttachContentId`.
pub const PID_ATTACH_CONTENT_ID: u16 = 0x3712;

/// An Outlook item as read from a `.msg` or a PST: the properties the MIME is made from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// `PidTagMessageClass`.
    pub class: Option<String>,
    /// `PidTagSubject`.
    pub subject: Option<String>,
    /// `PidTagTransportMessageHeaders`: the header block as received.
    pub transport_headers: Option<String>,
    /// `PidTagSenderName`.
    pub sender_name: Option<String>,
    /// `PidTagSenderSmtpAddress`, else `PidTagSenderEmailAddress`.
    pub sender_address: Option<String>,
    /// `PidTagInternetMessageId`.
    pub message_id: Option<String>,
    /// `PidTagBody`.
    pub body: Option<String>,
    /// `PidTagHtml` (bytes in the item's code page, usually UTF-8).
    pub html: Option<Vec<u8>>,
    /// The attachments, in order.
    pub attachments: Vec<Attachment>,
}

/// One attachment of an [`Item`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    /// `PidTagAttachLongFilename`, else `PidTagAttachFilename`.
    pub filename: Option<String>,
    /// `PidTagAttachMimeTag`.
    pub mime_tag: Option<String>,
    /// `PidTagAttachContentId`.
    pub content_id: Option<String>,
    /// `PidTagAttachDataBinary`; `None` for an embedded item or an OLE object (not read).
    pub data: Option<Vec<u8>>,
}

/// The MIME message made from an item, and what the item says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The message `inspect` reads.
    pub mime: Vec<u8>,
    /// The stored message class.
    pub stored_class: Option<String>,
    /// Kept or rebuilt.
    pub item_mime: ItemMime,
    /// What was wrong with the item (its MIME attachment missing or unusable).
    pub problems: Vec<Problem>,
}

/// Whether the class says the item keeps its MIME entity in an attachment: S/MIME classes
/// ([MS-OXOSMIME]) and the classes GpgOL gives the items it processed (GpgOL's
/// `mapihelp.cpp`: `IPM.Note.GpgOL.*`).
fn class_keeps_mime(class: &str) -> Option<ClassFamily> {
    let lower = class.to_ascii_lowercase();
    if lower == "ipm.note.smime" || lower.starts_with("ipm.note.smime.") {
        Some(ClassFamily::Smime)
    } else if lower.starts_with("ipm.note.gpgol.") {
        Some(ClassFamily::GpgOl)
    } else {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClassFamily {
    Smime,
    GpgOl,
}

/// The media type of an attachment, lower-case, without parameters.
fn media_type(tag: &str) -> String {
    tag.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether an attachment is the kind that holds a whole MIME entity or its CMS.
fn is_mime_attachment(a: &Attachment) -> bool {
    let tag = a.mime_tag.as_deref().map(media_type).unwrap_or_default();
    matches!(
        tag.as_str(),
        "multipart/signed"
            | "multipart/encrypted"
            | "application/pkcs7-mime"
            | "application/x-pkcs7-mime"
    ) || a
        .filename
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case("smime.p7m"))
}

/// One header field: its name and its raw lines (continuations included, without the
/// final line end).
struct Field<'a> {
    name: &'a str,
    raw: Vec<&'a str>,
}

/// The fields of a header block, in order; stops at the first empty line.
fn fields(block: &str) -> Vec<Field<'_>> {
    let mut out: Vec<Field<'_>> = Vec::new();
    for line in block.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.raw.push(line);
            }
            continue;
        }
        let name = line.split(':').next().unwrap_or_default().trim();
        out.push(Field {
            name,
            raw: vec![line],
        });
    }
    out
}

/// Whether a field describes content (it belongs to the entity, not the message).
fn is_content_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("content-") || lower == "mime-version"
}

/// The value of the first field called `name`, unfolded.
fn field_value(block: &str, name: &str) -> Option<String> {
    fields(block)
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .map(|f| {
            let joined = f.raw.join(" ");
            joined
                .split_once(':')
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        })
}

/// The transport headers without the content fields, each line ending in `eol`.
fn message_fields(item: &Item, eol: &str) -> String {
    let mut out = String::new();
    match item.transport_headers.as_deref() {
        Some(headers) if !headers.trim().is_empty() => {
            for f in fields(headers) {
                if is_content_field(f.name) {
                    continue;
                }
                for line in f.raw {
                    out.push_str(line);
                    out.push_str(eol);
                }
            }
        }
        // No transport headers (a draft, an item made in Outlook): the properties that have
        // a header field ([MS-OXCMAIL] 2.2.3).
        _ => {
            if let Some(address) = &item.sender_address {
                let from = match &item.sender_name {
                    Some(name) if !name.is_empty() => format!("\"{name}\" <{address}>"),
                    _ => format!("<{address}>"),
                };
                out.push_str(&format!("From: {from}{eol}"));
            }
            if let Some(subject) = &item.subject {
                out.push_str(&format!("Subject: {subject}{eol}"));
            }
            if let Some(id) = &item.message_id {
                out.push_str(&format!("Message-ID: {id}{eol}"));
            }
        }
    }
    out
}

/// Base64 with 76-character lines ending in `eol`.
fn base64_lines(data: &[u8], eol: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len().saturating_add(encoded.len() / 38));
    let bytes = encoded.as_bytes();
    for chunk in bytes.chunks(76) {
        // base64 output is ASCII.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str(eol);
    }
    out
}

/// Whether `data` starts with a MIME header block that has a `Content-Type` field.
fn is_mime_entity(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let fields = fields(&text);
    !fields.is_empty()
        && fields.iter().all(|f| {
            f.raw.first().is_some_and(|l| l.contains(':'))
                && !f.name.is_empty()
                && f.name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        })
        && fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case("content-type"))
}

/// Whether `data` starts like a DER or BER SEQUENCE (a CMS ContentInfo).
fn is_cms(data: &[u8]) -> bool {
    data.len() > 2 && data.first() == Some(&0x30)
}

impl Item {
    /// The MIME message of the item: kept whole where the class says the item keeps it,
    /// rebuilt otherwise (see the module documentation).
    pub fn to_mime(&self) -> Converted {
        let mut problems = Vec::new();
        if let Some(family) = self.class.as_deref().and_then(class_keeps_mime) {
            let candidates: Vec<&Attachment> = self
                .attachments
                .iter()
                .filter(|a| is_mime_attachment(a))
                .collect();
            match candidates.first() {
                Some(a) => match self.kept(a) {
                    Ok(mime) => {
                        return Converted {
                            mime,
                            stored_class: self.class.clone(),
                            item_mime: ItemMime::Kept,
                            problems,
                        };
                    }
                    Err(why) => problems.push(Problem::new(
                        ProblemCode::OutlookItemMimeUnusable,
                        format!(
                            "the item is {} but its attachment {} {why}; the message was \
                             rebuilt from the item's properties, with that attachment as an \
                             ordinary one",
                            self.class.as_deref().unwrap_or_default(),
                            a.filename.as_deref().unwrap_or("(unnamed)")
                        ),
                    )),
                },
                // GpgOL's encrypted and inline classes keep no MIME attachment: Exchange
                // stored them as ordinary items with the PGP/MIME parts as attachments.
                None if family == ClassFamily::GpgOl => {}
                None => problems.push(Problem::new(
                    ProblemCode::OutlookItemMimeMissing,
                    format!(
                        "the item is {} but has no smime.p7m attachment holding its MIME \
                         ({} attachments); the message was rebuilt from the item's properties",
                        self.class.as_deref().unwrap_or_default(),
                        self.attachments.len()
                    ),
                )),
            }
        }
        Converted {
            mime: self.rebuilt(),
            stored_class: self.class.clone(),
            item_mime: ItemMime::Rebuilt,
            problems,
        }
    }

    /// The message with the kept entity `a`: transport header fields, then the entity (a
    /// MIME entity as stored, or CMS wrapped as `application/pkcs7-mime`).
    fn kept(&self, a: &Attachment) -> Result<Vec<u8>, String> {
        let Some(data) = a.data.as_deref() else {
            return Err("has no data".to_owned());
        };
        if is_mime_entity(data) {
            let eol = if memchr::memmem::find(data, b"\r\n").is_some() {
                "\r\n"
            } else {
                "\n"
            };
            let mut out = message_fields(self, eol).into_bytes();
            let has_version = fields(&String::from_utf8_lossy(&data[..data.len().min(64 * 1024)]))
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case("mime-version"));
            if !has_version {
                out.extend_from_slice(format!("MIME-Version: 1.0{eol}").as_bytes());
            }
            out.extend_from_slice(data);
            return Ok(out);
        }
        let tag = a.mime_tag.as_deref().map(media_type).unwrap_or_default();
        if tag.starts_with("multipart/") {
            return Err(format!("is tagged {tag} but is not a MIME entity"));
        }
        if !is_cms(data) {
            return Err("is neither a MIME entity nor CMS".to_owned());
        }
        let eol = "\r\n";
        let mut out = message_fields(self, eol);
        // The sender's own Content-Type when it names the same kind (it keeps smime-type).
        let content_type = self
            .transport_headers
            .as_deref()
            .and_then(|h| field_value(h, "content-type"))
            .filter(|v| {
                let t = media_type(v);
                t == "application/pkcs7-mime" || t == "application/x-pkcs7-mime"
            })
            .unwrap_or_else(|| "application/pkcs7-mime; name=smime.p7m".to_owned());
        out.push_str(&format!(
            "MIME-Version: 1.0{eol}Content-Type: {content_type}{eol}\
             Content-Transfer-Encoding: base64{eol}\
             Content-Disposition: attachment; filename=smime.p7m{eol}{eol}"
        ));
        out.push_str(&base64_lines(data, eol));
        Ok(out.into_bytes())
    }

    /// The message rebuilt from the item's properties ([MS-OXCMAIL]): the header fields, a
    /// `multipart/mixed` of the body (`text/plain`, with `text/html` as an alternative) and
    /// every attachment with data, base64-encoded.
    fn rebuilt(&self) -> Vec<u8> {
        const BOUNDARY: &str = "=_replymatrix-rebuilt-item";
        const ALTERNATIVE: &str = "=_replymatrix-rebuilt-body";
        let eol = "\r\n";
        let mut out = message_fields(self, eol);
        out.push_str(&format!("MIME-Version: 1.0{eol}"));
        let mut body = String::new();
        let text = self.body.as_deref().unwrap_or_default();
        let text_part = format!(
            "Content-Type: text/plain; charset=utf-8{eol}Content-Transfer-Encoding: base64{eol}{eol}{}",
            base64_lines(text.as_bytes(), eol)
        );
        match &self.html {
            Some(html) => {
                body.push_str(&format!(
                    "Content-Type: multipart/alternative; boundary=\"{ALTERNATIVE}\"{eol}{eol}\
                     --{ALTERNATIVE}{eol}{text_part}--{ALTERNATIVE}{eol}\
                     Content-Type: text/html; charset=utf-8{eol}\
                     Content-Transfer-Encoding: base64{eol}{eol}{}--{ALTERNATIVE}--{eol}",
                    base64_lines(html, eol)
                ));
            }
            None => body.push_str(&text_part),
        }
        let attachments: Vec<&Attachment> = self
            .attachments
            .iter()
            .filter(|a| a.data.is_some())
            .collect();
        if attachments.is_empty() {
            out.push_str(&body);
            return out.into_bytes();
        }
        out.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"{BOUNDARY}\"{eol}{eol}--{BOUNDARY}{eol}{body}"
        ));
        for a in attachments {
            let tag = a
                .mime_tag
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or("application/octet-stream");
            let name = a
                .filename
                .as_deref()
                .unwrap_or("attachment")
                .replace(['"', '\\', '\r', '\n'], "_");
            out.push_str(&format!(
                "--{BOUNDARY}{eol}Content-Type: {}; name=\"{name}\"{eol}\
                 Content-Disposition: attachment; filename=\"{name}\"{eol}",
                tag.replace(['\r', '\n'], " ")
            ));
            if let Some(id) = &a.content_id {
                out.push_str(&format!(
                    "Content-ID: <{}>{eol}",
                    id.replace(['\r', '\n'], "")
                ));
            }
            out.push_str(&format!(
                "Content-Transfer-Encoding: base64{eol}{eol}{}",
                base64_lines(a.data.as_deref().unwrap_or_default(), eol)
            ));
        }
        out.push_str(&format!("--{BOUNDARY}--{eol}"));
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(class: &str, attachments: Vec<Attachment>) -> Item {
        Item {
            class: Some(class.to_owned()),
            transport_headers: Some(
                "From: a@b.example\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\n".to_owned(),
            ),
            body: Some("hello".to_owned()),
            attachments,
            ..Item::default()
        }
    }

    #[test]
    fn kept_entity_gets_the_transport_fields_without_content_fields() {
        let entity = b"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n";
        let c = item(
            "IPM.Note.SMIME.MultipartSigned",
            vec![Attachment {
                filename: Some("smime.p7m".into()),
                mime_tag: Some("multipart/signed".into()),
                data: Some(entity.to_vec()),
                ..Attachment::default()
            }],
        )
        .to_mime();
        assert_eq!(c.item_mime, ItemMime::Kept);
        let text = String::from_utf8(c.mime).unwrap();
        assert!(text.starts_with("From: a@b.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"));
        assert!(text.ends_with(std::str::from_utf8(entity).unwrap()));
        assert!(!text.contains("text/plain"));
    }

    #[test]
    fn missing_and_garbage_mime_attachments_are_problems_and_rebuilt() {
        let c = item("IPM.Note.SMIME", vec![]).to_mime();
        assert_eq!(c.item_mime, ItemMime::Rebuilt);
        assert_eq!(c.problems[0].code, ProblemCode::OutlookItemMimeMissing);
        let c = item(
            "IPM.Note.SMIME",
            vec![Attachment {
                filename: Some("smime.p7m".into()),
                mime_tag: Some("application/pkcs7-mime".into()),
                data: Some(b"garbage".to_vec()),
                ..Attachment::default()
            }],
        )
        .to_mime();
        assert_eq!(c.item_mime, ItemMime::Rebuilt);
        assert_eq!(c.problems[0].code, ProblemCode::OutlookItemMimeUnusable);
        assert!(String::from_utf8(c.mime).unwrap().contains("smime.p7m"));
    }

    #[test]
    fn ordinary_items_are_rebuilt_without_problem() {
        let c = item("IPM.Note", vec![]).to_mime();
        assert_eq!(c.item_mime, ItemMime::Rebuilt);
        assert!(c.problems.is_empty());
        let text = String::from_utf8(c.mime).unwrap();
        assert!(text.contains("Subject: hi\r\n"));
        assert!(text.contains("aGVsbG8=")); // "hello"
    }
}
