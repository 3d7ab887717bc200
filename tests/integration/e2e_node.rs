//! End-to-end checks of the `node` and `static` templates on a real `BuildKit`: each fixture's
//! check script builds with this `bakeplan` (`bake --load --progress plain`) and inspects the
//! images and the build logs (see the scripts; they print one PASS/FAIL line per check).

use std::process::Command;

use crate::e2e::buildkit;
use crate::support::repo_root;

/// Runs a check script with `BAKEPLAN` set to the binary under test; fails with its output.
fn run_check(script: &str) {
    let _lock = buildkit();
    let root = repo_root();
    let output = Command::new("bash")
        .arg(root.join(script))
        .current_dir(&root)
        .env("BAKEPLAN", env!("CARGO_BIN_EXE_bakeplan"))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("ALL PASS"),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn an_npm_workspace_builds_one_slim_image_per_service() {
    run_check("tests/e2e/workspaces/npm/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_pnpm_workspace_builds_one_slim_image_per_service() {
    run_check("tests/e2e/workspaces/pnpm/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn node_and_static_honour_every_extension_point() {
    run_check("tests/e2e/node-checks/check.sh");
}
