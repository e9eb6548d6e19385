//! Hostile input: every case yields problems and a sensible partial answer, never a panic,
//! within the walker's documented limits (`replymatrix::limits::MAX_*`).

use replymatrix::facts::{LayerKind, SignatureStatus};
use replymatrix::limits::{MAX_DEPTH, MAX_PARTS};
use replymatrix::{Inputs, Inspection, inspect};

fn run(message: &[u8]) -> Inspection {
    inspect(message, &Inputs::default())
}

fn codes(inspection: &Inspection) -> Vec<&str> {
    inspection
        .problems
        .iter()
        .map(|p| p.code.as_str())
        .collect()
}

#[test]
fn ten_thousand_deep_nesting_stops_at_the_depth_limit() {
    let mut m = String::from("From: a@b.example\r\n");
    let n = 10_000;
    for i in 0..n {
        m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    m.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    for i in (0..n).rev() {
        m.push_str(&format!("--b{i}--\r\n"));
    }
    let inspection = run(m.as_bytes());
    assert!(
        codes(&inspection).contains(&"mime-depth-limit"),
        "{:?}",
        inspection.problems
    );
    assert_eq!(inspection.from.as_deref(), Some("a@b.example"));
    assert!(n > MAX_DEPTH);
}

#[test]
fn a_fifty_megabyte_header_line_is_survived() {
    let mut m = String::from("From: a@b.example\r\nSubject: ");
    m.push_str(&"x".repeat(50 * 1024 * 1024));
    m.push_str("\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
    let inspection = run(m.as_bytes());
    assert!(inspection.layers.is_empty());
    assert_eq!(inspection.from.as_deref(), Some("a@b.example"));
}

#[test]
fn a_million_tiny_parts_stop_at_the_part_limit() {
    let mut m =
        String::from("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
    for _ in 0..1_000_000 {
        m.push_str("--x\r\n\r\na\r\n");
    }
    m.push_str("--x--\r\n");
    let inspection = run(m.as_bytes());
    assert!(
        codes(&inspection).contains(&"part-limit"),
        "{:?}",
        inspection.problems
    );
    const { assert!(MAX_PARTS < 1_000_000) };
}

fn clear_signed(sig_body: &str) -> String {
    format!(
        "From: dana@fabrikam.example\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n{sig_body}\r\n--b--\r\n"
    )
}

#[test]
fn truncated_base64_in_a_signature_is_never_valid() {
    let inspection = run(clear_signed("MIAGCSqGSIb3DQEHAqCAMIACAQEx").as_bytes());
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::SmimeSigned)
        .expect("layer found");
    let sig = layer.signature.as_ref().expect("signature facts");
    assert_ne!(sig.status, SignatureStatus::Valid);
    // Structurally the signed part is the whole body; only the status says it proves nothing.
    assert!(sig.covers_whole_body);
    assert!(!inspection.problems.is_empty());
}

#[test]
fn indefinite_length_ber_that_never_ends_is_a_problem() {
    let body = {
        use base64::Engine as _;
        let mut der = Vec::new();
        for _ in 0..5_000 {
            der.extend_from_slice(&[0x30, 0x80]);
        }
        base64::engine::general_purpose::STANDARD.encode(der)
    };
    let m = format!(
        "From: a@b.example\r\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
    );
    let inspection = run(m.as_bytes());
    assert!(!inspection.problems.is_empty());
    for layer in &inspection.layers {
        if let Some(sig) = &layer.signature {
            assert_ne!(sig.status, SignatureStatus::Valid);
        }
    }
}

#[test]
fn garbage_openpgp_packets_are_not_decrypted_or_valid() {
    let m = "From: a@b.example\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\nContent-Type: application/octet-stream; name=encrypted.asc\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nwcBMA////garbage////\r\n-----END PGP MESSAGE-----\r\n--b--\r\n";
    let inspection = run(m.as_bytes());
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::PgpEncrypted)
        .expect("layer found");
    // At its multipart/encrypted, the ciphertext in the second part (facts::Layer::part).
    assert_eq!((layer.part.as_str(), layer.carrier()), ("", "2"));
    assert!(
        !layer
            .encryption
            .as_ref()
            .expect("encryption facts")
            .decrypted
    );
}

#[test]
fn nul_bytes_eight_bit_headers_and_wrong_boundaries_are_survived() {
    let mut m = b"From: \xe9\xe8 <a@b.example>\r\nSubject: \xff\x00\xfe\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=nothere\r\n\r\n--other\r\n\x00\x00\r\n".to_vec();
    m.extend(std::iter::repeat_n(0u8, 10_000));
    let inspection = run(&m);
    for layer in &inspection.layers {
        if let Some(sig) = &layer.signature {
            assert_ne!(sig.status, SignatureStatus::Valid);
        }
    }
}

#[test]
fn empty_and_arbitrary_bytes_give_an_answer() {
    for input in [
        &b""[..],
        b"\r\n\r\n",
        b"--",
        b"Content-Type: multipart/signed\r\n\r\n",
        &[0xff; 64],
    ] {
        let inspection = run(input);
        assert_eq!(inspection.schema, "replymatrix.inspect/1");
    }
}

#[test]
fn an_encrypted_part_nested_ten_levels_deep_still_decrypts() {
    // Unwrap depth counts decryptions, not MIME levels: deep nesting alone must not stop it.
    let corpora = replymatrix::corpus::default_corpora_dir();
    let sample =
        std::fs::read(corpora.join("senders/outlook/enveloped-aes256.eml")).expect("sample");
    let split = sample
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end")
        + 4;
    let body = &sample[split..];
    let mut m = b"From: dana@fabrikam.example\r\n".to_vec();
    for i in 0..10 {
        m.extend(
            format!("Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n").bytes(),
        );
    }
    m.extend(b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    m.extend_from_slice(body);
    for i in (0..10).rev() {
        m.extend(format!("\r\n--n{i}--\r\n").bytes());
    }
    let mut inputs = Inputs::default();
    inputs
        .add_key_file(&corpora.join("keys/x509/robin-enterprise.key.pem"))
        .expect("robin's key");
    let inspection = inspect(&m, &inputs);
    let layer = inspection
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::SmimeEnveloped)
        .expect("layer");
    assert_eq!(layer.part, "1.1.1.1.1.1.1.1.1.1");
    assert!(
        layer.encryption.as_ref().expect("facts").decrypted,
        "{:?}",
        inspection.problems
    );
}

/// What is not a message is said to be one (`not-a-message`), with no layers and no From:
/// empty input, white space, binary files (an ELF executable, a PNG), text with no header
/// field. A message with a damaged header still has a header field and is inspected.
#[test]
fn input_that_is_not_a_message_is_reported_as_such() {
    let elf: Vec<u8> = std::fs::read(env!("CARGO_BIN_EXE_replymatrix"))
        .expect("the binary")
        .into_iter()
        .take(200 * 1024)
        .collect();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
    for (what, bytes, says) in [
        ("empty", &b""[..], "the input is empty"),
        ("white space", &b" \r\n\r\n"[..], "only white space"),
        ("an ELF executable", &elf[..], "binary (byte 0 is 0x7f"),
        ("a PNG", png, "binary"),
        (
            "a note",
            &b"Meeting moved to 3pm.\r\nBring the slides.\r\n"[..],
            "no header field",
        ),
    ] {
        let inspection = run(bytes);
        assert!(
            inspection.layers.is_empty() && inspection.from.is_none(),
            "{what}"
        );
        let problem = inspection
            .problems
            .iter()
            .find(|p| p.code.as_str() == "not-a-message")
            .unwrap_or_else(|| panic!("{what}: {:?}", inspection.problems));
        assert!(
            problem.message.contains(says),
            "{what}: {}",
            problem.message
        );
    }
    // Damaged, but mail: a header field after a broken first line; a body with no blank line.
    for bytes in [
        &b"DKIM-Sign\r\n\ts=x\r\nFrom: a@b.example\r\n\r\nhi\r\n"[..],
        &b"From: a@b.example\r\nSubject: no body"[..],
    ] {
        assert!(
            !codes(&run(bytes)).contains(&"not-a-message"),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// OpenPGP is found by its armor or where the part says it holds OpenPGP data, never by a
/// text whose first byte happens to read as a packet tag: 0xC1 ("Á" in Latin-1) is a
/// new-format PKESK tag, 0x85 (NEL) an old-format one.
#[test]
fn latin1_text_that_looks_like_a_packet_is_not_an_encrypted_layer() {
    for first in [0xC1u8, 0x85, 0x84, 0xC3] {
        let mut message = b"From: a@example.org\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_vec();
        message.push(first);
        message.extend_from_slice(b"lvaro wrote this in Latin-1.\r\n");
        let inspection = run(&message);
        assert!(
            inspection.layers.is_empty() && inspection.problems.is_empty(),
            "0x{first:02X}: {inspection:?}"
        );
    }
    // The same bytes in a part named .pgp are taken for what the name says they are (and
    // reported as broken OpenPGP, not ignored).
    let attached = b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream; name=\"x.pgp\"\r\nContent-Disposition: attachment; filename=\"x.pgp\"\r\n\r\n\xC1lvaro\r\n--b--\r\n";
    let inspection = run(attached);
    assert_eq!(
        inspection.layers.iter().map(|l| l.kind).collect::<Vec<_>>(),
        vec![replymatrix::LayerKind::PgpEncrypted],
        "{inspection:?}"
    );
}
