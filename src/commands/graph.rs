//! `bakeplan graph [--format text|dot|mermaid|json]`.

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::graph::format as graph_format;
use crate::graph::shard;
use crate::graph::view::GraphView;

pub fn run(args: &GraphArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    // The path warning, if any, came with the compile's warnings.
    let plan = &session.compilation.plan;
    let mut view = GraphView::new(plan, &session.compilation.graph);
    view.find_bases(plan, |service| session.dockerfile(service).ok().flatten());
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
