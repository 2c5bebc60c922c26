use std::process::ExitCode;

use clap::Parser;
use leadrelay::{cli::Cli, commands};

/// mimalloc instead of the system allocator: the request path allocates many
/// small, short-lived values across threads, where glibc's malloc spent about
/// a sixth of intake's CPU (perf; see BENCHMARKS.md). Built with `no_thp`: its
/// `MADV_HUGEPAGE` advice on arenas made peak RSS under load about 14 MiB higher
/// (61 → 47 MiB) on kernels with THP in `madvise` mode, for no measured speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
