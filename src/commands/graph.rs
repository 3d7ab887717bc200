//! `bakeplan graph [--format text|dot|mermaid|json]`.

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::graph::format as graph_format;
use crate::graph::shard;
use crate::graph::view::GraphView;
use crate::plan::fs;
use crate::plan::model::Build;

pub fn run(args: &GraphArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    // The path warning, if any, came with the compile's warnings.
    let plan = &session.compilation.plan;
    let mut view = GraphView::new(plan, &session.compilation.graph);
    // The generated Dockerfile as compiled; a hand-written one read as any file the plan names.
    view.find_bases(plan, |service| match &service.build {
        Build::Template { output, .. } => session
            .compilation
            .outputs
            .files
            .get(output)
            .map(|file| file.contents.clone()),
        Build::Dockerfile { path } => fs::read_unlinked(&session.source.dir, path).ok().flatten(),
        Build::Library => None,
    });
    let text = match args.format {
        GraphFormat::Text => graph_format::text(&view),
        GraphFormat::Dot => graph_format::dot(&view),
        GraphFormat::Mermaid => graph_format::mermaid(&view),
        GraphFormat::Json => graph_format::json(&view),
        GraphFormat::Matrix => {
            let plan = &session.compilation.plan;
            let services = shard::services(plan, &[]).map_err(CommandError::Usage)?;
            shard::matrix(&shard::shards(&services, usize::from(args.shards)))
        }
    };
    crate::out!("{text}");
    Ok(())
}
