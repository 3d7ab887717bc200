//! Adds a `service` block to a plan through kdl's formatting-preserving document: every
//! comment, blank line and the layout of the rest stay byte-for-byte; the new node is indented
//! like its sibling services and goes after the last of them.

use std::fmt::Write as _;

use kdl::{KdlDocument, KdlNode};

pub struct NewService<'a> {
    pub name: &'a str,
    pub context: &'a str,
    pub template: &'a str,
    pub depends_on: &'a [String],
    pub from: Option<&'a str>,
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
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

/// The plan text with the service added, or why it cannot be done. The block is inserted as
/// text after the line on which the last service ends (or at the end), in the plan's line
/// endings; nothing else changes. The result is parsed again: it must hold exactly one more
/// service, the new one (an insertion that would land inside a comment is refused).
pub fn add_service(text: &str, service: &NewService<'_>) -> Result<String, String> {
    if let Some((_, what)) = crate::plan::parse::depth::too_deep(text) {
        return Err(format!("the plan's {what} are nested too deeply"));
    }
    let document =
        KdlDocument::parse(text).map_err(|error| format!("the plan is not valid KDL: {error}"))?;
    let is_service = |node: &&KdlNode| node.name().value() == "service";
    let services = document.nodes().iter().filter(is_service).count();
    let last_service = document.nodes().iter().rfind(is_service);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
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
    let mut block = format!("{indent}service {} {{{newline}", quoted(service.name));
    let _ = write!(
        block,
        "{child_indent}context {}{newline}",
        quoted(service.context)
    );
    let _ = write!(
        block,
        "{child_indent}template {}{newline}",
        quoted(service.template)
    );
    if !service.depends_on.is_empty() {
        let names: Vec<String> = service.depends_on.iter().map(|name| quoted(name)).collect();
        let _ = write!(
            block,
            "{child_indent}depends-on {}{newline}",
            names.join(" ")
        );
    }
    if let Some(from) = service.from {
        let _ = write!(block, "{child_indent}from {}{newline}", quoted(from));
    }
    let _ = write!(block, "{indent}}}{newline}");
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
    let edited = format!("{}{leading}{block}{}", &text[..at], &text[at..]);
    let reparsed = KdlDocument::parse(&edited)
        .map_err(|error| format!("the edited plan would not be valid KDL: {error}"))?;
    let added = reparsed.nodes().iter().filter(is_service).count() == services + 1
        && reparsed.nodes().iter().filter(is_service).any(|node| {
            node.entries()
                .first()
                .and_then(|entry| entry.value().as_string())
                == Some(service.name)
        });
    if !added {
        return Err(
            "the plan's layout after its last service (an open comment?) leaves no place to add one; it is left untouched"
                .to_owned(),
        );
    }
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::{NewService, add_service};

    fn new_b() -> NewService<'static> {
        NewService {
            name: "b",
            context: "b",
            template: "python-pip",
            depends_on: &[],
            from: None,
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
                template: "python-pip",
                depends_on: &["a".to_owned()],
                from: None,
            },
        )
        .unwrap();
        assert_eq!(
            edited,
            "// top\nversion 1\n\nservice \"a\" {\n  context \"a\" // why\n}\n\nservice \"b\" {\n  context \"b\"\n  template \"python-pip\"\n  depends-on \"a\"\n}\n\n// groups\ngroup \"g\" \"a\"\n"
        );
    }
}
