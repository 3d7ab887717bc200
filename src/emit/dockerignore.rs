//! The `Dockerfile.dockerignore` bakeplan writes beside every Dockerfile it generates (`BuildKit`
//! reads `<Dockerfile>.dockerignore` in preference to the context's `.dockerignore`).
//!
//! Standalone, it keeps the context's own `.dockerignore` lines and adds the standard excludes.
//! In workspace mode the context is the workspace folder, so it is an allow-list: the
//! template's workspace files, the lockfile, the service's libraries and the service's folder,
//! then the standard excludes (a `.venv` inside a service folder stays out).

use std::fmt::Write as _;

use crate::emit::bake_model::dockerfile_relative_to_context;
use crate::plan::model::Service;

/// What no build needs, in any folder of the context.
const STANDARD_EXCLUDES: &[&str] = &[
    "**/.git",
    "**/.venv",
    "**/venv",
    "**/__pycache__",
    "**/*.pyc",
    "**/node_modules",
    "**/target",
    "**/.pytest_cache",
    "**/.mypy_cache",
];

/// The path of the ignore file for the Dockerfile at `dockerfile` (relative to the plan folder).
pub fn dockerignore_path(dockerfile: &str) -> String {
    format!("{dockerfile}.dockerignore")
}

/// The ignore file of a templated service, marker line first.
pub fn dockerignore(service: &Service, marker: &str) -> String {
    let mut out = format!("# {marker}\n");
    if let Some(workspace) = &service.workspace {
        out.push_str("*\n");
        // Each allowed path once (go's lockfile `go.mod` is one of its workspace files too).
        let mut allowed: Vec<&str> = Vec::new();
        let paths = workspace
            .files
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(workspace.lockfile.as_str()))
            .chain(service.libraries.iter().map(|library| allow(&library.path)))
            .chain(std::iter::once(allow(&service.path)));
        for path in paths {
            if !allowed.contains(&path) {
                allowed.push(path);
                let _ = writeln!(out, "!{path}");
            }
        }
    } else if let Some(own) = &service.dockerignore {
        for line in own.lines() {
            let _ = writeln!(out, "{}", line.trim_end_matches('\r'));
        }
    }
    for line in STANDARD_EXCLUDES {
        let _ = writeln!(out, "{line}");
    }
    let dockerfile =
        dockerfile_relative_to_context(service.build_context(), service.dockerfile_path());
    // A Dockerfile outside the context is not sent anyway: no line could match it.
    if !dockerfile.starts_with("..") {
        let _ = writeln!(out, "{dockerfile}");
        let _ = writeln!(out, "{}", dockerignore_path(&dockerfile));
    }
    out
}

/// An allow-list line for a folder: the folder itself is the whole context when it is `.`.
fn allow(path: &str) -> &str {
    if path == "." { "**" } else { path }
}
