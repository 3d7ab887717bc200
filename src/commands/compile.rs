//! `bakeplan compile [--check]`.

use std::fmt::Write as _;

use crate::cli::CompileArgs;
use crate::commands::error::{Closing, CommandError};
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::Compilation;
use crate::emit::output_set::FileStatus;
use crate::emit::write::PARTIAL_WRITE;
use crate::plan::source::PlanSource;

pub fn run(args: &CompileArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let Session {
        source,
        compilation,
    } = Session::load(&args.plan, reporter)?;
    let result = if args.check {
        check(&source, &compilation)
    } else {
        write(&source, &compilation)
    };
    // Freeing a large compilation costs time at exit and buys nothing: the process ends.
    std::mem::forget(compilation);
    result
}

/// `--check`: a diff for every generated file that is missing or differs.
fn check(source: &PlanSource, compilation: &Compilation) -> Result<(), CommandError> {
    let total = compilation.outputs.files.len();
    let drift = compilation
        .outputs
        .drift(source)
        .map_err(|errors| CommandError::plan_closed(errors, Some(source), Closing::Silent))?;
    if drift.is_empty() {
        crate::outln!(
            "{total} generated files are up to date with {}",
            source.path
        );
        return Ok(());
    }
    for (_, diff) in &drift {
        crate::out!("{diff}");
    }
    Err(CommandError::OutOfDate {
        count: drift.len(),
        total,
        plan: source.path.clone(),
    })
}

fn write(source: &PlanSource, compilation: &Compilation) -> Result<(), CommandError> {
    let outputs = &compilation.outputs;
    let total = outputs.files.len();
    match outputs.write(source, None, &[]) {
        Ok(statuses) => {
            let written = statuses
                .iter()
                .filter(|(_, status)| *status == FileStatus::Written)
                .count();
            // One write for the whole report: a large plan lists thousands of files.
            let mut report = String::new();
            for (path, status) in &statuses {
                let verb = match status {
                    FileStatus::Written => "wrote    ",
                    FileStatus::Unchanged => "unchanged",
                    FileStatus::Removed => "removed  ",
                };
                let _ = writeln!(report, "{verb} {}", source.display_path(path));
            }
            let removed = outputs.stale.len();
            let removed = if removed == 0 {
                String::new()
            } else {
                format!(", {removed} removed")
            };
            let _ = writeln!(
                report,
                "compiled {} services from {}: {written} written, {} unchanged{removed}",
                compilation.plan.services.len(),
                source.path,
                total - written
            );
            crate::out!("{report}");
            Ok(())
        }
        Err(errors) => {
            // A write that failed part-way and could not be undone says itself what is left.
            let partial = errors.0.iter().any(|error| error.code == PARTIAL_WRITE);
            Err(CommandError::plan_closed(
                errors,
                Some(source),
                if partial {
                    Closing::Silent
                } else {
                    Closing::NothingWritten
                },
            ))
        }
    }
}
