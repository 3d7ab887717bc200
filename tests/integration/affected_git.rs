//! `affected` never answers wrongly without a word: names git quotes, renames out of a
//! service, absolute paths, and a shallow clone.

use std::path::Path;
use std::process::Command;

use crate::support::Test;

const PLAN: &str = r#"service "a" { context "a"; dockerfile "a/Dockerfile"; }
service "b" { context "b"; dockerfile "b/Dockerfile"; }
service "c" { context "c"; dockerfile "c/Dockerfile"; }
"#;

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
            "-c",
            "protocol.file.allow=always",
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

fn repository() -> Test {
    let test = Test::new()
        .plan(PLAN)
        .write("a/Dockerfile", "FROM scratch\n")
        .write("a/moved.txt", "x\n")
        .write("b/Dockerfile", "FROM scratch\n")
        .write("c/Dockerfile", "FROM scratch\n");
    git(test.path(), &["init", "-q"]);
    git(test.path(), &["add", "-A"]);
    git(test.path(), &["commit", "-qm", "start"]);
    git(test.path(), &["checkout", "-qb", "work"]);
    test
}

#[test]
fn names_git_would_quote_still_match() {
    let test = repository();
    for name in ["a/café.txt", "b/tab\there.txt", "c/quote\"d.txt"] {
        std::fs::write(test.path().join(name), "x").unwrap();
    }
    git(test.path(), &["add", "-A"]);
    git(test.path(), &["commit", "-qm", "odd names"]);
    let run = test.run_with(&["affected", "--since", "main"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "a\nb\nc\n");
    // The same names as `git diff --name-only` prints them (quoted), through --files.
    let listed = git(test.path(), &["diff", "--name-only", "main"]);
    assert!(listed.contains('"'), "git quoted nothing: {listed}");
    let test = test.write("changes.txt", &listed);
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "a\nb\nc\n");
    // And NUL-separated (`git diff -z`).
    let test = test.write("changes.txt", "a/café.txt\0b/tab\there.txt\0");
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    assert_eq!(run.stdout, "a\nb\n");
}

#[test]
fn a_rename_affects_the_service_the_file_left() {
    let test = repository();
    git(test.path(), &["mv", "a/moved.txt", "b/moved.txt"]);
    git(test.path(), &["commit", "-qm", "move"]);
    let run = test.run_with(&["affected", "--since", "main"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "a\nb\n");
}

#[test]
fn absolute_paths_inside_the_plan_folder_count() {
    let test = Test::new()
        .plan(PLAN)
        .write("a/Dockerfile", "FROM scratch\n");
    let absolute = test.path().join("a/main.py");
    let real = std::fs::canonicalize(test.path()).unwrap().join("b/x");
    let test = test.write(
        "changes.txt",
        &format!(
            "{}\n{}\n/elsewhere/c/x\n",
            absolute.display(),
            real.display()
        ),
    );
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "a\nb\n");
}

#[test]
fn a_shallow_clone_says_why_it_cannot_answer() {
    let origin = repository();
    std::fs::write(origin.path().join("c/x"), "x").unwrap();
    git(origin.path(), &["add", "-A"]);
    git(origin.path(), &["commit", "-qm", "two"]);
    let clone = Test::new();
    let url = format!("file://{}", origin.path().display());
    git(
        clone.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "work", &url, "repo",
        ],
    );
    git(
        &clone.path().join("repo"),
        &["fetch", "-q", "--depth", "1", "origin", "main:main"],
    );
    let run = clone.run_with(&["affected", "--since", "main", "repo/bakeplan.kdl"]);
    run.assert_status(2);
    assert!(run.stderr.contains("shallow clone"), "{}", run.stderr);
}

#[test]
fn a_target_named_context_is_a_dependency() {
    let test = Test::new()
        .plan(
            "service \"base\" { context \"base\"; dockerfile \"base/Dockerfile\"; }\nservice \"app\" {\n    context \"app\"\n    dockerfile \"app/Dockerfile\"\n    contexts { b \"target:base\"; }\n}\n",
        )
        .write("base/Dockerfile", "FROM scratch\n")
        .write("app/Dockerfile", "FROM b\n")
        .write("changes.txt", "base/x\n");
    let run = test.run_with(&["affected", "--files", "changes.txt"]);
    run.assert_status(0);
    assert_eq!(run.stdout, "base\napp\n");
    let run = test.run_with(&["graph"]);
    assert!(
        run.stdout.contains("  1: base\n  2: app\n"),
        "{}",
        run.stdout
    );
    let test = test.plan("service \"a\" { dockerfile \"D\"; contexts { x \"target:nope\"; }; }\n");
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("bakeplan::unknown-service"),
        "{}",
        run.stderr
    );
}
