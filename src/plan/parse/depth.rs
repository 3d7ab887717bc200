//! A bound on nesting, checked before any text reaches the kdl parser (which recurses once
//! per level of children and of nested block comments, and overflows the stack on a few
//! thousand): braces and nested `/* */` comments deeper than `MAX_DEPTH` are refused. Strings
//! and comments are skipped as the splitter skips them. An unterminated string or comment is
//! not skipped: the scan goes on after its opening (kdl recovers from such errors and parses
//! on, so the braces after it count).
//!
//! A bound on slashdashed children blocks (`/- {`) too: kdl's parser reads each one twice, so
//! the text inside N nested ones is read 2^N times, valid text or not (24 nested in a 194-byte
//! plan: 489 s; 10 around 30 KB: 25 s).

use super::splitter::{
    block_comment_depth, multiline_string_end, quoted_string_end, raw_string_end, raw_string_hashes,
};

/// Deeper than any real plan (a plan nests three levels: `service { args { … } }`).
pub const MAX_DEPTH: usize = 64;

/// What the slashdashed children blocks may cost: the text's length times 2 to the power of
/// their number stays within this many bytes (a quarter of a second of parsing or so), but one
/// is always allowed. They are counted in the raw text, strings and comments included, nested
/// or not, so that no reading of a malformed text (kdl recovers from errors and parses on)
/// escapes the count: a plan of 8 KiB may hold five, one of 32 KiB three. A plan comments out a
/// node with `/-service …`, which is not counted.
pub const SLASHDASH_BUDGET: usize = 256 << 10;

/// How many slashdashed children blocks a text of `len` bytes may hold.
pub fn slashdash_allowance(len: usize) -> usize {
    // The largest N with len × 2^N within the budget: log2 of how many times len fits in it.
    (SLASHDASH_BUDGET / len.max(1))
        .checked_ilog2()
        .map_or(1, |allowed| (allowed as usize).max(1))
}

/// Why a text is not given to the kdl parser.
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// The byte offset where the text goes past a bound.
    pub at: usize,
    /// What it does there: "children blocks are nested more than 64 levels deep".
    pub why: String,
    /// A label for that place.
    pub label: &'static str,
    /// What to write instead, when there is something.
    pub help: Option<&'static str>,
}

/// Whether the text goes past a bound the kdl parser needs, and where.
pub fn too_deep(text: &str) -> Option<TooDeep> {
    if let Some((at, what)) = nesting(text) {
        return Some(TooDeep {
            at,
            why: format!("{what} are nested more than {MAX_DEPTH} levels deep"),
            label: "too deep",
            help: None,
        });
    }
    let allowed = slashdash_allowance(text.len());
    slashdashed_blocks(text, allowed).map(|at| TooDeep {
        at,
        why: format!(
            "more than {allowed} children blocks are slashdashed (`/- {{`): the KDL parser reads the text inside each one twice, so a text of {} KiB may hold at most {allowed}",
            text.len().div_ceil(1024)
        ),
        label: "one too many",
        help: Some("to comment out a node, slashdash the node itself: `/-service \"a\" { … }`"),
    })
}

/// The offset of the slashdash that makes one `/- {` more than `allowed`.
fn slashdashed_blocks(text: &str, allowed: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut count = 0usize;
    let mut from = 0;
    while let Some(found) = text[from..].find("/-") {
        let at = from + found;
        from = at + 2;
        let mut i = at + 2;
        // What may stand between a slashdash and what it comments out: spaces, newlines, line
        // continuations and comments.
        loop {
            match text[i..].chars().next() {
                Some(c) if c.is_whitespace() || c == '\\' || c == '\u{feff}' => i += c.len_utf8(),
                Some('/') if bytes.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(text.len(), |end| i + end);
                }
                Some('/') if bytes.get(i + 1) == Some(&b'*') => {
                    match block_comment_depth(bytes, i, MAX_DEPTH) {
                        Ok(end) => i = end,
                        Err(_) => break,
                    }
                }
                _ => break,
            }
        }
        if bytes.get(i) == Some(&b'{') {
            count += 1;
            if count > allowed {
                return Some(at);
            }
        }
    }
    None
}

/// The byte offset where nesting first goes past `MAX_DEPTH`, and what nests.
fn nesting(text: &str) -> Option<(usize, &'static str)> {
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
    use super::{MAX_DEPTH, nesting, slashdash_allowance, too_deep};

    #[test]
    fn refuses_deep_braces_and_comments_only() {
        let deep = format!(
            "a {}{}",
            "b {".repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            nesting(&deep).map(|(_, what)| what),
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
            nesting(&comments).map(|(_, what)| what),
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

    #[test]
    fn refuses_too_many_slashdashed_children_blocks() {
        assert_eq!(slashdash_allowance(0), 18);
        assert_eq!(slashdash_allowance(8 << 10), 5);
        assert_eq!(slashdash_allowance(32 << 10), 3);
        assert_eq!(slashdash_allowance(64 << 20), 1);
        let nested = |n: usize| format!("n {}{}", "/- { a ".repeat(n), "}".repeat(n));
        let allowed = slashdash_allowance(nested(12).len());
        assert_eq!(allowed, 11);
        assert_eq!(too_deep(&nested(11)), None);
        let refused = too_deep(&nested(12)).expect("refused");
        assert_eq!(refused.at, 2 + 7 * 11);
        assert!(refused.why.contains("slashdashed"), "{}", refused.why);
        // A large text may hold fewer.
        let large = format!("{}\n{}", "a\n".repeat(64 << 10), nested(3));
        assert_eq!(slashdash_allowance(large.len()), 1);
        assert!(too_deep(&large).is_some());
        // Whatever stands between the slashdash and the brace, and wherever it is: counted.
        let spaced = "a /-\\\n /* c /* d */ */ // e\n\u{3000}{ }\n\"/-{\" ".repeat(6);
        assert!(too_deep(&spaced).is_some());
        // A slashdashed node or argument is not a slashdashed children block.
        let nodes = "/-service \"a\" { b /-\"c\" { d; }; }\n".repeat(50);
        assert_eq!(too_deep(&nodes), None);
    }
}
