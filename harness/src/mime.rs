//! MIME: finding security layers and the exact signed bytes.
//!
//! INTERFACE STUB.

use crate::facts::Inspection;
use crate::inspect::Inputs;

/// Walks the message and collects every layer.
pub fn inspect_message(message: &[u8], inputs: &Inputs) -> Inspection {
    let _ = (message, inputs);
    Inspection::empty(None)
}
