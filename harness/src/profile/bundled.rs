//! The bundled profiles (`corpora/profiles/`) and the persona keys they name
//! (`corpora/keys/`), compiled into the binary so that an installed `replymatrix` needs no
//! source tree. `--profiles DIR` and `--keys-dir DIR` read folders instead.
//!
//! The lists below are kept by hand; `tests/testsuite/profiles.rs` checks that they are
//! exactly the files of `corpora/profiles/` and the keys those profiles (and the profile
//! defaults) name.

use std::path::PathBuf;

/// Declares the bundled files once: their names and their bytes, read at compile time.
macro_rules! bundle {
    (profiles: [$($profile:literal),* $(,)?], keys: [$($key:literal),* $(,)?] $(,)?) => {
        /// Every bundled profile: (name, TOML text), by name.
        pub const PROFILES: &[(&str, &str)] = &[
            $(($profile, include_str!(concat!("../../../corpora/profiles/", $profile, ".toml"))),)*
        ];
        /// Every bundled key or certificate: (path below `corpora/keys/`, bytes), by path.
        pub const KEYS: &[(&str, &[u8])] = &[
            $(($key, include_bytes!(concat!("../../../corpora/keys/", $key))),)*
        ];
    };
}

bundle! {
    profiles: [
        "gpgol-workstation",
        "seed-tenant",
        "seed-tenant-local-cert",
        "smime-tenant",
        "smime-tenant-external-contact",
        "smime-tenant-mobile",
    ],
    keys: [
        "openpgp/pat.pub.asc",
        "openpgp/robin.sec.asc",
        "openpgp/theo.pub.asc",
        "x509/dana.cert.pem",
        "x509/enterprise-root-ca.cert.pem",
        "x509/public-root-ca.cert.pem",
        "x509/robin-enterprise.cert.pem",
        "x509/robin-public.cert.pem",
    ],
}

/// The TOML text of a bundled profile.
pub fn profile(name: &str) -> Option<&'static str> {
    PROFILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The bytes of a bundled key file.
pub fn key(path: &str) -> Option<&'static [u8]> {
    KEYS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

/// How messages name a bundled profile: `<bundled>/profiles/<name>.toml`.
pub fn profile_path(name: &str) -> PathBuf {
    PathBuf::from(format!("<bundled>/profiles/{name}.toml"))
}

/// How messages name a bundled key: `<bundled>/keys/<path>`.
pub fn key_path(path: &str) -> PathBuf {
    PathBuf::from(format!("<bundled>/keys/{path}"))
}
