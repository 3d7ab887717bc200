//! The bad-input corpus: every plan in `tests/bad/` is refused with exit 2, a diagnostic
//! naming the file, line and column (listed in `tests/bad/expected.txt`), and no file written.

use std::path::Path;

use crate::support::{Test, copy_tree, repo_root};

#[test]
fn every_bad_plan_is_refused_with_a_pointed_error_and_nothing_written() {
    let bad = repo_root().join("tests/bad");
    let expected = std::fs::read_to_string(bad.join("expected.txt")).expect("expected.txt");
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in expected
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(location), Some(code)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("malformed line in expected.txt: {line}");
        };
        cases += 1;
        let test = Test::new();
        copy_tree(&bad.join("_support"), test.path());
        let plan = std::fs::read_to_string(bad.join(format!("{name}.kdl"))).expect("bad plan");
        let test = test.plan(&plan).args(&["compile"]);
        let before = test.files();
        let run = test.run();
        let after = test.files();
        if run.status != 2 {
            failures.push(format!(
                "{name}: exit {} (expected 2)\n{}{}",
                run.status, run.stdout, run.stderr
            ));
        }
        // `LINE:COLUMN` in the plan, or `FILE:LINE:COLUMN` for an error in another file.
        let place = if location.matches(':').count() == 2 {
            location.to_owned()
        } else {
            format!("bakeplan.kdl:{location}")
        };
        if !run.stderr.contains(&format!("[{place}]")) {
            failures.push(format!(
                "{name}: the message does not point at {place}\n{}",
                run.stderr
            ));
        }
        if !run.stderr.contains(code) {
            failures.push(format!(
                "{name}: the message lacks the code {code}\n{}",
                run.stderr
            ));
        }
        if before != after {
            failures.push(format!(
                "{name}: files changed although the plan was refused"
            ));
        }
        insta::assert_snapshot!(format!("bad-{name}"), run.stderr);
    }
    assert!(cases >= 30, "the corpus has only {cases} plans");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every plan of the folder is listed.
    let listed = expected
        .lines()
        .filter(|line| !line.starts_with('#'))
        .count();
    let files = std::fs::read_dir(&bad)
        .expect("read tests/bad")
        .filter_map(Result::ok)
        .filter(|entry| {
            Path::new(&entry.file_name())
                .extension()
                .is_some_and(|ext| ext == "kdl")
        })
        .count();
    assert_eq!(
        listed, files,
        "tests/bad/expected.txt must list every .kdl file of tests/bad"
    );
}
