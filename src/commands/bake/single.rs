//! The default build: one `docker buildx bake` for every service, as buildx schedules it
//! (fastest: one process, one solve, buildx's own fail-fast). `--keep-going`, `--jobs` and
//! `--shard` schedule one bake per service instead (`schedule.rs`). The summary is read from
//! the one build's progress: a step line `#8 [svc 2/3] RUN …` names its service (or the one
//! service built), `#8 CACHED` / `#8 DONE` say whether it ran, an `ERROR` line names a failure.
//! `BuildKit` runs a step two targets share once and labels it with one of them: a service
//! built as another's named context (`late` → `early`) has its steps labelled `[late 2/2]`.
//! A failing step is therefore given to the service, among the labelled one and its
//! dependencies, whose Dockerfile holds the source lines buildx quotes for the failure
//! (`   3 | >>> RUN …`, before build arguments are substituted).

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
    /// The failure buildx is quoting: the labelled service and the quoted source lines.
    quoting: Option<(String, String)>,
    /// Services a failing step belongs to, with the error.
    failed: BTreeMap<String, String>,
    /// Services named by buildx's closing `ERROR: target X:` line, with the error.
    failed_targets: BTreeMap<String, String>,
    /// The last error line, for a failure no line attributes.
    last_error: Option<String>,
}

/// What the build knows of each service: its dependencies (transitive) and its Dockerfile.
#[derive(Debug, Default)]
pub struct Services {
    /// Each service's transitive dependencies, nearest first (depth-first, in the order the
    /// plan lists them).
    pub dependencies: BTreeMap<String, Vec<String>>,
    pub dockerfiles: BTreeMap<String, String>,
}

impl Services {
    /// `services` with each one's transitive dependencies; `dockerfile` reads a service's
    /// Dockerfile (`None` when it cannot be read).
    pub fn new(
        services: &[(String, Vec<String>)],
        dockerfile: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let direct: BTreeMap<&str, &Vec<String>> = services
            .iter()
            .map(|(name, dependencies)| (name.as_str(), dependencies))
            .collect();
        let mut known = Self::default();
        for (name, _) in services {
            let mut seen = BTreeSet::new();
            let mut order = Vec::new();
            let mut todo = vec![name.as_str()];
            while let Some(next) = todo.pop() {
                for dependency in direct.get(next).copied().into_iter().flatten() {
                    if dependency != name && seen.insert(dependency.as_str()) {
                        order.push(dependency.clone());
                        todo.push(dependency);
                    }
                }
            }
            known.dependencies.insert(name.clone(), order);
            if let Some(text) = dockerfile(name) {
                known.dockerfiles.insert(name.clone(), squeeze(&text));
            }
        }
        known
    }

    /// The service failing `source` lines labelled `labelled` belong to: the labelled one
    /// when its Dockerfile holds them (or nothing tells), else the one dependency whose does.
    fn owner<'a>(&'a self, labelled: &'a str, source: &str) -> &'a str {
        let wanted = squeeze(source);
        let holds = |name: &str| {
            self.dockerfiles
                .get(name)
                .is_some_and(|text| !wanted.is_empty() && text.contains(&wanted))
        };
        if holds(labelled) {
            return labelled;
        }
        let mut owners = self
            .dependencies
            .get(labelled)
            .into_iter()
            .flatten()
            .filter(|name| holds(name));
        match (owners.next(), owners.next()) {
            (Some(owner), None) => owner,
            _ => labelled,
        }
    }
}

/// `text` without whitespace and line continuations, so quoted lines match the Dockerfile
/// whatever their indentation.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|char| !char.is_whitespace() && *char != '\\')
        .collect()
}

impl Reading {
    fn read(&mut self, line: &str, names: &BTreeSet<&str>, known: &Services) {
        let label_service = |inside: &str| {
            if names.len() == 1 {
                names.iter().next().map(|name| (*name).to_owned())
            } else {
                inside
                    .split(' ')
                    .next()
                    .filter(|name| names.contains(name))
                    .map(str::to_owned)
            }
        };
        // ` > [late 2/2] RUN …:` opens buildx's quote of a failure, `  3 | >>> RUN …` are
        // its source lines, the next quote or error line closes it.
        if let Some(rest) = line.strip_prefix(" > [") {
            self.settle(known);
            let inside = rest.split("] ").next().unwrap_or_default();
            self.quoting = label_service(inside).map(|service| (service, String::new()));
            return;
        }
        if let Some((_, source)) = &mut self.quoting
            && let Some((number, quoted)) = line.split_once(" | >>> ")
            && number.trim().bytes().all(|byte| byte.is_ascii_digit())
        {
            source.push_str(quoted);
            source.push('\n');
            return;
        }
        if line.starts_with("ERROR: ") {
            self.settle(known);
        }
        if let Some(message) = error_line(line)
            && !message.contains("context canceled")
        {
            self.last_error = Some(message.clone());
            if let Some(rest) = line.strip_prefix("ERROR: target ")
                && let Some((name, _)) = rest.split_once(':')
                && names.contains(name.trim())
            {
                self.failed_targets.insert(name.trim().to_owned(), message);
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
            if let Some(service) = label_service(inside) {
                self.steps.insert(id.to_owned(), (service, None));
            }
        } else if let Some((service, state)) = self.steps.get_mut(id) {
            if rest == "CACHED" {
                *state = Some(true);
            } else if rest.starts_with("DONE") {
                state.get_or_insert(false);
            } else if let Some(message) = rest.strip_prefix("ERROR: ")
                && !message.contains("context canceled")
                && !message.starts_with("Canceled")
            {
                // A step interrupted because another failed says `context canceled`: not its
                // own failure.
                self.failed
                    .entry(service.clone())
                    .or_insert_with(|| message.to_owned());
            }
        }
    }

    /// Closes the quote being read: its failure moves to the service whose Dockerfile holds
    /// the quoted lines. The failing step was recorded under its progress line's label, which
    /// need not be the quote's (buildx labels the two with either service of a shared step):
    /// the quote's service, or one that builds the owner as a named context.
    fn settle(&mut self, known: &Services) {
        let Some((labelled, source)) = self.quoting.take() else {
            return;
        };
        let owner = known.owner(&labelled, &source);
        if self.failed.contains_key(owner) {
            return;
        }
        let recorded = if self.failed.contains_key(&labelled) {
            Some(labelled.clone())
        } else {
            self.failed
                .keys()
                .find(|name| {
                    known
                        .dependencies
                        .get(*name)
                        .is_some_and(|dependencies| dependencies.iter().any(|d| d == owner))
                })
                .cloned()
        };
        if let Some(error) = recorded.and_then(|name| self.failed.remove(&name)) {
            self.failed.insert(owner.to_owned(), error);
        }
    }
}

/// Runs `command` (one bake of `services`), passing its output through unchanged, and reports
/// each service. `deferred`: buildx ran with `--execution=defer-error`, so a service neither
/// failed nor depending on a failure was built even when the bake failed.
pub fn run(
    mut command: Command,
    services: &[(String, Vec<String>)],
    known: &Services,
    progress: Progress,
    deferred: bool,
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
                    reading.read(&text, &names, known);
                }
                reading.settle(known);
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
    // A failing step names the service; buildx's closing line only when no step did.
    if reading.failed.is_empty() {
        reading.failed = std::mem::take(&mut reading.failed_targets);
    }
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
    // The first failed dependency, nearest first.
    let failed_dependency = |name: &str| -> Option<String> {
        known
            .dependencies
            .get(name)?
            .iter()
            .find(|dependency| reading.failed.contains_key(*dependency))
            .map(|dependency| format!("{dependency} failed"))
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
            } else if !success && !deferred {
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

    use super::{Reading, Services};

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
            "#10 [api 3/3] RUN sleep 5",
            "#10 ERROR: context canceled",
            "ERROR: target web: failed to solve: exit code: 2",
        ] {
            reading.read(line, &names, &Services::default());
        }
        assert_eq!(reading.steps["8"], ("api".to_owned(), Some(true)));
        assert_eq!(reading.steps["9"], ("web".to_owned(), Some(false)));
        assert_eq!(reading.failed_targets["web"], "exit code: 2");
        assert!(!reading.steps.contains_key("7"), "FROM is no step");
        assert!(!reading.failed.contains_key("api"), "canceled, not failed");
    }

    /// `late` builds `early` as a named context: `BuildKit` labels early's failing step with
    /// late, and buildx's closing line names late. The failure is early's; late is skipped.
    #[test]
    fn a_shared_step_fails_for_the_service_whose_dockerfile_holds_it() {
        let services = [
            ("early".to_owned(), vec![]),
            ("late".to_owned(), vec!["early".to_owned()]),
        ];
        let known = Services::new(&services, |name| {
            Some(match name {
                "early" => {
                    "FROM b\nARG BUST\nRUN echo \"early $BUST\" \\\n  && exit 3\n".to_owned()
                }
                _ => "FROM b\nCOPY --from=early / /early\n".to_owned(),
            })
        });
        let names = BTreeSet::from(["early", "late"]);
        // buildx labels the quote with either service: both readings give the failure to early.
        for quote_label in ["late", "early"] {
            let reading = read_shared_failure(&known, &names, quote_label);
            assert!(reading.failed.contains_key("early"), "{reading:?}");
            assert!(!reading.failed.contains_key("late"), "{reading:?}");
            assert_eq!(
                reading.failed["early"],
                "process \"/bin/sh -c echo\" did not complete successfully: exit code: 3"
            );
        }
        assert_eq!(known.owner("late", "COPY --from=early / /early"), "late");
        assert_eq!(known.owner("late", "RUN unknown"), "late");
    }

    fn read_shared_failure(known: &Services, names: &BTreeSet<&str>, quote_label: &str) -> Reading {
        let quote = format!(" > [{quote_label} 2/2] RUN echo \"early 1\" && exit 3:");
        let mut reading = Reading::default();
        for line in [
            "#14 [late 2/2] RUN echo \"early 1\" && exit 3",
            "#14 ERROR: process \"/bin/sh -c echo\" did not complete successfully: exit code: 3",
            "------",
            quote.as_str(),
            "0.064 early 1",
            "------",
            "Dockerfile:3",
            "--------------------",
            "   2 |     ARG BUST",
            "   3 | >>> RUN echo \"early $BUST\" \\",
            "   4 | >>>   && exit 3",
            "   5 |     ",
            "--------------------",
            "ERROR: target late: failed to solve: exit code: 3",
        ] {
            reading.read(line, names, known);
        }
        reading
    }
}
