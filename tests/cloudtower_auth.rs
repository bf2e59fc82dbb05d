//! CloudTower authentication (`specs/cloudtower.yaml`): logging in (a
//! plain base URL, the whole `LoginInput`, a refused login) and redaction
//! (neither the token nor the password is ever shown). The `Login`
//! operation's contract test is in `cloudtower_contract_cluster.rs`.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use cloudtower::{TOKEN, config, spec, to_json};
use cloudtower_api::types::*;
use cloudtower_api::{CloudTower, ErrorKind, UserSource};
use httpmock::{Method, MockServer};
use serde_json::json;

// ---------------------------------------------------------------- login

#[tokio::test]
async fn login_takes_a_plain_base_url_and_leaves_out_a_missing_source() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/login")
            .header_missing("authorization")
            .json_body(json!({"username": "ldap-user", "password": "pw"}));
        then.status(200).json_body(spec.response_example("Login"));
    });
    CloudTower::login(server.base_url(), "ldap-user", "pw", None)
        .await
        .expect("logged in");
    mock.assert_async().await;
}

#[tokio::test]
async fn login_with_sends_the_whole_login_input() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method(Method::POST).path("/login").json_body(json!({
            "username": "alice", "password": "pw", "source": "AUTHN",
            "auth_config_id": "cl2k0authn0000000000000001"
        }));
        then.status(200).json_body(spec.response_example("Login"));
    });
    let input = LoginInput::builder()
        .username("alice")
        .password(cloudtower_api::Secret::new("pw"))
        .source(UserSource::Authn)
        .auth_config_id("cl2k0authn0000000000000001".to_string());
    CloudTower::login_with(config(&server), input)
        .await
        .expect("logged in");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_refused_login_is_an_api_error_with_the_server_message() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/login");
        then.status(400).json_body(json!({
            "path": "/login", "status": 400, "message": "username or password is wrong"
        }));
    });
    let err = CloudTower::login(config(&server), "admin", "wrong", UserSource::Local)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.operation()),
        (ErrorKind::Api, Some(400), "Login")
    );
    assert_eq!(err.message(), "username or password is wrong");
}

// ---------------------------------------------------------------- redaction

#[tokio::test]
async fn debug_and_display_never_show_the_token_or_the_password() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let issued = spec.response_example("Login")["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    const PASSWORD: &str = "Sup3r-S3cret-Passw0rd!";
    server.mock(|when, then| {
        when.path("/login")
            .json_body_includes(json!({"password": PASSWORD}).to_string());
        then.status(200).json_body(spec.response_example("Login"));
    });
    server.mock(|when, then| {
        when.path("/login");
        then.status(400)
            .json_body(json!({"path": "/login", "status": 400, "message": "wrong password"}));
    });
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(401).body("unauthorized");
    });
    let logged_in = CloudTower::login(config(&server), "admin", PASSWORD, UserSource::Local).await;
    let refused = CloudTower::login(
        config(&server),
        "admin",
        "wrong-Passw0rd",
        UserSource::Local,
    )
    .await;
    let ct = logged_in.as_ref().unwrap();
    let err = ct.get_vms(GetVmsRequestBody::default()).await.unwrap_err();
    let input = LoginInput::builder()
        .username("admin")
        .password(cloudtower_api::Secret::new(PASSWORD))
        .source(UserSource::Local);
    let input = LoginInput::try_from(input).unwrap();
    let response: WithTaskLoginResponse =
        serde_json::from_value(spec.response_example("Login")).unwrap();
    let mut shown = format!(
        "{ct:?} {ct:#?} {logged_in:?} {refused:?} {err} {err:?} {input:?} {response:?} {:?} {}",
        ct.token(),
        ct.token()
    );
    if let Err(e) = &refused {
        shown.push_str(&format!("{e} {e:#?}"));
    }
    let other = CloudTower::new(server.base_url(), TOKEN).unwrap();
    shown.push_str(&format!("{other:?} {:?}", other.native()));
    for secret in [issued.as_str(), PASSWORD, "wrong-Passw0rd", TOKEN] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(
        ct.token().expose(),
        issued,
        "still there for whoever needs it"
    );
    // The password is on the wire only.
    assert_eq!(to_json!(&input)["password"], PASSWORD);
}
