//! Adds a `service` block to a plan through kdl's formatting-preserving document: every
//! comment, blank line and the layout of the rest stay byte-for-byte; the new node is indented
//! like its sibling services and goes after the last of them. Groups named by `--group` get the
//! new name as their last member, the rest of their line untouched.

use std::fmt::Write as _;

use kdl::{KdlDocument, KdlNode};

/// How the new service is built.
pub enum NewBuild<'a> {
    /// `template "NAME" key="value"…`, the parameters in the order given.
    Template {
        name: &'a str,
        params: &'a [(String, String)],
    },
    /// `dockerfile "PATH"`: a hand-written Dockerfile.
    Dockerfile(&'a str),
}

pub struct NewService<'a> {
    pub name: &'a str,
    pub context: &'a str,
    pub build: NewBuild<'a>,
    pub depends_on: &'a [String],
    pub from: Option<&'a str>,
    /// Existing groups the service joins.
    pub groups: &'a [String],
}

/// A KDL v2 quoted string: `"`, `\` and control characters escaped.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A property key: bare when KDL allows it, else quoted.
fn key(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !matches!(name, "true" | "false" | "null" | "inf" | "nan");
    if bare { name.to_owned() } else { quoted(name) }
}

/// The indentation of the line on which `offset` sits, up to `offset`.
fn indentation_at(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    if prefix.chars().all(|c| c == ' ' || c == '\t') {
        prefix
    } else {
        ""
    }
}

/// The service block's text, each line indented.
fn block(service: &NewService<'_>, indent: &str, child_indent: &str) -> String {
    let mut block = format!("{indent}service {} {{\n", quoted(service.name));
    let _ = writeln!(block, "{child_indent}context {}", quoted(service.context));
    match &service.build {
        NewBuild::Template { name, params } => {
            let mut line = format!("{child_indent}template {}", quoted(name));
            for (name, value) in *params {
                let _ = write!(line, " {}={}", key(name), quoted(value));
            }
            let _ = writeln!(block, "{line}");
        }
        NewBuild::Dockerfile(path) => {
            let _ = writeln!(block, "{child_indent}dockerfile {}", quoted(path));
        }
    }
    if !service.depends_on.is_empty() {
        let names: Vec<String> = service.depends_on.iter().map(|name| quoted(name)).collect();
        let _ = writeln!(block, "{child_indent}depends-on {}", names.join(" "));
    }
    if let Some(from) = service.from {
        let _ = writeln!(block, "{child_indent}from {}", quoted(from));
    }
    let _ = writeln!(block, "{indent}}}");
    block
}

/// The plan text with the service added, or why it cannot be done.
pub fn add_service(text: &str, service: &NewService<'_>) -> Result<String, String> {
    let mut document =
        KdlDocument::parse(text).map_err(|error| format!("the plan is not valid KDL: {error}"))?;
    if document.to_string() != text {
        return Err(
            "kdl cannot reproduce this plan byte-for-byte, so it is left untouched".to_owned(),
        );
    }
    for group in service.groups {
        let node = document
            .nodes_mut()
            .iter_mut()
            .find(|node| {
                node.name().value() == "group"
                    && node.entries().first().is_some_and(|entry| {
                        entry.name().is_none() && entry.value().as_string() == Some(group)
                    })
            })
            .ok_or_else(|| format!("the plan has no group `{group}`"))?;
        // An entry parsed from text keeps its leading space: `group "g" "a"` + ` "new"`.
        let member =
            KdlDocument::parse(&format!("group {} {}", quoted(group), quoted(service.name)))
                .map_err(|error| format!("cannot build the group member: {error}"))?
                .nodes()[0]
                .entries()[1]
                .clone();
        // After the last argument (properties are not allowed on a group, but keep any order).
        let at = node
            .entries()
            .iter()
            .rposition(|entry| entry.name().is_none())
            .map_or(node.entries().len(), |i| i + 1);
        node.entries_mut().insert(at, member);
    }
    let last_service = document
        .nodes()
        .iter()
        .rposition(|node| node.name().value() == "service");
    let (indent, child_indent) = match last_service.map(|i| &document.nodes()[i]) {
        Some(node) => {
            let indent = indentation_at(text, node.span().offset()).to_owned();
            let child_indent = node
                .children()
                .and_then(|children| children.nodes().first())
                .map_or_else(
                    || format!("{indent}    "),
                    |child| indentation_at(text, child.span().offset()).to_owned(),
                );
            (indent, child_indent)
        }
        None => (String::new(), "    ".to_owned()),
    };
    let block = block(service, &indent, &child_indent);
    // A blank line before the new block, as between most services; a newline first when the
    // plan does not end with one.
    let needs_newline = last_service.is_none() && !text.is_empty() && !text.ends_with('\n');
    let leading = if needs_newline { "\n\n" } else { "\n" };
    let snippet = format!("{leading}{block}");
    let mut parsed = KdlDocument::parse(&snippet)
        .map_err(|error| format!("cannot build the new node: {error}"))?;
    let node: KdlNode = parsed.nodes_mut().remove(0);
    let at = last_service.map_or(document.nodes().len(), |i| i + 1);
    document.nodes_mut().insert(at, node);
    let edited = document.to_string();
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::{NewBuild, NewService, add_service, quoted};

    fn template<'a>(name: &'a str, params: &'a [(String, String)]) -> NewBuild<'a> {
        NewBuild::Template { name, params }
    }

    #[test]
    fn inserts_after_the_last_service_keeping_everything_else() {
        let plan = "// top\nversion 1\n\nservice \"a\" {\n  context \"a\" // why\n}\n\n// groups\ngroup \"g\" \"a\"\n";
        let edited = add_service(
            plan,
            &NewService {
                name: "b",
                context: "b",
                build: template("python-pip", &[]),
                depends_on: &["a".to_owned()],
                from: None,
                groups: &[],
            },
        )
        .unwrap();
        assert_eq!(
            edited,
            "// top\nversion 1\n\nservice \"a\" {\n  context \"a\" // why\n}\n\nservice \"b\" {\n  context \"b\"\n  template \"python-pip\"\n  depends-on \"a\"\n}\n\n// groups\ngroup \"g\" \"a\"\n"
        );
    }

    #[test]
    fn parameters_dockerfiles_and_groups() {
        let plan = "service \"a\" {\n    context \"a\"\n}\ngroup \"g\" \"a\" // the front\ngroup \"h\" \"a\" \\\n    \"a2\"\n";
        let params = [
            ("python".to_owned(), "3.12".to_owned()),
            ("base-image".to_owned(), "x\"y".to_owned()),
            ("1st".to_owned(), "a\\b".to_owned()),
        ];
        let edited = add_service(
            plan,
            &NewService {
                name: "b",
                context: "b",
                build: template("python-pip", &params),
                depends_on: &[],
                from: None,
                groups: &["g".to_owned(), "h".to_owned()],
            },
        )
        .unwrap();
        assert_eq!(
            edited,
            "service \"a\" {\n    context \"a\"\n}\n\nservice \"b\" {\n    context \"b\"\n    template \"python-pip\" python=\"3.12\" base-image=\"x\\\"y\" \"1st\"=\"a\\\\b\"\n}\ngroup \"g\" \"a\" \"b\" // the front\ngroup \"h\" \"a\" \\\n    \"a2\" \"b\"\n"
        );
        let edited = add_service(
            plan,
            &NewService {
                name: "w",
                context: "w",
                build: NewBuild::Dockerfile("w/Dockerfile"),
                depends_on: &[],
                from: None,
                groups: &[],
            },
        )
        .unwrap();
        assert!(
            edited.contains(
                "service \"w\" {\n    context \"w\"\n    dockerfile \"w/Dockerfile\"\n}\n"
            ),
            "{edited}"
        );
        let error = add_service(
            plan,
            &NewService {
                name: "w",
                context: "w",
                build: NewBuild::Dockerfile("w/Dockerfile"),
                depends_on: &[],
                from: None,
                groups: &["nope".to_owned()],
            },
        );
        assert_eq!(error.unwrap_err(), "the plan has no group `nope`");
    }

    #[test]
    fn quoting_is_kdl() {
        assert_eq!(quoted("a\u{1}b\tc"), "\"a\\u{1}b\\tc\"");
        let text = format!("n {}", quoted("a\u{1}b\"\\\n"));
        let document = kdl::KdlDocument::parse(&text).unwrap();
        assert_eq!(
            document.nodes()[0].entries()[0].value().as_string(),
            Some("a\u{1}b\"\\\n")
        );
    }
}
