//! New Outlook for Windows: the OWA pipeline (I) with a built-in bridge to Windows
//! cryptography instead of the browser extension (T), no COM add-ins so no GpgOL (D), and
//! reply inheritance: encryption always, the signature per NoSignOnReply (D).

use crate::facts::Inspection;
use crate::profile::Profile;
use crate::verdict::ClientVerdict;

use super::owa::{Flavour, evaluate_web};
use super::{ClientId, ClientModel};

/// The New Outlook model.
pub struct NewOutlook;

impl ClientModel for NewOutlook {
    fn id(&self) -> ClientId {
        ClientId::NewOutlook
    }

    fn evaluate(&self, inspection: &Inspection, profile: &Profile) -> ClientVerdict {
        evaluate_web(Flavour::NewOutlook, inspection, profile)
    }
}
