//! What the test modules share: where the project's folders are, scratch folders outside the
//! repository, and the external tools and shared files a test needs.
//!
//! A missing tool or shared file is decided here once for every test: under `CI` (the
//! variable set at all) the test fails and names what to install; otherwise the test prints a
//! skip line and goes without (a tool's test returns early, so it counts as passed). The skip line is written to the process's stderr
//! directly, past libtest's output capture, so it shows without `--nocapture`.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use replymatrix::matrix::Matrix;

// ---------------------------------------------------------------- the bundled matrix

/// The corpus's matrix under the bundled profiles, built once for the whole test binary:
/// several modules read it, a build is deterministic
/// (`matrix::building_twice_gives_the_same_matrix`), and each build inspects every sample.
pub(crate) fn bundled_matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let corpora = corpora();
        let profiles =
            replymatrix::matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
                .expect("profiles load");
        replymatrix::matrix::build(&corpora, &profiles).expect("matrix builds")
    })
}

/// [`bundled_matrix`] with the remedies of every `no` and `partial` reply, built once for the
/// whole test binary: the snapshots and the remedies tests read it (the search over every
/// cell takes about a second in a debug build).
pub(crate) fn bundled_matrix_with_remedies() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let corpora = corpora();
        let profiles =
            replymatrix::matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
                .expect("profiles load");
        replymatrix::matrix::build_with(&corpora, &profiles, true).expect("matrix builds")
    })
}

/// A text body as independent readers give it back: LF line ends, no trailing whitespace
/// (readers differ in both).
pub(crate) fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

// ---------------------------------------------------------------- folders

/// The project root: the repository, one level above the `harness` package.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `corpora/`: samples (`senders/`), keys and profiles. The same folder as
/// `replymatrix::corpus::default_corpora_dir()`.
pub(crate) fn corpora() -> PathBuf {
    root().join("corpora")
}

/// `corpora/keys/`: the persona keys and certificates.
pub(crate) fn keys_dir() -> PathBuf {
    corpora().join("keys")
}

/// `snapshots/`: one insta snapshot per sample.
pub(crate) fn snapshots_dir() -> PathBuf {
    root().join("snapshots")
}

/// `tests/fixtures/`: keys and structures made for single tests (`smime/`, `openpgp/`,
/// `fuzz-regressions/`).
pub(crate) fn fixtures_dir() -> PathBuf {
    root().join("tests/fixtures")
}

/// The material shared between projects (`research/`, `DESIGN.md`): `../shared` beside the
/// project root.
pub(crate) fn shared_dir() -> PathBuf {
    root().join("../shared")
}

/// A file under [`shared_dir`] (`relative` to it), or `None` after a skip line when it is
/// missing and `CI` is not set. Under `CI` a missing file fails the test.
pub(crate) fn shared_file(relative: &str) -> Option<String> {
    let path = shared_dir().join(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            missing(&format!(
                "{} ({e}); the shared material lives at ../shared beside the project root",
                path.display()
            ));
            None
        }
    }
}

// ---------------------------------------------------------------- short failure messages

/// The entries of two maps that differ, at most `max` of them, one line each
/// (`key: left | right`), and how many more: a failure message that names what differs
/// instead of printing both maps whole.
pub(crate) fn differing<K: Debug + Ord, V: Debug + PartialEq>(
    left: &BTreeMap<K, V>,
    right: &BTreeMap<K, V>,
    max: usize,
) -> String {
    let keys: std::collections::BTreeSet<&K> = left.keys().chain(right.keys()).collect();
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| left.get(k) != right.get(k))
        .map(|k| format!("  {k:?}: {:?} | {:?}", left.get(k), right.get(k)))
        .collect();
    let mut out = format!(
        "{} entr{} differ",
        diffs.len(),
        if diffs.len() == 1 { "y" } else { "ies" }
    );
    for line in diffs.iter().take(max) {
        out.push('\n');
        out.push_str(line);
    }
    if diffs.len() > max {
        out.push_str(&format!("\n  ... and {} more", diffs.len() - max));
    }
    out
}

/// What changed from `old` to `new`, as `replymatrix diff` says it, with at most five cells
/// listed per change: the failure message of a test that compares two matrices.
pub(crate) fn matrix_changes(old: &Matrix, new: &Matrix) -> String {
    replymatrix::matrix::diff::text_limited(&replymatrix::matrix::diff::diff(old, new), 5)
}

// ---------------------------------------------------------------- scratch folders

/// A fresh, empty scratch folder under the system temp dir (never inside the repository),
/// removed with its contents on drop. The name carries `tag`, the process id and a counter,
/// so tests running at once in this one binary never share a folder.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replymatrix-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    /// The folder itself.
    pub(crate) fn dir(&self) -> &Path {
        &self.0
    }

    /// `name` inside the folder.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------- external tools

/// An external program some tests run as an independent implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tool {
    /// `openssl` (OpenSSL 3.x): `smime`, `cms`.
    Openssl,
    /// `gpg` (GnuPG 2.x; `gpgconf` comes with it).
    Gpg,
    /// Debian's `chromium`, run headless.
    Chromium,
    /// `msgconvert` (Email::Outlook::Message, with perl's OLE::Storage_Lite): `.msg` to MIME.
    Msgconvert,
    /// `readpst` (libpst's pst-utils): a PST to mbox or `.eml` files.
    Readpst,
}

/// How a tool is found present.
enum Probe {
    /// The command runs with this argument and exits 0.
    Runs(&'static str),
    /// An executable of that name is on `PATH` (not started: a browser is slow to start).
    OnPath,
}

/// Every tool the tests use: command, probe, the Debian package that installs it.
const TOOLS: [(Tool, &str, Probe, &str); 5] = [
    (Tool::Openssl, "openssl", Probe::Runs("version"), "openssl"),
    (Tool::Gpg, "gpg", Probe::Runs("--version"), "gnupg"),
    (Tool::Chromium, "chromium", Probe::OnPath, "chromium"),
    (
        Tool::Msgconvert,
        "msgconvert",
        Probe::OnPath,
        "libemail-outlook-message-perl",
    ),
    (Tool::Readpst, "readpst", Probe::Runs("-V"), "pst-utils"),
];

impl Tool {
    fn index(self) -> usize {
        TOOLS
            .iter()
            .position(|(t, ..)| *t == self)
            .expect("every tool is in TOOLS")
    }

    /// The command to run (resolved on `PATH`).
    pub(crate) fn command(self) -> &'static str {
        TOOLS[self.index()].1
    }

    /// The Debian package that provides it.
    pub(crate) fn package(self) -> &'static str {
        TOOLS[self.index()].3
    }

    /// Whether the tool is there; probed once per test binary.
    fn present(self) -> bool {
        static PRESENT: [OnceLock<bool>; TOOLS.len()] = [const { OnceLock::new() }; TOOLS.len()];
        *PRESENT[self.index()].get_or_init(|| match TOOLS[self.index()].2 {
            Probe::Runs(arg) => Command::new(self.command())
                .arg(arg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
            Probe::OnPath => std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(self.command()).is_file())
            }),
        })
    }
}

/// Whether the running test may use `tool`: `true` when it is installed. When it is not,
/// under `CI` the test fails naming the package; otherwise a skip line is printed and the
/// result is `false`, and the test returns early.
pub(crate) fn require_tool(tool: Tool) -> bool {
    require_tools(&[tool])
}

/// [`require_tool`] for several tools at once: one skip line (or failure) naming all missing.
pub(crate) fn require_tools(tools: &[Tool]) -> bool {
    let missing_tools: Vec<Tool> = tools.iter().copied().filter(|t| !t.present()).collect();
    if missing_tools.is_empty() {
        return true;
    }
    let commands: Vec<&str> = missing_tools.iter().map(|t| t.command()).collect();
    let packages: Vec<&str> = missing_tools.iter().map(|t| t.package()).collect();
    missing(&format!(
        "{} not installed (apt-get install -y {})",
        commands.join(", "),
        packages.join(" ")
    ));
    false
}

/// Something a test needs is missing: fail under `CI`, otherwise print a skip line.
fn missing(what: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test");
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {what}; CI is set, so this fails instead of skipping");
    }
    // Straight to the process's stderr: libtest captures `eprintln!`, not this.
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {what}");
}

// ---------------------------------------------------------------- EdDSA in CMS, by openssl

/// OpenSSL 3.0's refusal of EdDSA in `openssl cms -verify` (it hands the SignerInfo's digest
/// to the EdDSA verifier, which takes none): the stderr text that says so.
pub(crate) const OPENSSL_CMS_EDDSA_REFUSAL: &str = "eddsa_digest_signverify_init";

/// An EdDSA SignedData (RFC 8419) verified with openssl's own EdDSA where `openssl cms` cannot
/// (OpenSSL 3.0): the messageDigest attribute against SHA-512 (Ed25519) of `content` (or the
/// encapsulated content), then `openssl pkeyutl -verify -rawin` of the signature over the DER
/// signed attributes with the signer's public key from the SignedData's certificates.
/// `Err` when the structure is not that (no signed attributes, not Ed25519/Ed448...).
pub(crate) fn openssl_eddsa_verify(p7: &[u8], content: Option<&[u8]>) -> Result<bool, String> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Encode};
    use sha2::Digest as _;
    // Senders write BER (Outlook's indefinite lengths); openssl re-encodes it as DER.
    let dir = TempDir::new("eddsa-verify");
    std::fs::write(dir.path("in.p7"), p7).map_err(|e| e.to_string())?;
    let out = Command::new(Tool::Openssl.command())
        .current_dir(dir.dir())
        .args([
            "cms", "-cmsout", "-inform", "DER", "-in", "in.p7", "-outform", "DER", "-out", "der.p7",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let der_p7 = std::fs::read(dir.path("der.p7")).map_err(|e| e.to_string())?;
    let info = ContentInfo::from_der(&der_p7).map_err(|e| e.to_string())?;
    let sd: SignedData = info
        .content
        .decode_as()
        .map_err(|e: der::Error| e.to_string())?;
    let si = sd.signer_infos.0.iter().next().ok_or("no SignerInfo")?;
    let alg = si.signature_algorithm.oid.to_string();
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let econtent;
    let content = match content {
        Some(c) => c,
        None => {
            econtent = sd
                .encap_content_info
                .econtent
                .as_ref()
                .ok_or("no content")?
                .decode_as::<der::asn1::OctetString>()
                .map_err(|e| e.to_string())?;
            econtent.as_bytes()
        }
    };
    let want_digest = match alg.as_str() {
        "1.3.101.112" => sha2::Sha512::digest(content).to_vec(),
        "1.3.101.113" => {
            use sha3::digest::{ExtendableOutput as _, Update as _};
            let mut h = sha3::Shake256::default();
            h.update(content);
            let mut out = vec![0u8; 64];
            h.finalize_xof_into(&mut out);
            out
        }
        other => return Err(format!("not EdDSA: {other}")),
    };
    let digest_ok = attrs.iter().any(|a| {
        a.oid.to_string() == "1.2.840.113549.1.9.4"
            && a.values.iter().any(|v| {
                v.decode_as::<der::asn1::OctetString>()
                    .is_ok_and(|o| o.as_bytes() == want_digest.as_slice())
            })
    });
    let cert = sd
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c)
                    if c.tbs_certificate()
                        .subject_public_key_info()
                        .algorithm
                        .oid
                        .to_string()
                        == alg =>
                {
                    Some(c.clone())
                }
                _ => None,
            })
        })
        .ok_or("no certificate with the signer's EdDSA key")?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| e.to_string())?;
    let pem = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &spki)
        .map_err(|e| e.to_string())?;
    std::fs::write(dir.path("pub.pem"), pem).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.path("attrs.der"),
        attrs.to_der().map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.path("sig.bin"), si.signature.as_bytes()).map_err(|e| e.to_string())?;
    let out = Command::new(Tool::Openssl.command())
        .current_dir(dir.dir())
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-in",
            "attrs.der",
            "-sigfile",
            "sig.bin",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    Ok(digest_ok && out.status.success())
}

// ---------------------------------------------------------------- digests for hand-built CMS

/// The digest algorithm OID of a [`replymatrix::facts::Digest`] (RFC 5754, RFC 8702, RFC 8419).
pub(crate) fn digest_oid(digest: replymatrix::facts::Digest) -> der::asn1::ObjectIdentifier {
    use der::asn1::ObjectIdentifier as Oid;
    use replymatrix::facts::Digest;
    Oid::new_unwrap(match digest {
        Digest::Md5 => "1.2.840.113549.2.5",
        Digest::Sha1 => "1.3.14.3.2.26",
        Digest::Sha224 => "2.16.840.1.101.3.4.2.4",
        Digest::Sha256 => "2.16.840.1.101.3.4.2.1",
        Digest::Sha384 => "2.16.840.1.101.3.4.2.2",
        Digest::Sha512 => "2.16.840.1.101.3.4.2.3",
        Digest::Sha3_256 => "2.16.840.1.101.3.4.2.8",
        Digest::Sha3_512 => "2.16.840.1.101.3.4.2.10",
        Digest::Shake256 => "2.16.840.1.101.3.4.2.12",
    })
}

/// `data` hashed with `digest` (SHAKE256 with the 512-bit output of RFC 8419).
pub(crate) fn hash(digest: replymatrix::facts::Digest, data: &[u8]) -> Vec<u8> {
    use replymatrix::facts::Digest;
    use sha2::Digest as _;
    match digest {
        Digest::Md5 => md5::Md5::digest(data).to_vec(),
        Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Digest::Sha224 => sha2::Sha224::digest(data).to_vec(),
        Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Digest::Sha384 => sha2::Sha384::digest(data).to_vec(),
        Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
        Digest::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
        Digest::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
        Digest::Shake256 => {
            use sha3::digest::{ExtendableOutput as _, Update as _};
            let mut h = sha3::Shake256::default();
            h.update(data);
            let mut out = vec![0u8; 64];
            h.finalize_xof_into(&mut out);
            out
        }
    }
}
