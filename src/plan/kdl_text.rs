//! Plan text for KDL v2 values: a string quoted and escaped, a name bare where KDL allows it.
//! Every writer of plan text uses these (`bakeplan new`'s editor, `import compose`, `init`).

use std::fmt::Write as _;

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
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether KDL v2 forbids `c` raw (a control character, newlines included, a bidi control, a
/// BOM, a line separator): a string holds it as `\u{…}`, and so does a comment.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// The text of a `// ` comment line: every character that would end the line or that KDL
/// forbids written `\u{…}`, so repository text in a comment stays one comment.
pub fn comment(text: &str) -> String {
    escape_chars(text, needs_escape)
}

/// `text` with every character `escape` picks written `\u{…}`.
pub fn escape_chars(text: &str, escape: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{comment, identifier, string};

    #[test]
    fn a_comment_stays_one_comment_line() {
        let text = "a\nnode \"evil\"\r\u{85}\u{2028}b \u{1b}[31m \u{202E}";
        let doc = format!("// {}\nnode 1\n", comment(text));
        let parsed: kdl::KdlDocument = doc.parse().expect("valid KDL");
        assert_eq!(parsed.nodes().len(), 1);
        assert_eq!(doc.lines().count(), 2);
    }

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
