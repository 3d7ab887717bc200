//! Which services a set of changed files affects: those whose `inputs` globs match a changed
//! file (or whose definition in the plan file, plan template or hand-written Dockerfile changed, or in workspace
//! mode the lockfile or the template's workspace files), plus every service that depends on
//! them, directly or not. A library's change reaches the services that install it; libraries
//! themselves are never reported.

use std::collections::BTreeSet;

use globset::GlobSetBuilder;
use serde::Serialize;

use crate::graph::dependency::DependencyGraph;
use crate::plan::model::{Build, Plan};
use crate::plan::path::{join, normalize};

#[derive(Debug, Serialize)]
pub struct Affected {
    /// Every affected service, in plan order.
    pub services: Vec<String>,
    /// The affected services in build waves: each wave only needs earlier ones.
    pub waves: Vec<Vec<String>>,
    /// The services a changed file touched directly.
    pub changed: Vec<String>,
}

/// Globs are matched against paths relative to the plan folder; `*` stays within a folder,
/// `**` crosses folders.
fn matcher(patterns: &[String]) -> Result<globset::GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(
            globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()?,
        );
    }
    builder.build()
}

/// `plan_file` is the plan's file name. A change to it affects the services in `changed_definitions`
/// (those whose definition the edit changed) or, when that is `None` (no earlier plan to
/// compare with), every service.
pub fn affected(
    plan: &Plan,
    graph: &DependencyGraph,
    plan_file: &str,
    changed_files: &[String],
    changed_definitions: Option<&BTreeSet<String>>,
) -> Result<Affected, String> {
    let changed_files: Vec<String> = changed_files
        .iter()
        .filter(|file| !file.is_empty())
        .filter_map(|file| normalize(file))
        .collect();
    let plan_changed = changed_files.iter().any(|file| file == plan_file);
    let mut touched = BTreeSet::new();
    for service in &plan.services {
        let mut patterns = service.inputs.clone();
        match &service.build {
            Build::Dockerfile { path }
            | Build::Template {
                file: Some(path), ..
            } => patterns.push(path.clone()),
            Build::Template { file: None, .. } | Build::Library => {}
        }
        // In workspace mode, the lockfile and the workspace files go into the dependency layer.
        if let Some(workspace) = &service.workspace {
            patterns.push(join(&workspace.dir, &workspace.lockfile));
            patterns.extend(
                workspace
                    .files
                    .iter()
                    .map(|pattern| join(&workspace.dir, pattern)),
            );
        }
        let set = matcher(&patterns)
            .map_err(|error| format!("service `{}`: bad inputs glob: {error}", service.name))?;
        let definition_changed =
            plan_changed && changed_definitions.is_none_or(|names| names.contains(&service.name));
        if definition_changed || changed_files.iter().any(|file| set.is_match(file)) {
            touched.insert(service.name.clone());
        }
    }
    let all = graph.with_dependents(&touched);
    // A library is never a target: its change counts through the services that install it.
    let in_plan_order = |names: &BTreeSet<String>| -> Vec<String> {
        plan.targets()
            .filter(|service| names.contains(&service.name))
            .map(|service| service.name.clone())
            .collect()
    };
    let waves = graph
        .waves()
        .into_iter()
        .map(|wave| {
            wave.into_iter()
                .filter(|name| all.contains(name))
                .collect::<Vec<_>>()
        })
        .filter(|wave| !wave.is_empty())
        .collect();
    Ok(Affected {
        services: in_plan_order(&all),
        waves,
        changed: in_plan_order(&touched),
    })
}
