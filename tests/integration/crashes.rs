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
    assert!(run.stderr.contains("nested too deeply"), "{}", run.stderr);
}

#[test]
fn new_refuses_a_deeply_nested_plan_without_crashing() {
    let plan = format!("a {}{}\n", "b {".repeat(3000), "}".repeat(3000));
    let run = Test::new()
        .plan(&plan)
        .run_with(&["new", "x", "--template", "python-pip"]);
    run.assert_status(2);
}
