//! OpenPGP persona keys and the signatures/encryptions the corpus needs, with
//! sequoia-openpgp 2.4 (RFC 4880 v4 profile).
//!
//! Detached and cleartext signatures are assembled by hand (RFC 4880 §5.2.3/§5.2.4) instead
//! of with `SignatureBuilder`, because sequoia adds a random `salt@notations.sequoia-pgp.org`
//! notation to every v4 signature, which would change the bytes of a signed sample on every
//! run. EdDSA and RSA PKCS#1 v1.5 signatures are deterministic, so the same input gives the
//! same signature packet.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sequoia_openpgp as openpgp;

use openpgp::cert::Cert;
use openpgp::crypto::Signer as _;
use openpgp::crypto::hash::Hash as _;
use openpgp::packet::key::{Key4, PrimaryRole, SecretParts, SubordinateRole};
use openpgp::packet::signature::subpacket::{
    NotationData, NotationDataFlags, Subpacket, SubpacketArea, SubpacketValue,
};
use openpgp::packet::signature::{Signature4, SignatureBuilder};
use openpgp::packet::{Packet, Signature, UserID};
use openpgp::parse::Parse as _;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::MarshalInto as _;
use openpgp::serialize::stream::{
    Compressor, Encryptor, LiteralWriter, Message, Recipient, Signer,
};
use openpgp::types::{
    CompressionAlgorithm, Curve, DataFormat, Features, HashAlgorithm, KeyFlags, SignatureType,
    SymmetricAlgorithm, Timestamp,
};

use crate::error::{Error, Result};

use super::wire;

/// Maps any sequoia error into the generator's error.
fn gen_err(what: &str) -> impl Fn(anyhow::Error) -> Error + '_ {
    move |e| Error::Generate {
        what: what.to_owned(),
        message: format!("{e:#}"),
    }
}

/// The primary key algorithm of a persona.
#[derive(Clone, Copy, Debug)]
pub enum Suite {
    /// EdDSA (Ed25519, legacy v4 encoding) primary + ECDH Cv25519 subkey.
    Cv25519,
    /// RSA primary + RSA subkey of this many bits.
    Rsa(usize),
}

/// One OpenPGP persona of the common brief.
#[derive(Clone, Copy, Debug)]
pub struct PersonaSpec {
    /// File stem below `corpora/keys/openpgp/`.
    pub name: &'static str,
    pub userid: &'static str,
    pub suite: Suite,
    pub symmetric: &'static [SymmetricAlgorithm],
    pub hashes: &'static [HashAlgorithm],
    pub compression: &'static [CompressionAlgorithm],
}

use CompressionAlgorithm as Z;
use HashAlgorithm as H;
use SymmetricAlgorithm as S;

/// The five personas of the common brief ("OpenPGP") plus dee, a Delta Chat user for the
/// optional D1 sample (User ID `<addr>` as Delta Chat writes it), preferences as their
/// products write them:
/// Proton (sender-formats P3: sym 9 7 8, hash 8 10, zip 2 1 0), RNP/Thunderbird and GnuPG
/// defaults (inferred from the products' documented defaults).
pub const PERSONAS: &[PersonaSpec] = &[
    PersonaSpec {
        name: "pat",
        userid: "pat@proton.example <pat@proton.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES128, S::AES192],
        hashes: &[H::SHA256, H::SHA512],
        compression: &[Z::Zlib, Z::Zip, Z::Uncompressed],
    },
    PersonaSpec {
        name: "lee",
        userid: "lee@proton.example <lee@proton.example>",
        suite: Suite::Rsa(4096),
        symmetric: &[S::AES256, S::AES128, S::AES192],
        hashes: &[H::SHA256, H::SHA512],
        compression: &[Z::Zlib, Z::Zip, Z::Uncompressed],
    },
    PersonaSpec {
        name: "theo",
        userid: "Theo <theo@tbird.example>",
        suite: Suite::Rsa(3072),
        symmetric: &[S::AES256, S::AES192, S::AES128],
        hashes: &[H::SHA512, H::SHA384, H::SHA256, H::SHA224],
        compression: &[Z::Zlib, Z::BZip2, Z::Zip, Z::Uncompressed],
    },
    PersonaSpec {
        name: "gus",
        userid: "Gus <gus@gpgsuite.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES192, S::AES128],
        hashes: &[H::SHA512, H::SHA384, H::SHA256, H::SHA224, H::SHA1],
        compression: &[Z::Zlib, Z::BZip2, Z::Zip],
    },
    PersonaSpec {
        name: "dee",
        userid: "<dee@chat.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES192, S::AES128],
        hashes: &[H::SHA256, H::SHA384, H::SHA512, H::SHA224],
        compression: &[Z::Zlib, Z::Zip],
    },
    PersonaSpec {
        name: "robin",
        userid: "Robin <robin@northwind.example>",
        suite: Suite::Cv25519,
        symmetric: &[S::AES256, S::AES128, S::AES192],
        hashes: &[H::SHA512, H::SHA256],
        compression: &[Z::Zlib, Z::Zip, Z::Uncompressed],
    },
];

/// Key creation time of every persona: 2025-01-01T00:00:00Z (common brief).
pub fn key_creation_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_735_689_600)
}

/// A `SystemTime` from Unix seconds (all corpus instants are after 1970).
pub fn system_time(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0))
}

/// Generates a persona's certificate with secrets: primary key for certification and
/// signing, one encryption subkey, no expiry, no password. Randomness is used only here.
pub fn generate_persona(spec: &PersonaSpec) -> Result<Cert> {
    let err = gen_err(spec.name);
    let ctime = key_creation_time();
    let (mut primary, mut subkey): (
        Key4<SecretParts, PrimaryRole>,
        Key4<SecretParts, SubordinateRole>,
    ) = match spec.suite {
        Suite::Cv25519 => (
            Key4::generate_ecc(true, Curve::Ed25519).map_err(&err)?,
            Key4::generate_ecc(false, Curve::Cv25519).map_err(&err)?,
        ),
        Suite::Rsa(bits) => (
            Key4::generate_rsa(bits).map_err(&err)?,
            Key4::generate_rsa(bits).map_err(&err)?,
        ),
    };
    primary.set_creation_time(ctime).map_err(&err)?;
    subkey.set_creation_time(ctime).map_err(&err)?;
    let primary: openpgp::packet::Key<SecretParts, PrimaryRole> = primary.into();
    let subkey: openpgp::packet::Key<SecretParts, SubordinateRole> = subkey.into();
    let mut signer = primary.clone().into_keypair().map_err(&err)?;
    let cert = Cert::try_from(vec![Packet::SecretKey(primary.clone())]).map_err(&err)?;
    let ts = Timestamp::from(1_735_689_600u32);
    let fpr = cert.fingerprint();
    let keyid = cert.keyid();
    let sp = |v: SubpacketValue| Subpacket::new(v, false);

    // Self-signatures are assembled like the detached ones (see the module comment): the
    // keys then carry no `salt@notations.sequoia-pgp.org`, as keys made by openpgp.js,
    // RNP or GnuPG would not.
    let uid = UserID::from(spec.userid);
    let uid_hashed = vec![
        sp(SubpacketValue::SignatureCreationTime(ts)).map_err(&err)?,
        sp(SubpacketValue::KeyFlags(
            KeyFlags::empty().set_certification().set_signing(),
        ))
        .map_err(&err)?,
        sp(SubpacketValue::PreferredSymmetricAlgorithms(
            spec.symmetric.to_vec(),
        ))
        .map_err(&err)?,
        sp(SubpacketValue::PreferredHashAlgorithms(
            spec.hashes.to_vec(),
        ))
        .map_err(&err)?,
        sp(SubpacketValue::PreferredCompressionAlgorithms(
            spec.compression.to_vec(),
        ))
        .map_err(&err)?,
        sp(SubpacketValue::Features(Features::empty().set_seipdv1())).map_err(&err)?,
        sp(SubpacketValue::PrimaryUserID(true)).map_err(&err)?,
        sp(SubpacketValue::IssuerFingerprint(fpr.clone())).map_err(&err)?,
    ];
    let uid_sig = self_signature(
        &mut signer,
        SignatureType::PositiveCertification,
        uid_hashed,
        keyid.clone(),
        |sig, ctx| sig.hash_userid_binding(ctx, &primary, &uid),
    )?;

    let sub_hashed = vec![
        sp(SubpacketValue::SignatureCreationTime(ts)).map_err(&err)?,
        sp(SubpacketValue::KeyFlags(
            KeyFlags::empty()
                .set_transport_encryption()
                .set_storage_encryption(),
        ))
        .map_err(&err)?,
        sp(SubpacketValue::IssuerFingerprint(fpr)).map_err(&err)?,
    ];
    let sub_sig = self_signature(
        &mut signer,
        SignatureType::SubkeyBinding,
        sub_hashed,
        keyid,
        |sig, ctx| sig.hash_subkey_binding(ctx, &primary, &subkey),
    )?;

    let cert = cert
        .insert_packets(vec![
            Packet::from(uid),
            uid_sig.into(),
            Packet::SecretSubkey(subkey),
            sub_sig.into(),
        ])
        .map_err(&err)?
        .0;
    Ok(cert)
}

/// A v4 self-signature (SHA-512) with these hashed subpackets and an unhashed issuer key
/// ID; `hash` feeds the signed component (User ID or subkey binding, RFC 4880 §5.2.4).
fn self_signature(
    signer: &mut openpgp::crypto::KeyPair,
    typ: SignatureType,
    hashed: Vec<Subpacket>,
    issuer: openpgp::KeyID,
    hash: impl FnOnce(&Signature, &mut openpgp::crypto::hash::Context) -> openpgp::Result<()>,
) -> Result<Signature> {
    let err = gen_err("self-signature");
    let hash_algo = HashAlgorithm::SHA512;
    let pk_algo = signer.public().pk_algo();
    let hashed = SubpacketArea::new(hashed).map_err(&err)?;
    let unhashed = SubpacketArea::new(vec![
        Subpacket::new(SubpacketValue::Issuer(issuer), false).map_err(&err)?,
    ])
    .map_err(&err)?;
    let template: Signature = Signature4::new(
        typ,
        pk_algo,
        hash_algo,
        hashed.clone(),
        unhashed.clone(),
        [0, 0],
        openpgp::crypto::mpi::Signature::Unknown {
            mpis: Box::new([]),
            rest: Box::new([]),
        },
    )
    .into();
    let mut ctx = hash_algo.context().map_err(&err)?.for_signature(4);
    hash(&template, &mut ctx).map_err(&err)?;
    let digest = ctx.into_digest().map_err(&err)?;
    let mpis = signer.sign(hash_algo, &digest).map_err(&err)?;
    let prefix = [
        digest.first().copied().unwrap_or(0),
        digest.get(1).copied().unwrap_or(0),
    ];
    Ok(Signature4::new(typ, pk_algo, hash_algo, hashed, unhashed, prefix, mpis).into())
}

/// The armored secret key (`.sec.asc`) and public key (`.pub.asc`), CRLF-free LF text as
/// GnuPG writes key files.
pub fn armored_pair(cert: &Cert) -> Result<(String, String)> {
    let err = gen_err("armoring a key");
    let sec = cert.as_tsk().to_vec().map_err(&err)?;
    let public = cert
        .clone()
        .strip_secret_key_material()
        .to_vec()
        .map_err(&err)?;
    let sec = wire::armor("PGP PRIVATE KEY BLOCK", &[], &sec).replace("\r\n", "\n");
    let public = wire::armor("PGP PUBLIC KEY BLOCK", &[], &public).replace("\r\n", "\n");
    Ok((sec, public))
}

/// Loads a persona's secret key, creating and writing the pair when missing.
pub fn load_or_create(dir: &Path, spec: &PersonaSpec) -> Result<Cert> {
    let sec_path = dir.join(format!("{}.sec.asc", spec.name));
    let pub_path = dir.join(format!("{}.pub.asc", spec.name));
    if sec_path.exists() {
        let bytes = std::fs::read(&sec_path).map_err(|e| Error::io(&sec_path, e))?;
        let cert = Cert::from_bytes(&bytes).map_err(|e| Error::Key {
            path: sec_path.clone(),
            message: format!("{e:#}"),
        })?;
        if !cert.is_tsk() {
            return Err(Error::Key {
                path: sec_path,
                message: "no secret key material".into(),
            });
        }
        if !pub_path.exists() {
            let (_, public) = armored_pair(&cert)?;
            std::fs::write(&pub_path, public).map_err(|e| Error::io(&pub_path, e))?;
        }
        return Ok(cert);
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let cert = generate_persona(spec)?;
    let (sec, public) = armored_pair(&cert)?;
    std::fs::write(&sec_path, sec).map_err(|e| Error::io(&sec_path, e))?;
    std::fs::write(&pub_path, public).map_err(|e| Error::io(&pub_path, e))?;
    Ok(cert)
}

/// The certificate without secrets, binary (for Autocrypt keydata and key attachments).
pub fn public_bytes(cert: &Cert) -> Result<Vec<u8>> {
    cert.clone()
        .strip_secret_key_material()
        .to_vec()
        .map_err(gen_err("serializing a public key"))
}

/// Upper-case hex fingerprint.
pub fn fingerprint_hex(cert: &Cert) -> String {
    cert.fingerprint().to_hex()
}

/// Upper-case hex 64-bit key ID of the primary key.
pub fn keyid_hex(cert: &Cert) -> String {
    cert.keyid().to_hex()
}

/// Which product's signature packet layout to imitate.
#[derive(Clone, Copy, Debug)]
pub enum SigStyle {
    /// openpgp.js v6 as Proton ships it (sender-formats P8, 2026): hashed = critical
    /// creation time, issuer key ID, `salt@notations.openpgpjs.org` (32 bytes), issuer
    /// fingerprint.
    ProtonV6,
    /// openpgp.js v4 (Proton 2019, P2b/P8): critical creation time and critical issuer.
    Proton2019,
    /// RNP (Thunderbird, T1) and GnuPG 2.2 (G1): hashed issuer fingerprint + creation time,
    /// unhashed issuer key ID.
    RnpOrGnupg,
}

/// A detached v4 signature packet of `typ` over `data`, made by the cert's primary key
/// at the fixed `unix` time. For `SignatureType::Text`, `data` must already be CRLF text
/// (RFC 4880 §5.2.1: text signatures hash CRLF-canonical lines), which is asserted here by
/// refusing bare LF.
pub fn sign_detached(
    cert: &Cert,
    style: SigStyle,
    typ: SignatureType,
    hash_algo: HashAlgorithm,
    unix: i64,
    data: &[u8],
    salt_seed: &str,
) -> Result<Signature> {
    let err = gen_err("signing");
    if typ == SignatureType::Text && has_bare_lf(data) {
        return Err(Error::Generate {
            what: "signing".into(),
            message: "text signature over data with bare LF".into(),
        });
    }
    let key = cert
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .map_err(&err)?;
    let mut keypair = key.into_keypair().map_err(&err)?;
    let ts = Timestamp::from(u32::try_from(unix).unwrap_or(0));
    let keyid = cert.keyid();
    let fpr = cert.fingerprint();
    let sp = |v: SubpacketValue, critical: bool| Subpacket::new(v, critical);
    let mut hashed = Vec::new();
    let mut unhashed = Vec::new();
    match style {
        SigStyle::ProtonV6 => {
            hashed.push(sp(SubpacketValue::SignatureCreationTime(ts), true).map_err(&err)?);
            hashed.push(sp(SubpacketValue::Issuer(keyid), false).map_err(&err)?);
            let salt = wire::derived_bytes(salt_seed, "openpgpjs-salt", 32);
            hashed.push(
                sp(
                    SubpacketValue::NotationData(NotationData::new(
                        "salt@notations.openpgpjs.org",
                        salt,
                        NotationDataFlags::empty(),
                    )),
                    false,
                )
                .map_err(&err)?,
            );
            hashed.push(sp(SubpacketValue::IssuerFingerprint(fpr), false).map_err(&err)?);
        }
        SigStyle::Proton2019 => {
            hashed.push(sp(SubpacketValue::SignatureCreationTime(ts), true).map_err(&err)?);
            hashed.push(sp(SubpacketValue::Issuer(keyid), true).map_err(&err)?);
        }
        SigStyle::RnpOrGnupg => {
            hashed.push(sp(SubpacketValue::IssuerFingerprint(fpr), false).map_err(&err)?);
            hashed.push(sp(SubpacketValue::SignatureCreationTime(ts), false).map_err(&err)?);
            unhashed.push(sp(SubpacketValue::Issuer(keyid), false).map_err(&err)?);
        }
    }
    let hashed = SubpacketArea::new(hashed).map_err(&err)?;
    let unhashed = SubpacketArea::new(unhashed).map_err(&err)?;
    let pk_algo = cert.primary_key().key().pk_algo();
    // A template with a placeholder MPI, only to hash the signature trailer.
    let template = Signature4::new(
        typ,
        pk_algo,
        hash_algo,
        hashed.clone(),
        unhashed.clone(),
        [0, 0],
        openpgp::crypto::mpi::Signature::Unknown {
            mpis: Box::new([]),
            rest: Box::new([]),
        },
    );
    let mut ctx = hash_algo.context().map_err(&err)?.for_signature(4);
    ctx.update(data);
    template.hash(&mut ctx).map_err(&err)?;
    let digest = ctx.into_digest().map_err(&err)?;
    let mpis = keypair.sign(hash_algo, &digest).map_err(&err)?;
    let prefix = [
        digest.first().copied().unwrap_or(0),
        digest.get(1).copied().unwrap_or(0),
    ];
    Ok(Signature4::new(typ, pk_algo, hash_algo, hashed, unhashed, prefix, mpis).into())
}

fn has_bare_lf(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || data.get(i - 1) != Some(&b'\r')))
}

/// The packet bytes of a signature, new-format header (sequoia, openpgp.js, RNP).
pub fn signature_packet(sig: &Signature) -> Result<Vec<u8>> {
    Packet::from(sig.clone())
        .to_vec()
        .map_err(gen_err("serializing a signature"))
}

/// The packet bytes of a signature with an old-format header (tag 2), as GnuPG writes it
/// (`iHUE...`, sender-formats E1/G1).
pub fn signature_packet_old_format(sig: &Signature) -> Result<Vec<u8>> {
    let body = sig.to_vec().map_err(gen_err("serializing a signature"))?;
    let mut out = Vec::with_capacity(body.len() + 3);
    if let Ok(len) = u8::try_from(body.len()) {
        out.push(0x88);
        out.push(len);
    } else if let Ok(len) = u16::try_from(body.len()) {
        out.push(0x89);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        return Err(Error::Generate {
            what: "signature".into(),
            message: "signature too long".into(),
        });
    }
    out.extend_from_slice(&body);
    Ok(out)
}

/// How to build an encrypted OpenPGP message.
pub struct EncryptRecipe<'a> {
    /// Every cert whose encryption subkeys get a PKESK.
    pub recipients: &'a [&'a Cert],
    /// Sign inside (one-pass signature) with this key at this time.
    pub signer: Option<(&'a Cert, i64, HashAlgorithm)>,
    /// ZIP compression (Proton web client, sender-formats P0, inferred).
    pub compress: bool,
    /// Literal data format.
    pub format: DataFormat,
    /// Literal data filename (e.g. the attachment name for Proton's `.pgp`).
    pub filename: Option<&'a str>,
    pub plaintext: &'a [u8],
}

/// A binary OpenPGP message: PKESKs (one per recipient) + SEIPD v1 (AES-256, MDC), with an
/// optional compression layer and one-pass signature inside. Fresh session key each run.
pub fn encrypt(recipe: &EncryptRecipe) -> Result<Vec<u8>> {
    let err = gen_err("encrypting");
    let policy = StandardPolicy::new();
    let at = Some(system_time(
        recipe.signer.map(|s| s.1).unwrap_or(1_777_593_600),
    ));
    let mut recipients: Vec<Recipient> = Vec::new();
    for cert in recipe.recipients {
        let valid = cert.with_policy(&policy, at).map_err(&err)?;
        for ka in valid.keys().supported().for_transport_encryption() {
            recipients.push(Recipient::from(ka));
        }
    }
    if recipients.is_empty() {
        return Err(Error::Generate {
            what: "encrypting".into(),
            message: "no encryption-capable recipient key".into(),
        });
    }
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let mut message = Encryptor::for_recipients(message, recipients)
            .symmetric_algo(SymmetricAlgorithm::AES256)
            .build()
            .map_err(&err)?;
        if recipe.compress {
            message = Compressor::new(message)
                .algo(CompressionAlgorithm::Zip)
                .build()
                .map_err(&err)?;
        }
        if let Some((cert, unix, hash)) = recipe.signer {
            let key = cert
                .primary_key()
                .key()
                .clone()
                .parts_into_secret()
                .map_err(&err)?;
            let keypair = key.into_keypair().map_err(&err)?;
            // Text literal data is signed in text mode (0x01), as openpgp.js signs a
            // `createMessage({ text })`; binary literal data in binary mode (0x00).
            let typ = if recipe.format == DataFormat::Unicode {
                SignatureType::Text
            } else {
                SignatureType::Binary
            };
            message = Signer::with_template(message, keypair, SignatureBuilder::new(typ))
                .map_err(&err)?
                .hash_algo(hash)
                .map_err(&err)?
                .creation_time(system_time(unix))
                .build()
                .map_err(&err)?;
        }
        let mut lw = LiteralWriter::new(message).format(recipe.format);
        if let Some(name) = recipe.filename {
            lw = lw.filename(name).map_err(&err)?;
        }
        if let Some((_, unix, _)) = recipe.signer {
            lw = lw.date(system_time(unix)).map_err(&err)?;
        }
        let mut message = lw.build().map_err(&err)?;
        std::io::Write::write_all(&mut message, recipe.plaintext)
            .map_err(|e| gen_err("encrypting")(e.into()))?;
        message.finalize().map_err(&err)?;
    }
    Ok(sink)
}
