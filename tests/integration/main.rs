//! The one integration test binary: every test drives the real `bakeplan` executable, and
//! every bake file is judged by the real `docker buildx bake --print`.

mod bad_input;
mod buildx;
mod check;
mod commands;
mod conformance;
mod e2e;
mod e2e_node;
mod e2e_rustgo;
mod escaping;
mod import;
mod init;
mod python_templates;
mod support;
mod workspace;
