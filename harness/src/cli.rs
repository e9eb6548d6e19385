//! Command-line definitions (clap). Bodies live in `commands.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// S/MIME and OpenPGP senders as Microsoft mail clients see them.
#[derive(Parser)]
#[command(name = "replymatrix", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Every security layer of one message, with its signatures verified.
    Inspect {
        /// The message (RFC 5322, .eml).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A certificate for verification: X.509 (PEM/DER) or OpenPGP (armored/binary).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// A key for decryption: PEM private key + certificate, or an armored OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
    },
    /// What each Microsoft client lets the recipient do with one message, and why.
    Explain {
        /// The message (RFC 5322, .eml).
        file: PathBuf,
        /// A profile name from `corpora/profiles/`, or a path to a profile TOML.
        #[arg(long)]
        profile: String,
        /// Only this client: classic-outlook, owa or new-outlook.
        #[arg(long)]
        client: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A certificate for verification: X.509 (PEM/DER) or OpenPGP (armored/binary).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// A key for decryption: PEM private key + certificate, or an armored OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// The profiles folder (for profile names).
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir().join("profiles"))]
        profiles: PathBuf,
        /// The keys folder that profiles name their certificates in.
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir().join("keys"))]
        keys_dir: PathBuf,
    },
    /// Every sample × client × profile: the main job, on the bundled corpus by default.
    Matrix {
        /// The corpora folder (samples in `senders/`, keys in `keys/`).
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir())]
        corpus: PathBuf,
        /// The profiles folder (every `*.toml` in it).
        #[arg(long)]
        profiles: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
        format: MatrixFormat,
    },
    /// The cells that changed between two `matrix --format json` exports (exit 0 either way).
    Diff {
        /// The old export.
        old: PathBuf,
        /// The new export.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// A whole mailbox (mbox, Maildir, or a folder of .eml): per message and in summary,
    /// what each client lets the recipient reply.
    Scan {
        /// An mbox file, a Maildir (with cur/ and new/), a folder searched for *.eml, or one
        /// message.
        path: PathBuf,
        /// A profile name from `corpora/profiles/`, or a path to a profile TOML.
        #[arg(long)]
        profile: String,
        /// text or json: the summary; jsonl: one line per message, in input order.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// A certificate for verification: X.509 (PEM/DER) or OpenPGP (armored/binary).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// A key for decryption: PEM private key + certificate, or an armored OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// The profiles folder (for profile names).
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir().join("profiles"))]
        profiles: PathBuf,
        /// The keys folder that profiles name their certificates in.
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir().join("keys"))]
        keys_dir: PathBuf,
    },
    /// The sample corpus (to regenerate it from its recipes: `cargo corpus-generate`).
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
}

#[derive(Subcommand)]
pub(crate) enum CorpusCommand {
    /// Inspects every sample and checks its sidecar's `expect`; exit 1 on any mismatch.
    Check {
        /// The corpora folder.
        #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir())]
        corpora: PathBuf,
    },
}

/// Output format.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Output format of `matrix`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatrixFormat {
    Text,
    Md,
    Json,
    /// One self-contained page with filters and cell details.
    Html,
}

/// Output format of `diff`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    Text,
    Md,
}

/// Output format of `scan`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScanFormat {
    Text,
    Json,
    Jsonl,
}
