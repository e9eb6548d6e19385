//! Command-line definitions (clap). Bodies live in `commands.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// S/MIME and OpenPGP senders as Microsoft mail clients see them.
#[derive(Parser)]
#[command(name = "replymatrix", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// The password of PKCS#12 (.p12/.pfx) `--key` files; default: the REPLYMATRIX_PASSWORD
    /// environment variable (safer: a command line is visible to other users). Never printed.
    #[arg(
        long,
        global = true,
        value_name = "PASSWORD",
        hide_default_value = true
    )]
    pub password: Option<String>,
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
        /// A key for decryption: PEM private key + certificate, PKCS#12 (.p12/.pfx, with
        /// --password), or an OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
    },
    /// What each Microsoft client lets the recipient do with one message, and why.
    Explain {
        /// The message (RFC 5322, .eml).
        file: PathBuf,
        /// A bundled profile's name (seed-tenant, seed-tenant-local-cert, smime-tenant,
        /// smime-tenant-external-contact, smime-tenant-mobile, gpgol-workstation), or the path of your own profile
        /// TOML (the files it names are looked up beside it).
        #[arg(long)]
        profile: String,
        /// Only this client: classic-outlook, owa, new-outlook, outlook-mobile or outlook-mac.
        #[arg(long)]
        client: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A certificate for verification: X.509 (PEM/DER) or OpenPGP (armored/binary).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// A key for decryption: PEM private key + certificate, PKCS#12 (.p12/.pfx, with
        /// --password), or an OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// Look profile names up in this folder instead of the bundled profiles.
        #[arg(long, value_name = "DIR")]
        profiles: Option<PathBuf>,
        /// Look the files a profile names up in this folder (after the profile's own folder)
        /// instead of the bundled persona keys.
        #[arg(long, value_name = "DIR")]
        keys_dir: Option<PathBuf>,
    },
    /// Every sample × client × profile: the main job, on the project's corpus (the nearest
    /// `corpora/` here or above) by default.
    Matrix {
        /// The corpora folder (samples in `senders/`, keys in `keys/`, profiles in
        /// `profiles/`); default: the nearest `corpora/` here or above.
        #[arg(long, visible_alias = "corpus", value_name = "DIR")]
        corpora: Option<PathBuf>,
        /// The profiles folder (every `*.toml` in it); default: the corpora's `profiles/`.
        #[arg(long, value_name = "DIR")]
        profiles: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
        format: MatrixFormat,
        /// JSON and HTML: add the remedies of every `no` and `partial` reply (what would
        /// make it work; the search over every cell takes seconds, and the export grows
        /// several times over). `explain` always shows them.
        #[arg(long)]
        remedies: bool,
    },
    /// What changed between two `matrix --format json` exports: every field of every cell,
    /// cells with the same change grouped (exit 0 either way).
    Diff {
        /// The old export.
        old: PathBuf,
        /// The new export.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// A whole mailbox (mbox, Maildir, a folder of .eml/.msg, or a PST export): per message
    /// and in summary, what each client lets the recipient reply.
    Scan {
        /// An mbox file, a Maildir (with cur/ and new/), a folder searched for *.eml and
        /// *.msg, a PST export (.pst/.ost), or one message.
        path: PathBuf,
        /// A bundled profile's name (seed-tenant, seed-tenant-local-cert, smime-tenant,
        /// smime-tenant-external-contact, smime-tenant-mobile, gpgol-workstation), or the path of your own profile
        /// TOML (the files it names are looked up beside it).
        #[arg(long)]
        profile: String,
        /// text or json: the summary; jsonl: one line per message, in input order.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// A certificate for verification: X.509 (PEM/DER) or OpenPGP (armored/binary).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// A key for decryption: PEM private key + certificate, PKCS#12 (.p12/.pfx, with
        /// --password), or an OpenPGP secret key.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// Worker threads, at least 1 (default: one per core).
        #[arg(long, value_parser = jobs)]
        jobs: Option<usize>,
        /// Search the remedies of every `no` and `partial` reply: each record lists them, and
        /// the summary ranks them by how many messages each would turn into `yes` (slower).
        #[arg(long)]
        remedies: bool,
        /// Look profile names up in this folder instead of the bundled profiles.
        #[arg(long, value_name = "DIR")]
        profiles: Option<PathBuf>,
        /// Look the files a profile names up in this folder (after the profile's own folder)
        /// instead of the bundled persona keys.
        #[arg(long, value_name = "DIR")]
        keys_dir: Option<PathBuf>,
    },
    /// The sample corpus (to regenerate it from its recipes: `cargo corpus-generate`).
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
}

#[derive(Subcommand)]
pub(crate) enum CorpusCommand {
    /// Every check the tests make of the samples, their snapshots and MATRIX.md, each failure
    /// with its fix; exit 1 on any failure.
    Check {
        /// The corpora folder; default: the nearest `corpora/` here or above.
        #[arg(long, value_name = "DIR")]
        corpora: Option<PathBuf>,
        /// Compare only this sample's snapshot (family/name), searching only its remedies:
        /// seconds faster while you work on one sample. Every other check still covers the
        /// whole corpus; run without it before you commit.
        #[arg(long, value_name = "ID")]
        sample: Option<String>,
    },
    /// Adds a message file as a new sample: the message (line ends converted to CRLF only
    /// when that changes nothing inspect finds) and a sidecar whose `[expect]` is what inspect
    /// finds, for you to review.
    Add {
        /// The message (.eml).
        file: PathBuf,
        /// The new sample's id, `family/name` (its path below `corpora/senders/`).
        #[arg(long)]
        id: String,
        /// A key the message is encrypted to (copied below `corpora/keys/<family>/` when it is
        /// not there already; a PKCS#12 file, opened with --password, is kept as
        /// `<name>.key.pem`).
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// A certificate to verify with (copied like `--key`).
        #[arg(long = "cert", value_name = "FILE")]
        certs: Vec<PathBuf>,
        /// The corpora folder; default: the nearest `corpora/` here or above.
        #[arg(long, value_name = "DIR")]
        corpora: Option<PathBuf>,
    },
}

/// `--jobs`: a number of worker threads, at least one.
fn jobs(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err(
            "0 workers would scan nothing: give at least 1 (or leave --jobs out for \
                      one per core)"
                .to_owned(),
        ),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}: give a number of worker threads, at least 1")),
    }
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
