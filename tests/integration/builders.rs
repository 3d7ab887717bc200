//! `builder` blocks and `bakeplan builder create|rm|status`: the buildx commands for each
//! driver (`--dry-run`), plan errors, and a real `docker` builder (a docker context) created,
//! used by `bake --builder` and a profile, and removed.

use crate::e2e::{buildkit, run_image};
use crate::support::Test;

const BUILDERS: &str = r#"
service "app" { dockerfile "Dockerfile"; }
builder "fleet" {
    node "amd" endpoint="tcp://amd64.builders.example:1234" platforms="linux/amd64"
    node "arm" endpoint="tcp://arm64.builders.example:1234" platforms="linux/arm64"
    driver "remote"
    driver-opt { cacert "certs/ca.pem"; servername "buildkit"; }
}
builder "bp-test-dc" {
    node "dc0" platforms="linux/amd64,linux/386"
    driver "docker-container"
    driver-opt { network "host"; }
}
builder "bp-test-k8s" {
    node "k0"
    driver "kubernetes"
    driver-opt { namespace "buildkit"; replicas "1"; }
}
"#;

#[test]
fn dry_run_prints_the_buildx_commands_for_each_driver() {
    let test = Test::new().plan(BUILDERS);
    let folder = test
        .path()
        .canonicalize()
        .expect("folder")
        .to_string_lossy()
        .into_owned();
    let dry = |name: &str| {
        let run = test.run_with(&["builder", "create", name, "--dry-run"]);
        run.assert_status(0);
        run.stdout.replace(&folder, "PLAN")
    };
    assert_eq!(
        dry("fleet"),
        "docker buildx create --name fleet --driver remote --node amd --platform linux/amd64 --driver-opt cacert=PLAN/certs/ca.pem --driver-opt servername=buildkit tcp://amd64.builders.example:1234\n\
         docker buildx create --name fleet --append --driver remote --node arm --platform linux/arm64 --driver-opt cacert=PLAN/certs/ca.pem --driver-opt servername=buildkit tcp://arm64.builders.example:1234\n"
    );
    assert_eq!(
        dry("bp-test-dc"),
        "docker buildx create --name bp-test-dc --driver docker-container --node dc0 --platform linux/amd64 --platform linux/386 --driver-opt network=host\n"
    );
    assert_eq!(
        dry("bp-test-k8s"),
        "docker buildx create --name bp-test-k8s --driver kubernetes --node k0 --driver-opt namespace=buildkit --driver-opt replicas=1\n"
    );
    let test = Test::new().plan(
        "service \"app\" { dockerfile \"Dockerfile\"; }\nbuilder \"bp-test-dry\" { node \"d\" endpoint=\"unix:///run/other.sock\"; driver \"docker\"; }\n",
    );
    let run = test.run_with(&["builder", "create", "bp-test-dry", "--dry-run"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "docker context create bp-test-dry --docker host=unix:///run/other.sock\n"
    );
    let run = test.run_with(&["builder", "rm", "bp-test-dry", "--dry-run"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "builder `bp-test-dry` does not exist; nothing to do\n"
    );
    let run = test.run_with(&["builder", "create", "bp-test-dyr"]);
    run.assert_status(2);
    assert!(
        run.stderr
            .contains("no builder is named `bp-test-dyr` in the plan; did you mean `bp-test-dry`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn builder_blocks_are_checked() {
    let cases = [
        (
            "builder \"b\" { node \"n\"; driver \"remot\"; }",
            "`remot` is not a buildx driver",
        ),
        (
            "builder \"b\" { node \"n\"; driver \"remote\"; }",
            "node `n` of a `remote` builder has no `endpoint`",
        ),
        (
            "builder \"b\" { driver \"remote\"; }",
            "builder `b` has no `node`",
        ),
        (
            "builder \"b\" { node \"n\" endpont=\"tcp://x:1\"; }",
            "unknown property `endpont` on `node`",
        ),
        (
            "builder \"b\" { node \"n\" platforms=\"linux/amd64,amd64\"; }",
            "`amd64` is not a platform",
        ),
        (
            "builder \"b\" { nodes \"n\"; }",
            "unknown node `nodes` in a builder",
        ),
        (
            "builder \"b\" { node \"n\"; driver-opt { cacert \"../ca.pem\"; }; }",
            "../ca.pem",
        ),
        (
            "builder \"b\" { node \"n\"; }\nprofile \"ci\" { builder \"c\"; }",
            "profile `ci` names no builder of the plan: `c`",
        ),
    ];
    for (plan, message) in cases {
        let test = Test::new().plan(plan);
        let run = test.run_with(&["compile"]);
        run.assert_status(2);
        assert!(
            run.stderr.contains(message),
            "{plan}: {message:?} in\n{}",
            run.stderr
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_docker_builder_is_created_used_and_removed() {
    let _lock = buildkit();
    let host = std::env::var("DOCKER_HOST").expect("DOCKER_HOST (scripts/buildkit-env.sh env)");
    let test = Test::new()
        .plan(&format!(
            r#"builder "bp-test-ctx" {{ node "here" endpoint="{host}"; driver "docker"; }}
defaults {{ network "none"; }}
service "hello" {{ context "hello"; dockerfile "hello/Dockerfile"; tags "bp-builder/hello:test"; }}
profile "second" {{ builder "bp-test-ctx"; }}
"#
        ))
        .write(
            "hello/Dockerfile",
            "FROM local/busybox:1\nRUN echo hello from the second context > /hi\nCMD [\"cat\", \"/hi\"]\n",
        );
    // Left over from an interrupted run.
    let _ = test.run_with(&["builder", "rm", "bp-test-ctx"]);
    let run = test.run_with(&["builder", "status", "bp-test-ctx"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("builder `bp-test-ctx` is not created"),
        "{}",
        run.stderr
    );
    let run = test.run_with(&["bake", "--builder", "bp-test-ctx"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains(
            "builder `bp-test-ctx` is not created yet: run `bakeplan builder create bp-test-ctx`"
        ),
        "{}",
        run.stderr
    );
    let run = test.run_with(&["builder", "create", "bp-test-ctx"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        format!("docker context create bp-test-ctx --docker host={host}\n")
    );
    let again = test.run_with(&["builder", "create", "bp-test-ctx"]);
    again.assert_status(0);
    assert_eq!(
        again.stdout,
        "builder `bp-test-ctx` is up to date; nothing to do\n"
    );
    test.run_with(&["builder", "status", "bp-test-ctx"])
        .assert_status(0);
    for args in [
        &["bake", "--builder", "bp-test-ctx"][..],
        &["bake", "--profile", "second"][..],
    ] {
        let run = test.run_with(args);
        run.assert_status(0);
        assert!(
            run.stderr
                .contains("running: docker --context bp-test-ctx buildx bake"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        run_image("bp-builder/hello:test").trim(),
        "hello from the second context"
    );
    let run = test.run_with(&["builder", "rm", "bp-test-ctx"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "docker context rm bp-test-ctx\n");
    let run = test.run_with(&["builder", "rm", "bp-test-ctx"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "builder `bp-test-ctx` does not exist; nothing to do\n"
    );
}
