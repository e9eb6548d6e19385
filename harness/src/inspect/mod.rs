//! The `inspect` stage: bytes in, [`Inspection`] out. Pure: no clock, no network.
//!
//! [`inspect`] runs the walker (`walker.rs`) over one message with the keys and certificates
//! in [`Inputs`]. Every loop of the walk is bounded by the limits below; passing one is a
//! problem entry in the inspection, and the rest of the message is still reported.

mod walker;

use std::path::Path;

use crate::error::{Error, Result};
use crate::facts::{Inspection, ItemMime, Problem, ProblemCode, SignatureStatus};
use crate::{openpgp, outlook_item, smime};

/// Largest message inspected, in bytes. Larger input is cut here, with a problem.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;
/// Deepest MIME nesting walked, counting every multipart level.
pub const MAX_DEPTH: usize = 64;
/// Most parts of one message (or one decrypted entity) examined.
pub const MAX_PARTS: usize = 10_000;
/// Most times content is unwrapped (decrypted, opaque-signed content) inside content.
pub const MAX_UNWRAP: usize = 8;
/// Most layers reported for one message; a flood of tiny layers stops here.
pub const MAX_LAYERS: usize = 1_000;

/// A password (for PKCS#12 key files). `Debug` shows `<hidden>`; nothing prints the value.
#[derive(Clone, Default)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password itself, for the code that opens a key file with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

/// Keys and certificates given to `inspect` (`--key`, `--cert`).
#[derive(Default)]
pub struct Inputs {
    /// X.509 certificates given with `--cert` (extra chain and signer certificates).
    pub x509_certs: Vec<x509_cert::Certificate>,
    /// S/MIME private keys given with `--key`, for decryption.
    pub smime_keys: Vec<smime::SmimeKey>,
    /// OpenPGP certificates given with `--cert`, for verification.
    pub pgp_certs: Vec<sequoia_openpgp::Cert>,
    /// OpenPGP secret keys given with `--key`, for decryption.
    pub pgp_secret_keys: Vec<sequoia_openpgp::Cert>,
    /// The password of PKCS#12 `--key` files (`--password`, `REPLYMATRIX_PASSWORD`). Never
    /// printed: `Inputs` has no `Debug`, and no error message contains it.
    password: Option<Password>,
}

impl Inputs {
    /// Adds a `--cert` file: X.509 (PEM or DER) or OpenPGP (armored or binary).
    pub fn add_cert_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        self.add_cert_bytes(path, &bytes)
    }

    /// Adds certificates read from `path` already (it names the file in errors).
    pub fn add_cert_bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let x509 = smime::load_certs(bytes);
        if !x509.is_empty() {
            self.x509_certs.extend(x509);
            return Ok(());
        }
        let openpgp = match openpgp::load_certs(bytes) {
            Ok(certs) if !certs.is_empty() => {
                self.pgp_certs.extend(certs);
                return Ok(());
            }
            Ok(_) => "no certificate found".to_owned(),
            Err(message) => message,
        };
        // Say what each format the file could have been said about it.
        Err(Error::Key {
            path: path.into(),
            message: format!(
                "no certificate found; tried {}; OpenPGP: {openpgp}",
                smime::why_no_certs(bytes)
            ),
        })
    }

    /// Sets the password that opens PKCS#12 (`.p12`/`.pfx`) key files added after this.
    pub fn set_password(&mut self, password: Option<String>) {
        self.password = password.map(Password);
    }

    /// Adds a `--key` file: PEM private key + certificate, PKCS#12 (`.p12`/`.pfx`, by
    /// content, opened with [`Inputs::set_password`]'s password), or an OpenPGP secret key.
    pub fn add_key_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if smime::is_pkcs12(&bytes) {
            let key =
                smime::load_key_with_password(&bytes, self.password.as_ref().map(Password::expose))
                    .map_err(|message| Error::Key {
                        path: path.into(),
                        message,
                    })?;
            self.smime_keys.push(key);
            return Ok(());
        }
        if bytes.windows(11).any(|w| w == b"-----BEGIN ")
            && !bytes.windows(9).any(|w| w == b"BEGIN PGP")
        {
            let mut bytes = bytes;
            // `name.key.pem` alone: its certificate is the sibling `name.cert.pem`.
            if !bytes.windows(17).any(|w| w == b"BEGIN CERTIFICATE")
                && let Some(cert_path) = sibling_certificate(path)
            {
                let cert = std::fs::read(&cert_path).map_err(|e| Error::io(&cert_path, e))?;
                bytes.push(b'\n');
                bytes.extend(cert);
            }
            let key = smime::load_key(&bytes).map_err(|message| Error::Key {
                path: path.into(),
                message,
            })?;
            self.smime_keys.push(key);
            return Ok(());
        }
        // Not PEM: an OpenPGP secret key (armored or binary) is the other form `--key` takes.
        let not_pem = "PEM (PKCS#8 key with its certificate): no -----BEGIN line; PKCS#12 \
                       (.p12/.pfx): not a PFX structure";
        let certs = openpgp::load_certs(&bytes).map_err(|message| Error::Key {
            path: path.into(),
            message: format!("no usable key; tried {not_pem}; OpenPGP secret key: {message}"),
        })?;
        if !certs.iter().any(|c| c.is_tsk()) {
            return Err(Error::Key {
                path: path.into(),
                message: format!(
                    "no usable key; tried {not_pem}; OpenPGP secret key: a certificate without \
                     secret key material (give the secret key export)"
                ),
            });
        }
        self.pgp_secret_keys.extend(certs);
        Ok(())
    }
}

/// Inspects one message: MIME (`.eml`), or an Outlook item (`.msg`), recognised by its
/// content ([`outlook_item::is_compound_file`]).
pub fn inspect(message: &[u8], inputs: &Inputs) -> Inspection {
    if outlook_item::is_compound_file(message) {
        return match outlook_item::msg::read(message) {
            Ok(item) => inspect_item(&item.to_mime(), inputs),
            Err(why) => {
                let mut inspection = Inspection::empty(None);
                inspection
                    .problems
                    .push(Problem::new(ProblemCode::OutlookItemUnreadable, why));
                inspection
            }
        };
    }
    walker::inspect_message(message, inputs)
}

/// Inspects the MIME made from an Outlook item, with the item's facts: its stored class,
/// how its MIME was obtained, the problems of the conversion. A signature over rebuilt MIME
/// is `unverifiable` (`rebuilt-from-item`): those bytes are not the ones that were signed.
pub fn inspect_item(converted: &outlook_item::Converted, inputs: &Inputs) -> Inspection {
    let mut inspection = walker::inspect_message(&converted.mime, inputs);
    let mut problems = converted.problems.clone();
    problems.append(&mut inspection.problems);
    inspection.problems = problems;
    inspection.stored_item_class = converted.stored_class.clone();
    inspection.item_mime = Some(converted.item_mime);
    if converted.item_mime == ItemMime::Rebuilt {
        for layer in &mut inspection.layers {
            if let Some(signature) = &mut layer.signature
                && matches!(
                    signature.status,
                    SignatureStatus::Valid | SignatureStatus::Invalid
                )
            {
                let was = signature.status;
                signature.status = SignatureStatus::Unverifiable;
                signature.covers_whole_body = false;
                signature.reason = crate::facts::reason!(
                    RebuiltFromItem,
                    "the message was rebuilt from an Outlook item's properties, not read as \
                     sent; the signature would be {was} over the rebuilt bytes, which are not \
                     the bytes that were signed"
                );
            }
        }
    }
    inspection
}

/// `dir/name.key.pem` → `dir/name.cert.pem`, when that file exists.
fn sibling_certificate(key_path: &Path) -> Option<std::path::PathBuf> {
    let name = key_path.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".key.pem")
        .or_else(|| name.strip_suffix(".key"))?;
    let candidate = key_path.with_file_name(format!("{stem}.cert.pem"));
    candidate.exists().then_some(candidate)
}
