//! Conformance through the real buildx: for every shipped plan and every fixture, the HCL and
//! the JSON bake files read the same under `docker buildx bake --print`, for the main file and
//! each profile overlay, and equal the reviewed resolved JSON (an insta snapshot).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::buildx;
use crate::require_buildx;
use crate::support::{Test, repo_root};

/// Every plan folder: `plans/*`, `tests/fixtures/*` and `tests/e2e/*`.
pub fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for parent in ["plans", "tests/fixtures", "tests/e2e"] {
        let mut entries: Vec<_> = std::fs::read_dir(repo_root().join(parent))
            .expect("read plan folders")
            .filter_map(Result::ok)
            .filter(|entry| entry.path().join("bakeplan.kdl").is_file())
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            cases.push((name, PathBuf::from(parent).join(entry.file_name())));
        }
    }
    cases
}

/// The plan rewritten to emit its bake file with extension `ext`; returns it and the bake path.
fn with_bake_extension(plan: &str, ext: &str) -> (String, String) {
    let mut bake_path = format!("docker-bake.{ext}");
    let mut found = false;
    let lines: Vec<String> = plan
        .lines()
        .map(|line| {
            if !line.trim_start().starts_with("emit ") {
                return line.to_owned();
            }
            found = true;
            let Some(start) = line.find("bake=\"") else {
                return format!("{line} bake=\"docker-bake.{ext}\"");
            };
            let rest = &line[start + 6..];
            let end = rest.find('"').expect("closing quote");
            let old = &rest[..end];
            let stem = old.rsplit_once('.').map_or(old, |(stem, _)| stem);
            bake_path = format!("{stem}.{ext}");
            format!("{}bake=\"{bake_path}\"{}", &line[..start], &rest[end + 1..])
        })
        .collect();
    let mut text = lines.join("\n");
    text.push('\n');
    if !found {
        let _ = writeln!(text, "emit bake=\"{bake_path}\"");
    }
    (text, bake_path)
}

/// Compiles the folder with the given bake extension; returns the test and the bake files
/// (main first, then overlays by profile name).
fn compile_as(folder: &Path, ext: &str) -> (Test, Vec<(String, String)>) {
    let test = Test::from_folder(folder);
    let plan = test.read("bakeplan.kdl");
    let (plan, bake_path) = with_bake_extension(&plan, ext);
    let (test, run) = test.plan(&plan).compile();
    run.assert_status(0);
    let stem = bake_path
        .rsplit_once('.')
        .map_or(bake_path.as_str(), |(stem, _)| stem)
        .to_owned();
    let mut files = vec![("main".to_owned(), bake_path.clone())];
    for path in test.files().keys() {
        if let Some(profile) = path
            .strip_prefix(&format!("{stem}."))
            .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
        {
            files.push((profile.to_owned(), path.clone()));
        }
    }
    (test, files)
}

fn print_all(test: &Test, files: &[(String, String)]) -> Vec<(String, Value)> {
    let main = &files[0].1;
    files
        .iter()
        .map(|(name, path)| {
            let value = if path == main {
                buildx::print(test.path(), &[main], &[], &[])
            } else {
                buildx::print(test.path(), &[main, path], &[], &[])
            };
            (name.clone(), value)
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn buildx_reads_the_hcl_and_json_bake_files_alike_and_as_reviewed() {
    require_buildx!();
    for (name, folder) in cases() {
        let (hcl_test, hcl_files) = compile_as(&folder, "hcl");
        let (json_test, json_files) = compile_as(&folder, "json");
        assert_eq!(
            hcl_files
                .iter()
                .map(|(profile, _)| profile)
                .collect::<Vec<_>>(),
            json_files
                .iter()
                .map(|(profile, _)| profile)
                .collect::<Vec<_>>(),
            "{name}: the same overlays in both formats"
        );
        let hcl = print_all(&hcl_test, &hcl_files);
        let json = print_all(&json_test, &json_files);
        assert_eq!(
            hcl, json,
            "{name}: buildx reads the HCL and JSON bake files differently"
        );
        let mut text = String::new();
        for (profile, value) in &hcl {
            let _ = writeln!(
                text,
                "=== {profile}\n{}",
                serde_json::to_string_pretty(value).expect("json")
            );
        }
        insta::assert_snapshot!(format!("print-{name}"), text);
    }
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_variable_is_overridden_from_the_environment() {
    require_buildx!();
    let test = Test::from_folder(Path::new("plans/huleedu"));
    let (test, run) = test.compile();
    run.assert_status(0);
    let printed = buildx::print(
        test.path(),
        &["docker-bake.hcl"],
        &["content_service"],
        &[("TAG", "abc123"), ("REGISTRY", "localhost:5000/hule")],
    );
    let target = &printed["target"]["content_service"];
    assert_eq!(
        target["tags"],
        serde_json::json!(["localhost:5000/hule/content_service:abc123"])
    );
    assert_eq!(
        target["cache-from"][0]["ref"],
        "localhost:5000/hule/cache:content_service"
    );
}

#[test]
fn generated_files_match_their_snapshots() {
    for (name, folder) in cases() {
        let (test, run) = Test::from_folder(&folder).compile();
        run.assert_status(0);
        insta::assert_snapshot!(format!("files-{name}"), test.generated());
    }
}

#[test]
fn shipped_plans_are_in_sync_with_their_committed_output() {
    for (name, folder) in cases()
        .into_iter()
        .filter(|(_, folder)| folder.starts_with("plans"))
    {
        let test = Test::from_folder(&folder).args(&["compile", "--check"]);
        let run = test.run();
        assert_eq!(
            run.status,
            0,
            "{name}: committed output is stale; run `bakeplan compile {}/bakeplan.kdl`\n{}",
            folder.display(),
            run.stdout
        );
    }
}
