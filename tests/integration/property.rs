//! Property: a generated valid plan — random services and dependencies, variables, and every
//! bake value kind holding hostile text (quotes, `${`, `%{`, `$${`, backslashes, newlines where
//! legal, non-ASCII, terminal escapes) — compiles, and `docker buildx bake --print` reads every
//! value back exactly, from the HCL bake file and from the JSON one.

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::buildx;
use crate::require_buildx;
use crate::support::Test;

/// Fragments hostile strings are made of.
const FRAGMENTS: &[&str] = &[
    "plain",
    " ",
    "\"",
    "\\",
    "${",
    "%{",
    "$${",
    "%%{",
    "}",
    "$",
    "%",
    "{",
    "ü",
    "雪",
    "\u{1b}[31m",
    "\u{7}",
    "=",
    ",",
    "'",
    "\t",
];

/// A hostile string; `newlines` adds a line break to the fragments.
fn hostile(newlines: bool) -> impl Strategy<Value = String> {
    let fragment = if newlines {
        prop_oneof![4 => prop::sample::select(FRAGMENTS), 1 => Just("\n")].boxed()
    } else {
        prop::sample::select(FRAGMENTS).boxed()
    };
    prop::collection::vec(fragment, 0..8).prop_map(|parts| parts.concat())
}

/// A piece of a value: literal text, or a live reference to variable `V{n}`.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Variable(usize),
}

#[derive(Debug, Clone)]
struct Service {
    depends_on: Vec<usize>,
    description: String,
    args: Vec<Vec<Piece>>,
    labels: Vec<String>,
}

#[derive(Debug, Clone)]
struct GeneratedPlan {
    variables: Vec<(String, String)>,
    services: Vec<Service>,
}

fn pieces(variables: usize) -> impl Strategy<Value = Vec<Piece>> {
    let piece = prop_oneof![
        3 => hostile(true).prop_map(Piece::Text),
        1 => (0..variables).prop_map(Piece::Variable),
    ];
    prop::collection::vec(piece, 0..4)
}

fn plans() -> impl Strategy<Value = GeneratedPlan> {
    (1usize..4, 1usize..6).prop_flat_map(|(variables, services)| {
        let variables = prop::collection::vec((hostile(true), hostile(false)), variables);
        let services = (0..services)
            .map(|i| {
                (
                    prop::sample::subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(3)),
                    hostile(true),
                    prop::collection::vec(pieces(3), 0..3),
                    prop::collection::vec(hostile(false), 0..3),
                )
                    .prop_map(|(depends_on, description, args, labels)| Service {
                        depends_on,
                        description,
                        args,
                        labels,
                    })
            })
            .collect::<Vec<_>>();
        (variables, services).prop_map(|(variables, services)| GeneratedPlan {
            variables,
            services,
        })
    })
}

/// A KDL string literal whose plan meaning is `text` taken literally (`${` written `$${`).
fn kdl_literal(text: &str) -> String {
    kdl_string(&text.replace("${", "$${"))
}

/// A KDL string literal holding exactly `text`.
fn kdl_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl GeneratedPlan {
    fn variable_count(&self) -> usize {
        self.variables.len()
    }

    fn pieces_kdl(&self, pieces: &[Piece]) -> String {
        // Runs of literal text are escaped whole (`$` + `{` from two pieces is a `${` too).
        let mut text = String::new();
        let mut run = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(literal) => run.push_str(literal),
                Piece::Variable(n) => {
                    text.push_str(&std::mem::take(&mut run).replace("${", "$${"));
                    let _ = write!(text, "${{V{}}}", n % self.variable_count());
                }
            }
        }
        text.push_str(&run.replace("${", "$${"));
        kdl_string(&text)
    }

    /// What bake must read for `pieces`.
    fn pieces_value(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(literal) => literal.clone(),
                Piece::Variable(n) => self.variables[n % self.variable_count()].0.clone(),
            })
            .collect()
    }

    /// Whether the plan text of `pieces` means what `pieces_value` says: a literal ending in
    /// `$` right before a live `${` would turn it into `$${` (a literal), so such cases are
    /// left out.
    fn unambiguous(&self) -> bool {
        self.services.iter().all(|service| {
            service.args.iter().all(|pieces| {
                let mut run_ends_in_dollar = false;
                for piece in pieces {
                    match piece {
                        Piece::Text(text) if !text.is_empty() => {
                            run_ends_in_dollar = text.ends_with('$');
                        }
                        Piece::Text(_) => {}
                        Piece::Variable(_) if run_ends_in_dollar => return false,
                        Piece::Variable(_) => run_ends_in_dollar = false,
                    }
                }
                true
            })
        })
    }

    fn kdl(&self, bake: &str) -> String {
        let mut plan = format!("emit bake=\"{bake}\"\n");
        for (i, (default, description)) in self.variables.iter().enumerate() {
            let _ = writeln!(
                plan,
                "variable \"V{i}\" default={} description={}",
                kdl_literal(default),
                kdl_literal(description)
            );
        }
        for (i, service) in self.services.iter().enumerate() {
            let _ = writeln!(plan, "service \"s{i}\" {{");
            plan.push_str("    dockerfile \"Dockerfile\"\n");
            let _ = writeln!(
                plan,
                "    description {}",
                kdl_literal(&service.description)
            );
            if !service.depends_on.is_empty() {
                let names: Vec<String> = service
                    .depends_on
                    .iter()
                    .map(|d| format!("\"s{d}\""))
                    .collect();
                let _ = writeln!(plan, "    depends-on {}", names.join(" "));
            }
            if !service.args.is_empty() {
                plan.push_str("    args {\n");
                for (n, pieces) in service.args.iter().enumerate() {
                    let _ = writeln!(plan, "        A{n} {}", self.pieces_kdl(pieces));
                }
                plan.push_str("    }\n");
            }
            if !service.labels.is_empty() {
                plan.push_str("    labels {\n");
                for (n, label) in service.labels.iter().enumerate() {
                    let _ = writeln!(plan, "        \"org.example.l{n}\" {}", kdl_literal(label));
                }
                plan.push_str("    }\n");
            }
            plan.push_str("}\n");
        }
        plan
    }
}

/// `--print` writes args and labels back re-escaped; undo that.
fn unescape_print(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .replace("$${", "${")
        .replace("%%{", "%{")
}

/// `docker buildx bake --list=type=variables,format=json`: each variable's value and
/// description as bake reads them.
fn list_variables(dir: &std::path::Path, bake: &str) -> Value {
    let output = std::process::Command::new("docker")
        .current_dir(dir)
        .args([
            "buildx",
            "bake",
            "--list=type=variables,format=json",
            "-f",
            bake,
        ])
        .output()
        .expect("run docker buildx bake --list");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--list writes JSON")
}

fn check(plan: &GeneratedPlan) -> Result<(), TestCaseError> {
    for bake in ["docker-bake.hcl", "docker-bake.json"] {
        let plan_text = plan.kdl(bake);
        let (test, run) = Test::new()
            .plan(&plan_text)
            .write("Dockerfile", "FROM scratch\n")
            .compile();
        prop_assert_eq!(run.status, 0, "{}\n{}\n{}", bake, plan_text, run.stderr);
        let printed = buildx::print(test.path(), &[bake], &[], &[]);
        let variables = list_variables(test.path(), bake);
        for (i, (default, description)) in plan.variables.iter().enumerate() {
            let listed = variables
                .as_array()
                .and_then(|list| list.iter().find(|v| v["name"] == format!("V{i}")))
                .cloned()
                .unwrap_or_default();
            prop_assert_eq!(
                listed["value"].as_str().unwrap_or_default(),
                default.as_str(),
                "{} V{} default\n{}",
                bake,
                i,
                plan_text
            );
            prop_assert_eq!(
                listed["description"].as_str().unwrap_or_default(),
                description.as_str(),
                "{} V{} description\n{}",
                bake,
                i,
                plan_text
            );
        }
        for (i, service) in plan.services.iter().enumerate() {
            let target = &printed["target"][format!("s{i}")];
            prop_assert_eq!(
                target["description"].as_str().unwrap_or_default(),
                service.description.as_str(),
                "{} s{} description\n{}",
                bake,
                i,
                plan_text
            );
            for (n, pieces) in service.args.iter().enumerate() {
                prop_assert_eq!(
                    unescape_print(&target["args"][format!("A{n}")]),
                    plan.pieces_value(pieces),
                    "{} s{} arg A{}\n{}",
                    bake,
                    i,
                    n,
                    plan_text
                );
            }
            for (n, label) in service.labels.iter().enumerate() {
                prop_assert_eq!(
                    unescape_print(&target["labels"][format!("org.example.l{n}")]),
                    label.clone(),
                    "{} s{} label {}\n{}",
                    bake,
                    i,
                    n,
                    plan_text
                );
            }
            let mut contexts: Vec<String> = target["contexts"]
                .as_object()
                .map(|map| map.keys().cloned().collect())
                .unwrap_or_default();
            contexts.sort();
            let mut expected: Vec<String> =
                service.depends_on.iter().map(|d| format!("s{d}")).collect();
            expected.sort();
            prop_assert_eq!(
                contexts,
                expected,
                "{} s{} contexts\n{}",
                bake,
                i,
                plan_text
            );
        }
    }
    Ok(())
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn generated_plans_reach_buildx_exactly_in_hcl_and_json() {
    require_buildx!();
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &plans().prop_filter("unambiguous", GeneratedPlan::unambiguous),
            |plan| check(&plan),
        )
        .unwrap();
}
