//! A bound on nesting, checked before any text reaches the kdl parser (which recurses once
//! per level of children and of nested block comments, and overflows the stack on a few
//! thousand): braces and nested `/* */` comments deeper than `MAX_DEPTH` are refused. Strings
//! and comments are skipped as the splitter skips them. An unterminated string or comment is
//! not skipped: the scan goes on after its opening (kdl recovers from such errors and parses
//! on, so the braces after it count).

use super::splitter::{
    block_comment_depth, multiline_string_end, quoted_string_end, raw_string_end, raw_string_hashes,
};

/// Deeper than any real plan (a plan nests three levels: `service { args { … } }`).
pub const MAX_DEPTH: usize = 64;

/// The byte offset where nesting first goes past `MAX_DEPTH`, and what nests.
pub fn too_deep(text: &str) -> Option<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((i, "children blocks"));
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |at| i + at);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                match block_comment_depth(bytes, i, MAX_DEPTH) {
                    Ok(end) => i = end,
                    Err(Some(at)) => return Some((at, "block comments")),
                    Err(None) => i += 2,
                }
                continue;
            }
            b'#' if raw_string_hashes(bytes, i).is_some() => {
                let hashes = raw_string_hashes(bytes, i).unwrap_or_default();
                i = raw_string_end(bytes, i + hashes + 1, hashes).unwrap_or(i + hashes + 1);
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = multiline_string_end(bytes, i + 3).unwrap_or(i + 3);
                continue;
            }
            b'"' => {
                i = quoted_string_end(bytes, i + 1).unwrap_or(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{MAX_DEPTH, too_deep};

    #[test]
    fn refuses_deep_braces_and_comments_only() {
        let deep = format!(
            "a {}{}",
            "b {".repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            too_deep(&deep).map(|(_, what)| what),
            Some("children blocks")
        );
        let fine = format!(
            "a {}{}",
            "b {".repeat(MAX_DEPTH - 1),
            "}".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(too_deep(&fine), None);
        let comments = "/*".repeat(5000);
        assert_eq!(
            too_deep(&comments).map(|(_, what)| what),
            Some("block comments")
        );
        let braces_in_string = format!("a \"{}\"", "{".repeat(5000));
        assert_eq!(too_deep(&braces_in_string), None);
        // kdl parses on after an unterminated string: so does the scan.
        for opening in ["a \"abc\n", "a #\"abc\n", "a \"\"\"\n", "a /* \n"] {
            let text = format!("{opening}{}{}", "b {".repeat(3000), "}".repeat(3000));
            assert!(too_deep(&text).is_some(), "{opening:?}");
        }
    }
}
