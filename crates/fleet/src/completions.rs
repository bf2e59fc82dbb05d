//! `fleet completions <shell>`: clap_complete's script for the whole
//! command, every spec's operations and their flags included, so the
//! script follows the specs embedded in this binary. The bash script also
//! completes the `<provider>:<id>` of `show`, `start`, `stop`, `delete` and
//! `wait` from `fleet __ids` (the configured providers' instances, or the
//! fakes' with `--fake`), each provider bounded by [`IDS_TIMEOUT`].

use std::time::Duration;

use clap::Command;
use clap_complete::Shell;

use crate::exit::CliError;
use crate::out;
use crate::targets::Target;

/// How long `fleet __ids` waits for one provider's list.
pub const IDS_TIMEOUT: Duration = Duration::from_secs(2);

/// Completes instance references in bash, then hands over to clap's
/// function. `:` splits words in bash, so the whole reference is read
/// from the line and the replies keep only what follows its last `:`.
const BASH_IDS: &str = r#"
_fleet_refs() {
    local line="${COMP_LINE:0:COMP_POINT}" cur
    cur="${line##*[[:space:]]}"
    if [[ "$cur" != -* && " $line" =~ [[:space:]](show|start|stop|delete|wait)[[:space:]] ]]; then
        local fake=
        [[ " $line " == *" --fake "* ]] && fake=--fake
        local IFS=$'
'
        COMPREPLY=($(compgen -W "$(fleet $fake __ids 2>/dev/null)" -- "$cur"))
        if [[ "$cur" == *:* ]]; then
            local prefix="${cur%"${cur##*:}"}"
            COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
        fi
        return 0
    fi
    _fleet "$@"
}
complete -F _fleet_refs -o nosort -o bashdefault -o default fleet
"#;

/// Writes the completion script of `cmd` for `shell` to stdout.
pub fn print(shell: Shell, mut cmd: Command) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fleet", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == Shell::Bash {
        script.push_str(BASH_IDS);
    }
    out::write(&script)
}

/// `fleet __ids`: every instance of `targets` as `<provider>:<id>`, a line
/// each; a provider that fails or is slower than [`IDS_TIMEOUT`] is left
/// out without a word (completion must not print errors into a prompt).
pub async fn ids(targets: Vec<Target>) -> Result<(), CliError> {
    let mut all = Vec::new();
    // One provider after the other: listed at once from spawned tasks,
    // the Neolink and CloudTower fakes' first requests failed and were
    // retried past the timeout (not investigated further).
    for t in targets {
        if let Ok(Ok(list)) = tokio::time::timeout(IDS_TIMEOUT, t.compute.list_instances()).await {
            all.extend(list.iter().map(|i| format!("{}:{}", t.key, i.id)));
        }
    }
    out::write(&all.iter().map(|i| format!("{i}\n")).collect::<String>())
}
