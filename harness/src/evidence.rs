//! The rule table: every rule a client model applies, with its source and confidence.
//!
//! Each entry names one decision a model makes, cites the row of
//! `research/microsoft-clients.md` it rests on (only URLs that appear there), quotes it
//! shortly, and tags it with the catalogue's confidence: D documented, M Microsoft staff,
//! T third party, I inferred. An [`crate::verdict::Outcome`]'s confidence is the weakest of
//! the rules it applied. `docs/rules.md` is generated from this table by [`crate::docs::rules_markdown`].

use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// How much a decision can be trusted, strongest first: the catalogue's D/M/T/I tags
    /// for rules, and above them `observed` for a decision an observation confirmed.
    pub enum Confidence {
        /// O: a real client was seen doing this with a message of this structure in this
        /// environment (an observation in `corpora/observations/` agrees with the verdict).
        /// Only decisions carry it, never a rule.
        Observed = "observed",
        /// D: Microsoft documentation (Learn, KB, Open Specifications, product-team blog).
        Documented = "documented",
        /// M: a Microsoft staff or moderator answer, or an old Microsoft help page.
        MicrosoftStaff = "microsoft-staff",
        /// T: a third party (admin blog, issue thread, vendor KB, user report).
        ThirdParty = "third-party",
        /// I: inferred by the researcher or the model; no source states it.
        Inferred = "inferred",
    }
}

impl Confidence {
    /// The catalogue's one-letter tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Observed => "O",
            Self::Documented => "D",
            Self::MicrosoftStaff => "M",
            Self::ThirdParty => "T",
            Self::Inferred => "I",
        }
    }

    /// The weaker of two confidences.
    pub fn weakest(self, other: Self) -> Self {
        self.max(other)
    }
}

/// One rule of the models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `<client|exchange>.<topic>.<decision>`.
    pub id: RuleId,
    /// What the rule decides, one sentence.
    pub decides: &'static str,
    /// Source URLs, all taken from the catalogue; may be empty for inferred rules.
    pub sources: &'static [&'static str],
    /// A source without a full URL in the catalogue (a KB number, a repository path).
    pub citation: &'static str,
    /// A short quote from the source (under 30 words), or the reasoning for inferred rules.
    pub quote: &'static str,
    /// How much the rule can be trusted.
    pub confidence: Confidence,
}

/// Declares the rule table once: the [`RuleId`] enum (one variant per rule, so a mistyped
/// id does not compile), its wire names, and [`RULES`] in the same order.
macro_rules! rule_table {
    ($(
        $variant:ident = $id:literal {
            decides: $decides:literal,
            sources: $sources:expr,
            citation: $citation:literal,
            quote: $quote:literal,
            confidence: $confidence:ident $(,)?
        }
    ),* $(,)?) => {
        /// The id of a rule of the models. Serialised as its dotted wire name
        /// (`owa.encrypt.gal-only`); [`RuleId::rule`] gives its evidence.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $(
                #[doc = $decides]
                $variant,
            )*
        }

        impl RuleId {
            /// Every rule id, in table order (sorted by wire name).
            pub const ALL: &'static [RuleId] = &[$(Self::$variant),*];

            /// The wire name, `<client|exchange>.<topic>.<decision>`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $id,)*
                }
            }
        }

        /// Every rule the models may apply, ordered by id; `RULES[i].id == RuleId::ALL[i]`.
        pub static RULES: &[Rule] = &[
            $(
                Rule {
                    id: RuleId::$variant,
                    decides: $decides,
                    sources: $sources,
                    citation: $citation,
                    quote: $quote,
                    confidence: $confidence,
                },
            )*
        ];
    };
}

impl RuleId {
    /// The rule with this id: its evidence and confidence.
    pub fn rule(self) -> &'static Rule {
        // Invariant: `rule_table!` builds `RULES` and the enum from one list, in one order,
        // so the discriminant is the rule's index.
        &RULES[self as usize]
    }

    /// The rule id with this wire name, if there is one.
    pub fn parse(id: &str) -> Option<Self> {
        // The table is sorted by id (`rule_table_is_sorted_unique_and_cites_catalogue`).
        RULES
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| RuleId::ALL[i])
    }
}

impl schemars::JsonSchema for RuleId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RuleId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "A rule of the models (docs/rules.md).",
            "enum": ids,
        })
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&id).ok_or_else(|| serde::de::Error::custom(format!("unknown rule id `{id}`")))
    }
}

use Confidence::{Documented as D, Inferred as I, MicrosoftStaff as M, ThirdParty as T};

const MS_OXOSMIME_CLEAR: &str =
    "https://msdn.microsoft.com/en-us/library/6d0deda8-4e31-4949-bdd6-8c2e54d04736";
const MS_OXOSMIME_OPAQUE: &str = "https://docs.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxosmime/58b44f9e-af38-4068-b100-fcfc8fae91a1";
const GPGOL_MAPIHELP: &str =
    "https://github.com/gpg/gpgol/blob/6f12f8313686dbe9588ccd4b5c4a3429cbc652c0/src/mapihelp.cpp";
const GPGOL_COMMIT: &str =
    "https://github.com/gpg/gpgol/commit/a522f50de42b86d13b316b5a0b93e9bbb371b0f7";
const GPGOL_MAIL_CPP: &str =
    "https://github.com/gpg/gpgol/blob/6f12f8313686dbe9588ccd4b5c4a3429cbc652c0/src/mail.cpp";
const GPGOL_TEXI: &str =
    "https://github.com/gpg/gpgol/blob/6f12f8313686dbe9588ccd4b5c4a3429cbc652c0/doc/gpgol.texi";
const GPGOL_WIKI: &str = "https://wiki.gnupg.org/GpgOL/MessageConversion";
const SST_DOC: &str = "https://docs.microsoft.com/en-us/office365/SecurityCompliance/set-up-virtual-certificate-collection-to-validate-s-mime";
const SET_SMIMECONFIG: &str =
    "https://learn.microsoft.com/powershell/module/exchangepowershell/set-smimeconfig";
const CONFIGURE_SMIME_EXO: &str = "https://learn.microsoft.com/en-us/exchange/security-and-compliance/smime-exo/configure-smime-exo";
const BLOG_2008_CONTACTS: &str = "https://blogs.technet.microsoft.com/exchange/2008/04/23/publish-smime-certificates-for-external-contacts-to-active-directory-for-use-with-exchange-server-2007/";
const KB_2840546: &str = "http://support.microsoft.com/kb/2840546/EN-US";
const QA_5876934: &str =
    "https://learn.microsoft.com/en-us/answers/questions/5876934/365-s-mime-signed-emails";
const DIGICERT_LOOKUP: &str = "https://knowledge.digicert.com/quovadis/secure-e-mail/windows-android/how-encryption-works-in-microsoft-outlook";
const DIGICERT_OWN_CERT: &str = "https://knowledge.digicert.com/fr/fr/quovadis/end-user-certificates/how-encryption-works-in-microsoft-outlook";
const DIGICERT_SHA1: &str =
    "https://knowledge.digicert.com/general-information/smime-secure-email-via-outlook";
const GAL_2003: &str = "https://technet.microsoft.com/en-us/library/aa997528(v=exchg.65).aspx";
const GRADENEGGER: &str = "https://www.gradenegger.eu/en/microsoft-outlook-control-the-encryption-algorithm-used-for-s-mime-certificates/";
const KB_4459215: &str = "https://learn.microsoft.com/en-us/outlook/troubleshoot/security/error-when-decrypting-message-via-3des-certificate";
const MIMEKIT_1149: &str = "https://github.com/jstedfast/MimeKit/issues/1149";
const TROY_ROLLO: &str = "https://www.troy.rollo.name/outlook-signature-messages";
const BASHCA_1: &str = "https://github.com/akhepcat/BashCA/issues/1";
const OPAQUEMAIL_58: &str = "https://github.com/bertjohnson/OpaqueMail/issues/58";
const STRIATA: &str = "http://www.striata.com/community/customer-support/digital-signatures.html";
const OUTLOOK_2007_HELP: &str = "http://office.microsoft.com/en-us/outlook/HP012305441033.aspx";
const OUTLOOKING_BLOG: &str = "http://blogs.technet.com/b/outlooking/archive/2011/03/07/usage-of-the-do-not-check-e-mail-address-against-address-of-certificates-being-used-in-outlook-2010.aspx";
const MISSING_ROOT_POLICY: &str = "https://policypicker.app/policy/microsoftoffice/microsoft-outlook-2016/security/cryptography/signature-status-dialog-box/missing-root-certificates-21252b70d7d5";
/// The Suite B group policy text (ECDH/ECMQV key agreement, ECDSA), the catalogue's ECC row.
const SUITE_B_POLICY: &str = "https://uitranslation.com/?term=322fbae7315c&lang=de-de";
const MESSAGE_FORMATS_POLICY: &str = "https://policypicker.app/policy/microsoftoffice/microsoft-outlook-2016/security/cryptography/message-formats-2ff60071482b";
const OPP_164: &str = "https://github.com/Meddington/OutlookPrivacyPlugin/issues/164";
const SEARCHEXCHANGE: &str =
    "http://www.searchexchange.com/originalContent/0,289142,sid43_gci963983,00.html";
const OWA4LINUX_6: &str = "https://github.com/schorschii/OWA-SMIME4Linux/issues/6";
const OWA4LINUX_2: &str = "https://github.com/schorschii/OWA-SMIME4Linux/issues/2";
const OWA4LINUX_PY: &str = "https://github.com/schorschii/OWA-SMIME4Linux/blob/6896c82fa9ec1b5fe08a83ceeb230ba36a3f477f/owa-smime.py";
const ORG_MSG_26: &str = "https://github.com/jeremy-compostella/org-msg/issues/26";
const MAILVELOPE_826: &str = "https://github.com/mailvelope/mailvelope/issues/826";
const OWA_2010_HELP: &str = "http://help.outlook.com/en-gb/140/ms.exch.ecp.owaoptionssmime.aspx";
const USERVOICE_OPENPGP: &str = "https://office365.uservoice.com/forums/289138-office-365-security-compliance/suggestions/40283572-improve-support-for-openpgp-encryption-with-web-ke";
const VESON_OME: &str = "https://help.veson.com/imos/how-to-open-encrypted-emails";
const PFISTER_EN: &str = "https://rafaelpfister.ch/en/blog/new-outlook-s-mime-signature-cannot-be-verified-in-secondary-account-attachments-missing";
const OFFICE_JS_6569: &str = "https://github.com/OfficeDev/office-js/issues/6569";
const NEILSABOL_E5: &str = "https://blog.neilsabol.site/post/outlook-on-the-web-s-mime-encryption-signing-crl-certificate-revocation-list-ad-pki";
const PDRO_PGP_MIME: &str = "http://pdro.me/pgp-mime-pgp-inline.html";
/// Set-MailContact / remote-domain TNEF settings (Exchange 2010 documentation).
const TNEF_SETTINGS: &str = "https://docs.microsoft.com/en-us/previous-versions/exchange-server/exchangeserver-149/gg263346(v=exchsrvcs.149)";
// Sources the project found (corpora/evidence/sources.toml, with their quotes).
const NEW_OUTLOOK_ADD_INS: &str = "https://learn.microsoft.com/en-us/outlook/add-ins";
const EXCHANGE_BLOG_2005_TROUBLESHOOTING: &str = "https://blogs.technet.microsoft.com/exchange/2005/01/14/common-trust-encryption-and-digital-id-troubleshooting-for-microsoft-outlook-and-microsoft-exchange-users/";
const EWS_RESPOND: &str = "https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-respond-to-email-messages-by-using-ews-in-exchange";
const RFC_2046_PLAIN: &str = "https://www.rfc-editor.org/rfc/rfc2046#section-4.1.3";
const RFC_5322_MESSAGE: &str = "https://www.rfc-editor.org/rfc/rfc5322#section-2.1";
const PROTON_PASSWORD_PROTECTED: &str = "https://proton.me/support/password-protected-emails";
const OPENPGP_ORG_GNUPG: &str = "https://www.openpgp.org/about/gnupg/";
const RFC_8419: &str = "https://www.rfc-editor.org/rfc/rfc8419";
/// Müller et al., "Johnny, you are fired!" (USENIX Security 2019), the paper in its artifact
/// repository (`corpora/observations/johnny-you-are-fired.toml`).
const JOHNNY_PAPER: &str = "https://github.com/RUB-NDS/Johnny-You-Are-Fired/blob/3d05524af3e1d2b28234ebb5440418885640b7a0/paper/johnny-fired.pdf";
/// Müller et al., "Re: What's Up Johnny? Covert Content Attacks on Email End-to-End
/// Encryption" (ACNS 2019): the artifact repository with the evaluation figure and its 2020
/// re-evaluation (`corpora/observations/reply-attacks.toml`).
const REPLY_ATTACKS: &str = "https://github.com/RUB-NDS/Covert-Content-Attacks";
/// The study's no-signers (C3) messages and Outlook screenshots.
const JOHNNY_C3: &str = "https://github.com/RUB-NDS/Johnny-You-Are-Fired/tree/3d05524af3e1d2b28234ebb5440418885640b7a0/01-cms/c3_no-signerInfos";
// Outlook for iOS and Android and Outlook for Mac
// (`research/microsoft-clients-mac-mobile.md`, its short keys expanded).
/// [SMIME-MOB]: S/MIME for Outlook for iOS and Android in Exchange Online.
const SMIME_MOB: &str = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/outlook-for-ios-and-android/smime-outlook-for-ios-and-android";
/// [INTUNE-CFG]: Outlook for iOS and Android configuration with Microsoft Intune.
const INTUNE_CFG: &str = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/outlook-for-ios-and-android/outlook-for-ios-and-android-configuration-with-microsoft-intune";
/// [LABEL-MOB]: sensitivity labeling and protection in Outlook for iOS and Android.
const LABEL_MOB: &str = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/outlook-for-ios-and-android/sensitive-labeling-and-protection-outlook-for-ios-android";
/// [MAC-PREF]: Set preferences for Outlook for Mac.
const MAC_PREF: &str =
    "https://learn.microsoft.com/en-us/microsoft-365-apps/mac/preferences-outlook";
const QA_5832315: &str = "https://learn.microsoft.com/en-us/answers/questions/5832315/outlook-mobile-doesnt-verify-signature";
const QA_4590348: &str = "https://learn.microsoft.com/en-us/answers/questions/4590348/does-outlook-for-ios-support-external-ldap-lookup";
const MAC_2011_TRUST: &str = "https://learn.microsoft.com/en-us/previous-versions/office/office-for-mac-2011/jj984223(v=office.14)";
const MAC_2011_ENCRYPT: &str = "https://learn.microsoft.com/en-us/previous-versions/office/office-for-mac-2011/jj984207(v=office.14)";
const MAC_LEGACY_HELP: &str = "https://support.office.com/en-us/article/About-digital-signing-encryption-and-smart-cards-7591f307-cbf5-4ce0-977c-85f151ab023c";
const KB_2142236: &str = "http://smallbusiness.support.microsoft.com/en-us/kb/2142236";
const OPENSC_TOKEND_21: &str = "https://github.com/OpenSC/OpenSC.tokend/pull/21";

rule_table! {
    ClassicEncryptCapabilitiesCipher = "classic.encrypt.capabilities-cipher" {
        decides: "Classic encrypts with the strongest cipher in the recipient's SMIMECapabilities (from the signed message or the certificate).",
        sources: &[GRADENEGGER],
        citation: "",
        quote: "the strongest algorithm from the list is selected",
        confidence: T,
    },
    ClassicEncryptContacts = "classic.encrypt.contacts" {
        decides: "Classic falls back to the certificate on an Outlook contact (Certificates tab) after the message and the GAL.",
        sources: &[DIGICERT_LOOKUP],
        citation: "KB 2621062 (Add to Outlook Contacts)",
        quote: "(1) the certificate from the mail being answered, (2) the GAL, (3) Outlook Contacts",
        confidence: T,
    },
    ClassicEncryptDefaultCipher = "classic.encrypt.default-cipher" {
        decides: "Without capabilities Classic uses its build default: AES-256 since 16.0.8518, 3DES before.",
        sources: &[KB_4459215],
        citation: "KB 4459215",
        quote: "Starting in Outlook build 16.0.8518.1000, Microsoft upgraded the default fallback algorithm from 3DES to AES256.",
        confidence: D,
    },
    ClassicEncryptEccRecipientWarning = "classic.encrypt.ecc-recipient-warning" {
        decides: "An RSA sender encrypting to an ECC recipient certificate gets a false-positive Encryption Problems dialog (E1b); Continue encrypts.",
        sources: &[SUITE_B_POLICY],
        citation: "KB 9067236 'Conflicting or unsupported encryption' warning",
        quote: "The sender's S/MIME certificate uses the RSA ... The recipient's S/MIME certificate uses the ECC",
        confidence: D,
    },
    ClassicEncryptGal = "classic.encrypt.gal" {
        decides: "Classic looks up the recipient's certificate in the directory (GAL / offline address book).",
        sources: &[GAL_2003],
        citation: "",
        quote: "Outlook looks in Active Directory ... When Active Directory is not available, Outlook looks in the offline address book",
        confidence: D,
    },
    ClassicEncryptHarvestedCert = "classic.encrypt.harvested-cert" {
        decides: "Classic encrypts a reply with the certificate carried in the sender's signed message (harvested), looked up first.",
        sources: &[QA_5876934, DIGICERT_LOOKUP],
        citation: "",
        quote: "automatically extract and cache a sender's public certificate from a digitally signed email ... to encrypt a reply back",
        confidence: M,
    },
    ClassicEncryptNoRecipientCertificate = "classic.encrypt.no-recipient-certificate" {
        decides: "Without a usable certificate for the recipient Classic shows the Encryption Problems dialog (E1).",
        sources: &[EXCHANGE_BLOG_2005_TROUBLESHOOTING],
        citation: "KB 276597 'How to turn off e-mail matching for certificates' (E1)",
        quote: "Microsoft Outlook had problems encrypting this message because the following recipients had missing or invalid certificates",
        confidence: D,
    },
    ClassicEncryptOpenpgpSender = "classic.encrypt.openpgp-sender" {
        decides: "An OpenPGP-only sender has no S/MIME certificate, so Classic's S/MIME encryption hits the Encryption Problems dialog.",
        sources: &[EXCHANGE_BLOG_2005_TROUBLESHOOTING],
        citation: "catalogue §1 'Reply, encrypted, to a Proton / OpenPGP sender'",
        quote: "There is no S/MIME certificate, so the Encryption Problems dialog appears for that recipient (S/MIME only).",
        confidence: I,
    },
    ClassicEncryptOwnCertificate = "classic.encrypt.own-certificate" {
        decides: "Encrypting needs the user's own encryption certificate too (the copy kept in Sent Items). Windows behaviour inferred; the Mac 2011 doc says it is optional.",
        sources: &[DIGICERT_OWN_CERT],
        citation: "Outlook for Mac 2011 jj984207 (optional there)",
        quote: "This is required as Outlook creates an encrypted copy to yourself",
        confidence: I,
    },
    ClassicEncryptRecipientCertValid = "classic.encrypt.recipient-cert-valid" {
        decides: "A recipient certificate outside its validity period or without emailProtection is not usable for encryption.",
        sources: &[EXCHANGE_BLOG_2005_TROUBLESHOOTING],
        citation: "E1 'missing or invalid certificates' (KB 276597)",
        quote: "recipients had missing or invalid certificates",
        confidence: I,
    },
    ClassicGpgolDecryptVerify = "classic.gpgol.decrypt-verify" {
        decides: "With GpgOL, Classic decrypts and verifies OpenPGP mail with the GpgOL keyring and secret keys.",
        sources: &[GPGOL_TEXI, GPGOL_WIKI],
        citation: "",
        quote: "GpgOL utilizes the special handling offered for S/MIME for both S/MIME and OpenPGP.",
        confidence: T,
    },
    ClassicGpgolEncryptKeyring = "classic.gpgol.encrypt-keyring" {
        decides: "With GpgOL, Classic can encrypt a reply with OpenPGP when the keyring holds the sender's key.",
        sources: &[GPGOL_TEXI],
        citation: "",
        quote: "GpgOL needs to inhibit Outlook from doing the S/MIME before the message is passed to the ECE hooks.",
        confidence: T,
    },
    ClassicGpgolInlinePartlySigned = "classic.gpgol.inline-partly-signed" {
        decides: "With GpgOL, an inline PGP cleartext signature that is not the whole body (text before its armor, or in a part before it) is not taken as the message's signature: GpgOL stops looking for armor at the first non-blank line that is not a PGP marker, the message keeps its plain class and shows as text without a signature indicator.",
        sources: &[GPGOL_MAPIHELP, JOHNNY_PAPER],
        citation: "GpgOL src/mapihelp.cpp, get_msgcls_from_pgp_lines (lines 937-946 at 6f12f83; the check was disabled by '#if 0' in 2.0.1 to 2.1.1, which looked for armor anywhere in the body's first 1k, and enabled again by commit 8539f6b for T3964, released in 2.2.0: 'Again break on non whitespace before message marker'); Müller et al. 2019, Table 2 (Outlook 16.0.4266 with GpgOL 2.0.1: MIME –, no forgery with 03-mime/m1-prepending-text/m1-pgp-inline.eml, m1-pgp-inline2.eml and the m2 to m4 Inline PGP messages) and §4.3",
        quote: "We have text before the message. In that case we need to break",
        confidence: T,
    },
    ClassicGpgolRfc9580 = "classic.gpgol.rfc9580-unsupported" {
        decides: "With GpgOL, an RFC 9580 message (a v6 signature, a v6 PKESK or SEIPDv2, which Proton's v6 and post-quantum keys produce) is neither verified nor decrypted: GpgOL hands OpenPGP to GnuPG, and GnuPG (2.4 in Gpg4win 4.x) follows LibrePGP, not RFC 9580, so it reads these packets as of unknown version.",
        sources: &[GPGOL_WIKI, OPENPGP_ORG_GNUPG],
        citation: "GpgOL hands OpenPGP to GnuPG (the GpgOL wiki); that GnuPG does not implement RFC 9580 v6 packets is openpgp.org (corpora/evidence/sources.toml) and this project's test rfc9580::gnupg_reads_no_rfc9580_packet (GnuPG 2.2.40: 'packet(2) with unknown version 6'); that 2.4 answers the same is inferred",
        quote: "GpgOL utilizes the special handling offered for S/MIME for both S/MIME and OpenPGP.",
        confidence: I,
    },
    ClassicGpgolSenderAddress = "classic.gpgol.sender-address" {
        decides: "With GpgOL, a valid signature whose key has no user ID for the sender's address counts for nothing: 'The sender address is not trustworthy because: The used key does not claim the address'.",
        sources: &[GPGOL_MAIL_CPP, JOHNNY_PAPER],
        citation: "GpgOL src/mail.cpp (updateSigstate, get_signature_level: level 0 when no user ID matches the sender); Müller et al. 2019, Table 2 (Outlook with GpgOL 2.0.1: ID ● by I2 only, so not I1 or I3)",
        quote: "No m_uid matches our sender.",
        confidence: T,
    },
    ClassicOpenpgpNoNative = "classic.openpgp.no-native" {
        decides: "Classic has no native OpenPGP: without an add-in it neither verifies, decrypts nor encrypts OpenPGP.",
        sources: &[MESSAGE_FORMATS_POLICY],
        citation: "",
        quote: "Outlook supports three formats for encrypting and signing messages: S/MIME, Exchange, and Fortezza.",
        confidence: T,
    },
    ClassicReadAuthEnveloped = "classic.read.auth-enveloped" {
        decides: "Classic cannot decrypt S/MIME 4.0 AuthEnvelopedData (AES-GCM).",
        sources: &[MIMEKIT_1149],
        citation: "",
        quote: "With Outlook I can only view the header ... but cannot decrypt the e-mail",
        confidence: T,
    },
    ClassicReadDecryptNeedsKey = "classic.read.decrypt-needs-key" {
        decides: "Classic decrypts S/MIME only with a private key for one of the recipients in the Windows store or on a smart card (E2 otherwise).",
        sources: &[KB_4459215],
        citation: "KB 2621062",
        quote: "Your Digital ID name cannot be found by the underlying security system",
        confidence: D,
    },
    ClassicReadEcdhRecipient = "classic.read.ecdh-recipient" {
        decides: "Classic decrypts mail whose recipient info for the user's key is ECDH key agreement (an ECC certificate): the catalogue lists ECC (ECDH/ECDSA) as supported under the Suite B policy. Which KDFs and key wraps Windows accepts is not documented; the model reads any the inspector could decrypt.",
        sources: &[SUITE_B_POLICY],
        citation: "catalogue ECC (ECDH/ECDSA) row; Suite B policy text",
        quote: "Supported. The Suite B policy lists ECDH/ECMQV key agreement and ECDSA signatures.",
        confidence: I,
    },
    ClassicReadInvalidSignature = "classic.read.invalid-signature" {
        decides: "A signature that fails verification is shown as invalid (E11, E18d).",
        sources: &[STRIATA, OPAQUEMAIL_58],
        citation: "",
        quote: "This message has an invalid Digital Signature. Open the message for more information.",
        confidence: T,
    },
    ClassicReadNoSignerInfos = "classic.read.no-signer-infos" {
        decides: "A multipart/signed whose SignedData has no SignerInfos: with certificates carried, Classic shows the text with its signed seal and no error bar while the Signed By line says there were errors displaying the signers; with none, it cannot open the item.",
        sources: &[JOHNNY_PAPER, JOHNNY_C3],
        citation: "Müller et al. 2019, Table 3 (Outlook 16.0.4266: CMS ○, weakness C3), §5.1 'No Signers (C3)', Figure 11; 01-cms/c3_no-signerInfos/outlook_1.png and no certificates/outlook_1.png",
        quote: "In Outlook an otherwise very prominent red error bar is not shown and a seal indicates a valid signature",
        confidence: T,
    },
    ClassicReadPgpEncryptedAttachments = "classic.read.pgp-encrypted-attachments" {
        decides: "Without an add-in, PGP/MIME encrypted mail shows as a message with the version part and encrypted.asc as attachments.",
        sources: &[OPP_164],
        citation: "",
        quote: "only the text is displayed - together with two attachments: PGP_MIME version identification.dat and encrypted.asc",
        confidence: T,
    },
    ClassicReadPgpSignedReadable = "classic.read.pgp-signed-readable" {
        decides: "Without an add-in, Classic shows the body and attachments of a PGP/MIME-signed item.",
        sources: &[GPGOL_COMMIT, GPGOL_MAIL_CPP],
        citation: "",
        quote: "will then still display contents and attachments in case GpgOL is disabled",
        confidence: T,
    },
    ClassicReadPgpSignedSignatureUi = "classic.read.pgp-signed-signature-ui" {
        decides: "What Classic's signature indicator shows for a PGP/MIME-signed item without an add-in is an open question (Q7); modelled as not verified.",
        sources: &[GPGOL_TEXI],
        citation: "catalogue open question 7",
        quote: "Outlook tries S/MIME verification on the PGP item, so some signature warning is likely, but none was found quoted.",
        confidence: I,
    },
    ClassicReadSmimeSigned = "classic.read.smime-signed" {
        decides: "Classic reads clear- and opaque-signed S/MIME through its S/MIME engine (IPM.Note.SMIME path).",
        sources: &[MS_OXOSMIME_OPAQUE],
        citation: "",
        quote: "media type application/pkcs7-mime ... SHOULD ... have a value of IPM.Note.SMIME",
        confidence: D,
    },
    ClassicReplyInheritsSecurity = "classic.reply.inherits-security" {
        decides: "Whether Classic's reply inherits signing/encryption is undocumented (Q4); the profile's classic_reply_inherits_security decides (default false).",
        sources: &[SEARCHEXCHANGE],
        citation: "catalogue open question 4",
        quote: "No Microsoft document, KB, ADMX text or user report was found on Classic reply inheritance.",
        confidence: I,
    },
    ClassicReplyPlain = "classic.reply.plain" {
        decides: "Classic can always reply without S/MIME.",
        sources: &[QA_5876934],
        citation: "",
        quote: "She seems to be able to reply to the same email through Classic Outlook",
        confidence: I,
    },
    ClassicReplyQuoteDropsStyles = "classic.reply.quote-drops-styles" {
        decides: "Classic's reply does not keep the original's CSS rules in the quote: text the original hides with them shows in the reply before the user signs it.",
        sources: &[REPLY_ATTACKS],
        citation: "Müller et al. 2019, 'Re: What's Up Johnny?': evaluation figure, Outlook 2016 (16.0.4266) signatures S/MIME ◐ and PGP ◐ ('covert rules only for received message'); 2020 re-evaluation, Outlook 2019 (16.0.12730.20144) ○ ○",
        quote: "Covert rules only for received message",
        confidence: T,
    },
    ClassicSignDefaultDigest = "classic.sign.default-digest" {
        decides: "Classic signs with SHA-1 by default per third parties (open question 5).",
        sources: &[DIGICERT_SHA1],
        citation: "",
        quote: "By default, Outlook uses the SHA1 algorithm for signing.",
        confidence: T,
    },
    ClassicSignOwnAddressCheck = "classic.sign.own-address-check" {
        decides: "When sending, Classic checks that its own certificate matches the account address.",
        sources: &[OUTLOOKING_BLOG],
        citation: "",
        quote: "The recipient will only check the signing address by default.",
        confidence: D,
    },
    ClassicSignOwnCertificate = "classic.sign.own-certificate" {
        decides: "Signing needs the user's own certificate with its private key in the Windows store (or a smart card).",
        sources: &[QA_5876934, SEARCHEXCHANGE],
        citation: "",
        quote: "Your user's certificate: required for signing outbound mail and decrypting inbound encrypted mail.",
        confidence: M,
    },
    ClassicTrustMissingRootError = "classic.trust.missing-root-error" {
        decides: "A signer whose chain does not end at a trusted root is an error by default (SigStatusNoTrustDecision unset).",
        sources: &[MISSING_ROOT_POLICY],
        citation: "",
        quote: "If you don't configure this policy setting, users will see an error when a root certificate is missing.",
        confidence: T,
    },
    ClassicTrustNoEmailEku = "classic.trust.no-email-eku" {
        decides: "A signer certificate whose EKU lacks emailProtection is rejected (E12).",
        sources: &[BASHCA_1],
        citation: "",
        quote: "does not have the correct usage properties for digitally signing e-mail messages",
        confidence: T,
    },
    ClassicTrustSignerAddress = "classic.trust.signer-address" {
        decides: "The recipient checks the Signed-by address; a mismatch with From is shown, the signature is not rejected.",
        sources: &[OUTLOOK_2007_HELP],
        citation: "",
        quote: "the Signed by line is the one you should go by",
        confidence: M,
    },
    ClassicTrustUntrustedSigner = "classic.trust.untrusted-signer" {
        decides: "An untrusted, self-signed, expired or not-yet-valid signer is shown as Invalid or Not Trusted (E8, E9, E10).",
        sources: &[TROY_ROLLO],
        citation: "",
        quote: "The digital signature on this item is Invalid or Not Trusted.",
        confidence: T,
    },
    ClassicTrustWindowsRoots = "classic.trust.windows-roots" {
        decides: "Classic judges S/MIME signers with the Windows certificate store (trusted roots plus the chain the message carries).",
        sources: &[QA_5876934],
        citation: "",
        quote: "Classic Outlook uses the local Windows certificate store and Windows cryptographic APIs (CAPI/CNG).",
        confidence: M,
    },
    ExchangeMultipartSignedClass = "exchange.multipart-signed-class" {
        decides: "Exchange maps every multipart/signed message to IPM.Note.SMIME.MultipartSigned.",
        sources: &[MS_OXOSMIME_CLEAR],
        citation: "MS-OXOSMIME 2.1.3.1",
        quote: "message class ... SHOULD ... be set to IPM.Note.SMIME.MultipartSigned",
        confidence: D,
    },
    ExchangeNestedEncryptedNotPromoted = "exchange.nested-encrypted-not-promoted" {
        decides: "An encrypted part below the root (an smime.p7m or a PGP/MIME multipart/encrypted beside other parts of a multipart/mixed) is an attachment of an ordinary IPM.Note: no client decrypts it into the body, so no reply quotes its plaintext.",
        sources: &[REPLY_ATTACKS, MS_OXOSMIME_OPAQUE],
        citation: "Müller et al. 2019, 'Re: What's Up Johnny?': the artifact's evaluation figure (Outlook 2016 16.0.4266 and Exchange/OWA 15.1.1034: decryption ○ for S/MIME, Outlook with GpgOL ○ for OpenPGP) and its 2020 re-evaluation (Outlook 2019 16.0.12730.20144: ○ ○); MS-OXOSMIME 2.1.3.2 maps only the message's own Content-Type",
        quote: "No vulnerabilities found",
        confidence: T,
    },
    ExchangeNestedSignedNotPromoted = "exchange.nested-signed-not-promoted" {
        decides: "Only a signed entity at the root changes the item class; a multipart/signed or pkcs7-mime part nested in multipart/mixed stays an attachment of an ordinary IPM.Note, so no client shows a message-level signature for it.",
        sources: &[MS_OXOSMIME_CLEAR, MS_OXOSMIME_OPAQUE],
        citation: "MS-OXOSMIME 2.1.3.1, 2.1.3.2",
        quote: "The mapping is defined for the message's own Content-Type; nothing in it promotes a nested signed part, so the item is an ordinary IPM.Note (inferred).",
        confidence: I,
    },
    ExchangeOpaqueBodyNotPromoted = "exchange.opaque-body-not-promoted" {
        decides: "The body of an opaque-signed or enveloped item is not promoted: it needs S/MIME processing to be read.",
        sources: &[MS_OXOSMIME_OPAQUE],
        citation: "MS-OXOSMIME 2.1.3.2",
        quote: "Even for an opaque-signed message ... the message body SHOULD NOT be promoted",
        confidence: D,
    },
    ExchangeOpaqueClass = "exchange.opaque-class" {
        decides: "Exchange maps application/pkcs7-mime (opaque-signed or enveloped) to IPM.Note.SMIME.",
        sources: &[MS_OXOSMIME_OPAQUE],
        citation: "MS-OXOSMIME 2.1.3.2",
        quote: "media type application/pkcs7-mime or application/x-pkcs7-mime ... SHOULD ... have a value of IPM.Note.SMIME",
        confidence: D,
    },
    ExchangePgpEncryptedAttachments = "exchange.pgp-encrypted-attachments" {
        decides: "PGP/MIME multipart/encrypted is not an S/MIME type: it stays an ordinary message whose parts are attachments.",
        sources: &[MS_OXOSMIME_OPAQUE],
        citation: "",
        quote: "Message types ... other than opaque-signed messages or encrypted messages are not supported.",
        confidence: I,
    },
    ExchangePgpMultipartSignedClass = "exchange.pgp-multipart-signed-class" {
        decides: "A PGP/MIME-signed message gets IPM.Note.SMIME.MultipartSigned too, whatever its protocol= parameter.",
        sources: &[GPGOL_MAPIHELP, GPGOL_COMMIT],
        citation: "",
        quote: "IPM.Note.SMIME.MultipartSigned is set by Exchange for any multipart/signed content type regardgless of the protocol.",
        confidence: T,
    },
    MacCertificateAddressMatch = "mac.certificate.address-match" {
        decides: "New Outlook for Mac uses a certificate to decrypt or encrypt only when its address matches (AllowCertsWithoutMatchingEmailAddress, default false, allows the mismatch); the key is documented, its effect inferred (MAC-02).",
        sources: &[MAC_PREF],
        citation: "AllowCertsWithoutMatchingEmailAddress (16.45)",
        quote: "Allow users to decrypt and encrypt S/MIME messages when the S/MIME certificate doesn't match the email address.",
        confidence: I,
    },
    MacComposeDisabled = "mac.compose.disabled" {
        decides: "DisableSMIMECompose (default false) removes the S/MIME option from compose in new Outlook for Mac: no signed or encrypted reply; reading is not affected (MAC-04).",
        sources: &[MAC_PREF],
        citation: "DisableSMIMECompose (16.57)",
        quote: "Prevent users from applying S/MIME option to email messages.",
        confidence: D,
    },
    MacDecryptAlgorithmOpen = "mac.decrypt.algorithm-open" {
        decides: "Which content ciphers Outlook for Mac decrypts beyond those Microsoft's own senders use is not documented (open question 8): AuthEnvelopedData (AES-GCM) and other ciphers answer unknown.",
        sources: &[MAC_PREF],
        citation: "mac-mobile open question 8",
        quote: "default algorithms, ECC support ... No current Microsoft user-facing S/MIME article for Mac was found.",
        confidence: I,
    },
    MacDecryptCipherMicrosoftSenders = "mac.decrypt.cipher-microsoft-senders" {
        decides: "Outlook for Mac decrypts the CBC ciphers Microsoft's own senders use (AES-CBC, 3DES; legacy Mac itself sent 3DES): inferred, no page lists its ciphers (open question 8).",
        sources: &[MAC_PREF],
        citation: "MAC-03 (decrypt), MAC-23 (legacy Mac sending 3DES)",
        quote: "Set the order in which certificates are used to decrypt and encrypt S/MIME messages.",
        confidence: I,
    },
    MacDecryptLookupOrder = "mac.decrypt.lookup-order" {
        decides: "SMIMECertificatesLookupOrder also governs decryption: the user's own keychain identity is found through Device; an order without Device leaves decryption unknown (MAC-13, inferred).",
        sources: &[MAC_PREF],
        citation: "SMIMECertificatesLookupOrder; MAC-13",
        quote: "Set the order in which certificates are used to decrypt and encrypt S/MIME messages.",
        confidence: I,
    },
    MacDecryptOwnKeychain = "mac.decrypt.own-keychain" {
        decides: "Outlook for Mac decrypts with the user's own certificate and private key in her macOS keychain; without it the message cannot be read (MAC-07).",
        sources: &[MAC_2011_TRUST],
        citation: "Outlook for Mac 2011 jj984223 (applicability to new Outlook for Mac not documented)",
        quote: "Outlook for Mac looks for root certificates in the X509 Anchors keychain ... and the system or login keychains",
        confidence: I,
    },
    MacDecryptSkiOpen = "mac.decrypt.ski-open" {
        decides: "Whether new Outlook for Mac decrypts for a recipient identified by subjectKeyIdentifier is not documented (legacy 2011 could not; open question 9): unknown.",
        sources: &[KB_2142236],
        citation: "KB 2142236; mac-mobile open question 9",
        quote: "whether the issuerAndSerialNumber-only limitation (MAC-10) survived past 2011",
        confidence: I,
    },
    MacEccLegacyUnsupported = "mac.ecc.legacy-unsupported" {
        decides: "Legacy Outlook for Mac does not support ECC certificates: no decryption with, or encryption to, an EC key (MAC-12).",
        sources: &[OPENSC_TOKEND_21],
        citation: "",
        quote: "MS Outlook does not (and did not) support ECC on Mac, moving to Outlook 2016 won't help.",
        confidence: T,
    },
    MacEccOpen = "mac.ecc.open" {
        decides: "Whether new Outlook for Mac supports ECC certificates is not documented (2015 report for legacy only; open question 8): unknown.",
        sources: &[OPENSC_TOKEND_21],
        citation: "mac-mobile MAC-12, open question 8",
        quote: "No newer statement for new Outlook for Mac.",
        confidence: I,
    },
    MacEncryptLdapOpen = "mac.encrypt.ldap-open" {
        decides: "What LDAP (3) in SMIMECertificatesLookupOrder queries is not documented (open question 8): a certificate only an LDAP directory holds answers unknown.",
        sources: &[MAC_PREF],
        citation: "mac-mobile open question 8",
        quote: "what \"Device\" and \"Contacts\" mean in SMIMECertificatesLookupOrder",
        confidence: I,
    },
    MacEncryptLookupOrder = "mac.encrypt.lookup-order" {
        decides: "New Outlook for Mac looks up the recipient's certificate in SMIMECertificatesLookupOrder, default Contacts, GAL, Device, LDAP; the first usable certificate is used (MAC-03, MAC-22).",
        sources: &[MAC_PREF],
        citation: "SMIMECertificatesLookupOrder (16.45)",
        quote: "0 (Contacts), 1 (GAL), 2 (Device), 3 (LDAP) Default is [0, 1, 2, 3]",
        confidence: D,
    },
    MacEncryptNoRecipientCertificate = "mac.encrypt.no-recipient-certificate" {
        decides: "Outlook for Mac cannot encrypt to a recipient without a certificate in the sources it consults; what it shows then is not documented (MAC-20, MAC-24).",
        sources: &[MAC_LEGACY_HELP],
        citation: "",
        quote: "To encrypt a message, you must have your recipient's certificate saved in Outlook.",
        confidence: D,
    },
    MacEncryptOwnCertificateOpen = "mac.encrypt.own-certificate-open" {
        decides: "Whether new Outlook for Mac encrypts without an own certificate is not documented (MAC-24): unknown.",
        sources: &[MAC_PREF],
        citation: "mac-mobile MAC-24",
        quote: "Behaviour when a recipient has no certificate, reply inheritance, clear vs opaque signing choice, hash and cipher choice for new Outlook for Mac: not documented.",
        confidence: I,
    },
    MacEncryptSourceMeaning = "mac.encrypt.source-meaning" {
        decides: "Contacts means certificates on Outlook contacts, Device the macOS keychain: inferred, the page does not say (MAC-22, open question 8).",
        sources: &[MAC_PREF],
        citation: "mac-mobile MAC-22",
        quote: "0 (Contacts), 1 (GAL), 2 (Device), 3 (LDAP)",
        confidence: I,
    },
    MacLegacyEncryptContactsOrDirectory = "mac.legacy.encrypt-contacts-or-directory" {
        decides: "Legacy Outlook for Mac encrypts with a recipient certificate saved in Outlook (a contact) or published in an LDAP directory such as the GAL (MAC-20).",
        sources: &[MAC_LEGACY_HELP],
        citation: "",
        quote: "you must have your recipient's certificate saved in Outlook. Or, if your recipient is listed on an LDAP directory service, such as the global address list (GAL)",
        confidence: D,
    },
    MacLegacyEncryptOwnOptional = "mac.legacy.encrypt-own-optional" {
        decides: "Legacy Outlook for Mac encrypts without an own certificate of the sender's (the saved copy is then unreadable to her).",
        sources: &[MAC_2011_ENCRYPT],
        citation: "Outlook for Mac 2011 jj984207 (catalogue §4)",
        quote: "The sender does not need to have a digital certificate of his or her own.",
        confidence: D,
    },
    MacLegacySkiRecipient = "mac.legacy.ski-recipient" {
        decides: "Legacy Outlook for Mac cannot decrypt a message whose RecipientInfo names the recipient by subjectKeyIdentifier (Outlook 2010 RTM's form): it shows 'The security of this message cannot be verified because of an error.' (MAC-10; the CMS cause inferred from the fix).",
        sources: &[KB_2142236],
        citation: "KB 2142236",
        quote: "Microsoft Outlook 2011 for Mac may be unable to decrypt email messages sent from Outlook 2010.",
        confidence: I,
    },
    MacLegacyTrustKeychain = "mac.legacy.trust-keychain" {
        decides: "Legacy Outlook for Mac judges signers by the roots in the macOS keychains (X509 Anchors, System, login); keychain trust settings are ignored (MAC-07).",
        sources: &[MAC_2011_TRUST],
        citation: "Outlook for Mac 2011 jj984223 (2016 copy)",
        quote: "Outlook for Mac looks for root certificates in the X509 Anchors keychain ... and the system or login keychains",
        confidence: D,
    },
    MacOpenpgpEncryptedAttachments = "mac.openpgp.encrypted-attachments" {
        decides: "Outlook for Mac shows PGP/MIME encrypted mail as an ordinary item with the version part and the .asc as attachments: by analogy with mobile and OWA, untested (MAC-31).",
        sources: &[MAILVELOPE_826],
        citation: "mac-mobile MAC-31 (MOB-52 by analogy)",
        quote: "displayed with empty text two attachments PGP/MIME version identification and OpenPGP encrypted message.asc",
        confidence: I,
    },
    MacOpenpgpNoEngine = "mac.openpgp.no-engine" {
        decides: "Outlook for Mac has no OpenPGP: it cannot encrypt to an OpenPGP-only sender; how it shows a PGP/MIME-signed item (S/MIME-class in Exchange) is not reported (MAC-30, MAC-31; open question 6): unknown.",
        sources: &[GPGOL_MAPIHELP, MAC_PREF],
        citation: "mac-mobile MAC-30, MAC-31, open question 6",
        quote: "No Microsoft or third-party report found on Outlook for Mac (legacy or new) receiving PGP/MIME or Proton mail.",
        confidence: I,
    },
    MacReadInvalidSignature = "mac.read.invalid-signature" {
        decides: "Outlook for Mac shows a signature that fails verification as invalid; its banner words are not documented (MAC-11).",
        sources: &[MAC_2011_TRUST],
        citation: "mac-mobile MAC-11",
        quote: "Trust source for new Outlook for Mac ... and its signature banner strings: not documented.",
        confidence: I,
    },
    MacReadOpaqueSigned = "mac.read.opaque-signed" {
        decides: "Outlook for Mac opens opaque-signed S/MIME (IPM.Note.SMIME) through its S/MIME support like clear-signed: inferred, no page distinguishes them.",
        sources: &[MS_OXOSMIME_OPAQUE, MAC_PREF],
        citation: "",
        quote: "Even for an opaque-signed message ... the message body SHOULD NOT be promoted",
        confidence: I,
    },
    MacReplyInheritanceOpen = "mac.reply.inheritance-open" {
        decides: "Whether an Outlook for Mac reply inherits signing or encryption is not documented (MAC-24): the default reply is modelled plain.",
        sources: &[MAC_PREF],
        citation: "mac-mobile MAC-24",
        quote: "reply inheritance ... for new Outlook for Mac: not documented.",
        confidence: I,
    },
    MacReplyPlain = "mac.reply.plain" {
        decides: "Outlook for Mac can reply without S/MIME to what it shows (inferred; for OpenPGP mail the only reply, MOB-53 by analogy).",
        sources: &[EWS_RESPOND],
        citation: "mac-mobile MAC-31, MOB-53",
        quote: "Plain reply is the only option to a Proton sender unless the sender also has an S/MIME certificate",
        confidence: I,
    },
    MacSignOwnCertificate = "mac.sign.own-certificate" {
        decides: "Outlook for Mac signs with the user's own certificate and private key in her keychain, valid and for her address (MAC-07, MAC-02); hash and signing form are not documented (MAC-24).",
        sources: &[MAC_2011_TRUST, MAC_PREF],
        citation: "Outlook for Mac 2011 jj984223; AllowCertsWithoutMatchingEmailAddress",
        quote: "Prevent users from applying S/MIME option to email messages.",
        confidence: I,
    },
    MacSmimeSupported = "mac.smime.supported" {
        decides: "New Outlook for Mac has S/MIME: its admin keys set how certificates are used to decrypt and encrypt, and S/MIME in compose (MAC-02 to MAC-04, from 16.45).",
        sources: &[MAC_PREF],
        citation: "preferences-outlook (ms.date 2024-09-18)",
        quote: "Set the order in which certificates are used to decrypt and encrypt S/MIME messages.",
        confidence: D,
    },
    MacTrustKeychainOrSst = "mac.trust.keychain-or-sst" {
        decides: "Whether new Outlook for Mac judges signers by the keychain or by the tenant SST is not documented (MAC-11, open question 8): where both agree that is the answer, else the signature shown is unknown.",
        sources: &[MAC_2011_TRUST, SST_DOC],
        citation: "mac-mobile MAC-11, open question 8",
        quote: "Trust source for new Outlook for Mac (keychain, Exchange Online SST as on mobile, or both) ... not documented.",
        confidence: I,
    },
    MobileAccountNativeSync = "mobile.account.native-sync" {
        decides: "Outlook for iOS and Android has S/MIME only for Microsoft 365 accounts on the native Microsoft sync technology; it gets the item as Exchange Online classed it (MOB-01).",
        sources: &[LABEL_MOB, SMIME_MOB],
        citation: "",
        quote: "supported with Microsoft 365 or Office 365 accounts using the native Microsoft sync technology.",
        confidence: D,
    },
    MobileCertificateDelivery = "mobile.certificate.delivery" {
        decides: "The user's own certificate reaches the phone by Intune (the only automated delivery, enrolled device) or by a .pfx she mails herself and taps in the app (MOB-05, MOB-07).",
        sources: &[SMIME_MOB],
        citation: "",
        quote: "Outlook for iOS and Android only supports automated certificate delivery when Microsoft Endpoint Manager is the enrollment provider.",
        confidence: D,
    },
    MobileEncryptDeviceCertificateInstalled = "mobile.encrypt.device-certificate-installed" {
        decides: "A sender's certificate is on the device only when the user installed it from the S/MIME status bar; the app does not harvest it by itself (MOB-26).",
        sources: &[SMIME_MOB],
        citation: "E-MOB-04 to E-MOB-06",
        quote: "Users can install a sender's public certificate key by tapping the S/MIME status bar.",
        confidence: D,
    },
    MobileEncryptEccOpen = "mobile.encrypt.ecc-open" {
        decides: "Whether Outlook mobile encrypts to an ECC recipient certificate is not documented (MOB-43, open question 3): unknown.",
        sources: &[SMIME_MOB],
        citation: "mac-mobile open question 3",
        quote: "ciphers and digests used when sending; whether SMIMECapabilities are honoured ... ECC key agreement",
        confidence: I,
    },
    MobileEncryptInvalidRecipients = "mobile.encrypt.invalid-recipients" {
        decides: "Encrypting to a recipient without a valid certificate: the app prompts to remove them (Invalid Recipients Detected) and never sends unencrypted by itself (MOB-38, E-MOB-01).",
        sources: &[SMIME_MOB],
        citation: "E-MOB-01 (sensitive-ios-no-cert-warning.png)",
        quote: "For recipients without a public certificate key (or an invalid key), Outlook will prompt for their removal.",
        confidence: D,
    },
    MobileEncryptLdapOpen = "mobile.encrypt.ldap-open" {
        decides: "Whether a certificate only the LDAP endpoint (LDAPHostName) holds is used is open: documented since 2021, reported not working for one tenant (MOB-35, open question 1): unknown.",
        sources: &[SMIME_MOB, QA_4590348],
        citation: "mac-mobile open question 1",
        quote: "it did not allow them to send encrypted email to recipients in the LDAP directory.",
        confidence: I,
    },
    MobileEncryptLookupDeviceFirst = "mobile.encrypt.lookup-device-first" {
        decides: "Profile setting device-then-azure-ad-then-ldap: the app searches the device first, then Azure AD, then LDAP (MOB-34; the page also says GAL first, MOB-33).",
        sources: &[SMIME_MOB],
        citation: "section 'LDAP support for certificate lookup' (since 2021-06-24)",
        quote: "the app will search the local device first, then query Azure Active Directory, and then evaluate any LDAP directory endpoint.",
        confidence: D,
    },
    MobileEncryptLookupGalFirst = "mobile.encrypt.lookup-gal-first" {
        decides: "Profile setting gal-then-device (default): the GAL is checked first, then the device keychain or KeyStore (MOB-33; the page also says device first, MOB-34).",
        sources: &[SMIME_MOB],
        citation: "section 'Create S/MIME messages' (since 2019-09-10)",
        quote: "The Global Address List (GAL) is checked first; if a certificate for the recipient does not exist in the GAL, Outlook queries the Microsoft publisher keychain in iOS or the system KeyStore in Android",
        confidence: D,
    },
    MobileEncryptOpenpgpSender = "mobile.encrypt.openpgp-sender" {
        decides: "Outlook mobile has no OpenPGP: an OpenPGP-only sender has no certificate it can encrypt to (MOB-53).",
        sources: &[SMIME_MOB],
        citation: "mac-mobile MOB-53",
        quote: "no OpenPGP reply path (no OpenPGP engine, no add-in path on mobile).",
        confidence: I,
    },
    MobileEncryptOwnCertificate = "mobile.encrypt.own-certificate" {
        decides: "Encrypting needs a usable own certificate too: without one the Sign and Encrypt options are greyed out (MOB-30, E-MOB-07).",
        sources: &[SMIME_MOB],
        citation: "E-MOB-07 (sensitive-android-cert-warning.png)",
        quote: "enables the respective encoding on the email as soon as the message is saved or sent, assuming the sender has a valid certificate.",
        confidence: D,
    },
    MobileOpenpgpEncryptedAttachments = "mobile.openpgp.encrypted-attachments" {
        decides: "PGP/MIME encrypted mail is no S/MIME class: the app shows an empty body with the version part and the .asc as attachments, as OWA does; untested on mobile (MOB-52).",
        sources: &[MAILVELOPE_826, MS_OXOSMIME_OPAQUE],
        citation: "mac-mobile MOB-52",
        quote: "displayed with empty text two attachments PGP/MIME version identification and OpenPGP encrypted message.asc",
        confidence: I,
    },
    MobileOpenpgpSignedSmimeClass = "mobile.openpgp.signed-smime-class" {
        decides: "A PGP/MIME-signed item reaches the app as IPM.Note.SMIME.MultipartSigned; whether it then fails S/MIME verification or is not shown at all is untested (MOB-50, MOB-51, open questions 5 and 6): unknown.",
        sources: &[SMIME_MOB, GPGOL_MAPIHELP],
        citation: "mac-mobile MOB-51, open questions 5 and 6",
        quote: "with the switch on, the app most likely tries S/MIME verification and shows a failure state; with the switch off ... it may not be rendered as normal mail.",
        confidence: I,
    },
    MobileReadAlgorithmOpen = "mobile.read.algorithm-open" {
        decides: "Which content ciphers Outlook mobile decrypts is not documented (MOB-28, open question 3): AuthEnvelopedData (AES-GCM) and ciphers Microsoft's senders do not use answer unknown.",
        sources: &[SMIME_MOB],
        citation: "mac-mobile MOB-28, open question 3",
        quote: "Algorithms accepted for decryption / signature verification, ECC, RSA-PSS, AES-GCM: no statement found.",
        confidence: I,
    },
    MobileReadCantVerifySignature = "mobile.read.cant-verify-signature" {
        decides: "A signature Exchange Online cannot validate (bad signature, no trusted root in the SST, CRL unreachable) shows 'Can't Verify Signature'; body and attachments are still shown (MOB-25, E-MOB-03).",
        sources: &[SMIME_MOB, QA_5832315],
        citation: "E-MOB-03 (sensitive-cert-error-message.png)",
        quote: "If the chain is incomplete or the root is not trusted in Exchange Online, Outlook mobile will not treat the signature as valid even if Outlook classic does.",
        confidence: D,
    },
    MobileReadCipherMicrosoftSenders = "mobile.read.cipher-microsoft-senders" {
        decides: "Outlook mobile decrypts the CBC ciphers Microsoft's own senders use (AES-CBC, 3DES): inferred from 'users can view messages that are S/MIME encrypted', no page lists ciphers (MOB-28).",
        sources: &[SMIME_MOB],
        citation: "mac-mobile MOB-20, MOB-28",
        quote: "In the message view, users can view messages that are S/MIME signed or encrypted.",
        confidence: I,
    },
    MobileReadDecryptNeedsDeviceKey = "mobile.read.decrypt-needs-device-key" {
        decides: "Reading an encrypted message needs the user's private key on the device (Intune-delivered or a manual .pfx) (MOB-22).",
        sources: &[SMIME_MOB],
        citation: "",
        quote: "In order to read an encrypted message, the recipient's private certificate key must be available on the device.",
        confidence: D,
    },
    MobileReadOmeDecryptedByExchange = "mobile.read.ome-decrypted-by-exchange" {
        decides: "Label / OME encryption is decrypted by Exchange Online before delivery, whatever the S/MIME setting (MOB-27).",
        sources: &[LABEL_MOB],
        citation: "",
        quote: "Exchange Online performs the decryption prior to delivering the message",
        confidence: D,
    },
    MobileReadOpaqueSignedOpen = "mobile.read.opaque-signed-open" {
        decides: "Whether Outlook mobile renders opaque-signed S/MIME (application/pkcs7-mime signed-data) is not documented (open question 2): unknown.",
        sources: &[SMIME_MOB],
        citation: "mac-mobile open question 2",
        quote: "No distinction is documented between clear-signed and opaque-signed.",
        confidence: I,
    },
    MobileReadStatusBar = "mobile.read.status-bar" {
        decides: "With S/MIME on, signed and encrypted S/MIME mail is shown under a tappable S/MIME status bar: Signed, Encrypted, Signed and Encrypted (MOB-20, MOB-21).",
        sources: &[SMIME_MOB],
        citation: "sensitive-ios-s-mime.png",
        quote: "users can view messages that are S/MIME signed or encrypted. In addition, users can tap the S/MIME status bar to view more information",
        confidence: D,
    },
    MobileReplyInheritanceOpen = "mobile.reply.inheritance-open" {
        decides: "Whether a reply inherits signing or encryption is not documented (MOB-40, open question 4): the default reply is plain unless SignAllMail or EncryptAllMail is set.",
        sources: &[SMIME_MOB, INTUNE_CFG],
        citation: "mac-mobile MOB-40, open question 4",
        quote: "Users can configure Outlook to automatically sign or encrypt messages.",
        confidence: I,
    },
    MobileReplyPlain = "mobile.reply.plain" {
        decides: "Outlook mobile can reply without S/MIME (inferred; for OpenPGP mail the only reply, MOB-53).",
        sources: &[SMIME_MOB],
        citation: "mac-mobile MOB-53",
        quote: "Plain reply is the only option to a Proton sender unless the sender also has an S/MIME certificate",
        confidence: I,
    },
    MobileSendAllMail = "mobile.send.all-mail" {
        decides: "App configuration EncryptAllMail / SignAllMail (default false) make every message, replies included, encrypted / signed (MOB-10).",
        sources: &[INTUNE_CFG],
        citation: "com.microsoft.outlook.Mail.SMIMEEnabled.EncryptAllMail, .SignAllMail",
        quote: "This key specifies whether S/MIME encryption is required to send messages.",
        confidence: D,
    },
    MobileSendClearSignedOnly = "mobile.send.clear-signed-only" {
        decides: "Outlook mobile sends signed mail clear-signed only (multipart/signed); its hash and cipher are not documented (MOB-31, MOB-43).",
        sources: &[SMIME_MOB],
        citation: "",
        quote: "Outlook for iOS and Android only supports sending clear-signed messages.",
        confidence: D,
    },
    MobileSignCertificateExpiry = "mobile.sign.certificate-expiry" {
        decides: "From 30 days before its own certificate expires the app warns when signing or encrypting; an expired certificate greys the options out (MOB-41, E-MOB-07).",
        sources: &[SMIME_MOB],
        citation: "E-MOB-07 (sensitive-android-cert-warning.png)",
        quote: "Outlook for iOS and Android will alert the user to obtain a new certificate when the user attempts to sign or encrypt a message, beginning 30 days before expiration.",
        confidence: D,
    },
    MobileSignOwnCertificate = "mobile.sign.own-certificate" {
        decides: "Signing needs the user's own certificate and private key on the device, matching her primary SMTP address (subject or SAN); otherwise 'We couldn't find your S/MIME certificate.' (MOB-04, MOB-32, E-MOB-07).",
        sources: &[SMIME_MOB],
        citation: "E-MOB-07",
        quote: "if these do not match, then Outlook for iOS and Android will report that a certificate is not available (see Figure 7) and will not allow the user to sign and/or encrypt messages.",
        confidence: D,
    },
    MobileSmimeSetting = "mobile.smime.setting" {
        decides: "The app's S/MIME setting (off by default; admin app configuration SMIMEEnabled, default false, with UserChangeAllowed) must be on: with it off S/MIME content cannot be consumed and nothing is signed or encrypted (MOB-10 to MOB-12).",
        sources: &[SMIME_MOB, INTUNE_CFG],
        citation: "E-MOB-09 (sensitive-s-mime-setting.png)",
        quote: "If the S/MIME setting is not enabled, then users will not be able to consume S/MIME content.",
        confidence: D,
    },
    MobileTrustExchangeOnline = "mobile.trust.exchange-online" {
        decides: "Outlook mobile's signature trust is Exchange Online's: a chain to a root in the tenant SST and a reachable CRL, not the device's store (MOB-23).",
        sources: &[SMIME_MOB, QA_5832315],
        citation: "",
        quote: "If Exchange Online fails to locate a trusted root certificate or fails to contact the certificate revocation list for the certificate authority, that certificate is considered invalid and not trusted.",
        confidence: D,
    },
    ModelContentNotExamined = "model.content-not-examined" {
        decides: "What a client would show or do here depends on encrypted content that was not examined (no key for it was given): the model answers unknown instead of answering as if nothing were inside.",
        sources: &[],
        citation: "replymatrix: the outcomes that differ between plausible contents of the encrypted layer",
        quote: "A client that holds the key reads the inner signature and certificates; without the key they are unknown here.",
        confidence: I,
    },
    ModelNotAMessage = "model.not-a-message" {
        decides: "Input that is not an RFC 5322 message (empty, binary, no header fields) is no item a client shows or answers.",
        sources: &[RFC_5322_MESSAGE],
        citation: "RFC 5322 §2.1",
        quote: "A message consists of header fields ... optionally followed by a message body.",
        confidence: I,
    },
    ModelNotModelled = "model.not-modelled" {
        decides: "The evidence does not say what the client does here; the model answers unknown instead of guessing.",
        sources: &[],
        citation: "catalogue open questions",
        quote: "Unsupported by the model is not blocked by a rule.",
        confidence: I,
    },
    NewOutlookAsOwa = "new-outlook.as-owa" {
        decides: "New Outlook handles S/MIME-class items through the same pipeline as OWA.",
        sources: &[OFFICE_JS_6569, SET_SMIMECONFIG],
        citation: "",
        quote: "modify the S/MIME configuration for Outlook on the web ... and new Outlook for Windows.",
        confidence: I,
    },
    NewOutlookBuiltInBridge = "new-outlook.built-in-bridge" {
        decides: "New Outlook reaches Windows cryptography through a built-in bridge; no browser extension is needed.",
        sources: &[PFISTER_EN],
        citation: "",
        quote: "The new Outlook replaces this extension with a built-in bridge between the web interface and Windows cryptography.",
        confidence: T,
    },
    NewOutlookNoComAddIns = "new-outlook.no-com-add-ins" {
        decides: "New Outlook runs no COM/VSTO add-ins, so there is no GpgOL and no OpenPGP path.",
        sources: &[NEW_OUTLOOK_ADD_INS],
        citation: "OfficeDev/office-js-docs-pr docs/includes/new-outlook-vsto-com-support.md",
        quote: "COM and VSTO add-ins aren't supported in the new Outlook on Windows",
        confidence: D,
    },
    NewOutlookReplyInheritsEncryption = "new-outlook.reply.inherits-encryption" {
        decides: "A New Outlook reply to an S/MIME-encrypted message is encrypted by default.",
        sources: &[SET_SMIMECONFIG],
        citation: "Set-SmimeConfig -NoSignOnReply",
        quote: "If incoming email has S/MIME encryption and signature attached, only encryption is inherited.",
        confidence: D,
    },
    NewOutlookReplyNoSignOnReply = "new-outlook.reply.no-sign-on-reply" {
        decides: "NoSignOnReply (default true) decides whether a New Outlook reply inherits the signature.",
        sources: &[SET_SMIMECONFIG],
        citation: "",
        quote: "Users need to go to S/MIME settings and remove S/MIME signature to remove the inherited signature.",
        confidence: D,
    },
    OwaEncryptAlgorithms = "owa.encrypt.algorithms" {
        decides: "OWA and New Outlook encrypt with the first algorithm of OWAEncryptionAlgorithms (default 6610 AES-256); the list has no AES-GCM.",
        sources: &[SET_SMIMECONFIG],
        citation: "",
        quote: "If the encryption algorithm or minimum key length is not available on a client, Outlook on the web does not allow encryption.",
        confidence: D,
    },
    OwaEncryptEccOpen = "owa.encrypt.ecc-open" {
        decides: "Whether OWA / New Outlook encrypt to an ECC recipient certificate is an open question (6): the model answers unknown.",
        sources: &[CONFIGURE_SMIME_EXO],
        citation: "catalogue open question 6",
        quote: "ECC in OWA, New Outlook and mobile: Still open",
        confidence: I,
    },
    OwaEncryptGalOnly = "owa.encrypt.gal-only" {
        decides: "OWA and New Outlook take recipient certificates from the directory only (published users, mail contacts); no harvesting from signed mail.",
        sources: &[SET_SMIMECONFIG, OWA4LINUX_PY, KB_2840546],
        citation: "",
        quote: "Exchange expands the distribution group to retrieve the encryption certificate of each recipient.",
        confidence: I,
    },
    OwaEncryptMailContact = "owa.encrypt.mail-contact" {
        decides: "An admin-made mail contact carrying the sender's certificate makes it usable by OWA and New Outlook.",
        sources: &[BLOG_2008_CONTACTS, CONFIGURE_SMIME_EXO],
        citation: "Set-MailContact -UserSMimeCertificate",
        quote: "both types of objects contain the needed attributes to allow us to store certificates for use with Outlook and/or OWA",
        confidence: D,
    },
    OwaEncryptNoRecipientCertificate = "owa.encrypt.no-recipient-certificate" {
        decides: "Without a directory certificate for the recipient OWA cannot encrypt (E18b).",
        sources: &[SET_SMIMECONFIG, KB_2840546],
        citation: "GitHub-hosted troubleshooting guide (E18b, low)",
        quote: "Valid certificates weren't found for the recipients listed above.",
        confidence: T,
    },
    OwaEncryptOpenpgpSender = "owa.encrypt.openpgp-sender" {
        decides: "OWA has no OpenPGP; its Encrypt button to a Proton address produces OME, not OpenPGP.",
        sources: &[USERVOICE_OPENPGP],
        citation: "",
        quote: "sent an email to my ProtonMail account, but it didn't encrypt, just sent a link",
        confidence: T,
    },
    OwaEncryptOwnCertificate = "owa.encrypt.own-certificate" {
        decides: "Encrypting in OWA / New Outlook needs the user's own certificate too (copy to self), as in Classic.",
        sources: &[DIGICERT_OWN_CERT],
        citation: "",
        quote: "Outlook creates an encrypted copy to yourself",
        confidence: I,
    },
    OwaExtensionRequired = "owa.extension-required" {
        decides: "OWA needs the Microsoft S/MIME extension (and control) to verify, decrypt, sign or encrypt.",
        sources: &[CONFIGURE_SMIME_EXO, OWA4LINUX_PY],
        citation: "",
        quote: "OWA uses Native Messaging to communicate with a small piece of software ... using the certificate from the local cert store",
        confidence: D,
    },
    OwaReadAuthEnveloped = "owa.read.auth-enveloped" {
        decides: "OWA's algorithm list has no AES-GCM; reading AuthEnvelopedData is not modelled as possible.",
        sources: &[SET_SMIMECONFIG],
        citation: "",
        quote: "6601 DES, 6602 RC2, 6603 3DES, 660E AES128, 660F AES192, 6610 AES256. No AES-GCM.",
        confidence: I,
    },
    OwaReadDecryptNeedsKey = "owa.read.decrypt-needs-key" {
        decides: "OWA / New Outlook decrypt only with the user's private key in the local store or a smart card (E3 otherwise).",
        sources: &[CONFIGURE_SMIME_EXO],
        citation: "KB 2621062 (E3)",
        quote: "This message can't be decrypted because its encryption algorithm isn't supported or your digital ID can't be found.",
        confidence: D,
    },
    OwaReadEcdhOpen = "owa.read.ecdh-open" {
        decides: "Whether OWA / New Outlook decrypt mail to the user's ECC certificate (ECDH key agreement) is an open question (6): the read verdict is unknown.",
        sources: &[CONFIGURE_SMIME_EXO],
        citation: "catalogue open question 6; the OWA S/MIME documentation names no ECC",
        quote: "ECC in OWA, New Outlook and mobile: Still open",
        confidence: I,
    },
    OwaReadEncryptedNoExtension = "owa.read.encrypted-no-extension" {
        decides: "Without the S/MIME control OWA cannot show encrypted (or opaque) S/MIME content (E4, legacy wording).",
        sources: &[OWA_2010_HELP],
        citation: "E4 (2010 forum post)",
        quote: "you can't read encrypted mail or digitally signed mail unless you have a digital ID and the S/MIME control is installed.",
        confidence: M,
    },
    OwaReadInvalidOrUntrustedSignature = "owa.read.invalid-or-untrusted-signature" {
        decides: "A signature that fails, or whose chain the SST does not anchor, is flagged as not valid or trusted (E5).",
        sources: &[NEILSABOL_E5],
        citation: "",
        quote: "The digital signature on this message isn't valid or trusted.",
        confidence: T,
    },
    OwaReadNoExtensionBanner = "owa.read.no-extension-banner" {
        decides: "A signed S/MIME-class item opened without a usable control shows the body with banner E18a, signature not verified.",
        sources: &[OWA4LINUX_6],
        citation: "",
        quote: "This message has a digital signature, but it wasn't verified because the S/MIME control isn't currently supported for your browser or platform.",
        confidence: T,
    },
    OwaReadPgpEncryptedAttachments = "owa.read.pgp-encrypted-attachments" {
        decides: "OWA shows PGP/MIME encrypted mail as an empty body with the version part and the .asc as attachments.",
        sources: &[MAILVELOPE_826, PDRO_PGP_MIME],
        citation: "",
        quote: "displayed with empty text two attachments PGP/MIME version identification and OpenPGP encrypted message.asc",
        confidence: T,
    },
    OwaReadPgpSignedBanner = "owa.read.pgp-signed-banner" {
        decides: "OWA shows a PGP/MIME-signed item's body with a 'verification not supported' banner (E7, probably E18a).",
        sources: &[ORG_MSG_26, OWA4LINUX_6, GPGOL_MAIL_CPP],
        citation: "",
        quote: "Outlook displays the message normally, though it shows a message that digital signature verification is not supported",
        confidence: T,
    },
    OwaReplyPlain = "owa.reply.plain" {
        decides: "OWA can reply without S/MIME to an item it can open normally.",
        sources: &[EWS_RESPOND],
        citation: "catalogue rule-base sketch (d)",
        quote: "plain ✔ (I)",
        confidence: I,
    },
    OwaReplyQuoteKeepsStyles = "owa.reply.quote-keeps-styles" {
        decides: "OWA's reply keeps the original's CSS rules in the quote: text the original hides stays hidden in the reply the user sends and signs.",
        sources: &[REPLY_ATTACKS],
        citation: "Müller et al. 2019, 'Re: What's Up Johnny?': evaluation figure, Exchange/OWA (15.1.1034) signatures S/MIME ● ('covert rules are kept in reply message')",
        quote: "Covert rules are kept in reply message",
        confidence: T,
    },
    OwaReplySmimeClassNeedsControl = "owa.reply.smime-class-needs-control" {
        decides: "Hypothesis: OWA builds the quoted body of an S/MIME-class item through the control; without one that can parse it, reply fails.",
        sources: &[OWA4LINUX_PY, QA_5876934],
        citation: "catalogue §6 hypothesis",
        quote: "CreateMessageFromSmimeParams returns NormalizedBody",
        confidence: I,
    },
    OwaReplySmimeClassReportedFailure = "owa.reply.smime-class-reported-failure" {
        decides: "Replying in OWA to a Proton-sent 'S/MIME signed' item was reported failing while Classic succeeded.",
        sources: &[QA_5876934],
        citation: "",
        quote: "cannot reply to S/MIME signed emails from OWA ... She seems to be able to reply to the same email through Classic Outlook",
        confidence: T,
    },
    OwaSignDigest = "owa.sign.digest" {
        decides: "OWA and New Outlook sign with the first of OWASigningAlgorithms (default 8004, SHA-1).",
        sources: &[SET_SMIMECONFIG],
        citation: "",
        quote: "If this parameter is not specified or is not formatted correctly, Outlook on the web defaults to 8004 (SHA1).",
        confidence: D,
    },
    OwaSignOwnCertificateSst = "owa.sign.own-certificate-sst" {
        decides: "OWA refuses to sign with a certificate the organisation (SST) does not trust (E6).",
        sources: &[OWA4LINUX_2],
        citation: "",
        quote: "Das zum Signieren dieser Nachricht verwendete Zertifikat wird von Ihrer Organisation nicht als vertrauenswürdig eingestuft.",
        confidence: T,
    },
    OwaSignSmartCardOnly = "owa.sign.smart-card-only" {
        decides: "With OWAOnlyUseSmartCard only smart-card certificates may sign or decrypt.",
        sources: &[SET_SMIMECONFIG],
        citation: "",
        quote: "Require smartcard certificates.",
        confidence: D,
    },
    OwaTrustAddressMismatch = "owa.trust.address-mismatch" {
        decides: "A signer address that differs from From is displayed, and verification proceeds.",
        sources: &[SET_SMIMECONFIG],
        citation: "OWASenderCertificateAttributesToDisplay",
        quote: "signature verification proceeds despite a mismatch between the sender's email address and the email address in sender's certificate",
        confidence: D,
    },
    OwaTrustSstOnly = "owa.trust.sst-only" {
        decides: "OWA and New Outlook validate S/MIME chains against the tenant SST only.",
        sources: &[SST_DOC],
        citation: "",
        quote: "In Exchange Online only the SST will be used for validation.",
        confidence: D,
    },
    ReadInlinePgp = "read.inline-pgp" {
        decides: "Inline OpenPGP armor is shown as text; nothing processes it without an add-in.",
        sources: &[RFC_2046_PLAIN],
        citation: "catalogue §1 'Inline PGP'",
        quote: "rendered as plain body text. Outlook does not process it.",
        confidence: I,
    },
    ReadOmeNative = "read.ome-native" {
        decides: "Purview Message Encryption (OME) mail from Microsoft 365 renders natively in Microsoft clients.",
        sources: &[VESON_OME],
        citation: "catalogue rule-base sketch (d)",
        quote: "OME / rpmsg from M365: native render (T)",
        confidence: T,
    },
    ReadPlain = "read.plain" {
        decides: "A message without security layers is an ordinary message.",
        sources: &[RFC_2046_PLAIN],
        citation: "",
        quote: "No S/MIME or OpenPGP layer: nothing for the security code to do.",
        confidence: I,
    },
    ReadProtonEoNotice = "read.proton-eo-notice" {
        decides: "A Proton password-protected message is a notice with a link; reading and replying happen in Proton's portal.",
        sources: &[PROTON_PASSWORD_PROTECTED],
        citation: "catalogue rule-base sketch (d)",
        quote: "link to Proton portal; the reply happens in the Proton portal (I)",
        confidence: I,
    },
    ReadSmimeSignatureAlgorithmOpen = "read.smime-signature-algorithm-open" {
        decides: "A valid S/MIME signature made with EdDSA (Ed25519 or Ed448, RFC 8419) or RSASSA-PSS: no Microsoft document says whether Classic Outlook, OWA, New Outlook, Outlook mobile or Outlook for Mac verify one (the catalogue: RSA-PSS 'no evidence either way'; the Suite B policy lists ECDSA, not EdDSA), so the signature shown is unknown.",
        sources: &[RFC_8419, SUITE_B_POLICY],
        citation: "RFC 8419 §3; the catalogue's ECC row (Suite B: ECDH/ECMQV and ECDSA only) and open question 4 (RSA-PSS)",
        quote: "RSA-PSS signatures (reading or sending) in any Microsoft client: no evidence either way.",
        confidence: I,
    },
    ReadTnef = "read.tnef" {
        decides: "A winmail.dat (TNEF) wrapper is Microsoft's own format and is rendered natively.",
        sources: &[TNEF_SETTINGS],
        citation: "Set-MailContact UseMapiRichTextFormat",
        quote: "TNEF messages aren't specifically allowed or prevented for the mail user or mail contact.",
        confidence: I,
    },
}

/// The weakest confidence among these rules; an empty list counts as inferred (nothing backs
/// the outcome).
pub fn weakest_of(ids: &[RuleId]) -> Confidence {
    if ids.is_empty() {
        return Confidence::Inferred;
    }
    ids.iter()
        .map(|id| id.rule().confidence)
        .fold(Confidence::Documented, Confidence::weakest)
}

/// The wire names of these rules joined by `separator` (for text and snapshot lines).
pub fn joined(ids: &[RuleId], separator: &str) -> String {
    let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    names.join(separator)
}

/// The source URLs of these rules, de-duplicated, in first-use order.
pub fn urls_of(ids: &[RuleId]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        for url in id.rule().sources {
            if !out.iter().any(|u| u == url) {
                out.push((*url).to_owned());
            }
        }
    }
    out
}
