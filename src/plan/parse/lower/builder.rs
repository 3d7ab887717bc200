//! `builder "NAME" { node "N" endpoint="…" platforms="…"; driver "…"; driver-opt { K "v" } }`:
//! a buildx builder (contract: "Builders and sharded builds"). Its children are the schema's
//! `BUILDER` rows.

use std::collections::BTreeMap;

use kdl::KdlNode;
use miette::SourceSpan;

use super::Lowerer;
use super::values::name_span;
use crate::plan::error::PlanError;
use crate::plan::raw::{RawBuilder, RawBuilderNode};
use crate::plan::schema::{self, Places, Repeat};
use crate::plan::suggestion::did_you_mean;

impl Lowerer {
    pub(super) fn builder(&mut self, node: &KdlNode) -> Option<RawBuilder> {
        let name = self.block_name(node, "builder")?;
        let mut builder = RawBuilder {
            name,
            nodes: Vec::new(),
            driver: None,
            driver_opts: Vec::new(),
        };
        let mut seen: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for child in node
            .children()
            .map(kdl::KdlDocument::nodes)
            .unwrap_or_default()
        {
            self.no_type_annotation(child);
            let child_name = child.name().value();
            let Some(row) = schema::child(child_name, Places::BUILDER) else {
                let names: Vec<&str> = schema::names(Places::BUILDER).collect();
                self.error_with_help(
                    "bakeplan::unknown-node",
                    name_span(child),
                    format!("unknown node `{child_name}` in a builder"),
                    "not a builder child",
                    did_you_mean(child_name, names.iter().copied())
                        .or_else(|| Some(format!("expected one of: {}", names.join(", ")))),
                );
                continue;
            };
            if row.repeat == Repeat::Once {
                if let Some(first) = seen.get(child_name) {
                    self.errors.push(
                        PlanError::new(
                            "bakeplan::duplicate",
                            format!("`{child_name}` is set twice in this builder"),
                        )
                        .label(name_span(child), "set again here")
                        .label(*first, "first set here")
                        .help(format!("keep one `{child_name}`")),
                    );
                    continue;
                }
                seen.insert(child_name.to_owned(), name_span(child));
            }
            match child_name {
                "node" => {
                    self.no_children(child);
                    let props = self.props(child, &["endpoint", "platforms"]);
                    if let Some(name) = self.single_string(child) {
                        builder.nodes.push(RawBuilderNode {
                            name,
                            endpoint: self.prop_string(&props, "endpoint"),
                            platforms: self.prop_string(&props, "platforms"),
                        });
                    }
                }
                "driver" => builder.driver = self.simple_string(child),
                _ => builder.driver_opts = self.map(child),
            }
        }
        Some(builder)
    }
}
