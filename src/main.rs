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
            let mut script = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut cli::Cli::command(),
                "bakeplan",
                &mut script,
            );
            bakeplan::out!("{}", String::from_utf8_lossy(&script));
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
