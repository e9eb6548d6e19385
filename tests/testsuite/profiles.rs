//! Profiles outside the source tree: the bundled set is exactly `corpora/profiles/` and the
//! keys those profiles name; a tenant's own profile names files beside itself; a profile is
//! found by name with or without `.toml`, and an unknown one is refused with the choices.

use std::collections::BTreeSet;

use replymatrix::profile::{Profile, bundled};

use crate::support::{TempDir, corpora, keys_dir};

#[test]
fn the_bundled_profiles_are_corpora_profiles_and_the_keys_they_name() {
    let dir = corpora().join("profiles");
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("corpora/profiles") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("profile");
            assert_eq!(
                bundled::profile(&name),
                Some(text.as_str()),
                "{name}: add it to the bundle! list in harness/src/profile/bundled.rs"
            );
            on_disk.insert(name);
        }
    }
    let in_binary: BTreeSet<String> = bundled::PROFILES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    assert_eq!(
        in_binary, on_disk,
        "harness/src/profile/bundled.rs lists other profiles than corpora/profiles/"
    );

    // The keys: every file a bundled profile names, and the defaults a profile gets without
    // naming any (the Windows root).
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for (name, text) in bundled::PROFILES {
        let profile = Profile::parse(text, std::path::Path::new(name)).expect("parses");
        needed.extend(profile.file_paths().into_iter().map(str::to_owned));
    }
    let bare = Profile::parse(
        "name = \"bare\"\n[recipient]\naddress = \"a@b.example\"\n",
        std::path::Path::new("bare.toml"),
    )
    .expect("parses");
    needed.extend(bare.file_paths().into_iter().map(str::to_owned));
    let bundled_keys: BTreeSet<String> =
        bundled::KEYS.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(
        bundled_keys, needed,
        "harness/src/profile/bundled.rs must list exactly the keys the bundled profiles name"
    );
    for (path, bytes) in bundled::KEYS {
        let on_disk = std::fs::read(keys_dir().join(path)).expect("key file");
        assert_eq!(*bytes, on_disk.as_slice(), "{path}");
    }
}

#[test]
fn a_bundled_profile_loads_without_the_source_tree_and_equals_the_folder_one() {
    for (name, _) in bundled::PROFILES {
        let from_binary = Profile::find(name, None, None).expect("bundled profile loads");
        let from_folder = Profile::load(
            &corpora().join(format!("profiles/{name}.toml")),
            &keys_dir(),
        )
        .expect("folder profile loads");
        assert_eq!(from_binary.resolved, from_folder.resolved, "{name}");
        // Named with its file name, too.
        let by_file_name = Profile::find(&format!("{name}.toml"), None, None).expect("by .toml");
        assert_eq!(by_file_name.name, *name);
    }
    let err = Profile::find("seed-tenent", None, None)
        .expect_err("unknown")
        .to_string();
    for name in ["seed-tenant", "smime-tenant", "gpgol-workstation"] {
        assert!(err.contains(name), "the error lists the choices: {err}");
    }
}

#[test]
fn a_tenant_profile_names_its_own_files_beside_it_and_the_bundled_keys_after() {
    let tmp = TempDir::new("own-profile");
    std::fs::create_dir_all(tmp.path("certs")).expect("dir");
    std::fs::copy(
        keys_dir().join("x509/enterprise-root-ca.cert.pem"),
        tmp.path("certs/our-root.pem"),
    )
    .expect("copy");
    let profile_path = tmp.path("our-tenant.toml");
    std::fs::write(
        &profile_path,
        "name = \"our-tenant\"\n[recipient]\naddress = \"robin@northwind.example\"\n\
         [tenant]\nsst_roots = [\"certs/our-root.pem\"]\n",
    )
    .expect("write");
    // Beside the profile file, whatever the current folder; the default Windows root still
    // comes from the bundled keys.
    let p = Profile::find(profile_path.to_str().expect("utf-8"), None, None).expect("loads");
    assert_eq!(p.resolved.sst_roots.len(), 1);
    assert!(
        p.resolved.sst_roots[0].subject.contains("Enterprise"),
        "{:?}",
        p.resolved.sst_roots[0].subject
    );
    assert_eq!(p.resolved.windows_roots.len(), 1);

    // A file that is nowhere: the error says where it looked.
    std::fs::write(
        &profile_path,
        "name = \"our-tenant\"\n[recipient]\naddress = \"robin@northwind.example\"\n\
         [tenant]\nsst_roots = [\"certs/missing.pem\"]\n",
    )
    .expect("write");
    let err = Profile::find(profile_path.to_str().expect("utf-8"), None, None)
        .expect_err("missing file")
        .to_string();
    assert!(
        err.contains("certs/missing.pem") && err.contains("beside the profile file"),
        "{err}"
    );
}
