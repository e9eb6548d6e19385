//! The OpenPGP corpus is regenerable and stable: regenerating from the committed persona
//! keys rewrites every signed sample byte for byte, every sidecar loads under the strict
//! schema with an id equal to its path, and the canonical Proton signature really verifies
//! (and the tampered twin really fails) with sequoia over the RFC 3156 §5 signed bytes.

use sequoia_openpgp as openpgp;

use openpgp::parse::Parse;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationHelper,
};
use openpgp::policy::StandardPolicy;
use openpgp::{Cert, KeyHandle};

const FAMILIES: &[&str] = &["proton", "exchange", "thunderbird", "apple", "deltachat"];

use crate::support::corpora;

fn is_openpgp_sample(id: &str) -> bool {
    FAMILIES.iter().any(|f| id.starts_with(&format!("{f}/")))
}

/// Whether the sample is encrypted (its bytes hang on the session keys derived from its id).
fn is_encrypted(sidecar: &replymatrix::corpus::Sidecar) -> bool {
    sidecar.expect.layers.as_ref().is_some_and(|ls| {
        ls.iter()
            .any(|l| l.kind == replymatrix::LayerKind::PgpEncrypted)
    })
}

#[test]
fn regenerating_reproduces_every_sample_byte_for_byte() {
    let tmp = std::env::temp_dir().join(format!("rm-pgp-corpus-{}", std::process::id()));
    let keys = tmp.join("keys/openpgp");
    std::fs::create_dir_all(&keys).unwrap();
    for entry in std::fs::read_dir(corpora().join("keys/openpgp")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "asc") {
            std::fs::copy(&path, keys.join(path.file_name().unwrap())).unwrap();
        }
    }
    let ids = replymatrix_generate::pgp_corpus::generate(&tmp).unwrap();
    assert!(ids.len() >= 20, "only {} samples", ids.len());
    let committed = replymatrix::corpus::load_samples(&corpora().join("senders")).unwrap();
    let mut compared = 0;
    let mut encrypted = 0;
    // Families are shared between generators (apple/ has S/MIME and OpenPGP samples), so the
    // generator's own ids decide what it must reproduce, and every one must be committed.
    for id in &ids {
        assert!(
            committed.iter().any(|s| &s.sidecar.id == id),
            "{id} generated but not committed"
        );
    }
    for sample in committed.iter().filter(|s| ids.contains(&s.sidecar.id)) {
        let fresh_toml = tmp.join(format!("senders/{}.toml", sample.sidecar.id));
        assert_eq!(
            std::fs::read(&sample.toml).unwrap(),
            std::fs::read(&fresh_toml).unwrap(),
            "{} sidecar drifted",
            sample.sidecar.id
        );
        // Encrypted samples too: nothing in them is random any more.
        let fresh = tmp.join(format!("senders/{}.eml", sample.sidecar.id));
        assert_eq!(
            std::fs::read(&sample.eml).unwrap(),
            std::fs::read(&fresh).unwrap(),
            "{} bytes changed on regeneration: run `cargo corpus-generate`",
            sample.sidecar.id
        );
        compared += 1;
        encrypted += usize::from(is_encrypted(&sample.sidecar));
    }
    assert!(compared >= 20, "compared only {compared} samples");
    assert!(encrypted >= 8, "only {encrypted} encrypted");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn every_openpgp_sample_is_crlf_and_names_its_twin() {
    let samples = replymatrix::corpus::load_samples(&corpora().join("senders")).unwrap();
    let ids: Vec<&str> = samples.iter().map(|s| s.sidecar.id.as_str()).collect();
    let mut n = 0;
    for s in samples.iter().filter(|s| is_openpgp_sample(&s.sidecar.id)) {
        n += 1;
        let bytes = std::fs::read(&s.eml).unwrap();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' {
                assert!(
                    i > 0 && bytes[i - 1] == b'\r',
                    "{}: bare LF at {i}",
                    s.sidecar.id
                );
            }
        }
        if s.sidecar.control == replymatrix::corpus::Control::Negative {
            let twin = s
                .sidecar
                .pairs_with
                .as_deref()
                .expect("negative control names a twin");
            assert!(ids.contains(&twin), "{}: twin {twin} missing", s.sidecar.id);
        }
        for path in s
            .sidecar
            .inspect
            .keys
            .iter()
            .chain(&s.sidecar.inspect.certs)
        {
            assert!(corpora().join("keys").join(path).exists(), "{path} missing");
        }
    }
    assert!(n >= 20);
}

/// Splits a multipart body at its boundary (RFC 2046 §5.1.1) into raw part bytes.
fn parts(body: &[u8], boundary: &str) -> Vec<Vec<u8>> {
    let full = [b"\r\n".as_slice(), body].concat();
    let delim = format!("\r\n--{boundary}");
    let text = String::from_utf8_lossy(&full).into_owned();
    text.split(&delim)
        .skip(1)
        .take_while(|p| !p.starts_with("--"))
        .map(|p| {
            p.split_once("\r\n")
                .map(|x| x.1)
                .unwrap_or("")
                .as_bytes()
                .to_vec()
        })
        .collect()
}

struct Helper(Vec<Cert>);

impl VerificationHelper for Helper {
    fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.0.clone())
    }
    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure.into_iter() {
            if let MessageLayer::SignatureGroup { results } = layer
                && results.iter().any(|r| r.is_ok())
            {
                return Ok(());
            }
        }
        Err(anyhow::anyhow!("no good signature"))
    }
}

/// Verifies the root multipart/signed of a Proton sample with pat's key.
fn proton_root_signature_verifies(id: &str) -> bool {
    let eml = std::fs::read(corpora().join(format!("senders/{id}.eml"))).unwrap();
    let text = String::from_utf8_lossy(&eml).into_owned();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    let boundary = text
        .split("boundary=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    let ps = parts(body.as_bytes(), boundary);
    assert_eq!(ps.len(), 2, "{id}: multipart/signed has two parts");
    let sig_text = String::from_utf8_lossy(&ps[1]).into_owned();
    let (_, armor) = sig_text.split_once("\r\n\r\n").unwrap();
    let pat = Cert::from_file(corpora().join("keys/openpgp/pat.pub.asc")).unwrap();
    let policy = StandardPolicy::new();
    let mut verifier = DetachedVerifierBuilder::from_bytes(armor.as_bytes())
        .unwrap()
        .with_policy(&policy, None, Helper(vec![pat]))
        .unwrap();
    verifier.verify_bytes(&ps[0]).is_ok()
}

#[test]
fn canonical_proton_signature_verifies_and_tampered_twin_fails() {
    assert!(proton_root_signature_verifies("proton/pgp-mime-signed"));
    assert!(proton_root_signature_verifies(
        "proton/pgp-mime-signed-html"
    ));
    assert!(!proton_root_signature_verifies(
        "proton/pgp-mime-signed-tampered"
    ));
    assert!(!proton_root_signature_verifies(
        "proton/pgp-mime-signed-other-content"
    ));
}
