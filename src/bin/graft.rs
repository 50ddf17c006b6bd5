//! The native command-line program `graft` (see `graft --help`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    graft::cli::run(graft::cli::Cli::parse())
}

// The CLI is native only; the browser entry point is graft-web.
#[cfg(target_arch = "wasm32")]
fn main() {}
