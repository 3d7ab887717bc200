//! The real `docker buildx`: installed by `scripts/install-buildx.sh` when missing. Under CI a
//! test that needs it fails rather than skips.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::repo_root;

fn buildx_works() -> bool {
    Command::new("docker")
        .args(["buildx", "version"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Whether buildx is usable, installing it once per test run when missing.
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if buildx_works() {
            return true;
        }
        let status = Command::new(repo_root().join("scripts/install-buildx.sh")).status();
        let ok = status.is_ok_and(|status| status.success()) && buildx_works();
        assert!(
            ok || std::env::var_os("CI").is_none(),
            "docker buildx is missing and scripts/install-buildx.sh could not install it"
        );
        ok
    })
}

/// `docker buildx bake --print` of `files` (run in `dir`), as JSON.
pub fn print(dir: &Path, files: &[&str], targets: &[&str], env: &[(&str, &str)]) -> Value {
    let mut command = Command::new("docker");
    command.current_dir(dir).args(["buildx", "bake", "--print"]);
    for file in files {
        command.args(["-f", file]);
    }
    command.args(targets);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run docker buildx bake --print");
    assert!(
        output.status.success(),
        "docker buildx bake --print failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--print writes JSON")
}

/// Fails a test when buildx is not usable. The tests that use it are ignored (visibly) unless
/// built with `--features buildkit`; under `CI` the feature is required (see below).
#[macro_export]
macro_rules! require_buildx {
    () => {
        assert!(
            $crate::buildx::available(),
            "docker buildx is not available: scripts/install-buildx.sh"
        );
    };
}

/// Under `CI` the tests that need `BuildKit` must run: a CI job without `--features buildkit`
/// fails here instead of skipping them.
#[test]
fn ci_runs_the_buildkit_tests() {
    assert!(
        std::env::var_os("CI").is_none() || cfg!(feature = "buildkit"),
        "CI is set but the BuildKit tests are ignored: run cargo test --features buildkit"
    );
}
