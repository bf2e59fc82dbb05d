//! `fleet completions <shell>`: each script loads in its shell and
//! completes spec operations, their flags and `<provider>:<id>` (from
//! `fleet __ids`). zsh and fish are installed by `.ci/run`; PowerShell is
//! not in Debian, so its script's text is checked instead.

mod common;

use std::process::Command;

use common::{bash, clean, fleet, installed, ok, path, run, stderr, stdout};

/// `shell -c script` (zsh and fish take `-c` as bash does), with the
/// binary on its `PATH`.
fn in_shell(shell: &str, args: &[&str], script: &str) -> String {
    let mut c = Command::new(shell);
    c.args(args).arg("-c").arg(script);
    let mut c = clean(c);
    ok(c.env("PATH", path()))
}

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
        bash_refs("fleet --fake show cloudtower:cl2k1yswo1ifg"),
        "cl2k1yswo1ifg0822ruv6ylfp\n"
    );
    assert_eq!(
        bash_refs("fleet --fake stop --yes neo"),
        "neolink:instance-3ba5xxxx\nneolink:instance-4ca9xxxx\nneolink:instance-ccffxxxx\n"
    );
    // Every seeded instance: 2 TensorDock v2, 2 v0, 3 Neolink, 4 CloudTower.
    assert_eq!(bash_refs("fleet --fake wait ").lines().count(), 11);
}

/// zsh: the script loads under `compinit` and registers `_fleet`; the
/// instance arguments complete with `_fleet_ids`, which offers
/// `fleet __ids`'s lines (`compadd` stubbed: it works only inside a
/// completion widget).
#[test]
fn the_zsh_script_loads_and_completes_ids() {
    if !installed("zsh", "--version") {
        return;
    }
    let script = ok(&mut fleet(&["completions", "zsh"]));
    // show, start, stop, delete and wait.
    assert_eq!(script.matches(":_fleet_ids' \\").count(), 5, "{script}");
    let out = in_shell(
        "zsh",
        &["-f"],
        "autoload -U compinit && compinit -u && source <(fleet completions zsh) && \
         print -r -- \"fleet=$_comps[fleet]\" && \
         compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }; \
         BUFFER='fleet --fake show cl'; _fleet_ids",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "fleet=_fleet", "{out}");
    assert_eq!(lines.len(), 1 + 11, "{out}");
    assert!(
        lines.contains(&"cloudtower:cl2k1yswo1ifg0822ruv6ylfp"),
        "{out}"
    );
    // Not configured, and no --fake: nothing offered, nothing printed.
    let out = in_shell(
        "zsh",
        &["-f"],
        "source <(fleet completions zsh) 2>/dev/null; \
         compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }; \
         BUFFER='fleet show cl'; _fleet_ids",
    );
    assert_eq!(out.trim(), "", "{out}");
}

/// fish: the script loads and fish's own completer (`complete -C`) offers
/// operations, flags and instances.
#[test]
fn the_fish_script_loads_and_completes_ids() {
    if !installed("fish", "--version") {
        return;
    }
    let complete = |line: &str| {
        in_shell(
            "fish",
            &["--no-config"],
            &format!("fleet completions fish | source; and complete -C '{line}'"),
        )
    };
    let names = |out: String| -> Vec<String> {
        out.lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect()
    };
    assert!(names(complete("fleet cloudtower get-v")).contains(&"get-vms".to_string()));
    assert!(names(complete("fleet cloudtower get-vms --pag")).contains(&"--paginate".to_string()));
    assert_eq!(
        names(complete("fleet --fake show cloudtower:cl2k1yswo1ifg")),
        ["cloudtower:cl2k1yswo1ifg0822ruv6ylfp"]
    );
    assert_eq!(
        names(complete("fleet --fake stop --yes neo")),
        [
            "neolink:instance-3ba5xxxx",
            "neolink:instance-4ca9xxxx",
            "neolink:instance-ccffxxxx"
        ]
    );
    assert_eq!(complete("fleet --fake wait ").lines().count(), 11);
}

/// PowerShell is not in Debian, so its script is checked as text: the
/// instance completion sits inside clap's completer, after the line is
/// read and before clap's `switch`, and calls `fleet __ids`.
#[test]
fn the_powershell_script_answers_instances_before_clap() {
    let script = ok(&mut fleet(&["completions", "powershell"]));
    let read = script.find("}) -join ';'").expect("clap reads the line");
    let ids = script.find("fleet @fleetArgs __ids").expect("the ids");
    let switch = script
        .find("$completions = @(switch")
        .expect("clap's switch");
    assert!(read < ids && ids < switch, "{script}");
    assert_eq!(script.matches("Register-ArgumentCompleter").count(), 1);
    assert!(script.contains("(show|start|stop|delete|wait)"));
    assert!(script.contains("$fleetArgs += '--fake'"));
}

#[test]
fn every_script_names_the_operations() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = ok(&mut fleet(&["completions", shell]));
        assert!(
            script.contains("get-vms") && script.contains("tensordock-v2"),
            "{shell}"
        );
        assert!(
            script.contains("__ids 2>"),
            "{shell}: no instance completion"
        );
    }
    let o = run(&mut fleet(&["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}
