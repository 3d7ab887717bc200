//! `bakeplan builder create|rm|status NAME`: the buildx commands a plan's `builder` stands for.
//!
//! A `docker-container`, `remote` or `kubernetes` builder is `docker buildx create --name NAME
//! --driver D --node N [--platform P]… [--driver-opt K=V]… [ENDPOINT]` for its first node and
//! the same with `--append` for each other one; buildx updates a node that exists when `--node`
//! is given, so running them again changes nothing. Nodes buildx has that the plan no longer
//! lists leave (`--leave --node`). A `docker` builder is a docker context (`docker context
//! create NAME --docker host=ENDPOINT`): buildx cannot create one. File driver options are
//! made absolute from the plan's folder, since buildx keeps them as written.

use std::process::Command;

use camino::Utf8PathBuf;

use crate::cli::{BuilderAction, BuilderArgs};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::plan::model::{Builder, FILE_DRIVER_OPTS, Plan};
use crate::plan::suggestion::did_you_mean;

pub fn run(args: &BuilderArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    let plan = &session.compilation.plan;
    let builder = declared(plan, &args.name)?;
    let folder = session
        .source
        .dir
        .canonicalize_utf8()
        .unwrap_or_else(|_| session.source.dir.clone());
    let existing = Existing::read(builder);
    match args.action {
        BuilderAction::Create => {
            let commands = create_commands(builder, &folder, &existing);
            execute(
                &commands,
                args.dry_run,
                &format!("builder `{}` is up to date", builder.name),
            )
        }
        BuilderAction::Rm => {
            let commands = rm_commands(builder, &existing);
            execute(
                &commands,
                args.dry_run,
                &format!("builder `{}` does not exist", builder.name),
            )
        }
        BuilderAction::Status => status(builder, &existing),
    }
}

/// The plan's builder of this name, or a usage error naming the others.
pub fn declared<'a>(plan: &'a Plan, name: &str) -> Result<&'a Builder, CommandError> {
    plan.builders
        .iter()
        .find(|builder| builder.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = plan
                .builders
                .iter()
                .map(|builder| builder.name.as_str())
                .collect();
            let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                if names.is_empty() {
                    "the plan declares no builder".to_owned()
                } else {
                    format!("the builders are: {}", names.join(", "))
                }
            });
            CommandError::Usage(format!("no builder is named `{name}` in the plan; {hint}"))
        })
}

/// What docker has under the builder's name now.
#[derive(Debug, Default)]
struct Existing {
    /// For a `docker` builder: the context's endpoint.
    context: Option<String>,
    /// For the others: buildx's builder, its nodes and their platforms.
    nodes: Option<Vec<(String, String, Vec<String>)>>,
}

impl Existing {
    fn read(builder: &Builder) -> Self {
        if builder.driver == "docker" {
            let output = Command::new("docker")
                .args([
                    "context",
                    "inspect",
                    &builder.name,
                    "--format",
                    "{{.Endpoints.docker.Host}}",
                ])
                .output();
            return Self {
                context: output
                    .ok()
                    .filter(|output| output.status.success())
                    .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned()),
                nodes: None,
            };
        }
        let Ok(output) = Command::new("docker")
            .args(["buildx", "ls", "--format", "json"])
            .output()
        else {
            return Self::default();
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let nodes = text
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|value| value["Name"].as_str() == Some(builder.name.as_str()))
            .map(|value| {
                value["Nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|node| {
                        (
                            node["Name"].as_str().unwrap_or_default().to_owned(),
                            node["Status"].as_str().unwrap_or_default().to_owned(),
                            node["Platforms"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|platform| platform.as_str().map(str::to_owned))
                                .collect(),
                        )
                    })
                    .collect()
            });
        Self {
            context: None,
            nodes,
        }
    }
}

/// The commands `create` runs (none: nothing to do).
fn create_commands(
    builder: &Builder,
    folder: &Utf8PathBuf,
    existing: &Existing,
) -> Vec<Vec<String>> {
    let words = |list: &[&str]| {
        list.iter()
            .map(|word| (*word).to_owned())
            .collect::<Vec<_>>()
    };
    if builder.driver == "docker" {
        let endpoint = builder.nodes[0].endpoint.clone().unwrap_or_default();
        let host = format!("host={endpoint}");
        return match &existing.context {
            Some(current) if *current == endpoint => Vec::new(),
            Some(_) => vec![words(&[
                "docker",
                "context",
                "update",
                &builder.name,
                "--docker",
                &host,
            ])],
            None => vec![words(&[
                "docker",
                "context",
                "create",
                &builder.name,
                "--docker",
                &host,
            ])],
        };
    }
    let mut commands = Vec::new();
    for (index, node) in builder.nodes.iter().enumerate() {
        let mut command = words(&["docker", "buildx", "create", "--name", &builder.name]);
        if index > 0 {
            command.push("--append".to_owned());
        }
        command.extend(words(&["--driver", &builder.driver, "--node", &node.name]));
        for platform in &node.platforms {
            command.extend(["--platform".to_owned(), platform.clone()]);
        }
        for (key, value) in &builder.driver_opts {
            let value = if FILE_DRIVER_OPTS.contains(&key.as_str()) {
                folder.join(value).into_string()
            } else {
                value.clone()
            };
            command.extend(["--driver-opt".to_owned(), format!("{key}={value}")]);
        }
        command.extend(node.endpoint.iter().cloned());
        commands.push(command);
    }
    for (name, _, _) in existing.nodes.iter().flatten() {
        if !builder.nodes.iter().any(|node| &node.name == name) {
            commands.push(words(&[
                "docker",
                "buildx",
                "create",
                "--name",
                &builder.name,
                "--leave",
                "--node",
                name,
            ]));
        }
    }
    commands
}

fn rm_commands(builder: &Builder, existing: &Existing) -> Vec<Vec<String>> {
    let command = |words: &[&str]| vec![words.iter().map(|word| (*word).to_owned()).collect()];
    if builder.driver == "docker" {
        if existing.context.is_some() {
            return command(&["docker", "context", "rm", &builder.name]);
        }
    } else if existing.nodes.is_some() {
        return command(&["docker", "buildx", "rm", &builder.name]);
    }
    Vec::new()
}

/// Prints each command; runs them unless `dry_run`.
fn execute(commands: &[Vec<String>], dry_run: bool, nothing: &str) -> Result<(), CommandError> {
    if commands.is_empty() {
        crate::outln!("{nothing}; nothing to do");
        return Ok(());
    }
    for command in commands {
        crate::outln!("{}", shell_words(command));
        if dry_run {
            continue;
        }
        let output = Command::new(&command[0])
            .args(&command[1..])
            .output()
            .map_err(|error| CommandError::Io(format!("cannot run docker: {error}")))?;
        if !output.status.success() {
            return Err(CommandError::Failed(format!(
                "`{}` failed: {}",
                shell_words(command),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
    }
    Ok(())
}

/// The command as one could paste it into a shell.
fn shell_words(command: &[String]) -> String {
    command
        .iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+".contains(c))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn status(builder: &Builder, existing: &Existing) -> Result<(), CommandError> {
    crate::outln!("builder {} (driver {})", builder.name, builder.driver);
    if builder.driver == "docker" {
        let endpoint = builder.nodes[0].endpoint.clone().unwrap_or_default();
        return match &existing.context {
            Some(current) if *current == endpoint => {
                crate::outln!(
                    "  docker context {}: {current} (as in the plan)",
                    builder.name
                );
                Ok(())
            }
            Some(current) => Err(CommandError::Failed(format!(
                "docker context `{}` points to {current}, the plan to {endpoint}; run `bakeplan builder create {}`",
                builder.name, builder.name
            ))),
            None => Err(CommandError::Failed(format!(
                "builder `{}` is not created; run `bakeplan builder create {}`",
                builder.name, builder.name
            ))),
        };
    }
    let Some(nodes) = &existing.nodes else {
        return Err(CommandError::Failed(format!(
            "builder `{}` is not created; run `bakeplan builder create {}`",
            builder.name, builder.name
        )));
    };
    let mut differs = false;
    for node in &builder.nodes {
        if let Some((_, state, platforms)) = nodes.iter().find(|(name, _, _)| name == &node.name) {
            crate::outln!(
                "  node {}: {state}, platforms {}",
                node.name,
                if platforms.is_empty() {
                    "(unknown until started)".to_owned()
                } else {
                    platforms.join(", ")
                }
            );
        } else {
            differs = true;
            crate::outln!("  node {}: missing", node.name);
        }
    }
    for (name, _, _) in nodes {
        if !builder.nodes.iter().any(|node| &node.name == name) {
            differs = true;
            crate::outln!("  node {name}: not in the plan");
        }
    }
    if differs {
        return Err(CommandError::Failed(format!(
            "builder `{}` differs from the plan; run `bakeplan builder create {}`",
            builder.name, builder.name
        )));
    }
    Ok(())
}
