//! Services: their names, their build (template or hand-written Dockerfile), and every field.

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;

use super::Resolver;
use crate::plan::bake_string::BakeString;
use crate::plan::fs;
use crate::plan::model::{Base, Build, Dependency, EdgeKind, RegistryCache, Service};
use crate::plan::names::{
    continues_line, is_context_name, is_image_reference, is_remote_context, is_valid_name,
};
use crate::plan::path::join;
use crate::plan::raw::{RawPlan, RawService, RawServiceBody, RawTemplateUse, Text};
use crate::plan::suggestion::did_you_mean;
use crate::plan::template_set::{ParamKind, TemplateOrigin};

impl Resolver<'_> {
    pub(super) fn declare_services(&mut self, raw: &RawPlan) {
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

    pub(super) fn unknown_service(&mut self, text: &Text, what: &str) {
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

    pub(super) fn service(
        &mut self,
        raw: &RawService,
        top_cache: Option<&RegistryCache>,
        dockerfile_pattern: Option<&Text>,
    ) -> Option<Service> {
        // `defaults` are merged into the body already (`schema::inherit`).
        let own = &raw.body;
        let name = raw.name.value.clone();
        let context = own
            .context
            .as_ref()
            .and_then(|text| self.path(text, "context"))
            .unwrap_or_else(|| ".".to_owned());

        let library = own.library.as_ref().is_some_and(|flag| flag.value);
        // A service whose build is refused is still checked to its last field, so every
        // problem of the plan is reported in one run; it is left out of the plan at the end.
        let build = self.build(raw, &context, library, dockerfile_pattern);

        let mut dependencies = Vec::new();
        let from = own.from.as_ref().map(|text| {
            if self.service_names.contains(&text.value) {
                if self.library_names.contains(&text.value) {
                    self.error(
                        "bakeplan::library",
                        text.span,
                        format!("`{}` is a library, not an image to build from", text.value),
                        "a library",
                    )
                    .help = Some(format!("use `depends-on \"{}\"` to install the library into `{name}`", text.value));
                } else if text.value == name {
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
        if let Some(list) = own.depends_on.as_ref() {
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
                    let needs_library = self.library_names.contains(&text.value);
                    if library && !needs_library {
                        self.error(
                            "bakeplan::library",
                            text.span,
                            format!("library `{name}` depends on `{}`, which is a service, not a library", text.value),
                            "not a library",
                        )
                        .help = Some("a library may only depend on other libraries".to_owned());
                        continue;
                    }
                    if !needs_library {
                        depends_on.push(text.value.clone());
                    }
                    dependencies.push(Dependency {
                        service: text.value.clone(),
                        kind: EdgeKind::DependsOn,
                        span: text.span,
                    });
                }
            }
        }

        let mut contexts = BTreeMap::new();
        for dependency in dependencies
            .iter()
            .filter(|dependency| !self.library_names.contains(&dependency.service))
        {
            contexts.insert(
                dependency.service.clone(),
                BakeString::literal(format!("target:{}", dependency.service)),
            );
        }
        if let Some(map) = own.contexts.as_ref() {
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
                // `target:NAME` is a bake target: a service of this plan built first, so a
                // dependency in the graph, the waves and `affected` like `depends-on`.
                if let Some(target) = value.value.strip_prefix("target:") {
                    if target == name {
                        self.error(
                            "bakeplan::self-dependency",
                            value.span,
                            format!("service `{name}` names itself as a named context"),
                            "a service cannot depend on itself",
                        );
                        continue;
                    }
                    if !self.service_names.contains(target) || self.library_names.contains(target) {
                        let text = Text::new(target.to_owned(), value.span);
                        self.unknown_service(&text, "contexts");
                        continue;
                    }
                    if !dependencies
                        .iter()
                        .any(|dependency| dependency.service == target)
                    {
                        dependencies.push(Dependency {
                            service: target.to_owned(),
                            kind: EdgeKind::DependsOn,
                            span: value.span,
                        });
                    }
                }
                // An OCI layout folder is read from the machine that runs bake: one of the plan's.
                if let Some(layout) = value.value.strip_prefix("oci-layout://") {
                    let (folder, _) = crate::plan::path::split_oci_layout(layout);
                    if self.host_path(folder, value.span, "OCI layout").is_none() {
                        continue;
                    }
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

        let image = match own.image.as_ref() {
            Some(text) => self.bake(text),
            None if self.variables.contains("REGISTRY") => {
                let text = Text::new(format!("${{REGISTRY}}/{name}"), raw.name.span);
                self.bake(&text)
            }
            None => BakeString::literal(name.clone()),
        };
        let tags = if library {
            Vec::new()
        } else if let Some(list) = own.tags.as_ref() {
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
        let platforms = self.platforms(own.platforms.as_ref());
        let args = self.args(own.args.as_ref());
        let labels = self.labels(own.labels.as_ref());

        let mut cache_mounts = Vec::new();
        if let Some(list) = own.cache_mounts.as_ref() {
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
        let secrets = self.secrets(own.secrets.as_ref());
        let registry_cache = match own.registry_cache.as_ref() {
            Some(raw_cache) => self.registry_cache(raw_cache, top_cache),
            None => top_cache.cloned(),
        }
        .map(|cache| RegistryCache {
            reference: cache.reference.replace_literal("{service}", &name),
            mode: cache.mode,
        });
        let cache_from = self.cache_specs(own.cache_from.as_ref());
        let cache_to = self.cache_specs(own.cache_to.as_ref());
        let target = own.target.as_ref().map(|text| self.bake(text));
        let network = self.network(own.network.as_ref());
        let ssh = self.ssh(own.ssh.as_ref());
        let inputs = match own.inputs.as_ref() {
            Some(list) => list
                .iter()
                .filter_map(|text| self.path(text, "inputs"))
                .collect(),
            None => vec![join(&context, "**")],
        };
        let env = self.env(own.env.as_ref());
        let ports = own
            .ports
            .as_ref()
            .map(|list| list.iter().map(|port| port.value).collect())
            .unwrap_or_default();
        let cmd = own
            .cmd
            .as_ref()
            .map(|list| list.iter().map(|text| text.value.clone()).collect())
            .unwrap_or_default();
        let description = own.description.as_ref().map(|text| self.bake(text));
        let extensions = self.extensions(&name, own, build.as_ref());
        let context_span = own.context.as_ref().map_or(raw.name.span, |text| text.span);
        let workspace = self.workspace_build(&name, &context, context_span, build.as_ref());
        if !library {
            for (key, value) in &self.image_map {
                contexts.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        let dockerignore = match (&build, &workspace) {
            (Some(Build::Template { .. }), None) => {
                match fs::read_unlinked(&self.source.dir, &join(&context, ".dockerignore")) {
                    Ok(text) => text,
                    Err(message) => {
                        self.error("bakeplan::io", context_span, message, "this context");
                        None
                    }
                }
            }
            _ => None,
        };

        let build = build?;
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
            ssh,
            inputs,
            env,
            ports,
            cmd,
            description,
            library,
            libraries: Vec::new(),
            workspace,
            path: ".".to_owned(),
            dockerignore,
            packages: extensions.packages,
            build_packages: extensions.build_packages,
            init: extensions.init,
            user: extensions.user,
            healthcheck: extensions.healthcheck,
            workdir: extensions.workdir,
        })
    }

    /// How the service is built: a template or a hand-written Dockerfile (the service's own
    /// replaces the default); `None`, with its error recorded, when it cannot be.
    fn build(
        &mut self,
        raw: &RawService,
        context: &str,
        library: bool,
        dockerfile_pattern: Option<&Text>,
    ) -> Option<Build> {
        let own = &raw.body;
        let name = &raw.name.value;
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
        if library {
            Some(self.library_build(name, own, context, dockerfile_pattern))
        } else if let Some(template) = &own.template {
            self.template_build(name, context, template, dockerfile_pattern)
        } else if let Some(dockerfile) = &own.dockerfile {
            Some(Build::Dockerfile {
                path: self.path(dockerfile, "dockerfile")?,
            })
        } else if own.children.iter().any(|(child, _)| child == "library") {
            // A `library` the lowering refused: its error is enough.
            None
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
            None
        }
    }

    /// A library is not built: its `dockerfile` is an error, its template only checked; it
    /// needs a `workspace`.
    fn library_build(
        &mut self,
        name: &str,
        own: &RawServiceBody,
        context: &str,
        dockerfile_pattern: Option<&Text>,
    ) -> Build {
        if self.workspace.is_none()
            && let Some(flag) = &own.library
        {
            self.error(
                "bakeplan::missing-workspace",
                flag.span,
                format!("`{name}` is a library, but the plan has no `workspace`"),
                "a library needs a workspace",
            )
            .help = Some(
                "add `workspace \".\"` (the folder holding the root manifest and the lockfile) at the top of the plan"
                    .to_owned(),
            );
        }
        if let Some(dockerfile) = &own.dockerfile
            && own.children.iter().any(|(child, _)| child == "dockerfile")
        {
            self.error(
                "bakeplan::library",
                dockerfile.span,
                format!("`{name}` is a library, so it has no Dockerfile"),
                "a library is not built",
            )
            .help =
                Some("remove `dockerfile`, or `library #true` to build it as an image".to_owned());
        } else if let Some(template) = &own.template {
            let _ = self.template_build(name, context, template, dockerfile_pattern);
        }
        Build::Library
    }

    pub(super) fn template_build(
        &mut self,
        name: &str,
        context: &str,
        template: &RawTemplateUse,
        pattern: Option<&Text>,
    ) -> Option<Build> {
        let def = match self.templates.get(&template.name) {
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
            } else if let Some((message, label, help)) = def
                .param(&key.value)
                .and_then(|param| param_problem(&key.value, param.kind, &value.value))
            {
                self.error("bakeplan::bad-value", value.span, message, &label)
                    .help = Some(help.to_owned());
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
        let file = match &def.origin {
            TemplateOrigin::Plan(path) => Some(path.clone()),
            TemplateOrigin::BuiltIn => None,
        };
        ok.then(|| Build::Template {
            name: def.name.clone(),
            file,
            params,
            output,
            span: template.span,
        })
    }
}

/// What is wrong with a template parameter's value, whatever the template: a line break or a
/// final backslash (it would end its Dockerfile line or join the next instruction onto it),
/// or a value its kind does not allow.
fn param_problem(
    name: &str,
    kind: ParamKind,
    value: &str,
) -> Option<(String, String, &'static str)> {
    if value.contains(['\n', '\r']) {
        return Some((
            format!("the value of parameter `{name}` holds a line break"),
            "line break in a template parameter".to_owned(),
            "a template renders its parameters into Dockerfile lines: one line each",
        ));
    }
    if continues_line(value) {
        return Some((
            format!("the value of parameter `{name}` ends with a backslash"),
            "ends with `\\`".to_owned(),
            "at the end of a Dockerfile line a backslash joins the next line (the next instruction) onto it: remove it",
        ));
    }
    if value.is_empty() {
        return None;
    }
    let word = |text: &str, extra: &[char]| {
        !text.is_empty()
            && !text.starts_with('-')
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._/:@+=-".contains(c) || extra.contains(&c))
    };
    let (fits, what, help) = match kind {
        ParamKind::Command => return None,
        ParamKind::Image => (
            is_image_reference(value),
            "an image reference",
            "an image reference is like `python:3.12-slim` or `registry/repo@sha256:...` (empty: the template's default)",
        ),
        ParamKind::Port => (
            value.parse::<u16>().is_ok_and(|port| port > 0),
            "a port number",
            "a port is a number from 1 to 65535",
        ),
        ParamKind::Uid => (
            value.parse::<u32>().is_ok(),
            "a numeric user id",
            "a user id is a number, like 10001",
        ),
        ParamKind::Version => (
            value.starts_with(|c: char| c.is_ascii_alphanumeric())
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')),
            "a version",
            "a version or tag is letters, digits, `.`, `_`, `+` and `-`, like 3.12 or 2.29.4",
        ),
        ParamKind::Word => (
            word(value, &[]),
            "one word",
            "one word of letters, digits and `._/:@+=-`, not starting with `-`: no spaces or shell characters",
        ),
        ParamKind::Words => (
            value
                .split(' ')
                .filter(|part| !part.is_empty())
                .all(|part| word(part, &[])),
            "a list of words",
            "words of letters, digits and `._/:@+=-` separated by spaces: no shell characters",
        ),
        ParamKind::Requirements => (
            value
                .split(' ')
                .filter(|part| !part.is_empty())
                .all(|part| word(part, &['<', '>', '!', '~', ',', '*', '[', ']'])),
            "a list of requirements",
            "requirement specifiers like `hishel<2 rich>=13` separated by spaces: no quotes, `$`, `;` or backticks",
        ),
    };
    (!fits).then(|| {
        (
            format!("the value of parameter `{name}` is not {what}"),
            format!("not {what}"),
            help,
        )
    })
}
