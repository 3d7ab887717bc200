//! `bakeplan init [DIR]`.

use std::process::ExitCode;

use crate::cli::InitArgs;
use crate::commands::reporter::Reporter;

pub fn run(_args: &InitArgs, reporter: &Reporter) -> ExitCode {
    reporter.error("not yet");
    ExitCode::from(2)
}
