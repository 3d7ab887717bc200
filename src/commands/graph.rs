//! `bakeplan graph [--format text|dot|mermaid|json]`.

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::graph::format as graph_format;
use crate::graph::view::GraphView;
use crate::plan::files;
use crate::plan::model::Build;

pub fn run(args: &GraphArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
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
        Build::Dockerfile { path } => files::read(&session.source.dir, path).ok().flatten(),
        Build::Library => None,
    });
    if let Some(warning) = view.path_warning() {
        reporter.warning(&warning);
    }
    let text = match args.format {
        GraphFormat::Text => graph_format::text(&view),
        GraphFormat::Dot => graph_format::dot(&view),
        GraphFormat::Mermaid => graph_format::mermaid(&view),
        GraphFormat::Json => graph_format::json(&view),
    };
    print!("{text}");
    Ok(())
}
