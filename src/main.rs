//! Thin entry point: parse the command line, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use contact_policy_bot::cli::Cli;

fn main() -> ExitCode {
    // A .env file is optional; variables already set in the environment win. A line that
    // cannot be read stops start-up, naming the line (never silently skipping the rest).
    if let Err(err) = contact_policy_bot::cli::load_env_file() {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
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
