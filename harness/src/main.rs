//! The `replymatrix` command line. Definitions live in `cli.rs`; bodies in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
