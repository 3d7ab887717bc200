//! Value readers: arguments, properties, strings, maps, and the errors about them.

use std::collections::BTreeMap;

use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use super::Lowerer;
use crate::plan::error::PlanError;
use crate::plan::raw::{RawMap, Text};
use crate::plan::spanned::Spanned;
use crate::plan::suggestion::did_you_mean;

impl Lowerer {
    pub(super) fn error(
        &mut self,
        code: &'static str,
        span: SourceSpan,
        message: String,
        label: &str,
    ) {
        self.errors
            .push(PlanError::new(code, message).label(span, label));
    }

    pub(super) fn error_with_help(
        &mut self,
        code: &'static str,
        span: SourceSpan,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        self.errors.push(
            PlanError::new(code, message)
                .label(span, label)
                .maybe_help(help),
        );
    }

    pub(super) fn no_type_annotation(&mut self, node: &KdlNode) {
        if let Some(ty) = node.ty() {
            self.error(
                "bakeplan::type-annotation",
                ty.span(),
                "type annotations are not part of the plan format".to_owned(),
                "remove this annotation",
            );
        }
        for entry in node.entries() {
            if let Some(ty) = entry.ty() {
                self.error(
                    "bakeplan::type-annotation",
                    ty.span(),
                    "type annotations are not part of the plan format".to_owned(),
                    "remove this annotation",
                );
            }
        }
    }

    /// `args { KEY "value"; ... }`: each child a key with one string.
    pub(super) fn map(&mut self, node: &KdlNode) -> RawMap {
        self.no_entries(node);
        let mut map: RawMap = Vec::new();
        let Some(children) = node.children() else {
            self.error_with_help(
                "bakeplan::missing-children",
                node.span(),
                format!("`{}` needs a block of entries", node.name().value()),
                "no `{ ... }` block",
                Some(format!(
                    "write `{} {{ KEY \"value\" }}`",
                    node.name().value()
                )),
            );
            return map;
        };
        let mut seen: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for entry_node in children.nodes() {
            self.no_type_annotation(entry_node);
            self.no_props(entry_node);
            self.no_children(entry_node);
            let key = entry_node.name().value().to_owned();
            if let Some(first) = seen.get(&key) {
                self.errors.push(
                    PlanError::new(
                        "bakeplan::duplicate",
                        format!("`{key}` appears twice in `{}`", node.name().value()),
                    )
                    .label(name_span(entry_node), "second one here")
                    .label(*first, "first one here"),
                );
                continue;
            }
            seen.insert(key.clone(), name_span(entry_node));
            let args = self.args(entry_node, 1, Some(1), "one string value");
            if let Some(value) = args.first().and_then(|entry| self.string(entry)) {
                map.push((Spanned::new(key, name_span(entry_node)), value));
            }
        }
        map
    }

    pub(super) fn simple_string(&mut self, node: &KdlNode) -> Option<Text> {
        self.no_props(node);
        self.no_children(node);
        self.single_string(node)
    }

    pub(super) fn string_list(&mut self, node: &KdlNode) -> Vec<Text> {
        self.no_props(node);
        self.no_children(node);
        self.args(node, 1, None, "one or more strings")
            .into_iter()
            .filter_map(|entry| self.string(entry))
            .collect()
    }

    /// Exactly one positional string.
    pub(super) fn single_string(&mut self, node: &KdlNode) -> Option<Text> {
        let args = self.args(node, 1, Some(1), "one string");
        args.first().and_then(|entry| self.string(entry))
    }

    pub(super) fn string(&mut self, entry: &KdlEntry) -> Option<Text> {
        match entry.value() {
            KdlValue::String(text) => Some(Spanned::new(text.clone(), entry.span())),
            other => {
                self.type_error(entry, "a string", &describe(other));
                None
            }
        }
    }

    pub(super) fn type_error(&mut self, entry: &KdlEntry, expected: &str, found: &str) {
        let help = match entry.value() {
            KdlValue::Integer(_) | KdlValue::Float(_) if expected == "a string" => Some(format!(
                "quote it: \"{}\"",
                entry
                    .value()
                    .to_string()
                    .trim_start_matches('"')
                    .trim_end_matches('"')
            )),
            _ => None,
        };
        self.error_with_help(
            "bakeplan::wrong-type",
            entry.span(),
            format!("expected {expected}, found {found}"),
            &format!("expected {expected}"),
            help,
        );
    }

    /// The positional arguments, checking their count.
    pub(super) fn args<'n>(
        &mut self,
        node: &'n KdlNode,
        min: usize,
        max: Option<usize>,
        what: &str,
    ) -> Vec<&'n KdlEntry> {
        let args: Vec<&KdlEntry> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        let name = node.name().value();
        if args.len() < min {
            self.error(
                "bakeplan::missing-argument",
                node.span(),
                format!("`{name}` needs {what}"),
                &format!("expected {what}"),
            );
        } else if let Some(max) = max
            && let Some(extra) = args.get(max)
        {
            let message = if max == 0 {
                format!("`{name}` takes no arguments")
            } else {
                format!("`{name}` takes {what}, and no more")
            };
            self.error(
                "bakeplan::unexpected-argument",
                extra.span(),
                message,
                "unexpected argument",
            );
        }
        args
    }

    /// The properties of `node`, reporting unknown and repeated ones.
    pub(super) fn props<'n>(
        &mut self,
        node: &'n KdlNode,
        allowed: &[&str],
    ) -> BTreeMap<&'n str, &'n KdlEntry> {
        let mut props = BTreeMap::new();
        for entry in node.entries() {
            let Some(key) = entry.name() else { continue };
            let key_name = key.value();
            if !allowed.contains(&key_name) {
                let help = did_you_mean(key_name, allowed.iter().copied()).or_else(|| {
                    Some(if allowed.is_empty() {
                        format!("`{}` takes no properties", node.name().value())
                    } else {
                        format!("expected one of: {}", allowed.join(", "))
                    })
                });
                self.error_with_help(
                    "bakeplan::unknown-property",
                    key.span(),
                    format!("unknown property `{key_name}` on `{}`", node.name().value()),
                    "unknown property",
                    help,
                );
                continue;
            }
            if props.insert(key_name, entry).is_some() {
                self.error(
                    "bakeplan::duplicate",
                    key.span(),
                    format!("property `{key_name}` is given twice"),
                    "given again here",
                );
            }
        }
        props
    }

    pub(super) fn prop_string(
        &mut self,
        props: &BTreeMap<&str, &KdlEntry>,
        key: &str,
    ) -> Option<Text> {
        props.get(key).and_then(|entry| self.string(entry))
    }

    pub(super) fn no_props(&mut self, node: &KdlNode) {
        let _ = self.props(node, &[]);
    }

    pub(super) fn no_entries(&mut self, node: &KdlNode) {
        self.no_props(node);
        let _ = self.args(node, 0, Some(0), "");
    }

    pub(super) fn no_children(&mut self, node: &KdlNode) {
        if let Some(children) = node.children() {
            self.error(
                "bakeplan::unexpected-children",
                children.span(),
                format!("`{}` takes no `{{ ... }}` block", node.name().value()),
                "unexpected block",
            );
        }
    }
}

pub(super) fn describe(value: &KdlValue) -> String {
    match value {
        KdlValue::String(text) => format!("the string {text:?}"),
        KdlValue::Integer(number) => format!("the integer {number}"),
        KdlValue::Float(number) => format!("the number {number}"),
        KdlValue::Bool(true) => "#true".to_owned(),
        KdlValue::Bool(false) => "#false".to_owned(),
        KdlValue::Null => "#null".to_owned(),
    }
}

pub(super) fn name_span(node: &KdlNode) -> SourceSpan {
    node.name().span()
}

pub(super) fn append<T>(slot: &mut Option<Vec<T>>, items: Vec<T>) {
    slot.get_or_insert_with(Vec::new).extend(items);
}
