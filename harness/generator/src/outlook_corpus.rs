//! Outlook items (`.msg`, [MS-OXMSG]) made from the committed `.eml` samples, the way a
//! recipient's Outlook would save them (File > Save As > Outlook Message Format) after
//! Exchange stored them: `corpora/outlook-items/<family>/<name>.msg` is the item of
//! `corpora/senders/<family>/<name>.eml`.
//!
//! Each recipe names the message class the item was stored with, from the documentation,
//! not from the models (so a test can compare the two): [MS-OXOSMIME] 2.1.3.2.1 maps a
//! clear-signed (`multipart/signed`) message to `IPM.Note.SMIME.MultipartSigned` with the
//! whole MIME entity as the one attachment (`smime.p7m`, tagged `multipart/signed`), and an
//! opaque-signed or encrypted one to `IPM.Note.SMIME` with the CMS as that attachment
//! (tagged `application/pkcs7-mime`); GpgOL renames the class of the items it read
//! (`IPM.Note.GpgOL.MultipartSigned`, GpgOL's `mapihelp.cpp`) and keeps the attachment;
//! any other message is an `IPM.Note` whose body and attachments are properties
//! ([MS-OXCMAIL]).
//!
//! The compound file is written with the `cfb` crate, version 3 (512-byte sectors, as
//! Outlook writes), with fixed timestamps and CLSIDs, so the bytes depend only on the sample.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use mail_parser::MimeHeaders;

use crate::{Error, Result};

/// One item to make: the sample, the class it is stored with, and why.
#[derive(Clone, Copy, Debug)]
pub struct ItemRecipe {
    /// The sample id (`proton/pgp-mime-signed`), also the item's path below
    /// `corpora/outlook-items/`.
    pub id: &'static str,
    /// `PidTagMessageClass`.
    pub class: &'static str,
}

/// The items the corpus holds.
pub const ITEMS: &[ItemRecipe] = &[
    // The seed scene: Proton's PGP/MIME signature, stored as S/MIME by Exchange.
    ItemRecipe {
        id: "proton/pgp-mime-signed",
        class: "IPM.Note.SMIME.MultipartSigned",
    },
    ItemRecipe {
        id: "outlook/clear-signed-sha256",
        class: "IPM.Note.SMIME.MultipartSigned",
    },
    ItemRecipe {
        id: "outlook/opaque-signed",
        class: "IPM.Note.SMIME",
    },
    ItemRecipe {
        id: "outlook/enveloped-aes256",
        class: "IPM.Note.SMIME",
    },
    // A GpgOL user's Outlook saved the item after GpgOL read it.
    ItemRecipe {
        id: "thunderbird/openpgp-signed",
        class: "IPM.Note.GpgOL.MultipartSigned",
    },
    // PGP/MIME encrypted stays an IPM.Note with the two parts as attachments.
    ItemRecipe {
        id: "proton/pgp-mime-encrypted",
        class: "IPM.Note",
    },
    ItemRecipe {
        id: "proton/plain",
        class: "IPM.Note",
    },
];

/// The folder of the items below `corpora`.
pub fn items_dir(corpora: &Path) -> PathBuf {
    corpora.join("outlook-items")
}

/// Writes every item of [`ITEMS`]; returns their ids.
pub fn generate(corpora: &Path) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for recipe in ITEMS {
        let eml_path = corpora.join("senders").join(format!("{}.eml", recipe.id));
        let eml = std::fs::read(&eml_path).map_err(|e| Error::io(&eml_path, e))?;
        let bytes = msg_from_eml(&eml, recipe.class).map_err(|message| Error::Generate {
            what: format!("outlook item {}", recipe.id),
            message,
        })?;
        let out = items_dir(corpora).join(format!("{}.msg", recipe.id));
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&out, bytes).map_err(|e| Error::io(&out, e))?;
        ids.push(recipe.id.to_owned());
    }
    Ok(ids)
}

/// The property types written.
const PT_LONG: u16 = 0x0003;
const PT_BOOLEAN: u16 = 0x000B;
const PT_UNICODE: u16 = 0x001F;
const PT_BINARY: u16 = 0x0102;

/// A property value.
pub(crate) enum Value {
    Long(u32),
    Boolean(bool),
    Unicode(String),
    Binary(Vec<u8>),
}

impl Value {
    fn kind(&self) -> u16 {
        match self {
            Self::Long(_) => PT_LONG,
            Self::Boolean(_) => PT_BOOLEAN,
            Self::Unicode(_) => PT_UNICODE,
            Self::Binary(_) => PT_BINARY,
        }
    }
}

/// One attachment: file name, MIME tag, data.
pub struct ItemAttachment {
    /// `PidTagAttachLongFilename`.
    pub filename: String,
    /// `PidTagAttachMimeTag`.
    pub mime_tag: String,
    /// `PidTagAttachDataBinary`.
    pub data: Vec<u8>,
}

/// The header block and the body of a message (split at the first empty line).
fn split(eml: &[u8]) -> (&[u8], &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(at) = eml.windows(len).position(|w| w == sep) {
            return (&eml[..at + len / 2], &eml[at + len..]);
        }
    }
    (eml, &[])
}

/// The header fields of a block, each with its raw lines (line ends included).
fn raw_fields(header: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for line in header.split_inclusive(|b| *b == b'\n') {
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some(last) = out.last_mut() {
                last.1.extend_from_slice(line);
            }
            continue;
        }
        let name = String::from_utf8_lossy(line.split(|b| *b == b':').next().unwrap_or_default())
            .trim()
            .to_ascii_lowercase();
        out.push((name, line.to_vec()));
    }
    out
}

fn is_content_field(name: &str) -> bool {
    name.starts_with("content-") || name == "mime-version"
}

/// The item of one `.eml`, stored with `class`.
pub fn msg_from_eml(eml: &[u8], class: &str) -> std::result::Result<Vec<u8>, String> {
    let item = item_from_eml(eml, class)?;
    write_msg(&item.props, &item.to, &item.attachments)
        .map_err(|e| format!("writing the compound file: {e}"))
}

/// What an item is made of, whatever file holds it (a `.msg` here, a PST in
/// [`crate::pst_corpus`]).
pub(crate) struct BuiltItem {
    /// The message's properties.
    pub(crate) props: Vec<(u16, Value)>,
    /// The `To` recipients: display name (may be empty) and address.
    pub(crate) to: Vec<(String, String)>,
    /// The attachments.
    pub(crate) attachments: Vec<ItemAttachment>,
}

/// The properties, recipients and attachments of the item of one `.eml` stored with `class`.
pub(crate) fn item_from_eml(eml: &[u8], class: &str) -> std::result::Result<BuiltItem, String> {
    let parsed = mail_parser::MessageParser::default()
        .parse(eml)
        .ok_or("the sample does not parse")?;
    let (header, body) = split(eml);
    let fields = raw_fields(header);
    // Outlook keeps the transport headers with CRLF line ends.
    let transport = String::from_utf8_lossy(header)
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let lower = class.to_ascii_lowercase();
    let keeps_mime = lower.starts_with("ipm.note.smime") || lower.starts_with("ipm.note.gpgol.");
    let content_type = parsed
        .root_part()
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase())
        .unwrap_or_default();
    let mut attachments = Vec::new();
    let (text, html) = if keeps_mime {
        if content_type.starts_with("multipart/") {
            // The whole entity: its content fields as sent, then its body, byte for byte.
            let mut entity = Vec::new();
            for (name, raw) in &fields {
                if is_content_field(name) {
                    entity.extend_from_slice(raw);
                }
            }
            entity.extend_from_slice(if header.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            });
            entity.extend_from_slice(body);
            attachments.push(ItemAttachment {
                filename: "smime.p7m".to_owned(),
                mime_tag: content_type.clone(),
                data: entity,
            });
        } else {
            // Opaque: the CMS itself ([MS-OXOSMIME] 2.1.3.2.2), decoded from base64.
            let root = parsed.root_part();
            attachments.push(ItemAttachment {
                filename: "smime.p7m".to_owned(),
                mime_tag: "application/pkcs7-mime".to_owned(),
                data: root.contents().to_vec(),
            });
        }
        // Exchange promotes no body for opaque items; for clear-signed ones the body is the
        // signed text, as Outlook shows it.
        if content_type.starts_with("multipart/") {
            (
                parsed.body_text(0).map(|t| t.into_owned()),
                parsed.body_html(0).map(|h| h.into_owned()),
            )
        } else {
            (None, None)
        }
    } else {
        for part in parsed.attachments() {
            let tag = part
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            let filename = match part.attachment_name() {
                Some(n) => n.to_owned(),
                // Exchange's name for the PGP/MIME version part (exchange/pgp-mime-version-identification).
                None if tag.eq_ignore_ascii_case("application/pgp-encrypted") => {
                    "PGPMIME version identification".to_owned()
                }
                None => format!("ATT{:05}", attachments.len().saturating_add(1)),
            };
            attachments.push(ItemAttachment {
                filename,
                mime_tag: tag,
                data: part.contents().to_vec(),
            });
        }
        (
            parsed.body_text(0).map(|t| t.into_owned()),
            parsed.body_html(0).map(|h| h.into_owned()),
        )
    };
    let from = parsed.from().and_then(|f| f.first());
    let to: Vec<(String, String)> = parsed
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|addr| {
                    Some((
                        addr.name().unwrap_or_default().to_owned(),
                        addr.address()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut props: Vec<(u16, Value)> = vec![
        (0x001A, Value::Unicode(class.to_owned())),
        (
            0x0037,
            Value::Unicode(parsed.subject().unwrap_or_default().to_owned()),
        ),
        (0x007D, Value::Unicode(transport)),
        // PidTagMessageFlags: read (mfRead), not unsent.
        (0x0E07, Value::Long(0x0000_0001)),
        (0x0E1B, Value::Boolean(!attachments.is_empty())),
        (
            0x0E04,
            Value::Unicode(
                to.iter()
                    .map(|(n, a)| if n.is_empty() { a.clone() } else { n.clone() })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
    ];
    if let Some(f) = from {
        let name = f.name().unwrap_or_default().to_owned();
        let address = f.address().unwrap_or_default().to_owned();
        props.push((0x0C1A, Value::Unicode(name.clone())));
        props.push((0x0C1E, Value::Unicode("SMTP".to_owned())));
        props.push((0x0C1F, Value::Unicode(address.clone())));
        props.push((0x5D01, Value::Unicode(address.clone())));
        props.push((0x0042, Value::Unicode(name)));
        props.push((0x0065, Value::Unicode(address)));
    }
    if let Some(id) = parsed.message_id() {
        props.push((0x1035, Value::Unicode(format!("<{id}>"))));
    }
    if let Some(text) = text {
        props.push((0x1000, Value::Unicode(text)));
    }
    if let Some(html) = html {
        props.push((0x1013, Value::Binary(html.into_bytes())));
    }
    Ok(BuiltItem {
        props,
        to,
        attachments,
    })
}

/// A fixed time for every storage (2026-05-04T00:00:00Z), so the bytes never depend on the
/// clock.
fn fixed_time() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_777_852_800)
}

/// The `.msg` root CLSID Outlook writes ({00020D0B-0000-0000-C000-000000000046}).
const MSG_CLSID: [u8; 16] = [
    0x0B, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

type Cf = cfb::CompoundFile<Cursor<Vec<u8>>>;

fn write_stream(cf: &mut Cf, path: &str, data: &[u8]) -> std::io::Result<()> {
    let mut stream = cf.create_stream(path)?;
    stream.write_all(data)
}

/// Writes the property streams of one storage and its `__properties_version1.0` with
/// `header` (32 bytes for the message, 8 for attachments and recipients).
fn write_props(
    cf: &mut Cf,
    dir: &str,
    header: &[u8],
    props: &[(u16, Value)],
) -> std::io::Result<()> {
    let mut table = header.to_vec();
    for (id, value) in props {
        let tag = (u32::from(*id) << 16) | u32::from(value.kind());
        table.extend_from_slice(&tag.to_le_bytes());
        // PROPATTR_READABLE | PROPATTR_WRITABLE.
        table.extend_from_slice(&6u32.to_le_bytes());
        match value {
            Value::Long(v) => {
                table.extend_from_slice(&v.to_le_bytes());
                table.extend_from_slice(&[0; 4]);
            }
            Value::Boolean(b) => {
                table.extend_from_slice(&u32::from(*b).to_le_bytes());
                table.extend_from_slice(&[0; 4]);
            }
            Value::Unicode(s) => {
                let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                // The size counts the terminating NUL the stream does not hold.
                let size = u32::try_from(bytes.len().saturating_add(2)).unwrap_or(u32::MAX);
                table.extend_from_slice(&size.to_le_bytes());
                table.extend_from_slice(&[0; 4]);
                write_stream(
                    cf,
                    &format!("{dir}/__substg1.0_{id:04X}{PT_UNICODE:04X}"),
                    &bytes,
                )?;
            }
            Value::Binary(b) => {
                let size = u32::try_from(b.len()).unwrap_or(u32::MAX);
                table.extend_from_slice(&size.to_le_bytes());
                table.extend_from_slice(&[0; 4]);
                write_stream(cf, &format!("{dir}/__substg1.0_{id:04X}{PT_BINARY:04X}"), b)?;
            }
        }
    }
    write_stream(cf, &format!("{dir}/__properties_version1.0"), &table)
}

fn write_msg(
    props: &[(u16, Value)],
    to: &[(String, String)],
    attachments: &[ItemAttachment],
) -> std::io::Result<Vec<u8>> {
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))?;
    cf.set_storage_clsid("/", uuid::Uuid::from_bytes_le(MSG_CLSID))?;
    let n_recip = u32::try_from(to.len()).unwrap_or(u32::MAX);
    let n_attach = u32::try_from(attachments.len()).unwrap_or(u32::MAX);
    let mut header = vec![0u8; 8];
    for v in [n_recip, n_attach, n_recip, n_attach] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&[0; 8]);
    write_props(&mut cf, "", &header, props)?;
    // The named-property map ([MS-OXMSG] 2.2.3): empty, no named property is used.
    cf.create_storage("/__nameid_version1.0")?;
    for stream in ["00020102", "00030102", "00040102"] {
        write_stream(
            &mut cf,
            &format!("/__nameid_version1.0/__substg1.0_{stream}"),
            &[],
        )?;
    }
    let mut storages = vec!["/__nameid_version1.0".to_owned()];
    for (i, (name, address)) in to.iter().enumerate() {
        let dir = format!("/__recip_version1.0_#{i:08X}");
        cf.create_storage(&dir)?;
        let display = if name.is_empty() { address } else { name };
        write_props(
            &mut cf,
            &dir,
            &[0; 8],
            &[
                // PidTagRecipientType: MAPI_TO.
                (0x0C15, Value::Long(1)),
                (0x3001, Value::Unicode(display.clone())),
                (0x3002, Value::Unicode("SMTP".to_owned())),
                (0x3003, Value::Unicode(address.clone())),
                (0x39FE, Value::Unicode(address.clone())),
            ],
        )?;
        storages.push(dir);
    }
    for (i, a) in attachments.iter().enumerate() {
        let dir = format!("/__attach_version1.0_#{i:08X}");
        cf.create_storage(&dir)?;
        write_props(
            &mut cf,
            &dir,
            &[0; 8],
            &[
                // PidTagAttachMethod: afByValue.
                (0x3705, Value::Long(1)),
                (0x0E21, Value::Long(u32::try_from(i).unwrap_or(u32::MAX))),
                (0x3707, Value::Unicode(a.filename.clone())),
                (0x3704, Value::Unicode(a.filename.clone())),
                (0x370E, Value::Unicode(a.mime_tag.clone())),
                (0x3701, Value::Binary(a.data.clone())),
            ],
        )?;
        storages.push(dir);
    }
    for dir in storages.iter().map(String::as_str).chain(["/"]) {
        cf.set_created_time(dir, fixed_time())?;
        cf.set_modified_time(dir, fixed_time())?;
    }
    cf.flush()?;
    Ok(cf.into_inner().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_sample_makes_the_same_bytes() {
        let eml = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
        let one = msg_from_eml(eml, "IPM.Note").unwrap();
        let two = msg_from_eml(eml, "IPM.Note").unwrap();
        assert_eq!(one, two);
        assert!(one.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]));
    }
}
