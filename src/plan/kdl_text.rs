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
    use super::{identifier, string};

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
