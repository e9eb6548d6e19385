//! The DER → indefinite-length BER re-encoder that writes CMS the way Classic Outlook does
//! (sender-formats O1: `30 80 …`). X.690 §8.1.3.6 (indefinite length, end-of-contents).
//!
//! This is the one place the S/MIME generator writes encodings by hand: the `der` crate
//! writes DER only, and Outlook's form is BER. The input is DER made from the `cms` types
//! ([`super::cms`]); its elements are read with `der`'s own reader.

use der::{Decode, Header, Reader, SliceReader};

use crate::error::{Error, Result};

fn ber_err(e: der::Error) -> Error {
    Error::Generate {
        what: "ber".into(),
        message: e.to_string(),
    }
}

/// One DER element: its whole encoding and its contents octets.
struct Element<'a> {
    whole: &'a [u8],
    contents: &'a [u8],
}

impl Element<'_> {
    /// The identifier octet (CMS uses single-octet tags only).
    fn tag(&self) -> u8 {
        self.whole[0]
    }
}

/// The DER elements one after another in `bytes` (the contents of a constructed element).
fn elements(bytes: &[u8]) -> Result<Vec<Element<'_>>> {
    let mut reader = SliceReader::new(bytes).map_err(ber_err)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        let whole = reader.tlv_bytes().map_err(ber_err)?;
        let mut element = SliceReader::new(whole).map_err(ber_err)?;
        let header = Header::decode(&mut element).map_err(ber_err)?;
        let contents = element.read_slice(header.length()).map_err(ber_err)?;
        out.push(Element { whole, contents });
    }
    Ok(out)
}

/// The one element `bytes` holds.
fn element(bytes: &[u8]) -> Result<Element<'_>> {
    let mut all = elements(bytes)?;
    match (all.pop(), all.is_empty()) {
        (Some(e), true) => Ok(e),
        _ => Err(Error::Generate {
            what: "ber".into(),
            message: "expected exactly one element".into(),
        }),
    }
}

/// The identifier octet of `tag` with an indefinite length, then the contents, then the
/// end-of-contents octets.
fn indefinite(
    out: &mut Vec<u8>,
    tag: u8,
    contents: impl FnOnce(&mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    out.extend_from_slice(&[tag, 0x80]);
    contents(out)?;
    out.extend_from_slice(&[0, 0]);
    Ok(())
}

/// Re-encodes a DER CMS ContentInfo the way CryptoAPI streams it (sender-formats O1): the
/// ContentInfo SEQUENCE, its `[0]` content, the SignedData / EnvelopedData SEQUENCE, the
/// encapsulated/encrypted content info and its `[0]` content, and the SignedData
/// `[0] certificates` use indefinite length (`tag 80 … 00 00`). Everything else, in
/// particular the signed attributes and the certificates themselves, stays DER, so every
/// signature still verifies.
pub(crate) fn to_outlook_ber(der: &[u8]) -> Result<Vec<u8>> {
    let root = element(der)?;
    let ci = elements(root.contents)?;
    let (Some(content_type), Some(explicit)) = (ci.first(), ci.get(1)) else {
        return Err(Error::Generate {
            what: "ber".into(),
            message: "ContentInfo without content".into(),
        });
    };
    let mut out = Vec::with_capacity(der.len() + 32);
    indefinite(&mut out, root.tag(), |out| {
        out.extend_from_slice(content_type.whole);
        indefinite(out, explicit.tag(), |out| {
            for body in elements(explicit.contents)? {
                indefinite(out, body.tag(), |out| {
                    for (index, field) in elements(body.contents)?.into_iter().enumerate() {
                        // The third field of SignedData, EnvelopedData and AuthEnvelopedData
                        // is the (encapsulated or encrypted) content info.
                        if field.tag() == 0x30 && index == 2 {
                            indefinite(out, field.tag(), |out| {
                                for part in elements(field.contents)? {
                                    if part.tag() == 0xA0 {
                                        // [0] EXPLICIT eContent: the OCTET STRING stays DER.
                                        indefinite(out, part.tag(), |out| {
                                            out.extend_from_slice(part.contents);
                                            Ok(())
                                        })?;
                                    } else {
                                        out.extend_from_slice(part.whole);
                                    }
                                }
                                Ok(())
                            })?;
                        } else if field.tag() == 0xA0 {
                            // SignedData [0] IMPLICIT certificates.
                            indefinite(out, field.tag(), |out| {
                                out.extend_from_slice(field.contents);
                                Ok(())
                            })?;
                        } else {
                            out.extend_from_slice(field.whole);
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    })?;
    Ok(out)
}
