//! Reading a `.msg` file ([MS-OXMSG]) with the `cfb` crate: the item's string and binary
//! properties from its `__substg1.0_IIIITTTT` streams, and its attachments from the
//! `__attach_version1.0_#NNNNNNNN` storages.
//!
//! Only variable-length properties are read (the ones the MIME is made from); fixed-length
//! ones in `__properties_version1.0` are not needed. Property streams larger than
//! [`MAX_VALUE_BYTES`] are cut, and at most [`MAX_ATTACHMENTS`] attachments are read.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use super::{
    Attachment, Item, MAX_ATTACHMENTS, MAX_VALUE_BYTES, PID_ATTACH_CONTENT_ID, PID_ATTACH_DATA,
    PID_ATTACH_FILENAME, PID_ATTACH_LONG_FILENAME, PID_ATTACH_MIME_TAG, PID_BODY, PID_HTML,
    PID_MESSAGE_CLASS, PID_MESSAGE_ID, PID_SENDER_EMAIL, PID_SENDER_NAME, PID_SENDER_SMTP,
    PID_SUBJECT, PID_TRANSPORT_HEADERS,
};

/// `PtypString` (UTF-16LE).
pub const PT_UNICODE: u16 = 0x001F;
/// `PtypString8` (the item's code page; read as UTF-8, lossily).
pub const PT_STRING8: u16 = 0x001E;
/// `PtypBinary`.
pub const PT_BINARY: u16 = 0x0102;

/// The stream name of a property: `__substg1.0_` + id + type, upper-case hex.
pub fn stream_name(id: u16, kind: u16) -> String {
    format!("__substg1.0_{id:04X}{kind:04X}")
}

/// The storage name of attachment `n`.
pub fn attachment_storage(n: u32) -> String {
    format!("__attach_version1.0_#{n:08X}")
}

/// The variable-length properties of one storage: (id, type) → bytes.
type Props = BTreeMap<(u16, u16), Vec<u8>>;

/// Reads the item in a `.msg` file. `Err` says why the file is not a readable item.
pub fn read(bytes: &[u8]) -> Result<Item, String> {
    // cfb reads untrusted sector chains; a panic inside it is this file's error, not the
    // process's (the bytes are borrowed, nothing is left half-changed).
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_inner(bytes)))
        .unwrap_or_else(|_| Err("the compound file is malformed (its reader gave up)".to_owned()))
}

fn read_inner(bytes: &[u8]) -> Result<Item, String> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| format!("not a readable compound file: {e}"))?;
    let root = PathBuf::from("/");
    let props = properties(&mut cf, &root)?;
    if !props.contains_key(&(PID_MESSAGE_CLASS, PT_UNICODE))
        && !props.contains_key(&(PID_MESSAGE_CLASS, PT_STRING8))
    {
        return Err(
            "a compound file, but not an Outlook item: it has no message class \
             (__substg1.0_001A001F)"
                .to_owned(),
        );
    }
    let mut attachment_dirs: Vec<PathBuf> = cf
        .read_root_storage()
        .filter(|e| e.is_storage() && e.name().starts_with("__attach_version1.0_#"))
        .map(|e| e.path().to_path_buf())
        .collect();
    attachment_dirs.sort();
    let mut attachments = Vec::new();
    for dir in attachment_dirs.into_iter().take(MAX_ATTACHMENTS) {
        let a = properties(&mut cf, &dir)?;
        attachments.push(Attachment {
            filename: string(&a, PID_ATTACH_LONG_FILENAME)
                .or_else(|| string(&a, PID_ATTACH_FILENAME)),
            mime_tag: string(&a, PID_ATTACH_MIME_TAG),
            content_id: string(&a, PID_ATTACH_CONTENT_ID),
            data: a.get(&(PID_ATTACH_DATA, PT_BINARY)).cloned(),
        });
    }
    Ok(Item {
        class: string(&props, PID_MESSAGE_CLASS),
        subject: string(&props, PID_SUBJECT),
        transport_headers: string(&props, PID_TRANSPORT_HEADERS),
        sender_name: string(&props, PID_SENDER_NAME),
        sender_address: string(&props, PID_SENDER_SMTP)
            .or_else(|| string(&props, PID_SENDER_EMAIL)),
        message_id: string(&props, PID_MESSAGE_ID),
        body: string(&props, PID_BODY),
        html: props
            .get(&(PID_HTML, PT_BINARY))
            .cloned()
            .or_else(|| string(&props, PID_HTML).map(String::into_bytes)),
        attachments,
    })
}

/// The variable-length property streams directly in `dir`.
fn properties<F: Read + std::io::Seek>(
    cf: &mut cfb::CompoundFile<F>,
    dir: &Path,
) -> Result<Props, String> {
    let names: Vec<(PathBuf, u16, u16)> = cf
        .read_storage(dir)
        .map_err(|e| format!("the storage {} cannot be read: {e}", dir.display()))?
        .filter(|e| e.is_stream())
        .filter_map(|e| {
            let tag = e.name().strip_prefix("__substg1.0_")?;
            if tag.len() != 8 {
                return None;
            }
            let id = u16::from_str_radix(tag.get(..4)?, 16).ok()?;
            let kind = u16::from_str_radix(tag.get(4..)?, 16).ok()?;
            matches!(kind, PT_UNICODE | PT_STRING8 | PT_BINARY)
                .then(|| (e.path().to_path_buf(), id, kind))
        })
        .collect();
    let mut props = Props::new();
    for (path, id, kind) in names {
        let mut stream = cf
            .open_stream(&path)
            .map_err(|e| format!("the stream {} cannot be read: {e}", path.display()))?;
        let mut value = Vec::new();
        (&mut stream)
            .take(MAX_VALUE_BYTES as u64)
            .read_to_end(&mut value)
            .map_err(|e| format!("the stream {} is cut short: {e}", path.display()))?;
        props.insert((id, kind), value);
    }
    Ok(props)
}

/// A string property, from its Unicode or 8-bit stream, without a trailing NUL.
fn string(props: &Props, id: u16) -> Option<String> {
    if let Some(v) = props.get(&(id, PT_UNICODE)) {
        let units: Vec<u16> = v
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let s = String::from_utf16_lossy(&units);
        return Some(s.trim_end_matches('\0').to_owned());
    }
    props
        .get(&(id, PT_STRING8))
        .map(|v| String::from_utf8_lossy(v).trim_end_matches('\0').to_owned())
}
