//! git, as `affected --since` runs it.

use std::collections::BTreeSet;

use crate::plan::source::PlanSource;

/// Files changed since `since` as git sees them from the plan folder: committed since the
/// merge base with HEAD, uncommitted, staged and untracked; relative to the plan folder.
pub fn git_changes(source: &PlanSource, since: &str) -> Result<Vec<String>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(source.dir.as_str())
            .args(args)
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    let base = git(&["merge-base", since, "HEAD"])?;
    let base = base.trim();
    let mut files: BTreeSet<String> = git(&["diff", "--name-only", "--relative", base])?
        .lines()
        .map(str::to_owned)
        .collect();
    files.extend(
        git(&["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(str::to_owned),
    );
    Ok(files.into_iter().collect())
}
