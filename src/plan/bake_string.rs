//! A string bound for the bake file: literal text and live `${VAR}` interpolations.
//! Literal text is escaped (`${` → `$${`, `%{` → `%%{`) so bake reads it back exactly;
//! `${NAME}` of a declared variable stays a live interpolation.

use std::collections::BTreeSet;

use miette::SourceSpan;
use serde::{Serialize, Serializer};

use crate::plan::error::PlanError;
use crate::plan::raw::Text;
use crate::plan::suggestion::did_you_mean;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Variable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BakeString {
    segments: Vec<Segment>,
}

impl BakeString {
    /// Text that bake must read literally, whatever it contains.
    pub fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() {
            return Self::default();
        }
        Self {
            segments: vec![Segment::Literal(text)],
        }
    }

    /// A plan string: `${NAME}` must name a declared variable, `$${` is a literal `${`.
    /// `plan_text` (the whole plan) lets an error point inside the string.
    pub fn parse(
        text: &Text,
        variables: &BTreeSet<String>,
        plan_text: &str,
    ) -> Result<Self, PlanError> {
        let mut result = Self::default();
        let mut literal = String::new();
        for token in tokens(&text.value) {
            match token {
                Token::Text(piece) => literal.push_str(piece),
                Token::Variable { offset, name } => {
                    if !variables.contains(name) {
                        let span = inner_span(plan_text, text, offset, name.len() + 3);
                        return Err(PlanError::new(
                            "bakeplan::unknown-variable",
                            format!("`${{{name}}}` names no declared variable"),
                        )
                        .label(span, "undeclared variable")
                        .help(
                            did_you_mean(name, variables.iter().map(String::as_str))
                                .unwrap_or_else(|| {
                                    format!(
                                        "declare it with `variable \"{name}\" default=\"...\"`, or write `$${{` for a literal `${{`"
                                    )
                                }),
                        ));
                    }
                    if !literal.is_empty() {
                        result
                            .segments
                            .push(Segment::Literal(std::mem::take(&mut literal)));
                    }
                    result.segments.push(Segment::Variable(name.to_owned()));
                }
            }
        }
        if !literal.is_empty() {
            result.segments.push(Segment::Literal(literal));
        }
        Ok(result)
    }

    /// Each live `${NAME}` of a plan string that names one of `variables`, in order, with the
    /// span of `${NAME}` in the plan (the whole value when the source spells it otherwise).
    pub fn references<'a>(
        text: &'a Text,
        variables: &BTreeSet<String>,
        plan_text: &str,
    ) -> Vec<(&'a str, SourceSpan)> {
        tokens(&text.value)
            .into_iter()
            .filter_map(|token| match token {
                Token::Variable { offset, name } if variables.contains(name) => {
                    Some((name, inner_span(plan_text, text, offset, name.len() + 3)))
                }
                _ => None,
            })
            .collect()
    }

    /// The text in bake's template syntax, for both HCL and JSON bake files.
    pub fn to_bake(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(&escape_literal(text)),
                Segment::Variable(name) => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out
    }

    /// The text as the plan means it, `${NAME}` standing for the variable.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Variable(name) => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out
    }

    /// Whether the string holds a live `${NAME}`.
    pub fn has_variables(&self) -> bool {
        self.segments
            .iter()
            .any(|segment| matches!(segment, Segment::Variable(_)))
    }

    /// This string followed by `other`.
    #[must_use]
    pub fn concat(mut self, other: &BakeString) -> Self {
        self.segments.extend(other.segments.iter().cloned());
        self
    }

    /// Replaces `{placeholder}` in the literal parts.
    #[must_use]
    pub fn replace_literal(&self, from: &str, to: &str) -> Self {
        Self {
            segments: self
                .segments
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(text) => Segment::Literal(text.replace(from, to)),
                    Segment::Variable(name) => Segment::Variable(name.clone()),
                })
                .collect(),
        }
    }
}

impl Serialize for BakeString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_bake())
    }
}

/// A piece of a plan string: literal text (`$${` read as `${`), or a `${NAME}` at its byte
/// offset.
enum Token<'a> {
    Text(&'a str),
    Variable { offset: usize, name: &'a str },
}

/// A plan string's pieces, in order: what `parse` and `references` both read.
fn tokens(value: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < value.len() {
        if value[i..].starts_with("$${") {
            tokens.push(Token::Text(&value[i + 1..i + 3]));
            i += 3;
            continue;
        }
        if value[i..].starts_with("${")
            && let Some(name) = interpolation_name(&value[i + 2..])
        {
            tokens.push(Token::Variable { offset: i, name });
            i += name.len() + 3;
            continue;
        }
        let len = value[i..].chars().next().map_or(1, char::len_utf8);
        tokens.push(Token::Text(&value[i..i + len]));
        i += len;
    }
    tokens
}

/// `NAME}` at the start of `rest`, NAME being `[A-Za-z_][A-Za-z0-9_]*`.
fn interpolation_name(rest: &str) -> Option<&str> {
    let end = rest.find('}')?;
    let name = &rest[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// `${` → `$${`, `%{` → `%%{`: literal text in bake's template syntax.
pub fn escape_literal(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// The span of `len` bytes at `offset` of the string value, when the source spells the string
/// plainly; otherwise the whole value.
fn inner_span(plan_text: &str, text: &Text, offset: usize, len: usize) -> SourceSpan {
    let start = text.span.offset();
    let slice = plan_text
        .get(start..start + text.span.len())
        .unwrap_or_default();
    // The span may hold `key=` before the quoted value; find the value at its end.
    let quoted = format!("\"{}\"", text.value);
    if slice.ends_with(&quoted) {
        let value_start = start + slice.len() - quoted.len() + 1;
        SourceSpan::new((value_start + offset).into(), len)
    } else {
        text.span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::spanned::Spanned;

    fn parse(text: &str) -> Result<BakeString, PlanError> {
        let plan_text = format!("\"{text}\"");
        let variables = BTreeSet::from(["TAG".to_owned()]);
        BakeString::parse(
            &Spanned::new(text.to_owned(), SourceSpan::new(0.into(), text.len() + 2)),
            &variables,
            &plan_text,
        )
    }

    #[test]
    fn keeps_variables_and_escapes_literals() {
        assert_eq!(parse("a:${TAG}").unwrap().to_bake(), "a:${TAG}");
        assert_eq!(parse("$${TAG}").unwrap().to_bake(), "$${TAG}");
        assert_eq!(parse("%{x} ${ TAG }").unwrap().to_bake(), "%%{x} $${ TAG }");
        assert_eq!(parse("$$${TAG}").unwrap().to_bake(), "$$${TAG}");
        assert!(parse("${NOPE}").is_err());
    }
}
