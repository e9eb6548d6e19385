//! Command bodies. Exit codes: 0 done (whatever the message's verdicts), 1 the input could not
//! be read or the tool failed, 2 usage errors (clap's own, and unusable `--cert`/`--key`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use replymatrix::clients::ClientId;
use replymatrix::profile::Profile;
use replymatrix::{Inputs, inspection_text};

use crate::cli::{Cli, Command, CorpusCommand, DiffFormat, Format, MatrixFormat, ScanFormat};

pub(crate) fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Inspect {
            file,
            format,
            certs,
            keys,
        } => inspect(&file, format, &certs, &keys),
        Command::Explain {
            file,
            profile,
            client,
            format,
            certs,
            keys,
            profiles,
            keys_dir,
        } => explain(
            &file,
            &profile,
            client.as_deref(),
            format,
            &certs,
            &keys,
            &profiles,
            &keys_dir,
        ),
        Command::Matrix {
            corpus,
            profiles,
            format,
        } => matrix(&corpus, profiles.as_deref(), format),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Scan {
            path,
            profile,
            format,
            certs,
            keys,
            jobs,
            profiles,
            keys_dir,
        } => scan(
            &path, &profile, format, &certs, &keys, jobs, &profiles, &keys_dir,
        ),
        Command::Corpus {
            command: CorpusCommand::Check { corpora },
        } => check(&corpora),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("replymatrix: {message}");
    ExitCode::from(code)
}

pub(crate) fn load_inputs(
    certs: &[PathBuf],
    keys: &[PathBuf],
) -> Result<Inputs, replymatrix::Error> {
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
        Format::Text => print!("{}", inspection_text(&inspection)),
    }
    ExitCode::SUCCESS
}

/// A profile by name (in `profiles`) or by path (anything with a `/` or ending in `.toml`).
pub(crate) fn load_profile(
    spec: &str,
    profiles: &Path,
    keys_dir: &Path,
) -> Result<Profile, replymatrix::Error> {
    if spec.contains('/') || spec.ends_with(".toml") {
        Profile::load(Path::new(spec), keys_dir)
    } else {
        Profile::load_named(spec, profiles, keys_dir)
    }
}

#[allow(clippy::too_many_arguments)]
fn explain(
    file: &Path,
    profile: &str,
    client: Option<&str>,
    format: Format,
    certs: &[PathBuf],
    keys: &[PathBuf],
    profiles: &Path,
    keys_dir: &Path,
) -> ExitCode {
    let client = match client.map(|c| (c, ClientId::parse(c))) {
        None => None,
        Some((_, Some(id))) => Some(id),
        Some((c, None)) => {
            return fail(
                2,
                format!("unknown client {c:?} (classic-outlook, owa, new-outlook)"),
            );
        }
    };
    let profile = match load_profile(profile, profiles, keys_dir) {
        Ok(p) => p,
        Err(e) => return fail(2, e),
    };
    // The workstation's GpgOL keyring is part of the recipient's environment: its keys are
    // what GpgOL verifies with, so the inspection gets them too.
    let mut certs = certs.to_vec();
    certs.extend(
        profile
            .workstation
            .gpgol_keyring
            .iter()
            .map(|k| keys_dir.join(k)),
    );
    let inputs = match load_inputs(&certs, keys) {
        Ok(inputs) => inputs,
        Err(e) => return fail(2, e),
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(1, format!("{}: {e}", file.display())),
    };
    let inspection = replymatrix::inspect(&bytes, &inputs);
    let explanation = replymatrix::explain::explain(&inspection, &profile, client);
    match format {
        Format::Json => match serde_json::to_string_pretty(&explanation) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(1, e),
        },
        Format::Text => print!("{}", replymatrix::explain::explain_text(&explanation)),
    }
    ExitCode::SUCCESS
}

fn matrix(corpus: &Path, profiles: Option<&Path>, format: MatrixFormat) -> ExitCode {
    let profiles_dir = profiles
        .map(Path::to_path_buf)
        .unwrap_or_else(|| corpus.join("profiles"));
    let built = replymatrix::matrix::load_profiles(&profiles_dir, &corpus.join("keys"))
        .and_then(|profiles| replymatrix::matrix::build(corpus, &profiles));
    let matrix = match built {
        Ok(m) => m,
        Err(e) => return fail(1, e),
    };
    match format {
        MatrixFormat::Text => print!("{}", replymatrix::matrix::text(&matrix)),
        MatrixFormat::Md => print!("{}", replymatrix::matrix::markdown(&matrix)),
        MatrixFormat::Html => print!("{}", replymatrix::matrix::html::page(&matrix)),
        MatrixFormat::Json => match serde_json::to_string_pretty(&matrix) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(1, e),
        },
    }
    ExitCode::SUCCESS
}

fn check(corpora: &Path) -> ExitCode {
    let samples = match replymatrix::corpus::load_samples(&corpora.join("senders")) {
        Ok(samples) => samples,
        Err(e) => return fail(1, e),
    };
    let mut failed = 0;
    for sample in &samples {
        let result = std::fs::read(&sample.eml)
            .map_err(|e| replymatrix::Error::io(&sample.eml, e))
            .and_then(|bytes| {
                let inputs = replymatrix::corpus::sample_inputs(sample, &corpora.join("keys"))?;
                Ok(replymatrix::inspect(&bytes, &inputs))
            });
        let failures = match result {
            Ok(inspection) => {
                replymatrix::corpus::check_expectations(&sample.sidecar.expect, &inspection)
            }
            Err(e) => vec![e.to_string()],
        };
        if failures.is_empty() {
            println!("ok    {}", sample.sidecar.id);
        } else {
            failed += 1;
            for f in failures {
                println!("FAIL  {}: {f}", sample.sidecar.id);
            }
        }
    }
    println!(
        "{} samples, {} passed, {failed} failed",
        samples.len(),
        samples.len() - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Reads a `matrix --format json` export.
fn read_matrix(path: &Path) -> Result<replymatrix::matrix::Matrix, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a matrix export: {e}", path.display()))
}

fn diff(old: &Path, new: &Path, format: DiffFormat) -> ExitCode {
    let (old, new) = match (read_matrix(old), read_matrix(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return fail(1, e),
    };
    let changes = replymatrix::matrix::diff::diff(&old, &new);
    match format {
        DiffFormat::Text => print!("{}", replymatrix::matrix::diff::text(&changes)),
        DiffFormat::Md => print!("{}", replymatrix::matrix::diff::markdown(&changes)),
    }
    ExitCode::SUCCESS
}

/// `scan`: loads the profile and keys, then streams the mailbox through
/// [`replymatrix::scan::scan_path`].
#[allow(clippy::too_many_arguments)]
fn scan(
    path: &Path,
    profile: &str,
    format: ScanFormat,
    certs: &[PathBuf],
    keys: &[PathBuf],
    jobs: Option<usize>,
    profiles: &Path,
    keys_dir: &Path,
) -> ExitCode {
    use replymatrix::scan::{Options, Output, scan_path};
    let profile = match load_profile(profile, profiles, keys_dir) {
        Ok(p) => p,
        Err(e) => return fail(2, e),
    };
    let inputs = match load_inputs(certs, keys) {
        Ok(inputs) => inputs,
        Err(e) => return fail(2, e),
    };
    let mut options = Options::default();
    if let Some(jobs) = jobs.filter(|j| *j > 0) {
        options = Options::with_workers(jobs);
    }
    let output = match format {
        ScanFormat::Text => Output::Text,
        ScanFormat::Json => Output::Json,
        ScanFormat::Jsonl => Output::Jsonl,
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match scan_path(path, &inputs, &profile, options, output, &mut stdout) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(1, format!("{}: {e}", path.display())),
    }
}
