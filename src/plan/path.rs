//! Paths written in a plan: relative to the plan folder, and never leaving it.

use crate::plan::error::PlanError;
use crate::plan::raw::Text;

/// Lexically normalizes `path` (relative to the plan folder) to `a/b` form, `.` for the folder
/// itself; `None` when it is absolute or climbs out of the folder.
pub fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":") {
        return None;
    }
    resolve_dots(path)
}

/// `path` with empty and `.` parts dropped and each `..` taking away the part before it, in
/// `a/b` form (`.` when nothing is left); `None` when a `..` climbs above the start. Purely
/// lexical: a leading `/` is dropped like any empty part.
pub fn resolve_dots(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// Joins two normalized relative paths.
pub fn join(base: &str, rest: &str) -> String {
    if base == "." {
        rest.to_owned()
    } else if rest == "." {
        base.to_owned()
    } else {
        format!("{base}/{rest}")
    }
}

/// `normalize`, as a plan error pointing at the value; `plan_file` (the plan's file name) is
/// named in the hint.
pub fn plan_path(text: &Text, what: &str, plan_file: &str) -> Result<String, PlanError> {
    if text.value.is_empty() {
        return Err(
            PlanError::new("bakeplan::bad-path", format!("the {what} path is empty"))
                .label(text.span, "empty path")
                .help("write `.` for the plan's own folder"),
        );
    }
    if text.value.chars().any(char::is_control) {
        return Err(PlanError::new(
            "bakeplan::bad-path",
            format!("the {what} path holds a control character"),
        )
        .label(text.span, "control character in a path"));
    }
    normalize(&text.value).ok_or_else(|| {
        PlanError::new(
            "bakeplan::path-escapes",
            format!("the {what} path `{}` leaves the plan's folder", text.value),
        )
        .label(text.span, "outside the plan folder")
        .help(format!(
            "paths are relative to the folder holding {plan_file} and must stay inside it"
        ))
    })
}

/// An `oci-layout://` context without its scheme, `PATH[:TAG][@DIGEST]`: the folder, and what
/// follows it (`:TAG`, `@DIGEST`, both or nothing).
pub fn split_oci_layout(layout: &str) -> (&str, &str) {
    let before_digest = layout.split('@').next().unwrap_or_default();
    let folder = match before_digest.rsplit_once(':') {
        Some((folder, tag)) if !tag.contains('/') => folder,
        _ => before_digest,
    };
    layout.split_at(folder.len())
}

/// What makes a member's folder unfit to be written, unquoted, into Dockerfile instructions and
/// shell commands (`COPY services/api ...`, `pip install services/api`), if anything: a
/// character other than ASCII letters, digits and `._-+@`, or a folder name starting with `-`
/// (an option to the commands that get it).
pub fn unfit_for_dockerfile(path: &str) -> Option<String> {
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@' | '/')))
    {
        return Some(format!("the character {c:?}"));
    }
    path.split('/')
        .find(|part| part.starts_with('-'))
        .map(|part| format!("the folder name `{part}`, which starts with `-`"))
}

#[cfg(test)]
mod tests {
    use super::{normalize, split_oci_layout, unfit_for_dockerfile};

    #[test]
    fn an_oci_layout_splits_into_its_folder_and_its_tag_and_digest() {
        assert_eq!(split_oci_layout("a/b"), ("a/b", ""));
        assert_eq!(split_oci_layout("a/b:v1"), ("a/b", ":v1"));
        assert_eq!(split_oci_layout("a:b/c"), ("a:b/c", ""));
        assert_eq!(split_oci_layout("a/b@sha256:00"), ("a/b", "@sha256:00"));
        assert_eq!(
            split_oci_layout("a/b:v1@sha256:00"),
            ("a/b", ":v1@sha256:00")
        );
    }

    #[test]
    fn normalizes_inside_paths_and_refuses_escapes() {
        assert_eq!(normalize("./a/b/").as_deref(), Some("a/b"));
        assert_eq!(normalize("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize(".").as_deref(), Some("."));
        assert_eq!(normalize("a/.."), Some(".".to_owned()));
        assert_eq!(normalize("../a"), None);
        assert_eq!(normalize("a/../../b"), None);
        assert_eq!(normalize("/etc"), None);
    }

    #[test]
    fn member_paths_fit_for_dockerfile_steps() {
        for fine in [
            "services/api",
            "libs/common_core",
            "a.b/c-d/e+f@2",
            ".",
            "x/.hidden",
        ] {
            assert_eq!(unfit_for_dockerfile(fine), None, "{fine}");
        }
        for (bad, why) in [
            ("services/a b", "the character ' '"),
            ("services/$(id)", "the character '$'"),
            ("a;b", "the character ';'"),
            ("a\\b", "the character '\\\\'"),
            ("services/é", "the character 'é'"),
            (
                "services/-rf",
                "the folder name `-rf`, which starts with `-`",
            ),
        ] {
            assert_eq!(unfit_for_dockerfile(bad).as_deref(), Some(why), "{bad}");
        }
    }
}
