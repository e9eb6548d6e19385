//! The `replymatrix` command line: exit codes and the JSON interface.

use std::process::Command;

use crate::support::TempDir;

fn replymatrix() -> Command {
    Command::new(env!("CARGO_BIN_EXE_replymatrix"))
}

/// `contents` in a file `name` of a fresh folder, removed when the folder is dropped.
fn temp_file(name: &str, contents: &[u8]) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new("cli");
    let path = dir.path(name);
    std::fs::write(&path, contents).expect("temp file");
    (dir, path)
}

#[test]
fn inspect_json_is_one_object_with_the_schema_and_exit_zero() {
    let (_dir, eml) = temp_file(
        "plain.eml",
        b"From: Dana <Dana@Fabrikam.example>\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
    );
    let out = replymatrix()
        .args(["inspect", "--format", "json"])
        .arg(&eml)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["schema"], "replymatrix.inspect/1");
    assert_eq!(json["from"], "dana@fabrikam.example");
    assert_eq!(json["layers"], serde_json::json!([]));
    assert_eq!(json["problems"], serde_json::json!([]));
}

#[test]
fn inspect_of_garbage_still_exits_zero_with_problems() {
    let (_dir, eml) = temp_file("garbage.eml", b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n");
    let out = replymatrix()
        .args(["inspect", "--format", "json"])
        .arg(&eml)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(!json["problems"].as_array().expect("array").is_empty());
}

#[test]
fn an_unreadable_file_exits_one_and_a_usage_error_two() {
    let out = replymatrix()
        .args(["inspect", "/nonexistent/message.eml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/message.eml"));
    let out = replymatrix()
        .args(["inspect", "--format", "yaml", "x.eml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = replymatrix().args(["frobnicate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_text_form_puts_verdicts_first() {
    let (_dir, eml) = temp_file(
        "text.eml",
        b"From: a@b.example\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
    );
    let out = replymatrix()
        .arg("inspect")
        .arg(&eml)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("From: a@b.example") && text.contains("no security layers"),
        "{text}"
    );
}

/// An S/MIME signer is named by its own certificate (subject and address); the issuer and
/// serial number are said to be what they are: the certificate's identifier, naming its CA.
#[test]
fn the_smime_signer_is_named_by_its_own_certificate() {
    let sample = crate::support::corpora().join("senders/outlook/clear-signed-sha256.eml");
    let out = replymatrix()
        .args(["inspect", "--format", "json"])
        .arg(&sample)
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let sig = &json["layers"][0]["signature"];
    assert_eq!(sig["signer"]["email"], "dana@fabrikam.example");
    let subject = sig["signer"]["subject"].as_str().expect("subject");
    assert!(subject.starts_with("CN=Dana Whitfield"), "{subject}");
    let reason = sig["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with(&format!(
            "valid: the signature by {subject} <dana@fabrikam.example> verifies"
        )) && reason.contains("(the certificate issued by CN=Contoso Public S/MIME Issuing CA"),
        "{reason}"
    );
    // Without the certificate, the text names the holder of the certificate the CA issued.
    let no_certs = crate::support::corpora().join("senders/outlook/clear-signed-no-certs.eml");
    let out = replymatrix()
        .arg("inspect")
        .arg(&no_certs)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "by the holder of the certificate issued by CN=Contoso Public S/MIME Issuing CA"
        ),
        "{text}"
    );
    assert!(!text.contains("sha256/rsa  by CN="), "{text}");
}

/// A PKCS#12 `--key` opens with `--password` or with `REPLYMATRIX_PASSWORD`; a wrong password
/// exits 2 naming PKCS#12 and the MAC, and the password appears in no output.
#[test]
fn pkcs12_key_with_password_flag_or_environment_and_never_echoed() {
    use crate::support::{TempDir, Tool, keys_dir, require_tool};
    if !require_tool(Tool::Openssl) {
        return;
    }
    let dir = TempDir::new("cli-pkcs12");
    let x509 = keys_dir().join("x509");
    let ok = |cmd: &mut Command| {
        let out = cmd.output().expect("runs");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:s3cret-Pfx", "-inkey"])
        .arg(x509.join("robin-enterprise.key.pem"))
        .arg("-in")
        .arg(x509.join("robin-enterprise.cert.pem"))
        .arg("-out")
        .arg(dir.path("robin.pfx")));
    std::fs::write(
        dir.path("body.eml"),
        "Content-Type: text/plain\r\n\r\nledger\r\n",
    )
    .unwrap();
    ok(Command::new("openssl")
        .args(["cms", "-encrypt", "-aes256", "-in"])
        .arg(dir.path("body.eml"))
        .arg("-out")
        .arg(dir.path("msg.eml"))
        .arg(x509.join("robin-enterprise.cert.pem")));
    let inspect = |password: Option<&str>, env: Option<&str>| {
        let mut cmd = replymatrix();
        cmd.args(["inspect", "--format", "json", "--key"])
            .arg(dir.path("robin.pfx"))
            .arg(dir.path("msg.eml"))
            .env_remove("REPLYMATRIX_PASSWORD");
        if let Some(password) = password {
            cmd.args(["--password", password]);
        }
        if let Some(env) = env {
            cmd.env("REPLYMATRIX_PASSWORD", env);
        }
        cmd.output().expect("runs")
    };
    for out in [
        inspect(Some("s3cret-Pfx"), None),
        inspect(None, Some("s3cret-Pfx")),
    ] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(json["layers"][0]["encryption"]["decrypted"], true, "{json}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    }
    for out in [
        inspect(Some("wr0ng-Pfx"), None),
        inspect(None, Some("wr0ng-Pfx")),
    ] {
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("PKCS#12") && stderr.contains("wrong password or corrupt MAC"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("wr0ng") && !String::from_utf8_lossy(&out.stdout).contains("wr0ng")
        );
    }
}
