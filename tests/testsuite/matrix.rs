//! The committed `MATRIX.md` is what `replymatrix matrix --format md` prints now.

use replymatrix::corpus::default_corpora_dir;
use replymatrix::matrix;

#[test]
fn committed_matrix_md_is_current() {
    let built = crate::support::bundled_matrix();
    let path = crate::support::root().join("MATRIX.md");
    if std::env::var_os("UPDATE_MATRIX").is_some() {
        std::fs::write(&path, matrix::markdown(built)).expect("write MATRIX.md");
    }
    // The same words as `replymatrix corpus check`: the rows that differ and the command.
    let findings = replymatrix::curate::matrix_md_findings(&path, built);
    assert!(
        findings.is_empty(),
        "{}",
        findings
            .iter()
            .map(|f| format!("{}\nfix: {}", f.problem, f.fix))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn building_twice_gives_the_same_matrix() {
    let corpora = default_corpora_dir();
    let profiles = matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys"))
        .expect("profiles load");
    // One build here, one shared by the other tests (built on another thread, or first).
    let a = matrix::build(&corpora, &profiles).expect("matrix builds");
    let b = crate::support::bundled_matrix();
    assert!(
        a == *b,
        "two builds differ:\n{}",
        crate::support::matrix_changes(&a, b)
    );
    assert!(
        matrix::markdown(&a) == matrix::markdown(b),
        "MATRIX.md differs between builds"
    );
}
