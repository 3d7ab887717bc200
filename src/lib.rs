//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`), one folder per stage: `plan` (parse → lower into the raw plan
//! → template set → resolve into the plan) → `graph` → `emit` (bake model + Dockerfiles →
//! output set); `commands` run it and report. The binary (`main.rs`) only dispatches; the
//! library also serves the fuzz targets (`fuzz/`, see `fuzzing`).

/// Writes to stdout; a closed or broken stdout (`bakeplan affected … | head -0`) is ignored, so
/// the command still ends with its own exit status and without a panic.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::commands::output::write_out(&format!($($arg)*))
    };
}

/// `out!` with a line feed.
#[macro_export]
macro_rules! outln {
    () => { $crate::out!("\n") };
    ($($arg:tt)*) => {
        $crate::commands::output::write_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to stderr, ignoring a closed stderr (`2>&-`).
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::commands::output::write_err(&format!($($arg)*))
    };
}

/// `err!` with a line feed.
#[macro_export]
macro_rules! errln {
    () => { $crate::err!("\n") };
    ($($arg:tt)*) => {
        $crate::commands::output::write_err(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub mod cli;
pub mod commands;
pub mod compiler;
pub mod emit;
pub mod fuzzing;
pub mod graph;
pub mod plan;
