//! Environment profiles: the recipient, her tenant and her workstation.
//!
//! A profile is `corpora/profiles/<name>.toml`, parsed into [`Profile`] with unknown keys
//! rejected (the error names the file and the key). Every optional value defaults to the
//! documented default (Set-SmimeConfig values from catalogue §2, D). Certificate paths are
//! relative to `corpora/keys/`; [`Profile::load`] reads them into [`Resolved`] facts, which is
//! all the client models look at besides the spec values.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::facts::{CertificateFacts, PgpKeyFacts};
use crate::facts::{CertificateRole, Instant};
use crate::vocabulary::vocabulary;

/// One environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name, equal to the file stem.
    pub name: String,
    /// One paragraph for people.
    #[serde(default)]
    pub description: String,
    /// The instant certificates are judged at, `YYYY-MM-DDTHH:MM:SSZ`.
    #[serde(default = "default_evaluation_time")]
    pub evaluation_time: Instant,
    /// The user who received the message: address and own certificates.
    pub recipient: RecipientSpec,
    #[serde(default)]
    /// What the Exchange Online tenant has configured.
    pub tenant: Tenant,
    #[serde(default)]
    /// What the user's Windows workstation has installed and trusts.
    pub workstation: Workstation,
    /// Facts read from the files named above (filled by [`Profile::load`], or by tests).
    #[serde(skip)]
    pub resolved: Resolved,
}

fn default_evaluation_time() -> Instant {
    // 2026-06-01T12:00:00Z.
    Instant::from_unix(1_780_315_200)
}

/// The Microsoft 365 user who received the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientSpec {
    /// Her address, lower-case.
    pub address: String,
    /// Her own S/MIME certificates.
    #[serde(default)]
    pub certificates: Vec<OwnCertificate>,
}

/// One of the user's own S/MIME certificates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnCertificate {
    /// Certificate path below `corpora/keys/`.
    pub cert: String,
    /// Where the private key is (default: nowhere).
    #[serde(default)]
    pub private_key: PrivateKeyLocation,
    /// Whether it is published on her directory object (userSMIMECertificate), default false.
    #[serde(default)]
    pub published_to_gal: bool,
}

vocabulary! {
    /// Where a private key lives.
    pub enum PrivateKeyLocation {
        /// The Windows certificate store (CAPI/CNG).
        WindowsStore = "windows-store",
        /// A smart card.
        SmartCard = "smart-card",
        /// Not on this workstation.
            None = "none",
    }
}

// `vocabulary!` fixes the derive list, so the default is written out.
#[allow(clippy::derivable_impls)]
impl Default for PrivateKeyLocation {
    fn default() -> Self {
        Self::None
    }
}

impl PrivateKeyLocation {
    /// Whether the workstation can use the key.
    pub fn usable(self) -> bool {
        !matches!(self, Self::None)
    }
}

/// The Exchange Online tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// Roots in the virtual certificate collection (SST); empty until an admin uploads one.
    #[serde(default)]
    pub sst_roots: Vec<String>,
    /// Admin-made mail contacts carrying a certificate.
    #[serde(default)]
    pub mail_contacts: Vec<Contact>,
    #[serde(default)]
    /// The `Set-SmimeConfig` values; each defaults to its documented default.
    pub smime_config: SmimeConfig,
}

/// An address with a certificate (a mail contact or an Outlook contact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The address, lower-case.
    pub address: String,
    /// Certificate path below `corpora/keys/`.
    pub certificate: String,
}

/// `Set-SmimeConfig` values, each defaulting to its documented default (catalogue §2, D).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmimeConfig {
    /// OWAEncryptionAlgorithms, default `6610` (AES-256).
    pub owa_encryption_algorithms: String,
    /// OWASigningAlgorithms, default `8004` (SHA-1).
    pub owa_signing_algorithms: String,
    /// OWAClearSign, default true.
    pub owa_clear_sign: bool,
    /// OWAIncludeSMIMECapabilitiesInMessage, default false.
    pub owa_include_smime_capabilities_in_message: bool,
    /// OWATripleWrapSignedEncryptedMail, default false.
    pub owa_triple_wrap_signed_encrypted_mail: bool,
    /// OWAUseKeyIdentifier, default false.
    pub owa_use_key_identifier: bool,
    /// OWAAllowUserChoiceOfSigningCertificate, default false.
    pub owa_allow_user_choice_of_signing_certificate: bool,
    /// OWAAlwaysSign, default false.
    pub owa_always_sign: bool,
    /// OWAAlwaysEncrypt, default false.
    pub owa_always_encrypt: bool,
    /// NoSignOnReply (New Outlook only), default true.
    pub no_sign_on_reply: bool,
    /// OWAOnlyUseSmartCard, default false.
    pub owa_only_use_smart_card: bool,
    /// OWASignedEmailCertificateInclusion, default true.
    pub owa_signed_email_certificate_inclusion: bool,
    /// OWADisableCRLCheck, default false.
    pub owa_disable_crl_check: bool,
    /// OWACheckCRLOnSend, default false.
    pub owa_check_crl_on_send: bool,
    /// OWAIncludeCertificateChainWithoutRootCertificate, default false.
    pub owa_include_certificate_chain_without_root_certificate: bool,
    /// OWAIncludeCertificateChainAndRootCertificate, default false.
    pub owa_include_certificate_chain_and_root_certificate: bool,
    /// OWAUseSecondaryProxiesWhenFindingCertificates, default true.
    pub owa_use_secondary_proxies_when_finding_certificates: bool,
    /// OWABCCEncryptedEmailForking, default 0.
    pub owa_bcc_encrypted_email_forking: u8,
}

impl Default for SmimeConfig {
    fn default() -> Self {
        Self {
            owa_encryption_algorithms: "6610".to_owned(),
            owa_signing_algorithms: "8004".to_owned(),
            owa_clear_sign: true,
            owa_include_smime_capabilities_in_message: false,
            owa_triple_wrap_signed_encrypted_mail: false,
            owa_use_key_identifier: false,
            owa_allow_user_choice_of_signing_certificate: false,
            owa_always_sign: false,
            owa_always_encrypt: false,
            no_sign_on_reply: true,
            owa_only_use_smart_card: false,
            owa_signed_email_certificate_inclusion: true,
            owa_disable_crl_check: false,
            owa_check_crl_on_send: false,
            owa_include_certificate_chain_without_root_certificate: false,
            owa_include_certificate_chain_and_root_certificate: false,
            owa_use_secondary_proxies_when_finding_certificates: true,
            owa_bcc_encrypted_email_forking: 0,
        }
    }
}

/// The user's Windows workstation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workstation {
    /// `windows` (the only OS the models cover).
    pub os: String,
    /// Roots Windows trusts; default the public root.
    pub windows_trusted_roots: Vec<String>,
    /// The Microsoft S/MIME browser extension for OWA is deployed; default false.
    pub owa_smime_extension: bool,
    /// GpgOL (Gpg4win) is installed in Classic Outlook; default false.
    pub gpgol: bool,
    /// OpenPGP certificates in the GpgOL keyring.
    pub gpgol_keyring: Vec<String>,
    /// OpenPGP secret keys GpgOL can use.
    pub gpgol_secret_keys: Vec<String>,
    /// Certificates on Classic's Outlook contacts (added or harvested).
    pub outlook_contacts: Vec<Contact>,
    /// Classic Outlook build, default `16.0.19000` (AES-256 fallback since 16.0.8518).
    pub classic_build: String,
    /// Open question Q4 (inferred): whether a Classic reply inherits signing/encryption.
    /// Default false.
    pub classic_reply_inherits_security: bool,
}

impl Default for Workstation {
    fn default() -> Self {
        Self {
            os: "windows".to_owned(),
            windows_trusted_roots: vec!["x509/public-root-ca.cert.pem".to_owned()],
            owa_smime_extension: false,
            gpgol: false,
            gpgol_keyring: Vec::new(),
            gpgol_secret_keys: Vec::new(),
            outlook_contacts: Vec::new(),
            classic_build: "16.0.19000".to_owned(),
            classic_reply_inherits_security: false,
        }
    }
}

/// The user's own certificate, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedOwn {
    /// The certificate.
    pub facts: CertificateFacts,
    /// Where its private key lives.
    pub private_key: PrivateKeyLocation,
    /// Whether the certificate is published to the directory (GAL).
    pub published_to_gal: bool,
}

/// An address with a resolved certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedContact {
    /// The address, lower-case.
    pub address: String,
    /// The certificate the contact carries.
    pub certificate: CertificateFacts,
}

/// The facts read from the profile's files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The user's own certificates.
    pub own: Vec<ResolvedOwn>,
    /// The tenant's certificate collection (SST) roots.
    pub sst_roots: Vec<CertificateFacts>,
    /// Admin-made mail contacts with certificates.
    pub mail_contacts: Vec<ResolvedContact>,
    /// Roots trusted by the Windows workstation.
    pub windows_roots: Vec<CertificateFacts>,
    /// The user's Outlook contacts with certificates.
    pub outlook_contacts: Vec<ResolvedContact>,
    /// GpgOL's public keyring.
    pub gpgol_keyring: Vec<PgpKeyFacts>,
    /// GpgOL's secret keys (the user's own OpenPGP keys).
    pub gpgol_secret_keys: Vec<PgpKeyFacts>,
}

impl Profile {
    /// Parses a profile from TOML text; `origin` names the file in errors. Certificates are
    /// not read (see [`Profile::load`]).
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let profile: Profile = toml::from_str(text).map_err(|e| Error::Schema {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(profile)
    }

    /// Reads a profile and every certificate and key it names (relative to `keys_dir`).
    pub fn load(path: &Path, keys_dir: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut profile = Self::parse(&text, path)?;
        profile.resolve(keys_dir)?;
        Ok(profile)
    }

    /// Loads `<dir>/<name>.toml`.
    pub fn load_named(name: &str, profiles_dir: &Path, keys_dir: &Path) -> Result<Self> {
        let path = profiles_dir.join(format!("{name}.toml"));
        if !path.is_file() {
            return Err(Error::UnknownProfile {
                name: name.to_owned(),
                dir: profiles_dir.to_path_buf(),
            });
        }
        Self::load(&path, keys_dir)
    }

    /// Fills [`Profile::resolved`] from the files named in the profile.
    pub fn resolve(&mut self, keys_dir: &Path) -> Result<()> {
        let mut r = Resolved::default();
        for own in &self.recipient.certificates {
            r.own.push(ResolvedOwn {
                facts: x509_facts(keys_dir, &own.cert, CertificateRole::Own)?,
                private_key: own.private_key,
                published_to_gal: own.published_to_gal,
            });
        }
        for root in &self.tenant.sst_roots {
            r.sst_roots
                .push(x509_facts(keys_dir, root, CertificateRole::Anchor)?);
        }
        for c in &self.tenant.mail_contacts {
            r.mail_contacts.push(ResolvedContact {
                address: c.address.to_ascii_lowercase(),
                certificate: x509_facts(keys_dir, &c.certificate, CertificateRole::Encryption)?,
            });
        }
        for root in &self.workstation.windows_trusted_roots {
            r.windows_roots
                .push(x509_facts(keys_dir, root, CertificateRole::Anchor)?);
        }
        for c in &self.workstation.outlook_contacts {
            r.outlook_contacts.push(ResolvedContact {
                address: c.address.to_ascii_lowercase(),
                certificate: x509_facts(keys_dir, &c.certificate, CertificateRole::Encryption)?,
            });
        }
        for k in &self.workstation.gpgol_keyring {
            r.gpgol_keyring.extend(pgp_facts(keys_dir, k)?);
        }
        for k in &self.workstation.gpgol_secret_keys {
            r.gpgol_secret_keys.extend(pgp_facts(keys_dir, k)?);
        }
        self.resolved = r;
        Ok(())
    }
}

fn read_key_file(keys_dir: &Path, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
    let path = keys_dir.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Ok((path, bytes))
}

/// The facts of the first certificate in a PEM/DER file.
fn x509_facts(keys_dir: &Path, rel: &str, role: CertificateRole) -> Result<CertificateFacts> {
    let (path, bytes) = read_key_file(keys_dir, rel)?;
    let certs = crate::smime::load_certs(&bytes);
    let first = certs.first().ok_or_else(|| Error::Key {
        path: path.clone(),
        message: "no X.509 certificate in the file".to_owned(),
    })?;
    Ok(crate::smime::certificate_facts(first, role))
}

/// The facts of the OpenPGP certificates in a file.
fn pgp_facts(keys_dir: &Path, rel: &str) -> Result<Vec<PgpKeyFacts>> {
    let (path, bytes) = read_key_file(keys_dir, rel)?;
    let found = crate::openpgp::keys_in(&bytes, rel);
    if found.facts.is_empty() {
        let why = found.problems.first().map_or_else(
            || "no OpenPGP certificate in the file".to_owned(),
            |p| p.message.clone(),
        );
        return Err(Error::Key { path, message: why });
    }
    Ok(found.facts)
}
