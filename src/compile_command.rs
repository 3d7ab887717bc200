//! `bakeplan compile [--check]`.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::cli::CompileArgs;
use crate::compiler::compile;
use crate::output_set::FileStatus;
use crate::plan_source::PlanSource;
use crate::reporter::Reporter;

pub const EXIT_DRIFT: u8 = 1;
pub const EXIT_PLAN_ERROR: u8 = 2;

pub fn run(args: &CompileArgs, reporter: &Reporter) -> ExitCode {
    let source = match PlanSource::read(&args.plan) {
        Ok(source) => source,
        Err(error) => {
            eprint!("{}", reporter.render(&error.into()));
            return ExitCode::from(EXIT_PLAN_ERROR);
        }
    };
    let compilation = match compile(&source) {
        Ok(compilation) => compilation,
        Err(errors) => {
            eprint!("{}", reporter.render(&errors));
            let count = errors.0.len();
            eprintln!(
                "error: {count} {} in {}; nothing was written",
                if count == 1 { "problem" } else { "problems" },
                source.path
            );
            return ExitCode::from(EXIT_PLAN_ERROR);
        }
    };
    for warning in &compilation.warnings {
        reporter.warning(warning);
    }
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
                ExitCode::from(EXIT_DRIFT)
            }
            Err(errors) => {
                eprint!("{}", reporter.render(&errors));
                ExitCode::from(EXIT_PLAN_ERROR)
            }
        };
    }
    match outputs.write(&source) {
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
                };
                let _ = writeln!(report, "{verb} {}", source.display_path(path));
            }
            let _ = writeln!(
                report,
                "compiled {} services from {}: {written} written, {} unchanged",
                compilation.plan.services.len(),
                source.path,
                total - written
            );
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{}", reporter.render(&errors));
            eprintln!("error: nothing was written");
            ExitCode::from(EXIT_PLAN_ERROR)
        }
    }
}
