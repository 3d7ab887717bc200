//! Splits a KDL document's text into runs of whole top-level nodes, so the parser can parse
//! them in parallel (the kdl parser is the slowest stage of a large plan). The scanner knows
//! strings (quoted, multi-line, raw), comments and braces; when the text holds anything it
//! does not model at the top level (a line continuation, a slashdash), it gives up and the
//! document is parsed whole. Splitting never changes what a plan means.

/// Byte offsets where a top-level node starts at the beginning of a line, or `None` when the
/// text must be parsed whole.
pub fn node_starts(text: &str) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let byte = bytes[i];
        if line_start && depth == 0 && (byte.is_ascii_alphabetic() || byte == b'"') {
            starts.push(i);
        }
        line_start = false;
        match byte {
            b'\n' => line_start = true,
            b'{' => depth += 1,
            b'}' => depth = depth.checked_sub(1)?,
            b'\\' if depth == 0 => return None,
            b'/' if bytes.get(i + 1) == Some(&b'-') && depth == 0 => return None,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr(bytes, i, b'\n').unwrap_or(bytes.len());
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(bytes, i)?;
                continue;
            }
            b'#' if raw_string_hashes(bytes, i).is_some() => {
                let hashes = raw_string_hashes(bytes, i)?;
                i = raw_string_end(bytes, i + hashes + 1, hashes)?;
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = multiline_string_end(bytes, i + 3)?;
                continue;
            }
            b'"' => {
                i = quoted_string_end(bytes, i + 1)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then_some(starts)
}

fn memchr(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map(|at| from + at)
}

/// `#…#"` at `i`: the number of hashes of a raw string opener.
pub(super) fn raw_string_hashes(bytes: &[u8], i: usize) -> Option<usize> {
    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some(hashes)
}

/// After the opening quote of a raw string with `hashes` hashes: the offset past its end.
pub(super) fn raw_string_end(bytes: &[u8], mut i: usize, hashes: usize) -> Option<usize> {
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

pub(super) fn quoted_string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

pub(super) fn multiline_string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' if bytes[i..].starts_with(b"\"\"\"") => return Some(i + 3),
            _ => i += 1,
        }
    }
    None
}

fn block_comment_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// From `/*` at `i`: the offset past the comment, `Err(Some(at))` where nesting goes past
/// `limit`, `Err(None)` when the comment does not end.
pub(super) fn block_comment_depth(
    bytes: &[u8],
    mut i: usize,
    limit: usize,
) -> Result<usize, Option<usize>> {
    let mut depth = 0usize;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            if depth > limit {
                return Err(Some(i));
            }
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(None)
}

#[cfg(test)]
mod tests {
    use super::node_starts;

    #[test]
    fn finds_top_level_nodes_only() {
        let text = "version 1\nservice \"a\" {\n    context \"a\"\n}\n// c\nservice \"b\" { env { X \"}\" } }\n";
        assert_eq!(node_starts(text), Some(vec![0, 10, 47]));
    }

    #[test]
    fn ignores_nodes_inside_strings_and_comments() {
        let text = "a \"\"\"\nb \"\n\"\"\"\n/* \nc\n */\nd #\"\ne\"#\nf\n";
        let starts = node_starts(text).unwrap();
        let names: Vec<char> = starts
            .iter()
            .map(|&i| char::from(text.as_bytes()[i]))
            .collect();
        assert_eq!(names, ['a', 'd', 'f']);
    }

    #[test]
    fn gives_up_on_continuations_and_slashdash() {
        assert_eq!(node_starts("a \\\n  1\n"), None);
        assert_eq!(node_starts("/-a 1\nb 2\n"), None);
        assert_eq!(node_starts("a {\n"), None);
    }
}
