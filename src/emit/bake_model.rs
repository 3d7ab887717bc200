//! Stage 5a: the one serializable model of a bake file. The same value is written as JSON by
//! `serde_json` and as HCL by `hcl_writer`, so the two formats cannot drift apart.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::bake_string::BakeString;
use crate::plan::model::{
    CacheOverride, Plan, Profile, RegistryCache, Secret, SecretSource, Service,
};
use crate::plan::path::normalize;

#[derive(Debug, Serialize)]
pub struct BakeFile {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variable: BTreeMap<String, BakeVariable>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group: BTreeMap<String, BakeGroup>,
    pub target: BTreeMap<String, BakeTarget>,
}

#[derive(Debug, Serialize)]
pub struct BakeVariable {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<BakeString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<BakeString>,
}

#[derive(Debug, Serialize)]
pub struct BakeGroup {
    pub targets: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BakeTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<BakeString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<BakeString>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub contexts: BTreeMap<String, BakeString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<BakeString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<BakeString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<BTreeMap<String, BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_from: Option<Vec<BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_to: Option<Vec<BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Vec<BakeString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_cache: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<String>>,
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn non_empty_map<K, V>(map: BTreeMap<K, V>) -> Option<BTreeMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

fn secret_spec(secret: &Secret) -> BakeString {
    BakeString::literal(match &secret.source {
        SecretSource::Env(var) => format!("id={},env={var}", secret.id),
        SecretSource::Src(path) => format!("id={},src={path}", secret.id),
    })
}

fn cache_entries(
    cache: Option<&RegistryCache>,
    service: &str,
    extra: &[BakeString],
    to: bool,
) -> Vec<BakeString> {
    let mut entries = Vec::new();
    if let Some(cache) = cache {
        let reference = cache.reference.replace_literal("{service}", service);
        let mut entry = BakeString::literal("type=registry,ref=").concat(&reference);
        if to {
            entry = entry.concat(&BakeString::literal(format!(",mode={}", cache.mode)));
        }
        entries.push(entry);
    }
    entries.extend(extra.iter().cloned());
    entries
}

/// The path of `dockerfile` (relative to the plan folder) as bake wants it: relative to the context.
pub fn dockerfile_relative_to_context(context: &str, dockerfile: &str) -> String {
    let base = if context == "." { "" } else { context };
    pathdiff::diff_paths(dockerfile, base).map_or_else(
        || dockerfile.to_owned(),
        |path| normalize_keep_dots(&path.to_string_lossy()),
    )
}

fn normalize_keep_dots(path: &str) -> String {
    if path.starts_with("..") {
        path.to_owned()
    } else {
        normalize(path).unwrap_or_else(|| path.to_owned())
    }
}

impl BakeFile {
    pub fn from_plan(plan: &Plan) -> Self {
        let variable = plan
            .variables
            .iter()
            .map(|variable| {
                (
                    variable.name.clone(),
                    BakeVariable {
                        default: variable.default.clone(),
                        description: variable.description.clone(),
                    },
                )
            })
            .collect();
        let mut group: BTreeMap<String, BakeGroup> = plan
            .groups
            .iter()
            .map(|group| {
                (
                    group.name.clone(),
                    BakeGroup {
                        targets: group.members.clone(),
                    },
                )
            })
            .collect();
        group
            .entry("default".to_owned())
            .or_insert_with(|| BakeGroup {
                targets: plan.targets().map(|service| service.name.clone()).collect(),
            });
        let target = plan
            .targets()
            .map(|service| (service.name.clone(), Self::target(service)))
            .collect();
        Self {
            variable,
            group,
            target,
        }
    }

    fn target(service: &Service) -> BakeTarget {
        BakeTarget {
            description: service.description.clone(),
            context: Some(BakeString::literal(service.build_context().to_owned())),
            contexts: service.contexts.clone(),
            dockerfile: Some(BakeString::literal(dockerfile_relative_to_context(
                service.build_context(),
                service.dockerfile_path(),
            ))),
            target: service.target.clone(),
            args: non_empty_map(service.args.clone()),
            labels: non_empty_map(service.labels.clone()),
            tags: non_empty(service.tags.clone()),
            platforms: non_empty(service.platforms.clone()),
            cache_from: non_empty(cache_entries(
                service.registry_cache.as_ref(),
                &service.name,
                &service.cache_from,
                false,
            )),
            cache_to: non_empty(cache_entries(
                service.registry_cache.as_ref(),
                &service.name,
                &service.cache_to,
                true,
            )),
            secret: non_empty(service.secrets.iter().map(secret_spec).collect()),
            ssh: non_empty(service.ssh.clone()),
            network: service.network.clone(),
            ..BakeTarget::default()
        }
    }

    /// The overlay of a profile: on every target, the attributes the profile sets.
    pub fn overlay(plan: &Plan, profile: &Profile) -> Self {
        let target = plan
            .targets()
            .map(|service| {
                let cache = match &profile.registry_cache {
                    None => service.registry_cache.as_ref(),
                    Some(CacheOverride::Off) => None,
                    Some(CacheOverride::On(cache)) => Some(cache),
                };
                let cache_changed = profile.registry_cache.is_some();
                let cache_from = profile.cache_from.as_deref().unwrap_or(&service.cache_from);
                let cache_to = profile.cache_to.as_deref().unwrap_or(&service.cache_to);
                let merge =
                    |own: &BTreeMap<String, BakeString>,
                     overlay: &Option<BTreeMap<String, BakeString>>| {
                        overlay.as_ref().map(|overlay| {
                            let mut merged = own.clone();
                            merged.extend(overlay.clone());
                            merged
                        })
                    };
                let mut output = Vec::new();
                if profile.push {
                    output.push("type=registry".to_owned());
                }
                if profile.load {
                    output.push("type=docker".to_owned());
                }
                let target = BakeTarget {
                    target: profile.target.clone(),
                    args: merge(&service.args, &profile.args),
                    labels: merge(&service.labels, &profile.labels),
                    tags: profile.tags.as_ref().map(|tags| {
                        tags.iter()
                            .map(|tag| tag.replace_literal("{service}", &service.name))
                            .collect()
                    }),
                    platforms: profile.platforms.clone(),
                    cache_from: (cache_changed || profile.cache_from.is_some())
                        .then(|| cache_entries(cache, &service.name, cache_from, false)),
                    cache_to: (cache_changed || profile.cache_to.is_some())
                        .then(|| cache_entries(cache, &service.name, cache_to, true)),
                    secret: profile
                        .secrets
                        .as_ref()
                        .map(|secrets| secrets.iter().map(secret_spec).collect()),
                    network: profile.network.clone(),
                    no_cache: profile.no_cache,
                    pull: profile.pull,
                    output: non_empty(output),
                    ..BakeTarget::default()
                };
                (service.name.clone(), target)
            })
            .collect();
        Self {
            variable: BTreeMap::new(),
            group: BTreeMap::new(),
            target,
        }
    }

    /// JSON with the marker as the first property (`//` is a comment in HCL's JSON syntax).
    pub fn to_json(&self, marker: &str) -> String {
        let body = serde_json::to_string_pretty(self).expect("the bake model always serializes");
        let marker = serde_json::to_string(marker).expect("a string serializes");
        let rest = body.strip_prefix('{').unwrap_or(&body);
        format!("{{ \"//\": {marker},{rest}\n")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{BakeFile, dockerfile_relative_to_context};
    use crate::plan::resolve::tests::resolved;

    const PLAN: &str = r#"variable "REGISTRY" default="r.example"
registry-cache ref="${REGISTRY}/cache:{service}" mode="max"
service "base" {
    context "libs/base"
    template "static"
    registry-cache #false
}
service "api" {
    context "services/api"
    template "static"
    depends-on "base"
    tags "${REGISTRY}/api:1" "literal-$${x}"
    args { MODE "prod" }
    secret "token" env="TOKEN"
    secret "netrc" src="secrets/netrc"
    network "host"
}
profile "ci" {
    tags "ci/{service}:latest"
    args { MODE "ci" }
    push #true
    registry-cache #false
}
"#;

    fn json(file: &BakeFile) -> Value {
        serde_json::to_value(file).expect("serializes")
    }

    #[test]
    fn a_target_holds_what_the_service_sets_and_nothing_empty() {
        let plan = resolved(PLAN).expect("resolves");
        let file = json(&BakeFile::from_plan(&plan));
        assert_eq!(
            file["group"],
            json!({ "default": { "targets": ["base", "api"] } })
        );
        assert_eq!(
            file["variable"],
            json!({ "REGISTRY": { "default": "r.example" } })
        );
        assert_eq!(
            file["target"]["api"],
            json!({
                "context": "services/api",
                // A service it depends on is a named context (`COPY --from=base`).
                "contexts": { "base": "target:base" },
                "dockerfile": "Dockerfile",
                "args": { "MODE": "prod" },
                "tags": ["${REGISTRY}/api:1", "literal-$${x}"],
                "cache-from": ["type=registry,ref=${REGISTRY}/cache:api"],
                "cache-to": ["type=registry,ref=${REGISTRY}/cache:api,mode=max"],
                "secret": ["id=token,env=TOKEN", "id=netrc,src=secrets/netrc"],
                "network": "host",
            })
        );
        // `registry-cache #false` on a service: no cache entries at all.
        let base = &file["target"]["base"];
        assert!(
            base.get("cache-from").is_none() && base.get("cache-to").is_none(),
            "{base}"
        );
    }

    #[test]
    fn an_overlay_sets_only_what_the_profile_changes() {
        let plan = resolved(PLAN).expect("resolves");
        let overlay = json(&BakeFile::overlay(&plan, &plan.profiles[0]));
        assert!(overlay.get("group").is_none() && overlay.get("variable").is_none());
        assert_eq!(
            overlay["target"]["api"],
            json!({
                "args": { "MODE": "ci" },
                "tags": ["ci/api:latest"],
                "cache-from": [],
                "cache-to": [],
                "output": ["type=registry"],
            })
        );
    }

    #[test]
    fn dockerfiles_are_relative_to_their_context() {
        assert_eq!(
            dockerfile_relative_to_context("services/api", "services/api/Dockerfile"),
            "Dockerfile"
        );
        assert_eq!(
            dockerfile_relative_to_context("services/api", "docker/api.Dockerfile"),
            "../../docker/api.Dockerfile"
        );
        assert_eq!(
            dockerfile_relative_to_context(".", "app/Dockerfile"),
            "app/Dockerfile"
        );
    }

    #[test]
    fn json_opens_with_the_marker() {
        let plan = resolved(PLAN).expect("resolves");
        let text = BakeFile::from_plan(&plan).to_json("generated by bakeplan");
        assert!(
            text.starts_with("{ \"//\": \"generated by bakeplan\",\n"),
            "{text}"
        );
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["//"], "generated by bakeplan");
        assert!(parsed["target"]["base"].is_object());
    }
}
