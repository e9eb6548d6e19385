//! Byte-level helpers for the OpenPGP corpus: CRLF text, quoted-printable, base64 lines,
//! ASCII armor, RFC 5322 dates and "random-looking" tokens derived from a sample id.
//!
//! Everything here is a pure function of its inputs, so a regenerated signed sample is
//! byte-identical (brief: "derive random-looking boundaries and ids from a hash of the
//! sample id").

use base64::Engine as _;
use sha2::Digest as _;

/// Converts `\n` line ends to CRLF (RFC 5322 §2.1: lines end in CRLF on the wire).
/// Input must not already contain `\r`.
pub(crate) fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// `n` bytes derived from `seed` and `label` with SHA-256 in counter mode.
pub(crate) fn derived_bytes(seed: &str, label: &str, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut counter: u32 = 0;
    while out.len() < n {
        let mut h = sha2::Sha256::new();
        h.update(seed.as_bytes());
        h.update([0u8]);
        h.update(label.as_bytes());
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter = counter.wrapping_add(1);
    }
    out.truncate(n);
    out
}

/// `n` lower-case hex digits derived from `seed` and `label`.
pub(crate) fn hex_token(seed: &str, label: &str, n: usize) -> String {
    let bytes = derived_bytes(seed, label, n.div_ceil(2));
    let mut s: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    s.truncate(n);
    s
}

/// `n` characters from `alphabet` derived from `seed` and `label`.
pub(crate) fn alnum_token(seed: &str, label: &str, n: usize, alphabet: &[u8]) -> String {
    derived_bytes(seed, label, n)
        .iter()
        .map(|b| {
            // alphabet is a non-empty constant at every call site; modulo keeps it in range.
            let i = usize::from(*b) % alphabet.len().max(1);
            char::from(alphabet.get(i).copied().unwrap_or(b'x'))
        })
        .collect()
}

/// Letters and digits, as Thunderbird's boundary generator uses.
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// URL-safe base64 with padding of `n` derived bytes (Proton's Message-ID token: 80 bytes
/// give the 108-character token ending in `=` of sender-formats P1).
pub(crate) fn b64url_token(seed: &str, label: &str, n: usize) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(derived_bytes(seed, label, n))
}

/// A UUID-shaped upper-case token (Apple Mail boundaries and Message-IDs).
pub(crate) fn uuid_token(seed: &str, label: &str) -> String {
    // Invariant: hex_token returns exactly 32 ASCII hex digits, so the slices are in range.
    let h = hex_token(seed, label, 32).to_uppercase();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Base64 in lines of 76 characters joined by CRLF, with a final CRLF (RFC 2045 §6.8).
pub(crate) fn base64_lines(data: &[u8]) -> String {
    wrap_ascii(&base64::engine::general_purpose::STANDARD.encode(data), 76)
}

/// Splits ASCII text into lines of `width` characters, each followed by CRLF.
pub(crate) fn wrap_ascii(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / width * 2 + 2);
    let bytes = s.as_bytes();
    for chunk in bytes.chunks(width.max(1)) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7) of CRLF text: hard line breaks stay CRLF, `=` and
/// non-ASCII are escaped, trailing space/tab before a line break is escaped, lines are
/// soft-broken at 76 characters. No final CRLF is added beyond those in `text`.
pub(crate) fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.split("\r\n").collect();
    for (i, line) in lines.iter().enumerate() {
        let bytes = line.as_bytes();
        let mut col = 0usize;
        for (j, &b) in bytes.iter().enumerate() {
            let last = j + 1 == bytes.len();
            let needs_escape = b == b'='
                || (!(0x20..0x7f).contains(&b) && b != b'\t')
                || ((b == b' ' || b == b'\t') && last);
            let enc = if needs_escape {
                format!("={b:02X}")
            } else {
                char::from(b).to_string()
            };
            // Keep room for the soft break "=" (75 + "=" = 76).
            if col + enc.len() > 75 {
                out.push_str("=\r\n");
                col = 0;
            }
            out.push_str(&enc);
            col += enc.len();
        }
        if i + 1 < lines.len() {
            out.push_str("\r\n");
        }
    }
    out
}

/// CRC-24 of RFC 4880 §6.1.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0xB704CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// ASCII armor (RFC 4880 §6.2) with CRLF lines, 64-character base64 lines, the given
/// armor headers, and the CRC-24 checksum line. `label` is e.g. `PGP SIGNATURE`.
pub(crate) fn armor(label: &str, headers: &[(&str, &str)], data: &[u8]) -> String {
    let mut out = format!("-----BEGIN {label}-----\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&wrap_ascii(
        &base64::engine::general_purpose::STANDARD.encode(data),
        64,
    ));
    let crc = crc24(data).to_be_bytes();
    out.push('=');
    out.push_str(&base64::engine::general_purpose::STANDARD.encode(&crc[1..4]));
    out.push_str("\r\n");
    out.push_str(&format!("-----END {label}-----\r\n"));
    out
}

/// Unix time of a UTC civil date-time (proleptic Gregorian; days-from-civil algorithm).
pub(crate) fn unix_time(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    let (y, mo) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * i64::from(mo) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)
}

/// A fixed instant: UTC civil time plus the sender's zone offset for the Date header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Instant {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
}

impl Instant {
    /// Seconds since the epoch.
    pub(crate) fn unix(self) -> i64 {
        unix_time(self.y, self.mo, self.d, self.h, self.mi, self.s)
    }

    /// RFC 5322 §3.3 date in the given offset (minutes east of UTC). `pad_day` writes
    /// `05 May` (Proton, Exchange) instead of `5 May` (Thunderbird, Apple Mail).
    pub(crate) fn rfc5322(self, offset_minutes: i64, pad_day: bool) -> String {
        let t = self.unix() + offset_minutes * 60;
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let (y, mo, d) = civil_from_days(days);
        const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MON: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let wd = WD
            .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
            .unwrap_or(&"Thu");
        let mon = MON
            .get(usize::try_from(mo.saturating_sub(1)).unwrap_or(0))
            .unwrap_or(&"Jan");
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let off = offset_minutes.abs();
        let day = if pad_day {
            format!("{d:02}")
        } else {
            format!("{d}")
        };
        format!(
            "{wd}, {day} {mon} {y} {:02}:{:02}:{:02} {sign}{:02}{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            off / 60,
            off % 60
        )
    }
}

/// Inverse of the days-from-civil algorithm: (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_right() {
        let i = Instant {
            y: 2026,
            mo: 5,
            d: 1,
            h: 0,
            mi: 0,
            s: 0,
        };
        assert_eq!(i.unix(), 1_777_593_600);
        assert_eq!(i.rfc5322(0, true), "Fri, 01 May 2026 00:00:00 +0000");
        assert_eq!(i.rfc5322(120, false), "Fri, 1 May 2026 02:00:00 +0200");
        assert_eq!(unix_time(2025, 1, 1, 0, 0, 0), 1_735_689_600);
    }

    #[test]
    fn qp_escapes_and_wraps() {
        assert_eq!(quoted_printable("a=b \r\nc"), "a=3Db=20\r\nc");
        assert_eq!(quoted_printable("\u{2014}"), "=E2=80=94");
        let long = "x".repeat(100);
        let enc = quoted_printable(&long);
        assert!(enc.split("\r\n").all(|l| l.len() <= 76));
    }

    #[test]
    fn crc24_matches_rfc_example() {
        // CRC-24 of the empty string is the init value.
        assert_eq!(crc24(b""), 0xB704CE);
    }
}
