//! Writes plan text: KDL v2 nodes with every string quoted and escaped, names bare where KDL
//! allows it. Shared by `import compose` and `init`.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Str(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Str(text)
    }
}

/// One KDL node: `name "arg"... key=value... { children }`, with comment lines above it.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub comments: Vec<String>,
    pub name: String,
    pub args: Vec<Value>,
    pub props: Vec<(String, Value)>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    pub fn arg(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn args<I, V>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.args.extend(values.into_iter().map(Into::into));
        self
    }

    pub fn prop(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.props.push((key.to_owned(), value.into()));
        self
    }

    pub fn child(mut self, node: Node) -> Self {
        self.children.push(node);
        self
    }

    pub fn comment(mut self, line: impl Into<String>) -> Self {
        self.comments.push(line.into());
        self
    }

    /// `NAME { KEY "value"; ... }` from pairs.
    pub fn map<'a>(name: &str, pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        let mut node = Self::new(name);
        for (key, value) in pairs {
            node.children.push(Self::new(key).arg(value.as_str()));
        }
        node
    }
}

/// The text of a document: top-level nodes, a blank line before each block node.
pub fn document(header: &[String], nodes: &[Node]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "// {line}");
    }
    let mut previous_block = false;
    for (index, node) in nodes.iter().enumerate() {
        let block = !node.children.is_empty() || !node.comments.is_empty();
        if index > 0 && (block || previous_block) || index == 0 && !header.is_empty() {
            out.push('\n');
        }
        write_node(&mut out, node, 0);
        previous_block = block;
    }
    out
}

fn write_node(out: &mut String, node: &Node, depth: usize) {
    let indent = "    ".repeat(depth);
    for line in &node.comments {
        let _ = writeln!(out, "{indent}// {line}");
    }
    out.push_str(&indent);
    out.push_str(&identifier(&node.name));
    for value in &node.args {
        out.push(' ');
        out.push_str(&value_text(value));
    }
    for (key, value) in &node.props {
        let _ = write!(out, " {}={}", identifier(key), value_text(value));
    }
    if node.children.is_empty() {
        out.push('\n');
        return;
    }
    out.push_str(" {\n");
    for child in &node.children {
        write_node(out, child, depth + 1);
    }
    let _ = writeln!(out, "{indent}}}");
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Str(text) => string(text),
        Value::Int(number) => number.to_string(),
        Value::Bool(true) => "#true".to_owned(),
        Value::Bool(false) => "#false".to_owned(),
    }
}

/// A name as a bare identifier when KDL v2 allows one, else as a quoted string.
pub fn identifier(name: &str) -> String {
    let mut chars = name.chars();
    let bare = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(name, "true" | "false" | "null" | "inf" | "nan");
    if bare { name.to_owned() } else { string(name) }
}

/// A KDL v2 quoted string: quotes, backslashes, control characters and the code points KDL
/// forbids in a document (bidi controls, BOM) escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{85}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_the_kdl_parser() {
        for text in [
            "plain",
            "quote \" and \\ backslash",
            "line\nbreak\ttab\r",
            "bidi \u{202E} bom \u{FEFF} nul \u{0} del \u{7f}",
            "${VAR} $${x} %{y} #",
            "",
        ] {
            let doc = format!("node {}\n", string(text));
            let parsed: kdl::KdlDocument = doc.parse().expect("valid KDL");
            let value = parsed.nodes()[0].entries()[0]
                .value()
                .as_string()
                .expect("string");
            assert_eq!(value, text);
        }
    }

    #[test]
    fn names_are_bare_only_when_kdl_allows_it() {
        assert_eq!(identifier("APP_VERSION"), "APP_VERSION");
        assert_eq!(
            identifier("org.opencontainers.image.title"),
            "org.opencontainers.image.title"
        );
        assert_eq!(identifier("1abc"), "\"1abc\"");
        assert_eq!(identifier("true"), "\"true\"");
        assert_eq!(identifier("app-base:1"), "\"app-base:1\"");
        for name in ["1abc", "true", "a b", "x=y", "app/base:1"] {
            let doc = format!("{} 1\n", identifier(name));
            let parsed: kdl::KdlDocument = doc.parse().expect("valid KDL");
            assert_eq!(parsed.nodes()[0].name().value(), name);
        }
    }
}
