//! Per-field resolvers: a service and a profile resolve the children they share with the same
//! function.

use std::collections::BTreeMap;

use super::Resolver;
use crate::plan::bake_string::BakeString;
use crate::plan::model::{RegistryCache, Secret, SecretSource};
use crate::plan::names::{is_identifier, is_label_key, is_mount_id, is_platform};
use crate::plan::raw::{RawMap, RawRegistryCache, RawSecret, RawSecretSource, Text};
use crate::plan::suggestion::did_you_mean;

impl Resolver<'_> {
    pub(super) fn registry_cache(
        &mut self,
        raw: &RawRegistryCache,
        inherited: Option<&RegistryCache>,
    ) -> Option<RegistryCache> {
        match raw {
            RawRegistryCache::Off => None,
            RawRegistryCache::On {
                reference,
                mode,
                span,
            } => {
                let mode = match mode {
                    Some(text) if matches!(text.value.as_str(), "min" | "max") => {
                        text.value.clone()
                    }
                    Some(text) => {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("unknown registry cache mode `{}`", text.value),
                            "expected min or max",
                        )
                        .help = did_you_mean(&text.value, ["min", "max"]);
                        "min".to_owned()
                    }
                    None => "min".to_owned(),
                };
                let reference = match reference {
                    Some(text) => {
                        if text
                            .value
                            .chars()
                            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == '"')
                        {
                            self.error(
                                "bakeplan::bad-value",
                                text.span,
                                format!(
                                    "registry cache ref `{}` holds a space, a comma or a quote",
                                    text.value
                                ),
                                "not a valid image reference",
                            );
                        }
                        self.bake(text)
                    }
                    None => {
                        if let Some(inherited) = inherited {
                            inherited.reference.clone()
                        } else {
                            self.error(
                                "bakeplan::missing-property",
                                *span,
                                "`registry-cache` has no `ref`".to_owned(),
                                "needs ref=\"REGISTRY/REPO:TAG\"",
                            )
                            .help = Some("write `registry-cache ref=\"${REGISTRY}/cache:{service}\" mode=\"max\"`".to_owned());
                            return None;
                        }
                    }
                };
                Some(RegistryCache { reference, mode })
            }
        }
    }

    pub(super) fn platforms(&mut self, list: Option<&Vec<Text>>) -> Vec<String> {
        let mut platforms = Vec::new();
        for text in list.into_iter().flatten() {
            if !is_platform(&text.value) {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a platform", text.value),
                    "expected a known os/arch[/variant], like linux/amd64 or linux/arm/v7",
                )
                .help = did_you_mean(
                    &text.value,
                    [
                        "linux/amd64",
                        "linux/arm64",
                        "linux/arm/v7",
                        "linux/386",
                        "linux/ppc64le",
                        "linux/s390x",
                        "linux/riscv64",
                    ],
                );
            } else if platforms.contains(&text.value) {
                self.error(
                    "bakeplan::duplicate",
                    text.span,
                    format!("platform `{}` is listed twice", text.value),
                    "listed again",
                );
            } else {
                platforms.push(text.value.clone());
            }
        }
        platforms
    }

    fn bake_map(
        &mut self,
        map: Option<&RawMap>,
        what: &str,
        valid_key: fn(&str) -> bool,
    ) -> BTreeMap<String, BakeString> {
        let mut out = BTreeMap::new();
        for (key, value) in map.into_iter().flatten() {
            if !valid_key(&key.value) {
                self.error(
                    "bakeplan::bad-name",
                    key.span,
                    format!("`{}` is not a valid {what} name", key.value),
                    "invalid name",
                )
                .help = Some(if what == "label" {
                    "label keys are letters, digits, `.`, `-`, `_` and `/`".to_owned()
                } else {
                    "names are letters, digits and `_`, not starting with a digit".to_owned()
                });
                continue;
            }
            let value = self.bake(value);
            out.insert(key.value.clone(), value);
        }
        out
    }

    /// `args { KEY "value" }`: build arguments.
    pub(super) fn args(&mut self, map: Option<&RawMap>) -> BTreeMap<String, BakeString> {
        self.bake_map(map, "build argument", is_identifier)
    }

    /// `labels { KEY "value" }`: image labels.
    pub(super) fn labels(&mut self, map: Option<&RawMap>) -> BTreeMap<String, BakeString> {
        self.bake_map(map, "label", is_label_key)
    }

    /// `cache-from` / `cache-to` entries: bake reads each as CSV (`type=registry,ref=...`),
    /// where a `"` inside a field is a syntax error.
    pub(super) fn cache_specs(&mut self, list: Option<&Vec<Text>>) -> Vec<BakeString> {
        for text in list.into_iter().flatten() {
            if text.value.contains('"') || text.value.chars().any(char::is_control) {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!(
                        "cache entry `{}` holds a quote or a control character",
                        text.value.escape_debug()
                    ),
                    "bake reads cache entries as comma-separated key=value fields",
                )
                .help = Some(
                    "cache entries such as `type=registry,ref=REPO:TAG` never need a quote"
                        .to_owned(),
                );
            }
            self.local_cache_paths(text);
        }
        self.bake_list(list)
    }

    /// A `type=local` cache entry reads (`src=`) or writes (`dest=`) a folder on the machine
    /// that runs bake: it must be a folder inside the plan's folder, written without a variable.
    fn local_cache_paths(&mut self, text: &Text) {
        let fields: Vec<&str> = text.value.split(',').map(str::trim).collect();
        if !fields.contains(&"type=local") {
            return;
        }
        for field in fields {
            let Some(path) = field
                .strip_prefix("src=")
                .or_else(|| field.strip_prefix("dest="))
            else {
                continue;
            };
            if self.host_path(path, text.span, "local cache").is_none() {
                self.errors.0.last_mut().expect("just reported").help = Some(
                    "a `type=local` cache is a folder inside the plan's folder, written as a relative path without variables (`dest=.cache/api`); or use `type=registry`".to_owned(),
                );
            }
        }
    }

    pub(super) fn bake_list(&mut self, list: Option<&Vec<Text>>) -> Vec<BakeString> {
        list.into_iter()
            .flatten()
            .map(|text| self.bake(text))
            .collect()
    }

    pub(super) fn network(&mut self, text: Option<&Text>) -> Option<String> {
        let text = text?;
        if matches!(text.value.as_str(), "default" | "none" | "host") {
            Some(text.value.clone())
        } else {
            self.error(
                "bakeplan::bad-value",
                text.span,
                format!("unknown network mode `{}`", text.value),
                "expected default, none or host",
            )
            .help = did_you_mean(&text.value, ["default", "none", "host"]);
            None
        }
    }

    /// `ssh "default"` or `ssh "ID=PATH"`: an SSH agent socket or key forwarded to `RUN
    /// --mount=type=ssh` steps (bake `ssh`), never stored in a layer.
    pub(super) fn ssh(&mut self, list: Option<&Vec<Text>>) -> Vec<String> {
        let mut ssh = Vec::new();
        for text in list.into_iter().flatten() {
            let (id, path) = match text.value.split_once('=') {
                Some((id, path)) => (id, Some(path)),
                None => (text.value.as_str(), None),
            };
            let id_ok = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            let path_ok = path.is_none_or(|path| {
                !path.is_empty() && !path.contains(['"', '\\', ',', '\n', '\r', '$', '%'])
            });
            // A key or socket the plan names is a file of the plan's folder: one elsewhere
            // (`~/.ssh/id_rsa`) is the machine's, forwarded with `ID` alone (the agent).
            if let (true, true, Some(path)) = (id_ok, path_ok, path)
                && self
                    .host_path(path, text.span, "ssh key or socket")
                    .is_none()
            {
                self.errors.0.last_mut().expect("just reported").help = Some(format!(
                    "forward the machine's agent with `ssh \"{id}\"` (its SSH_AUTH_SOCK) or `ssh \"default\"`; a key the plan names is a file inside its folder"
                ));
                continue;
            }
            if id_ok && path_ok {
                ssh.push(text.value.clone());
            } else {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not an ssh forward", text.value),
                    "expected `default` or `ID=PATH`",
                )
                .help = Some(
                    "an id of letters, digits, `_`, `-` and `.`, optionally `=` and the agent socket or key path (no quotes, commas, `$` or `%`)".to_owned(),
                );
            }
        }
        ssh
    }

    pub(super) fn env(&mut self, map: Option<&RawMap>) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for (key, value) in map.into_iter().flatten() {
            if !is_identifier(&key.value) {
                self.error(
                    "bakeplan::bad-name",
                    key.span,
                    format!("`{}` is not a valid environment variable name", key.value),
                    "expected [A-Za-z_][A-Za-z0-9_]*",
                );
                continue;
            }
            if value.value.chars().any(|c| matches!(c, '\n' | '\r' | '\0')) {
                self.error(
                    "bakeplan::unsafe-value",
                    value.span,
                    format!("the value of `{}` holds a line break, which cannot be made safe on its ENV line", key.value),
                    "line break in an ENV value",
                )
                .help = Some("a Dockerfile ENV value is one line: remove the line break".to_owned());
                continue;
            }
            env.insert(key.value.clone(), value.value.clone());
        }
        env
    }

    pub(super) fn secrets(&mut self, list: Option<&Vec<RawSecret>>) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = Vec::new();
        for raw in list.into_iter().flatten() {
            if !is_mount_id(&raw.id.value) {
                self.error(
                    "bakeplan::bad-name",
                    raw.id.span,
                    format!("`{}` is not a valid secret id", raw.id.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
                continue;
            }
            if secrets.iter().any(|secret| secret.id == raw.id.value) {
                self.error(
                    "bakeplan::duplicate",
                    raw.id.span,
                    format!("secret `{}` is declared twice", raw.id.value),
                    "declared again",
                );
                continue;
            }
            let source = match &raw.source {
                RawSecretSource::Env(text) => {
                    if !is_identifier(&text.value) {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("`{}` is not an environment variable name", text.value),
                            "expected [A-Za-z_][A-Za-z0-9_]*",
                        );
                        continue;
                    }
                    if self.variables.contains(&text.value) {
                        self.error(
                            "bakeplan::secret-leak",
                            text.span,
                            format!("secret `{}` reads `{}`, which is also a bake variable of this plan", raw.id.value, text.value),
                            "also a bake variable",
                        )
                        .help = Some(format!("with `{0}` set in the environment, bake puts the secret wherever `${{{0}}}` is used (args and labels end in the image): rename the variable or the environment variable", text.value));
                    }
                    SecretSource::Env(text.value.clone())
                }
                RawSecretSource::Src(text) => {
                    let Some(path) = self.path(text, "secret src") else {
                        continue;
                    };
                    if path.contains(',') || path.contains('"') {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            "a secret src path cannot hold `,` or `\"`".to_owned(),
                            "unsupported character",
                        );
                        continue;
                    }
                    SecretSource::Src(path)
                }
            };
            secrets.push(Secret {
                id: raw.id.value.clone(),
                source,
            });
        }
        secrets
    }
}
