//! The command line (clap types only).

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Compile a KDL build plan into a docker-bake file and templated Dockerfiles";

const AFTER_HELP: &str = "\
Examples:
  bakeplan compile                     compile ./bakeplan.kdl
  bakeplan compile plans/huleedu/bakeplan.kdl
  bakeplan compile --check             exit 1 with a diff when generated files are stale

Exit status: 0 success; 1 `--check` found drift; 2 the plan or the command line is wrong.";

#[derive(Debug, Parser)]
#[command(name = "bakeplan", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// When to colour diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the bake file, profile overlays and every templated Dockerfile
    #[command(after_help = "\
Examples:
  bakeplan compile                     compile ./bakeplan.kdl, print what changed
  bakeplan compile infra/bakeplan.kdl  compile a plan elsewhere (paths are relative to its folder)
  bakeplan compile --check             write nothing; show a diff and exit 1 when out of date

Exit status: 0 written or in sync; 1 `--check` found drift; 2 the plan is wrong (nothing written).")]
    Compile(CompileArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// The plan file
    #[arg(default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,

    /// Write nothing; exit 1 and print a unified diff when a generated file is missing or differs
    #[arg(long)]
    pub check: bool,
}
