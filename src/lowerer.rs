//! Stage 2: lower the KDL document into a `RawPlan` by hand, so every value keeps its span.
//! Unknown nodes and properties, wrong value types and wrong counts are reported here,
//! all of them, before anything is resolved.

use std::collections::BTreeMap;

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_source::PlanSource;
use crate::raw_plan::{
    RawCacheMount, RawEmit, RawGroup, RawMap, RawPlan, RawProfile, RawRegistryCache, RawSecret,
    RawSecretSource, RawService, RawServiceBody, RawTemplateUse, RawVariable, Text,
};
use crate::spanned::Spanned;
use crate::suggestion::did_you_mean;

pub const TOP_LEVEL_NODES: &[&str] = &[
    "version",
    "variable",
    "defaults",
    "cache-mount",
    "registry-cache",
    "template-dir",
    "emit",
    "service",
    "group",
    "profile",
];

pub const SERVICE_CHILDREN: &[&str] = &[
    "context",
    "template",
    "dockerfile",
    "from",
    "depends-on",
    "contexts",
    "image",
    "tags",
    "platforms",
    "args",
    "labels",
    "cache-mount",
    "secret",
    "registry-cache",
    "cache-from",
    "cache-to",
    "target",
    "network",
    "inputs",
    "env",
    "port",
    "cmd",
    "description",
];

/// Children a profile may set besides service children.
pub const PROFILE_SWITCHES: &[&str] = &["push", "load", "no-cache", "pull"];

/// Children whose repetition appends (lists); every other child may appear once per block.
const APPENDING_CHILDREN: &[&str] = &[
    "depends-on",
    "tags",
    "platforms",
    "cache-mount",
    "secret",
    "cache-from",
    "cache-to",
    "inputs",
    "port",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Service,
    Defaults,
    Profile,
}

/// Nodes that may appear once in a plan.
const SINGLETONS: [&str; 5] = [
    "version",
    "defaults",
    "registry-cache",
    "template-dir",
    "emit",
];

/// The raw plan and every error found. The plan holds what could be read, so that the resolver
/// can report its own errors too: one run shows all of them.
pub fn lower(source: &PlanSource, document: &KdlDocument) -> (RawPlan, PlanErrors) {
    let mut part = LoweredPart::new(source);
    for node in document.nodes() {
        part.node(node);
    }
    part.finish()
}

/// What lowering a run of top-level nodes gives; runs lowered apart (in parallel) are merged in
/// plan order with `LoweredPart::merge`.
pub struct LoweredPart<'a> {
    lowerer: Lowerer<'a>,
    plan: RawPlan,
    /// The singleton nodes seen, with their name spans.
    seen: BTreeMap<&'static str, SourceSpan>,
}

impl<'a> LoweredPart<'a> {
    pub fn new(source: &'a PlanSource) -> Self {
        Self {
            lowerer: Lowerer {
                source,
                errors: PlanErrors::default(),
            },
            plan: RawPlan::default(),
            seen: BTreeMap::new(),
        }
    }

    /// Lowers one top-level node.
    pub fn node(&mut self, node: &KdlNode) {
        let name = node.name().value();
        if let Some(&singleton) = SINGLETONS.iter().find(|singleton| **singleton == name) {
            if let Some(first) = self.seen.get(singleton) {
                let error = self
                    .lowerer
                    .duplicate_node(singleton, name_span(node), *first);
                self.lowerer.errors.push(error);
                return;
            }
            self.seen.insert(singleton, name_span(node));
        }
        self.lowerer.node(node, &mut self.plan);
    }

    /// Appends a later run: lists in order; a singleton the earlier runs already have is a
    /// duplicate, reported as the sequential lowering reports it.
    pub fn merge(&mut self, later: LoweredPart<'a>) {
        let LoweredPart {
            lowerer,
            mut plan,
            seen,
        } = later;
        self.lowerer.errors.extend(lowerer.errors);
        for (singleton, span) in seen {
            if let Some(first) = self.seen.get(singleton) {
                let error = self.lowerer.duplicate_node(singleton, span, *first);
                self.lowerer.errors.push(error);
                continue;
            }
            self.seen.insert(singleton, span);
            match singleton {
                "defaults" => self.plan.defaults = plan.defaults.take(),
                "registry-cache" => self.plan.registry_cache = plan.registry_cache.take(),
                "template-dir" => self.plan.template_dir = plan.template_dir.take(),
                "emit" => self.plan.emit = plan.emit.take(),
                _ => {}
            }
        }
        self.plan.variables.extend(plan.variables);
        self.plan.cache_mounts.extend(plan.cache_mounts);
        self.plan.services.extend(plan.services);
        self.plan.groups.extend(plan.groups);
        self.plan.profiles.extend(plan.profiles);
    }

    pub fn finish(self) -> (RawPlan, PlanErrors) {
        (self.plan, self.lowerer.errors)
    }
}

struct Lowerer<'a> {
    source: &'a PlanSource,
    errors: PlanErrors,
}

fn describe(value: &KdlValue) -> String {
    match value {
        KdlValue::String(text) => format!("the string {text:?}"),
        KdlValue::Integer(number) => format!("the integer {number}"),
        KdlValue::Float(number) => format!("the number {number}"),
        KdlValue::Bool(true) => "#true".to_owned(),
        KdlValue::Bool(false) => "#false".to_owned(),
        KdlValue::Null => "#null".to_owned(),
    }
}

fn name_span(node: &KdlNode) -> SourceSpan {
    node.name().span()
}

impl Lowerer<'_> {
    fn error(&mut self, code: &'static str, span: SourceSpan, message: String, label: &str) {
        self.errors
            .push(PlanError::at(self.source, code, span, message, label));
    }

    fn error_with_help(
        &mut self,
        code: &'static str,
        span: SourceSpan,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        self.errors
            .push(PlanError::at(self.source, code, span, message, label).with_help(help));
    }

    fn duplicate_node(&self, name: &str, span: SourceSpan, first: SourceSpan) -> PlanError {
        PlanError::at(
            self.source,
            "bakeplan::duplicate",
            span,
            format!("`{name}` appears twice in the plan"),
            "second one here",
        )
        .with_label(first, "first one here")
        .with_help(format!("merge the two `{name}` nodes into one"))
    }

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
                plan.defaults = Some(self.body(node, BlockKind::Defaults, None));
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
            "service" => {
                if let Some(name) = self.block_name(node, "service") {
                    let body = self.body(node, BlockKind::Service, None);
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
            other => self.unknown_top_level(node, other),
        }
    }

    fn unknown_top_level(&mut self, node: &KdlNode, name: &str) {
        let help = if SERVICE_CHILDREN.contains(&name) {
            Some(format!(
                "`{name}` belongs inside a `service` block (or `defaults` to apply it to every service)"
            ))
        } else {
            did_you_mean(name, TOP_LEVEL_NODES.iter().copied())
                .or_else(|| Some(format!("expected one of: {}", TOP_LEVEL_NODES.join(", "))))
        };
        self.error_with_help(
            "bakeplan::unknown-node",
            name_span(node),
            format!("unknown top-level node `{name}`"),
            "not a plan node",
            help,
        );
    }

    fn no_type_annotation(&mut self, node: &KdlNode) {
        if let Some(ty) = node.ty() {
            self.error(
                "bakeplan::type-annotation",
                ty.span(),
                "type annotations are not part of the plan format".to_owned(),
                "remove this annotation",
            );
        }
        for entry in node.entries() {
            if let Some(ty) = entry.ty() {
                self.error(
                    "bakeplan::type-annotation",
                    ty.span(),
                    "type annotations are not part of the plan format".to_owned(),
                    "remove this annotation",
                );
            }
        }
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
        let valid = name
            .value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
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
        let body = self.body(node, BlockKind::Profile, Some(&mut switches));
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

    fn body(
        &mut self,
        node: &KdlNode,
        kind: BlockKind,
        mut switches: Option<&mut BTreeMap<String, Spanned<bool>>>,
    ) -> RawServiceBody {
        let mut body = RawServiceBody::default();
        let Some(children) = node.children() else {
            return body;
        };
        let mut seen: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for child in children.nodes() {
            self.no_type_annotation(child);
            let name = child.name().value();
            if !APPENDING_CHILDREN.contains(&name) {
                if let Some(first) = seen.get(name) {
                    self.errors.push(
                        PlanError::at(
                            self.source,
                            "bakeplan::duplicate",
                            name_span(child),
                            format!("`{name}` is set twice in this block"),
                            "set again here",
                        )
                        .with_label(*first, "first set here")
                        .with_help(format!("keep one `{name}`")),
                    );
                    continue;
                }
                seen.insert(name.to_owned(), name_span(child));
            }
            body.children.push((name.to_owned(), name_span(child)));
            if kind == BlockKind::Profile && PROFILE_SWITCHES.contains(&name) {
                self.no_props(child);
                self.no_children(child);
                let args = self.args(child, 1, Some(1), "#true or #false");
                if let (Some(entry), Some(switches)) = (args.first(), switches.as_deref_mut()) {
                    if let Some(value) = entry.value().as_bool() {
                        switches.insert(name.to_owned(), Spanned::new(value, entry.span()));
                    } else {
                        self.type_error(entry, "#true or #false", &describe(entry.value()));
                    }
                }
                continue;
            }
            self.body_child(child, name, kind, &mut body);
        }
        body
    }

    fn body_child(
        &mut self,
        child: &KdlNode,
        name: &str,
        kind: BlockKind,
        body: &mut RawServiceBody,
    ) {
        match name {
            "context" => body.context = self.simple_string(child),
            "dockerfile" => body.dockerfile = self.simple_string(child),
            "from" => body.from = self.simple_string(child),
            "image" => body.image = self.simple_string(child),
            "target" => body.target = self.simple_string(child),
            "network" => body.network = self.simple_string(child),
            "description" => body.description = self.simple_string(child),
            "template" => {
                self.no_children(child);
                let name = self.single_string(child);
                let params = child
                    .entries()
                    .iter()
                    .filter_map(|entry| {
                        let key = entry.name()?;
                        let value = self.string(entry)?;
                        Some((Spanned::new(key.value().to_owned(), key.span()), value))
                    })
                    .collect();
                if let Some(name) = name {
                    body.template = Some(RawTemplateUse {
                        name,
                        params,
                        span: child.span(),
                    });
                }
            }
            "depends-on" => append(&mut body.depends_on, self.string_list(child)),
            "tags" => append(&mut body.tags, self.string_list(child)),
            "platforms" => append(&mut body.platforms, self.string_list(child)),
            "cache-mount" => append(&mut body.cache_mounts, self.string_list(child)),
            "cache-from" => append(&mut body.cache_from, self.string_list(child)),
            "cache-to" => append(&mut body.cache_to, self.string_list(child)),
            "inputs" => append(&mut body.inputs, self.string_list(child)),
            "cmd" => body.cmd = Some(self.string_list(child)),
            "contexts" => body.contexts = Some(self.map(child)),
            "args" => body.args = Some(self.map(child)),
            "labels" => body.labels = Some(self.map(child)),
            "env" => body.env = Some(self.map(child)),
            "port" => {
                self.no_props(child);
                self.no_children(child);
                let ports = self
                    .args(child, 1, None, "one or more port numbers")
                    .into_iter()
                    .filter_map(|entry| self.port(entry))
                    .collect();
                append(&mut body.ports, ports);
            }
            "secret" => {
                if let Some(secret) = self.secret(child) {
                    append(&mut body.secrets, vec![secret]);
                }
            }
            "registry-cache" => body.registry_cache = self.registry_cache(child),
            other => {
                let mut names: Vec<&str> = SERVICE_CHILDREN.to_vec();
                if kind == BlockKind::Profile {
                    names.extend(PROFILE_SWITCHES);
                }
                let help = if kind != BlockKind::Profile && PROFILE_SWITCHES.contains(&other) {
                    Some(format!(
                        "`{other}` is a profile setting: put it in a `profile` block, or pass --{other} to `bakeplan bake`"
                    ))
                } else {
                    did_you_mean(other, names.iter().copied())
                };
                let block = match kind {
                    BlockKind::Service => "a service",
                    BlockKind::Defaults => "`defaults`",
                    BlockKind::Profile => "a profile",
                };
                self.error_with_help(
                    "bakeplan::unknown-node",
                    name_span(child),
                    format!("unknown node `{other}` in {block}"),
                    "not a service child",
                    help.or_else(|| Some(format!("expected one of: {}", names.join(", ")))),
                );
            }
        }
    }

    fn secret(&mut self, node: &KdlNode) -> Option<RawSecret> {
        self.no_children(node);
        let props = self.props(node, &["env", "src"]);
        let id = self.single_string(node)?;
        let env = self.prop_string(&props, "env");
        let src = self.prop_string(&props, "src");
        let source = match (env, src) {
            (Some(env), None) => RawSecretSource::Env(env),
            (None, Some(src)) => RawSecretSource::Src(src),
            (Some(_), Some(src)) => {
                self.error_with_help(
                    "bakeplan::conflict",
                    src.span,
                    format!("secret `{}` has both `env` and `src`", id.value),
                    "second source here",
                    Some("a secret comes from one place: keep `env=` or `src=`".to_owned()),
                );
                return None;
            }
            (None, None) => {
                if !props.contains_key("env") && !props.contains_key("src") {
                    self.error_with_help(
                        "bakeplan::missing-property",
                        node.span(),
                        format!("secret `{}` says neither where it comes from", id.value),
                        "needs env=\"VAR\" or src=\"PATH\"",
                        Some(format!(
                            "write `secret \"{}\" env=\"VAR\"` or `secret \"{}\" src=\"path/to/file\"`",
                            id.value, id.value
                        )),
                    );
                }
                return None;
            }
        };
        Some(RawSecret { id, source })
    }

    fn port(&mut self, entry: &KdlEntry) -> Option<Spanned<u16>> {
        match entry.value() {
            KdlValue::Integer(number) => match u16::try_from(*number) {
                Ok(port) if port > 0 => Some(Spanned::new(port, entry.span())),
                _ => {
                    self.error(
                        "bakeplan::bad-value",
                        entry.span(),
                        format!("port {number} is out of range"),
                        "ports are 1 to 65535",
                    );
                    None
                }
            },
            other => {
                self.type_error(entry, "a port number such as 8000", &describe(other));
                None
            }
        }
    }

    /// `args { KEY "value"; ... }`: each child a key with one string.
    fn map(&mut self, node: &KdlNode) -> RawMap {
        self.no_entries(node);
        let mut map: RawMap = Vec::new();
        let Some(children) = node.children() else {
            self.error_with_help(
                "bakeplan::missing-children",
                node.span(),
                format!("`{}` needs a block of entries", node.name().value()),
                "no `{ ... }` block",
                Some(format!(
                    "write `{} {{ KEY \"value\" }}`",
                    node.name().value()
                )),
            );
            return map;
        };
        let mut seen: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for entry_node in children.nodes() {
            self.no_type_annotation(entry_node);
            self.no_props(entry_node);
            self.no_children(entry_node);
            let key = entry_node.name().value().to_owned();
            if let Some(first) = seen.get(&key) {
                self.errors.push(
                    PlanError::at(
                        self.source,
                        "bakeplan::duplicate",
                        name_span(entry_node),
                        format!("`{key}` appears twice in `{}`", node.name().value()),
                        "second one here",
                    )
                    .with_label(*first, "first one here"),
                );
                continue;
            }
            seen.insert(key.clone(), name_span(entry_node));
            let args = self.args(entry_node, 1, Some(1), "one string value");
            if let Some(value) = args.first().and_then(|entry| self.string(entry)) {
                map.push((Spanned::new(key, name_span(entry_node)), value));
            }
        }
        map
    }

    fn simple_string(&mut self, node: &KdlNode) -> Option<Text> {
        self.no_props(node);
        self.no_children(node);
        self.single_string(node)
    }

    fn string_list(&mut self, node: &KdlNode) -> Vec<Text> {
        self.no_props(node);
        self.no_children(node);
        self.args(node, 1, None, "one or more strings")
            .into_iter()
            .filter_map(|entry| self.string(entry))
            .collect()
    }

    /// Exactly one positional string.
    fn single_string(&mut self, node: &KdlNode) -> Option<Text> {
        let args = self.args(node, 1, Some(1), "one string");
        args.first().and_then(|entry| self.string(entry))
    }

    fn string(&mut self, entry: &KdlEntry) -> Option<Text> {
        match entry.value() {
            KdlValue::String(text) => Some(Spanned::new(text.clone(), entry.span())),
            other => {
                self.type_error(entry, "a string", &describe(other));
                None
            }
        }
    }

    fn type_error(&mut self, entry: &KdlEntry, expected: &str, found: &str) {
        let help = match entry.value() {
            KdlValue::Integer(_) | KdlValue::Float(_) if expected == "a string" => Some(format!(
                "quote it: \"{}\"",
                entry
                    .value()
                    .to_string()
                    .trim_start_matches('"')
                    .trim_end_matches('"')
            )),
            _ => None,
        };
        self.error_with_help(
            "bakeplan::wrong-type",
            entry.span(),
            format!("expected {expected}, found {found}"),
            &format!("expected {expected}"),
            help,
        );
    }

    /// The positional arguments, checking their count.
    fn args<'n>(
        &mut self,
        node: &'n KdlNode,
        min: usize,
        max: Option<usize>,
        what: &str,
    ) -> Vec<&'n KdlEntry> {
        let args: Vec<&KdlEntry> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        let name = node.name().value();
        if args.len() < min {
            self.error(
                "bakeplan::missing-argument",
                node.span(),
                format!("`{name}` needs {what}"),
                &format!("expected {what}"),
            );
        } else if let Some(max) = max
            && let Some(extra) = args.get(max)
        {
            let message = if max == 0 {
                format!("`{name}` takes no arguments")
            } else {
                format!("`{name}` takes {what}, and no more")
            };
            self.error(
                "bakeplan::unexpected-argument",
                extra.span(),
                message,
                "unexpected argument",
            );
        }
        args
    }

    /// The properties of `node`, reporting unknown and repeated ones.
    fn props<'n>(
        &mut self,
        node: &'n KdlNode,
        allowed: &[&str],
    ) -> BTreeMap<&'n str, &'n KdlEntry> {
        let mut props = BTreeMap::new();
        for entry in node.entries() {
            let Some(key) = entry.name() else { continue };
            let key_name = key.value();
            if !allowed.contains(&key_name) {
                let help = did_you_mean(key_name, allowed.iter().copied()).or_else(|| {
                    Some(if allowed.is_empty() {
                        format!("`{}` takes no properties", node.name().value())
                    } else {
                        format!("expected one of: {}", allowed.join(", "))
                    })
                });
                self.error_with_help(
                    "bakeplan::unknown-property",
                    key.span(),
                    format!("unknown property `{key_name}` on `{}`", node.name().value()),
                    "unknown property",
                    help,
                );
                continue;
            }
            if props.insert(key_name, entry).is_some() {
                self.error(
                    "bakeplan::duplicate",
                    key.span(),
                    format!("property `{key_name}` is given twice"),
                    "given again here",
                );
            }
        }
        props
    }

    fn prop_string(&mut self, props: &BTreeMap<&str, &KdlEntry>, key: &str) -> Option<Text> {
        props.get(key).and_then(|entry| self.string(entry))
    }

    fn no_props(&mut self, node: &KdlNode) {
        let _ = self.props(node, &[]);
    }

    fn no_entries(&mut self, node: &KdlNode) {
        self.no_props(node);
        let _ = self.args(node, 0, Some(0), "");
    }

    fn no_children(&mut self, node: &KdlNode) {
        if let Some(children) = node.children() {
            self.error(
                "bakeplan::unexpected-children",
                children.span(),
                format!("`{}` takes no `{{ ... }}` block", node.name().value()),
                "unexpected block",
            );
        }
    }
}

fn append<T>(slot: &mut Option<Vec<T>>, items: Vec<T>) {
    slot.get_or_insert_with(Vec::new).extend(items);
}
