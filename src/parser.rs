//! Stage 1: parse the plan text as a KDL v2 document.

use kdl::KdlDocument;

use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_source::PlanSource;

pub fn parse(source: &PlanSource) -> Result<KdlDocument, PlanErrors> {
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
