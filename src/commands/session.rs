//! Loading and compiling a plan for a command, reporting errors and warnings the same way for
//! every command.

use std::process::ExitCode;

use camino::Utf8Path;

use crate::commands::reporter::Reporter;
use crate::compiler::{Compilation, compile};
use crate::plan::error::PlanErrors;
use crate::plan::source::PlanSource;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_PLAN_ERROR: u8 = 2;

pub struct Session {
    pub source: PlanSource,
    pub compilation: Compilation,
}

impl Session {
    /// Reads and compiles the plan; on errors, reports them all and returns exit status 2.
    pub fn load(plan: &Utf8Path, reporter: &Reporter) -> Result<Self, ExitCode> {
        let source =
            PlanSource::read(plan).map_err(|error| plan_errors(reporter, &error.into(), None))?;
        let compilation =
            compile(&source).map_err(|errors| plan_errors(reporter, &errors, Some(&source)))?;
        for warning in &compilation.warnings {
            reporter.warning(warning);
        }
        Ok(Self {
            source,
            compilation,
        })
    }
}

/// Prints the errors and the closing line; the exit status for plan errors.
pub fn plan_errors(
    reporter: &Reporter,
    errors: &PlanErrors,
    source: Option<&PlanSource>,
) -> ExitCode {
    eprint!("{}", reporter.render(errors));
    if let Some(source) = source {
        let count = errors.0.len();
        eprintln!(
            "error: {count} {} in {}; nothing was written",
            if count == 1 { "problem" } else { "problems" },
            source.path
        );
    }
    ExitCode::from(EXIT_PLAN_ERROR)
}

/// A one-line usage error (exit 2).
pub fn usage_error(reporter: &Reporter, message: &str) -> ExitCode {
    reporter.error(message);
    ExitCode::from(EXIT_PLAN_ERROR)
}
