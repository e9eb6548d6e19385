//! What the test modules share: where the project's folders are, and scratch folders outside
//! the repository.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------- folders

/// The project root: the repository, one level above the `harness` package.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `corpora/`: samples (`senders/`), keys and profiles. The same folder as
/// `replymatrix::corpus::default_corpora_dir()`.
pub fn corpora() -> PathBuf {
    root().join("corpora")
}

/// `corpora/keys/`: the persona keys and certificates.
pub fn keys_dir() -> PathBuf {
    corpora().join("keys")
}

/// `snapshots/`: one insta snapshot per sample.
pub fn snapshots_dir() -> PathBuf {
    root().join("snapshots")
}

/// `tests/fixtures/`: keys and structures made for single tests (`smime/`, `openpgp/`,
/// `fuzz-regressions/`).
pub fn fixtures_dir() -> PathBuf {
    root().join("tests/fixtures")
}

// ---------------------------------------------------------------- scratch folders

/// A fresh, empty scratch folder under the system temp dir (never inside the repository),
/// removed with its contents on drop. The name carries `tag`, the process id and a counter,
/// so tests running at once in this one binary never share a folder.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replymatrix-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    /// The folder itself.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// `name` inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
