//! Reading JSON the way PowerShell reads objects: property names ignore case, `null` is absent.

use serde_json::{Map, Value};

use super::ModelError;

pub(super) fn object<'a>(
    value: &'a Value,
    what: &str,
) -> Result<&'a Map<String, Value>, ModelError> {
    value.as_object().ok_or_else(|| {
        ModelError::whole(format!(
            "{what} must be a JSON object, found {}",
            describe(value)
        ))
    })
}

/// A property looked up as PowerShell does: by name, ignoring case. `null` counts as absent.
pub(super) fn prop<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

pub(super) fn bool_prop(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, ModelError> {
    match prop(obj, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s))
            if s.trim()
                .trim_start_matches('$')
                .eq_ignore_ascii_case("true") =>
        {
            Ok(Some(true))
        }
        Some(Value::String(s))
            if s.trim()
                .trim_start_matches('$')
                .eq_ignore_ascii_case("false") =>
        {
            Ok(Some(false))
        }
        Some(other) => Err(ModelError::field(
            name,
            format!("must be true or false, found {}", describe(other)),
        )),
    }
}

pub(super) fn string_prop(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ModelError> {
    match prop(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(other) => Err(ModelError::field(
            name,
            format!("must be a string, found {}", describe(other)),
        )),
    }
}

pub(super) fn string_list(obj: &Map<String, Value>, name: &str) -> Result<Vec<String>, ModelError> {
    let items = match prop(obj, name) {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => return Ok(non_empty(s).into_iter().collect()),
        Some(Value::Array(items)) => items,
        // ConvertTo-Json writes some collections as `{"value": [...], "Count": n}`.
        Some(Value::Object(wrapper)) => match prop(wrapper, "value") {
            Some(Value::Array(items)) => items,
            Some(Value::String(s)) => return Ok(non_empty(s).into_iter().collect()),
            _ => {
                return Err(ModelError::field(
                    name,
                    "must be a list of resource ids, found an object",
                ));
            }
        },
        Some(other) => {
            return Err(ModelError::field(
                name,
                format!("must be a list of resource ids, found {}", describe(other)),
            ));
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => out.extend(non_empty(s)),
            Value::Null => {}
            other => {
                return Err(ModelError::field(
                    name,
                    format!(
                        "must hold strings, but item {} is {}",
                        i + 1,
                        describe(other)
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

pub(super) fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::String(_) => "a long string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
