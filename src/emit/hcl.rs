//! Stage 5b: the bake model written as HCL with hcl-rs. Every string of the model is already in
//! bake's template syntax (`$${` for a literal `${`, `${VAR}` for a live variable), so strings go
//! out as quoted templates with only HCL's string escapes added.

use std::fmt::Write as _;

use hcl::expr::{Expression, ObjectKey, TemplateExpr};
use hcl::{Block, Body};
use serde::Serialize;
use serde_json::Value;

use crate::plan::bake_string::escape_literal;

/// Top-level keys written as labeled blocks: `variable "NAME" { ... }` and so on.
const BLOCK_KINDS: &[&str] = &["variable", "group", "target"];

pub fn to_hcl<T: Serialize>(model: &T, marker: &str) -> String {
    let value = serde_json::to_value(model).expect("the bake model always serializes");
    let mut body = Body::builder();
    if let Value::Object(top) = &value {
        for kind in BLOCK_KINDS {
            let Some(Value::Object(blocks)) = top.get(*kind) else {
                continue;
            };
            for (label, attributes) in blocks {
                let mut block = Block::builder(*kind).add_label(label.as_str());
                if let Value::Object(attributes) = attributes {
                    for (key, value) in attributes {
                        let value = match (*kind, key.as_str(), value) {
                            // HCL reads a variable's description as a template, JSON does not:
                            // the model holds it as written.
                            ("variable", "description", Value::String(text)) => {
                                Value::String(escape_literal(text))
                            }
                            _ => value.clone(),
                        };
                        block = block.add_attribute((key.as_str(), expression(&value)));
                    }
                }
                body = body.add_block(block.build());
            }
        }
    }
    let text = hcl::format::to_string(&body.build()).expect("HCL formatting cannot fail");
    format!("# {marker}\n\n{text}")
}

fn expression(value: &Value) -> Expression {
    match value {
        Value::Null => Expression::Null,
        Value::Bool(flag) => Expression::Bool(*flag),
        Value::Number(number) => Expression::Number(number.as_i64().map_or_else(
            || {
                hcl::Number::from_f64(number.as_f64().unwrap_or_default())
                    .unwrap_or_else(|| hcl::Number::from(0))
            },
            hcl::Number::from,
        )),
        Value::String(text) => {
            Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(escape(text))))
        }
        Value::Array(items) => Expression::Array(items.iter().map(expression).collect()),
        Value::Object(map) => Expression::Object(
            map.iter()
                .map(|(key, value)| {
                    (
                        ObjectKey::Expression(Expression::TemplateExpr(Box::new(
                            TemplateExpr::QuotedString(escape(key)),
                        ))),
                        expression(value),
                    )
                })
                .collect(),
        ),
    }
}

/// HCL's quoted-string escapes (the template markers are already escaped by the model).
///
/// Hand-written on purpose: hcl-rs writes a `TemplateExpr::QuotedString` as it is, between
/// quotes, without escaping it (it is a template: its text is taken to be HCL source already),
/// so a value holding `"`, `\` or a line break would break the bake file.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}
