//! The `bakeplan` executable: parses the command line and dispatches to `bakeplan::commands`
//! (the library, `lib.rs`, holds the pipeline).

use std::process::ExitCode;

use bakeplan::{cli, commands};

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
