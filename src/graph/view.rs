//! What `bakeplan graph` shows, computed once from the plan and its dependency graph: nodes,
//! edges of both kinds, groups, build waves, the critical path, and how many distinct
//! dependency paths bake will walk (its resolution is exponential in them).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::dependency::DependencyGraph;
use crate::plan::dockerfile_from::from_line;
use crate::plan::model::{EdgeKind, Plan, Service};

/// What one repeated dependency path costs `docker buildx bake` (0.29), which resolves every
/// path again: about 130 ns, measured on graphs where service i depends on i-1 and i/2 (n=60:
/// 262,521 repeated paths, +32 ms; n=150: 41.9 M, +6 s; README "The graph").
pub const NANOS_PER_REPEATED_PATH: u128 = 130;
/// The warning fires where the repeated paths cost bake about a second.
pub const PATH_WARNING_THRESHOLD: u128 = 1_000_000_000 / NANOS_PER_REPEATED_PATH;

#[derive(Debug, Serialize)]
pub struct GraphView {
    /// The format version of this JSON document.
    pub version: u32,
    pub services: Vec<ServiceNode>,
    pub edges: Vec<Edge>,
    pub groups: BTreeMap<String, Vec<String>>,
    /// `waves[0]` depends on nothing; each later wave only on earlier waves.
    pub waves: Vec<Vec<String>>,
    /// The longest dependency chain, first to build first.
    pub critical_path: Vec<String>,
    /// Distinct dependency paths bake walks (libraries are not bake targets) (a path per service and per way down from it).
    pub dependency_paths: u128,
    /// Paths beyond the first to each service reached: the diamonds bake resolves again and
    /// again. A chain or a flat graph has none.
    pub repeated_paths: u128,
}

#[derive(Debug, Serialize)]
pub struct ServiceNode {
    pub name: String,
    pub description: Option<String>,
    pub context: String,
    /// A library: a package the services that depend on it install, not built itself.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub library: bool,
    /// The wave it builds in (0 first); none for a library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
    /// Distinct dependency paths starting at this service.
    pub paths: u128,
    /// Services it reaches through its dependencies, itself included.
    pub reach: usize,
    /// The image its final stage builds from, when known (see `GraphView::find_bases`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseImage>,
}

#[derive(Debug, Serialize)]
pub struct BaseImage {
    /// As the plan or the Dockerfile names it.
    pub image: String,
    /// What `image-map` (or the service's own `contexts`) redirects it to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapped: Option<String>,
}

impl BaseImage {
    /// `image`, redirected when the service's named contexts map it.
    pub fn new(service: &Service, image: &str) -> Self {
        let mapped = service.contexts.get(image).map(|value| {
            let value = value.display();
            value
                .strip_prefix("docker-image://")
                .map_or_else(|| value.clone(), str::to_owned)
        });
        Self {
            image: image.to_owned(),
            mapped,
        }
    }
}

/// The image the last stage of a Dockerfile builds from, following stage names; `None` when an
/// `ARG` decides it or there is no `FROM`.
pub fn final_from(dockerfile: &str) -> Option<String> {
    let stages: Vec<(&str, Option<String>)> = dockerfile.lines().filter_map(from_line).collect();
    let mut image = stages.last()?.0.to_owned();
    // `FROM build` names an earlier stage: its base, and so on.
    for _ in 0..stages.len() {
        match stages
            .iter()
            .find(|(_, alias)| alias.as_deref() == Some(image.to_ascii_lowercase().as_str()))
        {
            Some((base, _)) => (*base).clone_into(&mut image),
            None => break,
        }
    }
    (!image.contains('$')).then_some(image)
}

#[derive(Debug, Serialize)]
pub struct Edge {
    /// The dependency, built first.
    pub from: String,
    /// The service that needs it.
    pub to: String,
    /// `depends-on` or `from`.
    pub kind: &'static str,
}

impl GraphView {
    pub fn new(plan: &Plan, graph: &DependencyGraph) -> Self {
        let waves = graph.waves();
        let wave_of: BTreeMap<&str, usize> = waves
            .iter()
            .enumerate()
            .flat_map(|(wave, names)| names.iter().map(move |name| (name.as_str(), wave)))
            .collect();
        let counts = graph.path_counts();
        let services = plan
            .services
            .iter()
            .zip(&counts)
            .map(|(service, &(paths, reach))| ServiceNode {
                name: service.name.clone(),
                description: service
                    .description
                    .as_ref()
                    .map(crate::plan::bake_string::BakeString::display),
                context: service.context.clone(),
                library: service.library,
                wave: wave_of.get(service.name.as_str()).copied(),
                paths,
                reach,
                base: None,
            })
            .collect();
        let edges = plan
            .services
            .iter()
            .flat_map(|service| {
                service.dependencies.iter().map(|dependency| Edge {
                    from: dependency.service.clone(),
                    to: service.name.clone(),
                    kind: match dependency.kind {
                        EdgeKind::DependsOn => "depends-on",
                        EdgeKind::From => "from",
                    },
                })
            })
            .collect();
        let groups = plan
            .groups
            .iter()
            .map(|group| (group.name.clone(), group.members.clone()))
            .collect();
        let sum = |pick: fn(&(u128, usize)) -> u128| {
            counts
                .iter()
                .zip(&plan.services)
                .filter(|(_, service)| !service.library)
                .map(|(count, _)| pick(count))
                .fold(0u128, u128::saturating_add)
        };
        let dependency_paths = sum(|count| count.0);
        Self {
            version: 1,
            services,
            edges,
            groups,
            waves,
            critical_path: graph.critical_path(),
            dependency_paths,
            repeated_paths: dependency_paths - sum(|count| count.1 as u128),
        }
    }

    /// Each service's base image: the last `FROM` of its Dockerfile (`dockerfile` gives the
    /// generated or hand-written text), which is the `from` image or the template's
    /// `base-image` for a built-in; none when an `ARG` decides it, for a library, or when the
    /// base is another service of the plan (that is an edge).
    pub fn find_bases(&mut self, plan: &Plan, dockerfile: impl Fn(&Service) -> Option<String>) {
        for (node, service) in self.services.iter_mut().zip(&plan.services) {
            if service.library {
                continue;
            }
            node.base = dockerfile(service)
                .as_deref()
                .and_then(final_from)
                .filter(|image| plan.service(image).is_none())
                .map(|image| BaseImage::new(service, &image));
        }
    }

    /// The services with the most dependency paths, heaviest first.
    pub fn heaviest(&self, count: usize) -> Vec<&ServiceNode> {
        let repeated = |service: &ServiceNode| service.paths - service.reach as u128;
        let mut services: Vec<&ServiceNode> = self
            .services
            .iter()
            .filter(|service| repeated(service) > 0)
            .collect();
        services.sort_by(|a, b| {
            repeated(b)
                .cmp(&repeated(a))
                .then_with(|| a.name.cmp(&b.name))
        });
        services.truncate(count);
        services
    }

    /// A warning when bake's own resolution of this graph will be slow.
    pub fn path_warning(&self) -> Option<String> {
        (self.repeated_paths >= PATH_WARNING_THRESHOLD).then(|| {
            #[allow(clippy::cast_precision_loss)]
            let seconds =
                (self.repeated_paths.saturating_mul(NANOS_PER_REPEATED_PATH)) as f64 / 1e9;
            let heaviest: Vec<String> = self
                .heaviest(5)
                .iter()
                .map(|service| format!("{} ({} paths)", service.name, service.paths))
                .collect();
            format!(
                "the graph has {} dependency paths, {} of them repeated ways to the same service; `docker buildx bake` resolves each one again: about {seconds:.1} s of its time with buildx 0.29 (130 ns a path). Heaviest: {}. Drop direct dependencies that another dependency already brings.",
                self.dependency_paths,
                self.repeated_paths,
                heaviest.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::final_from;

    #[test]
    fn the_last_stage_base_following_stage_names() {
        assert_eq!(
            final_from("FROM debian:12\nRUN x\n").as_deref(),
            Some("debian:12")
        );
        assert_eq!(
            final_from(
                "FROM --platform=$BUILDPLATFORM golang:1 AS build\nfrom build as test\nFROM Test\n"
            )
            .as_deref(),
            Some("golang:1")
        );
        assert_eq!(
            final_from("FROM a AS build\nFROM --platform=linux/amd64 python:3.11-slim\n")
                .as_deref(),
            Some("python:3.11-slim")
        );
        assert_eq!(final_from("ARG V=1\nFROM node:$V\n"), None);
        assert_eq!(final_from("RUN x\n"), None);
    }
}
