//! A minimal DER writer, a TLV reader and the DER → indefinite-length BER re-encoder used to
//! write CMS the way Classic Outlook does (sender-formats O1: `30 80 …`).
//!
//! The generator builds CMS by hand rather than with the `cms` builders because Outlook's
//! SignerInfo needs `rsaEncryption` as signatureAlgorithm and a fixed attribute set, which the
//! builder does not produce (research/crates.md §6 pitfall 2). X.690 §8.1.3 (definite and
//! indefinite length), §10.1 (DER lengths), §11.6 (DER SET OF ordering).

use crate::error::{Error, Result};

/// Encodes a definite length (X.690 §8.1.3.3–8.1.3.5, minimal form as DER requires).
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// One TLV with a single-byte tag.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded elements, in the given order.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET OF already-encoded elements, sorted as DER requires (X.690 §11.6).
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = parts.to_vec();
    sorted.sort();
    tlv(0x31, &sorted.concat())
}

/// Context-specific constructed `[n]` (EXPLICIT wrapper or IMPLICIT constructed).
pub fn ctx_cons(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xA0 | n, content)
}

/// Context-specific primitive `[n]` (IMPLICIT primitive).
pub fn ctx_prim(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

/// OCTET STRING.
pub fn octets(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

/// INTEGER from a small non-negative number.
pub fn int(value: u64) -> Vec<u8> {
    uint_bytes(&value.to_be_bytes())
}

/// INTEGER from unsigned big-endian magnitude bytes (leading zeros trimmed, a 0x00 added
/// when the top bit is set).
pub fn uint_bytes(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(bytes.len().saturating_sub(1));
    let trimmed = &bytes[skip..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) || trimmed.is_empty() {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(0x02, &content)
}

/// OBJECT IDENTIFIER from dotted text. The OIDs are constants of this generator; a malformed
/// one is a programming error reported as [`Error::Generate`].
pub fn oid(dotted: &str) -> Result<Vec<u8>> {
    let bad = || Error::Generate {
        what: "oid".into(),
        message: format!("malformed OID {dotted}"),
    };
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse::<u64>().map_err(|_| bad()))
        .collect::<Result<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 {
        return Err(bad());
    }
    let mut content = Vec::new();
    let mut encode_arc = |mut v: u64| {
        let mut stack = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            stack.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        stack.reverse();
        content.extend_from_slice(&stack);
    };
    encode_arc(arcs[0] * 40 + arcs[1]);
    for arc in &arcs[2..] {
        encode_arc(*arc);
    }
    Ok(tlv(0x06, &content))
}

/// AlgorithmIdentifier with optional parameters.
pub fn alg(dotted: &str, params: Option<&[u8]>) -> Result<Vec<u8>> {
    let o = oid(dotted)?;
    Ok(match params {
        Some(p) => seq(&[&o, p]),
        None => seq(&[&o]),
    })
}

/// UTCTime from `YYMMDDHHMMSSZ` text.
pub fn utc_time(text: &str) -> Vec<u8> {
    tlv(0x17, text.as_bytes())
}

/// One parsed TLV: tag, header length, content range within the input.
#[derive(Clone, Copy, Debug)]
pub struct Tlv {
    pub tag: u8,
    pub start: usize,
    pub content_start: usize,
    pub end: usize,
}

/// Reads one definite-length DER TLV at `pos` (single-byte tags only, enough for CMS/X.509).
pub fn read_tlv(data: &[u8], pos: usize) -> Result<Tlv> {
    let bad = |m: &str| Error::Generate {
        what: "der".into(),
        message: format!("{m} at offset {pos}"),
    };
    let tag = *data.get(pos).ok_or_else(|| bad("truncated tag"))?;
    let first = *data.get(pos + 1).ok_or_else(|| bad("truncated length"))?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(bad("unsupported length form"));
        }
        let bytes = data
            .get(pos + 2..pos + 2 + n)
            .ok_or_else(|| bad("truncated long length"))?;
        (
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize),
            2 + n,
        )
    };
    let content_start = pos + header;
    let end = content_start
        .checked_add(len)
        .filter(|e| *e <= data.len())
        .ok_or_else(|| bad("content overruns input"))?;
    Ok(Tlv {
        tag,
        start: pos,
        content_start,
        end,
    })
}

/// The children of a constructed TLV.
pub fn children(data: &[u8], parent: Tlv) -> Result<Vec<Tlv>> {
    let mut out = Vec::new();
    let mut pos = parent.content_start;
    while pos < parent.end {
        let child = read_tlv(data, pos)?;
        pos = child.end;
        out.push(child);
        if out.len() > 10_000 {
            break;
        }
    }
    Ok(out)
}

/// Re-encodes a DER CMS ContentInfo the way CryptoAPI streams it (sender-formats O1): the
/// ContentInfo SEQUENCE, its `[0]` content, the SignedData / EnvelopedData SEQUENCE, the
/// encapsulated/encrypted content info and its `[0]` content, and the SignedData
/// `[0] certificates` use indefinite length (`tag 80 … 00 00`). Everything else, in
/// particular the signed attributes and the certificates themselves, stays DER, so every
/// signature still verifies.
pub fn to_outlook_ber(der: &[u8]) -> Result<Vec<u8>> {
    let root = read_tlv(der, 0)?;
    let mut out = Vec::with_capacity(der.len() + 32);
    // ContentInfo SEQUENCE
    out.extend_from_slice(&[0x30, 0x80]);
    let ci = children(der, root)?;
    let (Some(ct), Some(explicit)) = (ci.first(), ci.get(1)) else {
        return Err(Error::Generate {
            what: "ber".into(),
            message: "ContentInfo without content".into(),
        });
    };
    out.extend_from_slice(&der[ct.start..ct.end]);
    out.extend_from_slice(&[0xA0, 0x80]);
    let inner = children(der, *explicit)?;
    for body in inner {
        out.extend_from_slice(&[body.tag, 0x80]);
        for (index, field) in children(der, body)?.into_iter().enumerate() {
            let is_content_info = field.tag == 0x30 && index == 2;
            let is_cert_set = field.tag == 0xA0;
            if is_content_info {
                out.extend_from_slice(&[0x30, 0x80]);
                for part in children(der, field)? {
                    if part.tag & 0xA0 == 0xA0 || part.tag == 0x80 {
                        // [0] eContent / [0] encryptedContent: keep the OCTET STRING DER
                        // inside an indefinite EXPLICIT wrapper when constructed.
                        if part.tag == 0xA0 {
                            out.extend_from_slice(&[0xA0, 0x80]);
                            out.extend_from_slice(&der[part.content_start..part.end]);
                            out.extend_from_slice(&[0, 0]);
                        } else {
                            out.extend_from_slice(&der[part.start..part.end]);
                        }
                    } else {
                        out.extend_from_slice(&der[part.start..part.end]);
                    }
                }
                out.extend_from_slice(&[0, 0]);
            } else if is_cert_set {
                out.extend_from_slice(&[0xA0, 0x80]);
                out.extend_from_slice(&der[field.content_start..field.end]);
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&der[field.start..field.end]);
            }
        }
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encodes_like_x690() {
        assert_eq!(
            oid("1.2.840.113549.1.7.2").unwrap(),
            vec![
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
            ]
        );
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(int(0), vec![2, 1, 0]);
        assert_eq!(int(128), vec![2, 2, 0, 0x80]);
        assert_eq!(uint_bytes(&[0, 0, 1]), vec![2, 1, 1]);
    }

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let enc = tlv(0x04, &content);
        assert_eq!(&enc[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let t = read_tlv(&enc, 0).unwrap();
        assert_eq!(t.end - t.content_start, 300);
    }
}
