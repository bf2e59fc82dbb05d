//! Black-box tests of `fleet` for scripts: output formats, `--jq`,
//! `--columns`, a closed pipe, paging, `fleet api` and `--wait`, against
//! the embedded fakes (`--fake`) or a fake started here (`CLOUDTOWER_URL`).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use cloudtower_api::types::VmStatus;
use common::{BIN, CT, against, fleet, ok, parse as json, run, stderr, text};
use serde_json::{Value, json};

/// A CloudTower fake with `n` VMs (`common::against` points `fleet` at it).
fn tower(n: usize) -> cloudtower_fake::Fake {
    let fake = cloudtower_fake::Fake::start_blocking().unwrap();
    for i in 0..n {
        fake.add_vm(&format!("vm-{i:02}"), VmStatus::Running);
    }
    fake
}

/// How many different `id`s the NDJSON lines `nd` hold.
fn distinct_ids(nd: &str) -> usize {
    nd.lines()
        .map(|l| json(l)["id"].as_str().unwrap().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn get_vms_sent(fake: &cloudtower_fake::Fake) -> usize {
    fake.received()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("GetVms"))
        .count()
}

#[test]
fn every_output_format_of_a_spec_operation_parses() {
    let base = ["--fake", "cloudtower", "get-vms"];
    let with = |extra: &[&str]| ok(&mut fleet(&[&base[..], extra].concat()));
    // JSON stays the spec commands' default.
    assert_eq!(json(&with(&[]))[0]["name"], "web-01");
    let yaml: Value = serde_yaml::from_str(&with(&["-o", "yaml"])).unwrap();
    assert_eq!(yaml[0]["name"], "web-01");
    // A line a VM: `web-01` to `web-04`.
    let nd = with(&["-o", "ndjson"]);
    assert_eq!(nd.lines().count(), 4, "{nd}");
    assert_eq!(
        json(nd.lines().next().unwrap())["id"],
        "cl2k1yswo1ifg0822ruv6ylfp"
    );
    let table = with(&["-o", "table"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(&header[..3], ["ID", "NAME", "STATUS"], "{table}");
    assert!(header.contains(&"HOST.NAME"), "{table}");
    assert!(
        table.lines().nth(1).unwrap().contains("node-13-41"),
        "{table}"
    );
    let table = with(&["-o", "table", "--columns", "name,cluster.name,vcpu"]);
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["NAME", "CLUSTER.NAME", "VCPU"],
            vec!["web-01", "cluster-prod-01", "4"],
            vec!["web-02", "cluster-prod-01", "4"],
            vec!["web-03", "cluster-prod-01", "4"],
            vec!["web-04", "cluster-prod-01", "4"]
        ]
    );
    // --jq after the answer, strings bare.
    assert_eq!(
        with(&["--jq", ".[] | .name"]),
        "web-01\nweb-02\nweb-03\nweb-04\n"
    );
    assert_eq!(
        json(&with(&["--jq", "map({id, vcpu}) | first"])),
        json!({"id": "cl2k1yswo1ifg0822ruv6ylfp", "vcpu": 4})
    );
}

#[test]
fn neutral_commands_take_every_format_and_the_filter() {
    let nd = ok(&mut fleet(&["--fake", "instances", "-o", "ndjson"]));
    let rows: Vec<Value> = nd.lines().map(json).collect();
    // 2 TensorDock v2, 2 v0, 3 Neolink and 4 CloudTower instances.
    assert_eq!(rows.len(), 11, "{nd}");
    assert_eq!(rows[10]["provider"], "cloudtower");
    let ids = ok(&mut fleet(&[
        "--fake",
        "instances",
        "--jq",
        r#".[] | select(.state == "stopped") | .provider"#,
    ]));
    assert_eq!(
        ids,
        "tensordock-v2\ntensordock-v0\nneolink\ncloudtower\ncloudtower\n"
    );
    let table = ok(&mut fleet(&[
        "--fake",
        "instances",
        "--columns",
        "provider,vcpus",
    ]));
    assert_eq!(
        table
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["PROVIDER", "VCPUS"]
    );
    let neolink: Vec<&str> = table.lines().nth(5).unwrap().split_whitespace().collect();
    assert_eq!(neolink, ["neolink", "16"], "{table}");
    let one: Value =
        serde_yaml::from_str(&ok(&mut fleet(&["--fake", "show", CT, "-o", "yaml"]))).unwrap();
    assert_eq!(one["name"], "web-01");
}

#[test]
fn a_bad_filter_is_a_usage_error_before_anything_is_sent() {
    let fake = tower(1);
    let o = run(&mut against(
        &fake,
        &["cloudtower", "get-vms", "--jq", ".[] | select("],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--jq"), "{}", text(&o.stderr));
    assert_eq!(get_vms_sent(&fake), 0);
}

/// `fleet ... | head -1`: fleet ends quietly, with status 0.
#[test]
fn a_closed_pipe_ends_quietly() {
    for cmd in [
        format!("{BIN} completions bash"),
        format!("{BIN} --fake instances -o ndjson"),
        format!("{BIN} --fake cloudtower get-vms --paginate --page-size 1 -o json"),
    ] {
        let o = run(Command::new("bash").arg("-c").arg(format!(
            "{cmd} | head -1 > /dev/null; echo \"status=${{PIPESTATUS[0]}}\""
        )));
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(out.contains("status=0"), "{cmd}: {out} {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn paginate_reads_every_page_after_the_last_id() {
    let fake = tower(25);
    let nd = ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "get-vms",
            "--paginate",
            "--page-size",
            "10",
            "-o",
            "ndjson",
        ],
    ));
    assert_eq!(distinct_ids(&nd), 25, "{nd}");
    assert_eq!(get_vms_sent(&fake), 3);
    // The same list as one JSON array (written as pages arrive) and YAML.
    let all = json(&ok(&mut against(
        &fake,
        &["cloudtower", "get-vms", "--paginate", "--page-size", "7"],
    )));
    assert_eq!(all.as_array().unwrap().len(), 25);
    let yaml: Value = serde_yaml::from_str(&ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "get-vms",
            "--paginate",
            "--page-size",
            "7",
            "-o",
            "yaml",
        ],
    )))
    .unwrap();
    assert_eq!(yaml.as_array().unwrap().len(), 25);
    // The filter sees every page at once.
    let count = ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "get-vms",
            "--paginate",
            "--page-size",
            "4",
            "--jq",
            "length",
        ],
    ));
    assert_eq!(count.trim(), "25");
}

#[test]
fn limit_stops_after_n_items_and_keeps_the_body() {
    let fake = tower(25);
    let nd = ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "get-vms",
            "--limit",
            "12",
            "--page-size",
            "5",
            "-o",
            "ndjson",
        ],
    ));
    assert_eq!(nd.lines().count(), 12, "{nd}");
    assert_eq!(get_vms_sent(&fake), 3);
    // The body's own filter applies to every page.
    let body = r#"{"where": {"name_in": ["vm-01", "vm-02", "vm-03"]}}"#;
    let names = ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "get-vms",
            "--body",
            body,
            "--limit",
            "2",
            "--jq",
            ".[].name",
        ],
    ));
    assert_eq!(names.lines().count(), 2, "{names}");
    assert!(
        names
            .lines()
            .all(|n| ["vm-01", "vm-02", "vm-03"].contains(&n)),
        "{names}"
    );
    // Reads that do not page have no paging flags.
    let o = run(&mut fleet(&[
        "--fake",
        "tensordock-v2",
        "list-instances",
        "--paginate",
    ]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn api_sends_through_the_runtime_and_refuses_dot_segments() {
    let fake = tower(3);
    for path in ["/get-vms/../get-users", "/./get-vms", "/get-vms//x"] {
        let o = run(&mut against(&fake, &["api", "cloudtower", "POST", path]));
        assert_eq!(o.status.code(), Some(2), "{path}: {}", text(&o.stderr));
        assert!(!stderr(&o).contains("fake-token"));
    }
    assert!(
        fake.received().is_empty(),
        "sent: {:?}",
        fake.received().len()
    );
    // Typed fields make the JSON body; the spec's operation is named.
    let names = ok(&mut against(
        &fake,
        &[
            "api",
            "cloudtower",
            "POST",
            "/get-vms",
            "-F",
            "first=2",
            "--jq",
            ".[].name",
        ],
    ));
    assert_eq!(names.lines().count(), 2, "{names}");
    assert_eq!(get_vms_sent(&fake), 1);
    // --body from a file and from stdin.
    let file = std::env::temp_dir().join(format!("fleet-body-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"where": {"name": "vm-01"}}"#).unwrap();
    let arg = format!("@{}", file.display());
    let one = json(&ok(&mut against(
        &fake,
        &["api", "cloudtower", "POST", "/get-vms", "--body", &arg],
    )));
    assert_eq!(one.as_array().unwrap().len(), 1);
    let mut child = against(
        &fake,
        &[
            "api",
            "cloudtower",
            "POST",
            "/get-vms",
            "--body",
            "-",
            "-o",
            "ndjson",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"where": {"name": "vm-02"}}"#)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(json(text(&o.stdout).trim())["name"], "vm-02");
    let _ = std::fs::remove_file(file);
    // Against the embedded fakes, with a query field on a GET.
    let v2 = json(&ok(&mut fleet(&[
        "--fake",
        "api",
        "tensordock-v2",
        "GET",
        "/instances",
    ])));
    assert!(v2.to_string().contains("trainer-2"), "{v2}");
    let o = run(&mut fleet(&[
        "--fake",
        "api",
        "tensordock-v2",
        "GET",
        "/instances/..",
    ]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = run(&mut fleet(&[
        "--fake",
        "api",
        "neolink",
        "GET",
        "/no/such/path",
    ]));
    assert_eq!(o.status.code(), Some(5), "{}", text(&o.stderr));
}

/// `fleet api --paginate` pages a paged read as its operation's command
/// does (`first`/`after`); any other request refuses it before sending.
#[test]
fn api_paginates_the_paged_reads_only() {
    let fake = tower(25);
    let nd = ok(&mut against(
        &fake,
        &[
            "api",
            "cloudtower",
            "POST",
            "/get-vms",
            "--paginate",
            "--page-size",
            "10",
            "-o",
            "ndjson",
        ],
    ));
    assert_eq!(distinct_ids(&nd), 25, "{nd}");
    assert_eq!(get_vms_sent(&fake), 3);
    // --limit, with the body's filter kept on every page.
    let body = r#"{"where": {"name_in": ["vm-01", "vm-02", "vm-03"]}}"#;
    let names = ok(&mut against(
        &fake,
        &[
            "api",
            "cloudtower",
            "POST",
            "/get-vms",
            "--body",
            body,
            "--limit",
            "2",
            "--page-size",
            "1",
            "--jq",
            ".[].name",
        ],
    ));
    assert_eq!(names, "vm-01\nvm-02\n");
    assert_eq!(get_vms_sent(&fake), 5);
    // Not a paged read: a usage error, nothing sent.
    for path in ["/get-vms-connection", "/no/such/path"] {
        let o = run(&mut against(
            &fake,
            &["api", "cloudtower", "POST", path, "--paginate"],
        ));
        assert_eq!(o.status.code(), Some(2), "{path}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("paged read"),
            "{}",
            text(&o.stderr)
        );
    }
    assert_eq!(fake.received().len(), 5);
}

#[test]
fn start_stop_delete_wait_for_their_state() {
    let out = ok(&mut fleet(&[
        "--fake",
        "start",
        CT,
        "--wait",
        "--timeout",
        "30s",
        "-o",
        "json",
    ]));
    assert_eq!(json(&out)[0]["action"], "started");
    let v2 = "tensordock-v2:468b716a-6747-4cbe-9f13-afc153a21c14";
    assert_eq!(
        ok(&mut fleet(&["--fake", "stop", "--yes", v2, "--wait"])).trim(),
        format!("stopped {v2}")
    );
    let out = ok(&mut fleet(&[
        "--fake",
        "delete",
        "--yes",
        CT,
        "--wait",
        "--timeout",
        "30s",
    ]));
    assert_eq!(out.trim(), format!("deleted {CT}"));
    // --timeout means nothing without --wait.
    let o = run(&mut fleet(&["--fake", "start", CT, "--timeout", "1s"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn spec_operations_wait_for_their_cloudtower_tasks() {
    let fake = tower(1);
    let vm = fake.vms()[0].id.clone();
    let body = format!(r#"{{"where": {{"id": "{vm}"}}}}"#);
    let out = ok(&mut against(
        &fake,
        &[
            "cloudtower",
            "shut-down-vm",
            "--body",
            &body,
            "--wait",
            "--timeout",
            "30s",
        ],
    ));
    assert!(json(&out)[0]["task_id"].is_string(), "{out}");
    let tasks: Vec<_> = fake.tasks();
    assert!(
        !tasks.is_empty()
            && tasks
                .iter()
                .all(|t| t.status == cloudtower_api::types::TaskStatus::Successed),
        "{tasks:?}"
    );
    // A task that fails is exit 4, with its message.
    fake.fail_next_task(None, "disk full");
    let o = run(&mut against(
        &fake,
        &["cloudtower", "start-vm", "--body", &body, "--wait"],
    ));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("disk full"), "{}", text(&o.stderr));
}
