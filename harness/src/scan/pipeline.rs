//! The ordered, bounded pipeline: a reader thread, worker threads, results in input order.
//!
//! Hand-written rather than a thread-pool crate: it must keep input order, bound memory by
//! batch credits (not by the mailbox) and turn a panic into one message's error record.

use std::collections::BTreeMap;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};

use super::RawMessage;
use super::record::MessageRecord;

/// How the pipeline runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Worker threads (at least 1).
    pub workers: usize,
    /// Batches between the reader and the output at most (at least 1).
    pub in_flight: usize,
    /// Most messages in one batch (at least 1). A batch also closes before it would pass
    /// [`BATCH_BYTES`], so it holds at most `batch_messages` messages and at most
    /// `max(BATCH_BYTES, the largest message)` bytes.
    pub batch_messages: usize,
}

/// Soft cap on the bytes of one batch of messages.
pub const BATCH_BYTES: usize = 1 << 20;

impl Options {
    /// `workers` threads, four batches in flight per worker, 32 messages per batch: the
    /// hand-off between threads is paid per batch, not per message.
    pub fn with_workers(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            workers,
            in_flight: workers.saturating_mul(4),
            batch_messages: 32,
        }
    }
}

impl Default for Options {
    /// One worker per core.
    fn default() -> Self {
        Self::with_workers(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// The text of a caught panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

/// Runs `process` over `messages` on `options.workers` threads and hands each result to
/// `emit` in input order. Stops early (and returns the error) when `emit` fails.
///
/// Messages travel in batches ([`Options::batch_messages`], [`BATCH_BYTES`]); a window of
/// `in_flight` batch credits bounds everything between reading and emitting.
///
/// `prepare` turns each record into what `emit` takes, on the worker that made the record:
/// whatever it drops (usually the whole record) is freed by the thread that allocated it,
/// which keeps the emitting thread off the workers' allocator arenas.
pub fn run<I, P, F, T, E>(
    messages: I,
    options: Options,
    process: P,
    prepare: F,
    mut emit: E,
) -> io::Result<()>
where
    I: Iterator<Item = RawMessage> + Send,
    P: Fn(RawMessage) -> MessageRecord + Sync,
    F: Fn(MessageRecord) -> T + Sync,
    T: Send,
    E: FnMut(T) -> io::Result<()>,
{
    let workers = options.workers.max(1);
    let in_flight = options.in_flight.max(1);
    let batch_messages = options.batch_messages.max(1);
    // Credits: the reader takes one per batch; the emitter gives it back once the batch's
    // results are written.
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        // Cannot fail: the receiver is alive and the channel has room for every credit.
        let _ = credit_tx.send(());
    }
    // (batch number, messages)
    let (work_tx, work_rx) = sync_channel::<(usize, Vec<RawMessage>)>(in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (result_tx, result_rx) = channel::<(usize, Vec<T>)>();
    let process = &process;
    let prepare = &prepare;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut messages = messages.enumerate().map(|(index, mut message)| {
                message.index = index;
                message
            });
            // A message read that did not fit in the previous batch opens the next one.
            let mut carried: Option<RawMessage> = None;
            for number in 0usize.. {
                // A batch is read only under a credit.
                if credit_rx.recv().is_err() {
                    return; // the emitter stopped
                }
                let mut batch = Vec::with_capacity(batch_messages);
                let mut bytes = 0usize;
                while batch.len() < batch_messages {
                    let Some(message) = carried.take().or_else(|| messages.next()) else {
                        break;
                    };
                    let size = message.bytes.as_ref().map_or(0, Vec::len);
                    if !batch.is_empty() && bytes.saturating_add(size) > BATCH_BYTES {
                        carried = Some(message);
                        break;
                    }
                    bytes = bytes.saturating_add(size);
                    batch.push(message);
                }
                if batch.is_empty() || work_tx.send((number, batch)).is_err() {
                    return;
                }
            }
        });
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let result_tx = result_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break, // another worker panicked while holding the lock
                    };
                    let Ok((number, batch)) = next else { break };
                    let records = batch
                        .into_iter()
                        .map(|raw| prepare(process_caught(process, raw)));
                    if result_tx.send((number, records.collect())).is_err() {
                        break;
                    }
                }
            });
        }
        // The workers hold the only receivers now: when they all stop, the reader's send
        // fails instead of blocking.
        drop(work_rx);
        drop(result_tx);
        let mut pending: BTreeMap<usize, Vec<T>> = BTreeMap::new();
        let mut next = 0usize;
        let mut outcome = Ok(());
        'results: for (number, records) in result_rx.iter() {
            pending.insert(number, records);
            while let Some(records) = pending.remove(&next) {
                for record in records {
                    if let Err(e) = emit(record) {
                        outcome = Err(e);
                        break 'results;
                    }
                }
                next = next.saturating_add(1);
                let _ = credit_tx.send(());
            }
        }
        // Dropping the credits and the results ends the reader and the workers.
        drop(credit_tx);
        drop(result_rx);
        outcome
    })
}

/// `process(raw)`, with a panic caught and turned into the message's error record.
fn process_caught<P>(process: &P, raw: RawMessage) -> MessageRecord
where
    P: Fn(RawMessage) -> MessageRecord,
{
    let (index, source) = (raw.index, raw.source.clone());
    catch_unwind(AssertUnwindSafe(|| process(raw))).unwrap_or_else(|payload| {
        MessageRecord::error(
            index,
            format!("{source}#{index}"),
            source,
            format!("panic while processing: {}", panic_text(&*payload)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn raw(source: &str, bytes: &[u8]) -> RawMessage {
        RawMessage {
            index: 0,
            source: source.to_owned(),
            bytes: Ok(bytes.to_vec()),
            full_len: bytes.len() as u64,
            truncated: false,
            item: None,
        }
    }

    /// A panicking processor costs one message, not the batch, and order is kept although
    /// later messages finish first.
    #[test]
    fn a_panic_is_one_error_line_and_order_is_kept() {
        let messages: Vec<RawMessage> = (0..200)
            .map(|i| raw(&format!("m{i}"), format!("{i}").as_bytes()))
            .collect();
        let mut seen = Vec::new();
        run(
            messages.into_iter(),
            Options {
                workers: 4,
                in_flight: 3,
                batch_messages: 4,
            },
            |raw| {
                let n: usize = String::from_utf8_lossy(raw.bytes.as_deref().unwrap_or_default())
                    .parse()
                    .unwrap_or(0);
                if n == 17 {
                    panic!("message 17 is cursed");
                }
                // Early messages take longest, so results arrive out of order.
                if n.is_multiple_of(10) {
                    std::thread::yield_now();
                }
                MessageRecord::error(raw.index, format!("id{n}"), raw.source, String::new())
            },
            |record| record,
            |record| {
                seen.push(record);
                Ok(())
            },
        )
        .expect("runs");
        assert_eq!(seen.len(), 200);
        assert!(seen.iter().enumerate().all(|(i, r)| r.index == i));
        assert!(
            seen.iter()
                .enumerate()
                .all(|(i, r)| r.source == format!("m{i}"))
        );
        let cursed = &seen[17];
        assert!(
            cursed
                .error
                .as_deref()
                .is_some_and(|e| e.contains("message 17 is cursed")),
            "{cursed:?}"
        );
        assert_eq!(cursed.id, "m17#17");
    }

    #[test]
    fn an_emit_error_stops_the_run() {
        let messages = (0..10_000).map(|i| raw(&format!("m{i}"), b""));
        let mut emitted = 0;
        let result = run(
            messages,
            Options {
                workers: 2,
                in_flight: 4,
                batch_messages: 3,
            },
            |raw| MessageRecord::error(raw.index, String::new(), raw.source, String::new()),
            |record| record,
            |_| {
                emitted += 1;
                if emitted == 5 {
                    Err(io::Error::other("closed"))
                } else {
                    Ok(())
                }
            },
        );
        assert!(result.is_err());
        assert_eq!(emitted, 5);
    }
}
