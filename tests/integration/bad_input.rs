//! The bad-input corpus: every plan in `tests/bad/` is refused with exit 2, a diagnostic
//! naming the file, line and column and the error code listed in `tests/bad/expected.txt`, and
//! no file written. Each plan is its own case (insta's `glob!`): a failure names its plan, and
//! every failing plan is reported, not only the first.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Test, copy_tree, repo_root};

/// `expected.txt`: plan name → (location, code).
fn expected() -> BTreeMap<String, (String, String)> {
    let text =
        std::fs::read_to_string(repo_root().join("tests/bad/expected.txt")).expect("expected.txt");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, location, code] = fields[..] else {
                panic!("malformed line in expected.txt: {line}");
            };
            (name.to_owned(), (location.to_owned(), code.to_owned()))
        })
        .collect()
}

#[test]
fn every_bad_plan_is_refused_with_a_pointed_error_and_nothing_written() {
    let expected = expected();
    let bad = repo_root().join("tests/bad");
    insta::glob!("../bad", "*.kdl", |path| {
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a plan name");
        let (location, code) = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name}: not listed in tests/bad/expected.txt"));
        let test = Test::new();
        copy_tree(&bad.join("_support"), test.path());
        let plan = std::fs::read_to_string(path).expect("bad plan");
        let test = test.plan(&plan).args(&["compile"]);
        let before = test.files();
        let run = test.run();
        let after = test.files();
        assert_eq!(
            run.status, 2,
            "{name}: exit {} (expected 2)\n{}{}",
            run.status, run.stdout, run.stderr
        );
        // `LINE:COLUMN` in the plan, or `FILE:LINE:COLUMN` for an error in another file.
        let place = if location.matches(':').count() == 2 {
            location.clone()
        } else {
            format!("bakeplan.kdl:{location}")
        };
        assert!(
            run.stderr.contains(&format!("[{place}]")),
            "{name}: the message does not point at {place}\n{}",
            run.stderr
        );
        // The code of the error, as miette prints it: `  × …` preceded by `code`.
        assert!(
            run.stderr.lines().any(|line| line.trim() == code.as_str()),
            "{name}: the message lacks the code {code}\n{}",
            run.stderr
        );
        assert_eq!(
            before, after,
            "{name}: files changed although the plan was refused"
        );
        insta::assert_snapshot!("bad", run.stderr);
    });
}

#[test]
fn expected_txt_lists_every_bad_plan_and_no_other() {
    let listed: Vec<String> = expected().into_keys().collect();
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("tests/bad"))
        .expect("read tests/bad")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "kdl"))
        .filter_map(|path| {
            Path::new(&path)
                .file_stem()
                .and_then(|stem| stem.to_str())
                .map(str::to_owned)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "the corpus has only {} plans",
        files.len()
    );
    assert_eq!(
        listed, files,
        "tests/bad/expected.txt must list every .kdl file of tests/bad"
    );
}
