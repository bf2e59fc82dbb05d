//! The version check against a fake pinned to an older CloudTower: opted
//! in, an operation newer than the server is refused before anything is
//! sent, with both releases named, and an older one goes through; not
//! opted in, the request is sent and the server's 404 comes back as an API
//! error.

use cloudtower_api::generated::operation_ids::{GET_API_VERSION, GET_NTP_SERVICE_URL, GET_VMS};
use cloudtower_api::types::VmStatus;
use cloudtower_api::{ErrorKind, VersionTooOld};
use cloudtower_fake::Fake;

/// How many requests of `operation_id` the fake received.
fn sent(fake: &Fake, operation_id: &str) -> usize {
    fake.received()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some(operation_id))
        .count()
}

/// `GetNtpServiceUrl` is recorded since 4.5.0, `GetVms` since 4.0.0 (or
/// earlier): the test is about these two.
#[test]
fn the_operations_used_here_are_recorded_as_the_tests_assume() {
    assert_eq!(
        cloudtower_api::since(GET_NTP_SERVICE_URL).map(|v| v.to_string()),
        Some("4.5.0".into())
    );
    assert_eq!(
        cloudtower_api::since(GET_VMS).map(|v| v.to_string()),
        Some("4.0.0".into())
    );
}

#[tokio::test]
async fn opted_in_a_newer_operation_is_refused_before_sending_and_an_older_one_is_sent() {
    let fake = Fake::start().await.expect("fake");
    fake.add_vm("web-01", VmStatus::Running);
    fake.pin_version("4.3.0".parse().unwrap());
    let ct = fake.client().expect("client").with_version_check(true);

    let err = ct.get_ntp_service_url().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert_eq!(err.operation(), GET_NTP_SERVICE_URL);
    let too_old = VersionTooOld::of(&err).expect("the cause names the releases");
    assert_eq!(too_old.since.to_string(), "4.5.0");
    assert_eq!(too_old.server.to_string(), "4.3.0");
    let text = err.to_string();
    assert!(
        text.contains("4.5.0") && text.contains("4.3.0"),
        "both releases in `{text}`"
    );
    assert_eq!(
        sent(&fake, GET_NTP_SERVICE_URL),
        0,
        "refused before sending"
    );

    let vms = ct
        .get_vms(serde_json::json!({}))
        .await
        .expect("an old operation");
    assert_eq!(vms.len(), 1);
    // Asked once, and a clone shares the answer.
    ct.clone().get_ntp_service_url().await.unwrap_err();
    assert_eq!(sent(&fake, GET_API_VERSION), 1);
}

#[tokio::test]
async fn not_opted_in_the_request_is_sent_and_the_404_is_an_api_error() {
    let fake = Fake::start().await.expect("fake");
    fake.pin_version("4.3.0".parse().unwrap());
    let ct = fake.client().expect("client");
    assert!(!ct.version_check());

    let err = ct.get_ntp_service_url().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(VersionTooOld::of(&err).is_none());
    assert_eq!(sent(&fake, GET_NTP_SERVICE_URL), 1);
    assert_eq!(sent(&fake, GET_API_VERSION), 0, "nothing asked when off");
}

#[tokio::test]
async fn a_server_new_enough_answers_and_says_its_release() {
    let fake = Fake::start().await.expect("fake");
    let ct = fake.client().expect("client").with_version_check(true);
    // Unpinned, the fake runs the spec's release.
    assert_eq!(ct.server_version().await.unwrap().to_string(), "4.6.0");
    assert!(ct.supports(GET_NTP_SERVICE_URL).await.unwrap());
    let url = ct.get_ntp_service_url().await.expect("4.6.0 has it");
    assert!(!url.ntp_service_url.is_empty());

    fake.pin_version("4.5.0".parse().unwrap());
    let fresh = fake.client().expect("client").with_version_check(true);
    fresh.get_ntp_service_url().await.expect("4.5.0 has it");
    fake.pin_version("4.4.1".parse().unwrap());
    let older = fake.client().expect("client");
    assert!(!older.supports(GET_NTP_SERVICE_URL).await.unwrap());
    // `get-version` needs no token, as on CloudTower.
    let anonymous = cloudtower_api::CloudTower::new(fake.base_url(), "not-a-token").unwrap();
    assert_eq!(
        anonymous.server_version().await.unwrap().to_string(),
        "4.4.1"
    );
}
