//! `fleet completions <shell>`: each script loads in its shell and
//! completes spec operations, their flags and `<provider>:<id>` (from
//! `fleet __ids`). zsh and fish are installed by `.ci/run`; PowerShell is
//! not in Debian, so its script's text is checked instead.

mod common;

use common::{bash, fleet, ok, run, stderr, stdout};

/// What bash's loaded completion function offers after `line`.
fn bash_offers(line: &str) -> String {
    let script = format!(
        "source <(fleet completions bash) && complete -p fleet && \
         COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; read -ra COMP_WORDS <<< \"$COMP_LINE\"; \
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
         _fleet fleet \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    ok(&mut bash(&script))
}

/// What bash's `<provider>:<id>` completion offers after `line`.
fn bash_refs(line: &str) -> String {
    let script = format!(
        "source <(fleet completions bash) && COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         _fleet_refs; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    ok(&mut bash(&script))
}

#[test]
fn the_bash_script_loads_and_completes_operations_flags_and_ids() {
    let offered = bash_offers("fleet cloudtower get-v");
    assert!(offered.contains("-F _fleet_refs fleet"), "{offered}");
    assert!(offered.lines().any(|l| l == "get-vms"), "{offered}");
    let offered = bash_offers("fleet cloudtower get-vms --pag");
    assert!(offered.lines().any(|l| l == "--paginate"), "{offered}");
    let offered = bash_offers("fleet comp");
    assert!(offered.lines().any(|l| l == "completions"), "{offered}");
    // `<provider>:<id>` from the fakes, with bash's `:` word break: the
    // reply is what follows the colon.
    assert_eq!(
        bash_refs("fleet --fake show cloudtower:cl"),
        "cl2k1yswo1ifg0822ruv6ylfp\n"
    );
    assert_eq!(
        bash_refs("fleet --fake stop --yes neo"),
        "neolink:instance-4ca9xxxx\n"
    );
    assert_eq!(bash_refs("fleet --fake wait ").lines().count(), 4);
}

#[test]
fn every_script_names_the_operations() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = ok(&mut fleet(&["completions", shell]));
        assert!(
            script.contains("get-vms") && script.contains("tensordock-v2"),
            "{shell}"
        );
        assert!(script.contains("__ids"), "{shell}: no instance completion");
    }
    let o = run(&mut fleet(&["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}
