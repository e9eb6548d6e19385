//! The OpenPGP half of the sender corpus: persona keys (pat, lee, theo, gus, dee, robin; the
//! RFC 9580 val, quinn, robin-v6 and robin-pq) and the
//! Proton, Thunderbird, GPG Suite, Exchange-rewrite and Delta Chat samples of
//! `research/sender-formats.md` (sections P1-P9, T1-T2, G1, X1, D1; the shared research is
//! at `../shared` from the project root).
//!
//! Every sample is built from a recipe: the `.eml` bytes (CRLF) and the `.toml` sidecar come
//! from the same function, so they cannot drift. Every sample is byte-stable across runs
//! (fixed dates, hash-derived boundaries and ids, deterministic EdDSA/RSA signatures made by
//! [`crypto::sign_detached`], and session keys, ephemeral keys and padding derived from the
//! sample id by [`crypto::encrypt`]).

pub mod crypto;
pub(crate) mod samples;
pub(crate) mod wire;

use std::path::Path;

use crate::error::{Error, Result};
use replymatrix::corpus::Sidecar;

pub use crypto::{PERSONAS, PersonaSpec};

/// One generated sample.
pub(crate) struct Built {
    /// `<family>/<name>`.
    pub id: String,
    /// The message, CRLF line ends.
    pub eml: Vec<u8>,
    pub sidecar: Sidecar,
}

/// The persona certificates (with secrets) the recipes sign and encrypt with.
pub(crate) struct Personas {
    pub pat: sequoia_openpgp::Cert,
    pub lee: sequoia_openpgp::Cert,
    pub theo: sequoia_openpgp::Cert,
    pub gus: sequoia_openpgp::Cert,
    pub dee: sequoia_openpgp::Cert,
    pub robin: sequoia_openpgp::Cert,
    /// RFC 9580 personas ([`crypto::PERSONAS_RFC9580`]): Proton with a v6 key ...
    pub val: sequoia_openpgp::Cert,
    /// ... the recipient robin's own v6 key ...
    pub robin_v6: sequoia_openpgp::Cert,
    /// ... Proton with a post-quantum v6 key (ML-DSA-65+Ed25519, ML-KEM-768+X25519) ...
    pub quinn: sequoia_openpgp::Cert,
    /// ... and robin's own post-quantum key.
    pub robin_pq: sequoia_openpgp::Cert,
}

impl Personas {
    /// Loads the committed keys below `keys_dir`, creating the missing ones.
    pub(crate) fn load_or_create(keys_dir: &Path) -> Result<Self> {
        let mut loaded = Vec::new();
        for spec in PERSONAS.iter().chain(crypto::PERSONAS_RFC9580) {
            loaded.push(crypto::load_or_create(keys_dir, spec)?);
        }
        let mut it = loaded.into_iter();
        let mut next = || {
            it.next().ok_or_else(|| Error::Generate {
                what: "personas".into(),
                message: "persona list shorter than expected".into(),
            })
        };
        Ok(Self {
            pat: next()?,
            lee: next()?,
            theo: next()?,
            gus: next()?,
            dee: next()?,
            robin: next()?,
            val: next()?,
            robin_v6: next()?,
            quinn: next()?,
            robin_pq: next()?,
        })
    }
}

/// Writes the OpenPGP persona keys (when missing) and every OpenPGP sample with its sidecar
/// below `corpora`; returns the sample ids written.
pub fn generate(corpora: &Path) -> Result<Vec<String>> {
    let keys_dir = corpora.join("keys").join("openpgp");
    let personas = Personas::load_or_create(&keys_dir)?;
    let built = samples::all(&personas)?;
    let senders = corpora.join("senders");
    let mut ids = Vec::with_capacity(built.len());
    for sample in built {
        let eml_path = senders.join(format!("{}.eml", sample.id));
        let toml_path = senders.join(format!("{}.toml", sample.id));
        if let Some(parent) = eml_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let toml = toml::to_string(&sample.sidecar).map_err(|e| Error::Generate {
            what: sample.id.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&eml_path, &sample.eml).map_err(|e| Error::io(&eml_path, e))?;
        std::fs::write(&toml_path, toml).map_err(|e| Error::io(&toml_path, e))?;
        ids.push(sample.id);
    }
    Ok(ids)
}
