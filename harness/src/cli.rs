//! Command-line definitions (clap) and their dispatch.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// S/MIME and OpenPGP senders as Microsoft mail clients see them.
#[derive(Parser)]
#[command(name = "replymatrix", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The sample corpus.
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
}

#[derive(Subcommand)]
enum CorpusCommand {
    /// Regenerates persona keys (when missing) and every sample with its sidecar.
    Generate {
        /// The corpora folder.
        #[arg(long, default_value = "corpora")]
        corpora: PathBuf,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Corpus { command: CorpusCommand::Generate { corpora } } => {
            match replymatrix::generate::generate_all(&corpora) {
                Ok(ids) => {
                    println!("generated {} samples", ids.len());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("replymatrix: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
