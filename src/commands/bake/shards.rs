//! `bake --shard I/N`: build one of N parts of the graph (`graph::shard`). Each shard pushes
//! what it builds; a dependency another shard builds is taken from the registry by digest —
//! `--set SERVICE.contexts.DEP=docker-image://REPO@sha256:…` in place of its `target:DEP` — and
//! never rebuilt. Its reference is the dependency's first tag (from `docker buildx bake
//! --print`, so variables such as `${TAG}` are resolved as buildx resolves them); the shard
//! waits until the registry has it (the other shard may still be building), then reads its
//! digest with `docker buildx imagetools inspect`. Tags should be unique to the run (a commit
//! SHA): an older image under the same tag would be taken as it is.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::BakeArgs;
use crate::commands::error::CommandError;
use crate::graph::shard::{Shard, shards};
use crate::plan::model::Plan;

/// What one shard builds and the arguments that hand the other shards' images over.
pub struct Part {
    pub services: Vec<(String, Vec<String>)>,
    pub sets: Vec<String>,
}

pub fn part(
    plan: &Plan,
    args: &BakeArgs,
    services: &[(String, Vec<String>)],
    (index, count): (usize, usize),
    docker: &[String],
    folder: &std::path::Path,
    files: &[String],
) -> Result<Part, CommandError> {
    let split = shards(services, count);
    let mine: BTreeSet<&str> = split[index - 1]
        .services
        .iter()
        .map(String::as_str)
        .collect();
    let owner = |name: &str| -> usize {
        split
            .iter()
            .find(|shard: &&Shard| shard.services.iter().any(|service| service == name))
            .map_or(0, |shard| shard.index)
    };
    // (service, context name, dependency) for every edge leaving the shard.
    let mut edges: Vec<(String, String, String)> = Vec::new();
    for (name, dependencies) in services
        .iter()
        .filter(|(name, _)| mine.contains(name.as_str()))
    {
        for dependency in dependencies
            .iter()
            .filter(|dep| !mine.contains(dep.as_str()))
        {
            let service = plan.service(name).expect("a service of the plan");
            let wanted = format!("target:{dependency}");
            for (context, value) in &service.contexts {
                if value.display() == wanted {
                    edges.push((name.clone(), context.clone(), dependency.clone()));
                }
            }
        }
    }
    let external: BTreeSet<&str> = edges.iter().map(|(_, _, dep)| dep.as_str()).collect();
    let mut sets = Vec::new();
    if !external.is_empty() {
        let references = references(docker, folder, files, &args.buildx_args, &external)?;
        let wait = Duration::from_secs(args.shard_wait);
        for dependency in &external {
            let reference = &references[*dependency];
            crate::errln!(
                "shard {index}/{count}: {dependency} comes from shard {}/{count}: {reference}",
                owner(dependency)
            );
            let digest = digest(docker, reference, wait).map_err(CommandError::Failed)?;
            let repository = repository(reference);
            crate::errln!("shard {index}/{count}: {dependency} is {repository}@{digest}");
            for (service, context, _) in edges.iter().filter(|(_, _, dep)| dep == dependency) {
                sets.extend([
                    "--set".to_owned(),
                    format!("{service}.contexts.{context}=docker-image://{repository}@{digest}"),
                ]);
            }
        }
    }
    Ok(Part {
        services: services
            .iter()
            .filter(|(name, _)| mine.contains(name.as_str()))
            .map(|(name, dependencies)| {
                (
                    name.clone(),
                    dependencies
                        .iter()
                        .filter(|dep| mine.contains(dep.as_str()))
                        .cloned()
                        .collect(),
                )
            })
            .collect(),
        sets,
    })
}

/// Each dependency's first tag, as `docker buildx bake --print` resolves it.
fn references(
    docker: &[String],
    folder: &std::path::Path,
    files: &[String],
    extra: &[String],
    services: &BTreeSet<&str>,
) -> Result<std::collections::BTreeMap<String, String>, CommandError> {
    let output = Command::new(&docker[0])
        .current_dir(folder)
        .args(&docker[1..])
        .args(["buildx", "bake"])
        .args(files)
        .args(extra)
        .arg("--print")
        .args(services.iter())
        .output()
        .map_err(|error| {
            CommandError::Io(format!("cannot run docker buildx bake --print: {error}"))
        })?;
    if !output.status.success() {
        return Err(CommandError::Failed(format!(
            "docker buildx bake --print failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| CommandError::Failed(format!("docker buildx bake --print: {error}")))?;
    let mut references = std::collections::BTreeMap::new();
    for service in services {
        let Some(tag) = value["target"][*service]["tags"][0].as_str() else {
            return Err(CommandError::Usage(format!(
                "`{service}` is built by another shard and handed over through a registry, but it has no tag: give it `tags \"REGISTRY/{service}:${{TAG}}\"` (a tag unique to the run)"
            )));
        };
        references.insert((*service).to_owned(), tag.to_owned());
    }
    Ok(references)
}

/// `REGISTRY/NAME:TAG` → `REGISTRY/NAME` (a port's colon is not a tag's).
fn repository(reference: &str) -> &str {
    let name_start = reference.rfind('/').map_or(0, |slash| slash + 1);
    match reference[name_start..].find([':', '@']) {
        Some(at) => &reference[..name_start + at],
        None => reference,
    }
}

/// The digest the registry has for `reference`, waiting up to `wait` for it to appear.
fn digest(docker: &[String], reference: &str, wait: Duration) -> Result<String, String> {
    let start = Instant::now();
    let mut said = false;
    loop {
        let output = Command::new(&docker[0])
            .args(&docker[1..])
            .args([
                "buildx",
                "imagetools",
                "inspect",
                reference,
                "--format",
                "{{json .Manifest}}",
            ])
            .output()
            .map_err(|error| format!("cannot run docker buildx imagetools: {error}"))?;
        if output.status.success()
            && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&output.stdout)
            && let Some(digest) = value["digest"].as_str()
        {
            return Ok(digest.to_owned());
        }
        if start.elapsed() >= wait {
            return Err(format!(
                "{reference} is not in the registry after {}s (--shard-wait): did its shard fail? {}",
                wait.as_secs(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        if !said {
            crate::errln!("waiting for {reference} (pushed by another shard)…");
            said = true;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::repository;

    #[test]
    fn the_repository_drops_the_tag_not_the_port() {
        assert_eq!(
            repository("127.0.0.1:5000/bp/base:abc"),
            "127.0.0.1:5000/bp/base"
        );
        assert_eq!(
            repository("127.0.0.1:5000/bp/base"),
            "127.0.0.1:5000/bp/base"
        );
        assert_eq!(repository("base:1"), "base");
        assert_eq!(repository("r/base@sha256:00"), "r/base");
    }
}
