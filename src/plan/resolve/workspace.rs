//! Workspaces, libraries and the base image map: which services build in workspace mode (from
//! the workspace folder, with its lockfile), the libraries each one installs, and the named
//! contexts `image-map` adds to every target.

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;

use super::Resolver;
use crate::plan::bake_string::BakeString;
use crate::plan::fs::{self, Found};
use crate::plan::model::{Build, LibraryUse, Service, Workspace, WorkspaceBuild};
use crate::plan::names::is_image_reference;
use crate::plan::path::{join, unfit_for_dockerfile};
use crate::plan::raw::{RawPlan, Text};

/// How `image-map` values name an image as a bake named context.
const DOCKER_IMAGE: &str = "docker-image://";

impl Resolver<'_> {
    /// `workspace "DIR"`.
    pub(super) fn workspace(&mut self, raw: &RawPlan) -> Option<Workspace> {
        let text = raw.workspace.as_ref()?;
        let dir = self.path(text, "workspace")?;
        Some(Workspace {
            dir,
            span: text.span,
        })
    }

    /// `image-map { "FROM" "TO" }`: image as written in `FROM` → the named-context value.
    pub(super) fn image_map(&mut self, raw: &RawPlan) -> BTreeMap<String, BakeString> {
        let mut map = BTreeMap::new();
        let Some((entries, _)) = &raw.image_map else {
            return map;
        };
        for (key, value) in entries {
            if !is_image_reference(&key.value) {
                self.error(
                    "bakeplan::bad-value",
                    key.span,
                    format!("`{}` is not an image reference", key.value),
                    "expected the image as a FROM line names it",
                )
                .help = Some("write the image as in `FROM python:3.11-slim`".to_owned());
                continue;
            }
            let target = value
                .value
                .strip_prefix(DOCKER_IMAGE)
                .unwrap_or(&value.value);
            if !target.contains("${") && !is_image_reference(target) {
                self.error(
                    "bakeplan::bad-value",
                    value.span,
                    format!("`{}` is not an image reference", value.value),
                    "expected an image such as mirror.local/library/python:3.11-slim",
                );
                continue;
            }
            let text = if value.value.starts_with(DOCKER_IMAGE) {
                value.clone()
            } else {
                Text::new(format!("{DOCKER_IMAGE}{}", value.value), value.span)
            };
            let resolved = self.bake(&text);
            map.insert(key.value.clone(), resolved);
        }
        map
    }

    /// With a workspace: the context must be inside it; a template with a workspace mode builds
    /// from the workspace folder, with the first of its lockfiles that exists there.
    pub(super) fn workspace_build(
        &mut self,
        name: &str,
        context: &str,
        context_span: SourceSpan,
        build: Option<&Build>,
    ) -> Option<WorkspaceBuild> {
        let workspace = self.workspace.clone()?;
        if !is_inside(&workspace.dir, context) {
            self.error(
                "bakeplan::outside-workspace",
                context_span,
                format!(
                    "the context of `{name}`, `{context}`, is outside the workspace folder `{}`",
                    workspace.dir
                ),
                "outside the workspace",
            )
            .labels
            .push(label(workspace.span, "the workspace"));
            self.errors.0.last_mut().expect("just pushed").help = Some(
                "every service and library of a workspace lives inside its folder: move the folder, or change `workspace`"
                    .to_owned(),
            );
            return None;
        }
        if let Some(bad) = unfit_for_dockerfile(context) {
            self.error(
                "bakeplan::bad-path",
                context_span,
                format!("the context of `{name}`, `{context}`, holds {bad}"),
                "not fit for a Dockerfile step",
            )
            .help = Some(
                "a workspace member's folder is written into its own and its dependents' Dockerfile steps: \
                 each folder name may hold only letters, digits and `.` `_` `-` `+` `@`, and not start with `-`"
                    .to_owned(),
            );
            return None;
        }
        let Some(Build::Template {
            name: template,
            span,
            ..
        }) = build
        else {
            return None;
        };
        let def = self.templates.templates.get(template)?;
        if def.workspace_lockfiles.is_empty() {
            return None;
        }
        let (lockfiles, workspace_files) =
            (def.workspace_lockfiles.clone(), def.workspace_files.clone());
        let mut found = None;
        for lockfile in &lockfiles {
            match fs::find_unlinked(&self.source.dir, &join(&workspace.dir, lockfile)) {
                Ok(Found::File) => {
                    found = Some(lockfile.clone());
                    break;
                }
                Ok(Found::Missing) => {}
                Err(message) => {
                    self.error("bakeplan::io", workspace.span, message, "this workspace");
                    return None;
                }
            }
        }
        let Some(lockfile) = found else {
            if self.missing_lockfiles.insert(template.clone()) {
                let expected = lockfiles
                    .iter()
                    .map(|file| format!("`{file}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.error(
                    "bakeplan::missing-lockfile",
                    workspace.span,
                    format!(
                        "the workspace folder `{}` has no lockfile for template `{template}`: expected {expected}",
                        workspace.dir
                    ),
                    "no lockfile in this folder",
                )
                .labels
                .push(label(*span, format!("`{name}` builds with `{template}`")));
                self.errors.0.last_mut().expect("just pushed").help = Some(
                    "create it with the workspace's tool (for example `pdm lock`, `uv lock`, `npm install`, `cargo generate-lockfile`) and commit it"
                        .to_owned(),
                );
            }
            return None;
        };
        Some(WorkspaceBuild {
            dir: workspace.dir,
            lockfile,
            files: workspace_files,
        })
    }

    /// The libraries each service installs (through `depends-on`, and libraries' own), every
    /// library once, dependencies first; for a service in workspace mode, its path too.
    pub(super) fn link_libraries(&self, services: &mut [Service]) {
        let by_name: BTreeMap<&str, &Service> = services
            .iter()
            .map(|service| (service.name.as_str(), service))
            .collect();
        let mut all = Vec::new();
        for service in services.iter() {
            let mut found = Vec::new();
            let mut seen = BTreeSet::new();
            visit(&by_name, service, &mut seen, &mut found);
            let workspace_dir = self
                .workspace
                .as_ref()
                .map_or(".", |workspace| workspace.dir.as_str());
            all.push(
                found
                    .into_iter()
                    .map(|library| LibraryUse {
                        path: relative_to(workspace_dir, &library.context),
                        name: library.name.clone(),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        for (service, libraries) in services.iter_mut().zip(all) {
            service.libraries = libraries;
            if let Some(workspace) = &service.workspace {
                service.path = relative_to(&workspace.dir, &service.context);
            }
        }
    }
}

fn label(span: SourceSpan, text: impl Into<String>) -> miette::LabeledSpan {
    miette::LabeledSpan::new_with_span(Some(text.into()), span)
}

/// Depth first through library dependencies: each library after the libraries it needs.
fn visit<'a>(
    by_name: &BTreeMap<&str, &'a Service>,
    service: &'a Service,
    seen: &mut BTreeSet<&'a str>,
    found: &mut Vec<&'a Service>,
) {
    for dependency in &service.dependencies {
        let Some(library) = by_name.get(dependency.service.as_str()).copied() else {
            continue;
        };
        if !library.library || !seen.insert(library.name.as_str()) {
            continue;
        }
        visit(by_name, library, seen, found);
        found.push(library);
    }
}

/// Whether the folder `path` is `dir` or inside it (both normalized, relative to the plan).
pub fn is_inside(dir: &str, path: &str) -> bool {
    dir == "." || path == dir || path.starts_with(&format!("{dir}/"))
}

/// `path` relative to `dir` (`path` inside `dir`), `.` for `dir` itself.
fn relative_to(dir: &str, path: &str) -> String {
    if dir == "." {
        path.to_owned()
    } else if path == dir {
        ".".to_owned()
    } else {
        path.strip_prefix(&format!("{dir}/"))
            .unwrap_or(path)
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{is_inside, relative_to};

    #[test]
    fn inside_and_relative() {
        assert!(is_inside(".", "a/b"));
        assert!(is_inside("ws", "ws"));
        assert!(is_inside("ws", "ws/a"));
        assert!(!is_inside("ws", "wsx/a"));
        assert!(!is_inside("ws", "."));
        assert_eq!(relative_to("ws", "ws/a/b"), "a/b");
        assert_eq!(relative_to("ws", "ws"), ".");
        assert_eq!(relative_to(".", "a"), "a");
    }
}
