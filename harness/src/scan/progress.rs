//! The progress bar on stderr.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A one-line progress bar on stderr, only when stderr is a terminal: how much of the input
/// was read (bytes of an mbox, or files), messages done and their rate.
pub struct Progress {
    enabled: bool,
    started: Instant,
    count: usize,
    done: Arc<AtomicU64>,
    total: u64,
}

/// Width of the bar, in characters.
const BAR_WIDTH: u64 = 30;

impl Progress {
    /// A bar over `total` (0: unknown), advanced through `done`; hidden unless stderr is a
    /// terminal.
    pub fn new(done: Arc<AtomicU64>, total: u64) -> Self {
        Self {
            enabled: io::stderr().is_terminal(),
            started: Instant::now(),
            count: 0,
            done,
            total,
        }
    }

    /// One more message done.
    pub fn tick(&mut self) {
        self.count = self.count.saturating_add(1);
        if self.enabled && self.count.is_multiple_of(128) {
            self.draw();
        }
    }

    /// The bar's text.
    fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        let rate = self.count as f64 / seconds;
        if self.total == 0 {
            return format!("{} messages, {rate:.0}/s", self.count);
        }
        let done = self.done.load(Ordering::Relaxed).min(self.total);
        let filled = done.saturating_mul(BAR_WIDTH) / self.total;
        let percent = done.saturating_mul(100) / self.total;
        format!(
            "[{}{}] {percent:>3}%  {} messages, {rate:.0}/s",
            "#".repeat(usize::try_from(filled).unwrap_or(0)),
            "-".repeat(usize::try_from(BAR_WIDTH.saturating_sub(filled)).unwrap_or(0)),
            self.count
        )
    }

    fn draw(&self) {
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{} ", self.line());
        let _ = err.flush();
    }

    /// Draws the final state and ends the line.
    pub fn finish(&self) {
        if self.enabled {
            self.draw();
            let _ = writeln!(io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_shows_the_share_read() {
        let done = Arc::new(AtomicU64::new(50));
        let mut progress = Progress::new(Arc::clone(&done), 200);
        progress.count = 7;
        let line = progress.line();
        assert!(line.starts_with("[#######-----"), "{line}");
        assert!(line.contains(" 25%  7 messages"), "{line}");
        done.store(500, Ordering::Relaxed); // past the end (the file grew): capped
        assert!(progress.line().contains("100%"));
        assert!(Progress::new(done, 0).line().starts_with("0 messages"));
    }
}
