//! Which folders are the members of the workspace at the root, as its tool says: uv's
//! `[tool.uv.workspace]` `members` and `exclude`, npm's `workspaces`, pnpm's
//! `pnpm-workspace.yaml` `packages` (`!` excludes), Cargo's `[workspace]` `members` and
//! `exclude` (with the path dependencies of members, which Cargo makes members too), and
//! go.work's `use` folders. Globs: `*` stays within a folder, `**` crosses folders. PDM has no
//! member list: every folder with a pyproject.toml is one.

use std::collections::BTreeSet;

use super::{Kind, Repo};
use crate::commands::import::yaml;

/// The member folders (relative, never `.`), sorted as the scan found them; `None` when the
/// workspace lists none (every folder holding its manifest is a member).
pub(super) fn members(repo: &Repo, kind: Kind) -> Option<Vec<String>> {
    let (include, exclude) = match kind {
        Kind::Uv => {
            let root = repo.toml(".", "pyproject.toml")?;
            let workspace = root.get("tool")?.get("uv")?.get("workspace")?;
            (
                strings(workspace.get("members")),
                strings(workspace.get("exclude")),
            )
        }
        Kind::Npm => {
            let root = repo.json(".", "package.json")?;
            let workspaces = root.get("workspaces")?;
            let list = workspaces
                .as_array()
                .or_else(|| workspaces.get("packages").and_then(|p| p.as_array()))?;
            split_negated(list.iter().filter_map(|v| v.as_str()))
        }
        Kind::Pnpm => {
            let text = repo.read(".", "pnpm-workspace.yaml")?;
            let root = yaml::parse(&text, 0).ok()?;
            let packages = root.get("packages")?;
            split_negated(packages.items().iter().filter_map(yaml::Node::scalar))
        }
        Kind::Cargo => {
            let root = repo.toml(".", "Cargo.toml")?;
            let workspace = root.get("workspace")?;
            workspace.get("members")?;
            let include = strings(workspace.get("members"));
            let exclude = strings(workspace.get("exclude"));
            let mut found = matching(repo, &include, &exclude, kind);
            add_cargo_path_dependencies(repo, &mut found, &exclude);
            return Some(found);
        }
        Kind::Go => return Some(go_work_uses(repo)),
        Kind::Pdm | Kind::Pip => return None,
    };
    Some(matching(repo, &include, &exclude, kind))
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// npm and pnpm patterns: a leading `!` excludes.
fn split_negated<'a>(patterns: impl Iterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for pattern in patterns {
        match pattern.strip_prefix('!') {
            Some(rest) => exclude.push(rest.to_owned()),
            None => include.push(pattern.to_owned()),
        }
    }
    (include, exclude)
}

/// `./libs/*/` → `libs/*`.
fn clean(pattern: &str) -> String {
    let mut pattern = pattern.trim();
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    pattern.trim_end_matches('/').to_owned()
}

fn glob_set(patterns: &[String]) -> globset::GlobSet {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        if let Ok(glob) = globset::GlobBuilder::new(&clean(pattern))
            .literal_separator(true)
            .build()
        {
            builder.add(glob);
        }
    }
    builder
        .build()
        .unwrap_or_else(|_| globset::GlobSet::empty())
}

/// The scanned folders holding the workspace's manifest that an `include` pattern matches and
/// no `exclude` pattern does.
fn matching(repo: &Repo, include: &[String], exclude: &[String], kind: Kind) -> Vec<String> {
    let include = glob_set(include);
    let exclude = glob_set(exclude);
    repo.dirs
        .iter()
        .skip(1)
        .filter(|dir| include.is_match(dir.as_str()) && !exclude.is_match(dir.as_str()))
        .filter(|dir| repo.exists(dir, kind.manifest()))
        .cloned()
        .collect()
}

/// `dir` joined with a relative path, `..` resolved, as a folder of the repository (`None` when
/// it leaves it).
pub(super) fn join(dir: &str, relative: &str) -> Option<String> {
    crate::plan::path::resolve_dots(&format!("{dir}/{relative}"))
}

/// Cargo makes every path dependency of a member a member too (unless excluded).
fn add_cargo_path_dependencies(repo: &Repo, members: &mut Vec<String>, exclude: &[String]) {
    let exclude = glob_set(exclude);
    let mut index = 0;
    while index < members.len() {
        let dir = members[index].clone();
        index += 1;
        let Some(table) = repo.toml(&dir, "Cargo.toml") else {
            continue;
        };
        let paths: Vec<String> = ["dependencies", "build-dependencies"]
            .iter()
            .filter_map(|key| table.get(*key).and_then(|d| d.as_table()))
            .flat_map(|deps| deps.values())
            .filter_map(|dep| dep.get("path").and_then(|p| p.as_str()))
            .filter_map(|path| join(&dir, path))
            .collect();
        for path in paths {
            if path != "."
                && !members.contains(&path)
                && !exclude.is_match(path.as_str())
                && repo.exists(&path, "Cargo.toml")
            {
                members.push(path);
            }
        }
    }
    let order: Vec<&String> = repo.dirs.iter().collect();
    members.sort_by_key(|dir| order.iter().position(|d| *d == dir));
}

/// go.work's `use` folders (`use ./x` and `use ( ./a ./b )`), those that hold a go.mod.
fn go_work_uses(repo: &Repo) -> Vec<String> {
    let Some(text) = repo.read(".", "go.work") else {
        return Vec::new();
    };
    let mut uses = BTreeSet::new();
    let mut block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let path = if block {
            if line == ")" {
                block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use")
            && rest.starts_with([' ', '\t', '('])
        {
            let rest = rest.trim();
            if rest == "(" {
                block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let path = path.trim_matches(|c| c == '"' || c == '`');
        if path.is_empty() {
            continue;
        }
        if let Some(dir) = join(".", path)
            && dir != "."
            && repo.exists(&dir, "go.mod")
        {
            uses.insert(dir);
        }
    }
    repo.dirs
        .iter()
        .filter(|dir| uses.contains(*dir))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_resolves_dots_and_refuses_to_leave() {
        assert_eq!(
            join("services/a", "../../libs/b").as_deref(),
            Some("libs/b")
        );
        assert_eq!(join(".", "./x/").as_deref(), Some("x"));
        assert_eq!(join("a", "..").as_deref(), Some("."));
        assert_eq!(join("a", "../.."), None);
    }

    #[test]
    fn patterns_are_cleaned_and_star_stays_in_a_folder() {
        let set = glob_set(&["./packages/*/".to_owned(), "tools/**".to_owned()]);
        assert!(set.is_match("packages/a"));
        assert!(!set.is_match("packages/a/b"));
        assert!(set.is_match("tools/a/b"));
        assert_eq!(
            split_negated(["a/*", "!a/old"].into_iter()),
            (vec!["a/*".to_owned()], vec!["a/old".to_owned()])
        );
    }
}
