//! Facts: the client-independent truth about one message, as `inspect` returns it.
//!
//! These types *are* the `replymatrix.inspect/1` JSON interface. A field's meaning never
//! changes within a schema version; new fields may be added (layers "may carry more fields").
//! Models read these types and never the message bytes.

pub use crate::instant::Instant;
use crate::vocabulary::vocabulary;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema tag written into every inspection.
pub const INSPECT_SCHEMA: &str = "replymatrix.inspect/1";

/// Everything `inspect` found in one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Inspection {
    /// Always [`INSPECT_SCHEMA`].
    pub schema: String,
    /// The addr-spec of `From`, lower-case; `None` when there is no usable `From`.
    pub from: Option<String>,
    /// Security layers and wrappers, outermost first, depth-first. Empty when none.
    pub layers: Vec<Layer>,
    /// What was wrong with the input. Never fatal: inspection goes on with the rest.
    pub problems: Vec<Problem>,
    /// The message class (`PidTagMessageClass`) the Outlook item was stored with, when the
    /// input was an Outlook item (a `.msg` file or a PST item) rather than MIME; the MIME
    /// inspected is described by [`Inspection::item_mime`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_item_class: Option<String>,
    /// Where the MIME inspected came from when the input was an Outlook item: kept whole in
    /// the item, or rebuilt from its properties. Absent for MIME input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_mime: Option<ItemMime>,
}

vocabulary! {
    /// How the MIME of an Outlook item was obtained ([MS-OXOSMIME], [MS-OXCMAIL]).
    pub enum ItemMime {
        /// The item keeps the original MIME entity whole in its one attachment (`smime.p7m`
        /// for S/MIME classes), and the top-level header fields in its transport headers:
        /// the bytes inspected are the bytes that were signed.
        Kept = "kept",
        /// The message was rebuilt from the item's transport headers, body and attachments
        /// ([MS-OXCMAIL]): the structure is Exchange's, not the sender's, and no signature
        /// over these bytes can be checked.
        Rebuilt = "rebuilt",
    }
}

impl Inspection {
    /// An inspection with no layers and no problems.
    pub fn empty(from: Option<String>) -> Self {
        Self {
            schema: INSPECT_SCHEMA.to_owned(),
            from,
            layers: Vec::new(),
            problems: Vec::new(),
            stored_item_class: None,
            item_mime: None,
        }
    }

    /// The layers of one kind, in order.
    pub fn layers_of(&self, kind: LayerKind) -> impl Iterator<Item = &Layer> {
        self.layers.iter().filter(move |l| l.kind == kind)
    }

    /// Whether any layer of this kind is present.
    pub fn has(&self, kind: LayerKind) -> bool {
        self.layers.iter().any(|l| l.kind == kind)
    }
}

vocabulary! {
    /// What a [`Problem`] is about: a stable code per kind of problem.
    pub enum ProblemCode {
        /// The `Autocrypt:` header's `addr` is not the `From` address.
        AutocryptAddrMismatch = "autocrypt-addr-mismatch",
        /// The `Autocrypt:` header's `keydata` is not valid base64.
        AutocryptBadBase64 = "autocrypt-bad-base64",
        /// The `Autocrypt:` header does not parse (RFC-less Autocrypt Level 1 §2.1).
        AutocryptMalformed = "autocrypt-malformed",
        /// The `Autocrypt:` header has a critical attribute it does not know.
        AutocryptUnknownAttribute = "autocrypt-unknown-attribute",
        /// The SMIMECapabilities attribute does not parse (RFC 8551 §2.5.2).
        CmsCapabilitiesMalformed = "cms-capabilities-malformed",
        /// An EnvelopedData has no encrypted content (detached content is not supported).
        CmsContentDetached = "cms-content-detached",
        /// A SignedData carries eContent and also sits in `multipart/signed` (two different contents).
        CmsEcontentAndDetached = "cms-econtent-and-detached",
        /// The CMS structure does not parse (RFC 5652).
        CmsMalformed = "cms-malformed",
        /// The CMS content type is not EnvelopedData or AuthEnvelopedData where one was expected.
        CmsNotEnvelopedData = "cms-not-enveloped-data",
        /// The CMS content type is not SignedData where one was expected.
        CmsNotSignedData = "cms-not-signed-data",
        /// More certificates than are examined per SignedData.
        CmsTooManyCertificates = "cms-too-many-certificates",
        /// More recipients than are examined per EnvelopedData.
        CmsTooManyRecipients = "cms-too-many-recipients",
        /// More signer infos than are examined per SignedData.
        CmsTooManySignerInfos = "cms-too-many-signer-infos",
        /// Bytes follow the CMS structure.
        CmsTrailingData = "cms-trailing-data",
        /// A `pkcs7-mime` part holds a CMS content type that is not inspected.
        CmsUnsupportedContent = "cms-unsupported-content",
        /// Decrypted S/MIME content is larger than the limit.
        DecryptedTooLarge = "decrypted-too-large",
        /// A key matched a recipient, but decryption failed.
        DecryptionFailed = "decryption-failed",
        /// More layers than are reported per message.
        LayerLimit = "layer-limit",
        /// The message is larger than the limit; only its beginning was inspected.
        MessageTooLarge = "message-too-large",
        /// The `micalg=` parameter names another digest than the signature uses.
        MicalgMismatch = "micalg-mismatch",
        /// Multipart nesting deeper than is examined.
        MimeDepthLimit = "mime-depth-limit",
        /// A part's transfer encoding could not be decoded.
        MimeEncoding = "mime-encoding",
        /// The message is not a MIME entity that can be parsed.
        MimeUnparseable = "mime-unparseable",
        /// A `multipart/encrypted` does not have the two parts RFC 1847 §2.2 requires.
        MultipartEncryptedMalformed = "multipart-encrypted-malformed",
        /// A `multipart/encrypted` names a protocol that is not OpenPGP.
        MultipartEncryptedUnknownProtocol = "multipart-encrypted-unknown-protocol",
        /// A `multipart/signed` does not have the two parts RFC 1847 §2.1 requires.
        MultipartSignedMalformed = "multipart-signed-malformed",
        /// A `multipart/signed` names a protocol that is neither S/MIME nor OpenPGP.
        MultipartSignedUnknownProtocol = "multipart-signed-unknown-protocol",
        /// No key given matches a recipient of the S/MIME layer.
        NoMatchingKey = "no-matching-key",
        /// The input is not an e-mail message: empty, binary, or no header fields
        /// (RFC 5322 §2.1). Nothing else is inspected.
        NotAMessage = "not-a-message",
        /// An Outlook item (`.msg`, [MS-OXMSG]) whose compound file or
        /// properties cannot be read (truncated, corrupt, not an Outlook item).
        OutlookItemUnreadable = "outlook-item-unreadable",
        /// An item whose class says its MIME is kept in an attachment (`IPM.Note.SMIME*`,
        /// GpgOL's classes) has no such attachment; the message was rebuilt instead.
        OutlookItemMimeMissing = "outlook-item-mime-missing",
        /// The attachment that should hold the item's MIME (`smime.p7m`) is neither a MIME
        /// entity nor CMS; the message was rebuilt with it as an ordinary attachment.
        OutlookItemMimeUnusable = "outlook-item-mime-unusable",
        /// More parts than are examined per message.
        PartLimit = "part-limit",
        /// Decompressed OpenPGP data is larger than the limit.
        PgpDecompressedTooLarge = "pgp-decompressed-too-large",
        /// A key matched a recipient, but OpenPGP decryption failed.
        PgpDecryptionFailed = "pgp-decryption-failed",
        /// The OpenPGP library failed in a way the input should not cause.
        PgpInternalError = "pgp-internal-error",
        /// An OpenPGP certificate parses but is not usable (no valid binding).
        PgpKeyInvalid = "pgp-key-invalid",
        /// An OpenPGP certificate does not parse.
        PgpKeyMalformed = "pgp-key-malformed",
        /// An OpenPGP message does not parse (RFC 9580).
        PgpMalformed = "pgp-malformed",
        /// No key given matches a recipient of the OpenPGP layer.
        PgpNoMatchingKey = "pgp-no-matching-key",
        /// Data announced as an encrypted OpenPGP message is not one.
        PgpNotEncrypted = "pgp-not-encrypted",
        /// The message carries an OpenPGP secret key.
        PgpSecretKeyAttached = "pgp-secret-key-attached",
        /// A given key is a recipient, but the OpenPGP backend does not implement its
        /// public-key algorithm (named in the message).
        PgpUnsupportedAlgorithm = "pgp-unsupported-algorithm",
        /// A folder of a PST export ([MS-PST]) whose properties or tables cannot be read (a
        /// broken B-tree, a missing node), or a PST that cannot be opened at all: the items
        /// below it are not reached; the rest of the file is still read.
        PstFolderUnreadable = "pst-folder-unreadable",
        /// An item of a PST export whose node, properties or attachments cannot be read; it
        /// has a record with this problem and nothing else.
        PstItemUnreadable = "pst-item-unreadable",
        /// The `smime-type=` parameter does not match the CMS content type.
        SmimeTypeMismatch = "smime-type-mismatch",
        /// A `winmail.dat` does not start with the TNEF signature.
        TnefMalformed = "tnef-malformed",
        /// The S/MIME content cipher is not supported.
        UnsupportedCipher = "unsupported-cipher",
        /// Content unwrapped (decrypted, opaque-signed) deeper than is examined.
        UnwrapLimit = "unwrap-limit",
    }
}

/// A problem found in the input (not a failure of the tool).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// A stable kebab-case code, for example `mime-depth-limit` or `cms-malformed`.
    pub code: ProblemCode,
    /// A sentence for people.
    pub message: String,
}

impl Problem {
    /// A problem with this code and message.
    pub fn new(code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

vocabulary! {
    /// What a layer is.
    pub enum LayerKind {
        /// S/MIME SignedData, clear (`multipart/signed`) or opaque (`pkcs7-mime`).
        SmimeSigned = "smime-signed",
        /// S/MIME EnvelopedData (RFC 5652 §6).
        SmimeEnveloped = "smime-enveloped",
        /// S/MIME AuthEnvelopedData (RFC 5083), AES-GCM in practice.
        SmimeAuthEnveloped = "smime-auth-enveloped",
        /// OpenPGP signature: PGP/MIME (RFC 3156 §5), cleartext-signed or a detached `.sig`.
        PgpSigned = "pgp-signed",
        /// OpenPGP encrypted message: PGP/MIME (RFC 3156 §4) or inline armor/attachment.
        PgpEncrypted = "pgp-encrypted",
        /// An OpenPGP certificate carried by the message (attachment or `Autocrypt:`).
        PgpKey = "pgp-key",
        /// Microsoft Purview Message Encryption / IRM (wrapper mail, `message.rpmsg`).
        Ome = "ome",
        /// Transport Neutral Encapsulation Format (`winmail.dat`).
        Tnef = "tnef",
        /// Proton's password-protected ("Encrypt for outside users") notification.
        ProtonEoNotice = "proton-eo-notice",
    }
}

impl LayerKind {
    /// Whether this kind carries a [`SignatureFacts`].
    pub fn is_signed(self) -> bool {
        matches!(self, Self::SmimeSigned | Self::PgpSigned)
    }

    /// Whether this kind carries an [`EncryptionFacts`].
    pub fn is_encrypted(self) -> bool {
        matches!(
            self,
            Self::SmimeEnveloped | Self::SmimeAuthEnveloped | Self::PgpEncrypted
        )
    }
}

vocabulary! {
    /// How a layer is put on the wire.
    pub enum LayerForm {
        /// S/MIME `multipart/signed` (RFC 8551 §3.5.3).
        Clear = "clear",
        /// S/MIME `application/pkcs7-mime` (RFC 8551 §3.5.2) or `.p7m`.
        Opaque = "opaque",
        /// PGP/MIME (RFC 3156).
        Mime = "mime",
        /// Inline OpenPGP armor in a body, or a `.pgp`/`.sig`/`.asc` attachment.
        Inline = "inline",
        /// A key attached as a MIME part.
        Attachment = "attachment",
        /// A key from the `Autocrypt:` header.
        Autocrypt = "autocrypt",
    }
}

/// One layer found in the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Layer {
    /// What the layer is.
    pub kind: LayerKind,
    /// How it is put on the wire; `None` for wrappers (OME, TNEF, EO notice).
    pub form: Option<LayerForm>,
    /// The MIME part path (`""` for the root, `"1.2"` for the second child of the first
    /// child; RFC 3501 §6.4.5 numbering, the root being `""`).
    ///
    /// One rule for every kind: a layer is reported at the part that *is* the layer. For
    /// `multipart/signed` (S/MIME and PGP/MIME) and `multipart/encrypted` (PGP/MIME) that is
    /// the multipart container, not its signature or ciphertext child; for
    /// `application/pkcs7-mime`, an inline-armored text part or an encrypted attachment it is
    /// that part. Content inside decrypted or unwrapped bytes continues the path of the part
    /// that carried the bytes, the way IMAP numbers an attached message: a top-level
    /// PGP/MIME encrypted message is the layer `""`, and what its ciphertext part `"2"`
    /// decrypts to starts at `"2.1"`; an `application/pkcs7-mime` message is the layer `""`
    /// and its content starts at `"1"`; the signed content of a `multipart/signed` is its
    /// first child, `"1"`. A layer reported at its container names the part that carries
    /// its ciphertext in `wire["ciphertext-part"]` ([`Layer::carrier`]).
    pub part: String,
    /// Signed kinds only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureFacts>,
    /// Encrypted kinds only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<EncryptionFacts>,
    /// S/MIME signed only: the SMIMECapabilities attribute (RFC 8551 §2.5.2), strongest
    /// first as the sender listed them; `[]` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// S/MIME signed only: the encryption-key-preference attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_preference: Option<KeyPreference>,
    /// S/MIME signed and enveloped: the certificates the CMS structure carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateFacts>,
    /// `pgp-key` only, and the signer's key where an OpenPGP signature was verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<PgpKeyFacts>,
    /// Wire details a model or a reader may need (content type, protocol, micalg, filename,
    /// which rewrite mangled it, link target...). Free-form but stable keys.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub wire: std::collections::BTreeMap<String, String>,
}

impl Layer {
    /// A bare layer of this kind and form at this part.
    pub fn new(kind: LayerKind, form: Option<LayerForm>, part: impl Into<String>) -> Self {
        Self {
            kind,
            form,
            part: part.into(),
            signature: None,
            encryption: None,
            capabilities: None,
            key_preference: None,
            certificates: Vec::new(),
            keys: Vec::new(),
            wire: Default::default(),
        }
    }

    /// The part whose bytes the layer's cryptography covers: the ciphertext part of a
    /// PGP/MIME `multipart/encrypted` (`wire["ciphertext-part"]`), otherwise the layer's own
    /// part.
    pub fn carrier(&self) -> &str {
        self.wire
            .get(CIPHERTEXT_PART)
            .map_or(self.part.as_str(), String::as_str)
    }

    /// The path where the content this encrypted layer decrypts to starts: the first child
    /// of its [`carrier`](Self::carrier) (`"1"` under the root, `"2.1"` under part `"2"`).
    pub fn decrypted_root(&self) -> String {
        match self.carrier() {
            "" => "1".to_owned(),
            carrier => format!("{carrier}.1"),
        }
    }
}

/// The wire key naming the ciphertext part of a layer reported at its container
/// ([`Layer::carrier`]).
pub const CIPHERTEXT_PART: &str = "ciphertext-part";

vocabulary! {
    /// Whether the cryptography checks out over the bytes on the wire.
    pub enum SignatureStatus {
        /// Every check passed over exactly these bytes. Trust is the client's call.
        Valid = "valid",
        /// A check failed: digest mismatch, bad signature value, no signer infos...
        Invalid = "invalid",
        /// Nothing could be checked: no key, unsupported algorithm, structure too broken.
        Unverifiable = "unverifiable",
    }
}

vocabulary! {
    /// A message digest algorithm.
    pub enum Digest {
        /// MD5 (broken; seen only in old or hostile mail).
        Md5 = "md5",
        /// SHA-1.
        Sha1 = "sha1",
        /// SHA-224.
        Sha224 = "sha224",
        /// SHA-256.
        Sha256 = "sha256",
        /// SHA-384.
        Sha384 = "sha384",
        /// SHA-512.
        Sha512 = "sha512",
        /// SHA3-256 (OpenPGP: RFC 9580 §9.5; the hash draft-ietf-openpgp-pqc binds to ML-DSA-65).
        Sha3_256 = "sha3-256",
        /// SHA3-512.
        Sha3_512 = "sha3-512",
        /// SHAKE256 with a 512-bit output (RFC 8419 §3: the message digest for Ed448 in CMS).
        Shake256 = "shake256",
    }
}

vocabulary! {
    /// A signature algorithm family.
    pub enum SignatureAlgorithm {
        /// RSA PKCS#1 v1.5.
        Rsa = "rsa",
        /// RSASSA-PSS.
        RsaPss = "rsa-pss",
        /// ECDSA (RFC 5753 in CMS, RFC 6637 in OpenPGP).
        Ecdsa = "ecdsa",
        /// Ed25519 in CMS (RFC 8419).
        Ed25519 = "ed25519",
        /// Ed448 in CMS (RFC 8419).
        Ed448 = "ed448",
        /// OpenPGP EdDSA (legacy Ed25519 or v6 Ed25519).
        Eddsa = "eddsa",
        /// DSA.
        Dsa = "dsa",
        /// OpenPGP composite ML-DSA-65+Ed25519 (draft-ietf-openpgp-pqc, algorithm 30): both
        /// halves verified.
        MldsaEd25519 = "mldsa65-ed25519",
        /// OpenPGP composite ML-DSA-87+Ed448 (draft-ietf-openpgp-pqc, algorithm 31).
        MldsaEd448 = "mldsa87-ed448",
        /// OpenPGP SLH-DSA (draft-ietf-openpgp-pqc, algorithms 32 to 34).
        SlhDsa = "slh-dsa",
    }
}

/// Who signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Signer {
    /// The signer's address (certificate SAN/subject e-mail, or the OpenPGP User ID's);
    /// lower-case. `None` when the signer is not known or has no address.
    pub email: Option<String>,
    /// S/MIME: the subject DN of the signer's own certificate, when the message carries it
    /// (or `--cert` gives it); absent otherwise and for OpenPGP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// How the signature names its signer. S/MIME: `issuer-dn#serial-hex` (the issuing CA's
    /// name and the certificate's serial number: an identifier, not the signer's name) or
    /// `ski:<hex>`; OpenPGP: the fingerprint (or key id) in upper-case hex.
    pub id: String,
}

impl Signer {
    /// What [`Signer::id`] identifies, in words: `the certificate issued by <CA> with serial
    /// <hex>`, `the certificate with subject key id <hex>`, or `key <fingerprint>`.
    pub fn id_words(&self) -> String {
        if let Some(ski) = self.id.strip_prefix("ski:") {
            format!("the certificate with subject key id {ski}")
        } else if let Some((issuer, serial)) = self.id.rsplit_once('#') {
            format!("the certificate issued by {issuer} with serial {serial}")
        } else {
            format!("key {}", self.id)
        }
    }

    /// The signer as people name it: `subject <address>`, either alone, or failing both
    /// `the holder of` what [`Signer::id_words`] says.
    pub fn name(&self) -> String {
        match (&self.subject, &self.email) {
            (Some(subject), Some(email)) => format!("{subject} <{email}>"),
            (Some(subject), None) => subject.clone(),
            (None, Some(email)) => email.clone(),
            (None, None) => format!("the holder of {}", self.id_words()),
        }
    }
}

vocabulary! {
    /// Why a signature has its status: the code of a [`SignatureReason`].
    pub enum SignatureReasonCode {
        /// S/MIME: every check passed (`valid`).
        Valid = "valid",
        /// OpenPGP: the math checks out with a key valid at the signature time (`valid`).
        Verified = "verified",
        /// The signature value does not verify over the signed bytes (`invalid`).
        BadSignature = "bad-signature",
        /// The messageDigest attribute does not match the content (`invalid`).
        MessageDigestMismatch = "message-digest-mismatch",
        /// The contentType attribute is not the eContentType (`invalid`).
        ContentTypeMismatch = "content-type-mismatch",
        /// The signature covers encapsulated content that differs from what is shown (`invalid`).
        EcontentDiffers = "econtent-differs",
        /// A SignedData without SignerInfo: nothing is signed (`invalid`).
        NoSignerInfos = "no-signer-infos",
        /// The signer's certificate is neither carried nor given (`unverifiable`).
        SignerCertificateMissing = "signer-certificate-missing",
        /// No certificate for the OpenPGP signing key (`unverifiable`).
        NoKey = "no-key",
        /// The OpenPGP key was not valid for signing at the signature time (`unverifiable`).
        KeyInvalid = "key-invalid",
        /// The OpenPGP policy at the signature time refuses it, e.g. SHA-1 (`unverifiable`).
        PolicyRejected = "policy-rejected",
        /// An algorithm the inspector does not check (`unverifiable`).
        UnsupportedAlgorithm = "unsupported-algorithm",
        /// The signature or its structure does not parse (`unverifiable`).
        Malformed = "malformed",
        /// A signature outside `multipart/signed`, with nothing it can be checked over
        /// (`unverifiable`).
        OrphanSignature = "orphan-signature",
        /// The signed content is encrypted and no key was given (`unverifiable`).
        SignedContentEncrypted = "signed-content-encrypted",
        /// The message was rebuilt from an Outlook item's properties, not read as sent:
        /// nothing signed is there to check (`unverifiable`).
        RebuiltFromItem = "rebuilt-from-item",
    }
}

/// Why a signature has its status: a code and a sentence for people. On the wire it is one
/// string, `code: sentence`, for example
/// `message-digest-mismatch: the messageDigest attribute does not match the sha256 of the content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReason {
    code: SignatureReasonCode,
    detail: String,
}

impl SignatureReason {
    /// A reason with this code and sentence.
    pub fn new(code: SignatureReasonCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    /// The code.
    pub fn code(&self) -> SignatureReasonCode {
        self.code
    }

    /// The sentence.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Parses the wire form `code: sentence`.
    pub fn parse(wire: &str) -> Option<Self> {
        let (code, detail) = wire.split_once(": ").unwrap_or((wire, ""));
        Some(Self::new(SignatureReasonCode::parse(code)?, detail))
    }
}

impl std::fmt::Display for SignatureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl Serialize for SignatureReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SignatureReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&wire).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "signature reason {wire:?} does not start with a known code ({})",
                SignatureReasonCode::NAMES.join(", ")
            ))
        })
    }
}

impl schemars::JsonSchema for SignatureReason {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SignatureReason".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let pattern = format!("^({}): ", SignatureReasonCode::NAMES.join("|"));
        schemars::json_schema!({
            "type": "string",
            "description": "`code: sentence`; the code says why the signature has its status.",
            "pattern": pattern,
        })
    }
}

/// A [`SignatureReason`] from a code and a `format!` sentence: `reason!(Malformed, "{e}")`.
macro_rules! reason {
    ($code:ident, $($sentence:tt)+) => {
        $crate::facts::SignatureReason::new(
            $crate::facts::SignatureReasonCode::$code,
            format!($($sentence)+),
        )
    };
}
pub(crate) use reason;

/// What one signature proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SignatureFacts {
    /// Whether the cryptography checks out over the bytes on the wire.
    pub status: SignatureStatus,
    /// Why: a code and a sentence (`code: sentence` on the wire).
    pub reason: SignatureReason,
    /// The message digest the signature uses; `None` when unknown.
    pub digest: Option<Digest>,
    /// The signature algorithm family; `None` when unknown.
    pub algorithm: Option<SignatureAlgorithm>,
    /// Who signed, when the signature names a signer.
    pub signer: Option<Signer>,
    /// Whether the signer's address equals `From`; `None` when either is unknown.
    pub signer_matches_from: Option<bool>,
    /// Whether the signed content is the whole visible body (no unsigned text beside it,
    /// not hidden as an attachment).
    pub covers_whole_body: bool,
    /// How many signer infos / signature packets there were.
    #[serde(default)]
    pub signer_count: usize,
    /// CMS signingTime or the OpenPGP signature creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<Instant>,
    /// OpenPGP only: the signature packet's version (RFC 9580 §5.2: 3, 4, or 6 for a salted
    /// RFC 9580 signature); `None` for S/MIME and when no signature packet parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// OpenPGP only: the version of the signing key (4, or 6 for an RFC 9580 key), when the
    /// key is known; `None` otherwise and for S/MIME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u8>,
}

impl SignatureFacts {
    /// An `unverifiable` signature with this reason and nothing else known.
    pub fn unverifiable(reason: SignatureReason) -> Self {
        Self {
            status: SignatureStatus::Unverifiable,
            reason,
            digest: None,
            algorithm: None,
            signer: None,
            signer_matches_from: None,
            covers_whole_body: false,
            signer_count: 0,
            signed_at: None,
            version: None,
            key_version: None,
        }
    }
}

vocabulary! {
    /// The OpenPGP packet that holds the encrypted data (RFC 9580 §5.7, §5.13; LibrePGP).
    pub enum PgpContainer {
        /// Symmetrically Encrypted Integrity Protected Data, version 1: CFB with an MDC
        /// (RFC 4880 §5.13, RFC 9580 §5.13.1).
        SeipdV1 = "seipd-v1",
        /// SEIPD version 2: AEAD chunks (OCB, GCM or EAX) under a key derived with HKDF from
        /// the session key and a salt (RFC 9580 §5.13.2).
        SeipdV2 = "seipd-v2",
        /// Symmetrically Encrypted Data (tag 9), without integrity protection.
        Sed = "sed",
        /// AEAD Encrypted Data (tag 20, LibrePGP's OCB packet that GnuPG 2.3+ writes); not
        /// part of RFC 9580.
        Aed = "aed",
    }
}

/// What one encrypted layer says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EncryptionFacts {
    /// Content cipher: `aes-128-cbc`, `aes-192-cbc`, `aes-256-cbc`, `3des-cbc`, `rc2-cbc`,
    /// `des-cbc`, `aes-128-gcm`, `aes-192-gcm`, `aes-256-gcm`; for OpenPGP the symmetric
    /// algorithm (`aes-128`, `aes-256`, `cast5`...), known only after decryption for SEIPD
    /// v1, and with the AEAD mode for SEIPD v2, which names both in clear (`aes-256-ocb`).
    /// `None` when unknown.
    pub cipher: Option<String>,
    /// Every recipient the layer names, in wire order.
    pub recipients: Vec<Recipient>,
    /// Whether a supplied key decrypted it (the inner content was then inspected too).
    pub decrypted: bool,
    /// OpenPGP only: the packet that holds the encrypted data; `None` for S/MIME and when
    /// none was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<PgpContainer>,
    /// OpenPGP SEIPD v2 only: the AEAD mode, `ocb`, `gcm` or `eax` (`aead-<id>` for another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aead: Option<String>,
    /// OpenPGP SEIPD v2 only: the chunk size in octets (2^(c+6) for the packet's octet c).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<u64>,
}

impl EncryptionFacts {
    /// Nothing known yet: no cipher, no recipients, not decrypted.
    pub fn unknown() -> Self {
        Self {
            cipher: None,
            recipients: Vec::new(),
            decrypted: false,
            container: None,
            aead: None,
            chunk_size: None,
        }
    }
}

/// One recipient of an encrypted layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Recipient {
    /// `rsa` (PKCS#1 v1.5 key transport), `rsa-oaep`, `ecdh`, `x25519`, `kek`, `password`...
    pub key_algorithm: String,
    /// S/MIME: `issuer-dn#serial-hex` or `ski:<hex>`; OpenPGP: the key id in upper-case hex
    /// (`0000000000000000` for a hidden recipient; a v6 PKESK names the whole fingerprint,
    /// whose first 16 hex digits are the key id, RFC 9580 §5.5.4.3).
    pub id: String,
    /// OpenPGP only: the PKESK packet's version (3, or 6 in RFC 9580 messages); `None` for
    /// password (SKESK) recipients and for S/MIME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
}

/// The S/MIME encryption-key-preference attributes (RFC 8551 §2.5.3 and Microsoft's
/// `1.3.6.1.4.1.311.16.4`), as recipient identifiers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeyPreference {
    /// `id-aa-encrypKeyPref` (1.2.840.113549.1.9.16.2.11).
    pub smime: Option<String>,
    /// Microsoft's OID 1.3.6.1.4.1.311.16.4.
    pub microsoft: Option<String>,
}

vocabulary! {
    /// What a certificate is for where it was found.
    pub enum CertificateRole {
        /// The certificate that made a signature.
        Signer = "signer",
        /// Named by a key-preference attribute, or carried for encrypting to its subject.
        Encryption = "encryption",
        /// Carried beside the others: an issuer, or unrelated.
        Chain = "chain",
        /// A profile: the user's own certificate.
        Own = "own",
        /// A profile: a trust anchor (SST or Windows root).
        Anchor = "anchor",
    }
}

/// One X.509 certificate as a client would judge it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateFacts {
    /// Subject DN, RFC 4514 string.
    pub subject: String,
    /// Issuer DN, RFC 4514 string.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// `issuer-dn#serial-hex`, the same form as [`Signer::id`].
    pub id: String,
    /// SHA-256 over the DER, lower-case hex.
    pub fingerprint: String,
    /// rfc822Name SANs and subject emailAddress, lower-case, de-duplicated.
    pub emails: Vec<String>,
    /// `rsa`, `ec`, `ed25519`...
    pub key_type: String,
    /// RSA modulus bits or the curve's bits.
    pub key_bits: u32,
    /// Curve name for EC keys (`p-256`, `p-384`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Extended key usage: `Some(true)` when emailProtection (or anyExtendedKeyUsage) is
    /// listed, `Some(false)` when the extension lists other purposes, `None` when absent.
    pub email_protection: Option<bool>,
    /// keyUsage bits by RFC 5280 name (`digitalSignature`, `keyEncipherment`...); empty when
    /// the extension is absent.
    pub key_usage: Vec<String>,
    /// Start of the validity period.
    pub not_before: Instant,
    /// End of the validity period.
    pub not_after: Instant,
    /// Subject equals issuer and the signature verifies with its own key.
    pub self_signed: bool,
    /// Whether this certificate is a CA (basicConstraints cA).
    pub is_ca: bool,
    /// subjectKeyIdentifier, lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    /// SMIMECapabilities certificate extension (RFC 4262), when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// The fingerprint of the certificate (carried in the same structure, or given as a
    /// trust anchor) whose key verified this certificate's signature; `None` when no such
    /// issuer was at hand or it did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
    /// What this certificate is for in its layer: `signer`, `encryption` (named by a
    /// key-preference attribute), `chain`; in a profile `own` or `anchor`.
    pub role: CertificateRole,
}

/// One OpenPGP certificate (transferable public key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PgpKeyFacts {
    /// Primary key fingerprint, upper-case hex.
    pub fingerprint: String,
    /// v4 or v6.
    pub version: u8,
    /// User ID addresses, lower-case.
    pub emails: Vec<String>,
    /// Primary key algorithm: `eddsa`, `ed25519`, `rsa`, `ecdsa`, `dsa`, `mldsa65-ed25519`...
    pub algorithm: String,
    /// Primary key bits (RSA) or curve bits.
    pub bits: u32,
    /// Whether a subkey (or the primary) is usable for encryption under the standard policy.
    pub can_encrypt: bool,
    /// Whether a key is usable for signing.
    pub can_sign: bool,
    /// Where it came from: the attachment filename or `autocrypt`.
    pub source: String,
}
