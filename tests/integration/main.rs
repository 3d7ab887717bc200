//! The one integration test binary: every test drives the real `bakeplan` executable, and
//! every bake file is judged by the real `docker buildx bake --print`.

mod affected_git;
mod bad_input;
mod builders;
mod buildx;
mod check;
mod commands;
mod conformance;
mod crashes;
mod e2e;
mod e2e_init;
mod e2e_node;
mod e2e_rustgo;
mod escaping;
mod execution;
mod import;
mod init;
mod new_layout;
mod property;
mod python_templates;
mod shards;
mod support;
mod voting;
mod workspace;
mod write_discipline;
