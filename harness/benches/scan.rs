//! Benchmarks (criterion): `cargo bench --bench scan`. Figures in `docs/performance.md`.
//!
//! - `inspect/*`: one message of each kind through `inspect` (parse, verify, decrypt);
//! - `crypto-vs-inspect/*`: the cryptography alone for the clear-signed sample — SHA-256
//!   over the signed content, SHA-256 over the signed attributes and one RSA-2048 PKCS#1 v1.5
//!   verification (RFC 5652 §5.4), with inspect's own verification and with the rsa crate's
//!   — next to `inspect` of the same message, so the ratio end-to-end / crypto shows;
//! - `matrix/corpus`: every corpus sample inspected once, then explained under every
//!   profile (3 clients each); `matrix/remedies/*`: the remedies search for one sample
//!   among the corpus (what `corpus check --sample ID` pays);
//! - `scan/*`: `scan` over generated mboxes of 10,000 messages (mixed, and signed only on
//!   one worker for the per-core figure), written to a temporary folder in the setup.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use der::{Decode, Encode};
use mail_parser::{MessageParser, MimeHeaders};
use replymatrix::corpus::{default_corpora_dir, load_samples, sample_inputs};
use replymatrix::profile::Profile;
use replymatrix::scan::{self, Options, Output};
use replymatrix::{Inputs, inspect};
use sha2::{Digest as _, Sha256};

/// Messages in each generated mbox.
const SCAN_MESSAGES: usize = 10_000;

fn corpora() -> PathBuf {
    default_corpora_dir()
}

fn sample_bytes(id: &str) -> Vec<u8> {
    std::fs::read(corpora().join("senders").join(format!("{id}.eml"))).expect("corpus sample")
}

fn keys_dir() -> PathBuf {
    corpora().join("keys")
}

fn inputs_with_robin() -> Inputs {
    let mut inputs = Inputs::default();
    inputs
        .add_key_file(&keys_dir().join("x509/robin-enterprise.key.pem"))
        .expect("robin's S/MIME key");
    inputs
        .add_key_file(&keys_dir().join("openpgp/robin.sec.asc"))
        .expect("robin's OpenPGP key");
    inputs
}

fn profiles() -> Vec<Profile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpora().join("profiles"))
        .expect("profiles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| Profile::load(p, &keys_dir()).expect("profile"))
        .collect()
}

fn bench_inspect(c: &mut Criterion) {
    let mut group = c.benchmark_group("inspect");
    let none = Inputs::default();
    let robin = inputs_with_robin();
    for (id, inputs) in [
        ("outlook/clear-signed-sha256", &none),
        ("proton/pgp-mime-signed", &none),
        ("outlook/enveloped-aes256", &robin),
        ("proton/plain", &none),
    ] {
        let bytes = sample_bytes(id);
        let facts = inspect(&bytes, inputs);
        assert!(facts.problems.is_empty(), "{id}: {:?}", facts.problems);
        group.bench_function(id, |b| b.iter(|| inspect(black_box(&bytes), inputs)));
    }
    group.finish();
}

/// What the clear-signed sample's signature covers, extracted once.
struct SignedParts {
    content: Vec<u8>,
    signed_attrs: Vec<u8>,
    message_digest: Vec<u8>,
    signature: Vec<u8>,
    key: rsa::PublicKey,
}

fn signed_parts(message: &[u8]) -> SignedParts {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let parsed = MessageParser::default().parse(message).expect("parses");
    let boundary = parsed
        .content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .expect("multipart/signed boundary")
        .to_owned();
    let content = replymatrix::mime::canonical_crlf(
        replymatrix::mime::first_body_part(message, &boundary).expect("first part"),
    );
    let p7s = parsed
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .and_then(|ct| ct.subtype())
                .is_some_and(|s| s.eq_ignore_ascii_case("pkcs7-signature"))
        })
        .expect("the .p7s part")
        .contents()
        .to_vec();
    let info = cms::content_info::ContentInfo::from_ber(&p7s).expect("ContentInfo");
    let signed: cms::signed_data::SignedData = info
        .content
        .decode_as_encoding(der::EncodingRules::Ber)
        .expect("SignedData");
    let signer = signed.signer_infos.0.iter().next().expect("one signer");
    let attrs = signer.signed_attrs.as_ref().expect("signed attributes");
    let message_digest = attrs
        .iter()
        .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .map(|v| v.value().to_vec())
        .expect("messageDigest");
    let cert = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                _ => None,
            })
        })
        .expect("the signer's certificate");
    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = rsa::PublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes()).expect("RSA");
    SignedParts {
        content,
        signed_attrs: attrs.to_der().expect("DER"),
        message_digest,
        signature: signer.signature.as_bytes().to_vec(),
        key,
    }
}

/// SHA-256 of the content compared with messageDigest, then the RSA verification of the
/// signed attributes (SHA-256 and RSASSA-PKCS1-v1_5, RFC 5652 §5.4): the cryptographic
/// minimum any verifier does for this message, with the verification `inspect` uses.
fn verify_crypto_only(parts: &SignedParts) -> bool {
    let content_digest = Sha256::digest(&parts.content);
    if content_digest.as_slice() != parts.message_digest.as_slice() {
        return false;
    }
    replymatrix::smime::rsa_pkcs1v15_verifies(
        &parts.key,
        replymatrix::facts::Digest::Sha256,
        &parts.signed_attrs,
        &parts.signature,
    )
}

/// The same with the rsa crate's own verification (a constant-time exponentiation built for
/// private exponents): the reference the fast path is measured against.
fn verify_crypto_only_rsa_crate(parts: &SignedParts) -> bool {
    let content_digest = Sha256::digest(&parts.content);
    if content_digest.as_slice() != parts.message_digest.as_slice() {
        return false;
    }
    let attrs_digest = Sha256::digest(&parts.signed_attrs);
    parts
        .key
        .verify(
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            &attrs_digest,
            &parts.signature,
        )
        .is_ok()
}

fn bench_crypto(c: &mut Criterion) {
    let bytes = sample_bytes("outlook/clear-signed-sha256");
    let parts = signed_parts(&bytes);
    assert!(verify_crypto_only(&parts), "the crypto-only path verifies");
    assert!(
        verify_crypto_only_rsa_crate(&parts),
        "so does the rsa crate"
    );
    let inputs = Inputs::default();
    let mut group = c.benchmark_group("crypto-vs-inspect");
    group.bench_function("crypto-only/clear-signed-sha256", |b| {
        b.iter(|| verify_crypto_only(black_box(&parts)))
    });
    group.bench_function("crypto-only-rsa-crate/clear-signed-sha256", |b| {
        b.iter(|| verify_crypto_only_rsa_crate(black_box(&parts)))
    });
    group.bench_function("inspect/clear-signed-sha256", |b| {
        b.iter(|| inspect(black_box(&bytes), &inputs))
    });
    group.finish();
}

fn bench_matrix(c: &mut Criterion) {
    let dir = corpora().join("senders");
    let samples = load_samples(&dir).expect("samples");
    let loaded: Vec<(Vec<u8>, Inputs)> = samples
        .iter()
        .map(|s| {
            (
                std::fs::read(&s.eml).expect("eml"),
                sample_inputs(s, &keys_dir()).expect("inputs"),
            )
        })
        .collect();
    let profiles = profiles();
    let mut group = c.benchmark_group("matrix");
    group.sample_size(10);
    group.bench_function(
        format!(
            "corpus ({} samples x {} profiles)",
            loaded.len(),
            profiles.len()
        ),
        |b| {
            b.iter(|| {
                let mut verdicts = 0usize;
                for (bytes, inputs) in &loaded {
                    let facts = inspect(bytes, inputs);
                    for profile in &profiles {
                        let e = replymatrix::explain::explain(&facts, profile, None);
                        verdicts += e.clients.len();
                    }
                }
                verdicts
            })
        },
    );
    // The remedies search for one sample among the whole corpus (its siblings, the sender's
    // other settings, are searched too): what `corpus check --sample ID` and `explain` pay.
    let inspected: Vec<(&replymatrix::corpus::Sample, replymatrix::facts::Inspection)> = samples
        .iter()
        .zip(&loaded)
        .map(|(s, (bytes, inputs))| (s, inspect(bytes, inputs)))
        .collect();
    group.bench_function("remedies/proton/pgp-mime-signed", |b| {
        b.iter_batched(
            || inspected.clone(),
            |rows| {
                replymatrix::matrix::rows_searching_one(rows, &profiles, "proton/pgp-mime-signed")
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// An mboxrd file of `count` messages cycling through `messages` (RFC 4155; `>From `
/// escaped).
pub fn write_mbox(path: &Path, messages: &[Vec<u8>], count: usize) {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("mbox");
    let mut out = std::io::BufWriter::new(file);
    for i in 0..count {
        let m = &messages[i % messages.len()];
        writeln!(
            out,
            "From bench@replymatrix.example Thu Jan  1 00:00:00 2026"
        )
        .expect("write");
        for line in m.split_inclusive(|&b| b == b'\n') {
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                out.write_all(b">").expect("write");
            }
            out.write_all(line).expect("write");
        }
        if !m.ends_with(b"\n") {
            out.write_all(b"\n").expect("write");
        }
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
}

/// Every corpus sample, so the mix is the corpus's.
fn all_samples() -> Vec<Vec<u8>> {
    let samples = load_samples(&corpora().join("senders")).expect("samples");
    samples
        .iter()
        .map(|s| std::fs::read(&s.eml).expect("eml"))
        .collect()
}

fn bench_scan(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("replymatrix-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mixed = dir.join("mixed.mbox");
    write_mbox(&mixed, &all_samples(), SCAN_MESSAGES);
    let signed = dir.join("signed.mbox");
    write_mbox(
        &signed,
        &[sample_bytes("outlook/clear-signed-sha256")],
        SCAN_MESSAGES,
    );
    let profile = Profile::load_named("smime-tenant", &corpora().join("profiles"), &keys_dir())
        .expect("profile");
    let inputs = inputs_with_robin();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SCAN_MESSAGES as u64));
    let all_cores = Options::default();
    group.bench_function(
        format!("mixed-corpus {SCAN_MESSAGES} msgs, {cores} workers"),
        |b| {
            b.iter(|| {
                let s = scan::scan_path(
                    &mixed,
                    &inputs,
                    &profile,
                    all_cores,
                    Output::Jsonl,
                    &mut std::io::sink(),
                )
                .expect("scan");
                assert_eq!(s.messages, SCAN_MESSAGES);
            })
        },
    );
    let one = Options::with_workers(1);
    group.bench_function(
        format!("clear-signed {SCAN_MESSAGES} msgs, 1 worker"),
        |b| {
            b.iter(|| {
                let s = scan::scan_path(
                    &signed,
                    &inputs,
                    &profile,
                    one,
                    Output::Jsonl,
                    &mut std::io::sink(),
                )
                .expect("scan");
                assert_eq!(s.messages, SCAN_MESSAGES);
            })
        },
    );
    group.bench_function(
        format!("clear-signed {SCAN_MESSAGES} msgs, {cores} workers"),
        |b| {
            b.iter(|| {
                scan::scan_path(
                    &signed,
                    &inputs,
                    &profile,
                    all_cores,
                    Output::Jsonl,
                    &mut std::io::sink(),
                )
                .expect("scan")
            })
        },
    );
    // Reading alone: what the mbox reader costs per message.
    group.bench_function(format!("mbox-reader-only {SCAN_MESSAGES} msgs"), |b| {
        b.iter(|| {
            let file = std::fs::File::open(&mixed).expect("open");
            scan::mbox::MboxReader::new(BufReader::with_capacity(256 * 1024, file), 1 << 27)
                .filter_map(Result::ok)
                .count()
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(
    benches,
    bench_inspect,
    bench_crypto,
    bench_matrix,
    bench_scan
);
criterion_main!(benches);
