//! MIME helpers: content types, part paths, the exact bytes RFC 1847 signs, and armor sniffing.
//!
//! These are the pieces the inspect stage's walker ([`crate::inspect`]) and the S/MIME
//! checks share. They know nothing of layers: they answer questions about one part's bytes.

use memchr::memmem::Finder;

use mail_parser::{MessagePart, MimeHeaders};

pub(crate) fn content_type(part: &MessagePart) -> (String, String) {
    match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or_default().to_ascii_lowercase(),
        ),
        // RFC 2045 §5.2 default.
        None => ("text".into(), "plain".into()),
    }
}

/// A Content-Type parameter, or `""` when absent.
pub(crate) fn param<'p>(part: &'p MessagePart, name: &str) -> &'p str {
    part.content_type()
        .and_then(|c| c.attribute(name))
        .unwrap_or_default()
}

pub(crate) fn part_name(part: &MessagePart) -> Option<String> {
    part.content_disposition()
        .and_then(|d| d.attribute("filename"))
        .or_else(|| part.content_type().and_then(|c| c.attribute("name")))
        .map(|s| s.trim().to_owned())
}

pub(crate) fn is_attachment(part: &MessagePart) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.is_attachment())
}

pub(crate) fn is_key_part(part: &MessagePart) -> bool {
    let (t, s) = content_type(part);
    (t == "application" && s == "pgp-keys") || PUBLIC_KEY_BEGIN.find(part.contents()).is_some()
}

/// `"2.10.1"` → `[2, 10, 1]`, so that paths sort numerically and parents before children.
pub(crate) fn path_key(path: &str) -> Vec<usize> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(usize::MAX))
        .collect()
}

pub(crate) fn child_path(path: &str, n: usize) -> String {
    if path.is_empty() {
        (n + 1).to_string()
    } else {
        format!("{path}.{}", n + 1)
    }
}

/// The raw bytes of a part, headers included.
pub(crate) fn part_raw<'r>(raw: &'r [u8], part: &MessagePart) -> &'r [u8] {
    let start = (part.offset_header as usize).min(raw.len());
    let end = (part.offset_end as usize).clamp(start, raw.len());
    &raw[start..end]
}

/// RFC 2046 §5.1.1: the first body part of a multipart entity, exactly as on the wire: from
/// the line after the first delimiter up to (not including) the line break that precedes the
/// next delimiter. This is what RFC 1847 signs.
pub fn first_body_part<'r>(entity: &'r [u8], boundary: &str) -> Option<&'r [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut start = None;
    let mut line_start = 0;
    while line_start < entity.len() {
        let line_end = entity[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| line_start + p);
        let line = &entity[line_start..line_end.unwrap_or(entity.len())];
        if line.starts_with(delimiter) && is_delimiter_rest(&line[delimiter.len()..]) {
            match start {
                None => start = line_end.map(|e| e + 1),
                Some(s) => {
                    // Strip the CRLF (or LF) that belongs to this delimiter.
                    let mut end = line_start.checked_sub(1)?;
                    if end > s && entity.get(end - 1) == Some(&b'\r') {
                        end -= 1;
                    }
                    return entity.get(s..end.max(s));
                }
            }
        }
        match line_end {
            Some(e) => line_start = e + 1,
            None => break,
        }
    }
    None
}

pub(crate) fn is_delimiter_rest(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b"--").unwrap_or(rest);
    rest.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Bare LF → CRLF (RFC 5751 §3.1.1 canonical form), leaving CRLF alone.
pub fn canonical_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Searchers for the armor header lines (RFC 9580 §6.2), built once: building one costs
/// more than searching a typical part.
pub(crate) static SIGNED_MESSAGE_BEGIN: Armor =
    Armor::new(|| Finder::new("-----BEGIN PGP SIGNED MESSAGE-----"));
pub(crate) static PUBLIC_KEY_BEGIN: Armor =
    Armor::new(|| Finder::new("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
pub(crate) static MESSAGE_BEGIN: Armor = Armor::new(|| Finder::new("-----BEGIN PGP MESSAGE-----"));
pub(crate) static SIGNATURE_BEGIN: Armor =
    Armor::new(|| Finder::new("-----BEGIN PGP SIGNATURE-----"));
pub(crate) type Armor = std::sync::LazyLock<Finder<'static>>;

/// Whether only whitespace surrounds the armored block that starts with `begin`.
pub(crate) fn armor_is_whole(text: &[u8], begin: &[u8]) -> bool {
    let trimmed = text.trim_ascii();
    trimmed.starts_with(begin) && trimmed.ends_with(b"-----") && {
        let end_marker: &[u8] = if begin.ends_with(b"SIGNED MESSAGE-----") {
            b"-----END PGP SIGNATURE-----"
        } else {
            b"-----END PGP MESSAGE-----"
        };
        trimmed.ends_with(end_marker)
    }
}

pub(crate) fn looks_like_pgp_message(bytes: &[u8]) -> bool {
    if MESSAGE_BEGIN.find(bytes).is_some() {
        return true;
    }
    // Binary: the first packet is a PKESK (tag 1) or SKESK (tag 3) (RFC 9580 §4.2).
    packet_tag(bytes).is_some_and(|t| t == 1 || t == 3)
}

pub(crate) fn looks_like_pgp_signature(bytes: &[u8]) -> bool {
    SIGNATURE_BEGIN.find(bytes).is_some() || packet_tag(bytes) == Some(2)
}

pub(crate) fn packet_tag(bytes: &[u8]) -> Option<u8> {
    let &ctb = bytes.first()?;
    if ctb & 0x80 == 0 {
        return None;
    }
    Some(if ctb & 0x40 != 0 {
        ctb & 0x3f
    } else {
        (ctb >> 2) & 0x0f
    })
}

pub(crate) fn looks_like_mime_entity(bytes: &[u8]) -> bool {
    let head_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| bytes.windows(2).position(|w| w == b"\n\n"));
    let head = &bytes[..head_end
        .unwrap_or(bytes.len())
        .min(bytes.len())
        .min(16 * 1024)];
    head.to_ascii_lowercase()
        .windows(13)
        .any(|w| w == b"content-type:")
}

/// Why `bytes` is not an e-mail message, or `None` when it may be one. Not a message: empty
/// input (or only white space); binary input (a NUL or a control character other than tab,
/// CR, LF and form feed in the header block, the bytes before the first blank line, at most
/// 64 KiB); input with no header field (`Name: value`, the name in printable ASCII,
/// RFC 5322 §2.2) anywhere in its first 64 KiB. A message with a damaged header still has
/// some header field and is inspected as far as it goes.
pub fn not_a_message(bytes: &[u8]) -> Option<String> {
    const WINDOW: usize = 64 * 1024;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Some(if bytes.is_empty() {
            "the input is empty".to_owned()
        } else {
            "the input holds only white space".to_owned()
        });
    }
    let window = &bytes[..bytes.len().min(WINDOW)];
    let header_end = window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| window.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(window.len());
    if let Some(at) = window[..header_end]
        .iter()
        .position(|b| (*b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c)) || *b == 0x7f)
    {
        let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return Some(format!(
            "the input is binary (byte {at} is 0x{:02x}; it starts {}), not an RFC 5322 message",
            window[at],
            shown.join(" ")
        ));
    }
    let header_field = |line: &[u8]| {
        let name = line
            .iter()
            .position(|b| !(33..=126).contains(b) || *b == b':')
            .unwrap_or(line.len());
        name > 0
            && line[name..]
                .iter()
                .find(|b| **b != b' ' && **b != b'\t')
                .is_some_and(|b| *b == b':')
    };
    if !window.split(|b| *b == b'\n').any(header_field) {
        return Some(
            "the input has no header field (`Name: value`) in its first 64 KiB, so it is not \
             an RFC 5322 message"
                .to_owned(),
        );
    }
    None
}

pub(crate) fn find_eo_link(lower: &str) -> Option<String> {
    let mut rest = lower;
    while let Some(at) = rest.find("https://") {
        let url: String = rest[at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | ')'))
            .collect();
        let host = url
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or_default();
        if (host.ends_with("proton.me") || host.ends_with("protonmail.com")) && url.contains("/eo/")
        {
            return Some(url);
        }
        rest = &rest[at + 8..];
    }
    None
}

pub(crate) fn micalg_matches(micalg: &str, digest: crate::facts::Digest) -> bool {
    use crate::facts::Digest::*;
    let m = micalg.trim().to_ascii_lowercase();
    let m = m.strip_prefix("pgp-").unwrap_or(&m);
    let expected: &[&str] = match digest {
        Md5 => &["md5", "1.2.840.113549.2.5"],
        Sha1 => &["sha1", "sha-1", "1.3.14.3.2.26"],
        Sha224 => &["sha224", "sha-224", "2.16.840.1.101.3.4.2.4"],
        Sha256 => &["sha256", "sha-256", "2.16.840.1.101.3.4.2.1"],
        Sha384 => &["sha384", "sha-384", "2.16.840.1.101.3.4.2.2"],
        Sha512 => &["sha512", "sha-512", "2.16.840.1.101.3.4.2.3"],
        Sha3_256 => &["sha3-256", "2.16.840.1.101.3.4.2.8"],
        Sha3_512 => &["sha3-512", "2.16.840.1.101.3.4.2.10"],
        Shake256 => &["shake256", "2.16.840.1.101.3.4.2.12"],
    };
    m.split(',').any(|one| expected.contains(&one.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_body_part_is_exact_rfc1847_content() {
        let entity = b"Content-Type: multipart/signed; boundary=b\r\n\r\npreamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\r\n--b\r\nsig\r\n--b--\r\n";
        assert_eq!(
            first_body_part(entity, "b"),
            Some(&b"Content-Type: text/plain\r\n\r\nhi\r\n"[..])
        );
        let lf = b"--b\nA: 1\n\nx\n--b\ns\n--b--\n";
        assert_eq!(first_body_part(lf, "b"), Some(&b"A: 1\n\nx"[..]));
        assert_eq!(first_body_part(b"--b\r\nno end", "b"), None);
        // A line that merely starts with the delimiter is not one.
        let tricky = b"--b\r\nx\r\n--bb\r\ny\r\n--b--\r\n";
        assert_eq!(first_body_part(tricky, "b"), Some(&b"x\r\n--bb\r\ny"[..]));
    }

    #[test]
    fn canonical_crlf_converts_only_bare_lf() {
        assert_eq!(canonical_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn micalg_spellings() {
        use crate::facts::Digest;
        assert!(micalg_matches("2.16.840.1.101.3.4.2.1", Digest::Sha256));
        assert!(micalg_matches("pgp-sha512", Digest::Sha512));
        assert!(micalg_matches("SHA1", Digest::Sha1));
        assert!(!micalg_matches("sha-256", Digest::Sha1));
    }

    #[test]
    fn packet_tags() {
        assert_eq!(packet_tag(&[0x85, 0x01]), Some(1)); // old format PKESK
        assert_eq!(packet_tag(&[0xc1, 0x01]), Some(1)); // new format PKESK
        assert_eq!(packet_tag(&[0x89]), Some(2));
        assert_eq!(packet_tag(b"-"), None);
    }
}
