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

/// The plan text with the service added, or why it cannot be done.
pub fn add_service(text: &str, service: &NewService<'_>) -> Result<String, String> {
    if let Some((_, what)) = crate::plan::parse::depth::too_deep(text) {
        return Err(format!("the plan's {what} are nested too deeply"));
    }
    let mut document =
        KdlDocument::parse(text).map_err(|error| format!("the plan is not valid KDL: {error}"))?;
    if document.to_string() != text {
        return Err(
            "kdl cannot reproduce this plan byte-for-byte, so it is left untouched".to_owned(),
        );
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
    let mut block = format!("{indent}service {} {{\n", quoted(service.name));
    let _ = writeln!(block, "{child_indent}context {}", quoted(service.context));
    let _ = writeln!(block, "{child_indent}template {}", quoted(service.template));
    if !service.depends_on.is_empty() {
        let names: Vec<String> = service.depends_on.iter().map(|name| quoted(name)).collect();
        let _ = writeln!(block, "{child_indent}depends-on {}", names.join(" "));
    }
    if let Some(from) = service.from {
        let _ = writeln!(block, "{child_indent}from {}", quoted(from));
    }
    let _ = writeln!(block, "{indent}}}");
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
    use super::{NewService, add_service};

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
