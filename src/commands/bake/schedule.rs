//! The build scheduler: one `docker buildx bake … SERVICE` process per service, started when
//! every service it depends on has succeeded, at most `jobs` at once. buildx 0.29 has no
//! keep-going or concurrency option (buildx issues 3297 and 3989), and one failing target of a
//! bake cancels its siblings, so bakeplan schedules the graph itself. Each process re-solves its
//! dependencies through their `target:` contexts: cache hits, just built on the same builder.
//!
//! Fail-fast (the default): the first failure interrupts the running processes (SIGINT, which
//! buildx answers with `CANCELED` and exit 130) and starts nothing more. Keep-going: services
//! that do not depend on a failure are all built; the others are skipped, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What became of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Some step ran.
    Built,
    /// Every step came from the cache.
    Cached,
    /// Finished without a way to tell built from cached (`--progress tty`).
    Done,
    Failed {
        error: String,
    },
    /// Interrupted when another service failed (fail-fast).
    Canceled {
        because: String,
    },
    /// Never started: a dependency failed (or was skipped), or fail-fast stopped the build.
    Skipped {
        because: String,
    },
}

impl Outcome {
    pub fn word(&self) -> &'static str {
        match self {
            Self::Built => "built",
            Self::Cached => "cached",
            Self::Done => "done",
            Self::Failed { .. } => "failed",
            Self::Canceled { .. } => "canceled",
            Self::Skipped { .. } => "skipped",
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Built | Self::Cached | Self::Done)
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub outcome: Outcome,
    /// Start and end, from the start of the bake.
    pub started: Option<Duration>,
    pub finished: Option<Duration>,
    /// The process's exit status.
    pub status: Option<i32>,
}

/// How a service's progress is shown and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// `--progress plain`, each line prefixed with the service's name.
    Plain,
    /// `--progress plain`, read but not shown.
    Quiet,
    /// `--progress rawjson`, each line prefixed with the service's name.
    RawJson,
    /// buildx's terminal UI on the terminal (one build at a time).
    Tty,
}

impl Progress {
    pub fn buildx_value(self) -> &'static str {
        match self {
            Self::Plain | Self::Quiet => "plain",
            Self::RawJson => "rawjson",
            Self::Tty => "tty",
        }
    }
}

pub struct Schedule<'a> {
    /// Services in plan order, each with the services (of this schedule) it depends on.
    pub services: Vec<(String, Vec<String>)>,
    pub jobs: usize,
    pub keep_going: bool,
    pub progress: Progress,
    /// The command that builds one service.
    pub command: &'a dyn Fn(&str) -> Command,
}

enum Event {
    Line(String, String),
    Done(String, Result<Finished, String>),
}

struct Finished {
    status: Option<i32>,
    success: bool,
    steps: Steps,
    error: Option<String>,
}

impl Schedule<'_> {
    pub fn run(&self) -> Vec<Report> {
        let start = Instant::now();
        let width = self
            .services
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        let mut reports: BTreeMap<String, Report> = BTreeMap::new();
        let mut running: BTreeMap<String, u32> = BTreeMap::new();
        let mut started: BTreeMap<String, Duration> = BTreeMap::new();
        let mut stopped_by: Option<String> = None;
        let (sender, receiver) = mpsc::channel::<Event>();
        let mut out = std::io::stderr();
        loop {
            // Start what can start.
            for (name, dependencies) in &self.services {
                if reports.contains_key(name) || running.contains_key(name) {
                    continue;
                }
                if let Some(failed) = dependencies.iter().find(|dependency| {
                    reports
                        .get(*dependency)
                        .is_some_and(|report| !report.outcome.succeeded())
                }) {
                    let because = match &reports[failed].outcome {
                        Outcome::Skipped { because } | Outcome::Canceled { because } => {
                            because.clone()
                        }
                        _ => format!("{failed} failed"),
                    };
                    reports.insert(name.clone(), skipped(name, because));
                    continue;
                }
                if let Some(culprit) = &stopped_by {
                    reports.insert(
                        name.clone(),
                        skipped(name, format!("the build stopped when {culprit} failed")),
                    );
                    continue;
                }
                let ready = dependencies.iter().all(|dependency| {
                    reports
                        .get(dependency)
                        .is_some_and(|report| report.outcome.succeeded())
                });
                if !ready || running.len() >= self.jobs.max(1) {
                    continue;
                }
                started.insert(name.clone(), start.elapsed());
                match self.spawn(name, &sender) {
                    Ok(pid) => {
                        running.insert(name.clone(), pid);
                    }
                    Err(error) => {
                        reports.insert(
                            name.clone(),
                            Report {
                                name: name.clone(),
                                outcome: Outcome::Failed { error },
                                started: started.get(name).copied(),
                                finished: Some(start.elapsed()),
                                status: None,
                            },
                        );
                    }
                }
            }
            if running.is_empty() {
                if reports.len() == self.services.len() {
                    break;
                }
                // Nothing runs and nothing could start: a failure decided the rest above.
                continue;
            }
            let Ok(event) = receiver.recv() else { break };
            match event {
                Event::Line(name, line) => {
                    let _ = writeln!(out, "{name:width$} | {line}");
                }
                Event::Done(name, finished) => {
                    running.remove(&name);
                    let report = self.report(&name, finished, &started, stopped_by.as_ref(), start);
                    if matches!(report.outcome, Outcome::Failed { .. })
                        && !self.keep_going
                        && stopped_by.is_none()
                    {
                        stopped_by = Some(name.clone());
                        for pid in running.values() {
                            interrupt(*pid);
                        }
                    }
                    reports.insert(name, report);
                }
            }
        }
        self.services
            .iter()
            .map(|(name, _)| reports.remove(name).expect("every service is decided"))
            .collect()
    }

    fn report(
        &self,
        name: &str,
        finished: Result<Finished, String>,
        started: &BTreeMap<String, Duration>,
        stopped_by: Option<&String>,
        start: Instant,
    ) -> Report {
        let (outcome, status) = match finished {
            Err(error) => (Outcome::Failed { error }, None),
            Ok(finished) if finished.success => (
                if self.progress == Progress::Tty {
                    Outcome::Done
                } else if finished.steps.built() {
                    Outcome::Built
                } else {
                    Outcome::Cached
                },
                finished.status,
            ),
            Ok(finished) => match stopped_by {
                Some(culprit) if culprit != name => (
                    Outcome::Canceled {
                        because: format!("{culprit} failed"),
                    },
                    finished.status,
                ),
                _ => (
                    Outcome::Failed {
                        error: finished
                            .error
                            .unwrap_or_else(|| "buildx failed (see its output above)".to_owned()),
                    },
                    finished.status,
                ),
            },
        };
        Report {
            name: name.to_owned(),
            outcome,
            started: started.get(name).copied(),
            finished: Some(start.elapsed()),
            status,
        }
    }

    /// Starts one service's bake; its output comes back as events. Returns its pid.
    fn spawn(&self, name: &str, sender: &mpsc::Sender<Event>) -> Result<u32, String> {
        let mut command = (self.command)(name);
        if self.progress != Progress::Tty {
            command.stderr(Stdio::piped());
        }
        let mut child = command
            .spawn()
            .map_err(|error| format!("cannot run docker: {error}"))?;
        let pid = child.id();
        let stderr = child.stderr.take();
        let sender = sender.clone();
        let name = name.to_owned();
        let progress = self.progress;
        std::thread::spawn(move || {
            let mut steps = Steps::default();
            let mut error = None;
            if let Some(stderr) = stderr {
                for line in BufReader::new(stderr).split(b'\n') {
                    let Ok(line) = line else { break };
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if progress == Progress::RawJson {
                        steps.read_json(&text);
                    } else {
                        steps.read_plain(&text);
                    }
                    if let Some(message) = error_line(&text) {
                        error = Some(message);
                    }
                    if progress != Progress::Quiet {
                        let _ = sender.send(Event::Line(name.clone(), text));
                    }
                }
            }
            let finished = child
                .wait()
                .map(|status| Finished {
                    status: status.code(),
                    success: status.success(),
                    steps,
                    error,
                })
                .map_err(|error| error.to_string());
            let _ = sender.send(Event::Done(name, finished));
        });
        Ok(pid)
    }
}

fn skipped(name: &str, because: String) -> Report {
    Report {
        name: name.to_owned(),
        outcome: Outcome::Skipped { because },
        started: None,
        finished: None,
        status: None,
    }
}

/// SIGINT, as Ctrl-C would: the docker CLI forwards it to buildx, which cancels the build.
fn interrupt(pid: u32) {
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// buildx's closing error line (`ERROR: failed to solve: …`), without the prefix.
pub(super) fn error_line(line: &str) -> Option<String> {
    let rest = line.strip_prefix("ERROR: ")?;
    let rest = rest
        .strip_prefix("target ")
        .and_then(|rest| rest.split_once(": ").map(|(_, rest)| rest))
        .unwrap_or(rest);
    Some(
        rest.strip_prefix("failed to solve: ")
            .unwrap_or(rest)
            .to_owned(),
    )
}

/// The Dockerfile steps (`[2/3] RUN …`, `[name 2/3] COPY …`; `FROM` excluded) of one build,
/// read from its progress: whether any ran rather than came from the cache.
#[derive(Debug, Default)]
struct Steps {
    /// Step id or vertex digest → cached.
    states: BTreeMap<String, bool>,
    known: BTreeSet<String>,
}

impl Steps {
    fn built(&self) -> bool {
        self.states.values().any(|cached| !cached)
    }

    /// Plain progress: `#8 [2/2] RUN …`, then `#8 CACHED` or `#8 DONE 0.3s`.
    fn read_plain(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix('#') else {
            return;
        };
        let Some((id, rest)) = rest.split_once(' ') else {
            return;
        };
        if is_step(rest) {
            self.known.insert(id.to_owned());
        } else if self.known.contains(id) {
            if rest == "CACHED" {
                self.states.insert(id.to_owned(), true);
            } else if rest.starts_with("DONE") {
                self.states.entry(id.to_owned()).or_insert(false);
            }
        }
    }

    /// rawjson progress: `{"vertexes":[{"digest":…,"name":"[2/2] RUN …","cached":true,…}]}`.
    fn read_json(&mut self, line: &str) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        for vertex in value["vertexes"].as_array().into_iter().flatten() {
            let (Some(digest), Some(name)) = (vertex["digest"].as_str(), vertex["name"].as_str())
            else {
                continue;
            };
            if !is_step(name) {
                continue;
            }
            if vertex["cached"].as_bool() == Some(true) {
                self.states.insert(digest.to_owned(), true);
            } else if vertex["completed"].is_string() {
                self.states.entry(digest.to_owned()).or_insert(false);
            }
        }
    }
}

/// `[2/3] RUN …` or `[stage 2/3] COPY …`, but not a `FROM` (shown done, then cached).
pub(super) fn is_step(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('[') else {
        return false;
    };
    let Some((inside, command)) = rest.split_once("] ") else {
        return false;
    };
    let counter = inside.rsplit(' ').next().unwrap_or(inside);
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    let numbered = counter
        .split_once('/')
        .is_some_and(|(step, count)| digits(step) && digits(count));
    numbered && !command.starts_with("FROM ")
}

#[cfg(test)]
mod tests {
    use super::{Steps, error_line, is_step};

    #[test]
    fn tells_built_from_cached_steps() {
        let mut steps = Steps::default();
        for line in [
            "#7 [1/2] FROM docker.io/local/busybox:1@sha256:657a",
            "#7 DONE 0.0s",
            "#8 [2/2] RUN echo hi",
            "#8 CACHED",
        ] {
            steps.read_plain(line);
        }
        assert!(!steps.built());
        steps.read_plain("#9 [app 3/3] COPY . .");
        steps.read_plain("#9 DONE 0.1s");
        assert!(steps.built());
        assert!(is_step("[base 2/5] RUN x"));
        assert!(!is_step("[internal] load build definition"));
        assert!(!is_step("[base 1/5] FROM x"));
    }

    #[test]
    fn reads_the_error_without_its_prefixes() {
        assert_eq!(
            error_line("ERROR: target broken: failed to solve: exit code: 1").as_deref(),
            Some("exit code: 1")
        );
        assert_eq!(
            error_line("ERROR: failed to solve: process \"/bin/sh\"").as_deref(),
            Some("process \"/bin/sh\"")
        );
        assert_eq!(error_line("#9 DONE"), None);
    }
}
