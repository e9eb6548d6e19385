//! The committed `MATRIX.md` is what `replymatrix matrix --format md` prints now.

use replymatrix::corpus::default_corpora_dir;
use replymatrix::matrix;

#[test]
fn committed_matrix_md_is_current() {
    let corpora = default_corpora_dir();
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
        .expect("profiles load");
    let built = matrix::build(&corpora, &profiles).expect("matrix builds");
    let fresh = matrix::markdown(&built);
    let path = crate::support::root().join("MATRIX.md");
    if std::env::var_os("UPDATE_MATRIX").is_some() {
        std::fs::write(&path, &fresh).expect("write MATRIX.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "MATRIX.md is stale: run `UPDATE_MATRIX=1 cargo test --test testsuite matrix::` (or \
         `cargo run -- matrix --format md > MATRIX.md`) and review the diff"
    );
}

#[test]
fn building_twice_gives_the_same_matrix() {
    let corpora = default_corpora_dir();
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
        .expect("profiles load");
    let a = matrix::build(&corpora, &profiles).expect("matrix builds");
    let b = matrix::build(&corpora, &profiles).expect("matrix builds");
    assert_eq!(a, b);
    assert_eq!(matrix::markdown(&a), matrix::markdown(&b));
}
