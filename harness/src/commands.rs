//! Command bodies. Exit codes: 0 done (whatever the message's verdicts), 1 the input could not
//! be read or the tool failed, 2 usage errors (clap's own, and unusable `--cert`/`--key`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use replymatrix::clients::ClientId;
use replymatrix::profile::Profile;
use replymatrix::{Inputs, inspection_text};

use crate::cli::{Cli, Command, CorpusCommand, DiffFormat, Format, MatrixFormat, ScanFormat};

/// The PKCS#12 password: `--password`, else `REPLYMATRIX_PASSWORD`. Set once, before any
/// command runs.
static PASSWORD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

fn password() -> Option<String> {
    PASSWORD.get().cloned().flatten()
}

pub(crate) fn run(cli: Cli) -> ExitCode {
    let password = cli
        .password
        .or_else(|| std::env::var("REPLYMATRIX_PASSWORD").ok());
    // Only `run` sets it, once per process.
    let _ = PASSWORD.set(password);
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
            profiles.as_deref(),
            keys_dir.as_deref(),
        ),
        Command::Matrix {
            corpora,
            profiles,
            format,
            remedies,
        } => match corpora_dir(corpora) {
            Ok(corpora) => matrix(&corpora, profiles.as_deref(), format, remedies),
            Err(code) => code,
        },
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Scan {
            path,
            profile,
            format,
            certs,
            keys,
            jobs,
            remedies,
            profiles,
            keys_dir,
        } => scan(
            &path,
            &profile,
            format,
            &certs,
            &keys,
            jobs,
            remedies,
            profiles.as_deref(),
            keys_dir.as_deref(),
        ),
        Command::Corpus { command } => corpus(command),
    }
}

fn corpus(command: CorpusCommand) -> ExitCode {
    match command {
        CorpusCommand::Check { corpora, sample } => match corpora_dir(corpora) {
            Ok(corpora) => check(&corpora, sample.as_deref()),
            Err(code) => code,
        },
        CorpusCommand::Add {
            file,
            id,
            keys,
            certs,
            corpora,
        } => match corpora_dir(corpora) {
            Ok(corpora) => add(&corpora, file, id, keys, certs),
            Err(code) => code,
        },
    }
}

/// `--corpora DIR`, or the nearest `corpora/` in the current folder or above.
fn corpora_dir(given: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    replymatrix::corpus::find_corpora(&here).ok_or_else(|| {
        fail(
            2,
            format!(
                "no corpora folder (one holding senders/) in {} or above: run this in the \
                 project, or pass --corpora DIR",
                here.display()
            ),
        )
    })
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
    inputs.set_password(password());
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

#[allow(clippy::too_many_arguments)]
fn explain(
    file: &Path,
    profile: &str,
    client: Option<&str>,
    format: Format,
    certs: &[PathBuf],
    keys: &[PathBuf],
    profiles: Option<&Path>,
    keys_dir: Option<&Path>,
) -> ExitCode {
    let client = match client.map(|c| (c, ClientId::parse(c))) {
        None => None,
        Some((_, Some(id))) => Some(id),
        Some((c, None)) => {
            return fail(
                2,
                format!(
                    "unknown client {c:?} ({})",
                    ClientId::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    };
    let profile = match Profile::find(profile, profiles, keys_dir) {
        Ok(p) => p,
        Err(e) => return fail(2, e),
    };
    let mut inputs = match load_inputs(certs, keys) {
        Ok(inputs) => inputs,
        Err(e) => return fail(2, e),
    };
    // The workstation's GpgOL keyring is part of the recipient's environment: its keys are
    // what GpgOL verifies with, so the inspection gets them too.
    for k in &profile.workstation.gpgol_keyring {
        let added = profile
            .files
            .read(k)
            .and_then(|(path, bytes)| inputs.add_cert_bytes(&path, &bytes));
        if let Err(e) = added {
            return fail(2, e);
        }
    }
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(1, format!("{}: {e}", file.display())),
    };
    let inspection = replymatrix::inspect(&bytes, &inputs);
    let (message, others) = corpus_neighbours(file, inspection.clone());
    let explanation =
        replymatrix::explain::explain_with_remedies(&inspection, &profile, client, message, others);
    match format {
        Format::Json => match serde_json::to_string_pretty(&explanation) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(1, e),
        },
        Format::Text => print!("{}", replymatrix::explain::explain_text(&explanation)),
    }
    ExitCode::SUCCESS
}

/// The message as the remedies search sees it and the corpus samples that may be its
/// siblings: when the file is a corpus sample (its sidecar beside it, in
/// `<senders>/<family>/`), its sender product and setting and the samples of the same
/// product; otherwise the message alone.
fn corpus_neighbours(
    file: &Path,
    inspection: replymatrix::facts::Inspection,
) -> (
    replymatrix::remedies::SenderSample,
    Vec<replymatrix::remedies::SenderSample>,
) {
    use replymatrix::corpus;
    let alone = |inspection| {
        (
            replymatrix::remedies::SenderSample::message(inspection),
            Vec::new(),
        )
    };
    let Some(senders) = file.parent().and_then(Path::parent) else {
        return alone(inspection);
    };
    if !file.with_extension("toml").is_file() {
        return alone(inspection);
    }
    let Ok(samples) = corpus::load_samples(senders) else {
        return alone(inspection);
    };
    let here = file.canonicalize().ok();
    let Some(me) = samples
        .iter()
        .find(|s| s.eml.canonicalize().ok() == here && here.is_some())
    else {
        return alone(inspection);
    };
    let keys = senders.parent().unwrap_or(senders).join("keys");
    let others = samples
        .iter()
        .filter(|s| {
            s.sidecar.id != me.sidecar.id && s.sidecar.sender.product == me.sidecar.sender.product
        })
        .filter_map(|s| {
            let bytes = std::fs::read(&s.eml).ok()?;
            let inputs = corpus::sample_inputs(s, &keys).ok()?;
            Some(replymatrix::matrix::sender_sample(
                s,
                replymatrix::inspect(&bytes, &inputs),
            ))
        })
        .collect();
    (replymatrix::matrix::sender_sample(me, inspection), others)
}

fn matrix(
    corpus: &Path,
    profiles: Option<&Path>,
    format: MatrixFormat,
    remedies: bool,
) -> ExitCode {
    let profiles_dir = profiles
        .map(Path::to_path_buf)
        .unwrap_or_else(|| corpus.join("profiles"));
    let built = replymatrix::matrix::load_profiles(&profiles_dir, &corpus.join("keys")).and_then(
        |profiles| {
            // MATRIX.md and the text table show no remedies; JSON and HTML on request.
            let remedies = remedies && matches!(format, MatrixFormat::Json | MatrixFormat::Html);
            replymatrix::matrix::build_with(corpus, &profiles, remedies)
        },
    );
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

fn check(corpora: &Path, sample: Option<&str>) -> ExitCode {
    match replymatrix::curate::check_with(corpora, sample) {
        Ok(report) => {
            print!("{}", report.text());
            if report.failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => fail(1, e),
    }
}

fn add(
    corpora: &Path,
    file: PathBuf,
    id: String,
    keys: Vec<PathBuf>,
    certs: Vec<PathBuf>,
) -> ExitCode {
    let request = replymatrix::curate::AddRequest {
        file,
        id,
        keys,
        certs,
        password: password().map(replymatrix::Password::new),
    };
    match replymatrix::curate::add(corpora, &request) {
        Ok(added) => {
            print!("{}", added.text());
            ExitCode::SUCCESS
        }
        Err(e @ (replymatrix::Error::Usage(_) | replymatrix::Error::Key { .. })) => fail(2, e),
        Err(e) => fail(1, e),
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
/// [`replymatrix::scan::scan_path_with`].
#[allow(clippy::too_many_arguments)]
fn scan(
    path: &Path,
    profile: &str,
    format: ScanFormat,
    certs: &[PathBuf],
    keys: &[PathBuf],
    jobs: Option<usize>,
    remedies: bool,
    profiles: Option<&Path>,
    keys_dir: Option<&Path>,
) -> ExitCode {
    use replymatrix::scan::{Options, Output, scan_path_with};
    let profile = match Profile::find(profile, profiles, keys_dir) {
        Ok(p) => p,
        Err(e) => return fail(2, e),
    };
    let inputs = match load_inputs(certs, keys) {
        Ok(inputs) => inputs,
        Err(e) => return fail(2, e),
    };
    let mut options = Options::default();
    if let Some(jobs) = jobs {
        options = Options::with_workers(jobs);
    }
    let output = match format {
        ScanFormat::Text => Output::Text,
        ScanFormat::Json => Output::Json,
        ScanFormat::Jsonl => Output::Jsonl,
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match scan_path_with(
        path,
        &inputs,
        &profile,
        options,
        output,
        remedies,
        &mut stdout,
    ) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(1, format!("{}: {e}", path.display())),
    }
}
