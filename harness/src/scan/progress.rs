//! The progress bar on stderr (indicatif): how much of the input was read (bytes of an mbox,
//! or files of a folder), messages done, their rate and the time left. Drawn only when stderr
//! is a terminal; piped or redirected output gets nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar over the input, advanced from the reader's counter of bytes or files read.
pub struct Progress {
    bar: ProgressBar,
    count: u64,
    done: Arc<AtomicU64>,
}

/// Messages between redraws: reading the shared counter per message would cost more than it
/// tells.
const REDRAW_EVERY: u64 = 128;

impl Progress {
    /// A bar over `total` (0: unknown, a spinner), advanced through `done`; hidden unless
    /// stderr is a terminal.
    pub fn new(done: Arc<AtomicU64>, total: u64) -> Self {
        Self::with_target(done, total, ProgressDrawTarget::stderr())
    }

    fn with_target(done: Arc<AtomicU64>, total: u64, target: ProgressDrawTarget) -> Self {
        let bar = if total == 0 {
            ProgressBar::with_draw_target(None, target)
        } else {
            ProgressBar::with_draw_target(Some(total), target)
        };
        // The templates are literals; a bad one would fail the unit test below.
        let style = if total == 0 {
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        } else {
            ProgressStyle::with_template("[{bar:30}] {percent:>3}%  {msg}  ETA {eta}")
        };
        if let Ok(style) = style {
            bar.set_style(style.progress_chars("#>-"));
        }
        Self {
            bar,
            count: 0,
            done,
        }
    }

    /// One more message done.
    pub fn tick(&mut self) {
        self.count = self.count.saturating_add(1);
        if self.count.is_multiple_of(REDRAW_EVERY) {
            self.update();
        }
    }

    fn update(&self) {
        let done = self.done.load(Ordering::Relaxed);
        // The input may grow while it is read: never past the end.
        let position = self.bar.length().map_or(done, |total| done.min(total));
        self.bar.set_position(position);
        let seconds = self.bar.elapsed().as_secs_f64().max(1e-9);
        let rate = self.count as f64 / seconds;
        self.bar
            .set_message(format!("{} messages, {rate:.0}/s", self.count));
    }

    /// Draws the final state and leaves it on screen.
    pub fn finish(&self) {
        self.update();
        self.bar.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_follows_the_share_read_and_counts_messages() {
        let done = Arc::new(AtomicU64::new(0));
        let mut progress =
            Progress::with_target(Arc::clone(&done), 200, ProgressDrawTarget::hidden());
        done.store(50, Ordering::Relaxed);
        for _ in 0..REDRAW_EVERY {
            progress.tick();
        }
        assert_eq!(progress.bar.position(), 50);
        assert!(progress.bar.message().starts_with("128 messages"));
        // Past the end (the file grew while it was read): capped at the total.
        done.store(500, Ordering::Relaxed);
        progress.finish();
        assert_eq!(progress.bar.position(), 200);
        assert!(progress.bar.is_finished());
    }

    #[test]
    fn an_unknown_total_is_a_spinner() {
        let done = Arc::new(AtomicU64::new(7));
        let progress = Progress::with_target(done, 0, ProgressDrawTarget::hidden());
        progress.finish();
        assert_eq!(progress.bar.length(), None);
        assert_eq!(progress.bar.position(), 7);
        assert_eq!(progress.bar.message(), "0 messages, 0/s");
    }
}
