//! The `replymatrix` command line: definitions in `cli.rs`, bodies in `commands.rs`.

use clap::Parser;

mod cli;
mod commands;

fn main() -> std::process::ExitCode {
    commands::run(cli::Cli::parse())
}
