//! Stage 3: resolve the raw plan into a `Plan`. Defaults are applied here, once; names,
//! references, paths and values are checked here, and every error is collected.

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;

use crate::bake_string::BakeString;
use crate::plan::{
    BakeFormat, Base, Build, CacheMount, CacheOverride, Dependency, EdgeKind, Group, Plan, Profile,
    RegistryCache, Secret, SecretSource, Service, Variable,
};
use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_path::{join, plan_path};
use crate::plan_source::PlanSource;
use crate::raw_plan::{
    RawMap, RawPlan, RawRegistryCache, RawSecret, RawSecretSource, RawService, RawServiceBody,
    RawTemplateUse, Text,
};
use crate::suggestion::did_you_mean;
use crate::template_set::TemplateSet;

/// Service children a profile may set: those that change only the bake file, never a Dockerfile
/// or the graph.
const PROFILE_CHILDREN: &[&str] = &[
    "platforms",
    "tags",
    "args",
    "labels",
    "registry-cache",
    "cache-from",
    "cache-to",
    "target",
    "network",
    "secret",
    "push",
    "load",
    "no-cache",
    "pull",
];

pub fn resolve(
    source: &PlanSource,
    raw: &RawPlan,
    templates: &TemplateSet,
) -> Result<Plan, PlanErrors> {
    let mut resolver = Resolver {
        source,
        templates,
        errors: PlanErrors::default(),
        variables: BTreeSet::new(),
        cache_mounts: BTreeMap::new(),
        service_names: BTreeSet::new(),
    };
    let plan = resolver.plan(raw);
    resolver.errors.into_result(plan)
}

struct Resolver<'a> {
    source: &'a PlanSource,
    templates: &'a TemplateSet,
    errors: PlanErrors,
    variables: BTreeSet<String>,
    cache_mounts: BTreeMap<String, CacheMount>,
    service_names: BTreeSet<String>,
}

/// `[a-z0-9][a-z0-9_-]*`: a bake target name and an image path component.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_image_reference(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '@' | '-'))
}

fn is_platform(text: &str) -> bool {
    let parts: Vec<&str> = text.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        })
}

/// Named-context values that are not local folders.
fn is_remote_context(value: &str) -> bool {
    value.contains("://") || value.starts_with("target:") || value.starts_with("git@")
}

impl Resolver<'_> {
    fn error(
        &mut self,
        code: &'static str,
        span: SourceSpan,
        message: String,
        label: &str,
    ) -> &mut PlanError {
        self.errors
            .push(PlanError::at(self.source, code, span, message, label));
        self.errors.0.last_mut().expect("just pushed")
    }

    /// "`NAME` is defined twice", pointing at both places.
    fn duplicate(
        &mut self,
        what: &str,
        verb: &str,
        name: &str,
        span: SourceSpan,
        first: SourceSpan,
    ) {
        let (second_label, first_label) = if verb == "declared" {
            ("second declaration", "first declaration")
        } else {
            ("second definition", "first definition")
        };
        self.error(
            "bakeplan::duplicate",
            span,
            format!("{what} `{name}` is {verb} twice"),
            second_label,
        )
        .labels
        .push(miette::LabeledSpan::new_with_span(
            Some(first_label.into()),
            first,
        ));
    }

    fn bake(&mut self, text: &Text) -> BakeString {
        match BakeString::parse(text, &self.variables, self.source) {
            Ok(value) => value,
            Err(error) => {
                self.errors.push(error);
                BakeString::default()
            }
        }
    }

    fn path(&mut self, text: &Text, what: &str) -> Option<String> {
        match plan_path(self.source, text, what) {
            Ok(path) => Some(path),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    fn plan(&mut self, raw: &RawPlan) -> Plan {
        let variables = self.variables(raw);
        self.declare_cache_mounts(raw);
        let (bake_path, bake_format, bake_span, dockerfile_pattern) = self.emit(raw);
        let top_cache = raw
            .registry_cache
            .as_ref()
            .and_then(|cache| self.registry_cache(cache, None));
        self.declare_services(raw);
        let services = raw
            .services
            .iter()
            .filter_map(|service| {
                self.service(
                    service,
                    raw.defaults.as_ref(),
                    top_cache.as_ref(),
                    dockerfile_pattern.as_ref(),
                )
            })
            .collect();
        let groups = self.groups(raw);
        let profiles = raw
            .profiles
            .iter()
            .filter_map(|profile| self.profile(profile, top_cache.as_ref()))
            .collect();
        let mut profile_names = BTreeMap::new();
        for profile in &raw.profiles {
            if let Some(first) = profile_names.insert(profile.name.value.clone(), profile.name.span)
            {
                self.duplicate(
                    "profile",
                    "defined",
                    &profile.name.value,
                    profile.name.span,
                    first,
                );
            }
        }
        Plan {
            variables,
            services,
            groups,
            profiles,
            bake_path,
            bake_format,
            bake_span,
        }
    }

    fn variables(&mut self, raw: &RawPlan) -> Vec<Variable> {
        let mut seen = BTreeMap::new();
        for variable in &raw.variables {
            if let Some(first) = seen.insert(variable.name.value.clone(), variable.name.span) {
                self.duplicate(
                    "variable",
                    "declared",
                    &variable.name.value,
                    variable.name.span,
                    first,
                );
            }
        }
        self.variables = seen.into_keys().collect();
        let mut declared = BTreeSet::new();
        raw.variables
            .iter()
            .filter(|variable| declared.insert(variable.name.value.clone()))
            .map(|variable| {
                let default = variable.default.as_ref().map(|text| {
                    if text
                        .value
                        .contains(&format!("${{{}}}", variable.name.value))
                    {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("variable `{}` refers to itself", variable.name.value),
                            "self-reference",
                        );
                    }
                    self.bake(text)
                });
                Variable {
                    name: variable.name.value.clone(),
                    default,
                    description: variable.description.as_ref().map(|text| self.bake(text)),
                }
            })
            .collect()
    }

    fn declare_cache_mounts(&mut self, raw: &RawPlan) {
        for mount in &raw.cache_mounts {
            let name = &mount.name;
            if !is_mount_id(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid cache mount name", name.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
                continue;
            }
            if self.cache_mounts.contains_key(&name.value) {
                self.error(
                    "bakeplan::duplicate",
                    name.span,
                    format!("cache mount `{}` is declared twice", name.value),
                    "second declaration",
                );
                continue;
            }
            let id = mount
                .id
                .as_ref()
                .map_or_else(|| name.value.clone(), |id| id.value.clone());
            if let Some(text) = &mount.id
                && !is_mount_id(&text.value)
            {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a valid cache id", text.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
            }
            let target = mount.target.as_ref().map_or_else(String::new, |text| {
                if !text.value.starts_with('/')
                    || text.value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '=' | '\\'))
                {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("cache mount target `{}` is not an absolute path that fits a --mount flag", text.value),
                        "expected an absolute path without spaces, `,`, `=` or quotes",
                    )
                    .help = Some("write a path such as target=\"/root/.cache/pip\"".to_owned());
                }
                text.value.clone()
            });
            let sharing = mount.sharing.as_ref().map_or_else(
                || "shared".to_owned(),
                |text| {
                    if !matches!(text.value.as_str(), "shared" | "private" | "locked") {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("unknown sharing mode `{}`", text.value),
                            "expected shared, private or locked",
                        )
                        .help = did_you_mean(&text.value, ["shared", "private", "locked"]);
                    }
                    text.value.clone()
                },
            );
            self.cache_mounts.insert(
                name.value.clone(),
                CacheMount {
                    id,
                    target,
                    sharing,
                },
            );
        }
    }

    fn emit(&mut self, raw: &RawPlan) -> (String, BakeFormat, SourceSpan, Option<Text>) {
        let default_span = SourceSpan::new(0.into(), 0);
        let Some(emit) = &raw.emit else {
            return (
                "docker-bake.hcl".to_owned(),
                BakeFormat::Hcl,
                default_span,
                None,
            );
        };
        let (bake_path, format, span) = match &emit.bake {
            None => ("docker-bake.hcl".to_owned(), BakeFormat::Hcl, default_span),
            Some(text) => {
                let path = self.path(text, "bake file").unwrap_or_default();
                let extension = camino::Utf8Path::new(&path)
                    .extension()
                    .map(str::to_ascii_lowercase);
                let format = if extension.as_deref() == Some("hcl") {
                    BakeFormat::Hcl
                } else if extension.as_deref() == Some("json") {
                    BakeFormat::Json
                } else {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("the bake file `{}` must end in .hcl or .json", text.value),
                        "unknown bake file format",
                    )
                    .help = Some(
                        "write emit bake=\"docker-bake.hcl\" or bake=\"docker-bake.json\""
                            .to_owned(),
                    );
                    BakeFormat::Hcl
                };
                (path, format, text.span)
            }
        };
        if let Some(pattern) = &emit.dockerfile {
            let mut rest = pattern.value.as_str();
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('}') else { break };
                let name = &after[..close];
                if !matches!(name, "context" | "service") {
                    self.error(
                        "bakeplan::bad-value",
                        pattern.span,
                        format!("unknown placeholder `{{{name}}}` in the Dockerfile path"),
                        "only {context} and {service} are replaced",
                    )
                    .help = did_you_mean(name, ["context", "service"]);
                }
                rest = &after[close + 1..];
            }
        }
        (bake_path, format, span, emit.dockerfile.clone())
    }

    fn registry_cache(
        &mut self,
        raw: &RawRegistryCache,
        inherited: Option<&RegistryCache>,
    ) -> Option<RegistryCache> {
        match raw {
            RawRegistryCache::Off => None,
            RawRegistryCache::On {
                reference,
                mode,
                span,
            } => {
                let mode = match mode {
                    Some(text) if matches!(text.value.as_str(), "min" | "max") => {
                        text.value.clone()
                    }
                    Some(text) => {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("unknown registry cache mode `{}`", text.value),
                            "expected min or max",
                        )
                        .help = did_you_mean(&text.value, ["min", "max"]);
                        "min".to_owned()
                    }
                    None => "min".to_owned(),
                };
                let reference = match reference {
                    Some(text) => {
                        if text.value.chars().any(|c| c.is_whitespace() || c == ',') {
                            self.error(
                                "bakeplan::bad-value",
                                text.span,
                                format!(
                                    "registry cache ref `{}` holds a space or comma",
                                    text.value
                                ),
                                "not a valid image reference",
                            );
                        }
                        self.bake(text)
                    }
                    None => {
                        if let Some(inherited) = inherited {
                            inherited.reference.clone()
                        } else {
                            self.error(
                                "bakeplan::missing-property",
                                *span,
                                "`registry-cache` has no `ref`".to_owned(),
                                "needs ref=\"REGISTRY/REPO:TAG\"",
                            )
                            .help = Some("write `registry-cache ref=\"${REGISTRY}/cache:{service}\" mode=\"max\"`".to_owned());
                            return None;
                        }
                    }
                };
                Some(RegistryCache { reference, mode })
            }
        }
    }

    fn declare_services(&mut self, raw: &RawPlan) {
        let mut seen: BTreeMap<&str, SourceSpan> = BTreeMap::new();
        for service in &raw.services {
            let name = &service.name;
            if !is_valid_name(&name.value) {
                let suggestion = name.value.to_ascii_lowercase().replace(
                    |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                    "-",
                );
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid service name", name.value),
                    "expected [a-z0-9][a-z0-9_-]*",
                )
                .help = Some(format!(
                    "service names are bake target names and image path components: lowercase letters, digits, `_` and `-`, such as `{suggestion}`"
                ));
            }
            if let Some(first) = seen.insert(&name.value, name.span) {
                self.duplicate("service", "defined", &name.value, name.span, first);
            }
        }
        self.service_names = seen.into_keys().map(str::to_owned).collect();
    }

    fn unknown_service(&mut self, text: &Text, what: &str) {
        let help = did_you_mean(&text.value, self.service_names.iter().map(String::as_str));
        self.error(
            "bakeplan::unknown-service",
            text.span,
            format!(
                "{what} names `{}`, which is not a service of this plan",
                text.value
            ),
            "unknown service",
        )
        .help = help.or_else(|| {
            Some(format!(
                "the services are: {}",
                self.service_names
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
    }

    fn service(
        &mut self,
        raw: &RawService,
        defaults: Option<&RawServiceBody>,
        top_cache: Option<&RegistryCache>,
        dockerfile_pattern: Option<&Text>,
    ) -> Option<Service> {
        let own = &raw.body;
        let name = raw.name.value.clone();
        let d = defaults;
        // The service's own value, else the inherited default.
        macro_rules! pick {
            ($field:ident) => {
                own.$field
                    .as_ref()
                    .or_else(|| d.and_then(|body| body.$field.as_ref()))
            };
        }
        let context = pick!(context)
            .and_then(|text| self.path(text, "context"))
            .unwrap_or_else(|| ".".to_owned());

        // Build: the service's own template or dockerfile replaces the inherited one.
        if let (Some(template), Some(dockerfile)) = (&own.template, &own.dockerfile) {
            self.error(
                "bakeplan::conflict",
                dockerfile.span,
                format!("service `{name}` has both a `template` and a `dockerfile`"),
                "hand-written Dockerfile here",
            )
            .labels
            .push(miette::LabeledSpan::new_with_span(
                Some("template here".into()),
                template.span,
            ));
            return None;
        }
        let (template, dockerfile) = if own.template.is_some() || own.dockerfile.is_some() {
            (own.template.as_ref(), own.dockerfile.as_ref())
        } else {
            (
                d.and_then(|b| b.template.as_ref()),
                d.and_then(|b| b.dockerfile.as_ref()),
            )
        };
        let build = if let Some(template) = template {
            self.template_build(&name, &context, template, dockerfile_pattern)?
        } else if let Some(dockerfile) = dockerfile {
            Build::Dockerfile {
                path: self.path(dockerfile, "dockerfile")?,
            }
        } else {
            self.error(
                "bakeplan::missing-build",
                raw.name.span,
                format!("service `{name}` has neither a `template` nor a `dockerfile`"),
                "how is this service built?",
            )
            .help = Some(format!(
                "add `template \"python-pdm\"` (or another of: {}) to the service or to `defaults`, or `dockerfile \"path/to/Dockerfile\"`",
                self.templates
                    .templates
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return None;
        };

        let mut dependencies = Vec::new();
        let from = pick!(from).map(|text| {
            if self.service_names.contains(&text.value) {
                if text.value == name {
                    self.error(
                        "bakeplan::self-dependency",
                        text.span,
                        format!("service `{name}` is built from itself"),
                        "names its own service",
                    );
                } else {
                    dependencies.push(Dependency { service: text.value.clone(), kind: EdgeKind::From, span: text.span });
                }
                Base::Service(text.value.clone())
            } else {
                if !is_image_reference(&text.value) {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("`{}` is neither a service of this plan nor an image reference", text.value),
                        "not a service or an image",
                    )
                    .help = did_you_mean(&text.value, self.service_names.iter().map(String::as_str))
                        .or_else(|| Some("an image reference is like `python:3.12-slim` or `registry/repo@sha256:...`".to_owned()));
                }
                Base::Image(text.value.clone())
            }
        });

        let mut depends_on = Vec::new();
        if let Some(list) = pick!(depends_on) {
            for text in list {
                if depends_on.contains(&text.value) {
                    self.error(
                        "bakeplan::duplicate",
                        text.span,
                        format!("`{}` is listed twice in depends-on", text.value),
                        "listed again",
                    );
                } else if text.value == name {
                    self.error(
                        "bakeplan::self-dependency",
                        text.span,
                        format!("service `{name}` depends on itself"),
                        "a service cannot depend on itself",
                    )
                    .help = Some("remove it from `depends-on`".to_owned());
                } else if !self.service_names.contains(&text.value) {
                    self.unknown_service(text, "depends-on");
                } else {
                    depends_on.push(text.value.clone());
                    dependencies.push(Dependency {
                        service: text.value.clone(),
                        kind: EdgeKind::DependsOn,
                        span: text.span,
                    });
                }
            }
        }

        let mut contexts = BTreeMap::new();
        for dependency in &dependencies {
            contexts.insert(
                dependency.service.clone(),
                BakeString::literal(format!("target:{}", dependency.service)),
            );
        }
        if let Some(map) = pick!(contexts) {
            for (key, value) in map {
                if !is_context_name(&key.value) {
                    self.error(
                        "bakeplan::bad-name",
                        key.span,
                        format!("`{}` is not a valid named-context name", key.value),
                        "lowercase letters, digits, `.`, `_`, `-`, `/` and `:`",
                    );
                    continue;
                }
                if contexts.contains_key(&key.value) {
                    self.error(
                        "bakeplan::conflict",
                        key.span,
                        format!(
                            "named context `{}` is already the service dependency of the same name",
                            key.value
                        ),
                        "clashes with a depends-on/from context",
                    );
                    continue;
                }
                let resolved = if is_remote_context(&value.value) {
                    self.bake(value)
                } else {
                    match self.path(value, "named context") {
                        Some(path) => BakeString::literal(path),
                        None => continue,
                    }
                };
                contexts.insert(key.value.clone(), resolved);
            }
        }

        let image = match pick!(image) {
            Some(text) => self.bake(text),
            None if self.variables.contains("REGISTRY") => {
                let text = Text::new(format!("${{REGISTRY}}/{name}"), raw.name.span);
                self.bake(&text)
            }
            None => BakeString::literal(name.clone()),
        };
        let tags = if let Some(list) = pick!(tags) {
            list.iter().map(|text| self.bake(text)).collect()
        } else {
            let suffix = if self.variables.contains("TAG") {
                ":${TAG}"
            } else {
                ":latest"
            };
            let tail = self.bake(&Text::new(suffix.to_owned(), raw.name.span));
            vec![image.clone().concat(&tail)]
        };
        let platforms = self.platforms(pick!(platforms));
        let args = self.bake_map(pick!(args), "build argument", is_identifier);
        let labels = self.bake_map(pick!(labels), "label", is_label_key);

        let mut cache_mounts = Vec::new();
        if let Some(list) = pick!(cache_mounts) {
            let mut seen = BTreeSet::new();
            for text in list {
                match self.cache_mounts.get(&text.value) {
                    Some(mount) if seen.insert(text.value.clone()) => {
                        cache_mounts.push(mount.clone());
                    }
                    Some(_) => {
                        self.error(
                            "bakeplan::duplicate",
                            text.span,
                            format!("cache mount `{}` is listed twice", text.value),
                            "listed again",
                        );
                    }
                    None => {
                        let help = did_you_mean(&text.value, self.cache_mounts.keys().map(String::as_str)).or_else(|| {
                            Some(format!("declare it at the top level: `cache-mount \"{}\" target=\"/root/.cache/{}\"`", text.value, text.value))
                        });
                        self.error(
                            "bakeplan::unknown-cache-mount",
                            text.span,
                            format!("cache mount `{}` is not declared", text.value),
                            "no top-level `cache-mount` of this name",
                        )
                        .help = help;
                    }
                }
            }
        }
        let secrets = self.secrets(pick!(secrets));
        let registry_cache = match pick!(registry_cache) {
            Some(raw_cache) => self.registry_cache(raw_cache, top_cache),
            None => top_cache.cloned(),
        }
        .map(|cache| RegistryCache {
            reference: cache.reference.replace_literal("{service}", &name),
            mode: cache.mode,
        });
        let cache_from = self.bake_list(pick!(cache_from));
        let cache_to = self.bake_list(pick!(cache_to));
        let target = pick!(target).map(|text| self.bake(text));
        let network = self.network(pick!(network));
        let inputs = match pick!(inputs) {
            Some(list) => list
                .iter()
                .filter_map(|text| self.path(text, "inputs"))
                .collect(),
            None => vec![join(&context, "**")],
        };
        let env = self.env(pick!(env));
        let ports = pick!(ports)
            .map(|list| list.iter().map(|port| port.value).collect())
            .unwrap_or_default();
        let cmd = pick!(cmd)
            .map(|list| list.iter().map(|text| text.value.clone()).collect())
            .unwrap_or_default();
        let description = pick!(description).map(|text| self.bake(text));

        Some(Service {
            name,
            span: raw.name.span,
            context,
            build,
            from,
            dependencies,
            depends_on,
            contexts,
            image,
            tags,
            platforms,
            args,
            labels,
            cache_mounts,
            secrets,
            registry_cache,
            cache_from,
            cache_to,
            target,
            network,
            inputs,
            env,
            ports,
            cmd,
            description,
        })
    }

    fn template_build(
        &mut self,
        name: &str,
        context: &str,
        template: &RawTemplateUse,
        pattern: Option<&Text>,
    ) -> Option<Build> {
        let def = match self.templates.get(self.source, &template.name) {
            Ok(def) => def,
            Err(error) => {
                self.errors.push(error);
                return None;
            }
        };
        let mut params = BTreeMap::new();
        let mut ok = true;
        for (key, value) in &template.params {
            if def.param(&key.value).is_none() {
                let help = did_you_mean(&key.value, def.params.iter().map(|p| p.name.as_str()))
                    .or_else(|| {
                        Some(format!(
                            "template `{}` takes: {}",
                            def.name,
                            def.params
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                self.error(
                    "bakeplan::unknown-parameter",
                    key.span,
                    format!("template `{}` has no parameter `{}`", def.name, key.value),
                    "unknown parameter",
                )
                .help = help;
                ok = false;
            } else if params
                .insert(key.value.clone(), value.value.clone())
                .is_some()
            {
                self.error(
                    "bakeplan::duplicate",
                    key.span,
                    format!("parameter `{}` is given twice", key.value),
                    "given again",
                );
                ok = false;
            }
        }
        for param in &def.params {
            if params.contains_key(&param.name) {
                continue;
            }
            if let Some(default) = &param.default {
                params.insert(param.name.clone(), default.clone());
            } else {
                self.error(
                    "bakeplan::missing-parameter",
                    template.span,
                    format!(
                        "template `{}` needs the parameter `{}`",
                        def.name, param.name
                    ),
                    "required parameter missing",
                )
                .help = Some(format!(
                    "add {}=\"...\"{}",
                    param.name,
                    param
                        .description
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ));
                ok = false;
            }
        }
        let (pattern_text, span) = pattern
            .as_ref()
            .map_or(("{context}/Dockerfile", template.span), |text| {
                (text.value.as_str(), text.span)
            });
        let output = pattern_text
            .replace("{context}", context)
            .replace("{service}", name);
        let output = self.path(&Text::new(output, span), "generated Dockerfile")?;
        ok.then(|| Build::Template {
            name: def.name.clone(),
            params,
            output,
            span: template.span,
        })
    }

    fn platforms(&mut self, list: Option<&Vec<Text>>) -> Vec<String> {
        let mut platforms = Vec::new();
        for text in list.into_iter().flatten() {
            if !is_platform(&text.value) {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a platform", text.value),
                    "expected os/arch, like linux/amd64",
                )
                .help = did_you_mean(
                    &text.value,
                    [
                        "linux/amd64",
                        "linux/arm64",
                        "linux/arm/v7",
                        "linux/386",
                        "linux/ppc64le",
                        "linux/s390x",
                        "linux/riscv64",
                    ],
                );
            } else if platforms.contains(&text.value) {
                self.error(
                    "bakeplan::duplicate",
                    text.span,
                    format!("platform `{}` is listed twice", text.value),
                    "listed again",
                );
            } else {
                platforms.push(text.value.clone());
            }
        }
        platforms
    }

    fn bake_map(
        &mut self,
        map: Option<&RawMap>,
        what: &str,
        valid_key: fn(&str) -> bool,
    ) -> BTreeMap<String, BakeString> {
        let mut out = BTreeMap::new();
        for (key, value) in map.into_iter().flatten() {
            if !valid_key(&key.value) {
                self.error(
                    "bakeplan::bad-name",
                    key.span,
                    format!("`{}` is not a valid {what} name", key.value),
                    "invalid name",
                )
                .help = Some(if what == "label" {
                    "label keys are letters, digits, `.`, `-`, `_` and `/`".to_owned()
                } else {
                    "names are letters, digits and `_`, not starting with a digit".to_owned()
                });
                continue;
            }
            let value = self.bake(value);
            out.insert(key.value.clone(), value);
        }
        out
    }

    fn bake_list(&mut self, list: Option<&Vec<Text>>) -> Vec<BakeString> {
        list.into_iter()
            .flatten()
            .map(|text| self.bake(text))
            .collect()
    }

    fn network(&mut self, text: Option<&Text>) -> Option<String> {
        let text = text?;
        if matches!(text.value.as_str(), "default" | "none" | "host") {
            Some(text.value.clone())
        } else {
            self.error(
                "bakeplan::bad-value",
                text.span,
                format!("unknown network mode `{}`", text.value),
                "expected default, none or host",
            )
            .help = did_you_mean(&text.value, ["default", "none", "host"]);
            None
        }
    }

    fn env(&mut self, map: Option<&RawMap>) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for (key, value) in map.into_iter().flatten() {
            if !is_identifier(&key.value) {
                self.error(
                    "bakeplan::bad-name",
                    key.span,
                    format!("`{}` is not a valid environment variable name", key.value),
                    "expected [A-Za-z_][A-Za-z0-9_]*",
                );
                continue;
            }
            if value.value.chars().any(|c| matches!(c, '\n' | '\r' | '\0')) {
                self.error(
                    "bakeplan::unsafe-value",
                    value.span,
                    format!("the value of `{}` holds a line break, which cannot be made safe on its ENV line", key.value),
                    "line break in an ENV value",
                )
                .help = Some("a Dockerfile ENV value is one line: remove the line break".to_owned());
                continue;
            }
            env.insert(key.value.clone(), value.value.clone());
        }
        env
    }

    fn secrets(&mut self, list: Option<&Vec<RawSecret>>) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = Vec::new();
        for raw in list.into_iter().flatten() {
            if !is_mount_id(&raw.id.value) {
                self.error(
                    "bakeplan::bad-name",
                    raw.id.span,
                    format!("`{}` is not a valid secret id", raw.id.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
                continue;
            }
            if secrets.iter().any(|secret| secret.id == raw.id.value) {
                self.error(
                    "bakeplan::duplicate",
                    raw.id.span,
                    format!("secret `{}` is declared twice", raw.id.value),
                    "declared again",
                );
                continue;
            }
            let source = match &raw.source {
                RawSecretSource::Env(text) => {
                    if !is_identifier(&text.value) {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("`{}` is not an environment variable name", text.value),
                            "expected [A-Za-z_][A-Za-z0-9_]*",
                        );
                        continue;
                    }
                    SecretSource::Env(text.value.clone())
                }
                RawSecretSource::Src(text) => {
                    let Some(path) = self.path(text, "secret src") else {
                        continue;
                    };
                    if path.contains(',') || path.contains('"') {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            "a secret src path cannot hold `,` or `\"`".to_owned(),
                            "unsupported character",
                        );
                        continue;
                    }
                    SecretSource::Src(path)
                }
            };
            secrets.push(Secret {
                id: raw.id.value.clone(),
                source,
            });
        }
        secrets
    }

    fn groups(&mut self, raw: &RawPlan) -> Vec<Group> {
        let mut names: BTreeMap<&str, SourceSpan> = BTreeMap::new();
        for group in &raw.groups {
            let name = &group.name;
            if !is_valid_name(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid group name", name.value),
                    "expected [a-z0-9][a-z0-9_-]*",
                );
            }
            if self.service_names.contains(&name.value) {
                self.error(
                    "bakeplan::conflict",
                    name.span,
                    format!("group `{}` has the name of a service", name.value),
                    "also a service",
                )
                .help = Some(
                    "bake targets and groups share one namespace: rename the group".to_owned(),
                );
            }
            if let Some(first) = names.insert(&name.value, name.span) {
                self.duplicate("group", "defined", &name.value, name.span, first);
            }
        }
        let members_of: BTreeMap<&str, &Vec<Text>> = raw
            .groups
            .iter()
            .map(|g| (g.name.value.as_str(), &g.members))
            .collect();
        let mut groups = Vec::new();
        for group in &raw.groups {
            let mut members = Vec::new();
            for member in &group.members {
                if members.contains(&member.value) {
                    self.error(
                        "bakeplan::duplicate",
                        member.span,
                        format!(
                            "`{}` is listed twice in group `{}`",
                            member.value, group.name.value
                        ),
                        "listed again",
                    );
                } else if member.value == group.name.value
                    || group_reaches(
                        &members_of,
                        &member.value,
                        &group.name.value,
                        &mut BTreeSet::new(),
                    )
                {
                    self.error(
                        "bakeplan::cycle",
                        member.span,
                        format!(
                            "group `{}` contains itself through `{}`",
                            group.name.value, member.value
                        ),
                        "nested groups form a cycle",
                    );
                } else if self.service_names.contains(&member.value)
                    || names.contains_key(member.value.as_str())
                {
                    members.push(member.value.clone());
                } else {
                    let help = did_you_mean(
                        &member.value,
                        self.service_names
                            .iter()
                            .map(String::as_str)
                            .chain(names.keys().copied()),
                    );
                    self.error(
                        "bakeplan::unknown-member",
                        member.span,
                        format!(
                            "group `{}` names `{}`, which is neither a service nor a group",
                            group.name.value, member.value
                        ),
                        "unknown service or group",
                    )
                    .help = help;
                }
            }
            groups.push(Group {
                name: group.name.value.clone(),
                members,
            });
        }
        groups
    }

    fn profile(
        &mut self,
        raw: &crate::raw_plan::RawProfile,
        top_cache: Option<&RegistryCache>,
    ) -> Option<Profile> {
        if !is_valid_name(&raw.name.value) {
            self.error(
                "bakeplan::bad-name",
                raw.name.span,
                format!("`{}` is not a valid profile name", raw.name.value),
                "expected [a-z0-9][a-z0-9_-]*",
            );
        }
        let mut ok = true;
        for (child, span) in &raw.body.children {
            if !PROFILE_CHILDREN.contains(&child.as_str())
                && crate::lowerer::SERVICE_CHILDREN.contains(&child.as_str())
            {
                self.error(
                    "bakeplan::not-in-profile",
                    *span,
                    format!("a profile cannot set `{child}`"),
                    "not a profile setting",
                )
                .help = Some(format!(
                    "a profile only changes bake attributes of every target: {}",
                    PROFILE_CHILDREN.join(", ")
                ));
                ok = false;
            }
        }
        let body = &raw.body;
        let profile = Profile {
            name: raw.name.value.clone(),
            platforms: body
                .platforms
                .as_ref()
                .map(|list| self.platforms(Some(list))),
            tags: body.tags.as_ref().map(|list| self.bake_list(Some(list))),
            args: body
                .args
                .as_ref()
                .map(|map| self.bake_map(Some(map), "build argument", is_identifier)),
            labels: body
                .labels
                .as_ref()
                .map(|map| self.bake_map(Some(map), "label", is_label_key)),
            registry_cache: body.registry_cache.as_ref().map(|cache| {
                match self.registry_cache(cache, top_cache) {
                    Some(cache) => CacheOverride::On(cache),
                    None => CacheOverride::Off,
                }
            }),
            cache_from: body
                .cache_from
                .as_ref()
                .map(|list| self.bake_list(Some(list))),
            cache_to: body
                .cache_to
                .as_ref()
                .map(|list| self.bake_list(Some(list))),
            target: body.target.as_ref().map(|text| self.bake(text)),
            network: body
                .network
                .as_ref()
                .and_then(|text| self.network(Some(text))),
            secrets: body.secrets.as_ref().map(|list| self.secrets(Some(list))),
            push: raw.push.as_ref().is_some_and(|flag| flag.value),
            load: raw.load.as_ref().is_some_and(|flag| flag.value),
            no_cache: raw.no_cache.as_ref().map(|flag| flag.value),
            pull: raw.pull.as_ref().map(|flag| flag.value),
        };
        ok.then_some(profile)
    }
}

fn is_mount_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_label_key(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
}

fn is_context_name(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/' | ':')
        })
}

fn group_reaches(
    members_of: &BTreeMap<&str, &Vec<Text>>,
    from: &str,
    target: &str,
    visited: &mut BTreeSet<String>,
) -> bool {
    if !visited.insert(from.to_owned()) {
        return false;
    }
    members_of.get(from).is_some_and(|members| {
        members.iter().any(|member| {
            member.value == target || group_reaches(members_of, &member.value, target, visited)
        })
    })
}
