//! MIME text helpers: CRLF lines, 76-column base64, deterministic ids and dates derived from
//! the sample id (corpus brief: fixed Date, Message-ID and boundaries, derived from a hash).

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// Joins lines with CRLF, adding a final CRLF.
pub(crate) fn lines(ls: &[&str]) -> String {
    let mut out = String::new();
    for l in ls {
        out.push_str(l);
        out.push_str("\r\n");
    }
    out
}

/// Base64 in 76-character lines joined by CRLF, without a final CRLF (RFC 2045 §6.8).
pub(crate) fn base64_lines(data: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(text.len() + text.len() / 38);
    for (i, chunk) in text.as_bytes().chunks(76).enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&String::from_utf8_lossy(chunk));
    }
    out
}

/// Plain base64 (no line breaks).
pub(crate) fn base64_flat(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// 32 bytes derived from the sample id and a purpose.
pub(crate) fn hash(id: &str, purpose: &str) -> [u8; 32] {
    Sha256::digest(format!("replymatrix {purpose} {id}").as_bytes()).into()
}

/// Upper-case hex of `n` bytes of the hash.
pub(crate) fn hex_upper(id: &str, purpose: &str, n: usize) -> String {
    hash(id, purpose)
        .iter()
        .take(n)
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Lower-case hex of `n` bytes of the hash.
pub(crate) fn hex_lower(id: &str, purpose: &str, n: usize) -> String {
    hex_upper(id, purpose, n).to_lowercase()
}

/// A UUID-shaped upper-case string from the hash.
pub(crate) fn uuid_upper(id: &str, purpose: &str) -> String {
    let h = hex_upper(id, purpose, 16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fixed moment in May 2026 for one sample.
#[derive(Clone, Copy, Debug)]
pub(crate) struct When {
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl When {
    /// Derived from the sample id: 2026-05-04..28, 08:00–16:59, seconds ≥ 5.
    pub(crate) fn of(id: &str) -> Self {
        let h = hash(id, "date");
        Self {
            day: 4 + h[0] % 25,
            hour: 8 + h[1] % 9,
            minute: h[2] % 60,
            second: 5 + h[3] % 55,
        }
    }

    /// RFC 5322 date, UTC (`+0000`, as Exchange Online stamps it).
    pub(crate) fn rfc5322(self) -> String {
        // 2026-05-01 is a Friday.
        const DAYS: [&str; 7] = ["Fri", "Sat", "Sun", "Mon", "Tue", "Wed", "Thu"];
        let dow = DAYS[usize::from(self.day.saturating_sub(1)) % 7];
        format!(
            "{dow}, {} May 2026 {:02}:{:02}:{:02} +0000",
            self.day, self.hour, self.minute, self.second
        )
    }

    /// CMS signingTime, UTCTime `YYMMDDHHMMSSZ`, a few seconds before the Date header.
    pub(crate) fn signing_time(self) -> String {
        format!(
            "2605{:02}{:02}{:02}{:02}Z",
            self.day,
            self.hour,
            self.minute,
            self.second.saturating_sub(3)
        )
    }
}

/// Classic Outlook's boundary, `----=_NextPart_<level>_<counter>_<FILETIME hi>.<lo>`
/// (sender-formats O1).
pub(crate) fn outlook_boundary(id: &str, level: u8) -> String {
    let h = hex_upper(id, "boundary", 6);
    format!(
        "----=_NextPart_{level:03}_{:04X}_01DC{}.{}",
        level,
        &h[0..4],
        &h[4..12]
    )
}

/// Outlook's Thread-Index: base64 of 22 bytes starting `01 01 DC …` (`AQHc…`).
pub(crate) fn thread_index(id: &str) -> String {
    let h = hash(id, "thread-index");
    let mut bytes = vec![0x01, 0x01, 0xDC];
    bytes.extend_from_slice(&h[..19]);
    base64_flat(&bytes)
}

/// An Exchange Online Message-ID.
pub(crate) fn exchange_message_id(id: &str) -> String {
    let h = hash(id, "server");
    let server = format!(
        "DM6PR11MB{}",
        h.iter()
            .take(4)
            .map(|b| char::from(b'0' + b % 10))
            .collect::<String>()
    );
    format!(
        "<{server}{}@{server}.namprd11.prod.outlook.com>",
        hex_upper(id, "message-id", 14)
    )
}

/// Soft-wraps one already quoted-printable-encoded line at 76 characters with `=` soft line
/// breaks (RFC 2045 §6.7 rule 5), never splitting an `=XX` escape.
pub(crate) fn qp_soft_wrap(line: &str) -> String {
    // Encoded quoted-printable is ASCII; anything else is returned untouched rather than cut
    // inside a UTF-8 sequence.
    if !line.is_ascii() {
        return line.to_owned();
    }
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut start = 0;
    while bytes.len() - start > 76 {
        let mut cut = start + 75;
        // Do not split "=XX": back up when the cut falls inside an escape.
        for back in 1..=2 {
            if bytes.get(cut - back) == Some(&b'=') {
                cut -= back;
                break;
            }
        }
        out.push_str(&line[start..cut]);
        out.push_str("=\r\n");
        start = cut;
    }
    out.push_str(&line[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qp_lines_stay_within_76_and_keep_escapes_whole() {
        let line = format!("{}=3D{}", "a".repeat(73), "b".repeat(100));
        let wrapped = qp_soft_wrap(&line);
        for l in wrapped.split("\r\n") {
            assert!(l.len() <= 76, "{l}");
        }
        assert!(wrapped.contains("=3D"));
        assert_eq!(wrapped.replace("=\r\n", ""), line);
    }

    #[test]
    fn base64_lines_are_76_wide() {
        let text = base64_lines(&[0u8; 200]);
        assert!(text.split("\r\n").all(|l| l.len() <= 76));
        assert_eq!(text.split("\r\n").next().map(str::len), Some(76));
    }

    #[test]
    fn dates_are_in_may_2026_with_signing_time_before_date() {
        let w = When::of("outlook/clear-signed-sha256");
        assert!((4..=28).contains(&w.day));
        assert!(w.rfc5322().contains("May 2026"));
        assert!(w.signing_time().starts_with("2605"));
        // 2026-05-04 is a Monday.
        assert!(
            When {
                day: 4,
                hour: 9,
                minute: 0,
                second: 9
            }
            .rfc5322()
            .starts_with("Mon, 4 May")
        );
    }
}
