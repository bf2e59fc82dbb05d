//! `fleet completions <shell>`: clap_complete's script for the whole
//! command, every spec's operations and their flags included, so the
//! script follows the specs embedded in this binary. The bash, zsh, fish
//! and PowerShell scripts also complete the `<provider>:<id>` of `show`,
//! `start`, `stop`, `delete` and `wait` from `fleet __ids` (the configured
//! providers' instances, or the fakes' with `--fake`, of the `--profile`
//! on the line), each provider bounded by [`IDS_TIMEOUT`]. Elvish gets
//! clap's script alone.

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
        local args=()
        [[ " $line " == *" --fake "* ]] && args+=(--fake)
        [[ " $line" =~ [[:space:]]--profile[=[:space:]]+([^[:space:]]+) ]] && args+=(--profile "${BASH_REMATCH[1]}")
        local IFS=$'
'
        COMPREPLY=($(compgen -W "$(fleet "${args[@]}" __ids 2>/dev/null)" -- "$cur"))
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

/// zsh: the function the `<provider>:<id>` arguments complete with
/// (clap's `_default` is replaced by it), reading `--fake` and
/// `--profile` from the whole line (`$BUFFER`: `_arguments` narrows
/// `$words` to the subcommand's).
const ZSH_IDS: &str = r#"(( $+functions[_fleet_ids] )) ||
_fleet_ids() {
    local -a ids args
    [[ " $BUFFER " == *" --fake "* ]] && args+=(--fake)
    [[ " $BUFFER" =~ '[[:space:]]--profile[=[:space:]]+([^[:space:]]+)' ]] && args+=(--profile "$match[1]")
    ids=(${(f)"$(fleet $args __ids 2>/dev/null)"})
    compadd -a ids
}

"#;

/// The line clap's zsh script ends with, before which [`ZSH_IDS`] goes
/// (an autoloaded `_fleet` file runs its body on first use).
const ZSH_END: &str = "if [ \"$funcstack[1]\" = \"_fleet\" ]; then";

/// fish: one more completion of the instance commands' arguments.
const FISH_IDS: &str = r#"
function __fleet_ids
    set -l words (commandline -opc)
    set -l args
    contains -- --fake $words; and set -a args --fake
    if set -l i (contains -i -- --profile $words); and test $i -lt (count $words)
        set -a args --profile $words[(math $i + 1)]
    end
    fleet $args __ids 2>/dev/null
end
complete -c fleet -n "__fish_seen_subcommand_from show start stop delete wait" -f -a "(__fleet_ids)"
"#;

/// PowerShell: answers the instance commands' arguments before clap's
/// `switch` (which stops reading the line at its first flag, so
/// `fleet --fake show` would not reach the `fleet;show` case).
const POWERSHELL_IDS: &str = r#"
    $line = $commandAst.Extent.Text
    $end = $cursorPosition - $commandAst.Extent.StartOffset
    if ($end -ge 0 -and $end -le $line.Length) { $line = $line.Substring(0, $end) }
    if (-not $wordToComplete.StartsWith('-') -and " $line" -match '\s(show|start|stop|delete|wait)\s') {
        $fleetArgs = @()
        if (" $line " -match '\s--fake\s') { $fleetArgs += '--fake' }
        if (" $line" -match '\s--profile[=\s]+(\S+)') { $fleetArgs += @('--profile', $Matches[1]) }
        fleet @fleetArgs __ids 2>$null |
            Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_) }
        return
    }
"#;

/// The line after which clap's PowerShell script has read the
/// subcommands, where [`POWERSHELL_IDS`] goes.
const POWERSHELL_AFTER: &str = "    }) -join ';'\n";

/// Writes the completion script of `cmd` for `shell` to stdout.
pub fn print(shell: Shell, mut cmd: Command) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fleet", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    out::write(&with_ids(shell, script))
}

/// clap's `script` for `shell` with the `<provider>:<id>` completion.
fn with_ids(shell: Shell, script: String) -> String {
    match shell {
        Shell::Bash => script + BASH_IDS,
        Shell::Zsh => {
            // The instance arguments' help names them `<provider>:<id>`.
            let script: String = script
                .split_inclusive('\n')
                .map(|l| {
                    if l.contains("<provider>\\:<id>") {
                        l.replace(":_default'", ":_fleet_ids'")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            match script.find(ZSH_END) {
                Some(at) => format!("{}{ZSH_IDS}{}", &script[..at], &script[at..]),
                None => script + ZSH_IDS,
            }
        }
        Shell::Fish => script + FISH_IDS,
        Shell::PowerShell => match script.find(POWERSHELL_AFTER) {
            Some(at) => {
                let at = at + POWERSHELL_AFTER.len();
                format!("{}{POWERSHELL_IDS}{}", &script[..at], &script[at..])
            }
            None => script,
        },
        _ => script,
    }
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
