//! Which services a set of changed files affects: those whose `inputs` globs match a changed
//! file (or whose plan file, plan template or hand-written Dockerfile changed), plus every
//! service that depends on them, directly or not.

use std::collections::BTreeSet;

use globset::GlobSetBuilder;
use serde::Serialize;

use crate::compiler::Compilation;
use crate::plan::Build;
use crate::plan_path::normalize;
use crate::plan_source::PlanSource;
use crate::template_set::TemplateOrigin;

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

pub fn affected(
    source: &PlanSource,
    compilation: &Compilation,
    changed_files: &[String],
) -> Result<Affected, String> {
    let changed_files: Vec<String> = changed_files
        .iter()
        .map(|file| file.trim())
        .filter(|file| !file.is_empty())
        .filter_map(normalize)
        .collect();
    let plan = &compilation.plan;
    let plan_changed = changed_files.contains(&source.file_name);
    let mut touched = BTreeSet::new();
    for service in &plan.services {
        let mut patterns = service.inputs.clone();
        match &service.build {
            Build::Dockerfile { path } => patterns.push(path.clone()),
            Build::Template { name, .. } => {
                if let Some(TemplateOrigin::Plan(path)) = compilation
                    .templates
                    .templates
                    .get(name)
                    .map(|def| &def.origin)
                {
                    patterns.push(path.clone());
                }
            }
        }
        let set = matcher(&patterns)
            .map_err(|error| format!("service `{}`: bad inputs glob: {error}", service.name))?;
        if plan_changed || changed_files.iter().any(|file| set.is_match(file)) {
            touched.insert(service.name.clone());
        }
    }
    let all = compilation.graph.with_dependents(&touched);
    let in_plan_order = |names: &BTreeSet<String>| -> Vec<String> {
        plan.services
            .iter()
            .filter(|service| names.contains(&service.name))
            .map(|service| service.name.clone())
            .collect()
    };
    let waves = compilation
        .graph
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

/// Files changed since `since` as git sees them from the plan folder: committed since the
/// merge base with HEAD, uncommitted, staged and untracked; relative to the plan folder.
pub fn git_changes(source: &PlanSource, since: &str) -> Result<Vec<String>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(source.dir.as_str())
            .args(args)
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    let base = git(&["merge-base", since, "HEAD"])?;
    let base = base.trim();
    let mut files: BTreeSet<String> = git(&["diff", "--name-only", "--relative", base])?
        .lines()
        .map(str::to_owned)
        .collect();
    files.extend(
        git(&["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(str::to_owned),
    );
    Ok(files.into_iter().collect())
}
