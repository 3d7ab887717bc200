//! Lowering: KDL document → raw plan, values keeping their spans, every error collected.

use super::lower;
use crate::plan::error::PlanErrors;
use crate::plan::parse::syntax::parse;
use crate::plan::raw::RawPlan;
use crate::plan::source::PlanSource;

fn lowered(text: &str) -> (RawPlan, PlanErrors) {
    let source = PlanSource::from_text("bakeplan.kdl".into(), text.to_owned());
    lower(&parse(&source).expect("valid KDL"))
}

fn codes(errors: &PlanErrors) -> Vec<&'static str> {
    errors.0.iter().map(|error| error.code).collect()
}

#[test]
fn a_service_keeps_its_values_and_their_spans() {
    let text = "service \"api\" {\n    context \"services/api\"\n    depends-on \"base\" \"db\"\n    port 8000 8443\n    args { TAG \"dev\" }\n}\n";
    let (raw, errors) = lowered(text);
    assert!(errors.is_empty(), "{errors:?}");
    let service = &raw.services[0];
    assert_eq!(service.name.value, "api");
    let context = service.body.context.as_ref().expect("context");
    assert_eq!(context.value, "services/api");
    let at = context.span.offset();
    assert_eq!(&text[at..at + context.span.len()], "\"services/api\"");
    let depends_on: Vec<&str> = service
        .body
        .depends_on
        .as_ref()
        .expect("depends-on")
        .iter()
        .map(|name| name.value.as_str())
        .collect();
    assert_eq!(depends_on, ["base", "db"]);
    let ports: Vec<u16> = service
        .body
        .ports
        .as_ref()
        .expect("ports")
        .iter()
        .map(|port| port.value)
        .collect();
    assert_eq!(ports, [8000, 8443]);
    let args = service.body.args.as_ref().expect("args");
    assert_eq!(
        (args[0].0.value.as_str(), args[0].1.value.as_str()),
        ("TAG", "dev")
    );
}

#[test]
fn appending_children_append_and_once_children_are_duplicates() {
    let (raw, errors) = lowered(
        "service \"a\" {\n    tags \"x\"\n    tags \"y\"\n    context \"a\"\n    context \"b\"\n}\n",
    );
    let tags: Vec<&str> = raw.services[0]
        .body
        .tags
        .as_ref()
        .expect("tags")
        .iter()
        .map(|tag| tag.value.as_str())
        .collect();
    assert_eq!(tags, ["x", "y"]);
    assert_eq!(codes(&errors), ["bakeplan::duplicate"]);
    assert_eq!(
        errors.0[0].labels.len(),
        2,
        "points at both `context` nodes"
    );
}

#[test]
fn every_error_is_reported_not_the_first() {
    let (raw, errors) = lowered(
        "servce \"typo\"\nservice \"a\" {\n    context 1\n    port \"80\"\n    colour \"red\"\n}\nversion 1\nversion 1\n",
    );
    assert_eq!(
        codes(&errors),
        [
            "bakeplan::unknown-node",
            "bakeplan::wrong-type",
            "bakeplan::wrong-type",
            "bakeplan::unknown-node",
            "bakeplan::duplicate",
        ]
    );
    // "did you mean" comes from the schema's names.
    assert!(
        errors.0[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("service")
    );
    // What could be read is kept for the resolver.
    assert_eq!(raw.services.len(), 1);
}

#[test]
fn a_profile_reads_its_switches_and_records_its_children() {
    let (raw, errors) =
        lowered("profile \"ci\" {\n    tags \"x\"\n    push #true\n    load \"yes\"\n}\n");
    // The profile rule (what a profile may set) is the resolver's; a switch's type is checked here.
    assert_eq!(codes(&errors), ["bakeplan::wrong-type"]);
    let profile = &raw.profiles[0];
    assert_eq!(profile.push.as_ref().map(|push| push.value), Some(true));
    let children: Vec<&str> = profile
        .body
        .children
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(children.contains(&"tags"), "{children:?}");
}

#[test]
fn defaults_and_top_level_singletons_are_read() {
    let (raw, errors) = lowered(
        "variable \"TAG\" default=\"dev\"\ncache-mount \"pip\" target=\"/root/.cache/pip\"\ndefaults { platforms \"linux/amd64\"; }\nemit bake=\"out/bake.json\"\n",
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(raw.variables[0].name.value, "TAG");
    assert_eq!(raw.cache_mounts.len(), 1);
    let defaults = raw.defaults.expect("defaults");
    assert_eq!(
        defaults.platforms.expect("platforms")[0].value,
        "linux/amd64"
    );
    assert!(raw.emit.is_some());
}
