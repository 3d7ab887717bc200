//! The command line (clap types only).

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Compile a KDL build plan into a docker-bake file and templated Dockerfiles";

const AFTER_HELP: &str = "\
Examples:
  bakeplan compile                          compile ./bakeplan.kdl
  bakeplan compile --check                  exit 1 with a diff when generated files are stale
  bakeplan bake backend --profile ci        compile, then build the group `backend` with a profile
  bakeplan graph --format mermaid           the dependency graph as a Mermaid chart
  bakeplan affected --since origin/main     services a change touches, dependents included
  bakeplan new billing --template python-pdm --depends-on common
  bakeplan templates python-pdm             a template's parameters

Exit status: 0 success; 1 drift (`--check`), a failed build or lint warnings; 2 the plan or the
command line is wrong.";

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

    /// Compile, then build with `docker buildx bake`, streaming its progress
    #[command(after_help = "\
Examples:
  bakeplan bake                        build every service in parallel, in dependency order
  bakeplan bake content_service        one service (and what it depends on)
  bakeplan bake --profile fresh        with the `fresh` profile's overlay (e.g. no cache, pull)
  bakeplan bake --no-cache --progress plain
  bakeplan bake --affected --since origin/main
  bakeplan bake --keep-going --jobs 2  build all it can, two services at a time
  bakeplan bake --json summary.json    the per-service summary for CI
  bakeplan bake --shard 2/3            the second of three parts (CI: graph --format matrix)
  bakeplan bake --platform linux/amd64 only amd64 this time (the builder must list it)
  bakeplan bake -- --set '*.args.X=1'  pass anything after `--` to buildx bake

Each service is built by its own `docker buildx bake` once the services it depends on are built;
a summary (built, cached, failed, skipped; duration; image size) follows every bake.

Exit status: 0 built; 1 the build failed (the failing services are named); 2 plan or usage error.")]
    Bake(BakeArgs),

    /// Show the dependency graph, build waves and critical path
    #[command(after_help = "\
Examples:
  bakeplan graph                       text for a terminal
  bakeplan graph --format dot | dot -Tsvg > graph.svg
  bakeplan graph --format mermaid      paste into Markdown
  bakeplan graph --format json         stable JSON for scripts (documented in the README)
  bakeplan graph --format matrix --shards 3   a CI matrix for `bake --shard I/3`")]
    Graph(GraphArgs),

    /// List the services a change affects: matching `inputs`, plus everything depending on them
    #[command(after_help = "\
Examples:
  bakeplan affected --since origin/main                  committed and uncommitted changes
  git diff --name-only HEAD~1 | bakeplan affected --files -
  bakeplan affected --since origin/main --format json    waves for a CI matrix
  docker buildx bake $(bakeplan affected --since main --format bake)")]
    Affected(AffectedArgs),

    /// Add a service to the plan (comments and layout kept) and generate its Dockerfile
    #[command(after_help = "\
Examples:
  bakeplan new billing --template python-pdm
  bakeplan new billing --template python-pdm --context services/billing --depends-on common
  bakeplan new worker --template python-pip --from base")]
    New(NewArgs),

    /// List built-in and plan templates, or show one template's parameters
    #[command(after_help = "\
Examples:
  bakeplan templates                   every template with its description
  bakeplan templates python-pdm        its parameters, defaults and what it does")]
    Templates(TemplatesArgs),

    /// Create, remove or show a builder the plan declares (`docker buildx create [--append]`)
    #[command(after_help = "\
Examples:
  bakeplan builder create fleet --dry-run   the buildx commands `create` would run
  bakeplan builder create fleet             create it, or bring it in line with the plan
  bakeplan builder status fleet             the plan's builder next to what buildx has
  bakeplan builder rm fleet                 remove it (nothing to do when it is not there)

Exit status: 0 done (or nothing to do); 1 a docker command failed, or `status` found the
builder missing or different; 2 plan or usage error.")]
    Builder(BuilderArgs),

    /// Run the build checks of buildx on every Dockerfile of the plan
    #[command(after_help = "\
Examples:
  bakeplan lint                        check every generated and hand-written Dockerfile
  bakeplan lint --stand-in local/busybox:1

Exit status: 0 no warning; 1 a check warned; 2 plan or usage error.")]
    Lint(LintArgs),

    /// Write a plan from an existing build setup (compose files)
    #[command(after_help = "\
Examples:
  bakeplan import compose compose.yml
  bakeplan import compose compose.yml compose.prod.yml --output infra/bakeplan.kdl
  bakeplan import compose compose.yml --dry-run     print the plan, write nothing

Exit status: 0 written; 2 unreadable input, or the output file exists (never overwritten).")]
    Import(ImportArgs),

    /// Write a plan for a repository: its workspace, libraries and services
    #[command(after_help = "\
Examples:
  bakeplan init                        ./bakeplan.kdl for the repository in this folder
  bakeplan init path/to/repo --dry-run print the plan, write nothing

Exit status: 0 written; 2 nothing to build found, or bakeplan.kdl exists (never overwritten).")]
    Init(InitArgs),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  bakeplan completions bash > /etc/bash_completion.d/bakeplan
  bakeplan completions zsh > ~/.zfunc/_bakeplan
  bakeplan completions fish > ~/.config/fish/completions/bakeplan.fish")]
    Completions(CompletionsArgs),
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

#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools, reason = "one bool per buildx flag")]
pub struct BakeArgs {
    /// Services or groups to build (default: the `default` group)
    pub targets: Vec<String>,

    /// The plan file
    #[arg(short, long, default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,

    /// Apply a profile's overlay file
    #[arg(long)]
    pub profile: Vec<String>,

    /// Do not use cache when building
    #[arg(long)]
    pub no_cache: bool,

    /// Always pull referenced images
    #[arg(long)]
    pub pull: bool,

    /// Push the images (`--set *.output=type=registry`)
    #[arg(long)]
    pub push: bool,

    /// Load the images into docker (`--set *.output=type=docker`)
    #[arg(long)]
    pub load: bool,

    /// buildx progress output: auto, plain, tty, quiet, rawjson
    #[arg(long)]
    pub progress: Option<String>,

    /// Build only the services affected by changes since this git ref (needs --affected)
    #[arg(long, requires = "affected")]
    pub since: Option<String>,

    /// Build the services affected by changes (with --since)
    #[arg(long, requires = "since")]
    pub affected: bool,

    /// Build every service that does not depend on a failure (default: stop at the first one)
    #[arg(long)]
    pub keep_going: bool,

    /// Build at most N services at once (default: no limit)
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Build for these platforms instead of the plan's (repeatable or comma-separated)
    #[arg(long, value_name = "PLATFORM", value_delimiter = ',')]
    pub platform: Vec<String>,

    /// Build on this builder (one of the plan's, or any `docker buildx ls` lists)
    #[arg(long, value_name = "NAME")]
    pub builder: Option<String>,

    /// Build the I-th of N parts of the graph, pushing it; dependencies another part builds
    /// are taken from the registry by digest (see `graph --format matrix`)
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,

    /// With --shard: how long to wait for another shard's image to reach the registry
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1800,
        requires = "shard"
    )]
    pub shard_wait: u64,

    /// Write the summary as JSON to FILE (`-`: standard output)
    #[arg(long, value_name = "FILE")]
    pub json: Option<Utf8PathBuf>,

    /// Arguments passed to `docker buildx bake` as they are
    #[arg(last = true)]
    pub buildx_args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
    Json,
    /// The shards of `bake --shard` as a GitHub Actions matrix (with --shards N)
    Matrix,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The plan file
    #[arg(default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,

    /// How many shards `--format matrix` splits the services into
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub shards: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AffectedFormat {
    /// One service per line
    Names,
    /// `{"services": [...], "waves": [[...]]}` for a CI matrix
    Json,
    /// The target list for `docker buildx bake`
    Bake,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("changes").required(true).args(["since", "files"]))]
pub struct AffectedArgs {
    /// The plan file
    #[arg(default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,

    /// Changed files from git: committed since REF, plus uncommitted and untracked ones
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,

    /// Changed files listed one per line in FILE (`-`: standard input), relative to the plan folder
    #[arg(long, value_name = "FILE")]
    pub files: Option<Utf8PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = AffectedFormat::Names)]
    pub format: AffectedFormat,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The new service's name
    pub name: String,

    /// The template to render its Dockerfile from
    #[arg(long)]
    pub template: String,

    /// Its build context (default: services/NAME)
    #[arg(long)]
    pub context: Option<String>,

    /// A service it depends on (repeatable)
    #[arg(long)]
    pub depends_on: Vec<String>,

    /// A service (or image) it is built from
    #[arg(long)]
    pub from: Option<String>,

    /// The plan file
    #[arg(short, long, default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuilderAction {
    /// Run the `docker buildx create [--append]` commands the builder stands for
    Create,
    /// Remove the builder
    Rm,
    /// Show the builder as declared and as buildx has it
    Status,
}

#[derive(Debug, clap::Args)]
pub struct BuilderArgs {
    /// What to do
    #[arg(value_enum)]
    pub action: BuilderAction,

    /// The builder's name in the plan
    pub name: String,

    /// Print the commands without running them
    #[arg(long)]
    pub dry_run: bool,

    /// The plan file
    #[arg(short, long, default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct TemplatesArgs {
    /// A template to describe in full
    pub name: Option<String>,

    /// The plan file (for its `template-dir`; built-ins are listed without one)
    #[arg(short, long, default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The plan file
    #[arg(default_value = "bakeplan.kdl")]
    pub plan: Utf8PathBuf,

    /// Image standing in for every base image and `target:` context during the checks
    #[arg(long, default_value = "local/busybox:1")]
    pub stand_in: String,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Compose files, merged as `docker compose -f A -f B` merges them
    Compose(ImportComposeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportComposeArgs {
    /// The compose files, in `-f` order
    #[arg(required = true)]
    pub files: Vec<Utf8PathBuf>,

    /// Where to write the plan (default: bakeplan.kdl beside the first file)
    #[arg(short, long)]
    pub output: Option<Utf8PathBuf>,

    /// Print the plan instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The repository's folder
    #[arg(default_value = ".")]
    pub dir: Utf8PathBuf,

    /// Print the plan instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}
