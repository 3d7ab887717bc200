//! git, as `affected --since` runs it, and the lists of changed files `affected --files` reads.

use std::collections::BTreeSet;

use crate::plan::source::PlanSource;

/// Runs git in the plan folder; its standard output, or why it failed (git's own message, or
/// its exit status when it printed none).
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
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            if stderr.is_empty() {
                format!(
                    "exit status {}, no message",
                    output.status.code().unwrap_or(-1)
                )
            } else {
                stderr
            }
        ))
    }
}

/// The merge base of `since` and HEAD: what `affected --since` compares with. A shallow clone,
/// a `since` that is no commit and unrelated histories each get their own explanation.
pub fn merge_base(source: &PlanSource, since: &str) -> Result<String, String> {
    let git = |args: &[&str]| git(source, args);
    let base = git(&["merge-base", since, "HEAD"]).map_err(|error| {
        let shallow = git(&["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|answer| answer.trim() == "true");
        if shallow {
            format!(
                "{error}\nthis is a shallow clone: git cannot find where `{since}` and HEAD meet; \
                 fetch the history (`git fetch --unshallow`, or `fetch-depth: 0` in \
                 actions/checkout) so that `affected` does not skip services"
            )
        } else if git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{since}^{{commit}}"),
        ])
        .is_err()
        {
            format!("{error}\n`{since}` is not a commit in this repository")
        } else {
            format!("{error}\n`{since}` and HEAD have no common ancestor")
        }
    })?;
    Ok(base.trim().to_owned())
}

/// The plan file's text at commit `base`, or why there is none.
pub fn plan_at(source: &PlanSource, base: &str) -> Result<String, String> {
    git(source, &["show", &format!("{base}:./{}", source.file_name)])
}

/// Files changed since `base` (a commit) as git sees them from the plan folder: committed since
/// it, uncommitted, staged and untracked; relative to the plan folder. NUL-separated output
/// (no quoting), renames as a deletion plus an addition (so the service a file left is
/// affected too).
pub fn git_changes(source: &PlanSource, base: &str) -> Result<Vec<String>, String> {
    let git = |args: &[&str]| git(source, args);
    let mut files: BTreeSet<String> = split_nul(&git(&[
        "diff",
        "-z",
        "--name-only",
        "--no-renames",
        "--relative",
        base,
    ])?);
    files.extend(split_nul(&git(&[
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
    ])?));
    Ok(files.into_iter().collect())
}

fn split_nul(text: &str) -> BTreeSet<String> {
    text.split('\0')
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The names in a list of changed files: NUL-separated when it holds a NUL (`git diff -z`),
/// else one per line (a trailing CR dropped); a name git quoted (`"caf\303\251.txt"`) is
/// unquoted.
pub fn parse_file_list(text: &str) -> Vec<String> {
    if text.contains('\0') {
        return text
            .split('\0')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
    }
    text.lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.trim().is_empty())
        .map(|line| unquote(line).unwrap_or_else(|| line.to_owned()))
        .collect()
}

/// git's C-style quoting of a path (`core.quotePath`), or `None` when `line` is not quoted.
pub fn unquote(line: &str) -> Option<String> {
    let inner = line.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let escaped = *bytes.get(i + 1)?;
        i += 2;
        out.push(match escaped {
            b'a' => 7,
            b'b' => 8,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 11,
            b'f' => 12,
            b'r' => b'\r',
            b'"' => b'"',
            b'\\' => b'\\',
            b'0'..=b'3' => {
                let digits = bytes.get(i..i + 2)?;
                if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                    return None;
                }
                i += 2;
                (escaped - b'0') * 64 + (digits[0] - b'0') * 8 + (digits[1] - b'0')
            }
            _ => return None,
        });
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::{parse_file_list, unquote};

    #[test]
    fn unquotes_what_git_quotes() {
        assert_eq!(unquote(r#""caf\303\251.txt""#).as_deref(), Some("café.txt"));
        assert_eq!(
            unquote(r#""a\tb\"c\\d\ne""#).as_deref(),
            Some("a\tb\"c\\d\ne")
        );
        assert_eq!(unquote("plain.txt"), None);
        assert_eq!(unquote(r#""bad\9""#), None);
        assert_eq!(
            parse_file_list("a.txt\r\n\"b\\tc\"\n\n"),
            vec!["a.txt".to_owned(), "b\tc".to_owned()]
        );
        assert_eq!(
            parse_file_list("a\nb\0c d\0"),
            vec!["a\nb".to_owned(), "c d".to_owned()]
        );
    }
}
