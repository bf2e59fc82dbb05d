//! The fake's state: JSON records by collection (named after their schema:
//! `Vm`, `Host`, `Task`, ...), new ids, and a clock.
//!
//! Records are kept as the JSON the API answers, so any collection a spec
//! adds is stored, filtered and paged without code for it.

use std::collections::BTreeMap;

use serde_json::Value;

/// Where the fake clock starts: 2024-05-09T08:00:00Z, the day of the
/// spec's examples, so fake timestamps sit among theirs.
const EPOCH: i64 = 1_715_241_600;

/// Records by collection, in insertion order.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Store {
    collections: BTreeMap<String, Vec<Value>>,
    /// Counter behind ids, local ids and the clock.
    sequence: u64,
}

impl Store {
    /// The records of a collection.
    pub(crate) fn all(&self, collection: &str) -> &[Value] {
        self.collections
            .get(collection)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// One record by id.
    pub(crate) fn get(&self, collection: &str, id: &str) -> Option<&Value> {
        self.all(collection)
            .iter()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
    }

    /// One record by id, to change it.
    pub(crate) fn get_mut(&mut self, collection: &str, id: &str) -> Option<&mut Value> {
        self.collections
            .get_mut(collection)?
            .iter_mut()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
    }

    /// Adds a record (replacing one with the same id), with the fields the
    /// official document requires that it lacks ([`crate::official`]).
    pub(crate) fn insert(&mut self, collection: &str, mut record: Value) {
        if let Some(fields) = record.as_object_mut() {
            for (key, value) in crate::official::extras(collection, fields) {
                fields.entry(key).or_insert(value);
            }
        }
        let id = record.get("id").and_then(Value::as_str).map(str::to_string);
        let records = self.collections.entry(collection.to_string()).or_default();
        match records
            .iter_mut()
            .find(|r| id.is_some() && r.get("id").and_then(Value::as_str) == id.as_deref())
        {
            Some(existing) => *existing = record,
            None => records.push(record),
        }
    }

    /// Removes a record; whether there was one.
    pub(crate) fn remove(&mut self, collection: &str, id: &str) -> bool {
        let Some(records) = self.collections.get_mut(collection) else {
            return false;
        };
        let before = records.len();
        records.retain(|r| r.get("id").and_then(Value::as_str) != Some(id));
        records.len() != before
    }

    fn next(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    /// A new id shaped like CloudTower's (25 characters, `cl` and a
    /// cuid-like body). They sort in creation order, as cuids do, so the
    /// default order (by id) is the order of creation.
    pub(crate) fn new_id(&mut self) -> String {
        let n = self.next();
        format!(
            "cl{:0>10}fake0822{:0>5}",
            base36(n),
            base36(n % 36u64.pow(5))
        )
    }

    /// A new `local_id` (a UUID, as the hypervisor's ids are).
    pub(crate) fn new_local_id(&mut self) -> String {
        let n = self.next();
        format!("{:08x}-fa4e-4c1d-8e2a-{n:012x}", n as u32)
    }

    /// Now, by the fake clock: one second later at every call, so
    /// timestamps are distinct and ordered like the events they stamp.
    pub(crate) fn now(&mut self) -> String {
        let n = self.next() as i64;
        timestamp(EPOCH + n)
    }
}

/// `n` in base 36 (digits and lower-case letters, as cuids are).
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Unix seconds as CloudTower writes times: `2024-05-09T08:21:32.000Z`.
pub(crate) fn timestamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_in_the_api_format() {
        assert_eq!(timestamp(EPOCH), "2024-05-09T08:00:00.000Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn ids_are_unique_sorted_and_shaped_like_cloudtower_ids() {
        let mut store = Store::default();
        let ids: Vec<String> = (0..50).map(|_| store.new_id()).collect();
        assert!(ids.iter().all(|id| id.len() == 25 && id.starts_with("cl")));
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn records_are_replaced_by_id_and_removed() {
        let mut store = Store::default();
        store.insert("Vm", serde_json::json!({"id": "a", "name": "one"}));
        store.insert("Vm", serde_json::json!({"id": "a", "name": "two"}));
        assert_eq!(store.all("Vm").len(), 1);
        assert_eq!(
            store.get("Vm", "a").map(|r| r["name"].clone()),
            Some("two".into())
        );
        assert!(store.remove("Vm", "a"));
        assert!(!store.remove("Vm", "a"));
    }
}
