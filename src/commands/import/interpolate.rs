//! Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `$VAR`, `$$`...), either
//! lowered to plan text (plan variables, kept live in the bake file) or resolved at import time.

use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var { name: String, op: Op, arg: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Plain,
    /// `:-` (empty counts as unset) or `-`
    Default {
        colon: bool,
    },
    /// `:?` or `?`
    Required {
        colon: bool,
    },
    /// `:+` or `+`
    Alternative {
        colon: bool,
    },
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn parse(text: &str) -> Result<Vec<Part>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            literal.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                literal.push('$');
                i += 2;
            }
            Some('{') => {
                // Find the matching brace (defaults may nest `${...}`).
                let mut depth = 0;
                let mut end = None;
                for (j, &d) in chars.iter().enumerate().skip(i + 1) {
                    match d {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else {
                    return Err(format!("unclosed `${{` in `{text}`"));
                };
                let inner: String = chars[i + 2..end].iter().collect();
                let name_len = inner.chars().take_while(|&c| is_name_char(c)).count();
                let name: String = inner.chars().take(name_len).collect();
                if name.is_empty() || !name.starts_with(is_name_start) {
                    return Err(format!("invalid interpolation `${{{inner}}}`"));
                }
                let rest: String = inner.chars().skip(name_len).collect();
                let (op, arg) = if rest.is_empty() {
                    (Op::Plain, String::new())
                } else {
                    let colon = rest.starts_with(':');
                    let body = if colon { &rest[1..] } else { &rest[..] };
                    let mut body_chars = body.chars();
                    let op = match body_chars.next() {
                        Some('-') => Op::Default { colon },
                        Some('?') => Op::Required { colon },
                        Some('+') => Op::Alternative { colon },
                        _ => return Err(format!("invalid interpolation `${{{inner}}}`")),
                    };
                    (op, body_chars.collect())
                };
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Var { name, op, arg });
                i = end + 1;
            }
            Some(&d) if is_name_start(d) => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|&&c| is_name_char(c))
                    .collect();
                i += 1 + name.chars().count();
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Var {
                    name,
                    op: Op::Plain,
                    arg: String::new(),
                });
            }
            _ => {
                literal.push('$');
                i += 1;
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// The environment compose would interpolate with: the project's `.env`, then the process's.
#[derive(Debug, Default)]
pub struct Interpolator {
    pub env: BTreeMap<String, String>,
    pub dotenv: BTreeMap<String, String>,
    /// Plan variables met so far: name → default (None: no default).
    pub variables: Vec<(String, Option<String>)>,
    /// Why some values were resolved at import time or changed meaning.
    pub notes: Vec<String>,
}

impl Interpolator {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .or_else(|| self.dotenv.get(name))
            .map(String::as_str)
    }

    /// Compose's value: every variable resolved from the environment.
    pub fn resolve(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        for part in parse(text)? {
            match part {
                Part::Literal(literal) => out.push_str(&literal),
                Part::Var { name, op, arg } => {
                    let value = self.lookup(&name);
                    let set = value.is_some();
                    let non_empty = value.is_some_and(|value| !value.is_empty());
                    match op {
                        Op::Plain => out.push_str(value.unwrap_or("")),
                        Op::Default { colon } => {
                            if (colon && non_empty) || (!colon && set) {
                                out.push_str(value.unwrap_or(""));
                            } else {
                                out.push_str(&self.resolve(&arg)?);
                            }
                        }
                        Op::Required { colon } => {
                            if (colon && non_empty) || (!colon && set) {
                                out.push_str(value.unwrap_or(""));
                            } else {
                                return Err(format!(
                                    "required variable {name} is missing a value: {arg}"
                                ));
                            }
                        }
                        Op::Alternative { colon } => {
                            if (colon && non_empty) || (!colon && set) {
                                out.push_str(&self.resolve(&arg)?);
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The variables the text interpolates, each once, in order of first use.
    pub fn variable_names(text: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for part in parse(text).unwrap_or_default() {
            if let Part::Var { name, .. } = part
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        names
    }

    /// Whether the text interpolates anything.
    pub fn has_variables(text: &str) -> bool {
        parse(text).is_ok_and(|parts| parts.iter().any(|part| matches!(part, Part::Var { .. })))
    }

    /// Plan text for a value that lands in the bake file: `${V:-d}` becomes `${V}` and a plan
    /// variable `V` with default `d`; a literal `${` becomes `$${`. `where_` names the value in
    /// notes.
    pub fn lower(&mut self, text: &str, where_: &str) -> Result<String, String> {
        let mut out = String::new();
        for part in parse(text)? {
            match part {
                Part::Literal(literal) => out.push_str(&literal.replace("${", "$${")),
                // A `$` just before `${NAME}` would make it the plan's `$${`, a literal `${`:
                // a plan cannot write that `$` before a live variable, so it is resolved now.
                Part::Var { name, op, arg } if out.ends_with('$') => {
                    let value = self.resolve(&format!("${{{name}{}}}", op_suffix(op, &arg)))?;
                    self.notes.push(format!(
                        "{where_}: `$` directly before `${{{name}}}` cannot be written in a plan; `${name}` resolved at import time to `{value}`"
                    ));
                    out.pop();
                    out.push_str(&format!("${value}").replace("${", "$${"));
                }
                Part::Var { name, op, arg } => match op {
                    Op::Plain => {
                        self.declare(&name, Some(String::new()), where_);
                        let _ = write!(out, "${{{name}}}");
                    }
                    Op::Default { colon } => {
                        let default = self.resolve(&arg)?;
                        if Self::has_variables(&arg) {
                            self.notes.push(format!(
                                "{where_}: the default of `{name}` (`{arg}`) was resolved at import time to `{default}`"
                            ));
                        }
                        if !colon {
                            self.notes.push(format!(
                                "{where_}: `${{{name}-...}}` keeps an empty `{name}`; bake uses the default only when `{name}` is unset too, but treats an empty one the same way"
                            ));
                        }
                        self.declare(&name, Some(default), where_);
                        let _ = write!(out, "${{{name}}}");
                    }
                    Op::Required { .. } => {
                        self.notes.push(format!(
                            "{where_}: `{name}` is required by compose; bake has no required variables (it is declared without a default)"
                        ));
                        self.declare(&name, None, where_);
                        let _ = write!(out, "${{{name}}}");
                    }
                    Op::Alternative { .. } => {
                        let value = self.resolve(&format!("${{{name}{}}}", op_suffix(op, &arg)))?;
                        self.notes.push(format!(
                            "{where_}: `${{{name}:+...}}` has no bake equivalent; resolved at import time to `{value}`"
                        ));
                        out.push_str(&value.replace("${", "$${"));
                    }
                },
            }
        }
        Ok(out)
    }

    fn declare(&mut self, name: &str, default: Option<String>, where_: &str) {
        if let Some((_, seen)) = self.variables.iter().find(|(seen, _)| seen == name) {
            if seen != &default && default.as_deref() != Some("") {
                self.notes.push(format!(
                    "{where_}: `{name}` has another default here (`{}`); the plan keeps the first (`{}`)",
                    default.unwrap_or_default(),
                    seen.clone().unwrap_or_default()
                ));
            }
            return;
        }
        let default = match self.dotenv.get(name) {
            Some(value) => {
                self.notes.push(format!(
                    "{where_}: `{name}` takes its default from .env (`{value}`)"
                ));
                Some(value.clone())
            }
            None => default,
        };
        self.variables.push((name.to_owned(), default));
    }
}

/// The text after the name in `${NAME...}` that writes `op` with `arg` again.
fn op_suffix(op: Op, arg: &str) -> String {
    let (colon, sign) = match op {
        Op::Plain => return String::new(),
        Op::Default { colon } => (colon, '-'),
        Op::Required { colon } => (colon, '?'),
        Op::Alternative { colon } => (colon, '+'),
    };
    format!("{}{sign}{arg}", if colon { ":" } else { "" })
}

/// Reads a `.env` file: `KEY=VALUE` lines, `#` comments, optional quotes.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        values.insert(key.trim().to_owned(), value.to_owned());
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_forms_lower_to_plan_variables() {
        let mut interpolator = Interpolator::default();
        let text = interpolator
            .lower(
                "${REGISTRY:-ghcr.io/x}/api:${TAG:-latest}-$$HOME-$${X}-$USER",
                "t",
            )
            .expect("lower");
        assert_eq!(text, "${REGISTRY}/api:${TAG}-$HOME-$${X}-${USER}");
        assert_eq!(
            interpolator.variables,
            vec![
                ("REGISTRY".to_owned(), Some("ghcr.io/x".to_owned())),
                ("TAG".to_owned(), Some("latest".to_owned())),
                ("USER".to_owned(), Some(String::new())),
            ]
        );
    }

    #[test]
    fn a_dollar_before_a_variable_is_resolved() {
        let mut interpolator = Interpolator::default();
        interpolator.env.insert("X".into(), "{v}".into());
        let text = interpolator
            .lower("a$$${X}-$$${Y:-y}-${X}", "t")
            .expect("lower");
        // `$` then X's value (whose `${` is escaped), `$y`, then X live.
        assert_eq!(text, "a$${v}-$y-${X}");
        assert_eq!(
            interpolator.variables,
            vec![("X".to_owned(), Some(String::new()))]
        );
        assert_eq!(interpolator.notes.len(), 2);
    }

    #[test]
    fn resolution_follows_compose() {
        let mut interpolator = Interpolator::default();
        interpolator.env.insert("SET".into(), "sv".into());
        interpolator.env.insert("EMPTY".into(), String::new());
        let resolve = |text: &str| interpolator.resolve(text).expect("resolve");
        assert_eq!(resolve("${UNSET:-d}"), "d");
        assert_eq!(resolve("${EMPTY:-d}"), "d");
        assert_eq!(resolve("${EMPTY-d}"), "");
        assert_eq!(resolve("${SET:+alt}"), "alt");
        assert_eq!(resolve("${UNSET:-${SET}-x}"), "sv-x");
        assert!(interpolator.resolve("${UNSET:?need it}").is_err());
    }
}
