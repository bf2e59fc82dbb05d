//! The fake CloudTower's behaviour: [`CloudTowerService`] answers each
//! request the transport has matched to an operation and checked against
//! the spec. Pure logic over the [`Store`], so it is tested by calling
//! [`Service::handle`] with request values.
//!
//! Operations are answered by their shapes (see [`Kind`]), so operations
//! that a spec adds are served without code; only what no shape tells is
//! written out: the VM power rules (start needs a stopped VM, ...), a
//! VM's devices, snapshots' frozen disks.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::filter::Filter;
use super::messages::{Action, Lang, Message, ZH};
use super::paging::Page;
use super::spec::{Kind, Operation, Spec, Target, ref_name};
use super::store::Store;
use super::tasks::{Effect, Subject, Tasks, kind_name};
use cloud_fake::{Body, Request, Response, Service};

// The service's behaviour by concern; each adds to `CloudTowerService`.
mod create;
mod devices;
mod emulator;
mod mutate;
mod seed;
mod version;

/// The username [`CloudTowerService`] accepts until others are added.
pub const DEFAULT_USERNAME: &str = "admin";
/// The password of [`DEFAULT_USERNAME`].
pub const DEFAULT_PASSWORD: &str = "fake-password";

/// An error answer: CloudTower's `ErrorBody` fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    status: u16,
    message: String,
    code: Option<&'static str>,
    props: Option<Value>,
}

impl Failure {
    fn new(status: u16, message: String) -> Self {
        Self {
            status,
            message,
            code: None,
            props: None,
        }
    }
}

type Answer = Result<Value, Failure>;

/// The state and behaviour of a fake CloudTower. [`crate::Fake`] serves
/// it over HTTP; its seeding and inspection methods are the `Fake`'s.
#[derive(Debug)]
pub struct CloudTowerService {
    spec: std::sync::Arc<Spec>,
    store: Store,
    tasks: Tasks,
    /// Username to password.
    users: BTreeMap<String, String>,
    /// Token to the `{id, name}` of its user.
    tokens: BTreeMap<String, Value>,
    /// The next create finishes its tasks at once (the named fault
    /// `duplicate-vm-after-sync-timeout`).
    sync_timeout: bool,
    /// The release it runs, when pinned to one (see `service/version.rs`).
    pinned: Option<cloudtower_api::Version>,
}

/// What a mutation does to one matched record.
struct Plan {
    async_status: &'static str,
    /// Fields of the placeholder `data` the answer shows.
    shown: Map<String, Value>,
    effects: Vec<Effect>,
}

impl Plan {
    fn new(async_status: &'static str) -> Self {
        Self {
            async_status,
            shown: Map::new(),
            effects: Vec::new(),
        }
    }

    fn merge(mut self, collection: &str, id: &str, patch: Map<String, Value>) -> Self {
        if !patch.is_empty() {
            self.effects.push(Effect::Merge {
                collection: collection.into(),
                id: id.into(),
                patch,
            });
        }
        self
    }
}

/// `bytes` of `unit` (CloudTower's `ByteUnit`) in bytes.
fn in_bytes(amount: &Value, unit: Option<&str>) -> Option<Value> {
    let n = amount.as_u64()?;
    let shift = match unit.unwrap_or("B") {
        "B" => 0,
        "KB" => 10,
        "MB" => 20,
        "GB" => 30,
        "TB" => 40,
        "PB" => 50,
        _ => return None,
    };
    n.checked_mul(1u64 << shift).map(Value::from)
}

/// `VmDisk` as a field name: `vm_disk`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A property schema without its documentation: two schemas' fields are
/// the same field when their shapes are.
fn shape(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "description" | "example" | "title"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

impl CloudTowerService {
    /// A CloudTower with nothing in it and one user,
    /// [`DEFAULT_USERNAME`] / [`DEFAULT_PASSWORD`]. The spec is the one
    /// this crate is generated from.
    pub fn new() -> Result<Self, String> {
        let mut users = BTreeMap::new();
        users.insert(DEFAULT_USERNAME.to_string(), DEFAULT_PASSWORD.to_string());
        Ok(Self {
            spec: Spec::load()?,
            store: Store::default(),
            tasks: Tasks::default(),
            users,
            tokens: BTreeMap::new(),
            sync_timeout: false,
            pinned: None,
        })
    }

    // ----------------------------------------------------------- answering

    fn failure(&self, lang: Lang, status: u16, message: Message<'_>) -> Failure {
        Failure::new(status, message.text(lang))
    }

    fn error_response(&self, failure: Failure, path: &str) -> Response {
        let mut body = json!({"message": failure.message, "status": failure.status, "path": path});
        if let Some(code) = failure.code {
            body["code"] = code.into();
        }
        if let Some(props) = failure.props {
            body["props"] = props;
        }
        Response {
            status: failure.status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    /// The `{id, name}` of the user whose token the request carries (`Null`
    /// for login, which needs none), or the 401 answer.
    fn authenticate(
        &self,
        op: &Operation,
        request: &Request,
        lang: Lang,
    ) -> Result<Value, Response> {
        if op.kind == Kind::Login {
            return Ok(Value::Null);
        }
        self.user_of(request).ok_or_else(|| {
            let failure = self.failure(lang, 401, Message::Unauthorized);
            self.error_response(failure, &op.path)
        })
    }

    fn user_of(&self, request: &Request) -> Option<Value> {
        let token = request.headers.get("authorization")?.to_str().ok()?;
        self.tokens.get(token).cloned()
    }

    fn answer(&mut self, op: &Operation, request: &Request, lang: Lang, user: &Value) -> Answer {
        let body = &request.body;
        match &op.kind {
            Kind::Login => self.login(body, lang),
            Kind::List { item, where_input } => {
                let records = self.select(item, where_input.as_deref(), body, lang)?;
                let records = self.page(body, records, lang)?;
                let out = records
                    .iter()
                    .map(|r| self.localized(r, item, lang))
                    .collect();
                Ok(Value::Array(out))
            }
            Kind::Count {
                collection,
                where_input,
            } => {
                // The count of the page the paging arguments select, as
                // Prisma 1 (since 1.17) counts a connection.
                let records = self.select(collection, where_input.as_deref(), body, lang)?;
                let n = self.page(body, records, lang)?.len();
                let mut value = op
                    .response
                    .as_ref()
                    .map(|s| self.spec.synth(s))
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({}));
                value["aggregate"] = json!({"count": n});
                Ok(value)
            }
            Kind::Mutation {
                data,
                array,
                target,
            } => {
                let results = match target {
                    Target::Where {
                        collection,
                        where_input,
                    } => {
                        let filter = body.get("where").cloned().unwrap_or(Value::Null);
                        self.mutate_where(
                            op,
                            collection,
                            Some(where_input),
                            &filter,
                            data,
                            body,
                            lang,
                            user,
                        )?
                    }
                    Target::Named { collection } => {
                        // `{"<collection>_id": id}` is `{"id": id}`.
                        let key = format!("{}_id", snake(collection));
                        let id = body
                            .pointer(&format!("/where/{key}"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        let filter = json!({"id": id});
                        self.mutate_where(op, collection, None, &filter, data, body, lang, user)?
                    }
                    Target::Create { collection, .. } => {
                        self.mutate_create(op, collection, data, body, lang, user)?
                    }
                };
                if *array {
                    Ok(Value::Array(results))
                } else {
                    let schema = op.response.clone().unwrap_or(Value::Null);
                    Ok(results
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| self.spec.synth(&schema)))
                }
            }
            Kind::Other => Ok(op
                .response
                .as_ref()
                .map(|s| self.spec.synth(s))
                .unwrap_or(Value::Null)),
        }
    }

    /// The records `body`'s `orderBy`, cursors, `skip` and `first`/`last`
    /// select, in order.
    fn page(&self, body: &Value, records: Vec<Value>, lang: Lang) -> Result<Vec<Value>, Failure> {
        Page::of(body)
            .and_then(|p| p.apply(records))
            .map_err(|e| self.failure(lang, 400, Message::Invalid(&e)))
    }

    fn login(&mut self, body: &Value, lang: Lang) -> Answer {
        let (username, password) = (text(body, "username"), text(body, "password"));
        if self.users.get(username).map(String::as_str) != Some(password) {
            return Err(self.failure(lang, 400, Message::BadCredentials));
        }
        let token = self.token_for(username);
        Ok(json!({"task_id": null, "data": {"token": token}}))
    }

    /// The records of `collection` that `body.where` matches. A read of
    /// tasks is a poll: the tasks it matches move a step first.
    fn select(
        &mut self,
        collection: &str,
        where_input: Option<&str>,
        body: &Value,
        lang: Lang,
    ) -> Result<Vec<Value>, Failure> {
        let filter = body.get("where").cloned().unwrap_or(Value::Null);
        if collection == "GpuDevice" {
            self.sync_gpu_assignment();
        }
        let matched = self.matching(collection, where_input, &filter, lang)?;
        if collection != "Task" {
            return Ok(matched);
        }
        let ids: Vec<String> = matched.iter().map(|t| text(t, "id").to_string()).collect();
        self.tasks.advance(&mut self.store, &ids);
        Ok(ids
            .iter()
            .filter_map(|id| self.store.get("Task", id).cloned())
            .collect())
    }

    fn matching(
        &self,
        collection: &str,
        where_input: Option<&str>,
        filter: &Value,
        lang: Lang,
    ) -> Result<Vec<Value>, Failure> {
        let f = Filter {
            spec: &self.spec,
            store: &self.store,
        };
        let mut out = Vec::new();
        for record in self.store.all(collection) {
            match f.matches(where_input, record, filter) {
                Ok(true) => out.push(record.clone()),
                Ok(false) => {}
                Err(e) => return Err(self.failure(lang, 400, Message::Invalid(&e))),
            }
        }
        Ok(out)
    }

    /// A record in `lang`, as the API answers it.
    fn localized(&self, record: &Value, collection: &str, lang: Lang) -> Value {
        let mut record = record.clone();
        if lang == Lang::Zh
            && let Some(Value::Object(zh)) = record.get(ZH).cloned()
            && let Some(r) = record.as_object_mut()
        {
            r.extend(zh);
        }
        self.spec.project(&record, collection, collection)
    }
}

impl Service for CloudTowerService {
    fn handle(&mut self, request: &Request) -> Response {
        if let Some(answer) = self.version_answer(request) {
            return answer;
        }
        let lang = Lang::of(&request.headers);
        let Some(op) = self.spec.operation(&request.operation_id).cloned() else {
            let failure = self.failure(
                lang,
                404,
                Message::NotFound {
                    kind: "operation",
                    id: &request.operation_id,
                },
            );
            return self.error_response(failure, &request.path);
        };
        let user = match self.authenticate(&op, request, lang) {
            Ok(user) => user,
            Err(refused) => return refused,
        };
        match self.answer(&op, request, lang, &user) {
            Ok(body) => Response {
                status: 200,
                headers: vec![("content-language".into(), lang.tag().into())],
                body: Body::Json(body),
            },
            Err(failure) => self.error_response(failure, &op.path),
        }
    }

    fn invalid(&mut self, request: &Request, problem: &str) -> Response {
        // An operation the pinned release lacks is unknown, valid or not.
        if let Some(answer) = self.version_answer(request) {
            return answer;
        }
        let lang = Lang::of(&request.headers);
        let op = self.spec.operation(&request.operation_id).cloned();
        // The token is checked before the request itself, as CloudTower's
        // authentication runs before its validation.
        if let Some(op) = &op
            && let Err(refused) = self.authenticate(op, request, lang)
        {
            return refused;
        }
        let path = op.map_or_else(|| request.path.clone(), |op| op.path);
        let failure = self.failure(lang, 400, Message::Invalid(problem));
        self.error_response(failure, &path)
    }

    fn not_found(&mut self, request: &Request) -> Response {
        let lang = Lang::of(&request.headers);
        let failure = self.failure(
            lang,
            404,
            Message::NoRoute {
                method: request.method.as_str(),
                path: &request.path,
            },
        );
        self.error_response(failure, &request.path)
    }

    fn fault(&mut self, request: &Request, status: u16) -> Response {
        let lang = Lang::of(&request.headers);
        let path = self
            .spec
            .operation(&request.operation_id)
            .map_or_else(|| request.path.clone(), |op| op.path.clone());
        let failure = self.failure(lang, status, Message::Injected(status));
        self.error_response(failure, &path)
    }

    fn save_state(&self) -> Result<Value, String> {
        self.save()
    }

    fn load_state(&mut self, state: Value) -> Result<(), String> {
        self.load(state)
    }

    fn pace(&self) -> Option<cloud_fake::Pace> {
        Some(CloudTowerService::pace(self))
    }

    fn set_pace(&mut self, pace: cloud_fake::Pace) {
        CloudTowerService::set_pace(self, pace);
    }

    fn tick(&mut self) {
        CloudTowerService::tick(self);
    }

    fn named_faults(&self) -> Vec<cloud_fake::NamedFault> {
        emulator::NAMED.to_vec()
    }

    fn named_fault(&mut self, name: &str, request: &Request) -> Option<cloud_fake::Fault> {
        self.named(name, request)
    }
}
