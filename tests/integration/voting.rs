//! The second shipped example, `plans/voting`: four services as a team would ship them (a Python
//! front end with a health check, a Node app with an init process, a Perl worker from a
//! hand-written Dockerfile whose `FROM debian:12` is mapped, a load generator with apt packages).
//! `buildx bake --print` reads the mapped images on the generated and the hand-written
//! Dockerfiles; then the example is built with `bakeplan bake --load` and each image is run.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::buildx;
use crate::e2e::{buildkit, docker};
use crate::require_buildx;
use crate::support::Test;

fn voting() -> Test {
    Test::from_folder(Path::new("plans/voting"))
}

#[test]
fn the_voting_plan_compiles_and_its_defaults_merge() {
    let (test, run) = voting().compile();
    run.assert_status(0);
    test.run_with(&["compile", "--check"]).assert_status(0);
    // `vote` names the same template as `defaults` with its own parameter: it keeps the default
    // images. `result` names another template: none of the defaults' parameters.
    let vote = test.read("vote/Dockerfile");
    assert!(vote.contains("FROM python:3.11-slim AS build\n"), "{vote}");
    assert!(vote.contains("\nFROM python:3.11-slim\n"), "{vote}");
    let result = test.read("result/Dockerfile");
    assert!(result.contains("FROM node:18-slim"), "{result}");
    assert!(!result.contains("python"), "{result}");
    // The hand-written Dockerfile is never touched, and gets no ignore file.
    assert!(!test.path().join("worker/Dockerfile.dockerignore").exists());
    let run = test.run_with(&["graph"]);
    run.assert_status(0);
    assert!(
        run.stdout
            .contains("  worker  debian:12 → local/debian:12 (mapped)\n"),
        "{}",
        run.stdout
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn buildx_reads_the_mapped_images_on_generated_and_hand_written_dockerfiles() {
    require_buildx!();
    let (test, run) = voting().compile();
    run.assert_status(0);
    let printed = buildx::print(test.path(), &["docker-bake.hcl"], &[], &[]);
    let mapped = serde_json::json!({
        "debian:12": "docker-image://local/debian:12",
        "node:18-slim": "docker-image://local/node:18",
        "python:3.11-slim": "docker-image://local/python:3"
    });
    for target in ["vote", "result", "worker", "loadgen"] {
        let target_json = &printed["target"][target];
        assert_eq!(target_json["contexts"], mapped, "{target}");
        assert_eq!(target_json["network"], "host", "{target}");
        assert_eq!(
            target_json["tags"],
            serde_json::json!([format!("ghcr.io/example/voting/{target}:latest")])
        );
    }
    assert_eq!(printed["target"]["worker"]["dockerfile"], "Dockerfile");
    assert_eq!(printed["target"]["worker"]["context"], "worker");
    let front = buildx::print(test.path(), &["docker-bake.hcl"], &["front"], &[]);
    let targets: Vec<&String> = front["target"]
        .as_object()
        .expect("targets")
        .keys()
        .collect();
    assert_eq!(targets, ["result", "vote"]);
}

/// Containers started by the test, removed however it ends.
struct Containers(Vec<String>);

impl Containers {
    /// `docker run -d --name NAME ARGS…`; the name is unique to this test process.
    fn start(&mut self, name: &str, args: &[&str]) -> String {
        let name = format!("bakeplan-voting-{name}-{}", std::process::id());
        let _ = docker(&["rm", "-f", &name]);
        let mut all = vec!["run", "-d", "--name", name.as_str()];
        all.extend_from_slice(args);
        let (ok, output) = docker(&all);
        assert!(ok, "docker run {args:?}: {output}");
        self.0.push(name.clone());
        name
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = docker(&["rm", "-f", name]);
        }
    }
}

/// Waits up to `limit` for `check` to hold.
fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    false
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn the_voting_example_builds_and_each_image_runs() {
    let _lock = buildkit();
    let test = voting();
    let run = test.run_with_env(
        &["bake", "--load", "--progress", "plain"],
        &[("TAG", "e2e")],
    );
    run.assert_status(0);
    let image = |name: &str| format!("ghcr.io/example/voting/{name}:e2e");
    let mut containers = Containers(Vec::new());

    // The worker (hand-written Dockerfile, FROM debian:12 through the image map) runs its script.
    let (ok, output) = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image("worker"),
        "--once",
    ]);
    assert!(ok, "{output}");
    assert_eq!(output, "worker: 0 votes\n");

    // The front end answers its health endpoint; its HEALTHCHECK makes it `healthy`.
    let vote = containers.start("vote", &["--network", "none", &image("vote")]);
    assert!(
        wait_for(Duration::from_secs(20), || docker(&["logs", &vote])
            .1
            .contains("vote listening on 8000")),
        "{}",
        docker(&["logs", &vote]).1
    );
    let (ok, output) = docker(&["exec", &vote, "python3", "/app/healthcheck.py"]);
    assert!(ok, "the health endpoint does not answer: {output}");
    // Needs the templates to render `healthcheck` (issue 10, template side).
    let health = || {
        docker(&[
            "inspect",
            "-f",
            "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
            &vote,
        ])
        .1
        .trim()
        .to_owned()
    };
    assert!(
        wait_for(Duration::from_secs(40), || health() == "healthy"),
        "vote is `{}`, not healthy",
        health()
    );
    // Needs the templates to render `user` with a writable HOME (issue 10, template side).
    let (ok, output) = docker(&[
        "exec",
        &vote,
        "sh",
        "-c",
        "id -un && touch \"$HOME/written\" && echo \"$HOME\"",
    ]);
    assert!(ok, "HOME is not writable: {output}");
    assert_eq!(output, "app\n/home/app\n");

    // The load generator has curl (an apt package of the plan) and votes through the front
    // end's network.
    // Needs the templates to render `packages` (issue 10, template side).
    let network = format!("container:{vote}");
    let (ok, output) = docker(&["run", "--rm", "--network", &network, &image("loadgen")]);
    assert!(ok, "loadgen failed: {output}");
    // (docker adds a warning about IPv4 forwarding to a shared network namespace.)
    assert!(
        output.contains("loadgen: 10 of 10 votes accepted\n"),
        "{output}"
    );

    // The Node app starts; with `init #true`, `docker stop` ends it at once, not after 10 s.
    let result = containers.start("result", &["--network", "none", &image("result")]);
    assert!(
        wait_for(Duration::from_secs(20), || docker(&["logs", &result])
            .1
            .contains("result listening on 8001")),
        "{}",
        docker(&["logs", &result]).1
    );
    // Needs the templates to render `init` (issue 10, template side).
    let start = Instant::now();
    let (ok, output) = docker(&["stop", &result]);
    assert!(ok, "{output}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "docker stop took {:?}",
        start.elapsed()
    );
}
