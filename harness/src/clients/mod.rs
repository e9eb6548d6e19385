//! Client models: (facts, profile) → what each Microsoft client lets the user do.
//!
//! One module per client ([`classic_outlook`], [`owa`], [`new_outlook`], [`outlook_mobile`],
//! [`outlook_mac`]), the server behaviour they share in [`exchange`], and certificate
//! judgement in [`trust`]. Models read only
//! [`Inspection`] and [`Profile`], never message bytes. Every decision is a rule from
//! [`crate::evidence::RULES`].

pub mod classic_outlook;
pub mod exchange;
pub mod new_outlook;
pub mod outlook_mac;
pub mod outlook_mobile;
pub mod owa;
pub mod trust;
pub mod unexamined;

use crate::evidence::RuleId;
use crate::facts::CertificateRole;
use crate::facts::{CertificateFacts, Inspection, Instant, Layer, LayerKind};
use crate::profile::Profile;
pub use crate::verdict::ClientId;
use crate::verdict::{ClientVerdict, Outcome, ReplyVerdict, Status};

/// Its model.
pub fn model(client: ClientId) -> &'static dyn ClientModel {
    match client {
        ClientId::ClassicOutlook => &classic_outlook::ClassicOutlook,
        ClientId::Owa => &owa::Owa,
        ClientId::NewOutlook => &new_outlook::NewOutlook,
        ClientId::OutlookMobile => &outlook_mobile::OutlookMobile,
        ClientId::OutlookMac => &outlook_mac::OutlookMac,
    }
}

/// What `client` lets the user do with the message under `profile`: its model's verdict,
/// with the answers that depend on encrypted content that was not examined made `unknown`
/// ([`unexamined`]); for input that is not a message at all, nothing to read or answer.
/// Every report (explain, matrix, scan) asks this.
pub fn evaluate(client: ClientId, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
    if inspection
        .problems
        .iter()
        .any(|p| p.code == crate::facts::ProblemCode::NotAMessage)
    {
        return not_a_message(client);
    }
    let verdict = model(client).evaluate(inspection, profile);
    unexamined::mark(client, inspection, profile, verdict)
}

/// The verdict on input that is not a message: unreadable, no reply of any kind.
fn not_a_message(client: ClientId) -> ClientVerdict {
    let t = crate::verdict::Trail::of(&[RuleId::ModelNotAMessage]);
    let no = || Outcome::no(crate::verdict::Reason::NotAMessage, None, &t);
    ClientVerdict {
        client,
        read: read_verdict(
            crate::verdict::ReadStatus::Unreadable,
            crate::verdict::SignatureShown::None,
            None,
            &t,
        ),
        reply: ReplyVerdict {
            plain: no(),
            signed: no(),
            encrypted: no(),
        },
        quotes_original: false,
        quotes_decrypted: false,
        quote_keeps_styles: None,
        quote_rules: Vec::new(),
        weaker_than_original: false,
    }
}

/// A client model.
pub trait ClientModel: Sync {
    /// Which client this models.
    fn id(&self) -> ClientId;
    /// The verdict for one message under one profile.
    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict;
}

/// How well a message or a reply is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protection {
    /// No protection.
    Plain,
    /// Signed.
    Signed,
    /// Encrypted (and possibly signed).
    Encrypted,
}

/// Whether an S/MIME signature uses an algorithm no Microsoft document says its clients
/// verify: EdDSA (RFC 8419) and RSASSA-PSS (the catalogue's open question 4). The models then
/// answer `unknown` (rule `read.smime-signature-algorithm-open`).
pub fn open_signature_algorithm(sig: &crate::facts::SignatureFacts) -> bool {
    use crate::facts::SignatureAlgorithm as A;
    matches!(sig.algorithm, Some(A::Ed25519 | A::Ed448 | A::RsaPss))
}

/// How far an S/MIME signature gets before a client's own trust decision: the part every
/// client model shares. Each client then says what its indicator shows for each case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// A check failed over these bytes.
    Invalid,
    /// Nothing could be checked.
    Unverifiable,
    /// It verifies with an algorithm the evidence is silent on
    /// ([`open_signature_algorithm`]); rule `read.smime-signature-algorithm-open` is on the
    /// trail.
    OpenAlgorithm,
    /// It verifies: the client's trust decision comes next.
    Valid,
}

/// [`SignatureCheck`] of one signature, the open-algorithm rule pushed when it applies.
pub(crate) fn check_signature(
    sig: &crate::facts::SignatureFacts,
    t: &mut crate::verdict::Trail,
) -> SignatureCheck {
    use crate::facts::SignatureStatus;
    match sig.status {
        SignatureStatus::Invalid => SignatureCheck::Invalid,
        SignatureStatus::Unverifiable => SignatureCheck::Unverifiable,
        SignatureStatus::Valid if open_signature_algorithm(sig) => {
            t.push(RuleId::ReadSmimeSignatureAlgorithmOpen);
            SignatureCheck::OpenAlgorithm
        }
        SignatureStatus::Valid => SignatureCheck::Valid,
    }
}

/// The read verdict of a client whose evidence does not say what its indicator shows.
pub(crate) fn unknown_read(t: &mut crate::verdict::Trail) -> crate::verdict::ReadVerdict {
    t.push(RuleId::ModelNotModelled);
    read_verdict(
        crate::verdict::ReadStatus::Unknown,
        crate::verdict::SignatureShown::Unknown,
        None,
        t,
    )
}

/// A `multipart/signed` or S/MIME signed part below the root: Exchange keeps the item an
/// ordinary `IPM.Note` and the part an attachment (rule `exchange.nested-signed-not-promoted`),
/// so it never decides how the item is handled. This is also what keeps a signed part hidden
/// beside unsigned text (Müller et al. 2019) from being judged as the message's signature.
pub fn is_nested_signed_entity(inspection: &Inspection, layer: &Layer) -> bool {
    let signed_entity = match layer.kind {
        LayerKind::SmimeSigned => true,
        LayerKind::PgpSigned => layer.form == Some(crate::facts::LayerForm::Mime),
        _ => false,
    };
    signed_entity && !layer.part.is_empty() && !inside_encrypted(inspection, layer)
}

/// An encrypted entity below the root that is not what a root signature signed: an
/// `smime.p7m` or a PGP/MIME `multipart/encrypted` beside other parts of a
/// `multipart/mixed` (the REPLY attacks' decryption oracle). Exchange keeps the item an
/// ordinary `IPM.Note` and the entity an attachment (rule
/// `exchange.nested-encrypted-not-promoted`); no client decrypts it into the body. Exchange's
/// and Proton Bridge's rewrites of a whole PGP/MIME message (`wire.rewrite`) are the message,
/// not a part of it.
pub fn is_nested_encrypted_entity(inspection: &Inspection, layer: &Layer) -> bool {
    let entity = match layer.kind {
        LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped => layer.part.as_str(),
        // The layer sits at its multipart/encrypted.
        LayerKind::PgpEncrypted
            if layer.form == Some(crate::facts::LayerForm::Mime)
                && !layer.wire.contains_key("rewrite") =>
        {
            layer.part.as_str()
        }
        _ => return false,
    };
    let signed_at_root = inspection
        .layers
        .iter()
        .any(|l| l.kind.is_signed() && l.part.is_empty());
    !entity.is_empty() && !signed_at_root && !inside_encrypted(inspection, layer)
}

/// Whether the layer is a nested entity ([`is_nested_signed_entity`],
/// [`is_nested_encrypted_entity`]) or lies inside a nested encrypted one: the client never
/// processes it, so it never decides how the message reads.
pub fn is_nested_entity(inspection: &Inspection, layer: &Layer) -> bool {
    is_nested_signed_entity(inspection, layer)
        || is_nested_encrypted_entity(inspection, layer)
        || inspection.layers.iter().any(|e| {
            is_nested_encrypted_entity(inspection, e)
                && layer.part.starts_with(&format!("{}.", e.part))
        })
}

/// Whether the layer sits in content that an encrypted layer carried (decrypted content is
/// the client's business after decryption, not Exchange's).
fn inside_encrypted(inspection: &Inspection, layer: &Layer) -> bool {
    inspection.layers.iter().any(|e| {
        e.kind.is_encrypted()
            && (e.part.is_empty() || layer.part.starts_with(&format!("{}.", e.part)))
    })
}

/// A read verdict from its parts, the same for every client.
pub fn read_verdict(
    status: crate::verdict::ReadStatus,
    shown: crate::verdict::SignatureShown,
    user_sees: Option<&str>,
    t: &crate::verdict::Trail,
) -> crate::verdict::ReadVerdict {
    let rules = t.ids();
    crate::verdict::ReadVerdict {
        status,
        signature_shown: shown,
        user_sees: user_sees.map(str::to_owned),
        confidence: crate::evidence::weakest_of(&rules),
        rules,
        observed_by: Vec::new(),
    }
}

/// The rule for a wrapper that every client renders as an ordinary readable item: OME's
/// wrapper or rpmsg (native), TNEF, Proton's EO notice, a message whose only layer is a key.
pub fn wrapper_read_rule(kind: LayerKind) -> RuleId {
    match kind {
        LayerKind::Ome => RuleId::ReadOmeNative,
        LayerKind::Tnef => RuleId::ReadTnef,
        LayerKind::ProtonEoNotice => RuleId::ReadProtonEoNotice,
        _ => RuleId::ReadPlain,
    }
}

/// A model's view of the facts: the layers that matter, found once.
pub struct Message<'a> {
    /// The facts the view answers from.
    pub inspection: &'a Inspection,
    /// `From`, lower-case.
    pub from: Option<&'a str>,
    /// The outermost layer that decides how the item is handled (key layers skipped).
    pub primary: Option<&'a Layer>,
}

impl<'a> Message<'a> {
    /// A view over these facts.
    pub fn new(inspection: &'a Inspection) -> Self {
        Self {
            inspection,
            from: inspection.from.as_deref(),
            primary: inspection
                .layers
                .iter()
                .find(|l| l.kind != LayerKind::PgpKey && !is_nested_entity(inspection, l)),
        }
    }

    /// The first layer of this kind.
    pub fn first(&self, kind: LayerKind) -> Option<&'a Layer> {
        self.inspection.layers.iter().find(|l| l.kind == kind)
    }

    /// The first signed layer after `index` in layer order (the signature inside an
    /// encrypted layer).
    pub fn signed_after(&self, layer: &Layer) -> Option<&'a Layer> {
        let pos = self
            .inspection
            .layers
            .iter()
            .position(|l| std::ptr::eq(l, layer))?;
        self.inspection
            .layers
            .iter()
            .skip(pos.saturating_add(1))
            .find(|l| l.kind.is_signed())
    }

    /// Every certificate carried by an S/MIME layer.
    pub fn carried_certificates(&self) -> Vec<CertificateFacts> {
        self.inspection
            .layers
            .iter()
            .filter(|l| {
                matches!(
                    l.kind,
                    LayerKind::SmimeSigned
                        | LayerKind::SmimeEnveloped
                        | LayerKind::SmimeAuthEnveloped
                )
            })
            .flat_map(|l| l.certificates.iter().cloned())
            .collect()
    }

    /// The signer's certificate in an S/MIME signed layer.
    pub fn signer_certificate(layer: &'a Layer) -> Option<&'a CertificateFacts> {
        let by_id = layer
            .signature
            .as_ref()
            .and_then(|s| s.signer.as_ref())
            .and_then(|s| {
                layer.certificates.iter().find(|c| {
                    c.id == s.id
                        || c.subject_key_id.as_deref().map(|k| format!("ski:{k}"))
                            == Some(s.id.clone())
                })
            });
        by_id.or_else(|| {
            layer
                .certificates
                .iter()
                .find(|c| c.role == CertificateRole::Signer)
        })
    }

    /// Whether the message has any OpenPGP layer and no S/MIME layer.
    pub fn openpgp_only(&self) -> bool {
        let pgp = self.inspection.layers.iter().any(|l| {
            matches!(
                l.kind,
                LayerKind::PgpSigned | LayerKind::PgpEncrypted | LayerKind::PgpKey
            )
        });
        let smime = self.inspection.layers.iter().any(|l| {
            matches!(
                l.kind,
                LayerKind::SmimeSigned | LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped
            )
        });
        pgp && !smime
    }

    /// How the original is protected: encrypted (S/MIME, OpenPGP, OME, Proton EO) > signed.
    pub fn protection(&self) -> Protection {
        let layers = &self.inspection.layers;
        if layers.iter().any(|l| {
            l.kind.is_encrypted() || matches!(l.kind, LayerKind::Ome | LayerKind::ProtonEoNotice)
        }) {
            Protection::Encrypted
        } else if layers.iter().any(|l| l.kind.is_signed()) {
            Protection::Signed
        } else {
            Protection::Plain
        }
    }

    /// Whether the original carries an S/MIME encrypted layer.
    pub fn smime_encrypted(&self) -> bool {
        self.inspection.layers.iter().any(|l| {
            matches!(
                l.kind,
                LayerKind::SmimeEnveloped | LayerKind::SmimeAuthEnveloped
            )
        })
    }

    /// The sender's SMIMECapabilities from the first S/MIME signed layer signed by `From`.
    pub fn sender_capabilities(&self) -> Vec<String> {
        self.inspection
            .layers_of(LayerKind::SmimeSigned)
            .find_map(|l| l.capabilities.clone())
            .unwrap_or_default()
    }

    /// A certificate for `address` carried in a signed layer and usable for encryption at
    /// `at`: the key-preference certificate first, then an `encryption` role, then the
    /// signer's.
    pub fn harvestable_certificate(
        &self,
        address: &str,
        at: Instant,
    ) -> Option<&'a CertificateFacts> {
        let mut best: Option<(u8, &'a CertificateFacts)> = None;
        for layer in self.inspection.layers_of(LayerKind::SmimeSigned) {
            // A nested signed part is an ordinary attachment to the client: its S/MIME engine
            // never processes it, so nothing is harvested from it.
            if is_nested_signed_entity(self.inspection, layer) {
                continue;
            }
            let preferred: Vec<&String> = layer
                .key_preference
                .iter()
                .flat_map(|k| k.smime.iter().chain(k.microsoft.iter()))
                .collect();
            for cert in &layer.certificates {
                if !cert.emails.iter().any(|e| e == address)
                    || !encryption_capable(cert)
                    || trust::usable_at(cert, at).is_some()
                {
                    continue;
                }
                let rank = if preferred.iter().any(|p| **p == cert.id) {
                    0
                } else if cert.role == CertificateRole::Encryption {
                    1
                } else {
                    2
                };
                if best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, cert));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// Whether a certificate's keyUsage allows key transport or agreement (RFC 8551 §4.4.2);
/// an absent extension allows it.
pub fn encryption_capable(cert: &CertificateFacts) -> bool {
    cert.key_usage.is_empty()
        || cert
            .key_usage
            .iter()
            .any(|u| u == "keyEncipherment" || u == "keyAgreement")
}

/// Whether one of the user's certificates is a recipient of this encrypted layer and has a
/// usable private key (`smart_card_only`: OWAOnlyUseSmartCard).
pub fn own_key_for(layer: &Layer, profile: &Profile, smart_card_only: bool) -> bool {
    let Some(enc) = &layer.encryption else {
        return false;
    };
    profile.resolved.own.iter().any(|own| {
        let key_ok = if smart_card_only {
            own.private_key == crate::profile::PrivateKeyLocation::SmartCard
        } else {
            own.private_key.usable()
        };
        let ski = own
            .facts
            .subject_key_id
            .as_deref()
            .map(|k| format!("ski:{k}"));
        key_ok
            && enc.recipients.iter().any(|r| {
                (!own.facts.id.is_empty() && r.id == own.facts.id) || Some(&r.id) == ski.as_ref()
            })
    })
}

/// Whether the user's key opens this layer only through ECDH key agreement (RFC 5753): every
/// recipient entry of the user's certificates is a key agreement one.
pub fn own_key_is_ecdh(layer: &Layer, profile: &Profile) -> bool {
    let Some(enc) = &layer.encryption else {
        return false;
    };
    let mine: Vec<&crate::facts::Recipient> = enc
        .recipients
        .iter()
        .filter(|r| {
            profile.resolved.own.iter().any(|own| {
                own.private_key.usable()
                    && ((!own.facts.id.is_empty() && r.id == own.facts.id)
                        || own
                            .facts
                            .subject_key_id
                            .as_deref()
                            .is_some_and(|k| r.id == format!("ski:{k}")))
            })
        })
        .collect();
    !mine.is_empty() && mine.iter().all(|r| r.key_algorithm == "ecdh")
}

/// How an S/MIME encrypted layer names `cert` among its recipients: `Some(true)` by
/// subjectKeyIdentifier, `Some(false)` by issuer and serial number, `None` not at all.
pub fn names_recipient(layer: &Layer, cert: &CertificateFacts) -> Option<bool> {
    let enc = layer.encryption.as_ref()?;
    let ski = cert.subject_key_id.as_deref().map(|k| format!("ski:{k}"));
    enc.recipients.iter().find_map(|r| {
        if !cert.id.is_empty() && r.id == cert.id {
            Some(false)
        } else if Some(&r.id) == ski.as_ref() {
            Some(true)
        } else {
            None
        }
    })
}

/// Whether an S/MIME encrypted layer uses a CBC cipher Microsoft's own senders use
/// (AES-128/192/256-CBC, 3DES): the ciphers Outlook mobile and Outlook for Mac are inferred
/// to decrypt; their documentation lists none.
pub fn microsoft_sender_cipher(layer: &Layer) -> bool {
    use crate::policy::Cipher;
    layer.kind == LayerKind::SmimeEnveloped
        && layer
            .encryption
            .as_ref()
            .and_then(|e| e.cipher.as_deref())
            .and_then(Cipher::parse)
            .is_some_and(|c| {
                matches!(
                    c,
                    Cipher::Aes128Cbc
                        | Cipher::Aes192Cbc
                        | Cipher::Aes256Cbc
                        | Cipher::TripleDesCbc
                )
            })
}

/// The first of `certs` for `address` usable for encryption at `at` (validity, EKU, key
/// usage), and, when `match_address`, whose own addresses include `address`.
pub fn usable_contact<'a>(
    certs: &'a [crate::profile::ResolvedContact],
    address: &str,
    at: Instant,
    match_address: bool,
) -> Option<&'a CertificateFacts> {
    certs
        .iter()
        .filter(|c| c.address == address)
        .map(|c| &c.certificate)
        .find(|c| {
            encryption_capable(c)
                && trust::usable_at(c, at).is_none()
                && (!match_address || c.emails.iter().any(|e| e == address))
        })
}

/// The recipient's certificate in the tenant directory (GAL): a published user, else an
/// admin-made mail contact; usable for encryption at `at`, and when `match_address` for
/// `address` by its own addresses too.
pub fn directory_certificate<'a>(
    profile: &'a Profile,
    address: &str,
    match_address: bool,
) -> Option<(crate::verdict::CertificateSource, &'a CertificateFacts)> {
    let at = profile.evaluation_time;
    profile
        .resolved
        .own
        .iter()
        .find(|o| {
            o.published_to_gal
                && o.facts.emails.iter().any(|e| e == address)
                && encryption_capable(&o.facts)
                && trust::usable_at(&o.facts, at).is_none()
        })
        .map(|o| (crate::verdict::CertificateSource::Gal, &o.facts))
        .or_else(|| {
            usable_contact(&profile.resolved.mail_contacts, address, at, match_address)
                .map(|c| (crate::verdict::CertificateSource::MailContact, c))
        })
}

/// The reply the client would send by default, and the verdict flags that follow from it.
/// `msg` says whether the text the client shows came out of an encrypted layer; `styles` is
/// the client's answer to "does the quote keep the original's styles" with its rules, used
/// when the reply quotes the original at all.
pub fn finish(
    client: ClientId,
    msg: &Message,
    read: crate::verdict::ReadVerdict,
    reply: ReplyVerdict,
    original: Protection,
    default_reply: Option<Protection>,
    styles: (Option<bool>, &[RuleId]),
) -> ClientVerdict {
    let any_reply = [&reply.plain, &reply.signed, &reply.encrypted]
        .iter()
        .any(|o| matches!(o.status, Status::Yes | Status::Partial));
    let quotes_original = any_reply && read.status.text_visible();
    let quotes_decrypted = quotes_original && msg.primary.is_some_and(|p| p.kind.is_encrypted());
    let (quote_keeps_styles, quote_rules) = if quotes_original {
        (styles.0, styles.1.to_vec())
    } else {
        (None, Vec::new())
    };
    let weaker_than_original = matches!(default_reply, Some(p) if p < original);
    ClientVerdict {
        client,
        read,
        reply,
        quotes_original,
        quotes_decrypted,
        quote_keeps_styles,
        quote_rules,
        weaker_than_original,
    }
}

/// The strongest protection among `wanted` that the outcomes allow, for a default reply that
/// asks for `wanted`; `None` when no reply can go out in the asked form.
pub fn default_protection(reply: &ReplyVerdict, wanted: Protection) -> Option<Protection> {
    let ok = |o: &Outcome| matches!(o.status, Status::Yes | Status::Partial);
    match wanted {
        Protection::Encrypted if ok(&reply.encrypted) => Some(Protection::Encrypted),
        Protection::Encrypted => None,
        Protection::Signed if ok(&reply.signed) => Some(Protection::Signed),
        Protection::Signed => None,
        Protection::Plain if ok(&reply.plain) => Some(Protection::Plain),
        Protection::Plain => None,
    }
}

/// The plain reply of a desktop or mobile client: `yes` by `plain`, with `when_protected`
/// added when the original was signed or encrypted (what the client then does to the
/// reply), and partial for a Proton "Encrypt for outside users" notice ([`eo_notice_plain`]).
pub fn plain_reply(msg: &Message<'_>, plain: RuleId, when_protected: RuleId) -> Outcome {
    let mut rules = crate::verdict::Trail::of(&[plain]);
    if msg.protection() != Protection::Plain {
        rules.push(when_protected);
    }
    if msg.first(LayerKind::ProtonEoNotice).is_some() {
        eo_notice_plain(&rules)
    } else {
        Outcome::yes(None, &rules)
    }
}

/// The plain reply to a Proton "Encrypt for outside users" notice: it can be sent, but it
/// goes out unencrypted; the secure reply is written in Proton's portal (I).
pub fn eo_notice_plain(base: &crate::verdict::Trail) -> Outcome {
    let t = base.with(&[RuleId::ReadProtonEoNotice]);
    Outcome::new(
        Status::Partial,
        Some(crate::verdict::Reason::ReplyInSenderPortal),
        None,
        None,
        &t,
    )
}
