//! Stage 5: what the compile writes. The bake model and its HCL and JSON writers, the
//! Dockerfiles rendered from templates with their context, the generated-file marker and the
//! output set that writes (or checks) every file at once.

pub mod bake_model;
pub mod context;
pub mod definition;
pub mod dockerfile;
pub mod dockerignore;
pub mod hcl;
pub mod marker;
pub mod output_set;
pub mod write;
