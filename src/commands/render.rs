//! What makes plan errors safe and cheap to print, whatever the plan holds:
//!
//! - at most `SHOWN` errors are rendered, then a count of the rest: rendering one error scans
//!   the source up to its span, so 20,000 errors rendered in full took quadratic time;
//! - terminal control characters (ESC, CR, C1 controls…) in the plan text, in a template, in a
//!   message, a label or a hint are shown escaped (`\u{1b}`), never sent to the terminal raw;
//!   the source shown keeps its byte offsets (each control byte becomes a `?`);
//! - a label that sits far to the right of a long line (miette panics past column 65,535, and
//!   such a line is unreadable anyway) is reported by position, without a snippet.

use std::sync::Arc;

use miette::{LabeledSpan, NamedSource};

use crate::plan::error::{Named, Origin, PlanError};

/// How many errors are rendered in full.
pub const SHOWN: usize = 50;
/// Labels further right than this column are reported by position, without a snippet.
const MAX_COLUMN: usize = 1_000;

/// `text` with control characters other than line feed and tab shown escaped.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    crate::plan::kdl_text::escape_chars(text, is_unsafe)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// A source with each control byte (but line feeds, tabs and the CR of a CRLF) replaced by
/// `?`: the same length, so every span still points at the same text.
pub fn safe_source(named: &Named) -> Named {
    let text = named.inner().as_str();
    let bytes = text.as_bytes();
    let needs = text
        .char_indices()
        .any(|(i, c)| is_unsafe(c) && !(c == '\r' && bytes.get(i + 1) == Some(&b'\n')));
    if !needs && !is_unsafe_name(named.name()) {
        return named.clone();
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if is_unsafe(c) && !(c == '\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    NamedSource::new(escape_controls(named.name()), Arc::new(out)).with_language("kdl")
}

fn is_unsafe_name(name: &str) -> bool {
    name.chars().any(is_unsafe)
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The error as it is safe to render against `text` (its source, if any): messages escaped,
/// and, when a label sits past `MAX_COLUMN`, no snippet but the positions in the message.
pub fn safe_error(error: &PlanError, text: Option<&Named>) -> PlanError {
    let mut safe = error.clone();
    safe.message = escape_controls(&error.message);
    safe.help = error.help.as_deref().map(escape_controls);
    safe.labels = error
        .labels
        .iter()
        .map(|label| {
            let text = label.label().map(escape_controls);
            if label.primary() {
                LabeledSpan::new_primary_with_span(text, *label.inner())
            } else {
                LabeledSpan::new_with_span(text, *label.inner())
            }
        })
        .collect();
    if let Origin::Named(named) = &error.origin {
        safe.origin = Origin::Named(safe_source(named));
    }
    let Some(named) = text else {
        return safe;
    };
    let source = named.inner().as_str();
    let positions: Vec<(usize, usize)> = safe
        .labels
        .iter()
        .map(|label| line_column(source, label.offset()))
        .collect();
    if positions.iter().any(|&(_, column)| column > MAX_COLUMN) {
        let places: Vec<String> = positions
            .iter()
            .zip(&safe.labels)
            .map(|((line, column), label)| {
                format!(
                    "{}:{line}:{column}{}",
                    escape_controls(named.name()),
                    label
                        .label()
                        .map(|text| format!(" ({text})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        safe.message = format!("{}\n  at {}", safe.message, places.join("\n  at "));
        safe.labels.clear();
        safe.origin = Origin::Nowhere;
    }
    safe
}

/// The line that closes a report cut at `SHOWN` errors (empty when none was left out).
pub fn more_line(total: usize) -> String {
    if total <= SHOWN {
        String::new()
    } else {
        let rest = total - SHOWN;
        format!(
            "… and {rest} more {} (the first {SHOWN} of {total} are shown)\n\n",
            if rest == 1 { "problem" } else { "problems" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_controls, line_column, safe_source};
    use miette::NamedSource;
    use std::sync::Arc;

    #[test]
    fn controls_are_escaped_and_offsets_kept() {
        assert_eq!(escape_controls("a\u{1b}[31mb\r\n"), "a\\u{1b}[31mb\\u{d}\n");
        let named = NamedSource::new(
            "p.kdl",
            Arc::new("a \"\u{1b}]0;x\u{7}\"\r\nb\u{9b}\n".to_owned()),
        );
        let safe = safe_source(&named);
        assert_eq!(safe.inner().as_str(), "a \"?]0;x?\"\r\nb??\n");
        assert_eq!(safe.inner().len(), named.inner().len());
        assert_eq!(line_column("ab\ncdé", 6), (2, 4));
    }
}
