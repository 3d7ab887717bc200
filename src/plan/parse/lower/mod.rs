//! Stage 2: lower the KDL document into a `RawPlan` by hand, so every value keeps its span.
//! Unknown nodes and properties, wrong value types and wrong counts are reported here,
//! all of them, before anything is resolved.

mod body;
mod builder;
mod values;

use std::collections::BTreeMap;

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::names::is_identifier;
use crate::plan::raw::{
    RawCacheMount, RawEmit, RawGroup, RawPlan, RawProfile, RawRegistryCache, RawService,
    RawVariable, Text,
};
use crate::plan::schema::{self, Places, Repeat};
use crate::plan::suggestion::did_you_mean;
use values::{describe, name_span};

/// The raw plan and every error found. The plan holds what could be read, so that the resolver
/// can report its own errors too: one run shows all of them.
pub fn lower(document: &KdlDocument) -> (RawPlan, PlanErrors) {
    let mut part = LoweredPart::new();
    for node in document.nodes() {
        part.node(node);
    }
    part.finish()
}

/// What lowering a run of top-level nodes gives; runs lowered apart (in parallel) are merged in
/// plan order with `LoweredPart::merge`.
#[derive(Default)]
pub struct LoweredPart {
    lowerer: Lowerer,
    plan: RawPlan,
    /// The singleton nodes seen, with their name spans.
    seen: BTreeMap<&'static str, SourceSpan>,
}

impl LoweredPart {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lowers one top-level node.
    pub fn node(&mut self, node: &KdlNode) {
        let name = node.name().value();
        if let Some(singleton) = schema::child(name, Places::TOP)
            .filter(|row| row.repeat == Repeat::Once)
            .map(|row| row.name)
        {
            if let Some(first) = self.seen.get(singleton) {
                let error = duplicate_node(singleton, name_span(node), *first);
                self.lowerer.errors.push(error);
                return;
            }
            self.seen.insert(singleton, name_span(node));
        }
        self.lowerer.node(node, &mut self.plan);
    }

    /// Appends a later run: lists in order; a singleton the earlier runs already have is a
    /// duplicate, reported as the sequential lowering reports it.
    pub fn merge(&mut self, later: LoweredPart) {
        let LoweredPart {
            lowerer,
            mut plan,
            seen,
        } = later;
        self.lowerer.errors.extend(lowerer.errors);
        for (singleton, span) in seen {
            if let Some(first) = self.seen.get(singleton) {
                let error = duplicate_node(singleton, span, *first);
                self.lowerer.errors.push(error);
                continue;
            }
            self.seen.insert(singleton, span);
            match singleton {
                "defaults" => self.plan.defaults = plan.defaults.take(),
                "registry-cache" => self.plan.registry_cache = plan.registry_cache.take(),
                "template-dir" => self.plan.template_dir = plan.template_dir.take(),
                "emit" => self.plan.emit = plan.emit.take(),
                "workspace" => self.plan.workspace = plan.workspace.take(),
                "image-map" => self.plan.image_map = plan.image_map.take(),
                _ => {}
            }
        }
        self.plan.variables.extend(plan.variables);
        self.plan.cache_mounts.extend(plan.cache_mounts);
        self.plan.services.extend(plan.services);
        self.plan.groups.extend(plan.groups);
        self.plan.profiles.extend(plan.profiles);
        self.plan.builders.extend(plan.builders);
    }

    pub fn finish(self) -> (RawPlan, PlanErrors) {
        (self.plan, self.lowerer.errors)
    }
}

/// `NAME` appears twice at the top level.
fn duplicate_node(name: &str, span: SourceSpan, first: SourceSpan) -> PlanError {
    PlanError::new(
        "bakeplan::duplicate",
        format!("`{name}` appears twice in the plan"),
    )
    .label(span, "second one here")
    .label(first, "first one here")
    .help(format!("merge the two `{name}` nodes into one"))
}

#[derive(Default)]
struct Lowerer {
    pub(super) errors: PlanErrors,
}

impl Lowerer {
    fn node(&mut self, node: &KdlNode, plan: &mut RawPlan) {
        self.no_type_annotation(node);
        let name = node.name().value();
        match name {
            "version" => self.version(node),
            "variable" => {
                if let Some(variable) = self.variable(node) {
                    plan.variables.push(variable);
                }
            }
            "defaults" => {
                self.no_entries(node);
                plan.defaults = Some(self.body(node, Places::DEFAULTS, None));
            }
            "cache-mount" => {
                if let Some(mount) = self.cache_mount(node) {
                    plan.cache_mounts.push(mount);
                }
            }
            "registry-cache" => plan.registry_cache = self.registry_cache(node),
            "template-dir" => {
                self.no_props(node);
                self.no_children(node);
                plan.template_dir = self.single_string(node);
            }
            "emit" => plan.emit = Some(self.emit(node)),
            "workspace" => {
                self.no_props(node);
                self.no_children(node);
                plan.workspace = self.single_string(node);
            }
            "image-map" => plan.image_map = Some((self.map(node), name_span(node))),
            "service" => {
                if let Some(name) = self.block_name(node, "service") {
                    let body = self.body(node, Places::SERVICE, None);
                    plan.services.push(RawService { name, body });
                }
            }
            "group" => {
                if let Some(group) = self.group(node) {
                    plan.groups.push(group);
                }
            }
            "profile" => {
                if let Some(profile) = self.profile(node) {
                    plan.profiles.push(profile);
                }
            }
            "builder" => {
                if let Some(builder) = self.builder(node) {
                    plan.builders.push(builder);
                }
            }
            other => self.unknown_top_level(node, other),
        }
    }

    fn unknown_top_level(&mut self, node: &KdlNode, name: &str) {
        let top_level: Vec<&str> = schema::names(Places::TOP).collect();
        let help = if schema::child(name, Places::SERVICE).is_some() {
            Some(format!(
                "`{name}` belongs inside a `service` block (or `defaults` to apply it to every service)"
            ))
        } else {
            did_you_mean(name, top_level.iter().copied())
                .or_else(|| Some(format!("expected one of: {}", top_level.join(", "))))
        };
        self.error_with_help(
            "bakeplan::unknown-node",
            name_span(node),
            format!("unknown top-level node `{name}`"),
            "not a plan node",
            help,
        );
    }

    fn version(&mut self, node: &KdlNode) {
        self.no_props(node);
        self.no_children(node);
        let args = self.args(node, 1, Some(1), "a version number");
        if let Some(entry) = args.first() {
            match entry.value() {
                KdlValue::Integer(1) => {}
                KdlValue::Integer(other) => self.error_with_help(
                    "bakeplan::version",
                    entry.span(),
                    format!("unsupported plan format version {other}"),
                    "this bakeplan reads version 1",
                    Some("write `version 1`, or leave the node out".to_owned()),
                ),
                other => self.type_error(entry, "the integer 1", &describe(other)),
            }
        }
    }

    fn variable(&mut self, node: &KdlNode) -> Option<RawVariable> {
        self.no_children(node);
        let props = self.props(node, &["default", "description"]);
        let name = self.single_string(node)?;
        let valid = is_identifier(&name.value);
        if !valid {
            self.error_with_help(
                "bakeplan::bad-name",
                name.span,
                format!("`{}` is not a valid variable name", name.value),
                "variable names are letters, digits and `_`",
                Some("use a name like `TAG` or `REGISTRY` ([A-Za-z_][A-Za-z0-9_]*)".to_owned()),
            );
            return None;
        }
        Some(RawVariable {
            name,
            default: self.prop_string(&props, "default"),
            description: self.prop_string(&props, "description"),
        })
    }

    fn cache_mount(&mut self, node: &KdlNode) -> Option<RawCacheMount> {
        self.no_children(node);
        let props = self.props(node, &["target", "sharing", "id"]);
        let name = self.single_string(node)?;
        let target = self.prop_string(&props, "target");
        if target.is_none() && !props.contains_key("target") {
            self.error_with_help(
                "bakeplan::missing-property",
                node.span(),
                format!("cache mount `{}` has no `target`", name.value),
                "needs target=\"/path/in/the/build\"",
                Some(format!(
                    "write `cache-mount \"{}\" target=\"/root/.cache/{}\"`",
                    name.value, name.value
                )),
            );
        }
        Some(RawCacheMount {
            id: self.prop_string(&props, "id"),
            sharing: self.prop_string(&props, "sharing"),
            target,
            name,
        })
    }

    fn registry_cache(&mut self, node: &KdlNode) -> Option<RawRegistryCache> {
        self.no_children(node);
        let props = self.props(node, &["ref", "mode"]);
        let args: Vec<&KdlEntry> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        match args.as_slice() {
            [] => Some(RawRegistryCache::On {
                reference: self.prop_string(&props, "ref"),
                mode: self.prop_string(&props, "mode"),
                span: node.span(),
            }),
            [entry] if entry.value() == &KdlValue::Bool(false) => {
                if let Some(prop) = props.values().next() {
                    self.error(
                        "bakeplan::conflict",
                        prop.span(),
                        "`registry-cache #false` turns the cache off and takes no properties"
                            .to_owned(),
                        "remove this property",
                    );
                }
                Some(RawRegistryCache::Off)
            }
            [entry, ..] => {
                self.error_with_help(
                    "bakeplan::unexpected-argument",
                    entry.span(),
                    format!(
                        "`registry-cache` takes properties or `#false`, not {}",
                        describe(entry.value())
                    ),
                    "unexpected argument",
                    Some(
                        "write `registry-cache ref=\"REF\" mode=\"max\"` or `registry-cache #false`"
                            .to_owned(),
                    ),
                );
                None
            }
        }
    }

    fn emit(&mut self, node: &KdlNode) -> RawEmit {
        self.no_children(node);
        let _ = self.args(node, 0, Some(0), "");
        let props = self.props(node, &["bake", "dockerfile"]);
        RawEmit {
            bake: self.prop_string(&props, "bake"),
            dockerfile: self.prop_string(&props, "dockerfile"),
        }
    }

    fn group(&mut self, node: &KdlNode) -> Option<RawGroup> {
        self.no_props(node);
        self.no_children(node);
        let args = self.args(node, 2, None, "a group name and its members");
        let mut strings = args.iter().filter_map(|entry| self.string(entry));
        let name = strings.next()?;
        let members: Vec<Text> = strings.collect();
        if members.len() + 1 != args.len() {
            return None;
        }
        Some(RawGroup { name, members })
    }

    fn profile(&mut self, node: &KdlNode) -> Option<RawProfile> {
        let name = self.block_name(node, "profile")?;
        let mut switches = BTreeMap::new();
        let body = self.body(node, Places::PROFILE, Some(&mut switches));
        let mut take = |key: &str| switches.remove(key);
        Some(RawProfile {
            push: take("push"),
            load: take("load"),
            no_cache: take("no-cache"),
            pull: take("pull"),
            name,
            body,
        })
    }

    /// `service "NAME" { ... }` / `profile "NAME" { ... }`: the name argument.
    fn block_name(&mut self, node: &KdlNode, what: &str) -> Option<Text> {
        self.no_props(node);
        let args = self.args(node, 1, Some(1), &format!("the {what} name"));
        args.first().and_then(|entry| self.string(entry))
    }
}

#[cfg(test)]
mod tests;
