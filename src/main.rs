//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`), one folder per stage: `plan` (parse → lower into the raw plan
//! → template set → resolve into the plan) → `graph` → `emit` (bake model + Dockerfiles →
//! output set); `commands` run it and report.

mod cli;
mod commands;
mod compiler;
mod emit;
mod graph;
mod plan;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the kdl parser allocates heavily, from several threads at once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let reporter = commands::reporter::Reporter::new(cli.color);
    let result = match &cli.command {
        cli::Command::Compile(args) => commands::compile::run(args, &reporter),
        cli::Command::Bake(args) => commands::bake::run(args, &reporter),
        cli::Command::Graph(args) => commands::graph::run(args, &reporter),
        cli::Command::Affected(args) => commands::affected::run(args, &reporter),
        cli::Command::New(args) => commands::new::run(args, &reporter),
        cli::Command::Templates(args) => commands::templates::run(args),
        cli::Command::Lint(args) => commands::lint::run(args, &reporter),
        cli::Command::Builder(args) => commands::builder::run(args, &reporter),
        cli::Command::Import(args) => commands::import::run(args),
        cli::Command::Init(args) => commands::init::run(args),
        cli::Command::Completions(args) => {
            use clap::CommandFactory as _;
            clap_complete::generate(
                args.shell,
                &mut cli::Cli::command(),
                "bakeplan",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    // The one place a failure becomes an exit status (README "Exit status").
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            reporter.report(&failure);
            ExitCode::from(failure.exit_status())
        }
    }
}
