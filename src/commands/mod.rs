//! The commands: one file each, the reporter that prints diagnostics, the command error type
//! (`error`: what `main` maps to the exit status), and the docker and git helpers.

pub mod affected;
pub mod bake;
pub mod builder;
pub mod compile;
pub mod docker;
pub mod error;
pub mod git;
pub mod graph;
pub mod import;
pub mod init;
pub mod lint;
pub mod new;
pub mod output;
pub mod render;
pub mod reporter;
pub mod session;
pub mod templates;
