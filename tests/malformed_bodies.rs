//! Nothing is lost in a malformed answer: a 2xx body that is not the
//! documented shape is a `Decode` error that says what was wrong, never an
//! empty success, for the list operations of every provider, through the
//! typed client and through the `Compute` facade. A deeply nested array is
//! refused by serde_json's recursion limit, not by a stack overflow. The
//! documented bodies still parse.

mod common;

use cloud_common::{Compute, Error, ErrorKind};
use common::Spec;
use httpmock::MockServer;
use serde_json::{Value, json};
use tensordock_api::{ClientConfig, RetryPolicy};

/// An array nested 10,000 deep: far past serde_json's limit of 128, deep
/// enough to overflow the stack of anything that recursed without one.
fn nested() -> String {
    "[".repeat(10_000) + &"]".repeat(10_000)
}

/// `json` with the text `DEEP` (a JSON string) replaced by [`nested`].
fn with_deep(json: Value) -> String {
    json.to_string().replace("\"DEEP\"", &nested())
}

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url())
        .retry(RetryPolicy::never())
        .no_rate_limit()
}

/// Makes `server` answer every request with a 200 and `body`.
async fn answer(server: &MockServer, body: &str) {
    server.reset_async().await;
    server.mock(|_, then| {
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    });
}

/// Asserts that `result` is a `Decode` error of a 200 whose message has
/// every one of `says`.
#[track_caller]
fn assert_decode<T: std::fmt::Debug>(what: &str, result: Result<T, Error>, says: &[&str]) {
    let e = match result {
        Ok(v) => panic!("{what}: a malformed body was a success: {v:?}"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), ErrorKind::Decode, "{what}: {e}");
    assert_eq!(e.status(), Some(200), "{what}: {e}");
    // What was wrong is the serde error, the cause at the end of `Display`.
    let shown = e.to_string();
    for s in says {
        assert!(shown.contains(s), "{what}: {shown} does not say {s:?}");
    }
}

mod tensordock_v0 {
    use super::*;
    use tensordock_api::v0::TensorDock;

    const VM: &str = "65e7edca-888a-4e66-a975-2c6cd4cd218b";

    /// Every v0 list operation, as the number of entries it returned.
    async fn lists(td: &TensorDock) -> Vec<(&'static str, Result<usize, Error>)> {
        let summary = td.monthly_summary("2024-02").await.map(|s| {
            s.transactions.map_or(0, |t| {
                t.deposits.len()
                    + t.withdrawals.len()
                    + t.storage_expenses.len()
                    + t.storage_payouts.len()
                    + t.vm_expenses.len()
                    + t.vm_payouts.len()
            })
        });
        vec![
            ("listVms", td.list_vms().await.map(|m| m.len())),
            (
                "listHostnodes",
                td.list_hostnodes(&Default::default())
                    .await
                    .map(|m| m.len()),
            ),
            ("authList", td.auth_list().await.map(|m| m.len())),
            (
                "listContainerReplicas",
                td.container_replicas("c-1").await.map(|v| v.len()),
            ),
            ("getRevenue", td.revenue(|r| r).await.map(|v| v.len())),
            ("getMonthlySummary", summary),
            (
                "Compute::list_instances",
                Compute::list_instances(td).await.map(|v| v.len()),
            ),
        ]
    }

    /// What each entry of `lists` is: its response type and the property
    /// that holds its entries.
    const SHAPES: &[(&str, &str, &str)] = &[
        ("listVms", "ListVmsResponse", "virtualmachines"),
        ("listHostnodes", "HostnodeListResponse", "hostnodes"),
        ("authList", "AuthListResponse", "authorizations"),
        ("listContainerReplicas", "ReplicasResponse", "result"),
        ("getRevenue", "RevenueResponse", "data"),
        (
            "getMonthlySummary",
            "MonthlySummaryResponse",
            "transactions",
        ),
        (
            "Compute::list_instances",
            "ListVmsResponse",
            "virtualmachines",
        ),
    ];

    fn shape(op: &str) -> (&'static str, &'static str) {
        let (_, ty, key) = SHAPES.iter().find(|(o, _, _)| *o == op).expect(op);
        (ty, key)
    }

    async fn client() -> (MockServer, TensorDock) {
        let server = MockServer::start_async().await;
        let td = TensorDock::with_config(config(&server), ("k", "t")).unwrap();
        (server, td)
    }

    #[tokio::test]
    async fn a_deeply_nested_array_is_a_decode_error_for_every_list() {
        let (server, td) = client().await;
        answer(&server, &nested()).await;
        for (op, result) in lists(&td).await {
            let (ty, _) = shape(op);
            let expected = format!("invalid type: sequence, expected struct {ty}");
            assert_decode(op, result, &[&expected]);
        }
    }

    #[tokio::test]
    async fn a_deeply_nested_array_in_place_of_the_entries_is_a_decode_error() {
        let (server, td) = client().await;
        for (op, ty, key) in SHAPES {
            answer(&server, &with_deep(json!({ *key: "DEEP" }))).await;
            let result = lists(&td)
                .await
                .into_iter()
                .find(|(o, _)| o == op)
                .unwrap()
                .1;
            // A map of entries cannot be an array; a list of entries
            // cannot have an array as an entry; a statement's
            // transactions are an object.
            let says = match *key {
                "virtualmachines" | "hostnodes" | "authorizations" => {
                    "invalid type: sequence, expected a map".to_string()
                }
                "result" => "expected struct Replica".to_string(),
                "data" => "expected struct HostnodeRevenue".to_string(),
                _ => "expected struct BillingTransactions".to_string(),
            };
            assert_decode(&format!("{op} ({ty}.{key})"), result, &[&says]);
        }
    }

    #[tokio::test]
    async fn an_array_where_an_entry_belongs_is_a_decode_error() {
        let (server, td) = client().await;
        let cases: &[(&str, Value, &str)] = &[
            (
                "listVms",
                json!({"success": true, "virtualmachines": {VM: []}}),
                "expected struct VirtualMachine",
            ),
            (
                "Compute::list_instances",
                json!({"success": true, "virtualmachines": {VM: [null, null]}}),
                "expected struct VirtualMachine",
            ),
            (
                "listHostnodes",
                json!({"success": true, "hostnodes": {"h": []}}),
                "expected struct Hostnode",
            ),
            (
                "authList",
                json!({"success": true, "authorizations": {"a": []}}),
                "expected struct Authorization",
            ),
            (
                "listContainerReplicas",
                json!({"result": [[], {"vm_uuid": VM}]}),
                "expected struct Replica",
            ),
            (
                "getRevenue",
                json!({"data": [[], {"hostnode_id": "h"}]}),
                "expected struct HostnodeRevenue",
            ),
            // Every field of BillingTransactions has a default, so serde's
            // derive alone read `[]` (and `[[], []]`) as an empty statement.
            (
                "getMonthlySummary",
                json!({"final_balance": "1.00", "transactions": []}),
                "invalid type: sequence, expected struct BillingTransactions",
            ),
            (
                "getMonthlySummary",
                json!({"transactions": [[], []]}),
                "invalid type: sequence, expected struct BillingTransactions",
            ),
            (
                "getMonthlySummary",
                json!({"transactions": {"vm_payouts": [[]]}}),
                "expected struct BillingLineItem",
            ),
        ];
        for (op, body, says) in cases {
            answer(&server, &body.to_string()).await;
            let result = lists(&td)
                .await
                .into_iter()
                .find(|(o, _)| o == op)
                .unwrap()
                .1;
            assert_decode(&format!("{op} {body}"), result, &[says]);
        }
    }

    #[tokio::test]
    async fn deep_nesting_in_a_free_form_field_hits_the_recursion_limit() {
        // Deposits have no documented item shape (any JSON value), so only
        // serde_json's recursion limit stands between this and the stack.
        let (server, td) = client().await;
        answer(
            &server,
            &with_deep(json!({"transactions": {"deposits": ["DEEP"]}})),
        )
        .await;
        let result = td.monthly_summary("2024-02").await;
        assert_decode("getMonthlySummary", result, &["recursion limit exceeded"]);
    }

    #[tokio::test]
    async fn the_documented_bodies_still_parse() {
        let spec = Spec::load("tensordock.yaml");
        let (server, td) = client().await;
        for (op, _, _) in SHAPES {
            let id = op
                .strip_prefix("Compute::list_instances")
                .map_or(*op, |_| "listVms");
            answer(&server, &spec.response_example(id).to_string()).await;
            let result = lists(&td)
                .await
                .into_iter()
                .find(|(o, _)| o == op)
                .unwrap()
                .1;
            let n = result.unwrap_or_else(|e| panic!("{op}: {e}"));
            assert!(n > 0, "{op}: the example's entries were lost");
        }
    }
}

mod tensordock_v2 {
    use super::*;
    use tensordock_api::v2::TensorDock;

    const ID: &str = "468b716a-6747-4cbe-9f13-afc153a21c14";

    async fn client() -> (MockServer, TensorDock) {
        let server = MockServer::start_async().await;
        let td = TensorDock::with_config(config(&server), "tok").unwrap();
        (server, td)
    }

    /// The instance list of each documented shape with `entries` as its
    /// entries, and the path of the first entry.
    fn in_every_shape(entries: Value) -> Vec<(Value, &'static str)> {
        vec![
            (
                json!({"data": {"instances": entries.clone()}}),
                "InstancesKeyed: data.instances[0]",
            ),
            (
                json!({"data": {"type": "list", "id": "instances", "attributes": {"instances": entries.clone()}}}),
                "InstancesListResource: data.attributes.instances[0]",
            ),
            (json!({"data": entries}), "InstancesArray: data[0]"),
        ]
    }

    #[tokio::test]
    async fn a_malformed_first_entry_is_a_decode_error_that_names_it() {
        let (server, td) = client().await;
        let good = json!({"type": "virtualmachine", "id": ID, "name": "a", "status": "running"});
        // An array where the first instance belongs: empty, and one with
        // a value for each of the item's fields in declaration order,
        // which serde's derive alone read as an instance (its sequence
        // form of a struct).
        let lined_up = json!([null, ID, null, "a", [], null, "running", "virtualmachine"]);
        for first in [json!([]), lined_up] {
            for (body, path) in in_every_shape(json!([first, good])) {
                answer(&server, &body.to_string()).await;
                let says =
                    format!("{path}: invalid type: sequence, expected struct InstanceListItem");
                assert_decode(&format!("instances {body}"), td.instances().await, &[&says]);
                assert_decode(
                    &format!("Compute::list_instances {body}"),
                    Compute::list_instances(&td).await,
                    &[&says],
                );
            }
        }
    }

    #[tokio::test]
    async fn a_deeply_nested_array_is_a_decode_error() {
        let (server, td) = client().await;
        for body in [
            nested(),
            with_deep(json!({"data": "DEEP"})),
            with_deep(json!({"data": {"instances": ["DEEP"]}})),
        ] {
            answer(&server, &body).await;
            // The body is first buffered to try the list's shapes in turn,
            // and serde_json refuses it at 128 levels while buffering.
            assert_decode(
                "instances",
                td.instances().await,
                &["recursion limit exceeded"],
            );
            assert_decode(
                "Compute::list_instances",
                Compute::list_instances(&td).await,
                &["recursion limit exceeded"],
            );
        }
    }

    #[tokio::test]
    async fn the_documented_bodies_still_parse() {
        let spec = Spec::load("tensordock-v2.yaml");
        let (server, td) = client().await;
        let examples = spec.response_examples("listInstances");
        assert_eq!(examples.len(), 3);
        for (name, example) in examples {
            answer(&server, &example.to_string()).await;
            let listed = td
                .instances()
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(listed.len(), 1, "{name}");
            let neutral = Compute::list_instances(&td).await.unwrap();
            assert_eq!(neutral.len(), 1, "{name}");
        }
    }
}

mod neolink {
    use super::*;
    use neolink_api::Neolink;

    const CLUSTER: &str = "cluster-1";

    #[tokio::test]
    async fn an_array_where_an_instance_belongs_is_a_decode_error() {
        let server = MockServer::start_async().await;
        let neolink = Neolink::with_config(config(&server), "tok")
            .unwrap()
            .with_namespace("ns")
            .unwrap();
        let compute = neolink.in_cluster(CLUSTER);
        let cases: &[(String, &str)] = &[
            (
                json!({"hasNextPage": false, "totalCount": 2, "nodes": [[], {"name": "a"}]})
                    .to_string(),
                "invalid type: sequence, expected struct Instance",
            ),
            (
                nested(),
                "invalid type: sequence, expected struct InstanceList",
            ),
            (
                with_deep(json!({"hasNextPage": false, "totalCount": 1, "nodes": ["DEEP"]})),
                "invalid type: sequence, expected struct Instance",
            ),
        ];
        for (body, says) in cases {
            answer(&server, body).await;
            assert_decode("instances", neolink.instances(CLUSTER).await, &[says]);
            assert_decode(
                "Compute::list_instances",
                compute.list_instances().await,
                &[says],
            );
        }
        let spec = Spec::load("neolink.yaml");
        for (name, example) in spec.response_examples("listInstances") {
            answer(&server, &example.to_string()).await;
            let list = neolink
                .instances(CLUSTER)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(list.nodes.len(), 1, "{name}");
            assert_eq!(compute.list_instances().await.unwrap().len(), 1, "{name}");
        }
    }
}

mod cloudtower {
    use super::*;
    use cloudtower_api::CloudTower;
    use cloudtower_api::types::GetVmsRequestBody;

    #[tokio::test]
    async fn an_array_where_a_vm_belongs_is_a_decode_error() {
        let server = MockServer::start_async().await;
        let ct = CloudTower::with_config(config(&server), "tok").unwrap();
        for body in [
            json!([[], {"id": "vm-1"}]).to_string(),
            nested(),
            with_deep(json!(["DEEP"])),
        ] {
            answer(&server, &body).await;
            let says = "invalid type: sequence, expected struct Vm";
            assert_decode(
                "getVms",
                ct.get_vms(GetVmsRequestBody::default()).await,
                &[says],
            );
            assert_decode(
                "Compute::list_instances",
                ct.list_instances().await,
                &[says],
            );
        }
        let spec = Spec::load("cloudtower.yaml");
        let example = spec.response_example("GetVms");
        let n = example.as_array().map(Vec::len).unwrap_or_default();
        assert!(n > 0);
        answer(&server, &example.to_string()).await;
        let vms = ct.get_vms(GetVmsRequestBody::default()).await.unwrap();
        assert_eq!(vms.len(), n);
        assert_eq!(ct.list_instances().await.unwrap().len(), n);
    }
}
