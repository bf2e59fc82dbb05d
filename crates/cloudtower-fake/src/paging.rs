//! Ordering and paging the way CloudTower's Prisma layer does it:
//! `orderBy` (`<field>_ASC` / `<field>_DESC`, one column; by `id` when
//! absent, which for cuids is creation order), then the `after`/`before` id
//! cursors, then `skip`, then `first` (or `last`, counting from the end).

use serde_json::Value;

use super::filter::compare;

/// A read's paging arguments, from its body.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Page {
    order_by: Option<String>,
    first: Option<i64>,
    last: Option<i64>,
    skip: Option<i64>,
    after: Option<String>,
    before: Option<String>,
}

impl Page {
    /// Reads `orderBy`, `first`, `last`, `skip`, `after` and `before`; a
    /// negative count is refused as the service refuses it.
    pub(crate) fn of(body: &Value) -> Result<Self, String> {
        let count = |key: &str| -> Result<Option<i64>, String> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match v.as_i64() {
                    Some(n) if n >= 0 => Ok(Some(n)),
                    _ => Err(format!("`{key}` must be a non-negative integer, not {v}")),
                },
            }
        };
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        Ok(Self {
            order_by: text("orderBy"),
            first: count("first")?,
            last: count("last")?,
            skip: count("skip")?,
            after: text("after"),
            before: text("before"),
        })
    }

    /// Orders and pages `records`.
    pub(crate) fn apply(&self, mut records: Vec<Value>) -> Result<Vec<Value>, String> {
        let (field, descending) = match self.order_by.as_deref() {
            None => ("id", false),
            Some(order) => {
                if let Some(field) = order.strip_suffix("_ASC") {
                    (field, false)
                } else if let Some(field) = order.strip_suffix("_DESC") {
                    (field, true)
                } else {
                    return Err(format!(
                        "`orderBy` {order} is neither <field>_ASC nor <field>_DESC"
                    ));
                }
            }
        };
        let key = |r: &Value| r.get(field).cloned().unwrap_or(Value::Null);
        // A stable sort: ties keep creation order.
        records.sort_by(|a, b| {
            let order = compare(&key(a), &key(b)).unwrap_or(std::cmp::Ordering::Equal);
            if descending { order.reverse() } else { order }
        });
        let position = |records: &[Value], id: &str| {
            records
                .iter()
                .position(|r| r.get("id").and_then(Value::as_str) == Some(id))
        };
        if let Some(after) = &self.after {
            records = match position(&records, after) {
                Some(i) => records.split_off(i + 1),
                None => Vec::new(),
            };
        }
        if let Some(before) = &self.before {
            match position(&records, before) {
                Some(i) => records.truncate(i),
                None => records.clear(),
            }
        }
        let skip = self.skip.unwrap_or(0) as usize;
        match (self.first, self.last) {
            (_, Some(last)) => {
                let end = records.len().saturating_sub(skip);
                let start = end.saturating_sub(last as usize);
                records.truncate(end);
                records.drain(..start);
                if let Some(first) = self.first {
                    records.truncate(first as usize);
                }
            }
            (first, None) => {
                records.drain(..skip.min(records.len()));
                if let Some(first) = first {
                    records.truncate(first as usize);
                }
            }
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(records: &[Value]) -> Vec<&str> {
        records
            .iter()
            .map(|r| r["name"].as_str().unwrap_or("?"))
            .collect()
    }

    fn records() -> Vec<Value> {
        ["c", "a", "e", "b", "d"]
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"id": format!("id{i}"), "name": n}))
            .collect()
    }

    fn page(body: Value) -> Vec<Value> {
        Page::of(&body)
            .and_then(|p| p.apply(records()))
            .unwrap_or_default()
    }

    #[test]
    fn order_cursors_skip_first_and_last() {
        assert_eq!(names(&page(json!({}))), ["c", "a", "e", "b", "d"]);
        assert_eq!(
            names(&page(json!({"orderBy": "name_ASC"}))),
            ["a", "b", "c", "d", "e"]
        );
        assert_eq!(
            names(&page(json!({"orderBy": "name_DESC", "first": 2}))),
            ["e", "d"]
        );
        assert_eq!(
            names(&page(json!({"orderBy": "name_ASC", "skip": 1, "first": 2}))),
            ["b", "c"]
        );
        // `after` the id of `b` (id3) in name order.
        assert_eq!(
            names(&page(
                json!({"orderBy": "name_ASC", "after": "id3", "first": 2})
            )),
            ["c", "d"]
        );
        assert_eq!(
            names(&page(json!({"orderBy": "name_ASC", "before": "id0"}))),
            ["a", "b"]
        );
        assert_eq!(
            names(&page(json!({"orderBy": "name_ASC", "last": 2}))),
            ["d", "e"]
        );
        assert!(page(json!({"after": "nope"})).is_empty());
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(Page::of(&json!({"first": -1})).is_err());
        let sideways = Page::of(&json!({"orderBy": "name_SIDEWAYS"})).unwrap_or_default();
        assert!(sideways.apply(records()).is_err());
    }
}
