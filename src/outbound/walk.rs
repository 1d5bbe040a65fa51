//! Rendering a template by walking the tree handlebars parsed it into, for the plain forms
//! our templates are written in: text, `{{path}}` of a string, `{{#if}}`/`{{#unless}}`
//! on a path (with `{{else}}`) and `{{#each}}` over a list of objects, reading the
//! [`EmailContext`] itself ([`Fields`]) rather than its JSON. Handlebars' own renderer and
//! the JSON of the context were most of an email's cost (a render context, a block stack
//! and path parsing per expression, a map and a string per variable); this gives the same
//! text.
//!
//! Same text because the tree is handlebars' own: whitespace control and standalone lines
//! (`{{#each}}` alone on its line) were applied when it was compiled, the truth of a value
//! is `JsonTruthy`'s (every struct of the context has fields, so as an object it is true),
//! a path is looked up from the context of its block as handlebars does. [`Fields`] is
//! what serde makes of the context, field by field (a test holds them to each other). Anything else — another helper, `this`, `../`, `@index`, a partial, a value that
//! is not a string, a path that is missing (an error in strict mode) — makes [`render`]
//! answer `None`, and the caller renders with handlebars as before.

use super::context::{
    AttachmentLine, DecisionLine, EmailContext, FieldLine, InvalidLine, MissingLine, OutputLine,
    Person, RefusalLine, SlaLine, Sop, StepLine,
};
use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{Path, PathSeg};

/// A value of the context as a template sees it.
pub(crate) enum Val<'a> {
    Str(&'a str),
    Bool(bool),
    Null,
    Obj(&'a dyn Fields),
    List(Vec<&'a dyn Fields>),
}

impl Val<'_> {
    /// `JsonTruthy::is_truthy(false)` of the value's JSON.
    fn truthy(&self) -> bool {
        match self {
            Val::Str(s) => !s.is_empty(),
            Val::Bool(b) => *b,
            Val::Null => false,
            Val::Obj(_) => true,
            Val::List(l) => !l.is_empty(),
        }
    }
}

/// A struct of the context, by field name as serde writes it.
pub(crate) trait Fields {
    fn field(&self, name: &str) -> Option<Val<'_>>;
}

/// Names handlebars would take for a helper, not a variable.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len", "this",
];

/// `template` rendered against `data`, or `None` when it uses anything but the plain forms.
pub(crate) fn render(template: &Template, data: &dyn Fields) -> Option<String> {
    let mut out = String::with_capacity(1024);
    walk(template, data, &mut out)?;
    Some(out)
}

fn walk(template: &Template, ctx: &dyn Fields, out: &mut String) -> Option<()> {
    for element in &template.elements {
        match element {
            TemplateElement::RawString(s) => out.push_str(s),
            TemplateElement::Comment(_) => {}
            TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                if !plain(ht) || ht.block {
                    return None;
                }
                match lookup(ctx, &ht.name)? {
                    Val::Str(s) => out.push_str(s),
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

fn block(ht: &HelperTemplate, ctx: &dyn Fields, out: &mut String) -> Option<()> {
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
            let truthy = value.truthy() == (helper == "if");
            if truthy {
                ht.template.as_ref()
            } else {
                ht.inverse.as_ref()
            }
        }
        "each" => {
            let Val::List(items) = value else {
                return None;
            };
            if items.is_empty() {
                ht.inverse.as_ref()
            } else {
                let body = ht.template.as_ref()?;
                for item in items {
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
fn lookup<'v>(ctx: &'v dyn Fields, param: &Parameter) -> Option<Val<'v>> {
    let at = match param {
        Parameter::Name(name) => ctx.field(variable(name)?)?,
        Parameter::Path(Path::Relative((segs, _))) => {
            let mut at = Val::Obj(ctx);
            if segs.is_empty() {
                return None;
            }
            for seg in segs {
                let PathSeg::Named(name) = seg else {
                    return None;
                };
                let Val::Obj(o) = at else {
                    return None;
                };
                at = o.field(variable(name)?)?;
            }
            at
        }
        _ => return None,
    };
    // In strict mode a null is as good as missing: let handlebars say what it makes of it.
    (!matches!(at, Val::Null)).then_some(at)
}

/// `name` when it is a plain variable name (letters, digits, `_`), not a helper's.
fn variable(name: &str) -> Option<&str> {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !HELPERS.contains(&name);
    plain.then_some(name)
}

/// [`Fields`] of a context struct: each field with how serde writes it.
macro_rules! fields {
    ($t:ty { $($name:ident: $kind:ident),* $(,)? }) => {
        impl Fields for $t {
            fn field(&self, name: &str) -> Option<Val<'_>> {
                Some(match name {
                    $(stringify!($name) => fields!(@$kind self.$name),)*
                    _ => return None,
                })
            }
        }
    };
    (@str $e:expr) => { Val::Str(&$e) };
    (@bool $e:expr) => { Val::Bool($e) };
    (@obj $e:expr) => { Val::Obj(&$e) };
    (@list $e:expr) => { Val::List($e.iter().map(|x| x as &dyn Fields).collect()) };
    (@opt $e:expr) => {
        match &$e {
            Some(x) => Val::Obj(x),
            None => Val::Null,
        }
    };
}

fields!(Person {
    name: str,
    email: str
});
fields!(Sop { id: str, name: str });
fields!(FieldLine {
    name: str,
    title: str,
    value: str
});
fields!(MissingLine {
    name: str,
    title: str
});
fields!(InvalidLine {
    name: str,
    title: str,
    value: str,
    message: str
});
fields!(StepLine {
    title: str,
    actor: str,
    sla: str
});
fields!(DecisionLine {
    by: str,
    reason: str,
    note: str
});
fields!(RefusalLine {
    from: str,
    kind: str,
    reason: str
});
fields!(AttachmentLine {
    name: str,
    size: str,
    attached: bool
});
fields!(OutputLine {
    name: str,
    value: str
});
fields!(SlaLine {
    ticket: str,
    sop: str,
    step: str,
    standard: str,
    actor: str,
    due: str,
    level: str,
    left: str,
    overdue: str,
});
fields!(EmailContext {
    ticket: str,
    helpdesk: obj,
    requester: obj,
    sop: obj,
    subject: str,
    fields: list,
    missing: list,
    invalid: list,
    complete: bool,
    steps: list,
    next_step: opt,
    recipient: obj,
    token: str,
    reply_to: str,
    decision: obj,
    assignee: obj,
    outputs: list,
    access_expires_at: str,
    clarification: str,
    refusal: obj,
    attachments: list,
    attachments_kept: bool,
    sla: obj,
    waiting: list,
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Whether `v` is exactly the JSON `json` (every key of every object there, no more).
    fn same(v: &Val<'_>, json: &Value) -> bool {
        match (v, json) {
            (Val::Str(s), Value::String(j)) => s == j,
            (Val::Bool(b), Value::Bool(j)) => b == j,
            (Val::Null, Value::Null) => true,
            (Val::List(items), Value::Array(js)) => {
                items.len() == js.len() && items.iter().zip(js).all(|(i, j)| same(&Val::Obj(*i), j))
            }
            (Val::Obj(o), Value::Object(map)) => {
                map.iter()
                    .all(|(k, j)| o.field(k).is_some_and(|f| same(&f, j)))
                    && o.field("no_such_field").is_none()
            }
            _ => false,
        }
    }

    #[test]
    fn the_fields_of_a_context_are_its_json() {
        let mut bare = EmailContext::sample();
        bare.next_step = None;
        bare.fields.clear();
        for ctx in [EmailContext::sample(), bare] {
            let json = serde_json::to_value(&ctx).expect("json");
            assert!(same(&Val::Obj(&ctx), &json));
            let keys = json.as_object().map_or(0, |m| m.len());
            assert_eq!(keys, EmailContext::KEYS.len());
        }
    }
}
