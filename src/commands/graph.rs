//! `bakeplan graph [--format text|dot|mermaid|json]`.

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::graph::format as graph_format;
use crate::graph::view::GraphView;

pub fn run(args: &GraphArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    let view = GraphView::new(&session.compilation.plan, &session.compilation.graph);
    if let Some(warning) = view.path_warning() {
        reporter.warning(&warning);
    }
    let text = match args.format {
        GraphFormat::Text => graph_format::text(&view),
        GraphFormat::Dot => graph_format::dot(&view),
        GraphFormat::Mermaid => graph_format::mermaid(&view),
        GraphFormat::Json => graph_format::json(&view),
    };
    crate::out!("{text}");
    Ok(())
}
