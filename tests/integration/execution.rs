//! Scheduling on a real `BuildKit`: keep-going, `--jobs`, the per-service summary and its JSON.
//! Each test writes a small busybox plan of its own: an early failure, what depends on it, and
//! independent services.

use crate::e2e::{buildkit, run_image};
use crate::support::{Run, Test};

/// `early` fails at once; `late` depends on it; `slow`, `solo` and `top` (→ `solo`) do not.
pub fn plan_with_an_early_failure() -> Test {
    let busy = |line: &str| format!("FROM local/busybox:1\nARG BUST\n{line}\n");
    Test::new()
        .plan(
            r#"variable "BUST" default="1"
defaults { network "none"; args { BUST "${BUST}"; }; }
service "early" { context "early"; dockerfile "early/Dockerfile"; tags "bp-exec/early:test"; }
service "late" { context "late"; dockerfile "late/Dockerfile"; depends-on "early"; tags "bp-exec/late:test"; }
service "slow" { context "slow"; dockerfile "slow/Dockerfile"; tags "bp-exec/slow:test"; }
service "solo" { context "solo"; dockerfile "solo/Dockerfile"; tags "bp-exec/solo:test"; }
service "top" { context "top"; dockerfile "top/Dockerfile"; depends-on "solo"; tags "bp-exec/top:test"; }
"#,
        )
        .write("early/Dockerfile", &busy("RUN echo \"early $BUST\" && exit 3"))
        .write("late/Dockerfile", &busy("COPY --from=early / /early\nCMD [\"echo\", \"late\"]"))
        .write(
            "slow/Dockerfile",
            &busy("RUN sleep 2 && echo \"slow $BUST\" > /slow.txt\nCMD [\"cat\", \"/slow.txt\"]"),
        )
        .write(
            "solo/Dockerfile",
            &busy("RUN echo \"solo $BUST\" > /solo.txt\nCMD [\"cat\", \"/solo.txt\"]"),
        )
        .write(
            "top/Dockerfile",
            &busy("COPY --from=solo /solo.txt /solo.txt\nRUN echo \"top $BUST\" >> /solo.txt\nCMD [\"cat\", \"/solo.txt\"]"),
        )
}

/// A value no earlier build used, so every step runs.
pub fn fresh() -> String {
    format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    )
}

fn read_summary(test: &Test) -> serde_json::Value {
    serde_json::from_str(&test.read("summary.json")).expect("summary JSON")
}

fn results(summary: &serde_json::Value) -> Vec<(String, String)> {
    summary["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|service| {
            (
                service["name"].as_str().expect("name").to_owned(),
                service["result"].as_str().expect("result").to_owned(),
            )
        })
        .collect()
}

fn bake(test: &Test, bust: &str, args: &[&str]) -> Run {
    let mut all = vec!["bake", "--json", "summary.json"];
    all.extend_from_slice(args);
    test.run_with_env(&all, &[("BUST", bust)])
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn keep_going_builds_everything_independent_of_an_early_failure() {
    let _lock = buildkit();
    let test = plan_with_an_early_failure();
    let bust = fresh();
    let run = bake(&test, &bust, &["--keep-going"]);
    run.assert_status(1);
    let summary = read_summary(&test);
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        results(&summary),
        pairs(&[
            ("early", "failed"),
            ("late", "skipped"),
            ("slow", "built"),
            ("solo", "built"),
            ("top", "built"),
        ]),
        "{}",
        run.stderr
    );
    assert_eq!(summary["result"], "failed");
    assert_eq!(summary["services"][1]["reason"], "because early failed");
    assert!(
        summary["services"][0]["error"]
            .as_str()
            .is_some_and(|error| error.contains("exit code: 3")),
        "{summary}"
    );
    for line in [
        "summary: 3 built, 1 failed, 1 skipped in ",
        "error: the build failed: early\n",
    ] {
        assert!(run.stderr.contains(line), "{line:?} in\n{}", run.stderr);
    }
    assert_eq!(
        run_image("bp-exec/slow:test").trim(),
        format!("slow {bust}")
    );
    assert_eq!(
        run_image("bp-exec/top:test").trim(),
        format!("solo {bust}\ntop {bust}")
    );
    // The same plan again: every step of the services that built comes from the cache.
    let again = bake(&test, &bust, &["--keep-going", "slow", "top"]);
    again.assert_status(0);
    assert_eq!(
        results(&read_summary(&test))
            .into_iter()
            .map(|(_, result)| result)
            .collect::<Vec<_>>(),
        ["cached", "cached", "cached"],
        "{}",
        again.stderr
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn fail_fast_stops_the_other_builds_and_names_the_failure() {
    let _lock = buildkit();
    let test = plan_with_an_early_failure();
    let run = bake(&test, &fresh(), &[]);
    run.assert_status(1);
    let summary = read_summary(&test);
    let results = results(&summary);
    assert_eq!(
        results[0],
        ("early".to_owned(), "failed".to_owned()),
        "{}",
        run.stderr
    );
    assert_eq!(
        results[1],
        ("late".to_owned(), "skipped".to_owned()),
        "{}",
        run.stderr
    );
    // `slow` sleeps: it was running and is canceled, never built.
    assert_eq!(
        results[2],
        ("slow".to_owned(), "canceled".to_owned()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: the build failed: early"),
        "{}",
        run.stderr
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn one_failing_target_is_named() {
    let _lock = buildkit();
    let test = plan_with_an_early_failure();
    let run = bake(&test, &fresh(), &["early"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("error: the build failed: early\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("  early  failed")
            && run
                .stderr
                .contains("did not complete successfully: exit code: 3"),
        "{}",
        run.stderr
    );
}

/// Seconds since midnight of an RFC 3339 time (`2026-11-26T08:36:14.123456789Z`).
fn clock(stamp: &str) -> f64 {
    let time = stamp.split('T').nth(1).expect("a time");
    let time = time.trim_end_matches('Z');
    let mut parts = time.split(':');
    let hours: f64 = parts.next().expect("h").parse().expect("hours");
    let minutes: f64 = parts.next().expect("m").parse().expect("minutes");
    let seconds: f64 = parts.next().expect("s").parse().expect("seconds");
    hours * 3600.0 + minutes * 60.0 + seconds
}

/// Each service's first `started` and last `completed` from its rawjson progress lines
/// (`NAME | {"vertexes": [...]}`).
fn intervals(stderr: &str) -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut spans = std::collections::BTreeMap::<String, (f64, f64)>::new();
    for line in stderr.lines() {
        let Some((name, json)) = line.split_once(" | ") else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        for vertex in value["vertexes"].as_array().into_iter().flatten() {
            let span = spans
                .entry(name.trim().to_owned())
                .or_insert((f64::MAX, f64::MIN));
            if let Some(started) = vertex["started"].as_str() {
                span.0 = span.0.min(clock(started));
            }
            if let Some(completed) = vertex["completed"].as_str() {
                span.1 = span.1.max(clock(completed));
            }
        }
    }
    spans
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn jobs_1_builds_one_service_at_a_time() {
    let _lock = buildkit();
    let test = plan_with_an_early_failure();
    let run = bake(
        &test,
        &fresh(),
        &[
            "--jobs",
            "1",
            "--progress",
            "rawjson",
            "slow",
            "solo",
            "top",
        ],
    );
    run.assert_status(0);
    let spans = intervals(&run.stderr);
    assert_eq!(spans.len(), 3, "{spans:?}");
    let mut ordered: Vec<(f64, f64)> = spans.values().copied().collect();
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in ordered.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0,
            "a build started before the previous one ended: {spans:?}"
        );
    }
    // With room for all, `slow` (2 s) and `solo` overlap (bakeplan's schedule, as above;
    // without --jobs one buildx bake builds everything).
    let run = bake(
        &test,
        &fresh(),
        &[
            "--jobs",
            "3",
            "--progress",
            "rawjson",
            "slow",
            "solo",
            "top",
        ],
    );
    run.assert_status(0);
    let spans = intervals(&run.stderr);
    assert!(
        spans["solo"].0 < spans["slow"].1 && spans["slow"].0 < spans["solo"].1,
        "slow and solo build at the same time: {spans:?}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn the_platform_check_refuses_a_platform_the_builder_lacks() {
    let _lock = buildkit();
    let test = plan_with_an_early_failure();
    // The test builder (docker driver, no emulation) builds linux/amd64 only.
    let run = bake(&test, &fresh(), &["top", "--platform", "linux/arm64"]);
    run.assert_status(2);
    for part in [
        "error: builder `default` cannot build linux/arm64 for `solo`, `top` (it builds linux/amd64",
        "tonistiigi/binfmt --install arm64",
        "--node arm64 --platform linux/arm64 ENDPOINT",
    ] {
        assert!(run.stderr.contains(part), "{part:?} in\n{}", run.stderr);
    }
    assert!(
        !run.stderr.contains("running:"),
        "nothing is built:\n{}",
        run.stderr
    );
    // A platform it lists needs nothing more.
    bake(&test, &fresh(), &["top", "--platform", "linux/amd64"]).assert_status(0);
}
