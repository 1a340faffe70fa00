//! Thin entry point: parse the command line, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use contact_policy_bot::cli::Cli;

fn main() -> ExitCode {
    // A .env file is optional; variables already set in the environment win.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(contact_policy_bot::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
