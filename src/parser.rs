//! Stage 1: parse the plan text as a KDL v2 document. A large plan is cut into runs of
//! top-level nodes (`node_splitter`) parsed on every core, then joined with their spans moved
//! back to the plan's offsets; any doubt, and any error, falls back to one parse of the whole.

use kdl::{KdlDocument, KdlNode};
use miette::SourceSpan;

use crate::node_splitter::node_starts;
use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_source::PlanSource;

/// Below this size a plan is parsed whole: threads would cost more than they save.
const PARALLEL_THRESHOLD: usize = 32 * 1024;

pub fn parse(source: &PlanSource) -> Result<KdlDocument, PlanErrors> {
    if source.text.len() >= PARALLEL_THRESHOLD
        && let Some(document) = parse_in_parallel(&source.text)
    {
        return Ok(document);
    }
    parse_whole(source)
}

fn parse_in_parallel(text: &str) -> Option<KdlDocument> {
    let starts = node_starts(text)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    if workers < 2 || starts.len() < 2 {
        return None;
    }
    // Cut at node starts into `workers` runs of about equal size.
    let mut cuts = vec![0];
    for worker in 1..workers {
        let target = text.len() * worker / workers;
        let cut = starts.iter().copied().find(|&start| start >= target)?;
        if cut > *cuts.last()? {
            cuts.push(cut);
        }
    }
    cuts.push(text.len());
    let parts: Vec<Option<Vec<KdlNode>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|window| {
                let (from, to) = (window[0], window[1]);
                scope.spawn(move || {
                    let mut document = KdlDocument::parse(&text[from..to]).ok()?;
                    let mut nodes = std::mem::take(document.nodes_mut());
                    for node in &mut nodes {
                        shift_node(node, from);
                    }
                    Some(nodes)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().ok().flatten())
            .collect()
    });
    let mut document = KdlDocument::new();
    for part in parts {
        document.nodes_mut().extend(part?);
    }
    document.set_span(SourceSpan::new(0.into(), text.len()));
    Some(document)
}

fn shift(span: SourceSpan, by: usize) -> SourceSpan {
    SourceSpan::new((span.offset() + by).into(), span.len())
}

/// Moves every span of the node (and of everything inside it) by `by` bytes.
fn shift_node(node: &mut KdlNode, by: usize) {
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

fn parse_whole(source: &PlanSource) -> Result<KdlDocument, PlanErrors> {
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
                    PlanError::at(
                        source,
                        "bakeplan::syntax",
                        diagnostic.span,
                        format!("KDL syntax error: {message}"),
                        diagnostic
                            .label
                            .clone()
                            .unwrap_or_else(|| "here".to_owned()),
                    )
                    .with_help(help)
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use kdl::{KdlDocument, KdlNode};

    use super::parse_in_parallel;

    fn spans(node: &KdlNode, out: &mut Vec<(usize, usize)>) {
        out.push((node.span().offset(), node.span().len()));
        out.push((node.name().span().offset(), node.name().span().len()));
        for entry in node.entries() {
            out.push((entry.span().offset(), entry.span().len()));
        }
        for child in node.children().map(KdlDocument::nodes).unwrap_or_default() {
            spans(child, out);
        }
    }

    #[test]
    fn parallel_parse_equals_whole_parse_with_the_same_spans() {
        let mut text = String::from("version 1\n// a comment\n");
        for i in 0..400 {
            let _ = write!(
                text,
                "service \"s{i}\" {{\n    context \"c/{i}\" // note\n    env {{ A \"x}}{{\\\"y\" }}\n    port {}\n}}\n/* block\nservice \"fake\" */\n",
                8000 + i
            );
        }
        let whole = KdlDocument::parse(&text).expect("valid");
        let parallel = parse_in_parallel(&text).expect("splittable");
        assert_eq!(whole.nodes().len(), parallel.nodes().len());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (x, y) in whole.nodes().iter().zip(parallel.nodes()) {
            assert_eq!(x.name().value(), y.name().value());
            assert_eq!(x.entries().len(), y.entries().len());
            spans(x, &mut a);
            spans(y, &mut b);
        }
        assert_eq!(a, b);
    }
}
