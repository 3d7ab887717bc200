//! Escaping: `$${`, `%{`, quotes, backslashes, newlines and non-ASCII text in every kind of
//! string value reach buildx exactly as the plan wrote them, in HCL and in JSON; and plan values
//! in Dockerfiles are escaped for their line or refused.

use serde_json::{Value, json};

use crate::buildx;
use crate::require_buildx;
use crate::support::Test;

/// KDL source of a string holding every troublesome character (`$${` is a literal `${`).
const NASTY_KDL: &str = r#""a $${HOME} b %{x} c \"q\" d \\ e\nf ü 雪 $$5""#;
/// What bake must read for it.
const NASTY: &str = "a ${HOME} b %{x} c \"q\" d \\ e\nf ü 雪 $$5";

fn plan(bake: &str) -> String {
    format!(
        r#"variable "TAG" default={NASTY_KDL} description={NASTY_KDL}
variable "PLAIN" default="p"
registry-cache ref="reg/c:{{service}}-${{PLAIN}}-%{{x}}" mode="max"
emit bake="{bake}"
service "svc" {{
    template "python-pip"
    description {NASTY_KDL}
    image "reg/${{PLAIN}}/x"
    tags {NASTY_KDL} "reg/x:${{TAG}}"
    args {{
        NASTY {NASTY_KDL}
        LIVE "${{PLAIN}}-$${{PLAIN}}"
    }}
    labels {{
        "org.example.nasty" {NASTY_KDL}
    }}
    contexts {{
        remote "docker-image://alpine:3.20@sha256:${{PLAIN}}"
    }}
    cache-from "type=registry,ref=reg/%{{x}}/$${{y}}"
    cache-to "type=registry,ref=reg/${{PLAIN}}"
    target "stage-${{PLAIN}}"
}}
"#
    )
}

/// --print writes args and labels back re-escaped (buildx `Target.MarshalJSON`); undo that to
/// get the value the build sees.
fn unescape_print(value: &Value) -> String {
    value
        .as_str()
        .expect("string")
        .replace("$${", "${")
        .replace("%%{", "%{")
}

fn check(bake: &str) {
    let (test, run) = Test::new().plan(&plan(bake)).compile();
    run.assert_status(0);
    let printed = buildx::print(test.path(), &[bake], &["svc"], &[]);
    let target = &printed["target"]["svc"];
    assert_eq!(target["description"], json!(NASTY), "{bake}: description");
    assert_eq!(
        target["tags"],
        json!([NASTY, format!("reg/x:{NASTY}")]),
        "{bake}: tags"
    );
    assert_eq!(
        unescape_print(&target["args"]["NASTY"]),
        NASTY,
        "{bake}: args"
    );
    assert_eq!(
        unescape_print(&target["args"]["LIVE"]),
        "p-${PLAIN}",
        "{bake}: live and literal"
    );
    assert_eq!(
        unescape_print(&target["labels"]["org.example.nasty"]),
        NASTY,
        "{bake}: labels"
    );
    assert_eq!(
        target["contexts"]["remote"],
        json!("docker-image://alpine:3.20@sha256:p"),
        "{bake}: contexts"
    );
    assert_eq!(
        target["cache-from"][0]["ref"],
        json!("reg/c:svc-p-%{x}"),
        "{bake}: registry cache ref"
    );
    assert_eq!(
        target["cache-from"][1]["ref"],
        json!("reg/%{x}/${y}"),
        "{bake}: raw cache-from"
    );
    assert_eq!(
        target["cache-to"][1]["ref"],
        json!("reg/p"),
        "{bake}: raw cache-to"
    );
    assert_eq!(target["target"], json!("stage-p"), "{bake}: target");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn every_bake_string_reaches_buildx_exactly_in_hcl() {
    require_buildx!();
    check("docker-bake.hcl");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn every_bake_string_reaches_buildx_exactly_in_json() {
    require_buildx!();
    check("docker-bake.json");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn variable_defaults_are_literal_and_overridable() {
    require_buildx!();
    let (test, run) = Test::new().plan(&plan("docker-bake.hcl")).compile();
    run.assert_status(0);
    let printed = buildx::print(test.path(), &["docker-bake.hcl"], &["svc"], &[]);
    assert_eq!(
        printed["target"]["svc"]["tags"][1],
        json!(format!("reg/x:{NASTY}"))
    );
    let printed = buildx::print(
        test.path(),
        &["docker-bake.hcl"],
        &["svc"],
        &[("TAG", "v1")],
    );
    assert_eq!(printed["target"]["svc"]["tags"][1], json!("reg/x:v1"));
}

#[test]
fn dockerfile_values_are_escaped_for_their_line() {
    let (test, run) = Test::new()
        .plan(
            r#"service "svc" {
    template "python-pip"
    env {
        QUOTED "say \"hi\" \\ $HOME ü"
    }
    port 8000
    cmd "python" "-c" "print(\"a\\nb\")" "ü"
}
"#,
        )
        .compile();
    run.assert_status(0);
    let dockerfile = test.read("Dockerfile");
    assert!(
        dockerfile.contains("\nENV QUOTED=\"say \\\"hi\\\" \\\\ \\$HOME ü\"\n"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("\nCMD [\"python\", \"-c\", \"print(\\\"a\\\\nb\\\")\", \"ü\"]\n"),
        "{dockerfile}"
    );
    let cmd_line = dockerfile
        .lines()
        .find(|line| line.starts_with("CMD "))
        .expect("a CMD line");
    let cmd: Vec<String> = serde_json::from_str(&cmd_line[4..]).expect("CMD is exact JSON");
    assert_eq!(cmd, ["python", "-c", "print(\"a\\nb\")", "ü"]);
}

#[test]
fn no_plan_value_can_add_a_dockerfile_instruction() {
    for (child, label) in [
        (r#"env { A "x\nRUN evil" }"#, "env"),
        (
            r#"template "python-pip" base-image="img\nRUN evil""#,
            "template parameter",
        ),
        (
            r#"template "python-pip" python="3.12\r\nRUN evil""#,
            "template parameter",
        ),
        // A final backslash joins the next line (the next instruction) onto the value's.
        (
            r#"template "static" install="npm ci \\""#,
            "template parameter",
        ),
        (
            r#"template "static" build="npm run build \\ ""#,
            "template parameter",
        ),
    ] {
        let template = if child.starts_with("template") {
            ""
        } else {
            "template \"python-pip\""
        };
        let test = Test::new().plan(&format!(
            "service \"svc\" {{\n    {template}\n    {child}\n}}\n"
        ));
        let (test, run) = test.compile();
        run.assert_status(2);
        assert!(
            !test.path().join("Dockerfile").exists(),
            "{label}: nothing written"
        );
    }
}
