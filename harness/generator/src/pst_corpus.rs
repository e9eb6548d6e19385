//! The PST export of the corpus (`corpora/outlook-items/export.pst`): the Outlook items of
//! [`crate::outlook_corpus::ITEMS`] (same message classes, transport headers, `smime.p7m`
//! attachments and rebuilt properties as their `.msg` twins) filed in folders, written by
//! [`crate::pst_writer`] as a Unicode PST the way Classic Outlook exports a mailbox.
//!
//! The folders ([`FOLDERS`]): `Inbox` with the seed scene and the other PGP items,
//! `Inbox/S-MIME` with the S/MIME items, and `Archive` with the plain message, so that a test
//! can break one folder and still read the others.

use std::path::{Path, PathBuf};

use crate::outlook_corpus::{self, ITEMS, Value as MsgValue};
use crate::pst_writer::{self, Folder, Message, Store, Value};
use crate::{Error, Result};

/// The file below `corpora`.
pub fn pst_path(corpora: &Path) -> PathBuf {
    outlook_corpus::items_dir(corpora).join("export.pst")
}

/// A folder: its path below the IPM subtree (names joined by `/`) and the sample ids it holds.
pub const FOLDERS: &[(&str, &[&str])] = &[
    (
        "Inbox",
        &[
            "proton/pgp-mime-signed",
            "proton/pgp-mime-encrypted",
            "thunderbird/openpgp-signed",
        ],
    ),
    (
        "Inbox/S-MIME",
        &[
            "outlook/clear-signed-sha256",
            "outlook/opaque-signed",
            "outlook/enveloped-aes256",
        ],
    ),
    ("Archive", &["proton/plain"]),
];

/// 2026-05-04T00:00:00Z as a FILETIME (100 ns since 1601), the time of every object.
const FIXED_TIME: u64 = (1_777_852_800 + 11_644_473_600) * 10_000_000;

/// The store's provider UID (`PidTagRecordKey`): fixed, so the bytes never change.
const RECORD_KEY: [u8; 16] = *b"replymatrix-pst1";

fn value(v: MsgValue) -> Value {
    match v {
        MsgValue::Long(n) => Value::Long(n),
        MsgValue::Boolean(b) => Value::Boolean(b),
        MsgValue::Unicode(s) => Value::Unicode(s),
        MsgValue::Binary(b) => Value::Binary(b),
    }
}

/// The PST message of one sample, built as its `.msg` twin is.
fn message(corpora: &Path, id: &str) -> Result<Message> {
    let recipe = ITEMS
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::Generate {
            what: format!("pst item {id}"),
            message: "not one of the Outlook items".to_owned(),
        })?;
    let eml_path = corpora.join("senders").join(format!("{id}.eml"));
    let eml = std::fs::read(&eml_path).map_err(|e| Error::io(&eml_path, e))?;
    let item =
        outlook_corpus::item_from_eml(&eml, recipe.class).map_err(|message| Error::Generate {
            what: format!("pst item {id}"),
            message,
        })?;
    let recipients = item
        .to
        .into_iter()
        .map(|(name, address)| {
            let display = if name.is_empty() {
                address.clone()
            } else {
                name
            };
            vec![
                // PidTagRecipientType: MAPI_TO.
                (0x0C15, Value::Long(1)),
                (0x3001, Value::Unicode(display)),
                (0x3002, Value::Unicode("SMTP".to_owned())),
                (0x3003, Value::Unicode(address.clone())),
                (0x39FE, Value::Unicode(address)),
            ]
        })
        .collect();
    let attachments = item
        .attachments
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                // PidTagAttachMethod: afByValue.
                (0x3705, Value::Long(1)),
                (0x0E21, Value::Long(u32::try_from(i).unwrap_or(u32::MAX))),
                (0x3707, Value::Unicode(a.filename.clone())),
                (0x3704, Value::Unicode(a.filename)),
                (0x370E, Value::Unicode(a.mime_tag)),
                (0x3701, Value::Binary(a.data)),
            ]
        })
        .collect();
    Ok(Message {
        props: item.props.into_iter().map(|(p, v)| (p, value(v))).collect(),
        recipients,
        attachments,
    })
}

/// The store of [`FOLDERS`].
pub fn store(corpora: &Path) -> Result<Store> {
    let mut top: Vec<Folder> = Vec::new();
    for (path, ids) in FOLDERS {
        let messages = ids
            .iter()
            .map(|id| message(corpora, id))
            .collect::<Result<Vec<_>>>()?;
        let mut names = path.split('/');
        let first = names.next().unwrap_or_default();
        let folder = match top.iter().position(|f| f.name == first) {
            Some(i) => &mut top[i],
            None => {
                top.push(Folder {
                    name: first.to_owned(),
                    ..Folder::default()
                });
                let last = top.len() - 1;
                &mut top[last]
            }
        };
        let mut folder = folder;
        for name in names {
            let i = match folder.subfolders.iter().position(|f| f.name == name) {
                Some(i) => i,
                None => {
                    folder.subfolders.push(Folder {
                        name: name.to_owned(),
                        ..Folder::default()
                    });
                    folder.subfolders.len() - 1
                }
            };
            folder = &mut folder.subfolders[i];
        }
        folder.messages = messages;
    }
    Ok(Store {
        display_name: "replymatrix export".to_owned(),
        record_key: RECORD_KEY,
        top_name: "Top of Outlook data file".to_owned(),
        folders: top,
        time: FIXED_TIME,
    })
}

/// Writes `outlook-items/export.pst` from the committed samples.
pub fn generate(corpora: &Path) -> Result<PathBuf> {
    let bytes = pst_writer::write(&store(corpora)?).map_err(|message| Error::Generate {
        what: "the PST export".to_owned(),
        message,
    })?;
    let out = pst_path(corpora);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&out, bytes).map_err(|e| Error::io(&out, e))?;
    Ok(out)
}
