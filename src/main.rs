//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`): parser → lowerer (raw plan) → template set → resolver
//! (plan) → dependency graph → bake model + Dockerfile renderer → output set.

mod bake_model;
mod bake_string;
mod cli;
mod compile_command;
mod compiler;
mod dependency_graph;
mod dockerfile_renderer;
mod hcl_writer;
mod lowerer;
mod marker;
mod node_splitter;
mod output_set;
mod parser;
mod plan;
mod plan_error;
mod plan_path;
mod plan_source;
mod raw_plan;
mod reporter;
mod resolver;
mod spanned;
mod suggestion;
mod template_context;
mod template_set;

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
    }
}
