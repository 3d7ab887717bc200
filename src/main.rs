//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`): parser → lowerer (raw plan) → template set → resolver
//! (plan) → dependency graph → bake model + Dockerfile renderer → output set.

mod affected;
mod affected_command;
mod bake_command;
mod bake_model;
mod bake_string;
mod cli;
mod compile_command;
mod compiler;
mod dependency_graph;
mod docker;
mod dockerfile_renderer;
mod graph_command;
mod graph_format;
mod graph_view;
mod hcl_writer;
mod lint_command;
mod lowerer;
mod marker;
mod new_command;
mod node_splitter;
mod output_set;
mod parser;
mod plan;
mod plan_editor;
mod plan_error;
mod plan_path;
mod plan_source;
mod raw_plan;
mod reporter;
mod resolver;
mod session;
mod spanned;
mod suggestion;
mod template_context;
mod template_set;
mod templates_command;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the kdl parser allocates heavily, from several threads at once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let reporter = reporter::Reporter::new(cli.color);
    match &cli.command {
        cli::Command::Compile(args) => compile_command::run(args, &reporter),
        cli::Command::Bake(args) => bake_command::run(args, &reporter),
        cli::Command::Graph(args) => graph_command::run(args, &reporter),
        cli::Command::Affected(args) => affected_command::run(args, &reporter),
        cli::Command::New(args) => new_command::run(args, &reporter),
        cli::Command::Templates(args) => templates_command::run(args, &reporter),
        cli::Command::Lint(args) => lint_command::run(args, &reporter),
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
