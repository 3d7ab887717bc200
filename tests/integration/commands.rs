//! The graph workflows: graph, affected (against a real git repository), new (byte-for-byte),
//! templates and completions, each driving the real binary.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::support::{Test, repo_root};

fn huleedu() -> Test {
    Test::from_folder(Path::new("plans/huleedu"))
}

#[test]
fn graph_in_every_format() {
    for folder in ["plans/huleedu", "tests/fixtures/everything"] {
        let name = Path::new(folder)
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let test = Test::from_folder(Path::new(folder));
        let mut outputs = String::new();
        for format in ["text", "dot", "mermaid", "json"] {
            let run = test.run_with(&["graph", "--format", format]);
            run.assert_status(0);
            let _ = write!(outputs, "=== {format}\n{}", run.stdout);
        }
        insta::assert_snapshot!(format!("graph-{name}"), outputs);
    }
}

/// Nested groups in Mermaid (checked with Mermaid 11's own parser: `g1` and `g2` come out as
/// subgraphs inside their parents, `g3 -.-> g2` as an edge between subgraphs) and in DOT
/// (clusters inside clusters).
#[test]
fn graph_mermaid_and_dot_draw_nested_groups() {
    let mut plan = String::from("defaults { template \"python-pip\"; }\n");
    for name in ["api", "worker", "web", "docs"] {
        let _ = writeln!(plan, "service \"{name}\" {{ context \"{name}\"; }}");
    }
    // `backend` is inside `apps`, itself inside `all`; `nightly` lists `backend` too.
    plan.push_str(concat!(
        "group \"backend\" \"api\" \"worker\"\n",
        "group \"apps\" \"backend\" \"web\"\n",
        "group \"all\" \"apps\" \"docs\"\n",
        "group \"nightly\" \"backend\" \"docs\"\n",
    ));
    let test = Test::new().plan(&plan);
    let run = test.run_with(&["graph", "--format", "mermaid"]);
    run.assert_status(0);
    insta::assert_snapshot!("graph-nested-groups-mermaid", run.stdout);
    let run = test.run_with(&["graph", "--format", "dot"]);
    run.assert_status(0);
    insta::assert_snapshot!("graph-nested-groups-dot", run.stdout);
}

#[test]
fn graph_dot_links_a_shared_group_without_clipping_at_a_cluster_around_it() {
    // `x` is drawn inside `d`, itself inside `z`; `z` lists `x` too. Its edge to `x` starts
    // inside `z`'s own cluster, so it may not be clipped there (Graphviz warns otherwise).
    let test = Test::new().plan(concat!(
        "defaults { template \"python-pip\"; }\n",
        "service \"api\" { context \"api\"; }\n",
        "group \"z\" \"d\" \"x\"\ngroup \"d\" \"x\"\ngroup \"x\" \"api\"\n",
    ));
    let run = test.run_with(&["graph", "--format", "dot"]);
    run.assert_status(0);
    // Clusters by name: d = 0, x = 1, z = 2.
    assert!(run.stdout.contains("  compound=true;\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "  \"group:2\" -> \"group:1\" [style=dotted, arrowhead=open, lhead=cluster_1];\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn graph_json_is_stable_and_documented() {
    let run = huleedu().run_with(&["graph", "--format", "json"]);
    run.assert_status(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["waves"],
        serde_json::json!([
            ["common", "legacy_gateway"],
            ["content_service", "file_service"]
        ])
    );
    assert_eq!(
        json["critical_path"],
        serde_json::json!(["common", "content_service"])
    );
    assert_eq!(
        json["edges"][0],
        serde_json::json!({"from": "common", "to": "content_service", "kind": "depends-on"})
    );
}

/// n services, each depending on the previous one and on service n/2 (the shape that makes
/// buildx 0.29's bake resolution slow), or a plain chain.
fn synthetic(n: usize, diamond: bool) -> String {
    let mut plan = String::from("defaults { template \"python-pip\"; }\n");
    for i in 0..n {
        let mut deps = Vec::new();
        if i > 0 {
            deps.push(format!("\"s{}\"", i - 1));
        }
        if diamond && i > n / 2 + 1 {
            deps.push(format!("\"s{}\"", n / 2));
        }
        let depends = if deps.is_empty() {
            String::new()
        } else {
            format!(" depends-on {};", deps.join(" "))
        };
        let _ = writeln!(plan, "service \"s{i}\" {{ context \"s{i}\";{depends} }}");
    }
    plan
}

#[test]
fn graph_warns_when_bake_resolution_will_blow_up() {
    // Service i depends on i-1 and i/2: 11,172,382 repeated paths at n=120, about 1.5 s of
    // bake's time; compile, bake and graph all say so.
    let mut plan = String::from("defaults { template \"python-pip\"; }\n");
    for i in 0..120 {
        let mut deps = Vec::new();
        if i > 0 {
            deps.push(format!("\"s{}\"", i - 1));
        }
        if i > 1 && i / 2 != i - 1 {
            deps.push(format!("\"s{}\"", i / 2));
        }
        let depends = if deps.is_empty() {
            String::new()
        } else {
            format!(" depends-on {};", deps.join(" "))
        };
        let _ = writeln!(plan, "service \"s{i}\" {{ context \"s{i}\";{depends} }}");
    }
    let test = Test::new().plan(&plan);
    for command in ["graph", "compile"] {
        let run = test.run_with(&[command]);
        run.assert_status(0);
        assert!(
            run.stderr.contains(
                "warning: the graph has 11179642 dependency paths, 11172382 of them repeated"
            ) && run.stderr.contains("about 1.5 s of its time"),
            "{command}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("Heaviest: s119"), "{}", run.stderr);
    }
    // The diamond of 100 (59,976 repeated paths: a few milliseconds) is not worth a word; nor
    // a chain of 400 nor a flat graph (none repeated).
    for plan in [synthetic(100, true), synthetic(400, false)] {
        let run = Test::new().plan(&plan).args(&["graph"]).run();
        run.assert_status(0);
        assert!(!run.stderr.contains("dependency paths"), "{}", run.stderr);
    }
    let run = Test::new()
        .plan(&synthetic(400, false))
        .args(&["graph"])
        .run();
    assert!(
        run.stdout.contains("critical path (400 services)"),
        "{}",
        run.stdout
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The `HuleEdu` example in a fresh git repository, committed on `main`, with a branch `work`.
fn repository() -> Test {
    let test = huleedu();
    git(test.path(), &["init", "-q"]);
    git(test.path(), &["add", "-A"]);
    git(test.path(), &["commit", "-qm", "start"]);
    git(test.path(), &["checkout", "-qb", "work"]);
    test
}

#[test]
fn affected_follows_inputs_and_dependents_through_git() {
    let test = repository();
    // Nothing changed yet.
    let run = test.run_with(&["affected", "--since", "main"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "");
    // A committed change to the shared library affects it and both services depending on it.
    std::fs::write(
        test.path()
            .join("libs/common_core/src/common_core/models.py"),
        "X = 1\n",
    )
    .expect("write");
    git(test.path(), &["add", "-A"]);
    git(test.path(), &["commit", "-qm", "models"]);
    let run = test.run_with(&["affected", "--since", "main"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "common\ncontent_service\nfile_service\n");
    let run = test.run_with(&["affected", "--since", "main", "--format", "json"]);
    run.assert_status(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        json["waves"],
        serde_json::json!([["common"], ["content_service", "file_service"]])
    );
    assert_eq!(json["changed"], serde_json::json!(["common"]));
    // An uncommitted edit and an untracked file count too.
    std::fs::write(test.path().join("services/legacy_gateway/new.txt"), "x").expect("write");
    let run = test.run_with(&["affected", "--since", "main", "--format", "bake"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "common content_service file_service legacy_gateway\n"
    );
}

/// Commits the working tree as it is.
fn commit(test: &Test, message: &str) {
    git(test.path(), &["add", "-A"]);
    git(test.path(), &["commit", "-qm", message]);
}

#[test]
fn affected_by_a_plan_edit_compares_the_resolved_services() {
    let test = repository();
    let plan = test.read("bakeplan.kdl");
    let edit = |from: &str, to: &str| {
        assert!(plan.contains(from), "{from}");
        std::fs::write(test.path().join("bakeplan.kdl"), plan.replacen(from, to, 1))
            .expect("write");
    };
    let affected = || {
        let run = test.run_with(&["affected", "--since", "main"]);
        run.assert_status(0);
        run
    };
    // Each edit below starts from the committed plan.
    // A comment and a blank line: the plan file changed, no service did.
    edit("version 1\n", "version 1\n// a comment\n\n");
    let run = affected();
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
    // One service's own child: that service only (nothing depends on it).
    edit("    port 8001\n", "    port 8002\n");
    assert_eq!(affected().stdout, "file_service\n");
    // A child of `common`, which both services depend on: it and its dependents.
    edit(
        "    description \"shared models and utilities\"\n",
        "    description \"shared models\"\n",
    );
    assert_eq!(affected().stdout, "common\ncontent_service\nfile_service\n");
    // A template parameter in `defaults` reaches every service using the template, not the
    // hand-written one.
    edit("python=\"3.11\"", "python=\"3.12\"");
    assert_eq!(affected().stdout, "common\ncontent_service\nfile_service\n");
    // A variable's default reaches every target that interpolates it (all four tags).
    edit("default=\"latest\"", "default=\"dev\"");
    assert_eq!(
        affected().stdout,
        "common\ncontent_service\nfile_service\nlegacy_gateway\n"
    );
    // A profile's setting changes what the overlay sets on every target.
    edit(
        "profile \"fresh\" { no-cache #true; pull #true }",
        "profile \"fresh\" { no-cache #true; }",
    );
    assert_eq!(
        affected().stdout,
        "common\ncontent_service\nfile_service\nlegacy_gateway\n"
    );
    // A new service is affected, the others are not; committed changes count the same way.
    std::fs::write(
        test.path().join("bakeplan.kdl"),
        format!("{plan}service \"extra\" {{ context \"services/extra\"; }}\n"),
    )
    .expect("write");
    commit(&test, "extra");
    let run = affected();
    assert_eq!(run.stdout, "extra\n");
    let run = test.run_with(&["affected", "--since", "main", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["changed"], serde_json::json!(["extra"]));
}

#[test]
fn affected_falls_back_to_every_service_without_a_plan_to_compare() {
    // No plan at the base commit: every service, and a note saying why.
    let test = huleedu();
    let plan = test.read("bakeplan.kdl");
    std::fs::remove_file(test.path().join("bakeplan.kdl")).expect("remove");
    git(test.path(), &["init", "-q"]);
    commit(&test, "start");
    git(test.path(), &["checkout", "-qb", "work"]);
    std::fs::write(test.path().join("bakeplan.kdl"), &plan).expect("write");
    let run = test.run_with(&["affected", "--since", "main"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "common\ncontent_service\nfile_service\nlegacy_gateway\n"
    );
    assert!(
        run.stderr
            .starts_with("note: bakeplan.kdl does not exist at "),
        "{}",
        run.stderr
    );
    // A plan that did not compile at the base commit: the same.
    std::fs::write(
        test.path().join("bakeplan.kdl"),
        plan.replace(
            "depends-on \"common\"\n    port 8000",
            "depends-on \"comon\"\n    port 8000",
        ),
    )
    .expect("write");
    commit(&test, "broken");
    git(test.path(), &["checkout", "-qb", "fix"]);
    std::fs::write(test.path().join("bakeplan.kdl"), &plan).expect("write");
    let run = test.run_with(&["affected", "--since", "work"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "common\ncontent_service\nfile_service\nlegacy_gateway\n"
    );
    assert!(run.stderr.contains("does not compile"), "{}", run.stderr);
}

#[test]
fn affected_from_a_file_list_and_the_plan_itself() {
    let test = huleedu().write(
        "changes.txt",
        "services/file_service/pyproject.toml\n./README.md\n",
    );
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "file_service\n");
    let test = test.write("changes.txt", "bakeplan.kdl\n");
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    assert_eq!(
        run.stdout,
        "common\ncontent_service\nfile_service\nlegacy_gateway\n"
    );
    // A plan template affects the services using it.
    let test = Test::from_folder(Path::new("tests/fixtures/everything"))
        .write("changes.txt", "templates/busybox.Dockerfile.j2\n");
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "worker\n");
    // `inputs` globs replace the default context folder.
    let test = test.write("changes.txt", "libs/base/README\n");
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    assert_eq!(run.stdout, "base\napi\nworker\n");
}

#[test]
fn affected_needs_a_source_of_changes() {
    huleedu().run_with(&["affected"]).assert_status(2);
    let run = huleedu().run_with(&["affected", "--since", "no-such-ref"]);
    run.assert_status(2);
    assert!(run.stderr.contains("git merge-base"), "{}", run.stderr);
}

#[test]
fn new_adds_a_service_keeping_the_plan_byte_for_byte() {
    let test = huleedu();
    let before = test.read("bakeplan.kdl");
    let run = test.run_with(&[
        "new",
        "billing",
        "--template",
        "python-pdm",
        "--depends-on",
        "common",
        "--context",
        "services/billing",
    ]);
    run.assert_status(0);
    let after = test.read("bakeplan.kdl");
    let block = "\nservice \"billing\" {\n    context \"services/billing\"\n    template \"python-pdm\"\n    depends-on \"common\"\n}\n";
    assert_eq!(after, expected_plan(&before, block, None));
    assert!(test.path().join("services/billing/Dockerfile").is_file());
    assert!(
        run.stdout.contains("added service `billing`"),
        "{}",
        run.stdout
    );
    test.run_with(&["compile", "--check"]).assert_status(0);
}

/// The plan after `new`: `before` with `block` after the last service, and `group` rewritten.
fn expected_plan(before: &str, block: &str, group_line: Option<&str>) -> String {
    let anchor = "    dockerfile \"services/legacy_gateway/Dockerfile\"\n}\n";
    let at = before.find(anchor).expect("the last service") + anchor.len();
    let plan = format!("{}{block}{}", &before[..at], &before[at..]);
    match group_line {
        Some(line) => plan.replace(
            "group \"backend\" \"content_service\" \"file_service\"\n",
            &format!("{line}\n"),
        ),
        None => plan,
    }
}

#[test]
fn new_with_parameters_and_a_group() {
    let test = huleedu();
    let before = test.read("bakeplan.kdl");
    let run = test.run_with(&[
        "new",
        "billing",
        "--template",
        "python-pip",
        "--param",
        "python=3.12",
        "--param",
        "base-image=local/python:3",
        "--group",
        "backend",
    ]);
    run.assert_status(0);
    let block = "\nservice \"billing\" {\n    context \"services/billing\"\n    template \"python-pip\" python=\"3.12\" base-image=\"local/python:3\"\n}\n";
    assert_eq!(
        test.read("bakeplan.kdl"),
        expected_plan(
            &before,
            block,
            Some("group \"backend\" \"content_service\" \"file_service\" \"billing\"")
        )
    );
    let dockerfile = test.read("services/billing/Dockerfile");
    assert!(dockerfile.contains("local/python:3"), "{dockerfile}");
    assert!(
        test.read("docker-bake.hcl")
            .contains("group \"backend\" {\n  targets = [\n    \"content_service\",\n    \"file_service\",\n    \"billing\"\n  ]"),
        "{}",
        test.read("docker-bake.hcl")
    );
    test.run_with(&["compile", "--check"]).assert_status(0);
}

#[test]
fn new_adds_the_first_service_to_a_plan_without_one() {
    // `compile` refuses a plan with no service; `new` is how it gets its first.
    let test = Test::new().plan("version 1\n");
    test.run_with(&["compile"]).assert_status(2);
    let run = test.run_with(&["new", "api", "--template", "python-pip"]);
    run.assert_status(0);
    assert_eq!(
        test.read("bakeplan.kdl"),
        "version 1\n\nservice \"api\" {\n    context \"services/api\"\n    template \"python-pip\"\n}\n"
    );
    test.run_with(&["compile", "--check"]).assert_status(0);
}

#[test]
fn new_with_a_hand_written_dockerfile() {
    let test = huleedu().write("gateway/Dockerfile", "FROM local/busybox:1\n");
    let before = test.read("bakeplan.kdl");
    let run = test.run_with(&["new", "gateway", "--dockerfile", "gateway/Dockerfile"]);
    run.assert_status(0);
    let block = "\nservice \"gateway\" {\n    context \"gateway\"\n    dockerfile \"gateway/Dockerfile\"\n}\n";
    assert_eq!(
        test.read("bakeplan.kdl"),
        expected_plan(&before, block, None)
    );
    // Nothing generated for it: the hand-written file is as it was, with no ignore file beside.
    assert_eq!(test.read("gateway/Dockerfile"), "FROM local/busybox:1\n");
    assert!(!test.path().join("gateway/Dockerfile.dockerignore").exists());
    assert!(!run.stdout.contains("gateway/"), "{}", run.stdout);
    test.run_with(&["compile", "--check"]).assert_status(0);
    // An explicit context wins over the Dockerfile's folder.
    let test = huleedu().write("gateway/Dockerfile", "FROM local/busybox:1\n");
    test.run_with(&[
        "new",
        "gateway",
        "--dockerfile",
        "gateway/Dockerfile",
        "--context",
        ".",
    ])
    .assert_status(0);
    assert!(
        test.read("bakeplan.kdl")
            .contains("    context \".\"\n    dockerfile \"gateway/Dockerfile\"\n"),
        "{}",
        test.read("bakeplan.kdl")
    );
}

#[test]
fn new_refuses_bad_requests_and_leaves_the_plan_untouched() {
    for args in [
        &["new", "common", "--template", "python-pdm"][..],
        &["new", "billing", "--template", "python-pdn"],
        &[
            "new",
            "billing",
            "--template",
            "python-pdm",
            "--depends-on",
            "comon",
        ],
        &["new", "Billing", "--template", "python-pdm"],
        &[
            "new",
            "billing",
            "--template",
            "python-pdm",
            "--param",
            "pyton=3.12",
        ],
        &[
            "new",
            "billing",
            "--template",
            "python-pdm",
            "--param",
            "python",
        ],
        &[
            "new",
            "billing",
            "--template",
            "python-pdm",
            "--param",
            "python=3.12",
            "--param",
            "python=3.13",
        ],
        &[
            "new",
            "billing",
            "--template",
            "python-pdm",
            "--group",
            "backnd",
        ],
        &[
            "new",
            "billing",
            "--dockerfile",
            "x/Dockerfile",
            "--template",
            "python-pdm",
        ],
        &[
            "new",
            "billing",
            "--dockerfile",
            "x/Dockerfile",
            "--param",
            "a=b",
        ],
        &["new", "billing", "--dockerfile", "../Dockerfile"],
        &["new", "billing"],
    ] {
        let test = huleedu();
        let before = test.files();
        let run = test.run_with(args);
        run.assert_status(2);
        assert_eq!(test.files(), before, "{args:?} changed files");
    }
    for (args, message) in [
        (
            &["new", "billing", "--template", "python-pdn"][..],
            "did you mean `python-pdm`?",
        ),
        (
            &[
                "new",
                "billing",
                "--template",
                "python-pdm",
                "--param",
                "pyton=3.12",
            ],
            "the template `python-pdm` has no parameter `pyton`; did you mean `python`?",
        ),
        (
            &[
                "new",
                "billing",
                "--template",
                "python-pdm",
                "--group",
                "backnd",
            ],
            "`backnd` is not a group of this plan; did you mean `backend`?",
        ),
        (
            &[
                "new",
                "billing",
                "--template",
                "python-pdm",
                "--group",
                "zzz",
            ],
            "its groups are: backend",
        ),
    ] {
        let run = huleedu().run_with(args);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn templates_lists_and_describes() {
    let run = Test::new().run_with(&["templates"]);
    run.assert_status(0);
    for name in [
        "python-pdm",
        "python-uv",
        "python-pip",
        "node",
        "go",
        "rust",
        "static",
    ] {
        assert!(run.stdout.contains(name), "{name} missing:\n{}", run.stdout);
    }
    let run = Test::from_folder(Path::new("tests/fixtures/everything")).run_with(&["templates"]);
    assert!(
        run.stdout
            .contains("busybox     templates/busybox.Dockerfile.j2"),
        "{}",
        run.stdout
    );
    let run = Test::new().run_with(&["templates", "python-pdm"]);
    run.assert_status(0);
    insta::assert_snapshot!("templates-python-pdm", run.stdout);
    let run = Test::from_folder(Path::new("tests/bad/_support"))
        .plan("template-dir \"templates\"\n")
        .args(&["templates", "needs-shell"])
        .run();
    assert!(run.stdout.contains("shell  required"), "{}", run.stdout);
    // Its header has no depends-on, secret or cache-mount notes: what bakeplan does is shown.
    assert!(
        run.stdout.contains("\nsecret: not described by the template; a secret is mounted where it renders `service.secret_flags`\n")
            && run.stdout.contains("\ncache-mount: not described by the template; a cache is mounted where it renders `service.cache_mount_flags`\n"),
        "{}",
        run.stdout
    );
    Test::new()
        .run_with(&["templates", "nope"])
        .assert_status(2);
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let run = Test::new().run_with(&["completions", shell]);
        run.assert_status(0);
        assert!(
            run.stdout.contains("affected") && run.stdout.contains("compile"),
            "{shell}"
        );
    }
}

#[test]
fn every_command_has_help_with_an_example() {
    for command in [
        "compile",
        "bake",
        "graph",
        "affected",
        "new",
        "templates",
        "lint",
        "completions",
    ] {
        let run = Test::new().run_with(&[command, "--help"]);
        run.assert_status(0);
        assert!(run.stdout.contains("Examples:"), "{command}");
    }
    let _ = repo_root();
}
