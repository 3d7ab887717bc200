//! git, as `affected --since` runs it.

use std::collections::BTreeSet;

use crate::plan::source::PlanSource;

/// Runs git in the plan folder; its standard output, or why it failed.
fn git(source: &PlanSource, args: &[&str]) -> Result<String, String> {
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
}

/// The merge base of `since` and HEAD: what `affected --since` compares with.
pub fn merge_base(source: &PlanSource, since: &str) -> Result<String, String> {
    Ok(git(source, &["merge-base", since, "HEAD"])?
        .trim()
        .to_owned())
}

/// The plan file's text at commit `base`, or why there is none.
pub fn plan_at(source: &PlanSource, base: &str) -> Result<String, String> {
    git(source, &["show", &format!("{base}:./{}", source.file_name)])
}

/// Files changed since `base` (a commit) as git sees them from the plan folder: committed since
/// it, uncommitted, staged and untracked; relative to the plan folder.
pub fn git_changes(source: &PlanSource, base: &str) -> Result<Vec<String>, String> {
    let git = |args: &[&str]| git(source, args);
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
