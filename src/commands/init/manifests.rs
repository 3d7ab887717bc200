//! What `init` reads from a project's manifests: package names, commands, ports, Cargo
//! binaries and Go commands.

use std::collections::BTreeSet;

use crate::commands::import::compose::plan_name;

use super::{Kind, Project, Repo, dir_name};

pub(super) fn normalise_package(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// A PEP 508 requirement's name.
pub(super) fn requirement_name(requirement: &str) -> String {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    normalise_package(&requirement[..end])
}

/// A port a start command names: `--port 8000`, `--port=8000`, `-p 8000`, `PORT=8000`, `:8000`.
pub(super) fn port_in(command: &str) -> Option<i64> {
    let words: Vec<&str> = command.split_whitespace().collect();
    for (index, word) in words.iter().enumerate() {
        let value = if let Some(rest) = word
            .strip_prefix("--port=")
            .or_else(|| word.strip_prefix("PORT="))
        {
            Some(rest)
        } else if matches!(*word, "--port" | "-p") {
            words.get(index + 1).copied()
        } else {
            word.strip_prefix("--bind=0.0.0.0:")
                .or_else(|| word.strip_prefix("0.0.0.0:"))
        };
        if let Some(port) = value
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|p| (1..=65535).contains(p))
        {
            return Some(port);
        }
    }
    None
}

/// A start script as exec-form words, when it is a plain command (no shell syntax).
pub(super) fn exec_form(command: &str) -> Vec<String> {
    if command.contains(|c: char| "|&;<>()$`\\\"'*?".contains(c)) {
        vec!["sh".to_owned(), "-c".to_owned(), command.to_owned()]
    } else {
        command.split_whitespace().map(str::to_owned).collect()
    }
}

pub(super) fn python_project(repo: &Repo, dir: &str, kind: Kind) -> Option<Project> {
    let table = repo.toml(dir, "pyproject.toml")?;
    let project = table.get("project").and_then(|p| p.as_table());
    let package = project
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map_or_else(|| normalise_package(dir_name(dir)), normalise_package);
    let mut dependencies: BTreeSet<String> = project
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str())
        .map(requirement_name)
        .collect();
    let tool = table.get("tool").and_then(|t| t.as_table());
    if let Some(sources) = tool
        .and_then(|t| t.get("uv"))
        .and_then(|u| u.get("sources"))
        .and_then(|s| s.as_table())
    {
        dependencies.extend(sources.keys().map(|k| normalise_package(k)));
    }
    if let Some(overrides) = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("resolution"))
        .and_then(|r| r.get("overrides"))
        .and_then(|o| o.as_table())
    {
        dependencies.extend(
            overrides
                .iter()
                .filter(|(_, v)| v.as_str().is_some_and(|v| v.starts_with("file:")))
                .map(|(k, _)| normalise_package(k)),
        );
    }
    let script = project
        .and_then(|p| p.get("scripts"))
        .and_then(|s| s.as_table())
        .and_then(|s| s.keys().next().cloned());
    let pdm_start = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("scripts"))
        .and_then(|s| s.get("start"))
        .and_then(|s| {
            s.as_str()
                .map(str::to_owned)
                .or_else(|| s.get("cmd").and_then(|c| c.as_str()).map(str::to_owned))
        });
    let (entry, why) = match (&script, &pdm_start) {
        (Some(name), _) => (
            Some(vec![name.clone()]),
            format!("[project.scripts] `{name}`"),
        ),
        (None, Some(start)) => (
            Some(exec_form(start)),
            format!("[tool.pdm.scripts] start `{start}`"),
        ),
        _ => (None, "no [project.scripts]".to_owned()),
    };
    let port = pdm_start.as_deref().and_then(port_in);
    Some(Project {
        dir: dir.to_owned(),
        kind,
        package,
        dependencies,
        entry,
        port,
        params: Vec::new(),
        dockerfile: repo.exists(dir, "Dockerfile"),
        why,
    })
}

pub(super) fn node_project(repo: &Repo, dir: &str, kind: Kind) -> Option<Project> {
    let json = repo.json(dir, "package.json")?;
    let package = json
        .get("name")
        .and_then(|n| n.as_str())
        .map_or_else(|| dir_name(dir).to_owned(), str::to_owned);
    let dependencies = json
        .get("dependencies")
        .and_then(|d| d.as_object())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    let start = json
        .get("scripts")
        .and_then(|s| s.get("start"))
        .and_then(|s| s.as_str());
    let (entry, why) = match start {
        Some(start) => (
            Some(exec_form(start)),
            format!("package.json start `{start}`"),
        ),
        None => (None, "no start script".to_owned()),
    };
    Some(Project {
        dir: dir.to_owned(),
        kind,
        package,
        dependencies,
        entry,
        port: start.and_then(port_in),
        params: Vec::new(),
        dockerfile: repo.exists(dir, "Dockerfile"),
        why,
    })
}

pub(super) fn cargo_project(repo: &Repo, dir: &str) -> Option<Project> {
    let table = repo.toml(dir, "Cargo.toml")?;
    let package = table.get("package")?.get("name")?.as_str()?.to_owned();
    let dependencies = table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| {
            d.iter()
                .map(|(key, value)| {
                    value
                        .get("package")
                        .and_then(|p| p.as_str())
                        .unwrap_or(key)
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    let bins: Vec<String> = table
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .collect();
    let main = repo.exists(dir, "src/main.rs");
    let (binary, why) = match bins.first() {
        Some(bin) => (Some(bin.clone()), format!("[[bin]] `{bin}`")),
        None if main => (Some(package.clone()), "src/main.rs".to_owned()),
        None => (None, "no binary (a library crate)".to_owned()),
    };
    let mut params = Vec::new();
    if let Some(bin) = &binary
        && plan_name(&package) != *bin
    {
        params.push(("bin".to_owned(), bin.clone()));
    }
    Some(Project {
        dir: dir.to_owned(),
        kind: Kind::Cargo,
        package,
        dependencies,
        entry: binary.map(|_| Vec::new()),
        port: None,
        params,
        dockerfile: repo.exists(dir, "Dockerfile"),
        why,
    })
}

/// Whether a folder holds a Go `package main`.
pub(super) fn go_main(repo: &Repo, dir: &str) -> bool {
    let path = repo.path(dir, "");
    let Ok(entries) = std::fs::read_dir(path) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.ends_with(".go")
            && !name.ends_with("_test.go")
            && repo
                .read(dir, &name)
                .is_some_and(|text| text.lines().any(|line| line.trim() == "package main"))
    })
}

pub(super) fn go_module(repo: &Repo, dir: &str) -> Option<(String, BTreeSet<String>)> {
    let text = repo.read(dir, "go.mod")?;
    let module = text
        .lines()
        .find_map(|line| line.strip_prefix("module "))?
        .trim()
        .to_owned();
    let mut requires = BTreeSet::new();
    let mut block = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("require (") {
            block = true;
        } else if block && line == ")" {
            block = false;
        } else if let Some(rest) =
            line.strip_prefix("require ")
                .or(if block { Some(line) } else { None })
            && let Some(path) = rest.split_whitespace().next()
        {
            requires.insert(path.to_owned());
        }
    }
    Some((module, requires))
}

/// The folders under `dir` (not `dir` itself) holding a `package main` of `dir`'s module: not
/// inside a nested module.
pub(super) fn go_commands(repo: &Repo, dir: &str) -> Vec<String> {
    let prefix = if dir == "." {
        String::new()
    } else {
        format!("{dir}/")
    };
    repo.dirs
        .iter()
        .filter(|d| *d != dir && d.starts_with(&prefix))
        .filter(|d| {
            // A folder on the way down (the command's own included) with a go.mod starts
            // another module.
            let rest = &d[prefix.len()..];
            !rest
                .match_indices('/')
                .map(|(end, _)| &d[..prefix.len() + end])
                .chain(std::iter::once(d.as_str()))
                .any(|folder| repo.exists(folder, "go.mod"))
        })
        .filter(|d| go_main(repo, d))
        .cloned()
        .collect()
}

/// A module a go.work uses: a service when its folder is `package main`; one service per
/// command folder further down (`package`, relative to the workspace root, which is where
/// the go template builds from); otherwise a library.
pub(super) fn go_work_module(repo: &Repo, dir: &str) -> Vec<Project> {
    let Some((module, requires)) = go_module(repo, dir) else {
        return Vec::new();
    };
    let project = |package: String, entry: bool, params, why: String| Project {
        dir: dir.to_owned(),
        kind: Kind::Go,
        package,
        dependencies: requires.clone(),
        entry: entry.then(Vec::new),
        port: None,
        params,
        dockerfile: repo.exists(dir, "Dockerfile"),
        why,
    };
    if go_main(repo, dir) {
        return vec![project(
            module.clone(),
            true,
            Vec::new(),
            format!("module {module}, package main"),
        )];
    }
    let commands = go_commands(repo, dir);
    if commands.is_empty() {
        return vec![project(
            module.clone(),
            false,
            Vec::new(),
            format!("module {module}, no package main"),
        )];
    }
    commands
        .iter()
        .map(|command| {
            project(
                dir_name(command).to_owned(),
                true,
                vec![("package".to_owned(), format!("./{command}"))],
                format!("module {module}, a command in ./{command}"),
            )
        })
        .collect()
}
