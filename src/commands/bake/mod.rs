//! `bakeplan bake`: compile (refusing a plan with errors), then build from the plan's folder
//! with one `docker buildx bake -f <bake file> [-f <profile overlay>]… SERVICE…` (`single.rs`),
//! or, for `--keep-going`, `--jobs` and `--shard`, one per service as its dependencies finish
//! (`schedule.rs`); stream buildx's progress and print a summary (`summary.rs`). Exit 1 names
//! the services whose build failed.

mod platforms;
mod schedule;
mod shards;
mod single;
mod summary;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::Command;
use std::time::Instant;

use schedule::{Outcome, Progress, Schedule};
use summary::Image;

use crate::cli::BakeArgs;
use crate::commands::affected as affected_command;
use crate::commands::docker::missing_buildx;
use crate::commands::error::{Closing, CommandError};
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::overlay_path;
use crate::graph::shard::parse_shard;
use crate::plan::error::PlanError;
use crate::plan::model::Plan;
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
    let services = match crate::graph::shard::services(plan, &targets) {
        Ok(services) => services,
        Err(message) => return Err(CommandError::Usage(message)),
    };
    let progress = match args.progress.as_deref() {
        None | Some("auto" | "plain") => Progress::Plain,
        Some("quiet") => Progress::Quiet,
        Some("rawjson") => Progress::RawJson,
        Some("tty") => Progress::Tty,
        Some(other) => {
            return Err(CommandError::Usage(format!(
                "`--progress {other}` is not one of auto, plain, tty, quiet, rawjson"
            )));
        }
    };
    let metadata_dir = std::env::temp_dir().join(format!("bakeplan-bake-{}", std::process::id()));
    if let Err(error) = std::fs::create_dir_all(&metadata_dir) {
        return Err(CommandError::Io(format!(
            "cannot create {}: {error}",
            metadata_dir.display()
        )));
    }
    let builder = builder_name(args, plan);
    let (docker, builder_flag) = match &builder {
        None => (vec!["docker".to_owned()], None),
        Some(name) => {
            let found = platforms::find(&["docker".to_owned()], Some(name)).map_err(|message| {
                CommandError::Usage(if plan.builders.iter().any(|known| &known.name == name) {
                    format!(
                        "builder `{name}` is not created yet: run `bakeplan builder create {name}`"
                    )
                } else {
                    message
                })
            })?;
            // A docker-driver builder is a docker context: buildx refuses `--builder` for it.
            if found.driver == "docker" && !found.current {
                (
                    vec!["docker".to_owned(), "--context".to_owned(), name.clone()],
                    None,
                )
            } else {
                (vec!["docker".to_owned()], Some(name.clone()))
            }
        }
    };
    check_platforms(&session, args, &services, &docker, builder.as_deref())?;
    let mut base = base_arguments(args, plan);
    let dir = session.source.dir.as_std_path().to_owned();
    let services = match &args.shard {
        None => services,
        Some(text) => {
            let (index, count) = parse_shard(text).map_err(CommandError::Usage)?;
            let part = shards::part(
                plan,
                args,
                &services,
                (index, count),
                &docker,
                &dir,
                &bake_files(args, plan),
            )?;
            if part.services.is_empty() {
                crate::outln!("shard {index}/{count} has no service to build");
                return Ok(());
            }
            crate::errln!(
                "shard {index}/{count}: {}",
                part.services
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // What a shard builds, the others take from the registry.
            if !args.push {
                base.push("--push".to_owned());
            }
            base.extend(part.sets);
            part.services
        }
    };
    if let Some(name) = builder_flag {
        base.extend(["--builder".to_owned(), name]);
    }
    // `docker buildx bake … TARGETS` writing its metadata to `metadata_file`.
    let bake_command = |metadata_file: &str, targets: &[&str]| {
        let mut command = Command::new(&docker[0]);
        command
            .current_dir(&dir)
            .args(&docker[1..])
            .args(["buildx", "bake"])
            .args(&base)
            .args(["--progress", progress.buildx_value()])
            .arg("--metadata-file")
            .arg(metadata_dir.join(metadata_file))
            .args(&args.buildx_args)
            .args(targets)
            .env("BUILDX_METADATA_PROVENANCE", "disabled");
        command
    };
    let command = |service: &str| bake_command(&format!("{service}.json"), &[service]);
    // The default: one bake of every service, as buildx schedules it. `--jobs` and `--shard`
    // need bakeplan's own schedule: one bake per service; so does `--keep-going`, unless this
    // buildx has `--execution=defer-error` (buildx PR 4044), which keeps going itself.
    let scheduled = args.jobs.is_some() || args.shard.is_some();
    let deferred = args.keep_going
        && !scheduled
        && crate::commands::docker::bake_execution_modes(&docker)
            .iter()
            .any(|mode| mode == "defer-error");
    let one_bake = !scheduled && (!args.keep_going || deferred);
    let one_metadata = "bake.json";
    let metadata = |service: &str| {
        metadata_dir.join(if one_bake {
            one_metadata.to_owned()
        } else {
            format!("{service}.json")
        })
    };
    let started = Instant::now();
    let reports = if one_bake {
        let names: Vec<&str> = services.iter().map(|(name, _)| name.as_str()).collect();
        let mut command = bake_command(one_metadata, &names);
        if deferred {
            command.arg("--execution=defer-error");
        }
        crate::errln!("running: {}", describe(&command));
        let known = single::Services::new(&services, |name| {
            session.dockerfile(plan.service(name)?).ok().flatten()
        });
        single::run(command, &services, &known, progress, deferred)
    } else {
        crate::errln!(
            "running: {} … SERVICE, once per service ({}{})",
            describe(&command("SERVICE"))
                .split(" --progress")
                .next()
                .unwrap_or_default(),
            match args.jobs {
                Some(jobs) => format!("at most {jobs} at once"),
                None if progress == Progress::Tty => "one at a time: --progress tty".to_owned(),
                None => "no limit on how many at once".to_owned(),
            },
            if args.keep_going { ", keep going" } else { "" }
        );
        let schedule = Schedule {
            services,
            jobs: if progress == Progress::Tty {
                1
            } else {
                args.jobs.map_or(usize::MAX, usize::from)
            },
            keep_going: args.keep_going,
            progress,
            command: &command,
        };
        schedule.run()
    };
    let total = started.elapsed();
    let mut images = BTreeMap::new();
    for report in &reports {
        if report.outcome.succeeded() {
            let mut image = Image::from_metadata(&metadata(&report.name), &report.name);
            image.read_size(&docker);
            images.insert(report.name.clone(), image);
        }
    }
    let _ = std::fs::remove_dir_all(&metadata_dir);
    crate::err!("{}", summary::text(&reports, &images, total));
    if let Some(path) = &args.json {
        let text = summary::json(&reports, &images, total);
        let written = if path.as_str() == "-" {
            std::io::stdout().write_all(text.as_bytes())
        } else {
            std::fs::write(path, text)
        };
        if let Err(error) = written {
            return Err(CommandError::Io(format!("cannot write {path}: {error}")));
        }
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|report| matches!(report.outcome, Outcome::Failed { .. }))
        .map(|report| report.name.as_str())
        .collect();
    if failed.is_empty() && reports.iter().all(|report| report.outcome.succeeded()) {
        return Ok(());
    }
    Err(CommandError::BuildFailed(
        failed.into_iter().map(str::to_owned).collect(),
    ))
}

/// The arguments every service's bake shares: bake files, flags, entitlements.
/// `-f <bake file> [-f <profile overlay>]…`
fn bake_files(args: &BakeArgs, plan: &Plan) -> Vec<String> {
    let mut files = vec!["-f".to_owned(), plan.bake_path.clone()];
    for profile in &args.profile {
        files.extend(["-f".to_owned(), overlay_path(&plan.bake_path, profile)]);
    }
    files
}

fn base_arguments(args: &BakeArgs, plan: &Plan) -> Vec<String> {
    let mut base = bake_files(args, plan);
    for (flag, on) in [
        ("--no-cache", args.no_cache),
        ("--pull", args.pull),
        ("--push", args.push),
        ("--load", args.load),
    ] {
        if on {
            base.push(flag.to_owned());
        }
    }
    for platform in &args.platform {
        base.extend(["--set".to_owned(), format!("*.platform={platform}")]);
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
        base.push("--allow=network.host".to_owned());
    }
    base
}

/// `--builder`, else the last profile that names one.
fn builder_name(args: &BakeArgs, plan: &Plan) -> Option<String> {
    args.builder.clone().or_else(|| {
        args.profile.iter().rev().find_map(|name| {
            plan.profiles
                .iter()
                .find(|profile| &profile.name == name)
                .and_then(|profile| profile.builder.clone())
        })
    })
}

/// The platforms each service is built for: `--platform`, else the last profile that sets
/// them, else the service's own (empty: the builder's).
fn requested_platforms<'a>(args: &'a BakeArgs, plan: &'a Plan, service: &'a str) -> &'a [String] {
    if !args.platform.is_empty() {
        return &args.platform;
    }
    let from_profile = args.profile.iter().rev().find_map(|name| {
        plan.profiles
            .iter()
            .find(|profile| &profile.name == name)
            .and_then(|profile| profile.platforms.as_deref())
    });
    from_profile
        .or_else(|| {
            plan.service(service)
                .map(|service| service.platforms.as_slice())
        })
        .unwrap_or_default()
}

/// Refuses, before anything is built, a platform the builder cannot build (see `platforms`).
fn check_platforms(
    session: &Session,
    args: &BakeArgs,
    services: &[(String, Vec<String>)],
    docker: &[String],
    builder: Option<&str>,
) -> Result<(), CommandError> {
    let plan = &session.compilation.plan;
    let wanted: Vec<(&str, &[String])> = services
        .iter()
        .map(|(name, _)| (name.as_str(), requested_platforms(args, plan, name)))
        .filter(|(_, platforms)| !platforms.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut found = platforms::find(docker, builder).map_err(CommandError::Usage)?;
    if found.inactive {
        platforms::bootstrap(docker, &found.name).map_err(CommandError::Usage)?;
        found = platforms::find(docker, Some(&found.name)).map_err(CommandError::Usage)?;
    }
    let names: BTreeSet<&str> = plan
        .services
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (service, requested) in wanted {
        for platform in requested {
            if platforms::supports(&found, platform) {
                continue;
            }
            let dockerfile = plan
                .service(service)
                .and_then(|service| session.dockerfile(service).ok().flatten())
                .unwrap_or_default();
            if !platforms::cross_builds(&dockerfile, &names) {
                missing.entry(platform).or_default().push(service);
            }
        }
    }
    match missing.into_iter().next() {
        None => Ok(()),
        Some((platform, services)) => Err(CommandError::Usage(platforms::refusal(
            &found, platform, &services,
        ))),
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
