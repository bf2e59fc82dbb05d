//! cloud-common's README state table (crates/cloud-common/README.md) is the providers' `STATES`
//! tables: this test renders them and requires the README to hold exactly
//! that table, so neither can change without the other.

#[path = "common/providers.rs"]
mod providers;

use cloud_common::InstanceState;

const NEUTRAL: &[InstanceState] = &[
    InstanceState::Creating,
    InstanceState::Starting,
    InstanceState::Running,
    InstanceState::Stopping,
    InstanceState::Stopped,
    InstanceState::Suspended,
    InstanceState::Deleting,
    InstanceState::Deleted,
    InstanceState::Error,
];

fn words(table: &[(&str, InstanceState)], state: &InstanceState) -> String {
    let w: Vec<String> = table
        .iter()
        .filter(|(_, s)| s == state)
        .map(|(w, _)| format!("`{w}`"))
        .collect();
    if w.is_empty() {
        "—".to_string()
    } else {
        w.join(", ")
    }
}

fn rendered() -> String {
    let providers: Vec<(&str, &[(&str, InstanceState)])> = providers::APIS
        .iter()
        .map(|a| (a.states_heading, a.states))
        .collect();
    let mut out = String::from("| `InstanceState` |");
    for (name, _) in &providers {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(providers.len()));
    out.push('\n');
    for state in NEUTRAL {
        out.push_str(&format!("| `{state}` |"));
        for (_, table) in &providers {
            out.push_str(&format!(" {} |", words(table, state)));
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_readme_table_is_the_code() {
    let readme = include_str!("../crates/cloud-common/README.md");
    let table = rendered();
    assert!(
        readme.contains(&table),
        "crates/cloud-common/README.md's state table differs from the providers' STATES; it should read:\n{table}"
    );
}

#[test]
fn every_word_is_a_normalised_key_and_maps_once() {
    for table in providers::APIS.iter().map(|a| a.states) {
        let mut seen = std::collections::BTreeSet::new();
        for (word, _) in table {
            assert_eq!(
                cloud_common::status_key(word),
                *word,
                "{word} is not normalised"
            );
            assert!(seen.insert(*word), "{word} appears twice");
        }
    }
}
