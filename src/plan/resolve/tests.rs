//! Resolving: raw plan → plan, defaults merged once, names, references and paths checked.

use super::resolve;
use crate::plan::bake_string::BakeString;
use crate::plan::error::PlanErrors;
use crate::plan::model::{Build, EdgeKind, Plan};
use crate::plan::parse::lower::lower;
use crate::plan::parse::syntax::parse;
use crate::plan::source::PlanSource;
use crate::plan::template_set::TemplateSet;

/// The plan `text` resolved against the built-in templates (lowering errors included), for the
/// tests of this stage and of the stages after it.
pub(crate) fn resolved(text: &str) -> Result<Plan, PlanErrors> {
    let source = PlanSource::from_text("bakeplan.kdl".into(), text.to_owned());
    let (raw, mut errors) = lower(&parse(&source)?);
    let templates = TemplateSet::load(&source, None)?;
    match resolve(&source, raw, &templates, false) {
        Ok(plan) => errors.into_result(plan),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

fn codes(text: &str) -> Vec<&'static str> {
    resolved(text)
        .err()
        .map(|errors| errors.0.iter().map(|error| error.code).collect())
        .unwrap_or_default()
}

#[test]
fn defaults_are_merged_into_each_service_and_a_service_overrides_them() {
    let plan = resolved(
        "defaults {\n    template \"python-pip\"\n    platforms \"linux/amd64\"\n}\nservice \"a\" { context \"a\"; }\nservice \"b\" {\n    context \"b\"\n    platforms \"linux/arm64\"\n    dockerfile \"b/Dockerfile.custom\"\n}\n",
    )
    .expect("resolves");
    let a = plan.service("a").expect("a");
    assert_eq!(a.platforms, ["linux/amd64"]);
    assert!(
        matches!(&a.build, Build::Template { name, output, .. } if name == "python-pip" && output == "a/Dockerfile")
    );
    let b = plan.service("b").expect("b");
    assert_eq!(b.platforms, ["linux/arm64"]);
    // A service's own `dockerfile` wins over the template it would inherit.
    assert!(matches!(&b.build, Build::Dockerfile { path } if path == "b/Dockerfile.custom"));
}

#[test]
fn images_and_tags_come_from_the_variables() {
    let plan = resolved(
        "variable \"REGISTRY\" default=\"r.example\"\nvariable \"TAG\" default=\"dev\"\nservice \"api\" {\n    context \"api\"\n    template \"static\"\n}\nservice \"plain\" {\n    context \"plain\"\n    template \"static\"\n    tags \"plain:${TAG}\" \"plain:$${LITERAL}\"\n}\n",
    )
    .expect("resolves");
    let api = plan.service("api").expect("api");
    assert_eq!(api.image.to_bake(), "${REGISTRY}/api");
    assert_eq!(api.tags[0].to_bake(), "${REGISTRY}/api:${TAG}");
    let own_tags = plan.service("plain").expect("plain");
    let tags: Vec<String> = own_tags.tags.iter().map(BakeString::to_bake).collect();
    assert_eq!(tags, ["plain:${TAG}", "plain:$${LITERAL}"]);
    assert_eq!(plan.bake_path, "docker-bake.hcl");
}

#[test]
fn references_are_checked() {
    assert_eq!(
        codes(
            "service \"a\" {\n    context \"a\"\n    template \"static\"\n    depends-on \"b\" \"a\"\n    tags \"a:${NOPE}\"\n}\n"
        ),
        [
            "bakeplan::unknown-service",
            "bakeplan::self-dependency",
            "bakeplan::unknown-variable"
        ]
    );
    assert_eq!(
        codes("service \"a\" {\n    context \"a\"\n    template \"nope\"\n}\n"),
        ["bakeplan::unknown-template"]
    );
}

#[test]
fn dependencies_record_their_kind() {
    let plan = resolved(
        "service \"base\" { context \"base\"; template \"static\"; }\nservice \"app\" {\n    context \"app\"\n    template \"static\"\n    from \"base\"\n}\nservice \"tool\" {\n    context \"tool\"\n    template \"static\"\n    depends-on \"base\"\n}\n",
    )
    .expect("resolves");
    let kinds = |name: &str| -> Vec<(String, EdgeKind)> {
        plan.service(name)
            .expect("service")
            .dependencies
            .iter()
            .map(|dependency| (dependency.service.clone(), dependency.kind))
            .collect()
    };
    assert_eq!(kinds("app"), [("base".to_owned(), EdgeKind::From)]);
    assert_eq!(kinds("tool"), [("base".to_owned(), EdgeKind::DependsOn)]);
}

#[test]
fn paths_names_profiles_and_groups_are_checked() {
    assert_eq!(
        codes("service \"a\" { context \"../out\"; template \"static\"; }\n"),
        ["bakeplan::path-escapes"]
    );
    assert_eq!(
        codes("service \"Bad\" { context \"a\"; template \"static\"; }\n"),
        ["bakeplan::bad-name"]
    );
    assert_eq!(
        codes(
            "service \"a\" { context \"a\"; template \"static\"; }\nprofile \"ci\" { env { A \"b\" }; }\n"
        ),
        ["bakeplan::not-in-profile"]
    );
    let service = "service \"a\" { context \"a\"; template \"static\"; }\n";
    assert_eq!(
        codes(&format!("{service}group \"all\" \"a\" \"b\"\n")),
        ["bakeplan::unknown-member"]
    );
    assert_eq!(
        codes(&format!(
            "{service}group \"a\" \"all\"\ngroup \"all\" \"a\"\n"
        )),
        // Each group on a cycle reports it (as the bad-input snapshot `group-cycle` shows).
        ["bakeplan::conflict", "bakeplan::cycle", "bakeplan::cycle"]
    );
}

/// Thousands of nested groups need no deep stack and no walk per member (the cycle check
/// recursed once per group: 30,000 chained groups overflowed bakeplan's main stack).
#[test]
fn a_long_chain_of_groups_resolves_on_a_small_stack() {
    use std::fmt::Write as _;
    let n = 3_000;
    let mut text = String::from("service \"a\" { dockerfile \"D\"; }\n");
    for i in (1..n).rev() {
        let _ = writeln!(text, "group \"g{i}\" \"g{}\"", i - 1);
    }
    text.push_str("group \"g0\" \"a\"\n");
    let groups = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || resolved(&text).map(|plan| plan.groups.len()).ok())
        .expect("a thread")
        .join()
        .expect("no panic");
    assert_eq!(groups, Some(n));
}

/// Variable defaults that refer to each other in a cycle: bake refuses them ("variable cycle
/// not allowed"), so resolving does, one error per cycle, named in order from its first
/// variable in plan order; a chain without a cycle, or a literal `$${A}`, is fine.
#[test]
fn variable_cycles_of_any_length_are_refused_and_named_in_order() {
    use std::fmt::Write as _;
    fn messages(text: &str) -> Vec<String> {
        let service = "service \"a\" { context \"a\"; template \"static\"; }\n";
        resolved(&format!("{text}{service}"))
            .err()
            .map(|errors| {
                errors
                    .0
                    .iter()
                    .map(|error| format!("{} {}", error.code, error.message))
                    .collect()
            })
            .unwrap_or_default()
    }
    assert_eq!(
        messages(
            "variable \"X\" default=\"${Z}\"\nvariable \"A\" default=\"${B}\"\nvariable \"B\" default=\"x${C}\"\nvariable \"C\" default=\"${A}/${X}\"\nvariable \"Z\" default=\"${Z}\"\n"
        ),
        [
            "bakeplan::cycle variable cycle: A → B → C → A",
            "bakeplan::cycle variable cycle: Z → Z",
        ]
    );
    assert!(
        messages("variable \"A\" default=\"$${A} ${B}\"\nvariable \"B\" default=\"${C}\"\nvariable \"C\" default=\"c\"\n").is_empty()
    );
    // A long chain closed into one cycle: one error, no deep stack.
    let n = 3_000;
    let mut text = String::new();
    for i in 0..n {
        let _ = writeln!(text, "variable \"V{i}\" default=\"${{V{}}}\"", (i + 1) % n);
    }
    let found = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || messages(&text))
        .expect("a thread")
        .join()
        .expect("no panic");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("bakeplan::cycle variable cycle: V0 → V1 → V2"));
    assert!(found[0].ends_with("V2999 → V0"));
}
