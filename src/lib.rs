//! bakeplan: compile a KDL build plan into a docker-bake file and templated Dockerfiles.
//!
//! The pipeline (see `compiler`), one folder per stage: `plan` (parse → lower into the raw plan
//! → template set → resolve into the plan) → `graph` → `emit` (bake model + Dockerfiles →
//! output set); `commands` run it and report. The binary (`main.rs`) only dispatches; the
//! library also serves the fuzz targets (`fuzz/`, see `fuzzing`).

pub mod cli;
pub mod commands;
pub mod compiler;
pub mod emit;
pub mod fuzzing;
pub mod graph;
pub mod plan;
