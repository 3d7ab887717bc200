//! Stage 3: resolve the raw plan into a `Plan`. Defaults are applied here, once; names,
//! references, paths and values are checked here, and every error is collected.

mod builders;
mod extensions;
mod fields;
mod groups;
mod profile;
mod service;
mod variables;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;

use crate::plan::bake_string::BakeString;
use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::fs::{PlanRoot, ReadError};
use crate::plan::model::{BakeFormat, CacheMount, Plan, Workspace};
use crate::plan::path::plan_path;
use crate::plan::raw::{RawPlan, Text};
use crate::plan::schema;
use crate::plan::source::PlanSource;
use crate::plan::suggestion::did_you_mean;
use crate::plan::template_set::TemplateSet;

/// `draft`: a plan being edited (`bakeplan new`), which may have no service yet.
pub fn resolve(
    source: &PlanSource,
    mut raw: RawPlan,
    templates: &TemplateSet,
    draft: bool,
) -> Result<Plan, PlanErrors> {
    let mut resolver = Resolver {
        source,
        root: PlanRoot::new(&source.dir).ok(),
        templates,
        draft,
        errors: PlanErrors::default(),
        variables: BTreeSet::new(),
        cache_mounts: BTreeMap::new(),
        service_names: BTreeSet::new(),
        library_names: BTreeSet::new(),
        workspace: None,
        image_map: BTreeMap::new(),
        missing_lockfiles: BTreeSet::new(),
    };
    let plan = resolver.plan(&mut raw);
    resolver.errors.into_result(plan)
}

struct Resolver<'a> {
    /// The plan file: its text lets an error point inside a string, its name goes in hints.
    /// Errors themselves do not carry it (the reporter attaches it).
    pub(super) source: &'a PlanSource,
    /// The plan folder and its real path, resolved once: where every plan path must lead
    /// (`None` when the folder cannot be resolved, as for a plan given as text).
    root: Option<PlanRoot>,
    templates: &'a TemplateSet,
    draft: bool,
    errors: PlanErrors,
    variables: BTreeSet<String>,
    cache_mounts: BTreeMap<String, CacheMount>,
    service_names: BTreeSet<String>,
    /// The services that are `library #true` (after `defaults`).
    library_names: BTreeSet<String>,
    workspace: Option<Workspace>,
    /// `image-map`: image as written in `FROM` → named-context value.
    image_map: BTreeMap<String, BakeString>,
    /// Templates whose missing lockfile was reported already.
    missing_lockfiles: BTreeSet<String>,
}

impl Resolver<'_> {
    pub(super) fn error(
        &mut self,
        code: &'static str,
        span: SourceSpan,
        message: String,
        label: &str,
    ) -> &mut PlanError {
        self.errors
            .push(PlanError::new(code, message).label(span, label));
        self.errors.0.last_mut().expect("just pushed")
    }

    /// "`NAME` is defined twice", pointing at both places.
    pub(super) fn duplicate(
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

    pub(super) fn bake(&mut self, text: &Text) -> BakeString {
        match BakeString::parse(text, &self.variables, &self.source.text) {
            Ok(value) => value,
            Err(error) => {
                self.errors.push(error);
                BakeString::default()
            }
        }
    }

    pub(super) fn path(&mut self, text: &Text, what: &str) -> Option<String> {
        match plan_path(text, what, &self.source.file_name) {
            Ok(path) => {
                if let Some(real) = self.linked_out(&path) {
                    self.error(
                        "bakeplan::path-escapes",
                        text.span,
                        format!(
                            "the {what} path `{}` leads outside the plan's folder through a symbolic link (to {real})",
                            text.value
                        ),
                        "a symbolic link out of the plan folder",
                    )
                    .help = Some(
                        "nothing outside the plan's folder is read or sent to the build: use a folder inside it".to_owned(),
                    );
                    return None;
                }
                Some(path)
            }
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// A path bake itself reads or writes on the machine that runs it (a local cache folder,
    /// an ssh key, an OCI layout): a path of the plan folder, so not one under `~` (the
    /// machine's home) nor one a variable would choose.
    pub(super) fn host_path(&mut self, path: &str, span: SourceSpan, what: &str) -> Option<String> {
        if path.starts_with('~') || path.contains("${") {
            self.error(
                "bakeplan::path-escapes",
                span,
                format!("the {what} path `{path}` is not a path of the plan's folder"),
                "outside the plan folder",
            )
            .help = Some(format!(
                "paths are relative to the folder holding {} and written without variables",
                self.source.file_name
            ));
            return None;
        }
        self.path(&Text::new(path.to_owned(), span), what)
    }

    /// Where a plan-relative path really leads when a symbolic link takes it (or the nearest
    /// part of it that exists) out of the plan's folder.
    fn linked_out(&self, path: &str) -> Option<String> {
        let root = self.root.as_ref()?;
        let mut at = Some(camino::Utf8Path::new(path));
        while let Some(part) = at.filter(|part| !part.as_str().is_empty()) {
            match root.resolve(part.as_str()) {
                Ok(_) => return None,
                Err(ReadError::Outside(real)) => return Some(real.to_string()),
                Err(_) => at = part.parent(),
            }
        }
        None
    }

    fn plan(&mut self, raw: &mut RawPlan) -> Plan {
        let variables = self.variables(raw);
        self.declare_cache_mounts(raw);
        let (bake_path, bake_format, bake_span, dockerfile_pattern) = self.emit(raw);
        let top_cache = raw
            .registry_cache
            .as_ref()
            .and_then(|cache| self.registry_cache(cache, None));
        self.declare_services(raw);
        self.workspace = self.workspace(raw);
        self.image_map = self.image_map(raw);
        if let Some(mut defaults) = raw.defaults.take() {
            for service in &mut raw.services {
                schema::inherit(&mut service.body, &mut defaults);
            }
        }
        self.library_names = raw
            .services
            .iter()
            .filter(|service| service.body.library.as_ref().is_some_and(|flag| flag.value))
            .map(|service| service.name.value.clone())
            .collect();
        self.something_to_build(raw);
        let mut services: Vec<_> = raw
            .services
            .iter()
            .filter_map(|service| {
                self.service(service, top_cache.as_ref(), dockerfile_pattern.as_ref())
            })
            .collect();
        self.link_libraries(&mut services);
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
        let builders = self.builders(raw);
        self.profile_builders(raw, &builders);
        Plan {
            variables,
            services,
            groups,
            profiles,
            builders,
            bake_path,
            bake_format,
            bake_span,
        }
    }

    /// The contract's "one or more" services: a plan without one, or whose services are all
    /// libraries, would give bake nothing to build.
    fn something_to_build(&mut self, raw: &RawPlan) {
        if self.draft || raw.services.len() > self.library_names.len() {
            return;
        }
        let (span, message, label) = match raw.services.first() {
            None => (
                SourceSpan::new(0.into(), 0),
                "the plan has no service".to_owned(),
                "a plan needs at least one `service`",
            ),
            Some(first) => (
                first.name.span,
                "every service of the plan is a library: nothing would be built".to_owned(),
                "a library, like every other service",
            ),
        };
        self.error("bakeplan::no-service", span, message, label).help = Some(
            "add a service to build: `service \"api\" { context \"services/api\"; template \"python-pdm\"; }`"
                .to_owned(),
        );
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
}

#[cfg(test)]
pub(crate) mod tests;
