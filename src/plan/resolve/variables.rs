//! Top-level declarations: variables and cache mounts.

use std::collections::{BTreeMap, BTreeSet};

use super::Resolver;
use crate::plan::model::{CacheMount, Variable};
use crate::plan::names::is_mount_id;
use crate::plan::raw::RawPlan;
use crate::plan::suggestion::did_you_mean;

/// Names bake gives a meaning of its own: HCL's literals, the block kinds a variable would
/// shadow in expressions, and the variables bake sets.
fn is_reserved_variable(name: &str) -> bool {
    matches!(
        name,
        "true" | "false" | "null" | "target" | "group" | "variable" | "function"
    ) || name.starts_with("BAKE_")
}

impl Resolver<'_> {
    pub(super) fn variables(&mut self, raw: &RawPlan) -> Vec<Variable> {
        let mut seen = BTreeMap::new();
        for variable in &raw.variables {
            if let Some(first) = seen.insert(variable.name.value.clone(), variable.name.span) {
                self.duplicate(
                    "variable",
                    "declared",
                    &variable.name.value,
                    variable.name.span,
                    first,
                );
            }
        }
        self.variables = seen.into_keys().collect();
        let mut declared = BTreeSet::new();
        raw.variables
            .iter()
            .filter(|variable| declared.insert(variable.name.value.clone()))
            .map(|variable| {
                let default = variable.default.as_ref().map(|text| {
                    if text
                        .value
                        .contains(&format!("${{{}}}", variable.name.value))
                    {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("variable `{}` refers to itself", variable.name.value),
                            "self-reference",
                        );
                    }
                    self.bake(text)
                });
                if is_reserved_variable(&variable.name.value) {
                    self.error(
                        "bakeplan::reserved-name",
                        variable.name.span,
                        format!("`{}` cannot be a bake variable's name", variable.name.value),
                        "means something else to bake",
                    )
                    .help = Some("bake reads `true`, `false` and `null` as values, `target` and `group` as block references, and sets `BAKE_*` itself: pick another name".to_owned());
                }
                let description = variable.description.as_ref().map(|text| {
                    let description = self.bake(text);
                    if description.has_variables() {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("the description of variable `{}` uses a variable", variable.name.value),
                            "bake shows a variable's description as written",
                        )
                        .help = Some("write `$${` for a literal `${`".to_owned());
                    }
                    description
                });
                Variable {
                    name: variable.name.value.clone(),
                    default,
                    description,
                }
            })
            .collect()
    }

    pub(super) fn declare_cache_mounts(&mut self, raw: &RawPlan) {
        for mount in &raw.cache_mounts {
            let name = &mount.name;
            if !is_mount_id(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid cache mount name", name.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
                continue;
            }
            if self.cache_mounts.contains_key(&name.value) {
                self.error(
                    "bakeplan::duplicate",
                    name.span,
                    format!("cache mount `{}` is declared twice", name.value),
                    "second declaration",
                );
                continue;
            }
            let id = mount
                .id
                .as_ref()
                .map_or_else(|| name.value.clone(), |id| id.value.clone());
            if let Some(text) = &mount.id
                && !is_mount_id(&text.value)
            {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a valid cache id", text.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
            }
            let target = mount.target.as_ref().map_or_else(String::new, |text| {
                if !text.value.starts_with('/')
                    || text.value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\'' | '=' | '\\' | '$'))
                {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("cache mount target `{}` is not an absolute path that fits a --mount flag", text.value),
                        "expected an absolute path without spaces, `,`, `=`, `$` or quotes (BuildKit expands `$` in a --mount flag)",
                    )
                    .help = Some("write a path such as target=\"/root/.cache/pip\"".to_owned());
                }
                text.value.clone()
            });
            let sharing = mount.sharing.as_ref().map_or_else(
                || "shared".to_owned(),
                |text| {
                    if !matches!(text.value.as_str(), "shared" | "private" | "locked") {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("unknown sharing mode `{}`", text.value),
                            "expected shared, private or locked",
                        )
                        .help = did_you_mean(&text.value, ["shared", "private", "locked"]);
                    }
                    text.value.clone()
                },
            );
            self.cache_mounts.insert(
                name.value.clone(),
                CacheMount {
                    id,
                    target,
                    sharing,
                },
            );
        }
    }
}
