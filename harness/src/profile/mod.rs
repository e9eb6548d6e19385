//! Environment profiles: the recipient, her tenant and her workstation.
//!
//! A profile is a TOML file (the bundled ones are `corpora/profiles/<name>.toml`), parsed
//! into [`Profile`] with unknown keys rejected (the error names the file and the key). Every
//! optional value defaults to the documented default (Set-SmimeConfig values from catalogue
//! §2, D). [`Profile::load`] reads the certificates and keys it names into [`Resolved`] facts,
//! which is all the client models look at besides the spec values.
//!
//! A relative path in a profile is looked up beside the profile file first, then in the keys
//! folder ([`KeyFiles`]): the bundled profiles name the bundled persona keys
//! (`x509/public-root-ca.cert.pem`), a tenant's own profile names its own files next to it.
//! The bundled profiles and the keys they name are compiled into the binary ([`bundled`]),
//! so `replymatrix explain mail.eml --profile seed-tenant` works from any folder.

pub mod bundled;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::facts::{CertificateFacts, PgpKeyFacts};
use crate::facts::{CertificateRole, Instant};
use crate::memo::{MAX_MEMO_ITEM_BYTES, Memo};
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
    #[serde(default)]
    /// Outlook for iOS and Android on the user's phone.
    pub mobile: Mobile,
    #[serde(default)]
    /// Outlook for Mac on the user's Mac.
    pub mac: Mac,
    /// Facts read from the files named above (filled by [`Profile::load`], or by tests).
    #[serde(skip)]
    pub resolved: Resolved,
    /// Where the files named above were read from (filled with [`Profile::resolved`]).
    #[serde(skip)]
    pub files: KeyFiles,
}

/// Where the files a profile names are read from: beside the profile file, then in a keys
/// folder, or in the keys bundled into the binary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyFiles {
    /// The folder of the profile file; `None` for a bundled profile or one parsed from text.
    pub beside: Option<PathBuf>,
    /// The keys folder (`--keys-dir`); `None`: the bundled keys.
    pub keys_dir: Option<PathBuf>,
    /// The certificate the message being answered carries for its sender, which a path
    /// written [`MESSAGE_SIGNER`] names (a remedy's mail contact or Outlook contact); `None`
    /// outside a remedy, where that path is an error.
    pub message_signer: Option<Box<CertificateFacts>>,
}

/// The path that names the certificate the message carries for its sender (a remedy's
/// profile patch: the admin saves it from the signed message).
pub const MESSAGE_SIGNER: &str = "{message-signer}";

impl KeyFiles {
    /// Paths only in `keys_dir` (how the matrix and the tests resolve the bundled profiles).
    pub fn in_dir(keys_dir: &Path) -> Self {
        Self {
            beside: None,
            keys_dir: Some(keys_dir.to_path_buf()),
            message_signer: None,
        }
    }

    /// Reads `rel`: an absolute path as it is; otherwise beside the profile, else in the keys
    /// folder (or the bundled keys). Returns the path read (for messages) and the bytes.
    pub fn read(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        let given = Path::new(rel);
        let mut tried = Vec::new();
        let candidates = if given.is_absolute() {
            vec![given.to_path_buf()]
        } else {
            self.beside
                .iter()
                .chain(self.keys_dir.iter())
                .map(|dir| dir.join(given))
                .collect()
        };
        for path in candidates {
            match std::fs::read(&path) {
                Ok(bytes) => return Ok((path, bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => tried.push(path),
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        if self.keys_dir.is_none()
            && !given.is_absolute()
            && let Some(bytes) = bundled::key(rel)
        {
            return Ok((bundled::key_path(rel), bytes.to_vec()));
        }
        let mut places: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        if self.keys_dir.is_none() && !given.is_absolute() {
            places.push(format!(
                "the bundled keys ({})",
                bundled::KEYS
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Err(Error::Key {
            path: given.to_path_buf(),
            message: format!(
                "not found; a path in a profile is looked up beside the profile file, then in the \
                 keys folder (--keys-dir); looked in: {}",
                places.join("; ")
            ),
        })
    }
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
    /// Certificate path: beside the profile file, or below the keys folder.
    pub cert: String,
    /// Where the private key is (default: nowhere).
    #[serde(default)]
    pub private_key: PrivateKeyLocation,
    /// Whether it is published on her directory object (userSMIMECertificate), default false.
    #[serde(default)]
    pub published_to_gal: bool,
}

vocabulary! {
    /// Where a private key lives (default: nowhere).
    #[derive(Default)]
    pub enum PrivateKeyLocation {
        /// The Windows certificate store (CAPI/CNG).
        WindowsStore = "windows-store",
        /// A smart card.
        SmartCard = "smart-card",
        /// Not on this workstation.
        #[default]
        None = "none",
    }
}

impl PrivateKeyLocation {
    /// Whether the workstation can use the key.
    pub fn usable(self) -> bool {
        !matches!(self, Self::None)
    }
}

/// The Exchange Online tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Whether Exchange Online can reach the certificate revocation lists of the CAs in the
    /// SST (the second prerequisite of S/MIME in Outlook mobile: "Publishing the certificate
    /// revocation list to the internet"); default true. Only the Outlook mobile model reads
    /// it.
    #[serde(default = "yes")]
    pub crl_reachable: bool,
    /// Certificates an LDAP directory endpoint of the organisation serves (what Outlook
    /// mobile's `LDAPHostName` and Outlook for Mac's LDAP lookup would query); default none.
    #[serde(default)]
    pub ldap_contacts: Vec<Contact>,
}

impl Default for Tenant {
    fn default() -> Self {
        Self {
            sst_roots: Vec::new(),
            mail_contacts: Vec::new(),
            smime_config: SmimeConfig::default(),
            crl_reachable: true,
            ldap_contacts: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// An address with a certificate (a mail contact or an Outlook contact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The address, lower-case.
    pub address: String,
    /// Certificate path: beside the profile file, or below the keys folder.
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

vocabulary! {
    /// How the user's own S/MIME certificates (with their private keys) reach Outlook for
    /// iOS and Android.
    #[derive(Default)]
    pub enum CertificateDelivery {
        /// Microsoft Intune (Endpoint Manager) delivers them: the only automated delivery
        /// (enrolled device; Company Portal on iOS).
        Intune = "intune",
        /// The user mailed herself a password-protected `.pfx` and tapped it in the app.
        ManualPfx = "manual-pfx",
        /// They are not on the phone.
        #[default]
        None = "none",
    }
}

vocabulary! {
    /// Where Outlook for iOS and Android looks for a recipient's certificate first: its S/MIME
    /// page says both, in two sections, since 2021-06-24.
    #[derive(Default)]
    pub enum MobileLookupOrder {
        /// "The Global Address List (GAL) is checked first", then the device keychain or
        /// KeyStore (section "Create S/MIME messages", unchanged since 2019-09-10).
        #[default]
        GalThenDevice = "gal-then-device",
        /// "search the local device first, then query Azure Active Directory, and then
        /// evaluate any LDAP directory endpoint" (section "LDAP support for certificate
        /// lookup", since 2021-06-24).
        DeviceThenAzureAdThenLdap = "device-then-azure-ad-then-ldap",
    }
}

/// Outlook for iOS and Android: the app-configuration keys (Intune, `com.microsoft.outlook.
/// Mail.SMIMEEnabled...`) and what is on the phone. Each field defaults to the documented
/// default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mobile {
    /// The app's S/MIME setting is on (the user's switch, or the admin's `SMIMEEnabled`);
    /// default false: off by default, and `SMIMEEnabled` "Default if not specified: false".
    pub smime_enabled: bool,
    /// `SMIMEEnabled.UserChangeAllowed`: the user may change the setting; default true.
    pub user_change_allowed: bool,
    /// `SMIMEEnabled.EncryptAllMail`: every message is encrypted; default false.
    pub encrypt_all_mail: bool,
    /// `SMIMEEnabled.SignAllMail`: every message is signed; default false.
    pub sign_all_mail: bool,
    /// `SMIMEEnabled.LDAPHostName`: the LDAP endpoint for recipient certificates; default
    /// empty (none).
    pub ldap_host: String,
    /// How the user's own certificates reach the phone; default none.
    pub certificate_delivery: CertificateDelivery,
    /// Which documented lookup order the app follows; default `gal-then-device`.
    pub recipient_lookup_order: MobileLookupOrder,
    /// Senders' certificates the user installed from the S/MIME status bar (the "local
    /// device" source); default none.
    pub device_certificates: Vec<Contact>,
}

impl Default for Mobile {
    fn default() -> Self {
        Self {
            smime_enabled: false,
            user_change_allowed: true,
            encrypt_all_mail: false,
            sign_all_mail: false,
            ldap_host: String::new(),
            certificate_delivery: CertificateDelivery::None,
            recipient_lookup_order: MobileLookupOrder::GalThenDevice,
            device_certificates: Vec::new(),
        }
    }
}

vocabulary! {
    /// Which Outlook for Mac.
    #[derive(Default)]
    pub enum MacEdition {
        /// New Outlook for Mac (the S/MIME preference keys are for it, from 16.45).
        #[default]
        New = "new",
        /// Legacy Outlook for Mac (Outlook 2011/2016 and the legacy mode of the current app).
        Legacy = "legacy",
    }
}

vocabulary! {
    /// A source in Outlook for Mac's `SMIMECertificatesLookupOrder` (0 to 3).
    pub enum MacLookupSource {
        /// 0: Contacts (certificates on Outlook contacts).
        Contacts = "contacts",
        /// 1: the Global Address List.
        Gal = "gal",
        /// 2: Device (the macOS keychain).
        Device = "device",
        /// 3: LDAP.
        Ldap = "ldap",
    }
}

/// Outlook for Mac: the S/MIME preference keys (domain `com.microsoft.Outlook`) and the
/// keychain. Each field defaults to the documented default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mac {
    /// Which Outlook for Mac; default `new`.
    pub edition: MacEdition,
    /// `SMIMECertificatesLookupOrder` (new Outlook only): the order in which certificates are
    /// used to decrypt and encrypt; default `[contacts, gal, device, ldap]` (`[0, 1, 2, 3]`).
    pub smime_certificates_lookup_order: Vec<MacLookupSource>,
    /// `AllowCertsWithoutMatchingEmailAddress` (new Outlook only); default false.
    pub allow_certs_without_matching_email_address: bool,
    /// `DisableSMIMECompose` (new Outlook only); default false.
    pub disable_smime_compose: bool,
    /// Roots the macOS keychains trust (X509 Anchors, System, login); default the public
    /// root.
    pub keychain_trusted_roots: Vec<String>,
    /// The user's own certificates (`recipient.certificates`) are in her login keychain with
    /// their private keys; default false.
    pub own_certificates_in_keychain: bool,
    /// Other people's certificates in the keychain ("Device"); default none.
    pub keychain_certificates: Vec<Contact>,
    /// Certificates on Outlook for Mac contacts ("Contacts"); default none.
    pub contacts: Vec<Contact>,
}

impl Default for Mac {
    fn default() -> Self {
        Self {
            edition: MacEdition::New,
            smime_certificates_lookup_order: vec![
                MacLookupSource::Contacts,
                MacLookupSource::Gal,
                MacLookupSource::Device,
                MacLookupSource::Ldap,
            ],
            allow_certs_without_matching_email_address: false,
            disable_smime_compose: false,
            keychain_trusted_roots: vec!["x509/public-root-ca.cert.pem".to_owned()],
            own_certificates_in_keychain: false,
            keychain_certificates: Vec::new(),
            contacts: Vec::new(),
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
    /// Certificates the organisation's LDAP endpoint serves.
    pub ldap_contacts: Vec<ResolvedContact>,
    /// Senders' certificates installed in Outlook mobile from the S/MIME bar.
    pub mobile_device_certificates: Vec<ResolvedContact>,
    /// Roots the macOS keychains trust.
    pub keychain_roots: Vec<CertificateFacts>,
    /// Other people's certificates in the macOS keychain.
    pub mac_keychain_certificates: Vec<ResolvedContact>,
    /// Certificates on Outlook for Mac contacts.
    pub mac_contacts: Vec<ResolvedContact>,
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

    /// Parses a profile from a TOML table already read (a profile with a remedy's patch
    /// merged in); the same checks as [`Profile::parse`].
    pub fn from_table(table: toml::Table, origin: &Path) -> Result<Self> {
        Profile::deserialize(toml::Value::Table(table)).map_err(|e| Error::Schema {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads a profile file and every certificate and key it names: beside the file first,
    /// then in `keys_dir`.
    pub fn load(path: &Path, keys_dir: &Path) -> Result<Self> {
        Self::load_file(path, &KeyFiles::in_dir(keys_dir))
    }

    /// Reads a profile file and every file it names, looked up beside the profile file, then
    /// as `files` says.
    pub fn load_file(path: &Path, files: &KeyFiles) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut profile = Self::parse(&text, path)?;
        let files = KeyFiles {
            beside: Some(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf(),
            ),
            keys_dir: files.keys_dir.clone(),
            message_signer: files.message_signer.clone(),
        };
        profile.resolve_with(&files)?;
        Ok(profile)
    }

    /// Loads `<dir>/<name>.toml`.
    pub fn load_named(name: &str, profiles_dir: &Path, keys_dir: &Path) -> Result<Self> {
        let path = profiles_dir.join(format!("{name}.toml"));
        if !path.is_file() {
            return Err(Error::UnknownProfile {
                name: name.to_owned(),
                dir: profiles_dir.display().to_string(),
                known: names_in(profiles_dir),
            });
        }
        Self::load(&path, keys_dir)
    }

    /// A profile given on the command line: a path to a TOML file when one is there, else a
    /// name (`seed-tenant`, or `seed-tenant.toml`) in `profiles_dir`, or among the bundled
    /// profiles when that is `None`. Files it names are read as [`KeyFiles::read`] says, in
    /// `keys_dir` (or the bundled keys when `None`).
    pub fn find(spec: &str, profiles_dir: Option<&Path>, keys_dir: Option<&Path>) -> Result<Self> {
        let files = KeyFiles {
            beside: None,
            keys_dir: keys_dir.map(Path::to_path_buf),
            message_signer: None,
        };
        let path = Path::new(spec);
        if path.is_file() {
            return Self::load_file(path, &files);
        }
        let name = spec.strip_suffix(".toml").unwrap_or(spec);
        if name.contains(['/', '\\']) {
            // A path, and nothing is there.
            return Err(Error::io(path, std::io::ErrorKind::NotFound.into()));
        }
        match profiles_dir {
            Some(dir) => {
                let file = dir.join(format!("{name}.toml"));
                if !file.is_file() {
                    return Err(Error::UnknownProfile {
                        name: spec.to_owned(),
                        dir: dir.display().to_string(),
                        known: names_in(dir),
                    });
                }
                Self::load_file(&file, &files)
            }
            None => {
                let Some(text) = bundled::profile(name) else {
                    return Err(Error::UnknownProfile {
                        name: spec.to_owned(),
                        dir: "the bundled profiles".to_owned(),
                        known: bundled::PROFILES
                            .iter()
                            .map(|(n, _)| (*n).to_owned())
                            .collect(),
                    });
                };
                let mut profile = Self::parse(text, &bundled::profile_path(name))?;
                profile.resolve_with(&files)?;
                Ok(profile)
            }
        }
    }

    /// Every file the profile names, in the order [`Profile::resolve`] reads them.
    pub fn file_paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = Vec::new();
        paths.extend(self.recipient.certificates.iter().map(|c| c.cert.as_str()));
        paths.extend(self.tenant.sst_roots.iter().map(String::as_str));
        paths.extend(
            self.tenant
                .mail_contacts
                .iter()
                .map(|c| c.certificate.as_str()),
        );
        paths.extend(
            self.workstation
                .windows_trusted_roots
                .iter()
                .map(String::as_str),
        );
        paths.extend(
            self.workstation
                .outlook_contacts
                .iter()
                .map(|c| c.certificate.as_str()),
        );
        paths.extend(self.workstation.gpgol_keyring.iter().map(String::as_str));
        paths.extend(
            self.workstation
                .gpgol_secret_keys
                .iter()
                .map(String::as_str),
        );
        paths.extend(
            self.tenant
                .ldap_contacts
                .iter()
                .map(|c| c.certificate.as_str()),
        );
        paths.extend(
            self.mobile
                .device_certificates
                .iter()
                .map(|c| c.certificate.as_str()),
        );
        paths.extend(self.mac.keychain_trusted_roots.iter().map(String::as_str));
        paths.extend(
            self.mac
                .keychain_certificates
                .iter()
                .map(|c| c.certificate.as_str()),
        );
        paths.extend(self.mac.contacts.iter().map(|c| c.certificate.as_str()));
        paths
    }

    /// Fills [`Profile::resolved`] from the files named in the profile, read from `keys_dir`.
    pub fn resolve(&mut self, keys_dir: &Path) -> Result<()> {
        self.resolve_with(&KeyFiles::in_dir(keys_dir))
    }

    /// Fills [`Profile::resolved`] from the files named in the profile, read as `files` says.
    pub fn resolve_with(&mut self, files: &KeyFiles) -> Result<()> {
        self.resolve_cached(files, &mut FileFacts::default())
    }

    /// [`Profile::resolve_with`], with the facts of files already read kept in `cache` by the
    /// path the profile names (a caller that loads many variants of one profile with the same
    /// `files`, the remedies search, keeps one cache per profile).
    pub fn resolve_cached(&mut self, files: &KeyFiles, cache: &mut FileFacts) -> Result<()> {
        let mut x509 = |rel: &str, role: CertificateRole| -> Result<CertificateFacts> {
            if rel == MESSAGE_SIGNER {
                return x509_facts(files, rel, role);
            }
            let facts = match cache.x509.get(rel) {
                Some(f) => f.clone(),
                None => {
                    let f = x509_facts(files, rel, role)?;
                    cache.x509.insert(rel.to_owned(), f.clone());
                    f
                }
            };
            Ok(CertificateFacts { role, ..facts })
        };
        let mut r = Resolved::default();
        for own in &self.recipient.certificates {
            r.own.push(ResolvedOwn {
                facts: x509(&own.cert, CertificateRole::Own)?,
                private_key: own.private_key,
                published_to_gal: own.published_to_gal,
            });
        }
        for root in &self.tenant.sst_roots {
            r.sst_roots.push(x509(root, CertificateRole::Anchor)?);
        }
        for c in &self.tenant.mail_contacts {
            r.mail_contacts.push(ResolvedContact {
                address: c.address.to_ascii_lowercase(),
                certificate: x509(&c.certificate, CertificateRole::Encryption)?,
            });
        }
        for root in &self.workstation.windows_trusted_roots {
            r.windows_roots.push(x509(root, CertificateRole::Anchor)?);
        }
        for c in &self.workstation.outlook_contacts {
            r.outlook_contacts.push(ResolvedContact {
                address: c.address.to_ascii_lowercase(),
                certificate: x509(&c.certificate, CertificateRole::Encryption)?,
            });
        }
        let mut pgp = |rel: &str| -> Result<Vec<PgpKeyFacts>> {
            if let Some(f) = cache.pgp.get(rel) {
                return Ok(f.clone());
            }
            let f = pgp_facts(files, rel)?;
            cache.pgp.insert(rel.to_owned(), f.clone());
            Ok(f)
        };
        for k in &self.workstation.gpgol_keyring {
            r.gpgol_keyring.extend(pgp(k)?);
        }
        for k in &self.workstation.gpgol_secret_keys {
            r.gpgol_secret_keys.extend(pgp(k)?);
        }
        let contacts = |list: &[Contact]| -> Result<Vec<ResolvedContact>> {
            list.iter()
                .map(|c| {
                    Ok(ResolvedContact {
                        address: c.address.to_ascii_lowercase(),
                        certificate: x509_facts(
                            files,
                            &c.certificate,
                            CertificateRole::Encryption,
                        )?,
                    })
                })
                .collect()
        };
        r.ldap_contacts = contacts(&self.tenant.ldap_contacts)?;
        r.mobile_device_certificates = contacts(&self.mobile.device_certificates)?;
        for root in &self.mac.keychain_trusted_roots {
            r.keychain_roots
                .push(x509_facts(files, root, CertificateRole::Anchor)?);
        }
        r.mac_keychain_certificates = contacts(&self.mac.keychain_certificates)?;
        r.mac_contacts = contacts(&self.mac.contacts)?;
        self.resolved = r;
        self.files = files.clone();
        Ok(())
    }
}

/// The facts of files a profile names, by the path it names them with (see
/// [`Profile::resolve_cached`]).
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    x509: std::collections::HashMap<String, CertificateFacts>,
    pgp: std::collections::HashMap<String, Vec<PgpKeyFacts>>,
}

/// The profile names (`*.toml` stems) in a folder, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let path = e.ok()?.path();
                    (path.extension()? == "toml")
                        .then(|| path.file_stem()?.to_str().map(str::to_owned))?
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The facts of the first certificate in a PEM/DER file.
fn x509_facts(files: &KeyFiles, rel: &str, role: CertificateRole) -> Result<CertificateFacts> {
    if rel == MESSAGE_SIGNER {
        let Some(cert) = &files.message_signer else {
            return Err(Error::Key {
                path: PathBuf::from(rel),
                message: "names the certificate the message carries for its sender, which only \
                          a remedy for that message gives; save the certificate from the message \
                          and name its file instead"
                    .to_owned(),
            });
        };
        let mut facts = (**cert).clone();
        facts.role = role;
        return Ok(facts);
    }
    let (path, bytes) = files.read(rel)?;
    // A profile loaded again (each remedy's changed profile) names the same files: their
    // facts are memoised by content.
    static X509: Memo<Vec<u8>, Option<CertificateFacts>> = Memo::new();
    let first = || {
        crate::smime::load_certs(&bytes)
            .first()
            .map(|c| crate::smime::certificate_facts(c, CertificateRole::Own))
    };
    let facts = if bytes.len() <= MAX_MEMO_ITEM_BYTES {
        X509.get_or(bytes.as_slice(), first)
    } else {
        first()
    };
    let mut facts = facts.ok_or_else(|| Error::Key {
        path: path.clone(),
        message: "no X.509 certificate in the file".to_owned(),
    })?;
    facts.role = role;
    Ok(facts)
}

/// The facts of the OpenPGP certificates in a file.
fn pgp_facts(files: &KeyFiles, rel: &str) -> Result<Vec<PgpKeyFacts>> {
    let (path, bytes) = files.read(rel)?;
    // Memoised by path and content, as the certificates above (the facts name the path).
    static PGP: Memo<Vec<u8>, std::result::Result<Vec<PgpKeyFacts>, String>> = Memo::new();
    let read = || {
        let found = crate::openpgp::keys_in(&bytes, rel);
        if found.facts.is_empty() {
            return Err(found.problems.first().map_or_else(
                || "no OpenPGP certificate in the file".to_owned(),
                |p| p.message.clone(),
            ));
        }
        Ok(found.facts)
    };
    let found = if bytes.len() + rel.len() < MAX_MEMO_ITEM_BYTES {
        let mut key = rel.as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(&bytes);
        PGP.get_or(key.as_slice(), read)
    } else {
        read()
    };
    found.map_err(|message| Error::Key { path, message })
}
