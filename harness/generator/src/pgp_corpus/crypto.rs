//! OpenPGP persona keys and the signatures/encryptions the corpus needs, with
//! sequoia-openpgp 2.4 (RFC 4880 v4 profile).
//!
//! Detached and cleartext signatures are assembled by hand (RFC 4880 §5.2.3/§5.2.4) instead
//! of with `SignatureBuilder`, because sequoia adds a random `salt@notations.sequoia-pgp.org`
//! notation to every v4 signature, which would change the bytes of a signed sample on every
//! run. EdDSA and RSA PKCS#1 v1.5 signatures are deterministic, so the same input gives the
//! same signature packet. Encrypted messages are assembled too ([`encrypt`]): session keys,
//! ephemeral keys, padding and prefixes derive from the sample id.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sequoia_openpgp as openpgp;

use openpgp::cert::Cert;
use openpgp::crypto::Signer as _;
use openpgp::crypto::hash::Hash as _;
use openpgp::crypto::mpi::{self, MPI};
use openpgp::packet::key::{
    Key4, PrimaryRole, PublicParts, SecretParts, SubordinateRole, UnspecifiedRole,
};
use openpgp::packet::one_pass_sig::{OnePassSig3, OnePassSig6};
use openpgp::packet::pkesk::PKESK3;
use openpgp::packet::signature::Signature4;
use openpgp::packet::signature::subpacket::{
    NotationData, NotationDataFlags, Subpacket, SubpacketArea, SubpacketValue,
};
use openpgp::packet::{Key, Literal, OnePassSig, Packet, Signature, UserID};
use openpgp::parse::Parse as _;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::MarshalInto as _;
use openpgp::serialize::stream::{Compressor, Message};
use openpgp::types::{
    AEADAlgorithm, CompressionAlgorithm, Curve, DataFormat, Features, HashAlgorithm, KeyFlags,
    PublicKeyAlgorithm, SignatureType, SymmetricAlgorithm, Timestamp,
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
    /// RFC 9580 v6: Ed25519 (algorithm 27) primary + X25519 (25) subkey.
    V6Curve25519,
    /// RFC 9580 v6 with the composite post-quantum algorithms of draft-ietf-openpgp-pqc:
    /// ML-DSA-65+Ed25519 (30) primary + ML-KEM-768+X25519 (35) subkey.
    V6PostQuantum,
}

/// One OpenPGP persona of the common brief.
#[derive(Clone, Copy, Debug)]
pub struct PersonaSpec {
    /// File stem below `corpora/keys/openpgp/`.
    pub name: &'static str,
    /// The User ID, `Name <address>`.
    pub userid: &'static str,
    /// The key algorithms.
    pub suite: Suite,
    /// Preferred symmetric algorithms, in order.
    pub symmetric: &'static [SymmetricAlgorithm],
    /// Preferred hash algorithms, in order.
    pub hashes: &'static [HashAlgorithm],
    /// Preferred compression algorithms, in order.
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

/// The RFC 9580 personas: Proton as it sends with v6 keys (GopenPGP v3 / openpgp.js v6) and
/// with post-quantum keys, and the recipient robin's own v6 and post-quantum keys. Made by
/// sequoia's `CertBuilder` under `Profile::RFC9580` (its preferences, SEIPDv2 feature and AEAD
/// ciphersuites), since these keys are made once and committed like the v4 ones.
pub const PERSONAS_RFC9580: &[PersonaSpec] = &[
    PersonaSpec {
        name: "val",
        userid: "val@proton.example <val@proton.example>",
        suite: Suite::V6Curve25519,
        symmetric: &[],
        hashes: &[],
        compression: &[],
    },
    PersonaSpec {
        name: "robin-v6",
        userid: "Robin <robin@northwind.example>",
        suite: Suite::V6Curve25519,
        symmetric: &[],
        hashes: &[],
        compression: &[],
    },
    PersonaSpec {
        name: "quinn",
        userid: "quinn@proton.example <quinn@proton.example>",
        suite: Suite::V6PostQuantum,
        symmetric: &[],
        hashes: &[],
        compression: &[],
    },
    PersonaSpec {
        name: "robin-pq",
        userid: "Robin <robin@northwind.example>",
        suite: Suite::V6PostQuantum,
        symmetric: &[],
        hashes: &[],
        compression: &[],
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
        Suite::V6Curve25519 | Suite::V6PostQuantum => return generate_v6_persona(spec),
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

/// A v6 persona (RFC 9580): sequoia's `CertBuilder` under `Profile::RFC9580`, primary key
/// for certification and signing, one encryption subkey, no expiry, no password.
fn generate_v6_persona(spec: &PersonaSpec) -> Result<Cert> {
    use openpgp::cert::{CertBuilder, CipherSuite};
    let err = gen_err(spec.name);
    let suite = match spec.suite {
        Suite::V6PostQuantum => CipherSuite::MLDSA65_Ed25519,
        _ => CipherSuite::Cv25519,
    };
    let (cert, _revocation) = CertBuilder::new()
        .set_profile(openpgp::Profile::RFC9580)
        .map_err(&err)?
        .set_cipher_suite(suite)
        .set_creation_time(key_creation_time())
        .set_validity_period(None)
        .set_primary_key_flags(KeyFlags::empty().set_certification().set_signing())
        .add_userid(spec.userid)
        .add_subkey(
            KeyFlags::empty()
                .set_transport_encryption()
                .set_storage_encryption(),
            None,
            None,
        )
        .generate()
        .map_err(&err)?;
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
    /// An RFC 9580 v6 signature by a v6 key (§5.2.3): a salt of the hash's size in the
    /// packet, hashed critical creation time and issuer fingerprint, nothing unhashed (as
    /// openpgp.js v6 and GopenPGP v3 sign with v6 keys).
    Rfc9580,
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
    if let SigStyle::Rfc9580 = style {
        return sign_v6(cert, &mut keypair, typ, hash_algo, ts, data, salt_seed);
    }
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
        SigStyle::Rfc9580 => unreachable_style()?,
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

/// `SigStyle::Rfc9580` is handled before the v4 layouts.
fn unreachable_style() -> Result<()> {
    Err(Error::Generate {
        what: "signing".into(),
        message: "v6 signature style reached the v4 assembly".into(),
    })
}

/// A v6 signature packet (RFC 9580 §5.2.3, §5.2.4): the hash runs over the salt, the data,
/// then the v6 trailer. The salt (as long as the hash algorithm requires, §9.5) derives
/// from `salt_seed`; Ed25519 and ML-DSA (sequoia signs ML-DSA deterministically) then make
/// the same packet on every run.
fn sign_v6(
    cert: &Cert,
    keypair: &mut openpgp::crypto::KeyPair,
    typ: SignatureType,
    hash_algo: HashAlgorithm,
    ts: Timestamp,
    data: &[u8],
    salt_seed: &str,
) -> Result<Signature> {
    use openpgp::packet::signature::Signature6;
    let err = gen_err("signing (v6)");
    if cert.primary_key().key().version() != 6 {
        return Err(Error::Generate {
            what: "signing (v6)".into(),
            message: "a v6 signature needs a v6 key (RFC 9580 §5.2.3)".into(),
        });
    }
    let hashed = SubpacketArea::new(vec![
        Subpacket::new(SubpacketValue::SignatureCreationTime(ts), true).map_err(&err)?,
        Subpacket::new(SubpacketValue::IssuerFingerprint(cert.fingerprint()), false)
            .map_err(&err)?,
    ])
    .map_err(&err)?;
    let unhashed = SubpacketArea::new(Vec::new()).map_err(&err)?;
    let salt = wire::derived_bytes(
        salt_seed,
        "v6 signature salt",
        hash_algo.salt_size().map_err(&err)?,
    );
    let pk_algo = keypair.public().pk_algo();
    let template = Signature6::new(
        typ,
        pk_algo,
        hash_algo,
        hashed.clone(),
        unhashed.clone(),
        [0, 0],
        salt.clone(),
        openpgp::crypto::mpi::Signature::Unknown {
            mpis: Box::new([]),
            rest: Box::new([]),
        },
    )
    .map_err(&err)?;
    let mut ctx = hash_algo.context().map_err(&err)?.for_signature(6);
    ctx.update(&salt);
    ctx.update(data);
    template.hash(&mut ctx).map_err(&err)?;
    let digest = ctx.into_digest().map_err(&err)?;
    let mpis = keypair.sign(hash_algo, &digest).map_err(&err)?;
    let prefix = [
        digest.first().copied().unwrap_or(0),
        digest.get(1).copied().unwrap_or(0),
    ];
    Ok(Signature6::new(
        typ, pk_algo, hash_algo, hashed, unhashed, prefix, salt, mpis,
    )
    .map_err(&err)?
    .into())
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
    /// Every random-looking byte of the message derives from this (the sample id, plus a
    /// label when a sample encrypts more than once), so the message regenerates byte for byte.
    pub seed: &'a str,
    /// Every cert whose encryption subkeys get a PKESK.
    pub recipients: &'a [&'a Cert],
    /// Sign inside (one-pass signature) with this key at this time, in this product's
    /// signature layout.
    pub signer: Option<(&'a Cert, i64, HashAlgorithm, SigStyle)>,
    /// ZIP compression (Proton web client, sender-formats P0, inferred).
    pub compress: bool,
    /// Literal data format.
    pub format: DataFormat,
    /// Literal data filename (e.g. the attachment name for Proton's `.pgp`).
    pub filename: Option<&'a str>,
    /// What is encrypted.
    pub plaintext: &'a [u8],
    /// The encryption container and the PKESK version that goes with it.
    pub container: Container,
}

/// The encryption container of an [`EncryptRecipe`].
#[derive(Clone, Copy, Debug)]
pub enum Container {
    /// v3 PKESKs + SEIPD v1 (AES-256 CFB with MDC), RFC 4880 §5.13: what v4 keys get.
    SeipdV1,
    /// v6 PKESKs + SEIPD v2 (AES-256 with this AEAD mode, chunk size octet 12 = 256 KiB as
    /// openpgp.js and GopenPGP write it), RFC 9580 §5.13.2: what a sender uses when every
    /// recipient key advertises the SEIPDv2 feature.
    SeipdV2(AEADAlgorithm),
}

/// A binary OpenPGP message: PKESKs (one per recipient encryption key) + SEIPD v1 (AES-256,
/// MDC), with an optional ZIP compression layer and a one-pass signature inside.
///
/// Assembled here rather than with sequoia's `Encryptor`, which draws the session key, the
/// ECDH ephemeral keys, the RSA padding and the SEIPD prefix from the operating system (and
/// whose `Signer` salts v4 signatures): every one of them derives from `recipe.seed`
/// instead, so an encrypted sample regenerates byte for byte like a signed one. Test data
/// only: a session key derived from a public string protects nothing.
pub fn encrypt(recipe: &EncryptRecipe) -> Result<Vec<u8>> {
    let err = gen_err("encrypting");
    let policy = StandardPolicy::new();
    let at = Some(system_time(
        recipe.signer.map(|s| s.1).unwrap_or(1_777_593_600),
    ));
    let mut keys = Vec::new();
    for cert in recipe.recipients {
        let valid = cert.with_policy(&policy, at).map_err(&err)?;
        for ka in valid.keys().supported().for_transport_encryption() {
            keys.push(ka.key().clone());
        }
    }
    if keys.is_empty() {
        return Err(Error::Generate {
            what: "encrypting".into(),
            message: "no encryption-capable recipient key".into(),
        });
    }
    let session_key = wire::derived_bytes(recipe.seed, "session key", 32);
    let mut out = Vec::new();
    for key in &keys {
        match recipe.container {
            Container::SeipdV1 => out.extend(pkesk(recipe.seed, key, &session_key)?),
            Container::SeipdV2(_) => out.extend(pkesk_v6(recipe.seed, key, &session_key)?),
        }
    }
    let mut inner = literal_packets(recipe)?;
    if recipe.compress {
        inner = zip_compressed(&inner)?;
    }
    match recipe.container {
        Container::SeipdV1 => out.extend(seipd_v1(recipe.seed, &session_key, &inner)?),
        Container::SeipdV2(aead) => {
            out.extend(seipd_v2(recipe.seed, aead, &session_key, &inner)?);
        }
    }
    Ok(out)
}

/// The SEIPDv2 chunk size octet: 2^(12+6) = 256 KiB (openpgp.js `aeadChunkSizeByte`).
pub const SEIPD_V2_CHUNK_OCTET: u8 = 12;

/// A SEIPD v2 packet (RFC 9580 §5.13.2): version 2, AES-256, the AEAD mode, the chunk size
/// octet and a 32-octet salt derived from the seed, then the chunks and the final tag.
/// sequoia's `SEIPv2Schedule` derives the message key and nonce (HKDF-SHA256 over the
/// session key, the salt and the packet header) and its AEAD `Encryptor` seals the chunks;
/// only the salt (which sequoia's streaming `Encryptor` draws from the OS) is chosen here.
fn seipd_v2(
    seed: &str,
    aead: AEADAlgorithm,
    session_key: &[u8],
    packets: &[u8],
) -> Result<Vec<u8>> {
    use openpgp::crypto::aead::{Encryptor, SEIPv2Schedule};
    let err = gen_err("encrypting (SEIPDv2)");
    let salt = wire::derived_bytes(seed, "seipd v2 salt", 32);
    let chunk_size = 1usize << (SEIPD_V2_CHUNK_OCTET + 6);
    let sk = openpgp::crypto::SessionKey::from(session_key.to_vec());
    let schedule = SEIPv2Schedule::new(&sk, SymmetricAlgorithm::AES256, aead, chunk_size, &salt)
        .map_err(&err)?;
    let mut body = vec![
        2,
        u8::from(SymmetricAlgorithm::AES256),
        u8::from(aead),
        SEIPD_V2_CHUNK_OCTET,
    ];
    body.extend_from_slice(&salt);
    let mut encryptor = Encryptor::new(
        SymmetricAlgorithm::AES256,
        aead,
        chunk_size,
        schedule,
        Vec::new(),
    )
    .map_err(&err)?;
    std::io::Write::write_all(&mut encryptor, packets).map_err(|e| err(e.into()))?;
    body.extend(encryptor.finalize().map_err(&err)?);
    Ok(new_format_packet(18, &body))
}

/// A v6 PKESK (RFC 9580 §5.1.2) carrying the bare session key (no algorithm octet, no
/// checksum) to `key`, a v6 key:
///
/// - X25519 (§5.1.6): ephemeral scalar derived from the seed and the key's fingerprint;
///   HKDF-SHA256 over ephemeral ‖ recipient ‖ shared point with info `OpenPGP X25519` gives an
///   AES-128 key-wrap key.
/// - ML-KEM-768+X25519 (draft-ietf-openpgp-pqc §4.2, §6.1): the same ephemeral X25519 share
///   and an ML-KEM-768 encapsulation with a derived 32-octet `m`; the key-wrap key (AES-256)
///   is SHA3-256(mlkemKeyShare ‖ ecdhKeyShare ‖ ecdhCipherText ‖ ecdhPublicKey ‖ algId ‖
///   `OpenPGPCompositeKDFv1` ‖ its length octet 21).
fn pkesk_v6(
    seed: &str,
    key: &Key<PublicParts, UnspecifiedRole>,
    session_key: &[u8],
) -> Result<Vec<u8>> {
    use openpgp::packet::pkesk::PKESK6;
    let err = gen_err("encrypting a session key (v6)");
    let fail = |message: String| Error::Generate {
        what: "encrypting a session key (v6)".into(),
        message,
    };
    let label = format!("pkesk6 {}", key.fingerprint().to_hex());
    let ephemeral = seed32(seed, &label);
    let ours = x25519_dalek::x25519(ephemeral, x25519_dalek::X25519_BASEPOINT_BYTES);
    let sk = openpgp::crypto::mem::Protected::from(session_key.to_vec());
    let esk = match key.mpis() {
        mpi::PublicKey::X25519 { u } => {
            let shared = x25519_dalek::x25519(ephemeral, *u);
            let mut ikm = Vec::with_capacity(96);
            ikm.extend_from_slice(&ours);
            ikm.extend_from_slice(u.as_slice());
            ikm.extend_from_slice(&shared);
            let mut kek = [0u8; 16];
            hkdf::Hkdf::<sha2::Sha256>::new(None, &ikm)
                .expand(b"OpenPGP X25519", &mut kek)
                .map_err(|e| fail(e.to_string()))?;
            let wrapped = openpgp::crypto::ecdh::aes_key_wrap(
                SymmetricAlgorithm::AES128,
                &kek.to_vec().into(),
                &sk,
            )
            .map_err(&err)?;
            mpi::Ciphertext::X25519 {
                e: Box::new(ours),
                key: wrapped.into_boxed_slice(),
            }
        }
        mpi::PublicKey::MLKEM768_X25519 { ecdh, mlkem } => {
            use ml_kem::{B32, EncapsulationKey, MlKem768};
            let ecdh_share = x25519_dalek::x25519(ephemeral, **ecdh);
            let encapsulation = EncapsulationKey::<MlKem768>::new(
                mlkem
                    .as_slice()
                    .try_into()
                    .map_err(|_| fail("ML-KEM-768 key of the wrong size".into()))?,
            )
            .map_err(|_| fail("invalid ML-KEM-768 public key".into()))?;
            let m: B32 = seed32(seed, &format!("{label} ml-kem m")).into();
            let (ciphertext, mlkem_share) = encapsulation.encapsulate_deterministic(&m);
            let mut combiner = HashAlgorithm::SHA3_256
                .context()
                .map_err(&err)?
                .for_digest();
            combiner.update(mlkem_share.as_slice());
            combiner.update(&ecdh_share);
            combiner.update(&ours);
            combiner.update(ecdh.as_slice());
            combiner.update(&[u8::from(PublicKeyAlgorithm::MLKEM768_X25519)]);
            combiner.update(b"OpenPGPCompositeKDFv1");
            combiner.update(&[21]);
            let kek = combiner.into_digest().map_err(&err)?;
            let wrapped =
                openpgp::crypto::ecdh::aes_key_wrap(SymmetricAlgorithm::AES256, &kek.into(), &sk)
                    .map_err(&err)?;
            let mlkem_ct: [u8; 1088] = ciphertext
                .as_slice()
                .try_into()
                .map_err(|_| fail("ML-KEM-768 ciphertext of the wrong size".into()))?;
            mpi::Ciphertext::MLKEM768_X25519 {
                ecdh: Box::new(ours),
                mlkem: Box::new(mlkem_ct),
                esk: wrapped.into_boxed_slice(),
            }
        }
        other => {
            return Err(fail(format!(
                "no deterministic v6 encryption to {:?} keys",
                other.algo()
            )));
        }
    };
    let pkesk = PKESK6::new(Some(key.fingerprint()), key.pk_algo(), esk).map_err(&err)?;
    Packet::from(pkesk).to_vec().map_err(&err)
}

/// The literal data packet, between a one-pass signature and its signature when the recipe
/// signs (RFC 4880 §11.3). Text literal data is signed in text mode (0x01), as openpgp.js
/// signs a `createMessage({ text })`; binary literal data in binary mode (0x00).
fn literal_packets(recipe: &EncryptRecipe) -> Result<Vec<u8>> {
    let err = gen_err("encrypting");
    let mut literal = Literal::new(recipe.format);
    if let Some(name) = recipe.filename {
        literal.set_filename(name).map_err(&err)?;
    }
    let Some((cert, unix, hash, style)) = recipe.signer else {
        literal.set_body(recipe.plaintext.to_vec());
        return Packet::from(literal).to_vec().map_err(&err);
    };
    literal.set_date(Some(system_time(unix))).map_err(&err)?;
    literal.set_body(recipe.plaintext.to_vec());
    let typ = if recipe.format == DataFormat::Unicode {
        SignatureType::Text
    } else {
        SignatureType::Binary
    };
    let sig = sign_detached(cert, style, typ, hash, unix, recipe.plaintext, recipe.seed)?;
    let ops = if sig.version() == 6 {
        let mut ops = OnePassSig6::try_from(&sig).map_err(&err)?;
        ops.set_last(true);
        OnePassSig::from(ops)
    } else {
        let mut ops = OnePassSig3::try_from(&sig).map_err(&err)?;
        ops.set_last(true);
        OnePassSig::from(ops)
    };
    let mut out = Packet::from(ops).to_vec().map_err(&err)?;
    out.extend(Packet::from(literal).to_vec().map_err(&err)?);
    out.extend(signature_packet(&sig)?);
    Ok(out)
}

/// A compressed data packet (ZIP, RFC 1951) around `packets` (deflate is deterministic).
fn zip_compressed(packets: &[u8]) -> Result<Vec<u8>> {
    let err = gen_err("compressing");
    let mut sink = Vec::new();
    let message = Message::new(&mut sink);
    let mut message = Compressor::new(message)
        .algo(CompressionAlgorithm::Zip)
        .build()
        .map_err(&err)?;
    std::io::Write::write_all(&mut message, packets).map_err(|e| err(e.into()))?;
    message.finalize().map_err(&err)?;
    Ok(sink)
}

/// A v3 PKESK (RFC 4880 §5.1) carrying `AES-256 ‖ session key ‖ checksum` to `key`: RSA
/// PKCS#1 v1.5 with padding from a seeded RNG, or ECDH on Curve25519 (RFC 6637 §8) with an
/// ephemeral scalar derived from the seed and the key's fingerprint.
fn pkesk(
    seed: &str,
    key: &Key<PublicParts, UnspecifiedRole>,
    session_key: &[u8],
) -> Result<Vec<u8>> {
    let err = gen_err("encrypting a session key");
    let fail = |message: String| Error::Generate {
        what: "encrypting a session key".into(),
        message,
    };
    let checksum = session_key
        .iter()
        .fold(0u16, |sum, b| sum.wrapping_add(u16::from(*b)));
    let mut m = vec![u8::from(SymmetricAlgorithm::AES256)];
    m.extend_from_slice(session_key);
    m.extend_from_slice(&checksum.to_be_bytes());
    let label = format!("pkesk {}", key.fingerprint().to_hex());
    let esk = match key.mpis() {
        mpi::PublicKey::RSA { e, n } => {
            use rand::SeedableRng as _;
            let public = rsa::PublicKey::new(
                rsa::BoxedUint::from_be_slice_vartime(n.value()),
                rsa::BoxedUint::from_be_slice_vartime(e.value()),
            )
            .map_err(|e| fail(e.to_string()))?;
            let mut rng = rand::rngs::StdRng::from_seed(seed32(seed, &label));
            let c = public
                .encrypt(&mut rng, rsa::Pkcs1v15Encrypt, &m)
                .map_err(|e| fail(e.to_string()))?;
            mpi::Ciphertext::RSA { c: MPI::new(&c) }
        }
        mpi::PublicKey::ECDH {
            curve: Curve::Cv25519,
            q,
            hash,
            sym,
        } => {
            // The recipient's point is 0x40 ‖ u (RFC 6637 §6, native little-endian X25519).
            let their_u: [u8; 32] = q
                .value()
                .get(1..33)
                .and_then(|u| u.try_into().ok())
                .ok_or_else(|| fail("malformed Cv25519 point".into()))?;
            let ephemeral = seed32(seed, &label);
            let ours = x25519_dalek::x25519(ephemeral, x25519_dalek::X25519_BASEPOINT_BYTES);
            let shared = x25519_dalek::x25519(ephemeral, their_u);
            // RFC 6637 §7 KDF over §8's parameters, then AES key wrap (RFC 3394) of the
            // message padded PKCS#5-style to 40 octets, as sequoia and GnuPG pad it.
            let mut param = vec![curve_oid_len(&Curve::Cv25519)?];
            param.extend_from_slice(Curve::Cv25519.oid());
            param.push(u8::from(PublicKeyAlgorithm::ECDH));
            param.extend_from_slice(&[3, 1, u8::from(*hash), u8::from(*sym)]);
            param.extend_from_slice(b"Anonymous Sender    ");
            param.extend_from_slice(key.fingerprint().as_bytes());
            let mut kdf = hash.context().map_err(&err)?.for_digest();
            kdf.update(&[0, 0, 0, 1]);
            kdf.update(&shared);
            kdf.update(&param);
            let mut kek = kdf.into_digest().map_err(&err)?;
            kek.truncate(sym.key_size().map_err(&err)?);
            let pad = 40usize
                .checked_sub(m.len())
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| fail("session key too long".into()))?;
            m.extend(std::iter::repeat_n(pad, usize::from(pad)));
            let wrapped =
                openpgp::crypto::ecdh::aes_key_wrap(*sym, &kek.into(), &m.into()).map_err(&err)?;
            mpi::Ciphertext::ECDH {
                e: MPI::new_compressed_point(&ours),
                key: wrapped.into_boxed_slice(),
            }
        }
        other => {
            return Err(fail(format!(
                "no deterministic encryption to {:?} keys",
                other.algo()
            )));
        }
    };
    let pkesk = PKESK3::new(Some(key.keyid()), key.pk_algo(), esk).map_err(&err)?;
    Packet::from(pkesk).to_vec().map_err(&err)
}

fn curve_oid_len(curve: &Curve) -> Result<u8> {
    u8::try_from(curve.oid().len()).map_err(|_| Error::Generate {
        what: "encrypting a session key".into(),
        message: "curve OID too long".into(),
    })
}

/// 32 bytes derived from the seed and a label (an RNG seed or an X25519 scalar).
fn seed32(seed: &str, label: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&wire::derived_bytes(seed, label, 32));
    out
}

/// A SEIPD v1 packet (RFC 4880 §5.13): AES-256 CFB with a zero IV over a 16-octet prefix
/// (derived from the seed) and its last two octets repeated, the packets, and the MDC
/// packet (`D3 14` ‖ SHA-1 of everything before it).
fn seipd_v1(seed: &str, session_key: &[u8], packets: &[u8]) -> Result<Vec<u8>> {
    use sha1::{Digest as _, Sha1};
    let mut plain = wire::derived_bytes(seed, "seipd prefix", 16);
    plain.extend_from_slice(&[plain[14], plain[15]]);
    plain.extend_from_slice(packets);
    plain.extend_from_slice(&[0xD3, 0x14]);
    let mdc = Sha1::digest(&plain);
    plain.extend_from_slice(&mdc);
    let mut body = vec![1u8];
    body.extend(aes256_cfb(session_key, &plain)?);
    Ok(new_format_packet(18, &body))
}

/// AES-256 in CFB mode with a zero IV (OpenPGP's SEIPD v1 use of CFB, RFC 4880 §13.9
/// without the resynchronisation step).
fn aes256_cfb(key: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    use aes::cipher::{BlockCipherEncrypt as _, KeyInit as _};
    let cipher = aes::Aes256::new_from_slice(key).map_err(|e| Error::Generate {
        what: "encrypting".into(),
        message: e.to_string(),
    })?;
    let mut feedback = aes::Block::default();
    let mut out = Vec::with_capacity(plain.len());
    for chunk in plain.chunks(16) {
        let mut keystream = feedback;
        cipher.encrypt_block(&mut keystream);
        let start = out.len();
        out.extend(chunk.iter().zip(keystream.iter()).map(|(p, k)| p ^ k));
        if chunk.len() == 16 {
            feedback.copy_from_slice(&out[start..]);
        }
    }
    Ok(out)
}

/// A new-format packet header (RFC 4880 §4.2.2, definite length) and body.
fn new_format_packet(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xC0 | tag];
    let len = body.len();
    if len < 192 {
        out.push(len as u8);
    } else if len < 8384 {
        let l = len - 192;
        out.push((l >> 8) as u8 + 192);
        out.push((l & 0xff) as u8);
    } else {
        out.push(0xff);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::PacketPile;

    fn personas() -> Vec<Cert> {
        let dir = replymatrix::corpus::default_corpora_dir().join("keys/openpgp");
        PERSONAS
            .iter()
            .map(|spec| Cert::from_file(dir.join(format!("{}.sec.asc", spec.name))).unwrap())
            .collect()
    }

    /// Every PKESK, RSA (lee, theo) and Cv25519 ECDH (the others), opens with its
    /// recipient's secret key to the session key derived from the seed; the same recipe
    /// gives the same bytes twice.
    #[test]
    fn every_pkesk_opens_with_its_recipients_key() {
        let certs = personas();
        let recipients: Vec<&Cert> = certs.iter().collect();
        let recipe = EncryptRecipe {
            seed: "crypto test",
            recipients: &recipients,
            signer: Some((
                &certs[0],
                1_777_593_600,
                HashAlgorithm::SHA256,
                SigStyle::ProtonV6,
            )),
            compress: true,
            format: DataFormat::Unicode,
            filename: None,
            plaintext: b"Hello\r\n",
            container: Container::SeipdV1,
        };
        let message = encrypt(&recipe).unwrap();
        assert_eq!(message, encrypt(&recipe).unwrap());
        let session_key = wire::derived_bytes("crypto test", "session key", 32);
        let mut opened = 0;
        for packet in PacketPile::from_bytes(&message).unwrap().children() {
            let Packet::PKESK(pkesk) = packet else {
                continue;
            };
            let handle = pkesk.recipient().unwrap();
            let key = certs
                .iter()
                .flat_map(|c| c.keys().secret())
                .find(|k| k.key().key_handle().aliases(&handle))
                .unwrap();
            let mut pair = key.key().clone().into_keypair().unwrap();
            let (algo, opened_key) = pkesk.decrypt(&mut pair, None).unwrap();
            assert_eq!(algo, Some(SymmetricAlgorithm::AES256));
            assert_eq!(&opened_key[..], &session_key[..]);
            opened += 1;
        }
        assert_eq!(opened, certs.len());
    }
}
