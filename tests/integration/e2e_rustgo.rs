//! The `rust` and `go` templates on the real `BuildKit` stack: each fixture's `check.sh` builds
//! with this `bakeplan bake --load` and checks inside the images (workspace mode: what each
//! service's image holds, which steps re-run after a source, library or lockfile change;
//! standalone: every extension point and the `dev` stage). Like the other e2e tests: ignored
//! without `--features buildkit`, failing without a daemon with it, serialized with them.

use std::process::Command;

use crate::e2e::buildkit;

fn run_check(script: &str) {
    let _lock = buildkit();
    let output = Command::new("bash")
        .arg(script)
        .env("BAKEPLAN", env!("CARGO_BIN_EXE_bakeplan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect();
    assert!(
        output.status.success() && failed.is_empty(),
        "{script}: {failed:#?}\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn cargo_workspace_images_hold_only_their_crates_and_rebuild_only_what_changed() {
    run_check("tests/e2e/workspaces/cargo/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn go_workspace_images_hold_only_their_packages_and_rebuild_only_what_changed() {
    run_check("tests/e2e/workspaces/go/check.sh");
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn rust_template_extension_points_and_dev_stage_work_at_run_time() {
    run_check("tests/e2e/rustgo-checks/rust-ext/check.sh");
}
