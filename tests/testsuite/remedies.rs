//! Remedies: the catalogue as data with evidence, every remedy of the corpus proved through
//! the ordinary profile loader (a real TOML file), the seed scene's remedies, a user's own
//! profile, and the generated docs page.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use replymatrix::clients::{ClientId, Message, evaluate};
use replymatrix::corpus::default_corpora_dir;
use replymatrix::evidence::Confidence;
use replymatrix::facts::Inspection;
use replymatrix::matrix::{self, Matrix, SampleRow};
use replymatrix::profile::{KeyFiles, Profile};
use replymatrix::remedies::{self, catalogue, merge};
use replymatrix::verdict::{Actor, ClientVerdict, Outcome, Remedy, RemedyAction, Status};

use crate::support::{self, TempDir, root};

/// The matrix of the corpus under the bundled profiles, with remedies, built once.
fn built() -> &'static Matrix {
    support::bundled_matrix_with_remedies()
}

fn modes(v: &ClientVerdict) -> [(&'static str, &Outcome); 3] {
    [
        ("plain", &v.reply.plain),
        ("signed", &v.reply.signed),
        ("encrypted", &v.reply.encrypted),
    ]
}

fn mode_of<'a>(v: &'a ClientVerdict, mode: &str) -> &'a Outcome {
    match mode {
        "plain" => &v.reply.plain,
        "signed" => &v.reply.signed,
        _ => &v.reply.encrypted,
    }
}

fn row<'a>(m: &'a Matrix, id: &str) -> &'a SampleRow {
    m.samples
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("sample {id}"))
}

fn cell<'a>(m: &'a Matrix, id: &str, profile: &str, client: ClientId) -> &'a ClientVerdict {
    &row(m, id)
        .cells
        .iter()
        .find(|c| c.profile == profile && c.verdict.client == client)
        .expect("cell")
        .verdict
}

/// Loads profiles with patches applied the way an admin's tool would: the profile's TOML
/// with the patches merged, written to a real file, read by `Profile::load_file`.
struct Loader {
    dir: TempDir,
    cache: HashMap<String, Option<Rc<Profile>>>,
    /// The bundled profiles as loaded, by name (for their evaluation time).
    bundled: HashMap<String, Profile>,
}

impl Loader {
    fn new() -> Self {
        Self {
            dir: TempDir::new("remedies"),
            cache: HashMap::new(),
            bundled: HashMap::new(),
        }
    }

    fn load(
        &mut self,
        profile: &str,
        patches: &[&str],
        message: &Inspection,
    ) -> Option<Rc<Profile>> {
        let corpora = default_corpora_dir();
        let bundled = self.bundled.entry(profile.to_owned()).or_insert_with(|| {
            Profile::load_named(profile, &corpora.join("profiles"), &corpora.join("keys"))
                .expect("profile")
        });
        let signer = signer_of(message, bundled);
        let key = format!(
            "{profile}|{}|{}",
            patches.join("|"),
            signer.as_ref().map_or("", |s| s.fingerprint.as_str())
        );
        if let Some(p) = self.cache.get(&key) {
            return p.clone();
        }
        let base =
            std::fs::read_to_string(corpora.join("profiles").join(format!("{profile}.toml")))
                .expect("profile file");
        let mut table: toml::Table = toml::from_str(&base).expect("profile TOML");
        for p in patches {
            merge(&mut table, &toml::from_str(p).expect("patch TOML"));
        }
        let path = self.dir.path(&format!("{}.toml", self.cache.len()));
        std::fs::write(&path, toml::to_string(&table).expect("TOML")).expect("write profile");
        let files = KeyFiles {
            beside: None,
            keys_dir: Some(corpora.join("keys")),
            message_signer: signer.map(Box::new),
        };
        let loaded = Profile::load_file(&path, &files).ok().map(Rc::new);
        self.cache.insert(key, loaded.clone());
        loaded
    }
}

/// The certificate the message carries for its sender (what `{message-signer}` names).
fn signer_of(message: &Inspection, p: &Profile) -> Option<replymatrix::facts::CertificateFacts> {
    let from = message.from.as_deref()?;
    Message::new(message)
        .harvestable_certificate(from, p.evaluation_time)
        .cloned()
}

/// Whether these actions make the outcome `yes`: the patches applied to the profile, on the
/// sibling sample a sender action names, in the client a client choice names.
fn works(
    m: &Matrix,
    loader: &mut Loader,
    sample: &SampleRow,
    profile: &str,
    client: ClientId,
    mode: &str,
    actions: &[&RemedyAction],
) -> bool {
    let message = actions
        .iter()
        .find_map(|a| a.sample.as_deref())
        .map_or(&sample.inspect, |id| &row(m, id).inspect);
    let client = actions.iter().find_map(|a| a.client).unwrap_or(client);
    let patches: Vec<&str> = actions
        .iter()
        .filter_map(|a| a.profile_patch.as_deref())
        .collect();
    let Some(p) = loader.load(profile, &patches, message) else {
        return false;
    };
    mode_of(&evaluate(client, message, &p), mode).status == Status::Yes
}

#[test]
fn every_remedy_makes_its_outcome_yes_and_no_proper_subset_does() {
    let m = built();
    let mut loader = Loader::new();
    let (mut remedies_proved, mut subsets_refuted, mut none) = (0, 0, 0);
    for sample in &m.samples {
        for c in &sample.cells {
            let v = &c.verdict;
            for (mode, o) in modes(v) {
                let at = format!("{} {} {} {mode}", sample.id, c.profile, v.client);
                match o.status {
                    Status::No | Status::Partial => {
                        let list = o
                            .remedies
                            .as_ref()
                            .unwrap_or_else(|| panic!("{at}: searched"));
                        assert_eq!(list.is_empty(), o.no_remedy.is_some(), "{at}: no_remedy");
                        none += usize::from(list.is_empty());
                    }
                    _ => assert!(o.remedies.is_none() && o.no_remedy.is_none(), "{at}"),
                }
                for r in o.remedies.iter().flatten() {
                    let all: Vec<&RemedyAction> = r.actions.iter().collect();
                    assert!((1..=remedies::MAX_ACTIONS).contains(&all.len()), "{at}");
                    assert!(
                        works(m, &mut loader, sample, &c.profile, v.client, mode, &all),
                        "{at}: {} does not make it yes",
                        r.ids()
                    );
                    remedies_proved += 1;
                    for mask in 0..(1u32 << all.len()) - 1 {
                        let subset: Vec<&RemedyAction> = all
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, a)| *a)
                            .collect();
                        // The empty set is the outcome itself, which is not yes.
                        assert!(
                            !works(m, &mut loader, sample, &c.profile, v.client, mode, &subset),
                            "{at}: {} is not minimal: {} works",
                            r.ids(),
                            subset
                                .iter()
                                .map(|a| a.id.as_str())
                                .collect::<Vec<_>>()
                                .join("+")
                        );
                        subsets_refuted += 1;
                    }
                }
            }
        }
    }
    eprintln!(
        "remedies: {remedies_proved} proved, {subsets_refuted} proper subsets refuted, {none} outcomes with no remedy"
    );
    assert!(remedies_proved > 500, "{remedies_proved} remedies");
}

#[test]
fn the_snapshot_line_names_the_best_remedy() {
    let m = built();
    let text = matrix::snapshot_text(row(m, "proton/pgp-mime-signed"));
    let line = text
        .lines()
        .find(|l| l.starts_with("owa") && l.contains("seed-tenant ") && l.contains(" plain "))
        .expect("OWA plain line");
    assert!(line.ends_with(" fix=cc-classic-outlook"), "{line}");
    let none = m
        .samples
        .iter()
        .flat_map(|r| &r.cells)
        .flat_map(|c| modes(&c.verdict))
        .find(|(_, o)| o.remedies.as_ref().is_some_and(Vec::is_empty));
    assert!(none.is_some(), "some outcome has no remedy (fix=none)");
}

fn ids(r: &Remedy) -> Vec<&str> {
    r.actions.iter().map(|a| a.id.as_str()).collect()
}

/// The seed: a Proton PGP/MIME-signed message, a tenant without S/MIME. For a plain reply in
/// OWA and New Outlook nothing on the recipient's side helps (the models: Exchange classes
/// the item S/MIME and no S/MIME control parses an OpenPGP signature); answering in Classic
/// Outlook does, and so does the sender turning "Sign external messages" off.
#[test]
fn seed_proton_signed_plain_reply_in_owa_and_new_outlook() {
    let m = built();
    for client in [ClientId::Owa, ClientId::NewOutlook] {
        let o = &cell(m, "proton/pgp-mime-signed", "seed-tenant", client)
            .reply
            .plain;
        assert_eq!(o.status, Status::No);
        let list = o.remedies.as_ref().expect("searched");
        let found: Vec<Vec<&str>> = list.iter().map(ids).collect();
        assert_eq!(found[0], ["cc-classic-outlook"], "{client}: {found:?}");
        assert!(
            found.contains(&vec!["sender:proton/plain"]),
            "{client}: {found:?}"
        );
        for r in list {
            // Nothing in the client and environment asked: a client choice or the sender.
            assert!(
                r.actions
                    .iter()
                    .any(|a| matches!(a.actor, Actor::ClientChoice | Actor::Sender)),
                "{client}: {}",
                r.ids()
            );
            // Honest confidence: Classic's plain reply rule and the sender's setting are
            // inferred.
            assert_eq!(r.confidence, Confidence::Inferred, "{client}: {}", r.ids());
        }
        let classic = &list[0];
        assert_eq!(classic.actions[0].client, Some(ClientId::ClassicOutlook));
        assert!(classic.actions[0].profile_patch.is_none());
        let sender = list
            .iter()
            .find(|r| ids(r) == ["sender:proton/plain"])
            .expect("sender remedy");
        assert_eq!(sender.actions[0].sample.as_deref(), Some("proton/plain"));
        assert_eq!(sender.actions[0].actor, Actor::Sender);
        for tried in [
            "rc-get-digital-id",
            "ta-force-smime-extension",
            "ta-upload-sst",
            "wa-install-gpg4win",
        ] {
            assert!(
                o.not_helping.iter().any(|id| id == tried),
                "{client}: {tried} would not help: {:?}",
                o.not_helping
            );
        }
    }
}

/// An external S/MIME-signed message under the seed tenant: an encrypted reply in OWA needs
/// the user's certificate, a mail contact with the sender's certificate and the extension, in
/// the admin's order (research chain 1); uploading a root to the SST does not help it.
#[test]
fn seed_smime_signed_encrypted_reply_in_owa_is_a_chain() {
    let m = built();
    let o = &cell(
        m,
        "outlook/clear-signed-sha256",
        "seed-tenant",
        ClientId::Owa,
    )
    .reply
    .encrypted;
    assert_eq!(o.status, Status::No);
    let list = o.remedies.as_ref().expect("searched");
    let chain = list
        .iter()
        .find(|r| {
            r.actions
                .iter()
                .all(|a| a.client.is_none() && a.sample.is_none())
        })
        .expect("a remedy in OWA itself");
    assert_eq!(
        ids(chain),
        [
            "rc-get-digital-id",
            "ta-mailcontact-with-cert",
            "ta-force-smime-extension"
        ]
    );
    let actors: Vec<Actor> = chain.actions.iter().map(|a| a.actor).collect();
    assert_eq!(
        actors,
        [Actor::Recipient, Actor::TenantAdmin, Actor::TenantAdmin]
    );
    let contact = chain.actions[1].profile_patch.as_deref().expect("patch");
    assert!(contact.contains("dana@fabrikam.example") && contact.contains("{message-signer}"));
    assert!(chain.actions[1].procedure.contains("Set-MailContact"));
    // The resulting yes rests on inferred rules (owa.encrypt.gal-only, ...): honest.
    assert_eq!(chain.confidence, Confidence::Inferred);
    assert!(
        chain
            .rules
            .iter()
            .any(|r| r.as_str() == "owa.encrypt.mail-contact")
    );
    assert!(o.not_helping.iter().any(|id| id == "ta-upload-sst"));
    assert!(
        o.not_helping
            .iter()
            .any(|id| id == "rc-classic-add-contact-cert")
    );
}

#[test]
fn the_catalogue_cites_the_research_and_its_patches_are_profile_fragments() {
    let research = support::shared_file("research/remedies.md");
    let clients = support::shared_file("research/microsoft-clients.md");
    let mac_mobile = support::shared_file("research/microsoft-clients-mac-mobile.md");
    let text = match (research, clients, mac_mobile) {
        (Some(a), Some(b), Some(c)) => Some(format!("{a}\n{b}\n{c}")),
        _ => None,
    };
    let corpora = default_corpora_dir();
    let base: toml::Table = toml::from_str(
        &std::fs::read_to_string(corpora.join("profiles/seed-tenant.toml")).expect("profile"),
    )
    .expect("TOML");
    let mut ids: Vec<&str> = Vec::new();
    for a in catalogue() {
        ids.push(&a.id);
        assert!(!a.evidence.is_empty(), "{}: evidence", a.id);
        for e in &a.evidence {
            assert!(
                !e.quote.is_empty() && e.quote.split_whitespace().count() <= 30,
                "{}: quote",
                a.id
            );
            if let Some(t) = &text {
                assert!(
                    t.contains(&e.url),
                    "{}: {} is not in the research files",
                    a.id,
                    e.url
                );
            }
        }
        if let Some(t) = &text {
            // Ids are the research catalogue's, except the split of a certificate's key
            // location (smart card) and the client choices for the modelled clients.
            assert!(
                t.contains(&format!("`{}`", a.id))
                    || [
                        "rc-get-digital-id-smart-card",
                        "ta-owa-encryption-aes256",
                        "ta-owa-smart-card-off",
                        "cc-new-outlook",
                        "cc-owa",
                        // The mobile and Mac clients' actions (issue 17), with evidence from
                        // research/microsoft-clients-mac-mobile.md.
                        "cc-outlook-mac",
                        "cc-outlook-mobile",
                        "rc-mac-contact-sender-cert",
                        "rc-mac-keychain-identity",
                        "rc-mobile-install-sender-cert",
                        "rc-mobile-manual-pfx",
                        "rc-mobile-turn-on-smime",
                        "ta-mobile-app-config-smime",
                        "ta-mobile-intune-certificates",
                        "ta-publish-crl",
                        "wa-mac-allow-unmatched-address",
                        "wa-mac-enable-smime-compose",
                        "wa-mac-trust-root-keychain",
                    ]
                    .contains(&a.id.as_str()),
                "{}: not an id of the research catalogue",
                a.id
            );
        }
        if let Some(patch) = &a.patch {
            let filled = patch
                .replace("{sender-address}", "x@example.org")
                .replace("{own-certificate}", "x509/robin-public.cert.pem")
                .replace("{own-root}", "x509/public-root-ca.cert.pem")
                .replace("{sender-root}", "x509/enterprise-root-ca.cert.pem")
                .replace("{sender-openpgp-key}", "openpgp/pat.pub.asc")
                .replace("{own-openpgp-key}", "openpgp/robin.sec.asc");
            let mut t = base.clone();
            assert!(
                merge(&mut t, &toml::from_str(&filled).expect("patch")),
                "{}: changes nothing",
                a.id
            );
            let p = Profile::parse(&toml::to_string(&t).expect("TOML"), Path::new(&a.id));
            assert!(p.is_ok(), "{}: not a profile fragment: {:?}", a.id, p.err());
        }
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "ids are unique");
    // The list: each kind of change is there.
    for needed in [
        "ta-upload-sst",
        "ta-mailcontact-with-cert",
        "ta-owa-sign-sha256",
        "ta-publish-user-cert",
        "ta-force-smime-extension",
        "rc-get-digital-id",
        "rc-get-digital-id-smart-card",
        "wa-trust-root-gpo",
        "wa-install-gpg4win",
        "rc-gpgol-add-sender-key",
        "rc-classic-add-contact-cert",
        "cc-classic-outlook",
    ] {
        assert!(ids.contains(&needed), "{needed}");
    }
    // A broken catalogue says why.
    assert!(remedies::parse_catalogue("[[action]]\nid = \"x\"\nunknown = 1\n").is_err());
}

#[test]
fn remedies_doc_is_current() {
    let path = root().join("docs/remedies.md");
    let want = replymatrix::docs::remedies_markdown();
    if std::env::var("UPDATE_REMEDIES").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).expect("write docs/remedies.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/remedies.md is stale: run `UPDATE_REMEDIES=1 cargo test --test testsuite remedies::remedies_doc`"
    );
}

/// A tenant's own profile, given by path: its remedies name its own files, and the patched
/// profile, written beside it, loads and makes the reply yes.
#[test]
fn a_profile_given_by_path_gets_remedies_in_its_own_paths() {
    let corpora = default_corpora_dir();
    let tmp = TempDir::new("remedies-user");
    std::fs::create_dir_all(tmp.path("certs")).expect("certs dir");
    for (from, to) in [
        ("x509/robin-enterprise.cert.pem", "certs/me.cert.pem"),
        ("x509/enterprise-root-ca.cert.pem", "certs/our-root.pem"),
        ("x509/public-root-ca.cert.pem", "certs/public-root.pem"),
    ] {
        std::fs::copy(corpora.join("keys").join(from), tmp.path(to)).expect("copy");
    }
    let profile_path = tmp.path("tenant.toml");
    std::fs::write(
        &profile_path,
        "name = \"tenant\"\n\
         [recipient]\n\
         address = \"robin@northwind.example\"\n\
         certificates = [{ cert = \"certs/me.cert.pem\", private_key = \"none\" }]\n\
         [workstation]\n\
         windows_trusted_roots = [\"certs/public-root.pem\", \"certs/our-root.pem\"]\n",
    )
    .expect("write profile");
    let eml = corpora.join("senders/outlook/clear-signed-sha256.eml");
    let out = Command::new(env!("CARGO_BIN_EXE_replymatrix"))
        .args(["explain", "--format", "json", "--profile"])
        .arg(&profile_path)
        .arg(&eml)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: replymatrix::explain::Explanation =
        serde_json::from_slice(&out.stdout).expect("explain JSON");
    let owa = e
        .clients
        .iter()
        .find(|c| c.client == ClientId::Owa)
        .expect("owa");
    let signed = owa.reply.signed.remedies.as_ref().expect("searched");
    let chain = signed
        .iter()
        .find(|r| {
            r.actions
                .iter()
                .all(|a| a.client.is_none() && a.sample.is_none())
        })
        .expect("a remedy in OWA");
    assert_eq!(
        ids(chain),
        [
            "rc-get-digital-id",
            "ta-upload-sst",
            "ta-force-smime-extension"
        ]
    );
    let patches: Vec<&str> = chain
        .actions
        .iter()
        .filter_map(|a| a.profile_patch.as_deref())
        .collect();
    assert!(
        patches[0].contains("\"certs/me.cert.pem\""),
        "{}",
        patches[0]
    );
    assert!(
        patches[1].contains("\"certs/our-root.pem\""),
        "{}",
        patches[1]
    );
    assert!(patches.iter().all(|p| !p.contains("x509/")), "{patches:?}");
    // Applied beside the profile, through the loader, the signed reply is yes.
    let mut table: toml::Table =
        toml::from_str(&std::fs::read_to_string(&profile_path).expect("read")).expect("TOML");
    for p in &patches {
        merge(&mut table, &toml::from_str(p).expect("patch"));
    }
    let changed = tmp.path("tenant-changed.toml");
    std::fs::write(&changed, toml::to_string(&table).expect("TOML")).expect("write");
    let p = Profile::find(changed.to_str().expect("utf-8"), None, None).expect("loads");
    let inspection = replymatrix::inspect(
        &std::fs::read(&eml).expect("eml"),
        &replymatrix::Inputs::default(),
    );
    assert_eq!(
        evaluate(ClientId::Owa, &inspection, &p).reply.signed.status,
        Status::Yes
    );
    // The text form says it too.
    let text = Command::new(env!("CARGO_BIN_EXE_replymatrix"))
        .args(["explain", "--profile"])
        .arg(&profile_path)
        .arg(&eml)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("What would make it work"), "{text}");
    assert!(text.contains("What would not help"), "{text}");
}
