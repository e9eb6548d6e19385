//! Fuzz target `inspect_with_keys`: arbitrary bytes through the inspector with the
//! recipient robin's S/MIME key (robin-enterprise) and OpenPGP secret key loaded, so the
//! decryption paths (CMS key transport, content decryption, OpenPGP PKESK/SEIPD) are
//! reached by inputs derived from the seed corpus.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use replymatrix::{Inputs, inspect};

/// The keys directory: `REPLYMATRIX_KEYS` or `corpora/keys` relative to this crate.
fn keys_dir() -> PathBuf {
    std::env::var_os("REPLYMATRIX_KEYS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpora/keys"))
}

/// Loaded once: key loading is not what is being fuzzed.
fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let keys = keys_dir();
        let mut inputs = Inputs::default();
        for key in [
            "x509/robin-enterprise.key.pem",
            "x509/robin-public.key.pem",
            "openpgp/robin.sec.asc",
        ] {
            // A missing key makes the target useless: fail loudly at start-up.
            if let Err(e) = inputs.add_key_file(&keys.join(key)) {
                panic!("cannot load fuzz key {key}: {e}");
            }
        }
        for cert in [
            "x509/public-root-ca.cert.pem",
            "x509/public-issuing-ca.cert.pem",
            "x509/enterprise-root-ca.cert.pem",
        ] {
            if let Err(e) = inputs.add_cert_file(&keys.join(cert)) {
                panic!("cannot load fuzz certificate {cert}: {e}");
            }
        }
        inputs
    })
}

fuzz_target!(|data: &[u8]| {
    let inspection = inspect(data, inputs());
    let _ = replymatrix::render::inspection_text(&inspection);
});
