//! Writes plan text: KDL v2 nodes with every string quoted and escaped, names bare where KDL
//! allows it. Shared by `import compose` and `init`.

use std::fmt::Write as _;

pub use crate::plan::kdl_text::{comment, identifier, string};

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
        let _ = writeln!(out, "// {}", comment(line));
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
        let _ = writeln!(out, "{indent}// {}", comment(line));
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
