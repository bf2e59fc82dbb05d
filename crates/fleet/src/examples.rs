//! The examples that end each command's `--help`. Every line that starts
//! with `  $ ` runs against the embedded fakes as it is written (the tests
//! run each one with `bash -c` and require success); the ids are the
//! fakes' seeded instances.

/// `fleet instances --help`.
pub const INSTANCES: &str = "\
Examples:
  $ fleet --fake instances
  $ fleet --fake instances --provider cloudtower -o json --jq '.[] | {id, state}'";

/// `fleet show --help`.
pub const SHOW: &str = "\
Examples:
  $ fleet --fake show cloudtower:cl2k1yswo1ifg0822ruv6ylfp
  $ fleet --fake show neolink:instance-4ca9xxxx -o yaml";

/// `fleet start --help`.
pub const START: &str = "\
Examples:
  $ fleet --fake start tensordock-v0:65e7edca-888a-4e66-a975-2c6cd4cd218b
  $ fleet --fake start cloudtower:cl2k1yswo1ifg0822ruv6ylfp --wait --timeout 1m";

/// `fleet gpus --help`.
pub const GPUS: &str = "\
Examples:
  $ fleet --fake gpus --model 4090 --count 2
  $ fleet --fake gpus --provider neolink --sort available -o json --jq '.[].offer'";

/// `fleet gpus watch --help`.
pub const GPUS_WATCH: &str = "\
Examples:
  $ fleet --fake gpus watch --model a100 --once
  $ fleet --fake gpus watch --model 4090 --count 2 --once -o json --exec 'echo found'";

/// `fleet launch --help`.
pub const LAUNCH: &str = "\
Examples:
  $ fleet --fake launch tensordock-v2:hostnode/468b716a-6747-4cbe-9f13-000000000001/h100-sxm5-80gb --name trainer --image ubuntu2404 --ssh-key 'ssh-ed25519 AAAAC3Nza example'";

/// `fleet stop --help`.
pub const STOP: &str = "\
Examples:
  $ fleet --fake stop --yes tensordock-v2:468b716a-6747-4cbe-9f13-afc153a21c14 --wait";

/// `fleet delete --help`.
pub const DELETE: &str = "\
Examples:
  $ fleet --fake delete --yes cloudtower:cl2k1yswo1ifg0822ruv6ylfp --wait --timeout 1m";

/// `fleet wait --help`.
pub const WAIT: &str = "\
Examples:
  $ fleet --fake wait tensordock-v2:468b716a-6747-4cbe-9f13-afc153a21c14 --state running --timeout 1m";

/// `fleet login --help`: the one command without a fake to log in to, so
/// its example is not marked to run.
pub const LOGIN: &str = "\
Example (against a real CloudTower; the password is asked, or read from FLEET_PASSWORD):
  fleet login cloudtower http://tower.example/v2/api --username admin";

/// `fleet demo --help`.
pub const DEMO: &str = "\
Examples:
  $ fleet demo";

/// `fleet api --help`.
pub const API: &str = "\
Examples:
  $ fleet --fake api cloudtower POST /get-vms --paginate --page-size 50 -o ndjson --jq '.[] | {id, name}'
  $ echo '{\"where\": {\"name\": \"web-01\"}}' | fleet --fake api cloudtower POST /get-vms --body - -o table";

/// `fleet completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  $ source <(fleet completions bash)
Installed for every new shell:
  fleet completions bash > ~/.local/share/bash-completion/completions/fleet
  fleet completions zsh > ~/.zfunc/_fleet   # with fpath+=(~/.zfunc) before compinit
  fleet completions fish > ~/.config/fish/completions/fleet.fish
  fleet completions powershell | Out-String | Invoke-Expression   # in $PROFILE";

/// `fleet <provider> --help`: one example per provider, each a read the
/// fake answers.
pub fn provider(key: &str) -> &'static str {
    match key {
        "cloudtower" => {
            "\
Examples:
  $ fleet --fake cloudtower get-vms --paginate -o ndjson
  $ fleet --fake cloudtower get-hosts --columns id,name,cluster.name"
        }
        "neolink" => {
            "\
Examples:
  $ fleet --fake neolink list-instances --cluster-name host-cluster -o table"
        }
        "tensordock-v0" => {
            "\
Examples:
  $ fleet --fake tensordock-v0 list-vms -o json"
        }
        _ => {
            "\
Examples:
  $ fleet --fake tensordock-v2 list-instances -o table"
        }
    }
}

/// `fleet <provider> <operation> --help`: the call with the spec's
/// example values, which the embedded fakes hold (they are seeded with the
/// records the examples name, in the states the operations need: see
/// `fleet::mock`); a paged read pages (`--limit 2`, `--paginate`). Every
/// one runs against `--fake` as written (the tests run them all).
pub fn operation(key: &str, name: &str, args: &[String], paged: bool) -> String {
    let call = format!("fleet --fake {key} {name}");
    if paged {
        return format!(
            "Examples:\n  $ {call} --limit 2 -o table\n  $ {call} --paginate -o ndjson --jq '.[].id'"
        );
    }
    if args.is_empty() {
        return format!("Example:\n  $ {call}");
    }
    format!("Example:\n  $ {call} {}", args.join(" "))
}

/// `value` as one shell word.
pub fn quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@,=".contains(c))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}
