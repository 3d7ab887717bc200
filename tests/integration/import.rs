//! `bakeplan import compose`: compose fixtures become plans that compile clean and that
//! `docker buildx bake --print` accepts.

use std::path::Path;

use crate::buildx;
use crate::require_buildx;
use crate::support::Test;

fn full() -> Test {
    Test::from_folder(Path::new("tests/fixtures/compose/full"))
}

/// The notes with the temp folder's path taken out.
fn notes(run: &crate::support::Run) -> String {
    run.stderr.clone()
}

#[test]
fn every_build_key_is_carried_or_listed_and_the_plan_compiles_clean() {
    let test = full();
    let run = test.run_with(&["import", "compose", "compose.yml", "compose.ci.yml"]);
    run.assert_status(0);
    insta::assert_snapshot!("import-full-plan", test.read("bakeplan.kdl"));
    insta::assert_snapshot!("import-full-notes", notes(&run));
    insta::assert_snapshot!("import-full-inline", test.read("worker.Dockerfile"));
    test.run_with(&["compile"]).assert_status(0);
    test.run_with(&["compile", "--check"]).assert_status(0);
}

#[test]
fn buildx_accepts_the_imported_plan() {
    require_buildx!();
    let test = full();
    test.run_with(&["import", "compose", "compose.yml", "compose.ci.yml"])
        .assert_status(0);
    test.run_with(&["compile"]).assert_status(0);
    // `-f`: without it bake would read compose.yml from the folder too. `ssh "default"` needs an
    // agent socket that exists (a listening Unix socket; --print never talks to it).
    let socket = test.path().join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("stand-in agent");
    let agent = ("SSH_AUTH_SOCK", socket.to_str().expect("utf-8 path"));
    let printed = buildx::print(
        test.path(),
        &["docker-bake.hcl"],
        &["tools", "api"],
        &[agent],
    );
    let api = &printed["target"]["api"];
    assert_eq!(api["contexts"]["base_image"], "target:base");
    assert_eq!(api["contexts"]["shared"], "libs");
    assert_eq!(api["args"]["PYTHON_VERSION"], "3.13", "the later file wins");
    assert_eq!(api["args"]["GREETING"], "say \"hi\" \\ $HOME latest");
    assert_eq!(api["target"], "runtime");
    assert_eq!(api["secret"][1]["src"], "secrets/pip.conf");
    let worker = &printed["target"]["worker"];
    assert_eq!(
        worker["contexts"]["127.0.0.1:5000/shop/base:latest"],
        "target:base"
    );
    assert_eq!(worker["network"], "none");
    // Compose variables stay live bake variables.
    let printed = buildx::print(
        test.path(),
        &["docker-bake.hcl"],
        &["api"],
        &[("GIT_SHA", "abc123"), agent],
    );
    assert_eq!(
        printed["target"]["api"]["tags"][0],
        "127.0.0.1:5000/shop/api:abc123"
    );
}

#[test]
fn an_existing_plan_is_never_overwritten() {
    let test = full().write("bakeplan.kdl", "// mine\n");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("bakeplan.kdl already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(test.read("bakeplan.kdl"), "// mine\n");
    assert!(!test.path().join("worker.Dockerfile").exists());
}

#[test]
fn an_existing_file_in_the_way_of_an_inline_dockerfile_is_kept() {
    let test = full().write("worker.Dockerfile", "FROM mine\n");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("worker.Dockerfile already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(test.read("worker.Dockerfile"), "FROM mine\n");
    assert!(!test.path().join("bakeplan.kdl").exists());
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let test = full();
    let run = test.run_with(&["import", "compose", "compose.yml", "--dry-run"]);
    run.assert_status(0);
    assert!(run.stdout.contains("service \"api\" {"), "{}", run.stdout);
    assert!(!test.path().join("bakeplan.kdl").exists());
    assert!(!test.path().join("worker.Dockerfile").exists());
}

#[test]
fn keys_not_carried_are_listed_with_their_file_and_line() {
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      shm_size: 2g\n      ssh: [default]\n    ports: [\"80:80\"]\n    volumes: [./x:/x]\n  web:\n    build: .\n    ports: [\"81:81\"]\n    restart: always\n",
        )
        .write("Dockerfile", "FROM local/busybox:1\n");
    let run = test.run_with(&[
        "import",
        "compose",
        "compose.yml",
        "--output",
        "plan/bakeplan.kdl",
    ]);
    // --output in a folder that does not hold the context: the services are skipped, each said.
    run.assert_status(2);
    assert!(
        run.stderr.contains("outside the plan's folder"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no service could be imported"),
        "{}",
        run.stderr
    );
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(0);
    assert!(
        run.stderr
            .contains("compose.yml:5: build `shm_size` of service `app` not carried"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("`ssh`"), "{}", run.stderr);
    assert!(
        test.read("bakeplan.kdl").contains("ssh \"default\""),
        "build.ssh becomes the service's `ssh`"
    );
    let printed = test.run_with(&["compile"]);
    printed.assert_status(0);
    assert!(
        test.read("docker-bake.hcl")
            .contains("ssh = [\n    \"default\"\n  ]")
    );
    // Runtime keys: one line for all of them.
    let runtime: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("runtime keys"))
        .collect();
    assert_eq!(
        runtime,
        [
            "note: runtime keys not carried (a plan builds images; `docker compose up` still runs them): ports (compose.yml:7, :11); restart (compose.yml:12); volumes (compose.yml:8)"
        ]
    );
    test.run_with(&["compile"]).assert_status(0);
}

#[test]
fn several_files_merge_as_compose_merges_them() {
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      args: [A=1, B=2]\n      tags: [one]\n      cache_from: [c1]\n",
        )
        .write(
            "compose.override.yml",
            "services:\n  app:\n    build:\n      args:\n        B: \"9\"\n      tags: [two]\n      cache_from: !override [c2]\n      target: prod\n",
        )
        .write("Dockerfile", "FROM local/busybox:1 AS prod\n");
    let run = test.run_with(&[
        "import",
        "compose",
        "compose.yml",
        "compose.override.yml",
        "--dry-run",
    ]);
    run.assert_status(0);
    insta::assert_snapshot!("import-merge", run.stdout);
}

#[test]
fn a_plan_value_is_escaped_for_kdl_and_bake() {
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      args:\n        QUOTE: 'a \"b\" \\\\ c'\n        LIT: \"$${NOT_VAR} %{x} $$y\"\n        TAB: \"x\\ty\"\n      labels:\n        com.example.note: \"line1\\nline2\"\n",
        )
        .write("Dockerfile", "FROM local/busybox:1\n");
    test.run_with(&["import", "compose", "compose.yml"])
        .assert_status(0);
    test.run_with(&["compile"]).assert_status(0);
    if !buildx::available() {
        return;
    }
    let printed = buildx::print(test.path(), &["docker-bake.hcl"], &["app"], &[]);
    let args = &printed["target"]["app"]["args"];
    assert_eq!(args["QUOTE"], "a \"b\" \\\\ c");
    // --print re-escapes args (buildx `Target.MarshalJSON`): `$${` and `%%{` are `${` and `%{`.
    assert_eq!(args["LIT"], "$${NOT_VAR} %%{x} $y");
    assert_eq!(args["TAB"], "x\ty");
    assert_eq!(
        printed["target"]["app"]["labels"]["com.example.note"],
        "line1\nline2"
    );
}

/// An image's configuration as compose and bake both set it (compose's own labels left out),
/// and the list of its files.
fn image_facts(image: &str) -> (serde_json::Value, String) {
    let (ok, text) =
        crate::e2e::docker(&["image", "inspect", "--format", "{{json .Config}}", image]);
    assert!(ok, "inspect {image}: {text}");
    let config: serde_json::Value = serde_json::from_str(text.trim()).expect("config JSON");
    let labels: serde_json::Map<String, serde_json::Value> = config["Labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !key.starts_with("com.docker.compose."))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let facts = serde_json::json!({
        "Cmd": config["Cmd"], "Entrypoint": config["Entrypoint"], "Env": config["Env"],
        "ExposedPorts": config["ExposedPorts"], "Labels": labels, "User": config["User"],
        "WorkingDir": config["WorkingDir"],
    });
    let listing = std::process::Command::new("sh")
        .args(["-c", "id=$(docker create --entrypoint /bin/true \"$1\") && docker export \"$id\" | tar -t | sort; docker rm \"$id\" >/dev/null", "sh", image])
        .output()
        .expect("export");
    assert!(listing.status.success(), "export {image}");
    (facts, String::from_utf8_lossy(&listing.stdout).into_owned())
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn compose_build_and_bakeplan_bake_make_the_same_images() {
    let _lock = crate::e2e::buildkit();
    let images = ["bp-oracle/base:1", "bp-oracle/app:1", "oracle-inline"];
    let test = Test::from_folder(Path::new("tests/e2e/compose"));
    let compose = std::process::Command::new("docker")
        .current_dir(test.path())
        .args(["compose", "build"])
        .output()
        .expect("docker compose");
    assert!(
        compose.status.success(),
        "docker compose build: {}",
        String::from_utf8_lossy(&compose.stderr)
    );
    let oracle: Vec<_> = images.iter().map(|image| image_facts(image)).collect();
    let mut remove = vec!["image", "rm"];
    remove.extend(images);
    let (removed, output) = crate::e2e::docker(&remove);
    assert!(removed, "{output}");

    test.run_with(&["import", "compose", "compose.yml"])
        .assert_status(0);
    test.run_with(&["bake", "--load", "--progress", "plain"])
        .assert_status(0);
    for (image, expected) in images.iter().zip(&oracle) {
        let actual = image_facts(image);
        assert_eq!(actual.0, expected.0, "{image}: configuration");
        assert_eq!(actual.1, expected.1, "{image}: files");
        assert!(
            actual.1.contains("srv/") || actual.1.contains("opt/base/"),
            "{image}: {}",
            actual.1
        );
    }
    let (ok, output) = crate::e2e::docker(&["run", "--rm", "--network", "none", "bp-oracle/app:1"]);
    assert!(ok, "{output}");
    assert_eq!(output, "hello\n");
}

#[test]
fn import_reads_nothing_through_a_symbolic_link() {
    // `web`'s folder is a link to a folder outside the project whose Dockerfile is built FROM
    // `base`'s image, and `.env` is a link to a file outside: import reads neither. Read, the
    // Dockerfile would have made `web` depend on `base` and `.env` would have named the tag.
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("Dockerfile"), "FROM acme/base\n").expect("write");
    std::fs::write(outside.path().join("env"), "TAG=from-outside\n").expect("write");
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  base:\n    build: ./base\n    image: acme/base\n  web:\n    build: ./web\n    image: \"acme/web:${TAG:-dev}\"\n",
        )
        .write("base/Dockerfile", "FROM scratch\n");
    std::os::unix::fs::symlink(outside.path(), test.path().join("web")).expect("symlink");
    std::os::unix::fs::symlink(outside.path().join("env"), test.path().join(".env"))
        .expect("symlink");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(0);
    let plan = test.read("bakeplan.kdl");
    assert!(!plan.contains("depends-on"), "{plan}");
    assert!(!plan.contains("from-outside"), "{plan}");
    for refused in [
        "web/Dockerfile: web is a symbolic link, which bakeplan does not follow; its FROM lines are not read",
        ".env: .env is a symbolic link, which bakeplan does not follow; its variables are not used",
    ] {
        assert!(run.stderr.contains(refused), "{}", run.stderr);
    }
}

#[test]
fn compose_services_that_become_one_plan_name_fail_before_anything_is_written() {
    // `Web5.Up` and `web5-up` are both `web5-up` in the plan: their inline Dockerfiles would
    // share web5-up.Dockerfile and the plan would define the service twice. Import names both
    // and writes nothing, not even the inline Dockerfiles of the services before them.
    let inline = "build: { context: ., dockerfile_inline: \"FROM busybox\\n\" }";
    let compose = format!(
        "services:\n  web3:\n    {inline}\n  web4:\n    {inline}\n  \"Web5.Up\":\n    {inline}\n  \"web5-up\":\n    build: {{ context: ., dockerfile_inline: \"FROM busybox:2\\n\" }}\n"
    );
    let test = Test::new().write("compose.yml", &compose);
    for dry_run in [true, false] {
        let mut args = vec!["import", "compose", "compose.yml"];
        if dry_run {
            args.push("--dry-run");
        }
        let run = test.run_with(&args);
        run.assert_status(2);
        assert!(
            run.stderr.contains(
                "compose services `Web5.Up` (compose.yml:6) and `web5-up` (compose.yml:8) both become the plan service `web5-up`"
            ),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert_eq!(test.files().keys().collect::<Vec<_>>(), ["compose.yml"]);
    }

    // A file in the way of the last inline Dockerfile: the check comes before the first write.
    let test = Test::new()
        .write("compose.yml", &compose.replace("\"Web5.Up\"", "web5"))
        .write("web5-up.Dockerfile", "FROM mine\n");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("web5-up.Dockerfile already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(
        test.files().keys().collect::<Vec<_>>(),
        ["compose.yml", "web5-up.Dockerfile"]
    );
    assert_eq!(test.read("web5-up.Dockerfile"), "FROM mine\n");
}

#[test]
fn an_inline_dockerfile_of_a_path_like_service_name_stays_in_the_plan_folder() {
    let test = Test::new().write(
        "project/compose.yml",
        "services:\n  \"../../../tmp/x\":\n    build: { context: ., dockerfile_inline: \"FROM busybox\\n\" }\n  \"/etc/y\":\n    build: { context: ., dockerfile_inline: \"FROM busybox\\n\" }\n",
    );
    let run = test.run_with(&["import", "compose", "project/compose.yml"]);
    run.assert_status(0);
    assert_eq!(
        test.files().keys().collect::<Vec<_>>(),
        [
            "project/bakeplan.kdl",
            "project/compose.yml",
            "project/s---------tmp-x.Dockerfile",
            "project/s-etc-y.Dockerfile",
        ]
    );
    test.run_with(&["compile", "project/bakeplan.kdl"])
        .assert_status(0);
}

#[test]
fn compose_text_cannot_break_out_of_a_plan_comment_or_reach_the_terminal_raw() {
    // The service name lands in the `// compose service …` comment above its node and in a
    // note: a newline in it must not end the comment (it would add a node to the plan), and
    // ESC must not reach the terminal.
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  \"a\\nservice \\\"evil\\\" { dockerfile \\\"/etc/passwd\\\"; }\\n// \\u001b[31m\":\n    image: app\n    build:\n      context: .\n      dockerfile_inline: \"FROM busybox\\n# \\u001b]0;title\\u0007\\n\"\n",
        );
    let dry = test.run_with(&["import", "compose", "compose.yml", "--dry-run"]);
    dry.assert_status(0);
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(0);
    for text in [&dry.stdout, &dry.stderr, &run.stderr] {
        assert!(!text.contains(['\u{1b}', '\u{7}']), "{text:?}");
    }
    assert!(
        run.stderr.contains("// \\u{1b}[31m` is `a-service"),
        "{}",
        run.stderr
    );
    let plan = test.read("bakeplan.kdl");
    assert!(
        plan.contains("// compose service `a\\u{a}service \"evil\" { dockerfile \"/etc/passwd\"; }\\u{a}// \\u{1b}[31m` (compose.yml:2)\n"),
        "{plan}"
    );
    assert_eq!(
        plan.lines()
            .filter(|line| line.starts_with("service "))
            .count(),
        1,
        "{plan}"
    );
    test.run_with(&["compile"]).assert_status(0);
}

#[test]
fn host_paths_outside_the_plan_folder_are_left_out_and_said() {
    // A local cache folder, an ssh key and an OCI layout are paths bake reads or writes on the
    // machine that runs it: the ones inside the plan's folder become plan paths, the ones
    // outside it (which `compile` refuses) are left out with a note, and the plan compiles.
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      cache_from: [\"type=local,src=./.cache/app\", \"type=local,src=/var/cache/x\"]\n      cache_to: [\"type=local,dest=../elsewhere\"]\n      ssh: [\"default\", \"key=./keys/id\", \"home=~/.ssh/id_rsa\", \"etc=/etc/ssh/key\"]\n      additional_contexts:\n        base: oci-layout://./layouts/base:v1\n        other: oci-layout:///var/lib/layout@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        )
        .write("Dockerfile", "FROM local/busybox:1\n")
        .write("keys/id", "not a key\n");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(0);
    let plan = test.read("bakeplan.kdl");
    for carried in [
        "type=local,src=.cache/app",
        "\"default\"",
        "\"key=keys/id\"",
        "base \"oci-layout://layouts/base:v1\"",
    ] {
        assert!(plan.contains(carried), "{carried} in {plan}");
    }
    for left_out in [
        "/var/cache/x",
        "elsewhere",
        "~/.ssh",
        "/etc/ssh",
        "/var/lib/layout",
    ] {
        assert!(!plan.contains(left_out), "{left_out} in {plan}");
        assert!(run.stderr.contains(left_out), "{left_out}: {}", run.stderr);
    }
    assert_eq!(
        run.stderr.matches("not carried").count(),
        5,
        "{}",
        run.stderr
    );
    test.run_with(&["compile"]).assert_status(0);
}

#[test]
fn a_dollar_before_a_variable_keeps_its_value() {
    // Compose reads `$$${TAG}` as `$` and then TAG's value; a plan has no way to write a `$`
    // right before a live variable (`$${` is a literal `${`), so import resolves it and says so.
    let test = Test::new()
        .write(
            "compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      args:\n        PRICE: \"$$${TAG:-5}\"\n        LIVE: \"${TAG:-5}\"\n",
        )
        .write("Dockerfile", "FROM local/busybox:1\n");
    let run = test.run_with(&["import", "compose", "compose.yml"]);
    run.assert_status(0);
    let plan = test.read("bakeplan.kdl");
    assert!(plan.contains("PRICE \"$5\""), "{plan}");
    assert!(plan.contains("LIVE \"${TAG}\""), "{plan}");
    assert!(
        run.stderr.contains("resolved at import time to `5`"),
        "{}",
        run.stderr
    );
    test.run_with(&["compile"]).assert_status(0);
}
