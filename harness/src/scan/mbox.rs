//! A streaming mbox reader: one message at a time from any [`BufRead`], never the whole file.
//!
//! Format: RFC 4155 (`application/mbox`). Each message starts with a `From ` separator line;
//! a separator is recognised at the start of the input or after an empty line, the way
//! mboxo/mboxrd writers emit them (they end every message with an empty line). Body lines
//! that were escaped on write are un-escaped the mboxrd way: one `>` is removed from any
//! line matching `^>+From ` (this is also right for mboxo, whose writers only escape
//! `From ` to `>From `; a literal `>From ` in an mboxo body is ambiguous in the format
//! itself). The empty line that ends a message belongs to the mbox framing and is removed.
//!
//! Memory: the reader holds one message (cut at `max_message_bytes`) plus the start of the
//! current line; a line longer than what the message may still take is consumed from the
//! underlying reader in pieces and its excess discarded, so neither a huge message nor a
//! line without a newline grows the buffers beyond that bound. [`MboxReader::peak_held`]
//! reports the most bytes it ever held, for tests.

use std::io::{self, BufRead};

/// Bytes of each line always kept, whatever the message budget: enough to recognise
/// `From ` and `>>>…From ` escapes.
const LINE_HEAD: usize = 64;

/// One message read from an mbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MboxMessage {
    /// Byte offset of its `From ` separator line in the input (0 when the input did not
    /// start with one).
    pub offset: u64,
    /// The message, un-escaped, without the separator line and the closing empty line; cut
    /// at the reader's limit.
    pub bytes: Vec<u8>,
    /// The message's length before any cut (after un-escaping).
    pub full_len: u64,
    /// Whether `bytes` was cut at the limit.
    pub truncated: bool,
}

/// Reads an mbox message by message.
pub struct MboxReader<R> {
    inner: R,
    max_message_bytes: usize,
    /// Bytes consumed from `inner` so far.
    position: u64,
    /// The separator that starts the next message, already consumed.
    next_offset: Option<u64>,
    /// Whether the previous line was empty (a separator may follow).
    previous_blank: bool,
    at_start: bool,
    finished: bool,
    peak_held: usize,
}

/// One line as read: what was kept and how long it really was.
struct LineRead {
    /// Length of the line on the wire, newline included.
    full_len: usize,
}

impl<R: BufRead> MboxReader<R> {
    /// A reader that cuts any message at `max_message_bytes`.
    pub fn new(inner: R, max_message_bytes: usize) -> Self {
        Self {
            inner,
            max_message_bytes,
            position: 0,
            next_offset: None,
            previous_blank: false,
            at_start: true,
            finished: false,
            peak_held: 0,
        }
    }

    /// Bytes consumed from the input so far.
    pub fn bytes_read(&self) -> u64 {
        self.position
    }

    /// The most bytes held at once (the message with its current line).
    pub fn peak_held(&self) -> usize {
        self.peak_held
    }

    /// Appends the next line to `dest`, keeping at most `keep` bytes of it (the rest is
    /// consumed and dropped). `None` at end of input.
    fn read_line(&mut self, dest: &mut Vec<u8>, keep: usize) -> io::Result<Option<LineRead>> {
        let start = dest.len();
        let mut full_len = 0usize;
        loop {
            let buffer = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                break;
            }
            let (take, done) = match buffer.iter().position(|&b| b == b'\n') {
                Some(i) => (i.saturating_add(1), true),
                None => (buffer.len(), false),
            };
            let kept = dest.len().saturating_sub(start);
            let room = keep.saturating_sub(kept).min(take);
            dest.extend_from_slice(buffer.get(..room).unwrap_or_default());
            self.inner.consume(take);
            full_len = full_len.saturating_add(take);
            if done {
                break;
            }
        }
        self.position = self.position.saturating_add(full_len as u64);
        Ok((full_len > 0).then_some(LineRead { full_len }))
    }

    /// The next message, `None` at the end of the input.
    pub fn next_message(&mut self) -> io::Result<Option<MboxMessage>> {
        if self.finished {
            return Ok(None);
        }
        let mut offset = self.next_offset.take();
        // The message so far, then the current line (at most `LINE_HEAD` bytes past the
        // limit), in one buffer: nothing is held twice.
        let mut bytes: Vec<u8> = Vec::new();
        let mut full_len: u64 = 0;
        let mut truncated = false;
        // Length of the empty line the kept bytes end with (the framing to remove), or 0.
        let mut trailing_blank: usize = 0;
        loop {
            let start = bytes.len();
            let budget = self.max_message_bytes.saturating_sub(start);
            let line_start = self.position;
            let Some(line) = self.read_line(&mut bytes, budget.saturating_add(LINE_HEAD))? else {
                self.finished = true;
                break;
            };
            self.peak_held = self.peak_held.max(bytes.len());
            let text = bytes.get(start..).unwrap_or_default();
            let separator = (self.at_start || self.previous_blank) && text.starts_with(b"From ");
            let blank = matches!(text, b"\n" | b"\r\n");
            // mboxrd: `>From ` → `From `, `>>From ` → `>From `...
            let quotes = text.iter().take_while(|&&b| b == b'>').count();
            let escaped = quotes > 0
                && text
                    .get(quotes..)
                    .is_some_and(|rest| rest.starts_with(b"From "));
            if separator {
                bytes.truncate(start);
                self.at_start = false;
                self.previous_blank = false;
                if offset.is_none() && start == 0 && full_len == 0 {
                    // The first separator of the input: this message starts here.
                    offset = Some(line_start);
                    continue;
                }
                self.next_offset = Some(line_start);
                break;
            }
            if self.at_start {
                // Input not starting with `From `: the first message starts at offset 0.
                self.at_start = false;
                offset = Some(0);
            }
            self.previous_blank = blank;
            if escaped {
                bytes.remove(start);
            }
            let line_len = line.full_len.saturating_sub(usize::from(escaped));
            full_len = full_len.saturating_add(line_len as u64);
            let kept = bytes.len().saturating_sub(start);
            if bytes.len() > self.max_message_bytes || line_len > kept {
                truncated = true;
                bytes.truncate(self.max_message_bytes);
            }
            trailing_blank = if blank && !truncated { kept } else { 0 };
        }
        let Some(offset) = offset else {
            return Ok(None);
        };
        if trailing_blank > 0 {
            bytes.truncate(bytes.len().saturating_sub(trailing_blank));
            full_len = full_len.saturating_sub(trailing_blank as u64);
        }
        Ok(Some(MboxMessage {
            offset,
            bytes,
            full_len,
            truncated,
        }))
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_message() {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => None,
            Err(e) => {
                // An I/O error ends the mailbox: report it once.
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn read_all(input: &[u8], capacity: usize, limit: usize) -> (Vec<MboxMessage>, usize) {
        let mut reader = MboxReader::new(BufReader::with_capacity(capacity, input), limit);
        let mut out = Vec::new();
        while let Some(m) = reader.next_message().expect("in-memory read") {
            out.push(m);
        }
        (out, reader.peak_held())
    }

    #[test]
    fn splits_on_separators_after_blank_lines_and_unescapes_mboxrd() {
        let mbox = b"From a@x Thu Jan  1 00:00:00 2026\nSubject: one\n\n>From here\n>>From there\nFrom inside a paragraph\n\nFrom b@x Thu Jan  1 00:00:00 2026\nSubject: two\n\nbody\n\n";
        let (messages, _) = read_all(mbox, 8, 1 << 20);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0].bytes,
            b"Subject: one\n\nFrom here\n>From there\nFrom inside a paragraph\n".to_vec()
        );
        assert_eq!(messages[0].offset, 0);
        assert_eq!(messages[1].bytes, b"Subject: two\n\nbody\n".to_vec());
        assert_eq!(
            &mbox[messages[1].offset as usize..][..7],
            b"From b@",
            "the offset points at the separator"
        );
        assert!(messages.iter().all(|m| !m.truncated));
    }

    #[test]
    fn an_empty_message_is_still_a_message() {
        let mbox = b"From a\n\nFrom b\nSubject: x\n\nhi\n";
        let (messages, _) = read_all(mbox, 4, 1024);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].bytes, b"".to_vec());
        assert_eq!(messages[1].bytes, b"Subject: x\n\nhi\n".to_vec());
    }

    #[test]
    fn crlf_framing_is_removed_too() {
        let mbox = b"From a\r\nSubject: x\r\n\r\nhi\r\n\r\nFrom b\r\nSubject: y\r\n\r\n";
        let (messages, _) = read_all(mbox, 16, 1024);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].bytes, b"Subject: x\r\n\r\nhi\r\n".to_vec());
        assert_eq!(messages[1].bytes, b"Subject: y\r\n".to_vec());
    }

    #[test]
    fn input_without_a_separator_is_one_message_at_offset_zero() {
        let (messages, _) = read_all(b"Subject: x\n\nbody\n", 4, 1024);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].offset, 0);
        assert_eq!(messages[0].bytes, b"Subject: x\n\nbody\n".to_vec());
        assert!(read_all(b"", 4, 1024).0.is_empty());
    }

    /// A message far larger than the reader's buffer is read whole, and the reader never
    /// holds more than that one message plus one line head.
    #[test]
    fn a_message_larger_than_the_buffer_is_held_alone() {
        let line = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
        let mut big = b"Subject: big\n\n".to_vec();
        for _ in 0..1_000 {
            big.extend_from_slice(line);
        }
        let mut mbox = b"From a\nSubject: small\n\nx\n\n".to_vec();
        for _ in 0..5 {
            mbox.extend_from_slice(b"From b\n");
            mbox.extend_from_slice(&big);
            mbox.extend_from_slice(b"\n");
        }
        mbox.extend_from_slice(b"From c\nSubject: last\n\ny\n");
        let (messages, peak) = read_all(&mbox, 64, 1 << 20);
        assert_eq!(messages.len(), 7);
        assert!(messages[1..6].iter().all(|m| m.bytes == big));
        assert_eq!(messages[6].bytes, b"Subject: last\n\ny\n".to_vec());
        assert!(
            big.len() > 64 * 100,
            "the message is much larger than the buffer"
        );
        assert!(
            peak <= big.len() + LINE_HEAD + line.len(),
            "peak {peak} for a largest message of {}",
            big.len()
        );
        assert!(peak < mbox.len() / 4, "never more than one message");
    }

    /// Over the limit, the message is cut, marked, and the next message is still found:
    /// memory stays at the limit, however long the message or its lines.
    #[test]
    fn a_message_over_the_limit_is_cut_and_the_next_one_found() {
        let mut mbox = b"From a\nSubject: huge\n\n".to_vec();
        mbox.extend(std::iter::repeat_n(b'x', 100_000)); // one line without end in sight
        mbox.extend_from_slice(b"\n");
        for _ in 0..100 {
            mbox.extend_from_slice(b"more body lines\n");
        }
        mbox.extend_from_slice(b"\nFrom b\nSubject: next\n\nok\n");
        let (messages, peak) = read_all(&mbox, 32, 1_000);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].truncated);
        assert_eq!(messages[0].bytes.len(), 1_000);
        assert!(messages[0].full_len > 100_000);
        assert!(!messages[1].truncated);
        assert_eq!(messages[1].bytes, b"Subject: next\n\nok\n".to_vec());
        assert!(peak <= 1_000 + LINE_HEAD, "peak {peak}");
    }
}
