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

/// PKCS#12 as people export it, made here by `openssl pkcs12 -export`: OpenSSL 3's default
/// (PBES2 AES-256-CBC with PBKDF2-HMAC-SHA-256 and an HMAC-SHA-256 MAC, what current Windows
/// writes too), `-legacy` (RC2-40 certificate bag, Triple-DES key bag, SHA-1 MAC: older
/// Windows and NSS), Triple-DES everywhere with a SHA-1 MAC, AES-128 with a SHA-512 MAC, and
/// an EC P-384 key. Each opens with the password and decrypts a message encrypted to it with
/// `openssl cms`; a wrong or missing password says PKCS#12 and why, never the password.
#[test]
fn pkcs12_files_as_openssl_exports_them_decrypt_and_a_wrong_password_is_named() {
    use crate::support::{Tool, require_tool};
    use replymatrix::LayerKind;
    use std::process::Command;
    if !require_tool(Tool::Openssl) {
        return;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("openssl runs");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let dir = TempDir::new("pkcs12");
    let password = "Tr0ub4dor&3 ünïcode";
    std::fs::write(
        dir.path("body.eml"),
        "Content-Type: text/plain\r\n\r\nQuarterly ledger.\r\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Robin P-384",
        ])
        .args([
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-keyout",
        ])
        .arg(dir.path("ec.key"))
        .arg("-out")
        .arg(dir.path("ec.crt")));
    let robin = (
        keys_dir().join("x509/robin-enterprise.key.pem"),
        keys_dir().join("x509/robin-enterprise.cert.pem"),
    );
    let ec = (dir.path("ec.key"), dir.path("ec.crt"));
    let cases: [(&str, &(std::path::PathBuf, std::path::PathBuf), &[&str]); 5] = [
        ("default", &robin, &[]),
        ("legacy", &robin, &["-legacy"]),
        (
            "3des-sha1",
            &robin,
            &[
                "-certpbe",
                "PBE-SHA1-3DES",
                "-keypbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
        ),
        (
            "aes128-sha512",
            &robin,
            &[
                "-certpbe",
                "AES-128-CBC",
                "-keypbe",
                "AES-128-CBC",
                "-macalg",
                "sha512",
            ],
        ),
        ("ec-p384", &ec, &[]),
    ];
    for (name, (key, cert), options) in cases {
        let p12 = dir.path(&format!("{name}.p12"));
        run(Command::new("openssl")
            .args(["pkcs12", "-export", "-passout"])
            .arg(format!("pass:{password}"))
            .arg("-inkey")
            .arg(key)
            .arg("-in")
            .arg(cert)
            .arg("-out")
            .arg(&p12)
            .args(options));
        let message = run(Command::new("openssl")
            .args(["cms", "-encrypt", "-aes256", "-in"])
            .arg(dir.path("body.eml"))
            .arg(cert));
        let mut inputs = Inputs::default();
        inputs.set_password(Some(password.into()));
        inputs
            .add_key_file(&p12)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let inspection = replymatrix::inspect(&message, &inputs);
        let layer = inspection
            .layers_of(LayerKind::SmimeEnveloped)
            .next()
            .expect("enveloped layer");
        assert!(
            layer.encryption.as_ref().is_some_and(|e| e.decrypted),
            "{name}: {:?}",
            inspection.problems
        );
        // A wrong password: the MAC fails, named, without the password.
        let mut wrong = Inputs::default();
        wrong.set_password(Some("hunter2-wrong".into()));
        let err = wrong
            .add_key_file(&p12)
            .expect_err("wrong password")
            .to_string();
        assert!(
            err.contains("PKCS#12") && err.contains("wrong password or corrupt MAC"),
            "{name}: {err}"
        );
        assert!(
            !err.contains("hunter2") && !err.contains(password),
            "{name}: {err}"
        );
        // No password at all says how to give one.
        let err = Inputs::default()
            .add_key_file(&p12)
            .expect_err("no password")
            .to_string();
        assert!(
            err.contains("--password") && err.contains("REPLYMATRIX_PASSWORD"),
            "{name}: {err}"
        );
    }
}

/// `corpus add --key robin.p12 --password ...`: the PKCS#12 key is kept in the corpus as
/// `robin.key.pem` (PKCS#8 key and its certificate), which opens without a password, the
/// sidecar names it, the message decrypts with it; the request's `Debug` hides the password.
#[test]
fn corpus_add_keeps_a_pkcs12_key_as_pem() {
    use crate::support::{Tool, require_tool};
    use replymatrix::curate::{AddRequest, add};
    use std::process::Command;
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("pkcs12-add");
    let corpora = dir.path("corpora");
    std::fs::create_dir_all(corpora.join("senders")).unwrap();
    std::fs::create_dir_all(corpora.join("keys")).unwrap();
    let x509 = keys_dir().join("x509");
    let ok = |cmd: &mut Command| {
        let out = cmd.output().expect("openssl runs");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:add-Pfx-9", "-inkey"])
        .arg(x509.join("robin-enterprise.key.pem"))
        .arg("-in")
        .arg(x509.join("robin-enterprise.cert.pem"))
        .arg("-out")
        .arg(dir.path("robin.p12")));
    std::fs::write(
        dir.path("body.eml"),
        "Content-Type: text/plain\r\n\r\nledger\r\n",
    )
    .unwrap();
    ok(Command::new("openssl")
        .args([
            "cms",
            "-encrypt",
            "-aes256",
            "-crlfeol",
            "-from",
            "dana@fabrikam.example",
        ])
        .arg("-in")
        .arg(dir.path("body.eml"))
        .arg("-out")
        .arg(dir.path("msg.eml"))
        .arg(x509.join("robin-enterprise.cert.pem")));
    let request = AddRequest {
        file: dir.path("msg.eml"),
        id: "tests/pkcs12-key".into(),
        keys: vec![dir.path("robin.p12")],
        certs: Vec::new(),
        password: Some(replymatrix::Password::new("add-Pfx-9")),
    };
    assert!(!format!("{request:?}").contains("add-Pfx-9"));
    let added = add(&corpora, &request).unwrap_or_else(|e| panic!("{e}"));
    let kept = corpora.join("keys/tests/robin.key.pem");
    assert_eq!(added.copied, vec![kept.clone()]);
    let pem = std::fs::read(&kept).unwrap();
    let text = String::from_utf8_lossy(&pem);
    assert!(text.contains("BEGIN PRIVATE KEY") && text.contains("BEGIN CERTIFICATE"));
    replymatrix::smime::load_key(&pem).expect("the kept PEM loads without a password");
    let sidecar = std::fs::read_to_string(&added.toml).unwrap();
    assert!(sidecar.contains("tests/robin.key.pem"), "{sidecar}");
    let layer = added
        .inspection
        .layers_of(replymatrix::LayerKind::SmimeEnveloped)
        .next()
        .expect("enveloped");
    assert!(layer.encryption.as_ref().is_some_and(|e| e.decrypted));
}

/// A PKCS#12 file that asks for more key-derivation iterations than the bound (1,000,000) is
/// refused with the count, before any work at that count; a file that merely looks like a PFX
/// says it is not readable.
#[test]
fn pkcs12_bounds_iterations_and_names_a_broken_file() {
    use crate::support::{Tool, require_tool};
    use std::process::Command;
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("pkcs12-bounds");
    let x509 = keys_dir().join("x509");
    // openssl exports with 65,536 iterations (0x010000) and the test raises each count to
    // 1,000,001 (0x0F4241, the same length) in place: deriving at a million costs openssl
    // 0.75 s, and the reader must refuse before deriving anything.
    let out = Command::new("openssl")
        .args([
            "pkcs12", "-export", "-passout", "pass:pw", "-iter", "65536", "-inkey",
        ])
        .arg(x509.join("robin-enterprise.key.pem"))
        .arg("-in")
        .arg(x509.join("robin-enterprise.cert.pem"))
        .arg("-out")
        .arg(dir.path("slow.p12"))
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut der = std::fs::read(dir.path("slow.p12")).unwrap();
    let (exported, raised) = (
        [0x02, 0x03, 0x01, 0x00, 0x00],
        [0x02, 0x03, 0x0f, 0x42, 0x41],
    );
    let at: Vec<usize> = (0..der.len().saturating_sub(4))
        .filter(|&i| der[i..i + 5] == exported)
        .collect();
    // The MAC's count, and the PBES2 parameters of the encrypted certificate safe and of the
    // shrouded key bag.
    assert_eq!(at.len(), 3, "iteration counts found at {at:?}");
    for i in at {
        der[i..i + 5].copy_from_slice(&raised);
    }
    std::fs::write(dir.path("slow.p12"), &der).unwrap();
    let mut inputs = Inputs::default();
    inputs.set_password(Some("pw".into()));
    let err = inputs
        .add_key_file(&dir.path("slow.p12"))
        .expect_err("bound")
        .to_string();
    assert!(err.contains("PKCS#12") && err.contains("1000001"), "{err}");
    // SEQUENCE { INTEGER 3, SEQUENCE {} }: the shape of a PFX, nothing inside.
    std::fs::write(
        dir.path("empty.pfx"),
        [0x30, 0x05, 0x02, 0x01, 0x03, 0x30, 0x00],
    )
    .unwrap();
    let err = inputs
        .add_key_file(&dir.path("empty.pfx"))
        .expect_err("broken")
        .to_string();
    assert!(
        err.contains("PKCS#12") && err.contains("not a readable PFX"),
        "{err}"
    );
}
