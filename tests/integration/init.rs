//! `bakeplan init`: small repositories of each workspace kind, a standalone project, and one
//! with a hand-written Dockerfile.

use std::path::Path;

use crate::buildx;
use crate::support::{Test, copy_tree, repo_root};

/// A test whose folder holds `tests/fixtures/init/KIND` as `KIND/` (a stable name).
fn repository(kind: &str) -> Test {
    let test = Test::new();
    copy_tree(
        &repo_root().join("tests/fixtures/init").join(kind),
        &test.path().join(kind),
    );
    test
}

/// A test whose `repo/` is the root of a PDM workspace (`distribution = false`, a lockfile);
/// each test adds its members.
fn pdm_repo() -> Test {
    Test::new()
        .write(
            "repo/pyproject.toml",
            "[project]\nname = \"root\"\nversion = \"0\"\n[tool.pdm]\ndistribution = false\n",
        )
        .write("repo/pdm.lock", "")
}

fn init(kind: &str) -> Test {
    let test = repository(kind);
    let run = test.run_with(&["init", kind]);
    run.assert_status(0);
    insta::assert_snapshot!(
        format!("init-{kind}"),
        format!(
            "{}--- stderr\n{}",
            test.read(&format!("{kind}/bakeplan.kdl")),
            run.stderr
        )
    );
    test
}

/// compile, `compile --check`, and `buildx bake --print` on the written plan.
fn compiles(test: &Test, kind: &str) {
    let plan = format!("{kind}/bakeplan.kdl");
    test.run_with(&["compile", &plan]).assert_status(0);
    test.run_with(&["compile", "--check", &plan])
        .assert_status(0);
    if buildx::available() {
        buildx::print(&test.path().join(kind), &["docker-bake.hcl"], &[], &[]);
    }
}

#[test]
fn a_pdm_monorepo_becomes_a_workspace_with_a_library() {
    let test = init("pdm");
    let plan = test.read("pdm/bakeplan.kdl");
    assert!(plan.contains("workspace \".\""));
    assert!(plan.contains("library #true"));
    assert!(
        plan.contains("dockerfile \"services/legacy/Dockerfile\""),
        "the hand-written Dockerfile is kept"
    );
    compiles(&test, "pdm");
}

/// The members are what the workspace lists (globs expanded, excludes applied), not every
/// folder holding a manifest; the others are named on stderr.
fn left_out(test: &Test, kind: &str, folders: &[&str]) {
    let plan = test.read(&format!("{kind}/bakeplan.kdl"));
    for folder in folders {
        assert!(!plan.contains(folder), "{folder} is no member:\n{plan}");
    }
}

#[test]
fn a_uv_workspace_has_the_members_its_globs_list() {
    let test = init("uv");
    left_out(&test, "uv", &["packages/old", "tools/release"]);
    compiles(&test, "uv");
}

#[test]
fn an_npm_workspace_has_the_members_its_globs_list() {
    let test = init("npm");
    left_out(&test, "npm", &["packages/old", "tools/lint"]);
    compiles(&test, "npm");
}

#[test]
fn a_pnpm_workspace_has_the_members_its_globs_list() {
    let test = init("pnpm");
    left_out(&test, "pnpm", &["packages/old"]);
    compiles(&test, "pnpm");
}

#[test]
fn a_cargo_workspace_has_its_members_and_their_path_dependencies() {
    let test = init("cargo");
    left_out(&test, "cargo", &["crates/legacy"]);
    assert!(
        test.read("cargo/bakeplan.kdl")
            .contains("service \"proto\" {\n    context \"shared/proto\"\n    library #true\n}"),
        "a path dependency outside the member globs is a member"
    );
    compiles(&test, "cargo");
}

#[test]
fn a_go_work_workspace_has_the_modules_it_uses() {
    let test = init("gowork");
    left_out(&test, "gowork", &["tools/scratch"]);
    compiles(&test, "gowork");
    // go.work is the workspace's lockfile: go builds in workspace mode, every module's go.mod
    // is sent.
    let dockerfile = test.read("gowork/services/hello/Dockerfile");
    assert!(!dockerfile.contains("GOWORK=off"), "{dockerfile}");
    let ignore = test.read("gowork/services/hello/Dockerfile.dockerignore");
    for line in ["!go.work", "!**/go.mod", "!libs/greet", "!services/hello"] {
        assert!(ignore.lines().any(|l| l == line), "{line}:\n{ignore}");
    }
}

#[test]
fn a_go_module_with_two_commands_compiles() {
    let test = init("go");
    compiles(&test, "go");
}

#[test]
fn a_standalone_project_compiles() {
    let test = init("standalone");
    compiles(&test, "standalone");
}

#[test]
fn a_hand_written_dockerfile_is_kept_and_the_plan_compiles() {
    let test = init("dockerfile");
    compiles(&test, "dockerfile");
    assert_eq!(
        test.read("dockerfile/api/Dockerfile"),
        "FROM local/busybox:1\nCMD [\"echo\", \"api\"]\n"
    );
    // A project init has a template for keeps its own Dockerfile too.
    let plan = test.read("dockerfile/bakeplan.kdl");
    assert!(plan.contains("dockerfile \"web/Dockerfile\""), "{plan}");
    assert!(!plan.contains("template \"node\""), "{plan}");
}

#[test]
fn init_never_overwrites_and_dry_run_writes_nothing() {
    let test = repository("standalone").write("standalone/bakeplan.kdl", "// mine\n");
    let run = test.run_with(&["init", "standalone"]);
    run.assert_status(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(test.read("standalone/bakeplan.kdl"), "// mine\n");
    let test = repository("go");
    let run = test.run_with(&["init", "go", "--dry-run"]);
    run.assert_status(0);
    assert!(run.stdout.contains("service \"api\""), "{}", run.stdout);
    assert!(!test.path().join("go/bakeplan.kdl").exists());
}

#[cfg(unix)]
#[test]
fn init_does_not_follow_symlinks_out_of_the_repository() {
    let outside = Test::new().write("secret/pyproject.toml", "[project]\nname = \"outside\"\n");
    let test = repository("standalone");
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        test.path().join("standalone/linked"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        outside.path().join("secret/pyproject.toml"),
        test.path().join("standalone/pyproject.toml"),
    )
    .expect("symlink");
    let run = test.run_with(&["init", "standalone", "--dry-run"]);
    run.assert_status(0);
    assert!(!run.stdout.contains("outside"), "{}", run.stdout);
    assert!(!run.stdout.contains("linked"), "{}", run.stdout);
}

#[test]
fn an_empty_folder_is_an_error() {
    let test = Test::new().write("empty/README", "nothing\n");
    let run = test.run_with(&["init", "empty"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("found nothing to build"),
        "{}",
        run.stderr
    );
    let _ = Path::new("");
}

#[test]
fn a_member_folder_unfit_for_dockerfile_steps_is_named_on_stderr() {
    // `compile` refuses a workspace member whose folder holds a space; init says so up front.
    let test = Test::new()
        .write(
            "repo/pyproject.toml",
            "[project]\nname = \"root\"\nversion = \"0\"\ndependencies = []\n",
        )
        .write("repo/pdm.lock", "")
        .write(
            "repo/services/my svc/pyproject.toml",
            "[project]\nname = \"my-svc\"\nversion = \"0\"\ndependencies = []\n",
        );
    let run = test.run_with(&["init", "repo"]);
    run.assert_status(0);
    assert!(
        run.stderr.contains(
            "`services/my svc` holds the character ' ': `bakeplan compile` refuses a workspace member"
        ),
        "{}",
        run.stderr
    );
    let compile = test.run_with(&["compile", "repo/bakeplan.kdl"]);
    compile.assert_status(2);
    assert!(
        compile.stderr.contains("bakeplan::bad-path"),
        "{}",
        compile.stderr
    );
}

#[test]
fn a_member_nobody_uses_is_a_service_even_without_an_entry_point() {
    // The contract's HuleEdu layout: a service with a path dependency on a library and no
    // [project.scripts] (it runs some other way) still gets an image; init asks for its cmd.
    let test = pdm_repo()
        .write(
            "repo/libs/common_core/pyproject.toml",
            "[project]\nname = \"common-core\"\nversion = \"0.1\"\n",
        )
        .write(
            "repo/services/content_service/pyproject.toml",
            "[project]\nname = \"content-service\"\nversion = \"0.1\"\ndependencies = [\"common-core @ file:///${PROJECT_ROOT}/libs/common_core\"]\n",
        );
    let run = test.run_with(&["init", "repo"]);
    run.assert_status(0);
    let plan = test.read("repo/bakeplan.kdl");
    assert!(
        plan.contains(
            "service \"content_service\" {\n    context \"services/content_service\"\n    depends-on \"common_core\"\n}"
        ) && plan.contains("    context \"libs/common_core\"\n    library #true\n"),
        "{plan}"
    );
    assert!(
        run.stderr
            .contains("`content_service` (services/content_service): service, template python-pdm")
            && run.stderr.contains("no entry point found: give it a `cmd`"),
        "{}",
        run.stderr
    );
    test.run_with(&["compile", "repo/bakeplan.kdl"])
        .assert_status(0);
}

#[test]
fn terminal_escapes_from_repository_files_are_shown_escaped() {
    // A [project.scripts] key with ESC and BEL (KDL and TOML `\u` escapes make them real
    // characters) reaches the plan's `cmd` and the `guessed:` line: the plan holds it as a KDL
    // escape, stderr shows it escaped, and the plan compiles.
    let script = r#""x\u001b[31mRED\u001b]0;title\u0007" = "m:f""#;
    let test = pdm_repo().write(
        "repo/svc/pyproject.toml",
        &format!("[project]\nname = \"svc\"\nversion = \"0\"\n\n[project.scripts]\n{script}\n"),
    );
    let raw = |text: &str| text.contains(['\u{1b}', '\u{7}', '\u{9b}']);
    let run = test.run_with(&["init", "--dry-run", "repo"]);
    run.assert_status(0);
    assert!(!raw(&run.stderr) && !raw(&run.stdout), "{:?}", run.stderr);
    assert!(
        run.stderr
            .contains("([project.scripts] `x\\u{1b}[31mRED\\u{1b}]0;title\\u{7}`)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("cmd \"x\\u{1b}[31mRED\\u{1b}]0;title\\u{7}\""),
        "{}",
        run.stdout
    );
    let run = test.run_with(&["init", "repo"]);
    run.assert_status(0);
    assert!(!raw(&run.stderr), "{:?}", run.stderr);
    test.run_with(&["compile", "repo/bakeplan.kdl"])
        .assert_status(0);

    // A member folder's name, quoted in a note, is escaped too.
    let test = pdm_repo().write(
        "repo/odd\u{1b}[2J\u{9b}x/pyproject.toml",
        "[project]\nname = \"odd\"\nversion = \"0\"\n",
    );
    let run = test.run_with(&["init", "--dry-run", "repo"]);
    run.assert_status(0);
    assert!(!raw(&run.stderr) && !raw(&run.stdout), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("odd\\u{1b}[2J\\u{9b}x"),
        "{}",
        run.stderr
    );
}
