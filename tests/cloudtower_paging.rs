//! CloudTower paging (`specs/cloudtower.yaml`): `pages` and `items` follow
//! the `after` cursor, `first` asks for one item.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use cloudtower::{VM1, built, client, exact, spec, variant};
use cloudtower_api::ErrorKind;
use cloudtower_api::types::*;
use futures::{StreamExt, TryStreamExt};
use httpmock::MockServer;
use serde_json::{Value, json};

// ---------------------------------------------------------------- paging

fn numbered_vms(n: usize) -> Vec<Value> {
    let template = spec().response_example("GetVms")[0].clone();
    (1..=n)
        .map(|i| {
            variant(
                &template,
                &[
                    ("/id", &format!("vm-{i}")),
                    ("/name", &format!("web-{i:02}")),
                ],
            )
        })
        .collect()
}

#[tokio::test]
async fn pages_follow_the_after_cursor_until_a_short_page() {
    let server = MockServer::start_async().await;
    let vms = numbered_vms(5);
    let filter = json!({"name_contains": "web"});
    let pages = [
        (
            json!({"where": filter, "first": 2, "skip": 1}),
            json!([vms[0], vms[1]]),
        ),
        (
            json!({"where": filter, "first": 2, "after": "vm-2"}),
            json!([vms[2], vms[3]]),
        ),
        (
            json!({"where": filter, "first": 2, "after": "vm-4"}),
            json!([vms[4]]),
        ),
    ];
    let mocks: Vec<_> = pages
        .iter()
        .map(|(request, page)| {
            server.mock(|when, then| {
                exact(when.path("/get-vms"), None, request.clone());
                then.status(200).json_body(page.clone());
            })
        })
        .collect();
    let ct = client(&server);
    let request: GetVmsRequestBody = built(
        GetVmsRequestBody::builder()
            .where_(built::<VmWhereInput, _>(
                VmWhereInput::builder().name_contains("web".to_string()),
            ))
            .skip(1),
    );
    let sizes: Vec<usize> = ct
        .pages(request.clone(), 2)
        .map_ok(|page| page.len())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes, [2, 2, 1]);
    let names: Vec<String> = ct
        .items(request, 2)
        .map_ok(|vm| vm.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["web-01", "web-02", "web-03", "web-04", "web-05"]);
    for mock in mocks {
        assert_eq!(mock.calls_async().await, 2);
    }
}

#[tokio::test]
async fn a_full_last_page_ends_with_an_empty_one_and_errors_end_the_stream() {
    let server = MockServer::start_async().await;
    let vms = numbered_vms(2);
    server.mock(|when, then| {
        exact(when.path("/get-disks"), None, json!({"first": 2}));
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, json!({"first": 2}));
        then.status(200).json_body(json!([vms[0], vms[1]]));
    });
    server.mock(|when, then| {
        exact(
            when.path("/get-vms"),
            None,
            json!({"first": 2, "after": "vm-2"}),
        );
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/get-hosts");
        then.status(500)
            .json_body(json!({"path": "/get-hosts", "status": 500, "message": "boom"}));
    });
    let ct = client(&server);
    let pages: Vec<Vec<Vm>> = ct
        .pages(GetVmsRequestBody::default(), 2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1, "no empty page is yielded");
    let disks: Vec<Disk> = ct
        .items(GetDisksRequestBody::default(), 2)
        .try_collect()
        .await
        .unwrap();
    assert!(disks.is_empty());
    let results: Vec<_> = ct
        .pages(HostWhereInput::default(), 10)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().status(), Some(500));
    let err = ct
        .pages(GetVmsRequestBody::default(), 0)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn first_asks_for_one_item() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    server.mock(|when, then| {
        exact(
            when.path("/get-vms"),
            None,
            json!({"where": {"name": "web-01"}, "first": 1}),
        );
        then.status(200).json_body(spec.response_example("GetVms"));
    });
    server.mock(|when, then| {
        exact(
            when.path("/get-vm-snapshots"),
            None,
            json!({"where": {"id": "none"}, "first": 1}),
        );
        then.status(200).json_body(json!([]));
    });
    let ct = client(&server);
    let vm = ct.first(VmWhereInput::by_name("web-01")).await.unwrap();
    assert_eq!(vm.unwrap().id, VM1);
    let snapshot = ct.first(VmSnapshotWhereInput::by_id("none")).await.unwrap();
    assert!(snapshot.is_none());
}
