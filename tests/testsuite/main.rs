//! The integration tests: one binary, one module per subject (the layout of cargo's own
//! `tests/testsuite`). A binary per file linked sequoia and the crypto crates once each;
//! one binary links them once.
//!
//! Run one module with `cargo test --test testsuite models::`, one test with
//! `cargo test --test testsuite models::rules_doc_is_current`.

mod support;

mod architecture;
mod cli;
mod corpus;
mod crosscheck;
mod hostile;
mod hostile_cms_pgp;
mod html_browser;
mod independent;
mod inputs;
mod matrix;
mod matrix_exports;
mod mobile_mac;
mod models;
mod observations;
mod openpgp;
mod outlook_items;
mod pgp_corpus;
mod profiles;
mod properties;
mod pst;
mod remedies;
mod rfc9580;
mod scan;
mod schemas;
mod seed;
mod smime;
mod smime_corpus;
mod snapshots;
mod spoofing;
mod workflows;
