//! What Exchange Online does once for all clients: the MAPI item class a message gets, and
//! the tenant-wide directory and trust anchors OWA and New Outlook depend on.

use crate::evidence::RuleId;
use crate::facts::{LayerForm, LayerKind};
use crate::verdict::Trail;

use super::Message;

/// The MAPI message class Exchange gives the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemClass {
    /// `IPM.Note`: an ordinary message (PGP/MIME encrypted stays one, its parts attachments).
    Note,
    /// `IPM.Note.SMIME.MultipartSigned`: any `multipart/signed`, S/MIME or OpenPGP.
    SmimeMultipartSigned {
        /// The signature is OpenPGP (`application/pgp-signature`), not CMS.
        openpgp: bool,
    },
    /// `IPM.Note.SMIME`: opaque-signed or enveloped S/MIME; the body is not promoted.
    Smime,
}

impl ItemClass {
    /// The `PidTagMessageClass` value Exchange stores for this class.
    pub fn mapi_name(self) -> &'static str {
        match self {
            Self::Note => "IPM.Note",
            Self::SmimeMultipartSigned { .. } => "IPM.Note.SMIME.MultipartSigned",
            Self::Smime => "IPM.Note.SMIME",
        }
    }
}

/// The class the Exchange rules predict for the MIME of `inspection`, and the rules that
/// decided it: what `explain` compares an Outlook item's stored class with.
pub fn predicted_class(inspection: &crate::facts::Inspection) -> (ItemClass, Trail) {
    item_class(&Message::new(inspection))
}

/// The item class of the message and the rules that decided it. Only a layer at the root
/// part (`""`) changes the class; inner layers are parts of an ordinary message.
pub fn item_class(msg: &Message) -> (ItemClass, Trail) {
    let Some(root) = msg.primary.filter(|l| l.part.is_empty()) else {
        let mut trail = Trail::new();
        if msg.first(LayerKind::PgpEncrypted).is_some() {
            trail.push(RuleId::ExchangePgpEncryptedAttachments);
        }
        if msg
            .inspection
            .layers
            .iter()
            .any(|l| super::is_nested_signed_entity(msg.inspection, l))
        {
            trail.push(RuleId::ExchangeNestedSignedNotPromoted);
        }
        if msg
            .inspection
            .layers
            .iter()
            .any(|l| super::is_nested_encrypted_entity(msg.inspection, l))
        {
            trail.push(RuleId::ExchangeNestedEncryptedNotPromoted);
        }
        return (ItemClass::Note, trail);
    };
    match (root.kind, root.form) {
        (LayerKind::SmimeSigned, Some(LayerForm::Clear)) => (
            ItemClass::SmimeMultipartSigned { openpgp: false },
            Trail::of(&[RuleId::ExchangeMultipartSignedClass]),
        ),
        (LayerKind::PgpSigned, Some(LayerForm::Mime)) => (
            ItemClass::SmimeMultipartSigned { openpgp: true },
            Trail::of(&[RuleId::ExchangePgpMultipartSignedClass]),
        ),
        (LayerKind::SmimeSigned, _)
        | (LayerKind::SmimeEnveloped, _)
        | (LayerKind::SmimeAuthEnveloped, _) => (
            ItemClass::Smime,
            Trail::of(&[
                RuleId::ExchangeOpaqueClass,
                RuleId::ExchangeOpaqueBodyNotPromoted,
            ]),
        ),
        (LayerKind::PgpEncrypted, Some(LayerForm::Mime)) => (
            ItemClass::Note,
            Trail::of(&[RuleId::ExchangePgpEncryptedAttachments]),
        ),
        _ => (ItemClass::Note, Trail::new()),
    }
}
