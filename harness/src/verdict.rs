//! Verdict types: what one client lets the recipient do with one message.
//!
//! These types serialise to the `clients[]` entries of `replymatrix.explain/1`. Every
//! [`Outcome`] carries the rules it applied; its confidence is the weakest of them and its
//! evidence the union of their URLs (see [`crate::evidence`]). "Unknown to the model"
//! (`status: unknown`, reason [`Reason::NotModelled`]) is kept apart from "blocked by a rule"
//! (`status: no` with a documented reason).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::evidence::{self, Confidence, RuleId};
use crate::facts::Digest;
use crate::policy::Cipher;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// The clients modelled.
    pub enum ClientId {
        /// Classic Outlook for Windows (Outlook 2016 and later, Microsoft 365 desktop).
        ClassicOutlook = "classic-outlook",
        /// Outlook on the web (Exchange Online).
        Owa = "owa",
        /// New Outlook for Windows (olk.exe).
        NewOutlook = "new-outlook",
        /// Outlook for iOS and Android (an Exchange Online account on the native Microsoft
        /// sync technology).
        OutlookMobile = "outlook-mobile",
        /// Outlook for Mac (new Outlook for Mac; legacy Outlook for Mac where the profile
        /// says so).
        OutlookMac = "outlook-mac",
    }
}

vocabulary! {
    /// Whether something can be done.
    pub enum Status {
        /// It can be done.
        Yes = "yes",
        /// It cannot: a rule blocked it (see the reason).
        No = "no",
        /// Possible with a caveat (a dialog, a degraded form).
        Partial = "partial",
        /// The model does not know: the evidence is silent.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Why an outcome is not `yes` (or what caveat a `partial` has).
    pub enum Reason {
        /// No usable certificate for the recipient of the reply (the original sender) in any
        /// source the client consults.
        NoRecipientCertificate = "no-recipient-certificate",
        /// The user has no own certificate with a usable private key for this operation.
        NoOwnCertificate = "no-own-certificate",
        /// The user's signing certificate does not chain to the tenant SST (OWA E6).
        OwnCertificateNotTrustedBySst = "own-certificate-not-trusted-by-sst",
        /// OWA without the Microsoft S/MIME extension / control.
        ExtensionMissing = "extension-missing",
        /// The sender uses OpenPGP only and the client has no OpenPGP.
        OpenpgpNotSupported = "openpgp-not-supported",
        /// Exchange classed the item as S/MIME and the client's S/MIME control cannot handle it
        /// (hypothesis for PGP/MIME-signed mail in OWA).
        ItemClassSmimeNoControl = "item-class-smime-no-control",
        /// The message is encrypted and the client cannot decrypt it.
        CannotDecrypt = "cannot-decrypt",
        /// The algorithm is not supported by the client.
        UnsupportedAlgorithm = "unsupported-algorithm",
        /// The original message has no usable `From` to reply to.
        NoRecipientAddress = "no-recipient-address",
        /// A secure reply is written in the sender's own portal (Proton EO), not in this client.
        ReplyInSenderPortal = "reply-in-sender-portal",
        /// Possible after a warning dialog the user must click through (for example E1b, RSA
        /// sender to ECC recipient in Classic Outlook).
        WarningDialog = "warning-dialog",
        /// The evidence does not say; the model answers unknown.
        NotModelled = "not-modelled",
        /// The answer depends on encrypted content that was not examined (no key for it was
        /// given); a client holding the key would answer from it.
        ContentNotExamined = "content-not-examined",
        /// The input is not an e-mail message: there is nothing to read or answer.
        NotAMessage = "not-a-message",
        /// S/MIME is switched off in the client: Outlook for iOS and Android's S/MIME setting
        /// (off by default, app configuration SMIMEEnabled).
        SmimeSwitchedOff = "smime-switched-off",
        /// The admin removed the S/MIME option from compose (Outlook for Mac
        /// DisableSMIMECompose).
        SmimeComposeDisabled = "smime-compose-disabled",
    }
}

impl Reason {
    /// One line for people (the doc line of the variant).
    pub fn describe(self) -> &'static str {
        match self {
            Self::NoRecipientCertificate => {
                "No usable certificate for the recipient of the reply in any source the client consults."
            }
            Self::NoOwnCertificate => {
                "The user has no own certificate with a usable private key for this operation."
            }
            Self::OwnCertificateNotTrustedBySst => {
                "The user's signing certificate does not chain to the tenant SST (OWA E6)."
            }
            Self::ExtensionMissing => "OWA without the Microsoft S/MIME extension / control.",
            Self::OpenpgpNotSupported => {
                "The sender uses OpenPGP only and the client has no OpenPGP."
            }
            Self::ItemClassSmimeNoControl => {
                "Exchange classed the item as S/MIME and the client's S/MIME control cannot handle it."
            }
            Self::CannotDecrypt => "The message is encrypted and the client cannot decrypt it.",
            Self::UnsupportedAlgorithm => "The algorithm is not supported by the client.",
            Self::NoRecipientAddress => "The original message has no usable From to reply to.",
            Self::ReplyInSenderPortal => {
                "A secure reply is written in the sender's portal (Proton EO), not in this client."
            }
            Self::WarningDialog => "Possible after a warning dialog the user must click through.",
            Self::NotModelled => "The evidence does not say; the model answers unknown.",
            Self::ContentNotExamined => {
                "The answer depends on encrypted content that was not examined (no key for it was given)."
            }
            Self::NotAMessage => {
                "The input is not an e-mail message: there is nothing to read or answer."
            }
            Self::SmimeSwitchedOff => {
                "S/MIME is switched off in the client (Outlook for iOS and Android's S/MIME setting)."
            }
            Self::SmimeComposeDisabled => {
                "The admin removed the S/MIME option from compose (Outlook for Mac DisableSMIMECompose)."
            }
        }
    }
}

vocabulary! {
    /// Where the certificate (or key) used to encrypt the reply comes from.
    pub enum CertificateSource {
        /// Carried in the message being answered (harvested).
        Message = "message",
        /// A published user in the directory.
        Gal = "gal",
        /// The user's Outlook Contacts.
        Contacts = "contacts",
        /// An admin-made mail contact in the tenant directory.
        MailContact = "mail-contact",
        /// The GpgOL OpenPGP keyring.
        Keyring = "keyring",
        /// Installed on the user's device: a sender's certificate installed from Outlook
        /// mobile's S/MIME bar (iOS keychain, Android KeyStore), or a certificate in the
        /// macOS keychain (Outlook for Mac's "Device").
        Device = "device",
    }
}

/// With what a reply is protected; fields are `None` when not applicable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct With {
    /// The digest the reply is signed with (`sha256`...).
    pub digest: Option<Digest>,
    /// The cipher the reply is encrypted with (`aes-256-cbc`...).
    pub cipher: Option<Cipher>,
    /// Where the certificate (or key) the reply is encrypted to comes from.
    pub recipient_certificate_from: Option<CertificateSource>,
}

/// One decision: can the user do this, and why (not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    /// Whether the user can do it.
    pub status: Status,
    /// Why not (`no`), or the caveat (`partial`); `not-modelled` for `unknown`.
    pub reason: Option<Reason>,
    /// The client's own words, where the evidence has them.
    pub user_sees: Option<String>,
    /// With what the reply is protected, when it can be made.
    pub with: Option<With>,
    /// The weakest confidence of [`Outcome::rules`], or `observed` when an observation
    /// confirmed this outcome (see [`Outcome::observed_by`]).
    pub confidence: Confidence,
    /// The source URLs of the rules applied.
    pub evidence: Vec<String>,
    /// The rule ids applied, in order.
    pub rules: Vec<RuleId>,
    /// The ids of the observations (`corpora/observations/`) that saw a real client do this
    /// with a message of this structure in this environment; absent when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_by: Vec<String>,
    /// For a `no` or `partial` outcome: the smallest sets of actions that make it `yes`
    /// under the models, smallest and cheapest first (`crate::remedies`); an empty list when
    /// none of up to three actions helps (then [`Outcome::no_remedy`] says why). Absent for
    /// `yes` and `unknown` outcomes and where remedies were not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedies: Option<Vec<Remedy>>,
    /// Why no set of up to three actions makes this outcome `yes`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_remedy: Option<String>,
    /// Actions people try first (the extension, a personal certificate, a root, ...) that
    /// apply here and are in no remedy for this client and message: they would not help.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_helping: Vec<String>,
}

vocabulary! {
    /// Who makes a change.
    pub enum Actor {
        /// The external correspondent (or that person's own admin).
        Sender = "sender",
        /// The Microsoft 365 user who received the message.
        Recipient = "recipient",
        /// The Exchange Online / Entra / Intune admin of the recipient's tenant.
        TenantAdmin = "tenant-admin",
        /// Whoever controls the recipient's Windows device and browser.
        WorkstationAdmin = "workstation-admin",
        /// Use another client for this message.
        ClientChoice = "client-choice",
    }
}

/// One source for an action: URL, a short quote, and how much it can be trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionEvidence {
    /// The page that was read.
    pub url: String,
    /// A short quote from it (under 30 words).
    pub quote: String,
    /// The catalogue's confidence class.
    pub confidence: Confidence,
}

/// One action of a remedy, filled in for this message and profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RemedyAction {
    /// The action's stable id (`ta-mailcontact-with-cert`), or `sender:<family/name>` for
    /// a different sender setting that a sibling sample of the corpus shows.
    pub id: String,
    /// Who makes the change.
    pub actor: Actor,
    /// What it changes, one line.
    pub title: String,
    /// What the person does: the cmdlet with its parameters or the menu path.
    pub procedure: String,
    /// The sources of the action.
    pub evidence: Vec<ActionEvidence>,
    /// The change in the public profile format: a TOML fragment that, merged into the
    /// profile (tables merge, arrays append, values replace), gives the changed environment.
    /// `{message-signer}` stands for the certificate the message carries for its sender.
    /// `null` for a client choice or a sender's change.
    pub profile_patch: Option<String>,
    /// For a client choice: the client used instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientId>,
    /// For a sender's change: the corpus sample (`family/name`) the sender's other setting
    /// produces; the other actions of the remedy then apply to that message.
    pub sample: Option<String>,
}

/// A set of actions that together make an outcome `yes` under the models, no proper subset
/// of which does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remedy {
    /// The actions, in the order an admin would take them.
    pub actions: Vec<RemedyAction>,
    /// The weakest of the resulting `yes` outcome's confidence and the actions' evidence.
    pub confidence: Confidence,
    /// The rules the resulting `yes` outcome applies.
    pub rules: Vec<RuleId>,
}

impl Remedy {
    /// The action ids joined by `+` (`rc-get-digital-id+ta-force-smime-extension`).
    pub fn ids(&self) -> String {
        self.actions
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl Outcome {
    /// An outcome whose confidence and evidence are derived from the rules.
    pub fn new(
        status: Status,
        reason: Option<Reason>,
        user_sees: Option<&str>,
        with: Option<With>,
        rules: &Trail,
    ) -> Self {
        let rules = rules.ids();
        Self {
            status,
            reason,
            user_sees: user_sees.map(str::to_owned),
            with,
            confidence: evidence::weakest_of(&rules),
            evidence: evidence::urls_of(&rules),
            rules,
            observed_by: Vec::new(),
            remedies: None,
            no_remedy: None,
            not_helping: Vec::new(),
        }
    }

    /// `yes` with this `with`.
    pub fn yes(with: Option<With>, rules: &Trail) -> Self {
        Self::new(Status::Yes, None, None, with, rules)
    }

    /// `no` for this reason.
    pub fn no(reason: Reason, user_sees: Option<&str>, rules: &Trail) -> Self {
        Self::new(Status::No, Some(reason), user_sees, None, rules)
    }

    /// Adds a rule to an outcome already built, recomputing confidence and evidence.
    pub fn add_rule(&mut self, id: RuleId) {
        if !self.rules.contains(&id) {
            self.rules.push(id);
            self.confidence = evidence::weakest_of(&self.rules);
            self.evidence = evidence::urls_of(&self.rules);
        }
    }

    /// `unknown`: the model does not know (adds `model.not-modelled`).
    pub fn unknown(rules: &Trail) -> Self {
        let mut t = rules.clone();
        t.push(RuleId::ModelNotModelled);
        Self::new(Status::Unknown, Some(Reason::NotModelled), None, None, &t)
    }
}

/// The rules applied so far, in order, without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail(Vec<RuleId>);

impl Trail {
    /// An empty trail.
    pub fn new() -> Self {
        Self::default()
    }

    /// A trail of these rules.
    pub fn of(ids: &[RuleId]) -> Self {
        let mut t = Self::new();
        for &id in ids {
            t.push(id);
        }
        t
    }

    /// Adds a rule (once).
    pub fn push(&mut self, id: RuleId) {
        if !self.0.contains(&id) {
            self.0.push(id);
        }
    }

    /// This trail plus more rules.
    pub fn with(&self, ids: &[RuleId]) -> Self {
        let mut t = self.clone();
        for &id in ids {
            t.push(id);
        }
        t
    }

    /// Appends another trail.
    pub fn extend(&mut self, other: &Trail) {
        for &id in &other.0 {
            self.push(id);
        }
    }

    /// Whether this rule was applied.
    pub fn contains(&self, id: RuleId) -> bool {
        self.0.contains(&id)
    }

    /// The rules, in the order they were applied.
    pub fn ids(&self) -> Vec<RuleId> {
        self.0.clone()
    }
}

vocabulary! {
    /// How a message reads.
    pub enum ReadStatus {
        /// The text is shown.
        Readable = "readable",
        /// The text is shown under a warning (an invalid or untrusted signature).
        ReadableWithWarning = "readable-with-warning",
        /// Only attachments are shown (the security layer is an attachment to the client).
        AttachmentsOnly = "attachments-only",
        /// The text cannot be read.
        Unreadable = "unreadable",
        /// Readable or not, with a warning or not: it depends on encrypted content that was
        /// not examined (no key for it was given), or the evidence does not say (the rules
        /// then include `model.not-modelled`).
        Unknown = "unknown",
    }
}

impl ReadStatus {
    /// Whether the text can be read (and so quoted).
    pub fn text_visible(self) -> bool {
        matches!(self, Self::Readable | Self::ReadableWithWarning)
    }
}

vocabulary! {
    /// What the signature indicator shows.
    pub enum SignatureShown {
        /// The signature is shown as valid and trusted.
        Verified = "verified",
        /// Valid, but the signer is not trusted.
        Untrusted = "untrusted",
        /// The signature is shown as invalid.
        Invalid = "invalid",
        /// Signed, but the details show errors: the indicator says the message is signed (a
        /// seal, no error bar) while the signer line or the details report errors, so the
        /// client contradicts itself (Müller et al. 2019 §5.1: Outlook with no signers).
        SignedWithErrors = "signed-with-errors",
        /// A signature is present but the client does not check it.
        NotVerified = "not-verified",
        /// No signature indicator.
        None = "none",
        /// It depends on encrypted content that was not examined (a signature may be inside),
        /// or the evidence does not say what the client shows (`model.not-modelled`).
        Unknown = "unknown",
    }
}

/// The read verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReadVerdict {
    /// How the message reads.
    pub status: ReadStatus,
    /// What the signature indicator shows.
    pub signature_shown: SignatureShown,
    /// The client's own words, where the evidence has them.
    pub user_sees: Option<String>,
    /// The weakest confidence of [`ReadVerdict::rules`], or `observed` when an observation
    /// confirmed this read verdict (see [`ReadVerdict::observed_by`]).
    pub confidence: Confidence,
    /// The rule ids applied, in order.
    pub rules: Vec<RuleId>,
    /// The ids of the observations that saw a real client read a message of this structure
    /// this way in this environment; absent when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_by: Vec<String>,
}

/// The three reply forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReplyVerdict {
    /// Replying without protection.
    pub plain: Outcome,
    /// Replying signed.
    pub signed: Outcome,
    /// Replying encrypted.
    pub encrypted: Outcome,
}

/// Everything one client lets the user do with one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientVerdict {
    /// The client.
    pub client: ClientId,
    /// Reading the message.
    pub read: ReadVerdict,
    /// Replying to it.
    pub reply: ReplyVerdict,
    /// The reply would quote the decrypted / readable text.
    pub quotes_original: bool,
    /// The text the reply quotes is what the client decrypted from an S/MIME or OpenPGP
    /// layer: the reply carries that plaintext to whoever it is sent to (the decryption
    /// oracle of the REPLY attacks, Müller et al. 2019). An encrypted part the client never
    /// decrypts (an attachment beside other text) is not quoted.
    pub quotes_decrypted: bool,
    /// Whether the quote in the reply keeps the original's HTML styles: a paragraph the
    /// original hides with a (conditional) CSS rule then stays hidden in the reply the user
    /// sends and signs (the signing oracle of the REPLY attacks, Müller et al. 2019). `None`
    /// when nothing is quoted or the evidence is silent.
    pub quote_keeps_styles: Option<bool>,
    /// The rules behind [`ClientVerdict::quote_keeps_styles`], in order.
    pub quote_rules: Vec<RuleId>,
    /// The original was encrypted (or signed) and the reply the client makes by default is
    /// weaker (the "Re: What's up Johnny" column).
    pub weaker_than_original: bool,
}
