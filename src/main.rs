//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`): parser → lowerer (raw plan) → template set → resolver
//! (plan) → dependency graph → bake model + Dockerfile renderer → output set.

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
    match &cli.command {
        cli::Command::Compile(args) => commands::compile::run(args, &reporter),
        cli::Command::Bake(args) => commands::bake::run(args, &reporter),
        cli::Command::Graph(args) => commands::graph::run(args, &reporter),
        cli::Command::Affected(args) => commands::affected::run(args, &reporter),
        cli::Command::New(args) => commands::new::run(args, &reporter),
        cli::Command::Templates(args) => commands::templates::run(args, &reporter),
        cli::Command::Lint(args) => commands::lint::run(args, &reporter),
        cli::Command::Import(args) => commands::import::run(args, &reporter),
        cli::Command::Init(args) => commands::init::run(args, &reporter),
        cli::Command::Completions(args) => {
            use clap::CommandFactory as _;
            clap_complete::generate(
                args.shell,
                &mut cli::Cli::command(),
                "bakeplan",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}
