//! The children of `service`, `defaults` and `profile` blocks.

use std::collections::BTreeMap;

use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use super::Lowerer;
use super::values::{append, describe, name_span};
use crate::plan::error::PlanError;
use crate::plan::raw::{
    RawHealthcheck, RawSecret, RawSecretSource, RawServiceBody, RawTemplateUse, RawUser,
};
use crate::plan::schema::{self, Places, Repeat, Value};
use crate::plan::spanned::Spanned;
use crate::plan::suggestion::did_you_mean;

impl Lowerer {
    /// The children of a `service`, `defaults` or `profile` block (`place`), as the schema
    /// says. A profile block lowers every service child (the resolver then refuses those a
    /// profile may not set) and its switches.
    pub(super) fn body(
        &mut self,
        node: &KdlNode,
        place: Places,
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
            let row = schema::child(name, Places::SERVICE).or_else(|| schema::child(name, place));
            if !row.is_some_and(|row| row.repeat == Repeat::Appends) {
                if let Some(first) = seen.get(name) {
                    self.errors.push(
                        PlanError::new(
                            "bakeplan::duplicate",
                            format!("`{name}` is set twice in this block"),
                        )
                        .label(name_span(child), "set again here")
                        .label(*first, "first set here")
                        .help(format!("keep one `{name}`")),
                    );
                    continue;
                }
                seen.insert(name.to_owned(), name_span(child));
            }
            body.children.push((name.to_owned(), name_span(child)));
            match row.map(|row| row.value) {
                Some(Value::Switch) => self.switch(child, name, switches.as_deref_mut()),
                Some(value) => self.body_child(child, value, &mut body),
                None => self.unknown_child(child, name, place),
            }
        }
        body
    }

    /// A profile switch: `push #true`.
    fn switch(
        &mut self,
        child: &KdlNode,
        name: &str,
        switches: Option<&mut BTreeMap<String, Spanned<bool>>>,
    ) {
        self.no_props(child);
        self.no_children(child);
        let args = self.args(child, 1, Some(1), "#true or #false");
        if let (Some(entry), Some(switches)) = (args.first(), switches) {
            if let Some(value) = entry.value().as_bool() {
                switches.insert(name.to_owned(), Spanned::new(value, entry.span()));
            } else {
                self.type_error(entry, "#true or #false", &describe(entry.value()));
            }
        }
    }

    /// A service flag: `library #true`, `init #false`.
    fn flag(&mut self, child: &KdlNode) -> Option<Spanned<bool>> {
        self.no_props(child);
        self.no_children(child);
        let args = self.args(child, 1, Some(1), "#true or #false");
        let entry = args.first()?;
        if let Some(value) = entry.value().as_bool() {
            Some(Spanned::new(value, entry.span()))
        } else {
            self.type_error(entry, "#true or #false", &describe(entry.value()));
            None
        }
    }

    /// `user "NAME" uid=N`.
    fn user(&mut self, child: &KdlNode) -> Option<RawUser> {
        self.no_children(child);
        let props = self.props(child, &["uid"]);
        let uid = props
            .get("uid")
            .and_then(|entry| self.integer(entry, "a user id such as 10001"));
        let name = self.single_string(child)?;
        Some(RawUser { name, uid })
    }

    /// `healthcheck "ARG"... interval= timeout= start-period= retries=`.
    fn healthcheck(&mut self, child: &KdlNode) -> Option<RawHealthcheck> {
        self.no_children(child);
        let props = self.props(child, &["interval", "timeout", "start-period", "retries"]);
        let args = self.args(child, 1, None, "the check command, one string per argument");
        let cmd: Vec<_> = args.iter().filter_map(|entry| self.string(entry)).collect();
        let retries = props
            .get("retries")
            .and_then(|entry| self.integer(entry, "a number of retries such as 3"));
        let healthcheck = RawHealthcheck {
            interval: self.prop_string(&props, "interval"),
            timeout: self.prop_string(&props, "timeout"),
            start_period: self.prop_string(&props, "start-period"),
            retries,
            cmd,
        };
        (!args.is_empty() && healthcheck.cmd.len() == args.len()).then_some(healthcheck)
    }

    /// An integer value.
    fn integer(&mut self, entry: &KdlEntry, expected: &str) -> Option<Spanned<i128>> {
        if let KdlValue::Integer(number) = entry.value() {
            Some(Spanned::new(*number, entry.span()))
        } else {
            self.type_error(entry, expected, &describe(entry.value()));
            None
        }
    }

    /// Reads a block child's value into its slot of the body.
    fn body_child(&mut self, child: &KdlNode, value: Value, body: &mut RawServiceBody) {
        let appends = schema::appends(child.name().value(), Places::SERVICE);
        match value {
            Value::Text(slot) => *slot(body) = self.simple_string(child),
            Value::Texts(slot) => {
                let list = self.string_list(child);
                if appends {
                    append(slot(body), list);
                } else {
                    *slot(body) = Some(list);
                }
            }
            Value::Map(slot) => *slot(body) = Some(self.map(child)),
            Value::Template(slot) => {
                if let Some(template) = self.template(child) {
                    *slot(body) = Some(template);
                }
            }
            Value::Ports(slot) => {
                self.no_props(child);
                self.no_children(child);
                let ports = self
                    .args(child, 1, None, "one or more port numbers")
                    .into_iter()
                    .filter_map(|entry| self.port(entry))
                    .collect();
                append(slot(body), ports);
            }
            Value::Secret(slot) => {
                if let Some(secret) = self.secret(child) {
                    append(slot(body), vec![secret]);
                }
            }
            Value::RegistryCache(slot) => *slot(body) = self.registry_cache(child),
            Value::Flag(slot) => *slot(body) = self.flag(child),
            Value::User(slot) => *slot(body) = self.user(child),
            Value::Healthcheck(slot) => *slot(body) = self.healthcheck(child),
            Value::Node | Value::Switch => unreachable!("not a block child"),
        }
    }

    fn unknown_child(&mut self, child: &KdlNode, name: &str, place: Places) {
        let mut names: Vec<&str> = schema::names(Places::SERVICE).collect();
        if place == Places::PROFILE {
            names.extend(
                schema::names(Places::PROFILE)
                    .filter(|name| schema::child(name, Places::SERVICE).is_none()),
            );
        }
        let help = if place != Places::PROFILE && schema::child(name, Places::PROFILE).is_some() {
            Some(format!(
                "`{name}` is a profile setting: put it in a `profile` block, or pass --{name} to `bakeplan bake`"
            ))
        } else {
            did_you_mean(name, names.iter().copied())
        };
        let block = if place == Places::SERVICE {
            "a service"
        } else if place == Places::DEFAULTS {
            "`defaults`"
        } else {
            "a profile"
        };
        self.error_with_help(
            "bakeplan::unknown-node",
            name_span(child),
            format!("unknown node `{name}` in {block}"),
            "not a service child",
            help.or_else(|| Some(format!("expected one of: {}", names.join(", ")))),
        );
    }

    /// `template "NAME" KEY="value"...`
    fn template(&mut self, child: &KdlNode) -> Option<RawTemplateUse> {
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
        Some(RawTemplateUse {
            name: name?,
            params,
            span: child.span(),
        })
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
