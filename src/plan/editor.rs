//! Adds a `service` block to a plan as text: every comment, blank line and the layout of the
//! rest stay byte-for-byte, the plan's line endings are kept; the new block is indented like
//! its sibling services and goes after the line on which the last of them ends. Groups named
//! by `--group` get the new name after their last member, the rest of their line untouched.
//! kdl's parse only finds where (spans) and checks the result.

use std::fmt::Write as _;

use kdl::{KdlDocument, KdlNode};

use crate::plan::kdl_text::identifier as key;
pub use crate::plan::kdl_text::string as quoted;

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

/// Whether only spaces and tabs precede `offset` on its line.
fn starts_line(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
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

/// The plan text with the service added, or why it cannot be done. The block is inserted as
/// text after the line on which the last service ends (or at the end), each group's new member
/// after its last one; nothing else changes. The result is parsed again: it must hold exactly
/// one more service, the new one, and every group named must list it (an insertion that would
/// land inside a comment is refused).
pub fn add_service(text: &str, service: &NewService<'_>) -> Result<String, String> {
    if let Some(refused) = crate::plan::parse::depth::too_deep(text) {
        return Err(format!("the plan cannot be read: {}", refused.why));
    }
    let document =
        KdlDocument::parse(text).map_err(|error| format!("the plan is not valid KDL: {error}"))?;
    let is_service = |node: &&KdlNode| node.name().value() == "service";
    let services = document.nodes().iter().filter(is_service).count();
    let last_service = document.nodes().iter().rfind(is_service);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // (offset, text) insertions, applied from the last offset back.
    let mut insertions: Vec<(usize, String)> = Vec::new();
    for group in service.groups {
        let node = group_node(&document, group)
            .ok_or_else(|| format!("the plan has no group `{group}`"))?;
        let end = node
            .entries()
            .iter()
            .filter(|entry| entry.name().is_none())
            .map(|entry| entry_end(text, entry))
            .max()
            .unwrap_or_else(|| node.name().span().offset() + node.name().span().len());
        insertions.push((end, format!(" {}", quoted(service.name))));
    }
    let (indent, child_indent) = match last_service {
        Some(node) => {
            let indent = indentation_at(text, node.span().offset()).to_owned();
            // A child on a line of its own gives the indentation; else four more spaces.
            let child_indent = node
                .children()
                .and_then(|children| children.nodes().first())
                .map(|child| child.span().offset())
                .filter(|&offset| starts_line(text, offset))
                .map_or_else(
                    || format!("{indent}    "),
                    |offset| indentation_at(text, offset).to_owned(),
                );
            (indent, child_indent)
        }
        None => (String::new(), "    ".to_owned()),
    };
    let block = block(service, &indent, &child_indent).replace('\n', newline);
    // After the line on which the last service ends; a blank line before the new block, as
    // between most services.
    let at = last_service.map_or(text.len(), |node| {
        let end = (node.span().offset() + node.span().len()).min(text.len());
        if text[..end].ends_with('\n') {
            end
        } else {
            text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
        }
    });
    let leading = if at == 0 {
        String::new()
    } else if text[..at].ends_with('\n') {
        newline.to_owned()
    } else {
        format!("{newline}{newline}")
    };
    insertions.push((at, format!("{leading}{block}")));
    // The last offset first; at one offset the block (pushed last) goes after a member.
    insertions.sort_by_key(|(offset, _)| std::cmp::Reverse(*offset));
    let mut edited = text.to_owned();
    for (offset, insertion) in insertions {
        edited.insert_str(offset, &insertion);
    }
    let reparsed = KdlDocument::parse(&edited)
        .map_err(|error| format!("the edited plan would not be valid KDL: {error}"))?;
    let added = reparsed.nodes().iter().filter(is_service).count() == services + 1
        && reparsed.nodes().iter().filter(is_service).any(|node| {
            node.entries()
                .first()
                .and_then(|entry| entry.value().as_string())
                == Some(service.name)
        })
        && service.groups.iter().all(|group| {
            group_node(&reparsed, group).is_some_and(|node| {
                node.entries().iter().any(|entry| {
                    entry.name().is_none() && entry.value().as_string() == Some(service.name)
                })
            })
        });
    if !added {
        return Err(
            "the plan's layout after its last service (an open comment?) leaves no place to add one; it is left untouched"
                .to_owned(),
        );
    }
    Ok(edited)
}

/// The top-level `group "NAME" …` node.
fn group_node<'a>(document: &'a KdlDocument, group: &str) -> Option<&'a KdlNode> {
    document.nodes().iter().find(|node| {
        node.name().value() == "group"
            && node.entries().first().is_some_and(|entry| {
                entry.name().is_none() && entry.value().as_string() == Some(group)
            })
    })
}

/// Where an entry's text ends: its span, less any whitespace kdl counts in it.
fn entry_end(text: &str, entry: &kdl::KdlEntry) -> usize {
    let span = entry.span();
    let end = (span.offset() + span.len()).min(text.len());
    let start = span.offset().min(end);
    start + text[start..end].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::{NewBuild, NewService, add_service, quoted};

    fn template<'a>(name: &'a str, params: &'a [(String, String)]) -> NewBuild<'a> {
        NewBuild::Template { name, params }
    }

    fn new_b() -> NewService<'static> {
        NewService {
            name: "b",
            context: "b",
            build: NewBuild::Template {
                name: "python-pip",
                params: &[],
            },
            depends_on: &[],
            from: None,
            groups: &[],
        }
    }

    #[test]
    fn keeps_crlf_and_a_comment_after_the_last_brace() {
        let plan = "service \"a\" {\r\n    context \"a\"\r\n} // the last one\r\n";
        assert_eq!(
            add_service(plan, &new_b()).unwrap(),
            "service \"a\" {\r\n    context \"a\"\r\n} // the last one\r\n\r\nservice \"b\" {\r\n    context \"b\"\r\n    template \"python-pip\"\r\n}\r\n"
        );
        let no_newline = "service \"a\" { context \"a\"; } // end";
        assert_eq!(
            add_service(no_newline, &new_b()).unwrap(),
            "service \"a\" { context \"a\"; } // end\n\nservice \"b\" {\n    context \"b\"\n    template \"python-pip\"\n}\n"
        );
        assert_eq!(
            add_service("", &new_b()).unwrap(),
            "service \"b\" {\n    context \"b\"\n    template \"python-pip\"\n}\n"
        );
    }

    #[test]
    fn never_inserts_inside_a_comment() {
        let plan = "service \"a\" { context \"a\"; } /* open\n still */\n";
        let edited = add_service(plan, &new_b()).unwrap();
        assert!(edited.starts_with(plan), "{edited:?}");
        let plan = "service \"a\" { context \"a\"; }\n/* open\nservice \"c\" {}\n*/";
        let edited = add_service(plan, &new_b()).unwrap();
        assert!(
            edited.starts_with("service \"a\" { context \"a\"; }\n\nservice \"b\""),
            "{edited:?}"
        );
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
