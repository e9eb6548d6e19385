//! Verdict types: what one client lets the recipient do with one message.
//!
//! These types serialise to the `clients[]` entries of `replymatrix.explain/1`. Every
//! [`Outcome`] carries the rules it applied; its confidence is the weakest of them and its
//! evidence the union of their URLs (see [`crate::evidence`]). "Unknown to the model"
//! (`status: unknown`, reason [`Reason::NotModelled`]) is kept apart from "blocked by a rule"
//! (`status: no` with a documented reason).

use serde::{Deserialize, Serialize};

use crate::evidence::{self, Confidence, RuleId};

/// The clients modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientId {
    /// Classic Outlook for Windows (Outlook 2016 and later, Microsoft 365 desktop).
    ClassicOutlook,
    /// Outlook on the web (Exchange Online).
    Owa,
    /// New Outlook for Windows (olk.exe).
    NewOutlook,
}

impl ClientId {
    /// Every client, in report order.
    pub const ALL: [ClientId; 3] = [Self::ClassicOutlook, Self::Owa, Self::NewOutlook];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClassicOutlook => "classic-outlook",
            Self::Owa => "owa",
            Self::NewOutlook => "new-outlook",
        }
    }

    /// The client with this id.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether something can be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Yes,
    No,
    /// Possible with a caveat (a dialog, a degraded form).
    Partial,
    /// The model does not know: the evidence is silent.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Partial => "partial",
            Self::Unknown => "unknown",
        }
    }
}

/// Why an outcome is not `yes` (or what caveat a `partial` has).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// No usable certificate for the recipient of the reply (the original sender) in any
    /// source the client consults.
    NoRecipientCertificate,
    /// The user has no own certificate with a usable private key for this operation.
    NoOwnCertificate,
    /// The user's signing certificate does not chain to the tenant SST (OWA E6).
    OwnCertificateNotTrustedBySst,
    /// OWA without the Microsoft S/MIME extension / control.
    ExtensionMissing,
    /// The sender uses OpenPGP only and the client has no OpenPGP.
    OpenpgpNotSupported,
    /// Exchange classed the item as S/MIME and the client's S/MIME control cannot handle it
    /// (hypothesis for PGP/MIME-signed mail in OWA).
    ItemClassSmimeNoControl,
    /// The message is encrypted and the client cannot decrypt it.
    CannotDecrypt,
    /// The algorithm is not supported by the client.
    UnsupportedAlgorithm,
    /// The original message has no usable `From` to reply to.
    NoRecipientAddress,
    /// A secure reply is written in the sender's own portal (Proton EO), not in this client.
    ReplyInSenderPortal,
    /// Possible after a warning dialog the user must click through (for example E1b, RSA
    /// sender to ECC recipient in Classic Outlook).
    WarningDialog,
    /// The evidence does not say; the model answers unknown.
    NotModelled,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 12] = [
        Self::NoRecipientCertificate,
        Self::NoOwnCertificate,
        Self::OwnCertificateNotTrustedBySst,
        Self::ExtensionMissing,
        Self::OpenpgpNotSupported,
        Self::ItemClassSmimeNoControl,
        Self::CannotDecrypt,
        Self::UnsupportedAlgorithm,
        Self::NoRecipientAddress,
        Self::ReplyInSenderPortal,
        Self::WarningDialog,
        Self::NotModelled,
    ];

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
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRecipientCertificate => "no-recipient-certificate",
            Self::NoOwnCertificate => "no-own-certificate",
            Self::OwnCertificateNotTrustedBySst => "own-certificate-not-trusted-by-sst",
            Self::ExtensionMissing => "extension-missing",
            Self::OpenpgpNotSupported => "openpgp-not-supported",
            Self::ItemClassSmimeNoControl => "item-class-smime-no-control",
            Self::CannotDecrypt => "cannot-decrypt",
            Self::UnsupportedAlgorithm => "unsupported-algorithm",
            Self::NoRecipientAddress => "no-recipient-address",
            Self::ReplyInSenderPortal => "reply-in-sender-portal",
            Self::WarningDialog => "warning-dialog",
            Self::NotModelled => "not-modelled",
        }
    }
}

/// Where the certificate (or key) used to encrypt the reply comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateSource {
    /// Carried in the message being answered (harvested).
    Message,
    /// A published user in the directory.
    Gal,
    /// The user's Outlook Contacts.
    Contacts,
    /// An admin-made mail contact in the tenant directory.
    MailContact,
    /// The GpgOL OpenPGP keyring.
    Keyring,
}

impl CertificateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Gal => "gal",
            Self::Contacts => "contacts",
            Self::MailContact => "mail-contact",
            Self::Keyring => "keyring",
        }
    }
}

/// With what a reply is protected; fields are `None` when not applicable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct With {
    pub digest: Option<String>,
    pub cipher: Option<String>,
    pub recipient_certificate_from: Option<CertificateSource>,
}

/// One decision: can the user do this, and why (not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<Reason>,
    /// The client's own words, where the evidence has them.
    pub user_sees: Option<String>,
    pub with: Option<With>,
    /// The weakest confidence of [`Outcome::rules`].
    pub confidence: Confidence,
    /// The source URLs of the rules applied.
    pub evidence: Vec<String>,
    /// The rule ids applied, in order.
    pub rules: Vec<RuleId>,
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

/// How a message reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadStatus {
    Readable,
    ReadableWithWarning,
    AttachmentsOnly,
    Unreadable,
}

impl ReadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Readable => "readable",
            Self::ReadableWithWarning => "readable-with-warning",
            Self::AttachmentsOnly => "attachments-only",
            Self::Unreadable => "unreadable",
        }
    }

    /// Whether the text can be read (and so quoted).
    pub fn text_visible(self) -> bool {
        matches!(self, Self::Readable | Self::ReadableWithWarning)
    }
}

/// What the signature indicator shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureShown {
    Verified,
    Untrusted,
    Invalid,
    NotVerified,
    None,
}

impl SignatureShown {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Untrusted => "untrusted",
            Self::Invalid => "invalid",
            Self::NotVerified => "not-verified",
            Self::None => "none",
        }
    }
}

/// The read verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadVerdict {
    pub status: ReadStatus,
    pub signature_shown: SignatureShown,
    pub user_sees: Option<String>,
    pub rules: Vec<RuleId>,
}

/// The three reply forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyVerdict {
    pub plain: Outcome,
    pub signed: Outcome,
    pub encrypted: Outcome,
}

/// Everything one client lets the user do with one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientVerdict {
    pub client: ClientId,
    pub read: ReadVerdict,
    pub reply: ReplyVerdict,
    /// The reply would quote the decrypted / readable text.
    pub quotes_original: bool,
    /// The original was encrypted (or signed) and the reply the client makes by default is
    /// weaker (the "Re: What's up Johnny" column).
    pub weaker_than_original: bool,
}
