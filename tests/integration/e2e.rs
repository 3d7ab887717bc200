//! End-to-end builds on a real `BuildKit`: dockerd (containerd image store), buildx and a
//! registry on 127.0.0.1:5000, started by `scripts/buildkit-env.sh` (the README's test command
//! does it). Under `CI` these tests fail, never skip, when the daemon is not reachable.
//! They run one at a time (they share one daemon and its build cache).

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use crate::support::{Run, Test};

static SERIAL: Mutex<()> = Mutex::new(());

fn daemon_ready() -> bool {
    Command::new("docker")
        .args(["version"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Holds the e2e lock; fails when no daemon runs (these tests run only with `--features buildkit`).
pub fn buildkit() -> MutexGuard<'static, ()> {
    let guard = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if daemon_ready() {
        return guard;
    }
    panic!(
        "no Docker daemon: run `scripts/buildkit-env.sh start` and export DOCKER_HOST (scripts/test does)"
    );
}

pub fn docker(args: &[&str]) -> (bool, String) {
    let output = Command::new("docker").args(args).output().expect("docker");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// `docker run --rm --network none IMAGE`'s output.
pub fn run_image(image: &str) -> String {
    let (ok, output) = docker(&["run", "--rm", "--network", "none", image]);
    assert!(ok, "docker run {image} failed: {output}");
    output
}

/// buildx's step id in a progress line: `base | #8 [2/2] RUN …` (service, then the step).
fn step_id(line: &str) -> &str {
    line.split_whitespace()
        .find(|word| word.starts_with('#'))
        .expect("step id")
}

fn bake(test: &Test, args: &[&str]) -> Run {
    let mut all = vec!["bake", "--progress", "plain"];
    all.extend_from_slice(args);
    test.run_with(&all)
}

fn features() -> Test {
    Test::from_folder(Path::new("tests/e2e/features"))
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn every_built_in_template_builds_a_real_project_that_runs() {
    let _lock = buildkit();
    let test = Test::from_folder(Path::new("tests/e2e/templates"));
    let run = bake(&test, &["--load"]);
    run.assert_status(0);
    for (image, expected) in [
        ("py-pdm", "py-pdm: ok\n"),
        ("py-uv", "py-uv: ok\n"),
        ("py-pip", "py-pip: ok True\n"),
        ("node-npm", "node-npm: ok\n"),
        ("node-pnpm", "node-pnpm: ok\n"),
        ("go-app", "go-app: ok\n"),
        ("rust-app", "rust-app: ok\n"),
    ] {
        assert_eq!(run_image(image), expected, "{image}");
        let (_, user) = docker(&["image", "inspect", "--format", "{{.Config.User}}", image]);
        assert_eq!(user.trim(), "10001", "{image} runs as a non-root user");
    }
    // The static site is served by busybox httpd, started by the image's own CMD, as the
    // non-root user, on the service's `port`, which the image exposes.
    let (_, exposed) = docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config.ExposedPorts}}",
        "site",
    ]);
    assert_eq!(exposed.trim(), r#"{"9000/tcp":{}}"#);
    let (ok, container) = docker(&["run", "-d", "--rm", "--network", "none", "site"]);
    assert!(ok, "{container}");
    let container = container.trim();
    let mut output = String::new();
    for _ in 0..50 {
        let (served, body) = docker(&["exec", container, "wget", "-qO-", "http://127.0.0.1:9000/"]);
        output = body;
        if served {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = docker(&["rm", "-f", container]);
    assert_eq!(output, "site: ok\n");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn every_built_in_template_passes_the_build_checks() {
    let _lock = buildkit();
    let test = Test::from_folder(Path::new("tests/e2e/templates"));
    let run = test.run_with(&["lint"]);
    run.assert_status(0);
    assert!(
        run.stdout.ends_with("no warnings in 8 Dockerfiles\n"),
        "{}",
        run.stdout
    );
    let run = Test::from_folder(Path::new("plans/huleedu")).run_with(&["lint"]);
    run.assert_status(0);
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn lint_reports_a_warning_with_the_plan_line_and_exits_1() {
    let _lock = buildkit();
    let test = Test::new()
        .plan("service \"sloppy\" {\n    dockerfile \"Dockerfile\"\n}\n")
        .write("Dockerfile", "FROM local/busybox:1 as build\nCMD echo hi\n");
    let run = test.run_with(&["lint"]);
    run.assert_status(1);
    assert!(
        run.stdout
            .contains("warning   sloppy (bakeplan.kdl:1:9): Dockerfile:1: FromAsCasing"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("JSONArgsRecommended"), "{}", run.stdout);
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn dependencies_build_first_and_are_usable() {
    let _lock = buildkit();
    let test = features();
    bake(&test, &["good", "--load"]).assert_status(0);
    // `app` copies from its depends-on service; `child` is built from `base`.
    assert_eq!(run_image("app"), "from base\n");
    assert_eq!(run_image("child"), "from base\nchild of base\n");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_cache_mount_keeps_what_the_previous_build_left() {
    let _lock = buildkit();
    let test = features();
    bake(&test, &["cached", "--load"]).assert_status(0);
    // A changed build argument re-runs the step; the mount still holds the first run's line.
    let plan = test
        .read("bakeplan.kdl")
        .replace("default=\"1\"", "default=\"2\"");
    let test = test.plan(&plan);
    bake(&test, &["cached", "--load"]).assert_status(0);
    let seen = run_image("cached");
    let lines: Vec<&str> = seen.lines().collect();
    assert!(
        lines.len() >= 2 && lines[lines.len() - 1] == "run 2",
        "{seen}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_builder_that_never_built_a_service_takes_its_steps_from_the_registry_cache() {
    let _lock = buildkit();
    let test = features();
    bake(&test, &["remote", "--load"]).assert_status(0);
    // A second, empty daemon (no `buildx prune` of the shared one): its only source for the
    // RUN step is the registry cache the first build wrote.
    let second = crate::shards::SecondDockerd::start();
    let run = test.run_with_env(
        &["bake", "--progress", "plain", "remote", "--load"],
        &[("DOCKER_HOST", second.host.as_str())],
    );
    run.assert_status(0);
    assert!(
        run.stderr
            .contains("importing cache manifest from localhost:5000/e2e/cache:remote"),
        "{}",
        run.stderr
    );
    let step = run
        .stderr
        .lines()
        .find(|line| line.contains("RUN echo \"remote step ran\""))
        .expect("the RUN step");
    let id = step_id(step);
    // Taken from the registry: `#7 CACHED`, or the layer pulled (`#7 sha256:… 170B / 170B
    // done`) when BuildKit needs its content for `--load`; never run.
    let pulled = run.stderr.lines().any(|line| {
        line.strip_prefix(&format!("{id} sha256:"))
            .is_some_and(|rest| rest.ends_with(" done"))
    });
    assert!(
        run.stderr.contains(&format!("{id} CACHED")) || pulled,
        "the step came from the registry cache:\n{}",
        run.stderr
    );
    let on_second = Command::new("docker")
        .args(["image", "inspect", "remote:latest"])
        .env("DOCKER_HOST", &second.host)
        .output()
        .expect("docker");
    assert!(on_second.status.success(), "built on the second daemon");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_profile_pushes_a_multi_platform_image() {
    let _lock = buildkit();
    let test = features();
    bake(&test, &["multi", "--profile", "publish"]).assert_status(0);
    let (ok, raw) = docker(&[
        "buildx",
        "imagetools",
        "inspect",
        "--raw",
        "localhost:5000/e2e/multi:1",
    ]);
    assert!(ok, "{raw}");
    let index: serde_json::Value = serde_json::from_str(&raw).expect("an index");
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter_map(|manifest| {
            Some(format!(
                "{}/{}",
                manifest["platform"]["os"].as_str()?,
                manifest["platform"]["architecture"].as_str()?
            ))
        })
        .filter(|platform| platform != "unknown/unknown")
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn the_fresh_profile_reruns_cached_steps() {
    let _lock = buildkit();
    let test = features();
    bake(&test, &["base", "--load"]).assert_status(0);
    let again = bake(&test, &["base", "--load"]);
    again.assert_status(0);
    // Whether the RUN step came from the cache.
    let cached = |run: &Run| {
        let step = run
            .stderr
            .lines()
            .find(|line| line.contains("RUN echo \"from base\""))
            .expect("the RUN step");
        let id = step_id(step);
        run.stderr.contains(&format!("{id} CACHED"))
    };
    assert!(
        cached(&again),
        "a second build reuses the cache:\n{}",
        again.stderr
    );
    let fresh = bake(&test, &["base", "--load", "--profile", "fresh"]);
    fresh.assert_status(0);
    assert!(
        !cached(&fresh),
        "--profile fresh re-runs every step:\n{}",
        fresh.stderr
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_broken_service_fails_the_build_and_is_named() {
    let _lock = buildkit();
    let test = features();
    let run = bake(&test, &["broken", "base"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("error: the build failed: broken"),
        "{}",
        run.stderr
    );
}

#[test]
fn bake_refuses_unknown_targets_and_plan_errors_before_buildx_runs() {
    let test = features();
    let run = bake(&test, &["bsae"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("did you mean `base`?"),
        "{}",
        run.stderr
    );
    let test = test.plan("service \"x\" {\n    templat \"busy\"\n}\n");
    let run = bake(&test, &[]);
    run.assert_status(2);
    assert!(!run.stderr.contains("running: docker"), "{}", run.stderr);
}

#[test]
fn a_missing_docker_is_one_clear_line() {
    let test = features();
    let empty = tempfile::tempdir().expect("temp dir");
    let run = test.run_with_env(
        &["bake", "base"],
        &[("PATH", empty.path().to_str().expect("utf-8"))],
    );
    run.assert_status(2);
    assert_eq!(
        run.stderr.lines().last(),
        Some(
            "error: the `docker` command is not installed: install the Docker CLI (e.g. Debian's docker-cli or docker.io package)"
        )
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn bake_builds_only_the_affected_services() {
    let _lock = buildkit();
    let test = features();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(test.path())
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .status()
            .expect("git");
        assert!(status.success());
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "start"]);
    std::fs::write(test.path().join("child/README"), "# changed\n").expect("write");
    let run = bake(&test, &["--affected", "--since", "HEAD", "--load"]);
    run.assert_status(0);
    assert!(run.stdout.contains("affected: child\n"), "{}", run.stdout);
    assert!(
        run.stderr.contains(" child\n") || run.stderr.contains("bake -f docker-bake.hcl"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn the_shipped_example_builds_and_runs_on_local_base_images() {
    let _lock = buildkit();
    let test = Test::from_folder(Path::new("plans/huleedu"));
    // The example's python:3.11-slim cannot be pulled here: point it at the local images, and let
    // RUN steps reach PyPI for PDM itself.
    let plan = test
        .read("bakeplan.kdl")
        .replace(
            "template \"python-pdm\" python=\"3.11\"",
            "template \"python-pdm\" build-image=\"local/python:3\" base-image=\"local/python:3\"\n    network \"host\"",
        )
        .replace("registry-cache ref=\"${REGISTRY}/cache:{service}\" mode=\"max\"", "");
    let gateway = test
        .read("services/legacy_gateway/Dockerfile")
        .replace("FROM python:3.12-slim", "FROM local/python:3")
        .replace("\"python\", \"gateway.py\"", "\"python3\", \"gateway.py\"");
    let test = test
        .plan(&plan)
        .write("services/legacy_gateway/Dockerfile", &gateway);
    bake(&test, &["--load"]).assert_status(0);
    // `cmd "pdm" "run" "start"`: PDM in the runtime stage runs the project's script.
    assert_eq!(
        run_image("ghcr.io/huleedu/content_service:latest"),
        "content_service: ok\n"
    );
    assert_eq!(
        run_image("ghcr.io/huleedu/legacy_gateway:latest"),
        "legacy_gateway: ok\n"
    );
}
