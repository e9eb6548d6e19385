//! `replymatrix-generate [--corpora DIR]` (`cargo corpus-generate`): regenerates persona keys
//! (when missing) and every sample with its sidecar. Exit 0 done, 1 the generator failed, 2
//! usage errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Regenerates persona keys (when missing) and every sample with its sidecar.
#[derive(Parser)]
#[command(name = "replymatrix-generate", version)]
struct Cli {
    /// The corpora folder.
    #[arg(long, default_value_os_t = replymatrix::corpus::default_corpora_dir())]
    corpora: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match replymatrix_generate::generate_all(&cli.corpora) {
        Ok(ids) => {
            println!("generated {} samples", ids.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("replymatrix-generate: {e}");
            ExitCode::from(1)
        }
    }
}
