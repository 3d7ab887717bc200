//! `bakeplan lint`: `BuildKit`'s build checks (`docker buildx build --call check`) on every
//! generated and hand-written Dockerfile of the plan, reported per service with the plan line
//! that produced it. `bake --check` fails on `target:` contexts (buildx#3343), so each
//! Dockerfile is checked alone, with a stand-in image for every base image and named context.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::cli::LintArgs;
use crate::commands::docker::{external_images, missing_buildx};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::plan::model::{Build, Service};

#[derive(Debug, Deserialize)]
struct CheckResult {
    /// `null` when there is none.
    #[serde(default)]
    warnings: Option<Vec<CheckWarning>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckWarning {
    rule_name: String,
    detail: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    location: Option<Location>,
}

#[derive(Debug, Deserialize)]
struct Location {
    #[serde(default)]
    ranges: Vec<Range>,
}

#[derive(Debug, Deserialize)]
struct Range {
    start: Position,
}

#[derive(Debug, Deserialize)]
struct Position {
    line: u32,
}

pub fn run(args: &LintArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    if let Some(message) = missing_buildx() {
        return Err(CommandError::Usage(message));
    }
    let mut warnings = 0;
    for service in session.compilation.plan.targets() {
        match check_service(&session, service, &args.stand_in) {
            Ok(found) => {
                let origin = plan_line(&session, service);
                if found.is_empty() {
                    crate::outln!("ok        {} ({})", service.name, origin);
                }
                for warning in &found {
                    let line = warning
                        .location
                        .as_ref()
                        .and_then(|location| location.ranges.first())
                        .map_or(String::new(), |range| format!(":{}", range.start.line));
                    crate::outln!(
                        "warning   {} ({}): {}{line}: {} — {} {}",
                        service.name,
                        origin,
                        session.source.display_path(service.dockerfile_path()),
                        warning.rule_name,
                        warning.detail,
                        warning.url
                    );
                }
                warnings += found.len();
            }
            Err(message) => {
                return Err(CommandError::Io(format!(
                    "service `{}`: {message}",
                    service.name
                )));
            }
        }
    }
    if warnings == 0 {
        crate::outln!(
            "no warnings in {} Dockerfiles",
            session.compilation.plan.targets().count()
        );
        Ok(())
    } else {
        Err(CommandError::LintWarnings(warnings))
    }
}

/// `bakeplan.kdl:12:9`: the plan line that declares the service.
fn plan_line(session: &Session, service: &Service) -> String {
    let offset = service.span.offset();
    let text = &session.source.text[..offset];
    let line = text.matches('\n').count() + 1;
    let column = offset - text.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{}:{line}:{column}", session.source.path)
}

fn check_service(
    session: &Session,
    service: &Service,
    stand_in: &str,
) -> Result<Vec<CheckWarning>, String> {
    if matches!(service.build, Build::Library) {
        return Ok(Vec::new());
    }
    let dockerfile = session
        .dockerfile(service)
        .map_err(|error| {
            format!(
                "cannot read {}: {error}",
                session.source.display_path(service.dockerfile_path())
            )
        })?
        .unwrap_or_default();
    let context_dir = session.source.dir.join(service.build_context());
    let empty = tempfile_dir()?;
    let context = if context_dir.is_dir() {
        context_dir.as_std_path().to_owned()
    } else {
        empty.clone()
    };
    let mut command = Command::new("docker");
    command.args(["buildx", "build", "--call", "check,format=json", "-f", "-"]);
    let mut stand_ins: Vec<String> = external_images(&dockerfile);
    for name in service.contexts.keys() {
        if !stand_ins.contains(name) {
            stand_ins.push(name.clone());
        }
    }
    for name in stand_ins {
        command
            .arg("--build-context")
            .arg(format!("{name}=docker-image://{stand_in}"));
    }
    command
        .arg(&context)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run docker: {error}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(dockerfile.as_bytes())
        .map_err(|error| error.to_string())?;
    let output = child
        .wait_with_output()
        .map_err(|error| error.to_string())?;
    let _ = std::fs::remove_dir(&empty);
    let stdout = String::from_utf8_lossy(&output.stdout);
    match serde_json::from_str::<CheckResult>(stdout.trim()) {
        Ok(result) => Ok(result.warnings.unwrap_or_default()),
        Err(_) => Err(format!(
            "the build check failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("bakeplan-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    Ok(dir)
}
