//! The plan text as a KDL v2 document: one parse of the whole, or of a run of top-level nodes
//! moved back to the plan's offsets. Knows nothing of what the nodes mean.

use kdl::{KdlDocument, KdlNode};
use miette::SourceSpan;

use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::source::PlanSource;

/// Parses the whole plan text as one KDL v2 document.
pub fn parse(source: &PlanSource) -> Result<KdlDocument, PlanErrors> {
    if let Some(refused) = super::depth::too_deep(&source.text) {
        let mut error = PlanError::new("bakeplan::too-deep", refused.why)
            .label(SourceSpan::new(refused.at.into(), 1), refused.label);
        if let Some(help) = refused.help {
            error = error.help(help);
        }
        return Err(error.into());
    }
    KdlDocument::parse(&source.text).map_err(|error| {
        let looks_v1 = ["true", "false", "null"].iter().any(|word| {
            source.text.contains(&format!("={word}")) || source.text.contains(&format!(" {word}\n"))
        });
        PlanErrors(
            error
                .diagnostics
                .iter()
                .map(|diagnostic| {
                    let message = diagnostic
                        .message
                        .clone()
                        .unwrap_or_else(|| "the plan is not a valid KDL v2 document".to_owned());
                    let help = diagnostic.help.clone().or_else(|| {
                        looks_v1.then(|| {
                            "plans are KDL v2: booleans are #true and #false, null is #null"
                                .to_owned()
                        })
                    });
                    PlanError::new("bakeplan::syntax", format!("KDL syntax error: {message}"))
                        .label(
                            diagnostic.span,
                            diagnostic
                                .label
                                .clone()
                                .unwrap_or_else(|| "here".to_owned()),
                        )
                        .maybe_help(help)
                })
                .collect(),
        )
    })
}

fn shift(span: SourceSpan, by: usize) -> SourceSpan {
    SourceSpan::new((span.offset() + by).into(), span.len())
}

/// Moves every span of the node (and of everything inside it) by `by` bytes.
pub fn shift_node(node: &mut KdlNode, by: usize) {
    node.set_span(shift(node.span(), by));
    let name = node.name().span();
    node.name_mut().set_span(shift(name, by));
    if let Some(ty) = node.ty_mut() {
        ty.set_span(shift(ty.span(), by));
    }
    for entry in node.entries_mut() {
        entry.set_span(shift(entry.span(), by));
        if let Some(name) = entry.name_mut() {
            name.set_span(shift(name.span(), by));
        }
        if let Some(ty) = entry.ty_mut() {
            ty.set_span(shift(ty.span(), by));
        }
    }
    if let Some(children) = node.children_mut() {
        children.set_span(shift(children.span(), by));
        for child in children.nodes_mut() {
            shift_node(child, by);
        }
    }
}
