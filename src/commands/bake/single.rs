//! The default build: one `docker buildx bake` for every service, as buildx schedules it
//! (fastest: one process, one solve, buildx's own fail-fast). `--keep-going`, `--jobs` and
//! `--shard` schedule one bake per service instead (`schedule.rs`). The summary is read from
//! the one build's progress: a step line `#8 [svc 2/3] RUN …` names its service (or the one
//! service built), `#8 CACHED` / `#8 DONE` say whether it ran, an `ERROR` line names a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::schedule::{Outcome, Progress, Report, error_line, is_step};

/// What one multi-target build's progress says of each service.
#[derive(Debug, Default)]
struct Reading {
    /// Step id → (service, cached).
    steps: BTreeMap<String, (String, Option<bool>)>,
    /// Services named by an error line, with the error.
    failed: BTreeMap<String, String>,
    /// The last error line, for a failure no line attributes.
    last_error: Option<String>,
}

impl Reading {
    fn read(&mut self, line: &str, services: &BTreeSet<&str>) {
        if let Some(message) = error_line(line) {
            self.last_error = Some(message.clone());
            if let Some(rest) = line.strip_prefix("ERROR: target ")
                && let Some((name, _)) = rest.split_once(':')
                && services.contains(name.trim())
            {
                self.failed.insert(name.trim().to_owned(), message);
            }
        }
        let Some(rest) = line.strip_prefix('#') else {
            return;
        };
        let Some((id, rest)) = rest.split_once(' ') else {
            return;
        };
        if is_step(rest) {
            let inside = rest[1..].split("] ").next().unwrap_or_default();
            let service = if services.len() == 1 {
                services.iter().next().map(|name| (*name).to_owned())
            } else {
                inside
                    .split(' ')
                    .next()
                    .filter(|name| services.contains(name))
                    .map(str::to_owned)
            };
            if let Some(service) = service {
                self.steps.insert(id.to_owned(), (service, None));
            }
        } else if let Some((service, state)) = self.steps.get_mut(id) {
            if rest == "CACHED" {
                *state = Some(true);
            } else if rest.starts_with("DONE") {
                state.get_or_insert(false);
            } else if let Some(message) = rest.strip_prefix("ERROR: ") {
                self.failed
                    .entry(service.clone())
                    .or_insert_with(|| message.to_owned());
            }
        }
    }
}

/// Runs `command` (one bake of `services`), passing its output through unchanged, and reports
/// each service.
pub fn run(
    mut command: Command,
    services: &[(String, Vec<String>)],
    progress: Progress,
) -> Vec<Report> {
    let start = Instant::now();
    let names: BTreeSet<&str> = services.iter().map(|(name, _)| name.as_str()).collect();
    let mut reading = Reading::default();
    let status = if progress == Progress::Tty {
        command.status().map(|status| status.code())
    } else {
        command
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                let stderr = child.stderr.take().expect("stderr is piped");
                let mut out = std::io::stderr();
                for line in BufReader::new(stderr).split(b'\n') {
                    let Ok(line) = line else { break };
                    let text = String::from_utf8_lossy(&line);
                    if progress != Progress::Quiet {
                        let _ = writeln!(out, "{text}");
                    }
                    reading.read(&text, &names);
                }
                child.wait().map(|status| status.code())
            })
    };
    let total = start.elapsed();
    let (success, code) = match status {
        Ok(code) => (code == Some(0), code),
        Err(error) => {
            reading.last_error = Some(format!("cannot run docker: {error}"));
            (false, None)
        }
    };
    // One service, or a failure no line attributes: the error is every unfinished service's.
    if !success && reading.failed.is_empty() {
        let error = reading
            .last_error
            .clone()
            .unwrap_or_else(|| "docker buildx bake failed".to_owned());
        if services.len() == 1 {
            reading.failed.insert(services[0].0.clone(), error);
        }
    }
    let failed_dependency = |name: &str| -> Option<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.to_owned()];
        while let Some(next) = todo.pop() {
            for (service, dependencies) in services.iter().filter(|(service, _)| *service == next) {
                for dependency in dependencies {
                    if reading.failed.contains_key(dependency) {
                        return Some(format!("{dependency} failed"));
                    }
                    if seen.insert(dependency.clone()) && dependency != service {
                        todo.push(dependency.clone());
                    }
                }
            }
        }
        None
    };
    services
        .iter()
        .map(|(name, _)| {
            let steps: Vec<Option<bool>> = reading
                .steps
                .values()
                .filter(|(service, _)| service == name)
                .map(|(_, state)| *state)
                .collect();
            // A service whose dependency failed never built (buildx names it too).
            let outcome = if let Some(because) = failed_dependency(name) {
                Outcome::Skipped { because }
            } else if let Some(error) = reading.failed.get(name) {
                Outcome::Failed {
                    error: error.clone(),
                }
            } else if !success {
                let culprits: Vec<&str> = reading.failed.keys().map(String::as_str).collect();
                Outcome::Canceled {
                    because: if culprits.is_empty() {
                        "the build failed".to_owned()
                    } else {
                        format!("{} failed", culprits.join(", "))
                    },
                }
            } else if progress == Progress::Tty {
                Outcome::Done
            } else if steps.contains(&Some(false)) {
                Outcome::Built
            } else {
                Outcome::Cached
            };
            Report {
                name: name.clone(),
                outcome,
                started: Some(Duration::ZERO),
                finished: Some(total),
                status: code,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Reading;

    #[test]
    fn attributes_steps_and_errors_to_services() {
        let names = BTreeSet::from(["api", "web"]);
        let mut reading = Reading::default();
        for line in [
            "#7 [api 1/3] FROM docker.io/local/busybox:1",
            "#8 [api 2/3] RUN echo hi",
            "#9 [web build 2/4] RUN make",
            "#8 CACHED",
            "#9 DONE 0.3s",
            "ERROR: target web: failed to solve: exit code: 2",
        ] {
            reading.read(line, &names);
        }
        assert_eq!(reading.steps["8"], ("api".to_owned(), Some(true)));
        assert_eq!(reading.steps["9"], ("web".to_owned(), Some(false)));
        assert_eq!(reading.failed["web"], "exit code: 2");
        assert!(!reading.steps.contains_key("7"), "FROM is no step");
    }
}
