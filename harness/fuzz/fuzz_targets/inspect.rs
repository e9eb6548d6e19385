//! Fuzz target `inspect`: arbitrary bytes through the whole inspector with no keys.
//! Any panic, timeout or allocation past `-rss_limit_mb` is a bug: `inspect` promises that
//! bad input is data (problems), never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use replymatrix::{Inputs, inspect};

fuzz_target!(|data: &[u8]| {
    let inputs = Inputs::default();
    let inspection = inspect(data, &inputs);
    // Rendering is part of the pipeline a user runs; it must not panic either.
    let _ = replymatrix::render::inspection_text(&inspection);
});
