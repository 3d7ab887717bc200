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

#[cfg(test)]
mod tests {
    use super::normalize;

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
}
