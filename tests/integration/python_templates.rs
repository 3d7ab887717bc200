//! The Python templates on the real `BuildKit`: each test runs a fixture's check script
//! (`tests/e2e/workspaces/{pdm,uv}/check.sh`, `tests/e2e/python-checks/check.sh`) with this
//! build's `bakeplan`; the script builds with `bakeplan bake --load`, checks inside the images
//! and the rebuild behaviour, and prints PASS/FAIL lines (shown when the test fails).

use std::process::Command;

use crate::e2e::buildkit;
use crate::support::repo_root;

fn check_script(script: &str) {
    let _lock = buildkit();
    let output = Command::new("bash")
        .arg(repo_root().join(script))
        .env("BAKEPLAN", env!("CARGO_BIN_EXE_bakeplan"))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && !stdout.contains("FAIL "),
        "{script} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("PASS "), "{script} checked nothing:\n{stdout}");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn python_pdm_workspace_images_hold_their_closure_and_rebuild_only_what_changed() {
    check_script("tests/e2e/workspaces/pdm/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn python_uv_workspace_images_hold_their_closure_and_rebuild_only_what_changed() {
    check_script("tests/e2e/workspaces/uv/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn python_templates_honour_the_extension_points_and_build_a_dev_stage() {
    check_script("tests/e2e/python-checks/check.sh");
}
