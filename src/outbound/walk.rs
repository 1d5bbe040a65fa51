//! Rendering a template by walking the tree handlebars parsed it into, for the plain forms
//! our templates are written in: text, `{{path}}` of a string, `{{#if}}`/`{{#unless}}`
//! on a path (with `{{else}}`) and `{{#each}}` over a list of objects. Handlebars' own
//! renderer was the larger part of an email's cost (a render context, a block stack and
//! path parsing per expression); this gives the same text.
//!
//! Same text because the tree is handlebars' own: whitespace control and standalone lines
//! (`{{#each}}` alone on its line) were applied when it was compiled, the truth of a value
//! is [`JsonTruthy`]'s, a path is looked up from the context of its block as handlebars
//! does. Anything else — another helper, `this`, `../`, `@index`, a partial, a value that
//! is not a string, a path that is missing (an error in strict mode) — makes [`render`]
//! answer `None`, and the caller renders with handlebars as before.

use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{JsonTruthy, Path, PathSeg};
use serde_json::Value;

/// Names handlebars would take for a helper, not a variable.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len", "this",
];

/// `template` rendered against `data`, or `None` when it uses anything but the plain forms.
pub(crate) fn render(template: &Template, data: &Value) -> Option<String> {
    let mut out = String::with_capacity(1024);
    walk(template, data, &mut out)?;
    Some(out)
}

fn walk(template: &Template, ctx: &Value, out: &mut String) -> Option<()> {
    for element in &template.elements {
        match element {
            TemplateElement::RawString(s) => out.push_str(s),
            TemplateElement::Comment(_) => {}
            TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                if !plain(ht) || ht.block {
                    return None;
                }
                match lookup(ctx, &ht.name)? {
                    Value::String(s) => out.push_str(s),
                    _ => return None,
                }
            }
            TemplateElement::HelperBlock(ht) => block(ht, ctx, out)?,
            _ => return None,
        }
    }
    Some(())
}

/// No parameters, hash or block parameters, no `{{else if}}` chain.
fn plain(ht: &HelperTemplate) -> bool {
    ht.params.is_empty() && ht.hash.is_empty() && ht.block_param.is_none() && !ht.chain
}

fn block(ht: &HelperTemplate, ctx: &Value, out: &mut String) -> Option<()> {
    let Parameter::Name(helper) = &ht.name else {
        return None;
    };
    let [param] = ht.params.as_slice() else {
        return None;
    };
    if !ht.hash.is_empty() || ht.block_param.is_some() || ht.chain || !ht.block {
        return None;
    }
    let value = lookup(ctx, param)?;
    let chosen = match helper.as_str() {
        "if" | "unless" => {
            let truthy = value.is_truthy(false) == (helper == "if");
            if truthy {
                ht.template.as_ref()
            } else {
                ht.inverse.as_ref()
            }
        }
        "each" => {
            let Value::Array(items) = value else {
                return None;
            };
            if items.is_empty() {
                ht.inverse.as_ref()
            } else {
                let body = ht.template.as_ref()?;
                for item in items {
                    if !item.is_object() {
                        return None;
                    }
                    walk(body, item, out)?;
                }
                return Some(());
            }
        }
        _ => return None,
    };
    if let Some(t) = chosen {
        walk(t, ctx, out)?;
    }
    Some(())
}

/// The value of a plain path (`a` or `a.b`) from `ctx`; `None` when it is not plain or
/// not there.
fn lookup<'v>(ctx: &'v Value, param: &Parameter) -> Option<&'v Value> {
    let mut at = ctx;
    match param {
        Parameter::Name(name) => at = at.as_object()?.get(variable(name)?)?,
        Parameter::Path(Path::Relative((segs, _))) => {
            if segs.is_empty() {
                return None;
            }
            for seg in segs {
                let PathSeg::Named(name) = seg else {
                    return None;
                };
                at = at.as_object()?.get(variable(name)?)?;
            }
        }
        _ => return None,
    }
    // In strict mode a null is as good as missing: let handlebars say what it makes of it.
    (!at.is_null()).then_some(at)
}

/// `name` when it is a plain variable name (letters, digits, `_`), not a helper's.
fn variable(name: &str) -> Option<&str> {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !HELPERS.contains(&name);
    plain.then_some(name)
}
