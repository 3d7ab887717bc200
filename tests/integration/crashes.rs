//! Inputs that used to crash bakeplan: every one now ends with exit 0, 1 or 2 and a message.
//! (Deep nesting is in the bad-input corpus: `tests/bad/too-deep-*.kdl`.)

use crate::support::Test;

#[test]
fn a_service_name_of_65536_characters_is_graphed() {
    let name = "a".repeat(65_536);
    let test = Test::new().plan(&format!(
        "service \"{name}\" {{ dockerfile \"Dockerfile\"; }}\nservice \"b\" {{ dockerfile \"Dockerfile\"; depends-on \"{name}\"; }}\n"
    ));
    for format in ["text", "dot", "mermaid", "json"] {
        let run = test.run_with(&["graph", "--format", format]);
        run.assert_status(0);
        assert!(run.stdout.contains(&name));
    }
}

#[test]
fn deep_nesting_in_a_template_header_is_an_error() {
    let header = format!(
        "{{#\n{}{}\n#}}\nFROM x\n",
        "a {".repeat(3000),
        "}".repeat(3000)
    );
    let test = Test::new()
        .plan("template-dir \"t\"\nservice \"a\" { template \"deep\"; }\n")
        .write("t/deep.Dockerfile.j2", &header);
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(run.stderr.contains("nested more than 64"), "{}", run.stderr);
}

#[test]
fn new_refuses_a_deeply_nested_plan_without_crashing() {
    let plan = format!("a {}{}\n", "b {".repeat(3000), "}".repeat(3000));
    let run = Test::new()
        .plan(&plan)
        .run_with(&["new", "x", "--template", "python-pip"]);
    run.assert_status(2);
}

#[test]
fn an_error_past_column_65535_is_reported_by_position() {
    let long = "x".repeat(70_000);
    let test = Test::new().plan(&format!(
        "service \"a\" {{ dockerfile \"D\"; description \"{long}\"; bogus 1; }}\n"
    ));
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("bakeplan.kdl:1:700"),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_commands_own_status() {
    use std::process::{Command, Stdio};
    let test = Test::new()
        .plan("service \"a\" { context \"a\"; dockerfile \"a/Dockerfile\"; }\n")
        .write("a/Dockerfile", "FROM scratch\n")
        .write("changes.txt", "a/x\n");
    let cases: [(&[&str], i32); 4] = [
        (&["affected", "--files", "changes.txt"], 0),
        (&["compile", "--check"], 1),
        (&["completions", "bash"], 0),
        (&["graph"], 0),
    ];
    for (args, status) in cases {
        let mut child = Command::new(crate::support::binary())
            .current_dir(test.path())
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Close the reading end at once, like `| head -0`.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

fn many_errors(n: usize) -> (crate::support::Run, std::time::Duration) {
    use std::fmt::Write as _;
    let plan = (0..n).fold(String::new(), |mut plan, i| {
        let _ = writeln!(plan, "service \"s{i}\" {{ dockerfile \"D\"; bogus 1; }}");
        plan
    });
    let test = Test::new().plan(&plan);
    let start = std::time::Instant::now();
    let run = test.run_with(&["compile"]);
    (run, start.elapsed())
}

#[test]
fn ten_thousand_errors_are_reported_in_linear_time_the_first_fifty_in_full() {
    let (_, quarter) = many_errors(2_500);
    let (run, full) = many_errors(10_000);
    run.assert_status(2);
    assert_eq!(run.stderr.matches("bakeplan::unknown-node").count(), 50);
    let tail = &run.stderr[run.stderr.len().saturating_sub(500)..];
    assert!(
        run.stderr
            .contains("… and 9950 more problems (the first 50 of 10000 are shown)"),
        "{tail}"
    );
    assert!(
        run.stderr.contains("error: 10000 problems in bakeplan.kdl"),
        "{tail}"
    );
    // Four times the errors: about four times the time (quadratic would be sixteen).
    assert!(
        full < quarter * 8 + std::time::Duration::from_secs(2),
        "2,500 errors: {quarter:?}, 10,000: {full:?}"
    );
}

#[test]
fn terminal_escapes_in_plan_text_are_shown_escaped() {
    // KDL's `\u{1b}` escape puts a real ESC into the value; it reaches the message, the label
    // and the snippet of a plan line.
    let test = Test::new().plan(
        "service \"a\" {\n    dockerfile \"D\"\n    network \"\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\"\n}\nservice \"b\u{9b}\" { dockerfile \"D\"; }\n",
    );
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(
        !run.stderr.contains('\u{1b}')
            && !run.stderr.contains('\u{7}')
            && !run.stderr.contains('\u{9b}'),
        "{:?}",
        run.stderr
    );
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);
}

#[test]
fn nested_slashdashed_children_blocks_are_refused_before_the_parser_sees_them() {
    // Found by the fuzzer: kdl's parser takes twice as long for each slashdashed children block
    // nested in another (24 of them, valid KDL: 489 s; in `new`'s editor and in a template
    // header too).
    let blocks = format!("{}{}", "b /- { ".repeat(24), "}".repeat(24));
    let test = Test::new()
        .plan(&format!(
            "service \"a\" /- {{ {blocks} }} {{ dockerfile \"Dockerfile\"; }}\n"
        ))
        .write("Dockerfile", "FROM scratch\n");
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(run.stderr.contains("slashdashed"), "{}", run.stderr);
    let run = test.run_with(&["new", "web", "--template", "static"]);
    run.assert_status(2);
    let header = format!("{{#\n{blocks}\n#}}\nFROM x\n");
    let test = Test::new()
        .plan("template-dir \"t\"\nservice \"a\" { template \"slow\"; }\n")
        .write("t/slow.Dockerfile.j2", &header);
    let run = test.run_with(&["compile"]);
    run.assert_status(2);
    assert!(run.stderr.contains("slashdashed"), "{}", run.stderr);
}
