//! `bakeplan bake`: compile (refusing a plan with errors), then run
//! `docker buildx bake -f <bake file> [-f <profile overlay>]… [targets]` from the plan's folder,
//! streaming buildx's own progress. Exit 1 names the services whose build failed.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use crate::cli::BakeArgs;
use crate::commands::affected as affected_command;
use crate::commands::docker::missing_buildx;
use crate::commands::error::{Closing, CommandError};
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::overlay_path;
use crate::plan::error::PlanError;
use crate::plan::suggestion::did_you_mean;

pub fn run(args: &BakeArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    let plan = &session.compilation.plan;
    let known: Vec<&str> = plan
        .targets()
        .map(|service| service.name.as_str())
        .chain(plan.groups.iter().map(|group| group.name.as_str()))
        .chain(std::iter::once("default"))
        .collect();
    for target in &args.targets {
        if plan.service(target).is_some_and(|service| service.library) {
            return Err(library_target(&session, target));
        }
        if !known.contains(&target.as_str()) {
            let hint = did_you_mean(target, known.iter().copied())
                .unwrap_or_else(|| format!("the services and groups are: {}", known.join(", ")));
            return Err(CommandError::Usage(format!(
                "`{target}` is neither a service nor a group of {}; {hint}",
                session.source.path
            )));
        }
    }
    for profile in &args.profile {
        if !plan.profiles.iter().any(|known| &known.name == profile) {
            let names: Vec<&str> = plan
                .profiles
                .iter()
                .map(|profile| profile.name.as_str())
                .collect();
            let hint = did_you_mean(profile, names.iter().copied())
                .unwrap_or_else(|| format!("the profiles are: {}", names.join(", ")));
            return Err(CommandError::Usage(format!(
                "no profile is named `{profile}`; {hint}"
            )));
        }
    }
    let mut targets = args.targets.clone();
    if args.affected {
        match affected_command::compute(&session, args.since.as_deref(), None) {
            Ok(affected) if affected.services.is_empty() => {
                crate::outln!("no service is affected; nothing to build");
                return Ok(());
            }
            Ok(affected) => {
                crate::outln!("affected: {}", affected.services.join(", "));
                targets.extend(affected.services);
            }
            Err(message) => return Err(CommandError::Usage(message)),
        }
    }
    if let Some(message) = missing_buildx() {
        return Err(CommandError::Usage(message));
    }
    // Compile: the files buildx reads must be the plan's.
    match session
        .compilation
        .outputs
        .write(&session.source, None, &[])
    {
        Ok(statuses) => {
            let count = |wanted: crate::emit::output_set::FileStatus| {
                statuses
                    .iter()
                    .filter(|(_, status)| *status == wanted)
                    .count()
            };
            crate::errln!(
                "compiled {}: {} files written, {} unchanged",
                session.source.path,
                count(crate::emit::output_set::FileStatus::Written),
                count(crate::emit::output_set::FileStatus::Unchanged)
            );
        }
        Err(errors) => return Err(CommandError::plan(errors, &session.source)),
    }
    let mut command = Command::new("docker");
    command
        .current_dir(session.source.dir.as_std_path())
        .args(["buildx", "bake"]);
    command.args(["-f", &plan.bake_path]);
    for profile in &args.profile {
        command.args(["-f", &overlay_path(&plan.bake_path, profile)]);
    }
    for (flag, on) in [
        ("--no-cache", args.no_cache),
        ("--pull", args.pull),
        ("--push", args.push),
        ("--load", args.load),
    ] {
        if on {
            command.arg(flag);
        }
    }
    // RUN steps on the host network need the entitlement; the plan asked for it explicitly.
    if plan
        .services
        .iter()
        .any(|service| service.network.as_deref() == Some("host"))
        || plan.profiles.iter().any(|profile| {
            args.profile.contains(&profile.name) && profile.network.as_deref() == Some("host")
        })
    {
        command.arg("--allow=network.host");
    }
    if let Some(progress) = &args.progress {
        command.args(["--progress", progress]);
    }
    command.args(&args.buildx_args).args(&targets);
    crate::errln!("running: {}", describe(&command));
    let services: BTreeSet<&str> = plan
        .targets()
        .map(|service| service.name.as_str())
        .collect();
    // buildx's terminal UI needs the terminal itself: with `--progress tty` its output is not
    // read, so the failing services cannot be named. Otherwise its lines pass through as they come.
    let outcome = if args.progress.as_deref() == Some("tty") {
        command
            .status()
            .map(|status| Outcome {
                success: status.success(),
                services: BTreeSet::new(),
            })
            .map_err(|error| format!("cannot run docker: {error}"))
    } else {
        stream(&mut command, &services)
    };
    let outcome = outcome.map_err(CommandError::Io)?;
    if outcome.success {
        Ok(())
    } else {
        Err(CommandError::BuildFailed(
            outcome.services.into_iter().collect(),
        ))
    }
}

/// `bakeplan::library-target`: a library named as a bake target (exit 2), pointing at it.
fn library_target(session: &Session, name: &str) -> CommandError {
    let span = session
        .compilation
        .plan
        .service(name)
        .map_or_else(|| (0, 0).into(), |service| service.span);
    let error = PlanError::new(
        "bakeplan::library-target",
        format!("`{name}` is a library (built into the services that depend on it), not a bake target"),
    )
    .label(span, "declared here")
    .help(format!(
        "build the services that depend on `{name}`; `bakeplan affected --files` lists them for a change to it"
    ));
    CommandError::plan_closed(error.into(), Some(&session.source), Closing::Silent)
}

fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    words.join(" ")
}

struct Outcome {
    success: bool,
    services: BTreeSet<String>,
}

/// Runs buildx, passing its output through as it comes, and collects the services its error
/// lines name (`ERROR: target NAME: …`, `ERROR [NAME 2/5] …`).
fn stream(command: &mut Command, services: &BTreeSet<&str>) -> Result<Outcome, String> {
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run docker: {error}"))?;
    let stderr = child.stderr.take().expect("piped");
    let mut failed = BTreeSet::new();
    let mut out = std::io::stderr().lock();
    for line in BufReader::new(stderr).split(b'\n') {
        let line = line.map_err(|error| error.to_string())?;
        let _ = out.write_all(&line);
        let _ = out.write_all(b"\n");
        let text = String::from_utf8_lossy(&line);
        for name in failed_services(&text) {
            if services.contains(name) {
                failed.insert(name.to_owned());
            }
        }
    }
    let status = child.wait().map_err(|error| error.to_string())?;
    Ok(Outcome {
        success: status.success(),
        services: failed,
    })
}

fn failed_services(line: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let Some(at) = line.find("ERROR") else {
        return names;
    };
    let rest = &line[at + 5..];
    if let Some(rest) = rest.strip_prefix(": target ") {
        if let Some(name) = rest.split(':').next() {
            names.push(name.trim());
        }
    } else if let Some(rest) = rest.trim_start().strip_prefix('[')
        && let Some(name) = rest.split([' ', ']']).next()
    {
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::failed_services;

    #[test]
    fn reads_failing_targets_from_error_lines() {
        assert_eq!(
            failed_services("ERROR: target broken: failed to solve: exit code: 1"),
            ["broken"]
        );
        assert_eq!(
            failed_services("#9 ERROR [broken 2/2] RUN exit 1"),
            ["broken"]
        );
        assert!(failed_services("#9 DONE 0.1s").is_empty());
    }
}
