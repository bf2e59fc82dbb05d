//! Black-box tests of `fleet` for scripts: output formats, `--jq`,
//! `--columns`, a closed pipe, completions, paging, `fleet api`, `--wait`
//! and the examples in `--help`, against the embedded fakes (`--fake`) or
//! a fake started here (`CLOUDTOWER_URL`).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use cloudtower_api::types::VmStatus;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_fleet");
const CT: &str = "cloudtower:cl2k1yswo1ifg0822ruv6ylfp";

/// The binary with no credentials, no config file, stdin not a terminal.
fn fleet(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null());
    for var in [
        "TENSORDOCK_TOKEN",
        "TENSORDOCK_API_KEY",
        "TENSORDOCK_API_TOKEN",
        "NEOLINK_TOKEN",
        "CLOUDTOWER_URL",
        "CLOUDTOWER_TOKEN",
        "FLEET_PROFILE",
        "RUST_LOG",
    ] {
        c.env_remove(var);
    }
    c.env("FLEET_CONFIG", "/nonexistent/fleet/config.toml");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

fn ok(c: &mut Command) -> String {
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{c:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A CloudTower fake with `n` VMs, and the environment that points
/// `fleet` at it.
fn tower(n: usize) -> cloudtower_fake::Fake {
    let fake = cloudtower_fake::Fake::start_blocking().unwrap();
    fake.add_token("tok-script-1");
    for i in 0..n {
        fake.add_vm(&format!("vm-{i:02}"), VmStatus::Running);
    }
    fake
}

fn at(fake: &cloudtower_fake::Fake, args: &[&str]) -> Command {
    let mut c = fleet(args);
    c.env("CLOUDTOWER_URL", fake.base_url())
        .env("CLOUDTOWER_TOKEN", "tok-script-1");
    c
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
    let nd = with(&["-o", "ndjson"]);
    assert_eq!(nd.lines().count(), 1, "{nd}");
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
            vec!["web-01", "cluster-prod-01", "4"]
        ]
    );
    // --jq after the answer, strings bare.
    assert_eq!(with(&["--jq", ".[] | .name"]), "web-01\n");
    assert_eq!(
        json(&with(&["--jq", "map({id, vcpu})"])),
        json!([{"id": "cl2k1yswo1ifg0822ruv6ylfp", "vcpu": 4}])
    );
}

#[test]
fn neutral_commands_take_every_format_and_the_filter() {
    let nd = ok(&mut fleet(&["--fake", "instances", "-o", "ndjson"]));
    let rows: Vec<Value> = nd.lines().map(json).collect();
    assert_eq!(rows.len(), 4, "{nd}");
    assert_eq!(rows[3]["provider"], "cloudtower");
    let ids = ok(&mut fleet(&[
        "--fake",
        "instances",
        "--jq",
        r#".[] | select(.state == "stopped") | .provider"#,
    ]));
    assert_eq!(ids, "tensordock-v0\nneolink\ncloudtower\n");
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
    let neolink: Vec<&str> = table.lines().nth(3).unwrap().split_whitespace().collect();
    assert_eq!(neolink, ["neolink", "16"], "{table}");
    let one: Value =
        serde_yaml::from_str(&ok(&mut fleet(&["--fake", "show", CT, "-o", "yaml"]))).unwrap();
    assert_eq!(one["name"], "web-01");
}

#[test]
fn a_bad_filter_is_a_usage_error_before_anything_is_sent() {
    let fake = tower(1);
    let o = run(&mut at(
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
fn the_bash_completion_script_loads_and_completes_spec_operations() {
    let dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Asks the loaded completion function what it offers after `line`.
    let complete = |line: &str| {
        let script = format!(
            "source <(fleet completions bash) && complete -p fleet && \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; read -ra COMP_WORDS <<< \"$COMP_LINE\"; \
             COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
             _fleet fleet \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let o = run(Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("PATH", &path));
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let offered = complete("fleet cloudtower get-v");
    assert!(offered.contains("-F _fleet_refs fleet"), "{offered}");
    assert!(offered.lines().any(|l| l == "get-vms"), "{offered}");
    let offered = complete("fleet cloudtower get-vms --pag");
    assert!(offered.lines().any(|l| l == "--paginate"), "{offered}");
    let offered = complete("fleet comp");
    assert!(offered.lines().any(|l| l == "completions"), "{offered}");
    // `<provider>:<id>` from the fakes, with bash's `:` word break: the
    // reply is what follows the colon.
    let refs = |line: &str| {
        let script = format!(
            "source <(fleet completions bash) && COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
             _fleet_refs; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let o = run(Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("PATH", &path));
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    assert_eq!(
        refs("fleet --fake show cloudtower:cl"),
        "cl2k1yswo1ifg0822ruv6ylfp\n"
    );
    assert_eq!(
        refs("fleet --fake stop --yes neo"),
        "neolink:instance-4ca9xxxx\n"
    );
    assert_eq!(refs("fleet --fake wait ").lines().count(), 4);
    for shell in ["zsh", "fish", "powershell"] {
        let script = ok(&mut fleet(&["completions", shell]));
        assert!(
            script.contains("get-vms") && script.contains("tensordock-v2"),
            "{shell}"
        );
    }
}

#[test]
fn paginate_reads_every_page_after_the_last_id() {
    let fake = tower(25);
    let nd = ok(&mut at(
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
    let ids: std::collections::BTreeSet<String> = nd
        .lines()
        .map(|l| json(l)["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 25, "{nd}");
    assert_eq!(get_vms_sent(&fake), 3);
    // The same list as one JSON array (written as pages arrive) and YAML.
    let all = json(&ok(&mut at(
        &fake,
        &["cloudtower", "get-vms", "--paginate", "--page-size", "7"],
    )));
    assert_eq!(all.as_array().unwrap().len(), 25);
    let yaml: Value = serde_yaml::from_str(&ok(&mut at(
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
    let count = ok(&mut at(
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
    let nd = ok(&mut at(
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
    let names = ok(&mut at(
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
        let o = run(&mut at(&fake, &["api", "cloudtower", "POST", path]));
        assert_eq!(o.status.code(), Some(2), "{path}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).contains("tok-script-1"));
    }
    assert!(
        fake.received().is_empty(),
        "sent: {:?}",
        fake.received().len()
    );
    // Typed fields make the JSON body; the spec's operation is named.
    let names = ok(&mut at(
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
    let one = json(&ok(&mut at(
        &fake,
        &["api", "cloudtower", "POST", "/get-vms", "--body", &arg],
    )));
    assert_eq!(one.as_array().unwrap().len(), 1);
    let mut child = at(
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
    let out = ok(&mut at(
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
    let o = run(&mut at(
        &fake,
        &["cloudtower", "start-vm", "--body", &body, "--wait"],
    ));
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("disk full"), "{}", text(&o.stderr));
}

/// The `  $ ` lines at the end of a help text.
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| l.strip_prefix("  $ "))
        .map(str::to_string)
        .collect()
}

/// Every example in every command's `--help` runs against the fakes.
#[test]
fn every_example_in_help_runs() {
    let mut commands: Vec<Vec<&str>> = vec![vec![]];
    for c in [
        "instances",
        "show",
        "start",
        "stop",
        "delete",
        "wait",
        "login",
        "demo",
        "api",
        "completions",
    ] {
        commands.push(vec![c]);
    }
    for p in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        commands.push(vec![p]);
    }
    let dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for c in commands {
        let help = ok(&mut fleet(&[&c[..], &["--help"]].concat()));
        let found = examples(&help);
        if c != ["login"] {
            assert!(!found.is_empty(), "{c:?} --help has no example: {help}");
        }
        for example in found {
            let o = run(Command::new("bash")
                .args(["-c", &format!("set -o pipefail; {example}")])
                .env("PATH", &path)
                .env("FLEET_CONFIG", "/nonexistent/fleet/config.toml")
                .stdin(Stdio::null()));
            assert_eq!(o.status.code(), Some(0), "{example}: {}", text(&o.stderr));
            ran += 1;
        }
    }
    assert!(ran >= 15, "{ran} examples");
}

/// The operations `fleet <provider> --help` lists.
fn operations(provider: &str) -> Vec<String> {
    ok(&mut fleet(&[provider, "--help"]))
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Every spec operation's `--help` ends with an example; those marked to
/// run do, against the fakes (a few threads: there are a hundred).
#[test]
fn every_operation_has_an_example_and_the_marked_ones_run() {
    let mut calls = Vec::new();
    for p in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        for op in operations(p) {
            calls.push((p, op));
        }
    }
    assert!(calls.len() > 100, "{}", calls.len());
    let dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for chunk in calls.chunks(calls.len().div_ceil(4)) {
            let (path, ran) = (&path, &ran);
            scope.spawn(move || {
                for (p, op) in chunk {
                    let help = ok(&mut fleet(&[p, op, "--help"]));
                    let tail = help.rsplit("\n\n").next().unwrap_or_default();
                    assert!(tail.starts_with("Example"), "{p} {op}: {help}");
                    assert!(tail.contains(&format!("fleet --fake {p} {op}")), "{tail}");
                    for example in examples(&help) {
                        let o = run(Command::new("bash")
                            .args(["-c", &format!("set -o pipefail; {example}")])
                            .env("PATH", path)
                            .env("FLEET_CONFIG", "/nonexistent/fleet/config.toml")
                            .stdin(Stdio::null()));
                        assert_eq!(o.status.code(), Some(0), "{example}: {}", text(&o.stderr));
                        ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    // Every paged read and every operation without inputs.
    assert!(ran.into_inner() >= 40);
}

/// Every `$ fleet ...` in docs/fleet.md's console blocks runs against the
/// fakes and prints what the doc shows (a line starting `fleet:` is the
/// error the command must fail with, on stderr). Commands that write
/// outside the repository (`> ~/...`) are not run.
#[test]
fn the_docs_console_examples_run_as_shown() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/fleet.md"))
        .unwrap();
    let dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut in_console = false;
    let mut block: Vec<&str> = Vec::new();
    for line in doc.lines() {
        match line {
            "```console" => in_console = true,
            "```" if in_console => {
                in_console = false;
                ran += run_console(&block, &path);
                block.clear();
            }
            l if in_console => block.push(l),
            _ => {}
        }
    }
    assert!(ran >= 10, "{ran} doc examples");
}

/// Runs the commands of one console block in one shell (so `source`
/// carries over), each checked against the lines shown after it.
fn run_console(block: &[&str], path: &str) -> usize {
    let mut ran = 0;
    let mut i = 0;
    let mut shell = String::new();
    while i < block.len() {
        let Some(cmd) = block[i].strip_prefix("$ ") else {
            panic!("output without a command: {}", block[i]);
        };
        let shown: Vec<&str> = block[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with("$ "))
            .copied()
            .collect();
        i += 1 + shown.len();
        if cmd.contains('~') {
            continue;
        }
        let failing = shown.first().is_some_and(|l| l.starts_with("fleet: "));
        let o = run(Command::new("bash")
            .args(["-c", &format!("{shell}\n{cmd}")])
            .env("PATH", path)
            .env("FLEET_CONFIG", "/nonexistent/fleet/config.toml")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null()));
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        if failing {
            assert_ne!(o.status.code(), Some(0), "{cmd} should fail");
            assert_eq!(err.trim_end(), shown.join("\n"), "{cmd}");
        } else {
            assert_eq!(o.status.code(), Some(0), "{cmd}: {err}");
            assert_eq!(out.trim_end(), shown.join("\n"), "{cmd}");
        }
        if cmd.starts_with("source ") {
            shell.push_str(cmd);
            shell.push('\n');
        }
        ran += 1;
    }
    ran
}
