//! The platform check before a build: every platform a service is built for must be one the
//! builder lists (`docker buildx ls --format json`), natively or by emulation. Otherwise
//! buildx builds anyway and labels an amd64 image `linux/arm64`, with only a warning; bakeplan
//! refuses, naming the platform and how to get it.
//!
//! A Dockerfile needs nothing of the builder for a platform when none of its stages runs or
//! ships a base image for it: every stage is `FROM --platform=$BUILDPLATFORM …`, or is built
//! `FROM scratch` (or another such stage, or a service of the plan, itself checked) without
//! `RUN`. Such a Dockerfile cross-builds.

use std::collections::BTreeSet;
use std::process::Command;

/// A builder as `docker buildx ls --format json` shows it.
#[derive(Debug, Clone)]
pub struct Builder {
    pub name: String,
    pub driver: String,
    /// buildx's current builder.
    pub current: bool,
    pub platforms: Vec<String>,
    /// Some node is not running (its platforms may be unknown until it is bootstrapped).
    pub inactive: bool,
}

/// The builders `docker buildx ls` lists, or why they cannot be read.
pub fn builders(docker: &[String]) -> Result<Vec<Builder>, String> {
    let output = Command::new(&docker[0])
        .args(&docker[1..])
        .args(["buildx", "ls", "--format", "json"])
        .output()
        .map_err(|error| format!("cannot run docker buildx ls: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "docker buildx ls failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|value| {
            let nodes = value["Nodes"].as_array().cloned().unwrap_or_default();
            let mut platforms: Vec<String> = Vec::new();
            for node in &nodes {
                for platform in node["Platforms"].as_array().into_iter().flatten() {
                    if let Some(platform) = platform.as_str()
                        && !platforms.iter().any(|known| known == platform)
                    {
                        platforms.push(platform.to_owned());
                    }
                }
            }
            Builder {
                name: value["Name"].as_str().unwrap_or_default().to_owned(),
                driver: value["Driver"].as_str().unwrap_or_default().to_owned(),
                current: value["Current"].as_bool() == Some(true),
                platforms,
                inactive: nodes
                    .iter()
                    .any(|node| node["Status"].as_str() != Some("running")),
            }
        })
        .collect())
}

/// The builder a bake would use: the named one, or buildx's current one.
pub fn find(docker: &[String], name: Option<&str>) -> Result<Builder, String> {
    let all = builders(docker)?;
    let found = match name {
        Some(name) => all.iter().find(|builder| builder.name == name),
        None => all.iter().find(|builder| builder.current),
    };
    match found {
        Some(builder) => Ok(builder.clone()),
        None => Err(match name {
            Some(name) => format!(
                "no builder is named `{name}` (docker buildx ls lists: {}); create it with `bakeplan builder create {name}` when the plan declares it",
                all.iter()
                    .map(|builder| builder.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "docker buildx ls shows no current builder".to_owned(),
        }),
    }
}

/// Starts the builder's nodes so that they report their platforms.
pub fn bootstrap(docker: &[String], name: &str) -> Result<(), String> {
    let output = Command::new(&docker[0])
        .args(&docker[1..])
        .args(["buildx", "inspect", "--bootstrap", name])
        .output()
        .map_err(|error| format!("cannot run docker buildx inspect: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "builder `{name}` cannot be started, so its platforms are unknown: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// `linux/arm64/v8` is `linux/arm64`; a builder listing `linux/amd64/v2` lists `linux/amd64`.
fn normal(platform: &str) -> &str {
    platform.strip_suffix("/v8").unwrap_or(platform)
}

/// Whether the builder builds this platform.
pub fn supports(builder: &Builder, platform: &str) -> bool {
    builder
        .platforms
        .iter()
        .any(|known| normal(known.trim_end_matches('*')) == normal(platform))
}

/// Whether a Dockerfile cross-builds: no stage runs or ships a target-platform base image.
/// `services` are the plan's services (their images are built per platform and checked too).
pub fn cross_builds(dockerfile: &str, services: &BTreeSet<&str>) -> bool {
    struct Stage {
        name: Option<String>,
        /// Needs nothing of the target platform so far.
        clean: bool,
        /// `FROM --platform=$BUILDPLATFORM`: runs on the builder's own platform.
        native: bool,
    }
    let mut clean: BTreeSet<String> = BTreeSet::new();
    let mut every_stage_clean = true;
    let mut close = |stage: Option<Stage>, clean: &mut BTreeSet<String>| {
        if let Some(stage) = stage {
            if !stage.clean {
                every_stage_clean = false;
            } else if let Some(name) = stage.name {
                clean.insert(name);
            }
        }
    };
    let mut current: Option<Stage> = None;
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(instruction) = words.first() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("FROM") {
            close(current.take(), &mut clean);
            let native = words
                .iter()
                .any(|word| word.eq_ignore_ascii_case("--platform=$BUILDPLATFORM"));
            let rest: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|word| !word.starts_with("--"))
                .collect();
            let base = rest.first().copied().unwrap_or_default();
            let name = match rest.as_slice() {
                [_, as_word, name, ..] if as_word.eq_ignore_ascii_case("AS") => {
                    Some(name.to_lowercase())
                }
                _ => None,
            };
            current = Some(Stage {
                name,
                clean: native
                    || base.eq_ignore_ascii_case("scratch")
                    || clean.contains(&base.to_lowercase())
                    || services.contains(base),
                native,
            });
        } else if instruction.eq_ignore_ascii_case("RUN")
            && let Some(stage) = &mut current
            && !stage.native
        {
            stage.clean = false;
        }
    }
    close(current, &mut clean);
    every_stage_clean
}

/// The refusal: which platform, which builder, what it has, and the ways out.
pub fn refusal(builder: &Builder, platform: &str, services: &[&str]) -> String {
    let arch = platform.split('/').nth(1).unwrap_or(platform);
    format!(
        "builder `{}` cannot build {platform} for {} (it builds {}): the image would hold {} binaries labelled {platform}. \
Add emulation on the builder's host (`docker run --privileged --rm tonistiigi/binfmt --install {arch}`, \
or on Debian `apt-get install qemu-user-static binfmt-support`), or a native node (a `node \"{arch}\" \
endpoint=\"…\" platforms=\"{platform}\"` in the plan's `builder` block, or `docker buildx create --append \
--name {} --node {arch} --platform {platform} ENDPOINT`), or build for the platforms it has (`--platform {}`)",
        builder.name,
        services
            .iter()
            .map(|service| format!("`{service}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if builder.platforms.is_empty() {
            "no platform it has reported".to_owned()
        } else {
            builder.platforms.join(", ")
        },
        builder
            .platforms
            .first()
            .map_or("other", |first| first.split('/').nth(1).unwrap_or(first)),
        builder.name,
        builder
            .platforms
            .first()
            .map_or("linux/amd64", String::as_str),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Builder, cross_builds, supports};

    #[test]
    fn a_dockerfile_running_on_the_target_platform_does_not_cross_build() {
        let none = BTreeSet::new();
        assert!(!cross_builds("FROM local/busybox:1\nRUN echo hi\n", &none));
        assert!(!cross_builds("FROM local/busybox:1\nCOPY . .\n", &none));
        assert!(cross_builds(
            "FROM --platform=$BUILDPLATFORM local/busybox:1 AS build\nRUN echo x > /x\n\nFROM scratch\nCOPY --from=build /x /x\n",
            &none
        ));
        assert!(!cross_builds(
            "FROM --platform=$BUILDPLATFORM local/busybox:1 AS build\nFROM build AS two\nFROM scratch\nRUN x\n",
            &none
        ));
        let services = BTreeSet::from(["base"]);
        assert!(cross_builds("FROM base\nCOPY a b\n", &services));
    }

    #[test]
    fn arm64_v8_is_arm64() {
        let builder = Builder {
            name: "b".to_owned(),
            driver: "remote".to_owned(),
            current: false,
            platforms: vec!["linux/amd64".to_owned(), "linux/arm64/v8*".to_owned()],
            inactive: false,
        };
        assert!(supports(&builder, "linux/arm64"));
        assert!(supports(&builder, "linux/amd64"));
        assert!(!supports(&builder, "linux/riscv64"));
    }
}
