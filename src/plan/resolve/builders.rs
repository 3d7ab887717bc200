//! Builders: names, drivers, nodes and their endpoints, driver options (file options are plan
//! paths), and the builder each profile names.

use std::collections::BTreeMap;

use super::Resolver;
use crate::plan::model::{Builder, BuilderNode, FILE_DRIVER_OPTS};
use crate::plan::names::is_valid_name;
use crate::plan::raw::RawPlan;
use crate::plan::suggestion::did_you_mean;

const DRIVERS: &[&str] = &["docker-container", "remote", "kubernetes", "docker"];

impl Resolver<'_> {
    pub(super) fn builders(&mut self, raw: &RawPlan) -> Vec<Builder> {
        let mut names = BTreeMap::new();
        let mut builders = Vec::new();
        for raw in &raw.builders {
            let name = &raw.name;
            if !is_valid_name(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid builder name", name.value),
                    "expected [a-z0-9][a-z0-9_-]*",
                );
            }
            if let Some(first) = names.insert(name.value.clone(), name.span) {
                self.duplicate("builder", "defined", &name.value, name.span, first);
            }
            let driver = match &raw.driver {
                None => "docker-container".to_owned(),
                Some(text) if DRIVERS.contains(&text.value.as_str()) => text.value.clone(),
                Some(text) => {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("`{}` is not a buildx driver", text.value),
                        "unknown driver",
                    )
                    .help = did_you_mean(&text.value, DRIVERS.iter().copied())
                        .or_else(|| Some(format!("expected one of: {}", DRIVERS.join(", "))));
                    continue;
                }
            };
            if raw.nodes.is_empty() {
                self.error(
                    "bakeplan::missing-children",
                    name.span,
                    format!("builder `{}` has no `node`", name.value),
                    "no node",
                )
                .help = Some(
                    "add `node \"NAME\" endpoint=\"tcp://HOST:1234\" platforms=\"linux/amd64\"`"
                        .to_owned(),
                );
            }
            let mut nodes = Vec::new();
            let mut node_names = BTreeMap::new();
            for node in &raw.nodes {
                if !is_valid_name(&node.name.value) {
                    self.error(
                        "bakeplan::bad-name",
                        node.name.span,
                        format!("`{}` is not a valid node name", node.name.value),
                        "expected [a-z0-9][a-z0-9_-]*",
                    );
                }
                if let Some(first) = node_names.insert(node.name.value.clone(), node.name.span) {
                    self.duplicate("node", "defined", &node.name.value, node.name.span, first);
                }
                let needs_endpoint = matches!(driver.as_str(), "remote" | "docker");
                if needs_endpoint && node.endpoint.is_none() {
                    self.error(
                        "bakeplan::missing-property",
                        node.name.span,
                        format!(
                            "node `{}` of a `{driver}` builder has no `endpoint`",
                            node.name.value
                        ),
                        "needs endpoint=\"…\"",
                    )
                    .help = Some(if driver == "docker" {
                        "the docker driver builds on a Docker daemon: endpoint=\"unix:///var/run/docker.sock\" or \"ssh://host\"".to_owned()
                    } else {
                        "a remote BuildKit: endpoint=\"tcp://HOST:1234\"".to_owned()
                    });
                }
                if driver == "kubernetes"
                    && let Some(endpoint) = &node.endpoint
                {
                    self.error(
                        "bakeplan::conflict",
                        endpoint.span,
                        "a kubernetes node has no endpoint (the cluster comes from the kubeconfig)"
                            .to_owned(),
                        "remove endpoint",
                    );
                }
                let listed: Vec<_> = node
                    .platforms
                    .iter()
                    .flat_map(|text| {
                        text.value.split(',').map(|platform| {
                            crate::plan::spanned::Spanned::new(
                                platform.trim().to_owned(),
                                text.span,
                            )
                        })
                    })
                    .collect();
                if let Some(endpoint) = &node.endpoint
                    && !is_endpoint(&endpoint.value)
                {
                    self.error(
                        "bakeplan::bad-value",
                        endpoint.span,
                        format!("`{}` is not a builder endpoint", endpoint.value.escape_debug()),
                        "expected SCHEME://ADDRESS or a Docker context name",
                    )
                    .help = Some(
                        "like tcp://buildkit.example:1234, unix:///run/buildkit.sock, ssh://user@host or a context name; no spaces, commas or leading `-` (`docker buildx create` would read it as an option)".to_owned(),
                    );
                }
                nodes.push(BuilderNode {
                    name: node.name.value.clone(),
                    endpoint: node.endpoint.as_ref().map(|text| text.value.clone()),
                    platforms: self.platforms(Some(&listed)),
                });
            }
            if driver == "docker" && raw.nodes.len() > 1 {
                self.error(
                    "bakeplan::conflict",
                    raw.nodes[1].name.span,
                    format!(
                        "builder `{}` uses the docker driver, which has one node",
                        name.value
                    ),
                    "a second node",
                )
                .help = Some("use driver \"remote\" for a builder of several nodes".to_owned());
            }
            let mut driver_opts = Vec::new();
            for (key, value) in &raw.driver_opts {
                // buildx reads `--driver-opt KEY=VALUE` as comma-separated fields: a comma would
                // add an option of its own (`servername "a,cacert=/root/k"`).
                let key_ok = key.value.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && key
                        .value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !key_ok
                    || value.value.contains([',', '"'])
                    || value.value.chars().any(char::is_control)
                {
                    let (span, what) = if key_ok {
                        (value.span, "value")
                    } else {
                        (key.span, "name")
                    };
                    self.error(
                        "bakeplan::bad-value",
                        span,
                        format!("driver option `{}` has a {what} buildx would split or misread", key.value.escape_debug()),
                        "a comma, quote or control character",
                    )
                    .help = Some("a driver option is NAME (letters, digits, `_`, `-`, `.`) and one value without commas or quotes".to_owned());
                    continue;
                }
                if FILE_DRIVER_OPTS.contains(&key.value.as_str()) {
                    let path = self.path(value, &format!("driver option `{}`", key.value));
                    driver_opts.push((key.value.clone(), path.unwrap_or_default()));
                } else {
                    driver_opts.push((key.value.clone(), value.value.clone()));
                }
            }
            builders.push(Builder {
                name: name.value.clone(),
                driver,
                nodes,
                driver_opts,
            });
        }
        builders
    }

    /// Each profile's `builder` names one of the plan's builders.
    pub(super) fn profile_builders(&mut self, raw: &RawPlan, builders: &[Builder]) {
        for profile in &raw.profiles {
            let Some(text) = &profile.body.builder else {
                continue;
            };
            if builders.iter().any(|builder| builder.name == text.value) {
                continue;
            }
            let names: Vec<&str> = builders
                .iter()
                .map(|builder| builder.name.as_str())
                .collect();
            self.error(
                "bakeplan::unknown-builder",
                text.span,
                format!("profile `{}` names no builder of the plan: `{}`", profile.name.value, text.value),
                "not a builder of this plan",
            )
            .help = did_you_mean(&text.value, names.iter().copied()).or_else(|| {
                Some(if names.is_empty() {
                    format!("declare it: `builder \"{}\" {{ node \"NAME\" endpoint=\"…\"; driver \"remote\"; }}`", text.value)
                } else {
                    format!("the builders are: {}", names.join(", "))
                })
            });
        }
    }
}

/// A node endpoint `docker buildx create` (or `docker context create --docker host=`) takes as
/// one argument: `SCHEME://ADDRESS` or a context name, never an option, never a field list.
fn is_endpoint(text: &str) -> bool {
    let plain = |c: char| !(c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\''));
    match text.split_once("://") {
        Some((scheme, address)) => {
            scheme.starts_with(|c: char| c.is_ascii_lowercase())
                && scheme.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.')
                })
                && !address.is_empty()
                && address.chars().all(plain)
        }
        None => {
            text.starts_with(|c: char| c.is_ascii_alphanumeric())
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        }
    }
}
