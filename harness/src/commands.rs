//! Command bodies. Exit codes: 0 done (whatever the message's verdicts), 1 the input could not
//! be read or the tool failed, 2 usage errors (clap's own, and unusable `--cert`/`--key`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use replymatrix::{Inputs, render};

use crate::cli::{Cli, Command, CorpusCommand, Format};

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Inspect {
            file,
            format,
            certs,
            keys,
        } => inspect(&file, format, &certs, &keys),
        Command::Corpus {
            command: CorpusCommand::Generate { corpora },
        } => generate(&corpora),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("replymatrix: {message}");
    ExitCode::from(code)
}

pub fn load_inputs(certs: &[PathBuf], keys: &[PathBuf]) -> Result<Inputs, replymatrix::Error> {
    let mut inputs = Inputs::default();
    for cert in certs {
        inputs.add_cert_file(cert)?;
    }
    for key in keys {
        inputs.add_key_file(key)?;
    }
    Ok(inputs)
}

fn inspect(file: &Path, format: Format, certs: &[PathBuf], keys: &[PathBuf]) -> ExitCode {
    let inputs = match load_inputs(certs, keys) {
        Ok(inputs) => inputs,
        Err(e) => return fail(2, e),
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(1, format!("{}: {e}", file.display())),
    };
    let inspection = replymatrix::inspect(&bytes, &inputs);
    match format {
        Format::Json => match serde_json::to_string_pretty(&inspection) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(1, e),
        },
        Format::Text => print!("{}", render::inspection_text(&inspection)),
    }
    ExitCode::SUCCESS
}

fn generate(corpora: &Path) -> ExitCode {
    match replymatrix::generate::generate_all(corpora) {
        Ok(ids) => {
            println!("generated {} samples", ids.len());
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, e),
    }
}
