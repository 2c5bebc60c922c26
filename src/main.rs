use std::process::ExitCode;

use clap::Parser;
use leadrelay::{cli::Cli, commands};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("leadrelay: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("leadrelay: {error:#}");
            ExitCode::FAILURE
        }
    }
}
