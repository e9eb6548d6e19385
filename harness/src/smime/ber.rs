//! A minimal, bounded BER/DER tag-length-value walker (ITU-T X.690 §8.1).
//!
//! The typed decoders in `der`/`cms` throw away the wire bytes. A few checks need them: the
//! signed attributes must be verified over the bytes the sender signed (RFC 5652 §5.4), and a
//! few parameters (RSASSA-PSS, RSAES-OAEP, GCM) are simplest to read element by element.
//! Everything here returns `None` on malformed input and never panics; recursion depth is
//! bounded by [`MAX_DEPTH`] and child lists by [`MAX_CHILDREN`].

/// Deepest nesting of indefinite-length elements we follow.
pub(crate) const MAX_DEPTH: usize = 48;
/// Most children listed for one constructed element.
pub(crate) const MAX_CHILDREN: usize = 100_000;

/// One element: where its identifier, contents and end are in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv {
    /// The first identifier octet (class, constructed bit, low tag number).
    pub tag: u8,
    /// Offset of the identifier octet.
    pub start: usize,
    /// Offset of the first content octet.
    pub content_start: usize,
    /// Offset just past the last content octet (before the end-of-contents octets).
    pub content_end: usize,
    /// Offset just past the whole element.
    pub end: usize,
    /// Whether the element used the indefinite length form.
    pub indefinite: bool,
}

impl Tlv {
    /// The whole element, identifier to end.
    pub(super) fn bytes<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// The content octets.
    pub(super) fn content<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.content_start..self.content_end).unwrap_or(&[])
    }

    /// Whether the constructed bit is set.
    pub(super) fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }
}

/// Parses the element starting at `start`.
pub(crate) fn parse(buf: &[u8], start: usize) -> Option<Tlv> {
    parse_at_depth(buf, start, 0)
}

fn parse_at_depth(buf: &[u8], start: usize, depth: usize) -> Option<Tlv> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag = *buf.get(start)?;
    let mut pos = start.checked_add(1)?;
    if tag & 0x1f == 0x1f {
        // High tag number form: base-128 octets, the last one with bit 8 clear.
        loop {
            let octet = *buf.get(pos)?;
            pos += 1;
            if octet & 0x80 == 0 {
                break;
            }
            if pos - start > 6 {
                return None;
            }
        }
    }
    let length_octet = *buf.get(pos)?;
    pos += 1;
    if length_octet == 0x80 {
        // Indefinite length (X.690 §8.1.3.6): constructed only, ends with 00 00.
        if tag & 0x20 == 0 {
            return None;
        }
        let content_start = pos;
        let mut cursor = pos;
        loop {
            if buf.get(cursor..cursor.checked_add(2)?)? == [0, 0] {
                return Some(Tlv {
                    tag,
                    start,
                    content_start,
                    content_end: cursor,
                    end: cursor + 2,
                    indefinite: true,
                });
            }
            // Every element is at least two octets long, so the cursor always advances.
            cursor = parse_at_depth(buf, cursor, depth + 1)?.end;
        }
    }
    let length = if length_octet < 0x80 {
        usize::from(length_octet)
    } else {
        let count = usize::from(length_octet & 0x7f);
        if count > 8 {
            return None;
        }
        let mut length: usize = 0;
        for _ in 0..count {
            length = length
                .checked_mul(256)?
                .checked_add(usize::from(*buf.get(pos)?))?;
            pos += 1;
        }
        length
    };
    let content_end = pos.checked_add(length)?;
    if content_end > buf.len() {
        return None;
    }
    Some(Tlv {
        tag,
        start,
        content_start: pos,
        content_end,
        end: content_end,
        indefinite: false,
    })
}

/// The elements inside a constructed element, in wire order.
pub(crate) fn children(buf: &[u8], parent: &Tlv) -> Option<Vec<Tlv>> {
    if !parent.constructed() {
        return None;
    }
    let mut out = Vec::new();
    let mut cursor = parent.content_start;
    while cursor < parent.content_end {
        if out.len() >= MAX_CHILDREN {
            return None;
        }
        let child = parse(buf, cursor)?;
        if child.end > parent.content_end {
            return None;
        }
        cursor = child.end;
        out.push(child);
    }
    Some(out)
}

/// The children of the element that is the whole of `buf`.
pub(crate) fn children_of(buf: &[u8]) -> Option<(Tlv, Vec<Tlv>)> {
    let top = parse(buf, 0)?;
    let kids = children(buf, &top)?;
    Some((top, kids))
}

/// The value of an OCTET STRING element, primitive (tag 0x04) or constructed from segments
/// (tag 0x24, X.690 §8.7.3), as `openssl cms -stream` and Outlook write eContent.
/// `None` for other tags or more than [`MAX_DEPTH`] levels of segments.
pub(crate) fn octet_string_value(buf: &[u8], tlv: &Tlv) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    collect_octets(buf, tlv, 0, &mut out)?;
    Some(out)
}

fn collect_octets(buf: &[u8], tlv: &Tlv, depth: usize, out: &mut Vec<u8>) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    match tlv.tag {
        0x04 => {
            out.extend_from_slice(tlv.content(buf));
            Some(())
        }
        0x24 => {
            for segment in children(buf, tlv)? {
                collect_octets(buf, &segment, depth + 1, out)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// Reads a non-negative INTEGER element's value (up to 64 bits).
pub(crate) fn small_uint(buf: &[u8], tlv: &Tlv) -> Option<u64> {
    if tlv.tag != 0x02 {
        return None;
    }
    let content = tlv.content(buf);
    if content.is_empty() || content.len() > 9 || content[0] & 0x80 != 0 {
        return None;
    }
    let mut value: u64 = 0;
    for &octet in content {
        value = value.checked_mul(256)?.checked_add(u64::from(octet))?;
    }
    Some(value)
}

/// One DER TLV with a low-number tag (a single identifier octet) and the definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING "ab" } 00 00
        let buf = [0x30, 0x80, 0x02, 0x01, 0x05, 0x04, 0x02, b'a', b'b', 0, 0];
        let top = parse(&buf, 0).unwrap();
        assert!(top.indefinite);
        assert_eq!(top.end, buf.len());
        let kids = children(&buf, &top).unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(small_uint(&buf, &kids[0]), Some(5));
        assert_eq!(kids[1].content(&buf), b"ab");
    }

    #[test]
    fn constructed_octet_strings_are_reassembled() {
        // OCTET STRING (constructed, indefinite) { "ab", "c" } 00 00
        let buf = [0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0];
        let tlv = parse(&buf, 0).unwrap();
        assert_eq!(octet_string_value(&buf, &tlv).unwrap(), b"abc");
    }

    #[test]
    fn truncated_and_huge_lengths_are_none() {
        assert_eq!(parse(&[0x30, 0x05, 0x02], 0), None);
        assert_eq!(
            parse(
                &[0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                0
            ),
            None
        );
        assert_eq!(parse(&[0x30, 0x80, 0x02, 0x01, 0x05], 0), None);
        assert_eq!(parse(&[0x04, 0x80, 0, 0], 0), None);
    }
}
