//! Keys and certificates as people have them (`--cert`): PEM at any line length and with
//! CRLF line ends, bare DER, several certificates in one file; and a file that is none of
//! these says which formats were tried and what each said.

use base64::Engine as _;
use replymatrix::Inputs;

use crate::support::{TempDir, keys_dir};

/// A persona certificate's DER (from the committed PEM).
fn der_of(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(keys_dir().join(format!("x509/{name}.cert.pem")))
        .expect("persona certificate");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("committed PEM decodes")
}

/// PEM written with `width`-character lines and `eol` line ends.
fn pem(der: &[u8], width: usize, eol: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN CERTIFICATE-----{eol}");
    for chunk in b64.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(chunk).expect("ASCII"));
        out.push_str(eol);
    }
    out.push_str(&format!("-----END CERTIFICATE-----{eol}"));
    out
}

fn load(dir: &TempDir, name: &str, bytes: &[u8]) -> Result<Inputs, String> {
    let path = dir.path(name);
    std::fs::write(&path, bytes).expect("scratch file");
    let mut inputs = Inputs::default();
    inputs
        .add_cert_file(&path)
        .map(|()| inputs)
        .map_err(|e| e.to_string())
}

#[test]
fn certificates_load_in_the_forms_tools_write() {
    let dir = TempDir::new("inputs");
    let dana = der_of("dana");
    let tess = der_of("tess");
    for (name, bytes, count) in [
        ("64-lf.pem", pem(&dana, 64, "\n").into_bytes(), 1),
        ("76-lf.pem", pem(&dana, 76, "\n").into_bytes(), 1),
        ("76-crlf.pem", pem(&dana, 76, "\r\n").into_bytes(), 1),
        ("one-line.pem", pem(&dana, 10_000, "\n").into_bytes(), 1),
        ("bare.der", dana.clone(), 1),
        (
            "two.pem",
            format!(
                "Subject: dana\n{}\nSubject: tess\n{}",
                pem(&dana, 64, "\n"),
                pem(&tess, 76, "\r\n")
            )
            .into_bytes(),
            2,
        ),
    ] {
        let inputs = load(&dir, name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(inputs.x509_certs.len(), count, "{name}");
        assert!(inputs.pgp_certs.is_empty(), "{name}");
    }
}

#[test]
fn a_file_that_is_no_certificate_says_what_each_format_said() {
    let dir = TempDir::new("inputs");
    for (name, bytes) in [
        ("garbage.bin", b"\x00\x01garbage".to_vec()),
        (
            "key-only.pem",
            pem(&der_of("dana"), 64, "\n")
                .replace("CERTIFICATE", "PRIVATE KEY")
                .into_bytes(),
        ),
        (
            "broken-base64.pem",
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".to_vec(),
        ),
    ] {
        let Err(err) = load(&dir, name, &bytes) else {
            panic!("{name} loaded as a certificate");
        };
        assert!(
            err.contains(name)
                && err.contains("X.509 PEM")
                && err.contains("X.509 DER")
                && err.contains("OpenPGP"),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_file_that_is_no_key_says_what_each_format_said() {
    let dir = TempDir::new("inputs");
    let path = dir.path("garbage.key");
    std::fs::write(&path, b"\x00\x01 not a key").expect("scratch file");
    let err = Inputs::default()
        .add_key_file(&path)
        .expect_err("garbage is no key")
        .to_string();
    assert!(
        err.contains("garbage.key") && err.contains("PEM") && err.contains("OpenPGP secret key"),
        "{err}"
    );
    // A public certificate where the secret key was wanted says so.
    let err = Inputs::default()
        .add_key_file(&keys_dir().join("openpgp/robin.pub.asc"))
        .expect_err("a certificate is no key")
        .to_string();
    assert!(err.contains("without secret key material"), "{err}");
}
