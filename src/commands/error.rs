//! What a command fails with, and the exit status each failure means (README "Exit status"):
//! every command returns `Result<(), CommandError>`; `main` reports the error and maps it to
//! the status, nowhere else.

use camino::Utf8PathBuf;

use crate::plan::error::PlanErrors;
use crate::plan::source::PlanSource;

/// `--check` found drift, the build failed, `lint` found a warning.
pub const EXIT_FAILURE: u8 = 1;
/// The plan or the command line is wrong, or a file or program could not be used.
pub const EXIT_PLAN_ERROR: u8 = 2;

#[derive(Debug)]
pub enum CommandError {
    /// The command line asks for something the plan does not have, or a tool is missing.
    Usage(String),
    /// A file or a program the command needs failed.
    Io(String),
    /// Errors in the plan: nothing was written, nothing was built.
    Plan {
        errors: PlanErrors,
        /// The plan the errors point into (`None`: the plan could not be read).
        source: Option<PlanSource>,
        closing: Closing,
    },
    /// `compile --check`: generated files are missing or differ (the diffs are printed).
    OutOfDate {
        count: usize,
        total: usize,
        plan: Utf8PathBuf,
    },
    /// The build failed; the services buildx's output named (none with `--progress tty`).
    BuildFailed(Vec<String>),
    /// A docker command failed, or `builder status` found the builder missing or different.
    Failed(String),
    /// `lint` found this many warnings (each one printed).
    LintWarnings(usize),
}

/// The line that closes a report of plan errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// None.
    Silent,
    /// `error: N problems in PLAN; nothing was written`.
    Counted,
    /// `error: nothing was written`.
    NothingWritten,
}

impl CommandError {
    /// Errors in `source`, closed by their count.
    pub fn plan(errors: PlanErrors, source: &PlanSource) -> Self {
        Self::Plan {
            errors,
            source: Some(source.clone()),
            closing: Closing::Counted,
        }
    }

    /// Errors in `source` (if any), closed as `closing` says.
    pub fn plan_closed(errors: PlanErrors, source: Option<&PlanSource>, closing: Closing) -> Self {
        Self::Plan {
            errors,
            source: source.cloned(),
            closing,
        }
    }

    pub fn exit_status(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Io(_) | Self::Plan { .. } => EXIT_PLAN_ERROR,
            Self::OutOfDate { .. }
            | Self::BuildFailed(_)
            | Self::Failed(_)
            | Self::LintWarnings(_) => EXIT_FAILURE,
        }
    }
}
