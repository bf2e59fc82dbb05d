//! Black-box tests of the built `fleet` binary.

mod common;

use std::path::Path;

use common::{
    BIN, CT, V2, code, fleet, in_tmux, json, listed_commands, run, scratch, stderr, stdout,
};

#[test]
fn instances_lists_every_fake_as_json() {
    let o = run(&mut fleet(&["--fake", "instances", "--output", "json"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json(&o);
    let rows = rows.as_array().expect("an array");
    let providers: Vec<&str> = rows
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    // The seeded instances, provider by provider.
    assert_eq!(
        providers,
        [
            "tensordock-v2",
            "tensordock-v2",
            "tensordock-v0",
            "tensordock-v0",
            "neolink",
            "neolink",
            "neolink",
            "cloudtower",
            "cloudtower",
            "cloudtower",
            "cloudtower"
        ]
    );
    let v0 = &rows[2];
    assert_eq!(v0["name"], "trainer-1");
    assert_eq!(v0["state"], "stopped");
    assert_eq!(v0["gpu_count"], 1);
    assert_eq!(v0["vcpus"], 8);
    assert_eq!(v0["memory_gib"], 32.0);
    for r in rows {
        for field in [
            "id",
            "name",
            "state",
            "gpu_model",
            "gpu_count",
            "vcpus",
            "memory_gib",
        ] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
}

#[test]
fn instances_narrowed_to_one_provider_as_yaml_and_table() {
    let o = run(&mut fleet(&[
        "--fake",
        "instances",
        "--provider",
        "neolink",
        "-o",
        "yaml",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("provider: neolink"), "{out}");
    assert!(!out.contains("cloudtower"), "{out}");

    let o = run(&mut fleet(&[
        "--fake",
        "instances",
        "--provider",
        "cloudtower",
    ]));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("PROVIDER"), "{out}");
    assert!(lines[1].contains("web-01") && lines[1].contains("stopped"));
    // Not a terminal: no colour codes.
    assert!(!out.contains('\x1b'), "{out:?}");
}

#[test]
fn show_one_instance() {
    let o = run(&mut fleet(&["--fake", "show", CT, "-o", "json"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let row = json(&o);
    assert_eq!(row["provider"], "cloudtower");
    assert_eq!(row["name"], "web-01");
    assert_eq!(row["vcpus"], 4);
}

#[test]
fn start_stop_delete_report_each_action() {
    let o = run(&mut fleet(&["--fake", "start", V2, CT, "-o", "json"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let done = json(&o);
    assert_eq!(done[0]["action"], "started");
    assert_eq!(done[1]["provider"], "cloudtower");
    let o = run(&mut fleet(&["--fake", "stop", "--yes", V2]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), format!("stopped {V2}"));
    let o = run(&mut fleet(&["--fake", "delete", "--yes", CT, "-o", "json"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)[0]["action"], "deleted");
}

#[test]
fn destructive_commands_refuse_without_yes_off_a_terminal() {
    for verb in ["stop", "delete"] {
        let o = run(&mut fleet(&["--fake", verb, V2]));
        assert_eq!(code(&o), 2, "{verb}: {}", stderr(&o));
        assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn wait_reaches_running() {
    let o = run(&mut fleet(&[
        "--fake",
        "wait",
        V2,
        "--state",
        "running",
        "--timeout",
        "10s",
        "-o",
        "json",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["state"], "running");
}

#[test]
fn wait_timeout_is_exit_4() {
    // The fake never becomes `suspended`.
    let o = run(&mut fleet(&[
        "--fake",
        "wait",
        V2,
        "--state",
        "suspended",
        "--timeout",
        "300ms",
        "--interval",
        "50ms",
    ]));
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("gave up"), "{}", stderr(&o));
}

#[test]
fn unknown_instance_is_exit_5() {
    let o = run(&mut fleet(&["--fake", "show", "tensordock-v2:no-such-id"]));
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    let o = run(&mut fleet(&["--fake", "show", "cloudtower:no-such-vm"]));
    assert_eq!(code(&o), 5, "{}", stderr(&o));
}

#[test]
fn usage_errors_are_exit_2() {
    for args in [
        &["--fake", "show", "nocolon"][..],
        &["--fake", "show", "aws:i-123"],
        &["--fake", "wait", V2, "--timeout", "ten"],
        &["--fake", "wait", V2, "--state", "flying"],
        &["frobnicate"],
    ] {
        let o = run(&mut fleet(args));
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn api_error_is_exit_3() {
    // A real client against a port nothing listens on.
    let o = run(fleet(&["show", "cloudtower:vm-1"])
        .env("CLOUDTOWER_URL", "http://127.0.0.1:9/v2/api")
        .env("CLOUDTOWER_TOKEN", "tok-secret-123"));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(!stderr(&o).contains("tok-secret-123"));
}

#[test]
fn nothing_configured_is_exit_1() {
    let o = run(&mut fleet(&["instances"]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--fake"), "{}", stderr(&o));
}

fn write_config(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn config_readable_by_others_is_refused() {
    let dir = scratch("loose");
    let path = dir.join("config.toml");
    write_config(
        &path,
        "[profiles.default.cloudtower]\nurl = \"http://127.0.0.1:9\"\ntoken = \"tok-loose-456\"\n",
        0o644,
    );
    let o = run(fleet(&["instances"]).env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("chmod 600") && err.contains("644"), "{err}");
    assert!(!err.contains("tok-loose-456"));
}

#[test]
fn config_profiles_are_chosen_with_profile() {
    let dir = scratch("profiles");
    let path = dir.join("config.toml");
    // Only the `work` profile has CloudTower, at a dead port: choosing it
    // makes the list fail as an API error, the default one has nothing.
    write_config(
        &path,
        "[profiles.default]\n[profiles.work.cloudtower]\nurl = \"http://127.0.0.1:9/v2/api\"\ntoken = \"tok-work-789\"\n",
        0o600,
    );
    let o = run(fleet(&["instances"]).env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = run(fleet(&["--profile", "work", "instances"]).env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("cloudtower"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("tok-work-789"));
    let o = run(fleet(&["instances"])
        .env("FLEET_CONFIG", &path)
        .env("FLEET_PROFILE", "work"));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let o = run(fleet(&["--profile", "nope", "instances"]).env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("no profile \"nope\""), "{}", stderr(&o));
}

#[test]
fn a_config_syntax_error_does_not_show_the_file() {
    let dir = scratch("syntax");
    let path = dir.join("config.toml");
    write_config(
        &path,
        "[profiles.default.cloudtower]\ntoken = tok-bare-000\n",
        0o600,
    );
    let o = run(fleet(&["instances"]).env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("tok-bare-000"), "{}", stderr(&o));
}

#[test]
fn login_stores_the_token_in_a_private_file() {
    let server = httpmock::MockServer::start();
    server.mock(|when, then| {
        when.method("POST")
            .path("/login")
            .json_body_includes(r#"{"username": "admin", "password": "pw-secret-1"}"#);
        then.status(200)
            .json_body(serde_json::json!({"data": {"token": "tok-login-abc"}}));
    });
    let dir = scratch("login");
    let path = dir.join("sub").join("config.toml");
    let o = run(fleet(&[
        "login",
        "cloudtower",
        &server.base_url(),
        "--username",
        "admin",
    ])
    .env("FLEET_CONFIG", &path)
    .env("FLEET_PASSWORD", "pw-secret-1"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for text in [stdout(&o), stderr(&o)] {
        assert!(!text.contains("tok-login-abc") && !text.contains("pw-secret-1"));
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(stored.contains("tok-login-abc"), "{stored}");
    assert!(stored.contains(&server.base_url()), "{stored}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Without a password and no terminal to ask on: a usage error.
    let o = run(fleet(&[
        "login",
        "cloudtower",
        &server.base_url(),
        "--username",
        "admin",
    ])
    .env("FLEET_CONFIG", &path));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn demo_runs_every_step_on_every_provider() {
    let o = run(&mut fleet(&["demo"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for p in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        for prefix in ["started", "stopped", "deleted"] {
            let line = format!("{prefix} {p}:");
            assert!(out.lines().any(|l| l.starts_with(&line)), "{line}: {out}");
        }
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{p}:")) && l.ends_with(" is running")),
            "{p} running: {out}"
        );
        assert!(out.contains(&format!("$ fleet --fake delete --yes {p}:")));
    }
    assert_eq!(out.matches(" is running").count(), 4, "{out}");
}

#[test]
fn verbose_shows_the_request_spans_on_stderr() {
    let o = run(&mut fleet(&["--fake", "-v", "show", V2]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("tensordock"), "{err}");
    assert!(!err.contains("fake-token"), "{err}");
    let quiet = run(&mut fleet(&["--fake", "show", V2]));
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

#[test]
fn every_command_has_help() {
    let top = run(&mut fleet(&["--help"]));
    assert_eq!(code(&top), 0);
    let text = stdout(&top);
    assert!(text.contains("Exit codes"), "{text}");
    for cmd in common::COMMANDS {
        assert!(text.contains(cmd), "{cmd} missing from --help");
        let o = run(&mut fleet(&[cmd, "--help"]));
        assert_eq!(code(&o), 0, "{cmd}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: fleet"), "{cmd}");
    }
}

/// The spinner in a real terminal: only where tmux is installed.
#[test]
fn wait_shows_the_state_in_a_terminal() {
    let bin = BIN;
    // Slow polls, so the pane shows each state.
    let cmd = format!("{bin} --fake wait {V2} --state suspended --timeout 3s --interval 1s");
    let Some(pane) = in_tmux("wait", &cmd, None, "EXIT=", false) else {
        return;
    };
    assert!(
        pane.contains(&format!("{V2} is starting (waiting for suspended)")),
        "{pane}"
    );
    assert!(
        pane.contains("is running (waiting for suspended)"),
        "{pane}"
    );
    assert!(pane.contains("EXIT=4"), "{pane}");
}

#[test]
fn every_spec_operation_is_a_command_with_help() {
    for provider in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        let o = run(&mut fleet(&[provider, "--help"]));
        assert_eq!(code(&o), 0, "{provider}: {}", stderr(&o));
        let commands = listed_commands(&stdout(&o));
        let spec = common::spec_text(provider);
        // Every operation but the uploads fleet cannot send (multipart,
        // `cloud_spec::HAND_WRITTEN_EXTENSION`); each command's `--help` is
        // run by tests/examples.rs, with its example.
        let hand_written = format!("{}:", cloud_spec::HAND_WRITTEN_EXTENSION);
        let operations = spec.matches("operationId:").count() - spec.matches(&hand_written).count();
        assert_eq!(commands.len(), operations, "{provider}: {commands:?}");
    }
}

#[test]
fn spec_commands_call_the_fakes() {
    let o = run(&mut fleet(&[
        "--fake",
        "cloudtower",
        "get-vms",
        "--body",
        "{}",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)[0]["name"], "web-01");

    // A form body with the credentials filled in (the fake matches the
    // path only) and a path parameter.
    let o = run(&mut fleet(&[
        "--fake",
        "tensordock-v0",
        "list-vms",
        "-o",
        "yaml",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("trainer-1"), "{}", stdout(&o));

    let o = run(&mut fleet(&[
        "--fake",
        "tensordock-v2",
        "get-instance",
        "--id",
        "468b716a-6747-4cbe-9f13-afc153a21c14",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["name"], "trainer-2");

    let o = run(&mut fleet(&[
        "--fake",
        "tensordock-v2",
        "get-instance",
        "--id",
        "no-such-id",
    ]));
    assert_eq!(code(&o), 5, "{}", stderr(&o));

    // A required parameter left out, and a body that is not JSON.
    let o = run(&mut fleet(&["--fake", "tensordock-v2", "get-instance"]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let o = run(&mut fleet(&[
        "--fake",
        "cloudtower",
        "get-vms",
        "--body",
        "{",
    ]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn spec_commands_send_the_providers_credentials() {
    let server = httpmock::MockServer::start();
    let m = server.mock(|when, then| {
        when.method("POST")
            .path("/v2/api/get-vms")
            .header("authorization", "tok-raw-321");
        then.status(200)
            .json_body(serde_json::json!([{"id": "vm-1", "token": "leaked?"}]));
    });
    let o = run(fleet(&["cloudtower", "get-vms", "--body", "{}"])
        .env("CLOUDTOWER_URL", format!("{}/v2/api", server.base_url()))
        .env("CLOUDTOWER_TOKEN", "tok-raw-321"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    m.assert();
    let v = json(&o);
    assert_eq!(v[0]["id"], "vm-1");
    // A credential-named field in a response is never printed.
    assert_eq!(v[0]["token"], "[REDACTED]");
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_provider_is_reported_with_the_refused_connection() {
    let url = format!("http://127.0.0.1:{}/v2/api", closed_port());
    for args in [
        &["instances"][..],
        &["cloudtower", "get-vms", "--body", "{}"],
    ] {
        let o = run(fleet(args)
            .env("CLOUDTOWER_URL", &url)
            .env("CLOUDTOWER_TOKEN", "tok-refused-1"));
        assert_eq!(code(&o), 3, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.to_lowercase().contains("connection refused"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("tok-refused-1"), "{err}");
    }
}

#[test]
fn spec_commands_send_through_the_clients_runtime_and_retry() {
    // The CloudTower fake of this process, whose first `GetVms` fails
    // with a 503: `GetVms` is safe to retry, so the command succeeds.
    let fake = cloudtower_fake::Fake::start_blocking().unwrap();
    fake.add_token("tok-retry-1");
    fake.inject("GetVms", cloudtower_fake::Fault::Status(503), 1);
    let o = run(fleet(&["-v", "cloudtower", "get-vms", "--body", "{}"])
        .env("CLOUDTOWER_URL", fake.base_url())
        .env("CLOUDTOWER_TOKEN", "tok-retry-1"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o), serde_json::json!([]));
    let answered: Vec<Option<u16>> = fake
        .received()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("GetVms"))
        .map(|r| r.status)
        .collect();
    assert_eq!(answered, [Some(503), Some(200)]);
    // The runtime's span: one request, two attempts.
    assert!(stderr(&o).contains("attempts=2"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("tok-retry-1"));
}

#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let bin = BIN;
    let cmd = format!("{bin} --fake instances --provider cloudtower");
    let Some(pane) = in_tmux(
        "colour",
        &format!("unset NO_COLOR; {cmd}"),
        None,
        "EXIT=",
        true,
    ) else {
        return;
    };
    assert!(pane.contains("\x1b[33mstopped"), "{pane:?}");
    let pane = in_tmux(
        "nocolour",
        &format!("NO_COLOR=1 {cmd}"),
        None,
        "EXIT=",
        true,
    )
    .unwrap();
    assert!(
        pane.contains("web-01") && pane.contains("EXIT=0"),
        "{pane:?}"
    );
    assert!(!pane.contains("\x1b[33m"), "{pane:?}");
    // Any answer's table colours its status column the same way.
    let cmd = format!("unset NO_COLOR; {bin} --fake cloudtower get-vms -o table");
    let pane = in_tmux("spec-colour", &cmd, None, "EXIT=", true).unwrap();
    assert!(pane.contains("\x1b[33mSTOPPED"), "{pane:?}");
}

#[test]
fn delete_asks_on_a_terminal() {
    let bin = BIN;
    let cmd = format!("{bin} --fake delete {CT}");
    let Some(pane) = in_tmux("no", &cmd, Some(("[y/N]", "n")), "EXIT=", false) else {
        return;
    };
    assert!(pane.contains(&format!("delete {CT}? [y/N]")), "{pane}");
    assert!(
        pane.contains("aborted") && pane.contains("EXIT=1"),
        "{pane}"
    );
    let pane = in_tmux("yes", &cmd, Some(("[y/N]", "y")), "EXIT=", false).unwrap();
    assert!(pane.contains(&format!("deleted {CT}")), "{pane}");
    assert!(pane.contains("EXIT=0"), "{pane}");
}
