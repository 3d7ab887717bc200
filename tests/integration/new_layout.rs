//! `bakeplan new` accepts any valid layout and keeps the plan's line endings.

use crate::support::Test;

#[test]
fn new_keeps_crlf_and_a_comment_after_the_last_brace() {
    let plan = "version 1\r\nservice \"a\" {\r\n    context \"a\"\r\n    template \"python-pip\"\r\n} // the last one\r\n";
    let test = Test::new().plan(plan);
    let run = test.run_with(&["new", "b", "--template", "python-pip"]);
    run.assert_status(0);
    let edited = test.read("bakeplan.kdl");
    assert_eq!(
        edited,
        format!(
            "{plan}\r\nservice \"b\" {{\r\n    context \"services/b\"\r\n    template \"python-pip\"\r\n}}\r\n"
        )
    );
    assert!(
        !edited.replace("\r\n", "").contains('\n'),
        "a bare LF: {edited:?}"
    );
    test.run_with(&["compile", "--check"]).assert_status(0);
}
