//! The children of `service`, `defaults` and `profile` blocks.

use std::collections::BTreeMap;

use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use super::values::{append, describe, name_span};
use super::{APPENDING_CHILDREN, BlockKind, Lowerer, PROFILE_SWITCHES, SERVICE_CHILDREN};
use crate::plan::error::PlanError;
use crate::plan::raw::{RawSecret, RawSecretSource, RawServiceBody, RawTemplateUse};
use crate::plan::spanned::Spanned;
use crate::plan::suggestion::did_you_mean;

impl Lowerer<'_> {
    pub(super) fn body(
        &mut self,
        node: &KdlNode,
        kind: BlockKind,
        mut switches: Option<&mut BTreeMap<String, Spanned<bool>>>,
    ) -> RawServiceBody {
        let mut body = RawServiceBody::default();
        let Some(children) = node.children() else {
            return body;
        };
        let mut seen: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for child in children.nodes() {
            self.no_type_annotation(child);
            let name = child.name().value();
            if !APPENDING_CHILDREN.contains(&name) {
                if let Some(first) = seen.get(name) {
                    self.errors.push(
                        PlanError::at(
                            self.source,
                            "bakeplan::duplicate",
                            name_span(child),
                            format!("`{name}` is set twice in this block"),
                            "set again here",
                        )
                        .with_label(*first, "first set here")
                        .with_help(format!("keep one `{name}`")),
                    );
                    continue;
                }
                seen.insert(name.to_owned(), name_span(child));
            }
            body.children.push((name.to_owned(), name_span(child)));
            if kind == BlockKind::Profile && PROFILE_SWITCHES.contains(&name) {
                self.no_props(child);
                self.no_children(child);
                let args = self.args(child, 1, Some(1), "#true or #false");
                if let (Some(entry), Some(switches)) = (args.first(), switches.as_deref_mut()) {
                    if let Some(value) = entry.value().as_bool() {
                        switches.insert(name.to_owned(), Spanned::new(value, entry.span()));
                    } else {
                        self.type_error(entry, "#true or #false", &describe(entry.value()));
                    }
                }
                continue;
            }
            self.body_child(child, name, kind, &mut body);
        }
        body
    }

    pub(super) fn body_child(
        &mut self,
        child: &KdlNode,
        name: &str,
        kind: BlockKind,
        body: &mut RawServiceBody,
    ) {
        match name {
            "context" => body.context = self.simple_string(child),
            "dockerfile" => body.dockerfile = self.simple_string(child),
            "from" => body.from = self.simple_string(child),
            "image" => body.image = self.simple_string(child),
            "target" => body.target = self.simple_string(child),
            "network" => body.network = self.simple_string(child),
            "description" => body.description = self.simple_string(child),
            "template" => {
                self.no_children(child);
                let name = self.single_string(child);
                let params = child
                    .entries()
                    .iter()
                    .filter_map(|entry| {
                        let key = entry.name()?;
                        let value = self.string(entry)?;
                        Some((Spanned::new(key.value().to_owned(), key.span()), value))
                    })
                    .collect();
                if let Some(name) = name {
                    body.template = Some(RawTemplateUse {
                        name,
                        params,
                        span: child.span(),
                    });
                }
            }
            "depends-on" => append(&mut body.depends_on, self.string_list(child)),
            "tags" => append(&mut body.tags, self.string_list(child)),
            "platforms" => append(&mut body.platforms, self.string_list(child)),
            "cache-mount" => append(&mut body.cache_mounts, self.string_list(child)),
            "cache-from" => append(&mut body.cache_from, self.string_list(child)),
            "cache-to" => append(&mut body.cache_to, self.string_list(child)),
            "inputs" => append(&mut body.inputs, self.string_list(child)),
            "cmd" => body.cmd = Some(self.string_list(child)),
            "contexts" => body.contexts = Some(self.map(child)),
            "args" => body.args = Some(self.map(child)),
            "labels" => body.labels = Some(self.map(child)),
            "env" => body.env = Some(self.map(child)),
            "port" => {
                self.no_props(child);
                self.no_children(child);
                let ports = self
                    .args(child, 1, None, "one or more port numbers")
                    .into_iter()
                    .filter_map(|entry| self.port(entry))
                    .collect();
                append(&mut body.ports, ports);
            }
            "secret" => {
                if let Some(secret) = self.secret(child) {
                    append(&mut body.secrets, vec![secret]);
                }
            }
            "registry-cache" => body.registry_cache = self.registry_cache(child),
            other => {
                let mut names: Vec<&str> = SERVICE_CHILDREN.to_vec();
                if kind == BlockKind::Profile {
                    names.extend(PROFILE_SWITCHES);
                }
                let help = if kind != BlockKind::Profile && PROFILE_SWITCHES.contains(&other) {
                    Some(format!(
                        "`{other}` is a profile setting: put it in a `profile` block, or pass --{other} to `bakeplan bake`"
                    ))
                } else {
                    did_you_mean(other, names.iter().copied())
                };
                let block = match kind {
                    BlockKind::Service => "a service",
                    BlockKind::Defaults => "`defaults`",
                    BlockKind::Profile => "a profile",
                };
                self.error_with_help(
                    "bakeplan::unknown-node",
                    name_span(child),
                    format!("unknown node `{other}` in {block}"),
                    "not a service child",
                    help.or_else(|| Some(format!("expected one of: {}", names.join(", ")))),
                );
            }
        }
    }

    pub(super) fn secret(&mut self, node: &KdlNode) -> Option<RawSecret> {
        self.no_children(node);
        let props = self.props(node, &["env", "src"]);
        let id = self.single_string(node)?;
        let env = self.prop_string(&props, "env");
        let src = self.prop_string(&props, "src");
        let source = match (env, src) {
            (Some(env), None) => RawSecretSource::Env(env),
            (None, Some(src)) => RawSecretSource::Src(src),
            (Some(_), Some(src)) => {
                self.error_with_help(
                    "bakeplan::conflict",
                    src.span,
                    format!("secret `{}` has both `env` and `src`", id.value),
                    "second source here",
                    Some("a secret comes from one place: keep `env=` or `src=`".to_owned()),
                );
                return None;
            }
            (None, None) => {
                if !props.contains_key("env") && !props.contains_key("src") {
                    self.error_with_help(
                        "bakeplan::missing-property",
                        node.span(),
                        format!("secret `{}` says neither where it comes from", id.value),
                        "needs env=\"VAR\" or src=\"PATH\"",
                        Some(format!(
                            "write `secret \"{}\" env=\"VAR\"` or `secret \"{}\" src=\"path/to/file\"`",
                            id.value, id.value
                        )),
                    );
                }
                return None;
            }
        };
        Some(RawSecret { id, source })
    }

    pub(super) fn port(&mut self, entry: &KdlEntry) -> Option<Spanned<u16>> {
        match entry.value() {
            KdlValue::Integer(number) => match u16::try_from(*number) {
                Ok(port) if port > 0 => Some(Spanned::new(port, entry.span())),
                _ => {
                    self.error(
                        "bakeplan::bad-value",
                        entry.span(),
                        format!("port {number} is out of range"),
                        "ports are 1 to 65535",
                    );
                    None
                }
            },
            other => {
                self.type_error(entry, "a port number such as 8000", &describe(other));
                None
            }
        }
    }
}
