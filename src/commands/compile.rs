//! `bakeplan compile [--check]`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::cli::CompileArgs;
use crate::commands::reporter::Reporter;
use crate::commands::session::{EXIT_FAILURE, EXIT_PLAN_ERROR, Session};
use crate::emit::output_set::FileStatus;

pub fn run(args: &CompileArgs, reporter: &Reporter) -> ExitCode {
    let Session {
        source,
        compilation,
    } = match Session::load(&args.plan, reporter) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let outputs = &compilation.outputs;
    let total = outputs.files.len();
    if args.check {
        return match outputs.drift(&source) {
            Ok(drift) if drift.is_empty() => {
                println!(
                    "{total} generated files are up to date with {}",
                    source.path
                );
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                for (_, diff) in &drift {
                    print!("{diff}");
                }
                eprintln!(
                    "{} of {total} generated files are out of date; run `bakeplan compile {}`",
                    drift.len(),
                    source.path
                );
                ExitCode::from(EXIT_FAILURE)
            }
            Err(errors) => {
                eprint!("{}", reporter.render(&errors));
                ExitCode::from(EXIT_PLAN_ERROR)
            }
        };
    }
    let code = match outputs.write(&source, None, &[]) {
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
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            // The writer's message says what, if anything, was written.
            eprint!("{}", reporter.render(&errors));
            ExitCode::from(EXIT_PLAN_ERROR)
        }
    };
    // Freeing a large compilation costs time at exit and buys nothing: the process ends.
    std::mem::forget(compilation);
    code
}
