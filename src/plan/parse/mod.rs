//! Stages 1–2: the plan text parsed as a KDL v2 document (`syntax`), lowered into the raw plan
//! (`lower`). A large plan is cut into runs of top-level nodes (`splitter`) parsed and lowered
//! on every core, then merged in plan order; any doubt, and any error, falls back to one parse
//! of the whole.

pub mod depth;
pub mod lower;
mod splitter;
pub mod syntax;

use kdl::KdlDocument;

use crate::plan::error::PlanErrors;
use crate::plan::raw::RawPlan;
use crate::plan::source::PlanSource;
use lower::{LoweredPart, lower};
use splitter::node_starts;
use syntax::{parse, shift_node};

/// Below this size a plan is parsed whole: threads would cost more than they save.
const PARALLEL_THRESHOLD: usize = 32 * 1024;

/// Parses and lowers the plan. A large plan is cut into runs of top-level nodes lowered on every
/// core, each run parsed a batch of nodes at a time so that a batch reuses the memory of the one
/// before (kdl's documents are large: allocation and page faults cost as much as parsing).
pub fn parse_and_lower(source: &PlanSource) -> Result<(RawPlan, PlanErrors), PlanErrors> {
    // `BAKEPLAN_PARSE_WHOLE=1` turns the parallel path off: the compile benchmark measures the
    // compile with and without it.
    if source.text.len() >= PARALLEL_THRESHOLD
        && depth::too_deep(&source.text).is_none()
        && std::env::var_os("BAKEPLAN_PARSE_WHOLE").is_none()
        && let Some(lowered) = lower_in_parallel(source)
    {
        return Ok(lowered);
    }
    let document = parse(source)?;
    Ok(lower(&document))
}

/// Top-level nodes parsed at once by one worker.
const BATCH: usize = 32;

fn lower_in_parallel(source: &PlanSource) -> Option<(RawPlan, PlanErrors)> {
    let text = source.text.as_str();
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
    let starts = &starts;
    let parts: Vec<Option<LoweredPart>> = std::thread::scope(|scope| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|window| {
                let (from, to) = (window[0], window[1]);
                scope.spawn(move || lower_range(text, starts, from, to))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().ok().flatten())
            .collect()
    });
    let mut merged: Option<LoweredPart> = None;
    for part in parts {
        let part = part?;
        match &mut merged {
            None => merged = Some(part),
            Some(merged) => merged.merge(part),
        }
    }
    merged.map(LoweredPart::finish)
}

/// Parses and lowers the nodes in `from..to`, `BATCH` top-level nodes at a time; `None` when a
/// batch does not parse (the whole plan is then parsed again, for its error messages).
fn lower_range(text: &str, starts: &[usize], from: usize, to: usize) -> Option<LoweredPart> {
    let mut cuts = vec![from];
    cuts.extend(
        starts
            .iter()
            .copied()
            .filter(|&start| start > from && start < to)
            .skip(BATCH - 1)
            .step_by(BATCH),
    );
    cuts.push(to);
    let mut part = LoweredPart::new();
    for window in cuts.windows(2) {
        let mut document = KdlDocument::parse(&text[window[0]..window[1]]).ok()?;
        for node in document.nodes_mut() {
            shift_node(node, window[0]);
            part.node(node);
        }
    }
    Some(part)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::lower::lower;
    use super::lower_in_parallel;
    use super::syntax::parse;
    use crate::plan::source::PlanSource;

    #[test]
    fn parallel_lowering_equals_whole_lowering_spans_and_errors_included() {
        let mut text =
            String::from("version 1\n// a comment\ndefaults { template \"python-pip\"; }\n");
        for i in 0..400 {
            let _ = write!(
                text,
                "service \"s{i}\" {{\n    context \"c/{i}\" // note\n    env {{ A \"x}}{{\\\"y\" }}\n    port {}\n}}\n/* block\nservice \"fake\" */\n",
                8000 + i
            );
            if i == 300 {
                // A duplicate singleton and an unknown node far from the first ones.
                text.push_str("defaults { platforms \"linux/amd64\"; }\nservce \"typo\"\n");
            }
        }
        let source = PlanSource::from_text("bakeplan.kdl".into(), text);
        let document = parse(&source).expect("valid KDL");
        let (whole, whole_errors) = lower(&document);
        let (parallel, parallel_errors) = lower_in_parallel(&source).expect("splittable");
        assert_eq!(format!("{whole:?}"), format!("{parallel:?}"));
        let messages = |errors: &crate::plan::error::PlanErrors| {
            let mut all: Vec<String> = errors
                .0
                .iter()
                .map(|error| format!("{} {:?}", error.message, error.labels))
                .collect();
            all.sort();
            all
        };
        assert_eq!(messages(&whole_errors), messages(&parallel_errors));
        assert_eq!(whole_errors.0.len(), 2);
    }
}
