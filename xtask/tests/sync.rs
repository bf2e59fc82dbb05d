//! `cargo xtask upstream cloudtower --sync` on small inline documents: what
//! the official document has and ours lacks, classified by `diff`, and the
//! textual edits `--write` makes.

use cloud_spec as spec;
use serde_json::{Value, json};
use xtask::{official, sync, upstream};

/// Ours: a curated subset in the hand-written style (comments, blank lines,
/// flow and block mappings), which `--write` must keep as it is.
const OURS: &str = "\
# Ours: a curated subset (this comment must survive --write).
openapi: 3.0.3
info: {title: ours, version: '1.0'}
paths:
  /get-vms:
    post:
      operationId: GetVms
      description: Lists VMs.
      tags: [Vm]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/GetVmsRequestBody'}
      responses:
        '200':
          description: The VMs.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Vm'}}
components:
  schemas:
    GetVmsRequestBody:
      type: object
      properties:
        first: {type: integer, format: int32, nullable: true}
      additionalProperties: false

    Vm:
      type: object
      required: [id]
      properties:
        cluster: {allOf: [{$ref: '#/components/schemas/NestedCluster'}], nullable: true}
        id: {type: string}
        # Kept on purpose.
        name: {type: string}
        power: {type: string, enum: ['OFF', 'ON']}
        status: {$ref: '#/components/schemas/VmStatus'}

    NestedCluster:
      type: object
      properties: {id: {type: string}}

    VmStatus:
      type: string
      enum: [RUNNING, STOPPED]
";

/// The official document: `OURS` and more of everything.
fn official() -> Value {
    let reference = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let wrapped = |name: &str| json!({"allOf": [reference(name)], "nullable": true});
    json!({
        "openapi": "3.0.0",
        "info": {"title": "official", "version": "2.0"},
        "paths": {
            "/get-vms": {"post": {
                "operationId": "GetVms",
                "tags": ["Vm"],
                "parameters": [
                    {"in": "header", "name": "x-trace", "required": false, "schema": {"type": "string"}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": reference("GetVmsRequestBody")}}},
                "responses": {
                    "200": {"description": "", "content": {"application/json": {
                        "schema": {"type": "array", "items": reference("Vm")}}}},
                    "404": {"description": "Not found", "content": {"application/json": {
                        "schema": {"type": "string"}}}}
                }
            }},
            "/get-vm-nics": {"post": {"operationId": "GetVmNics", "tags": ["Vm"], "responses": {}}},
            "/get-hosts": {"post": {"operationId": "GetHosts", "tags": ["Host"], "responses": {}}}
        },
        "components": {"schemas": {
            "GetVmsRequestBody": {
                "type": "object",
                "required": ["cluster_id"],
                "properties": {
                    "cluster_id": {"type": "string"},
                    "first": {"type": "integer", "format": "int32", "nullable": true},
                    "skip": {"type": "integer", "format": "int32", "nullable": true}
                },
                "additionalProperties": false
            },
            "Vm": {
                "type": "object",
                "required": ["id", "memory"],
                "properties": {
                    "api_key": {"type": "string", "nullable": true},
                    "cluster": wrapped("NestedCluster"),
                    "host": wrapped("NestedHost"),
                    "id": {"type": "string"},
                    "memory": {"type": "integer", "format": "int64"},
                    "name": {"type": "string"},
                    "password": {"type": "string"},
                    "power": {"type": "string", "enum": ["OFF", "ON", "PAUSED"]},
                    "previous_status": wrapped("VmStatus"),
                    "status": reference("VmStatus")
                }
            },
            "NestedCluster": {
                "type": "object",
                "required": ["name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}}
            },
            "NestedHost": {"type": "object", "properties": {"id": {"type": "string"}}},
            "VmStatus": {"type": "string", "enum": ["RUNNING", "STOPPED", "SUSPENDED"]}
        }}
    })
}

/// The official texts, as `cloudtower-<version>-descriptions-en.json`.
fn descriptions() -> Value {
    json!({"schemas": {"Vm": {"memory": "Memory in bytes.", "previous_status": ""}}})
}

fn ours() -> Value {
    spec::parse(OURS).unwrap_or_else(|e| panic!("{e}"))
}

fn lines(lacks: &[sync::Lack]) -> Vec<String> {
    lacks.iter().map(ToString::to_string).collect()
}

#[test]
fn every_kind_of_lack_is_found_and_classified_as_diff_does() {
    let lacks = sync::lacks(&ours(), &official(), Some(&ours()), Some(&descriptions()));
    let actual = lines(&lacks);
    let expected = [
        // A new required field breaks whoever builds the request.
        "BREAKING  schema `GetVmsRequestBody`: property `cluster_id`: added, required  [not written: breaking; decide, then edit by hand]",
        "ok        schema `GetVmsRequestBody`: property `skip`: added, optional  [--write adds it]",
        // A response model gains a required field: nobody builds it.
        "ok        schema `NestedCluster`: property `name`: added, required  [--write adds it]",
        "ok        schema `Vm`: property `api_key`: added, optional  [--write adds it]",
        "ok        schema `Vm`: property `host`: added, optional  [not written: it needs schema `NestedHost`, not in the spec yet; add it first]",
        "ok        schema `Vm`: property `memory`: added, required  [--write adds it]",
        "ok        schema `Vm`: property `password`: added, optional  [--write adds it]",
        // An inline enum is generated closed.
        "BREAKING  schema `Vm`: property `power`: enum value `PAUSED` added to a closed (inline) enum in a response: exhaustive matches break and older clients reject the value  [not written: breaking; decide, then edit by hand]",
        "ok        schema `Vm`: property `previous_status`: added, optional  [--write adds it]",
        // A named string enum is generated open.
        "ok        schema `VmStatus`: enum value `SUSPENDED` added  [--write adds it]",
        // In a tag we use (`Vm`); `GetHosts` (`Host`) is not.
        "ok        operation GetVmNics (POST /get-vm-nics): added  [add with `cargo xtask import cloudtower [<official-spec>] /get-vm-nics`]",
        "ok        operation GetVms (POST /get-vms): parameter `x-trace` (header): added, optional  [add by hand (--write does not add parameters)]",
        "BREAKING  operation GetVms (POST /get-vms): error response now has a body (string); the Rust return type changes  [add by hand (--write does not add responses)]",
    ];
    assert_eq!(actual, expected, "\n{}", actual.join("\n"));
}

#[test]
fn what_the_base_has_too_is_left_out_on_purpose() {
    // The document the spec was curated from already had `skip`, `host`
    // and `GetVmNics`: the spec leaves them out, they are not new.
    let mut base = official();
    base["components"]["schemas"]["Vm"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("memory");
    let lacks = sync::lacks(&ours(), &official(), Some(&base), None);
    let actual = lines(&lacks);
    assert_eq!(
        actual,
        [
            "ok        schema `Vm`: property `memory`: added, required  [--write adds it]",
            "BREAKING  schema `Vm`: property `power`: enum value `PAUSED` added to a closed (inline) enum in a response: exhaustive matches break and older clients reject the value  [not written: breaking; decide, then edit by hand]",
            "ok        schema `VmStatus`: enum value `SUSPENDED` added  [--write adds it]",
            // Parameters are never left out (`upstream` requires them all).
            "ok        operation GetVms (POST /get-vms): parameter `x-trace` (header): added, optional  [add by hand (--write does not add parameters)]",
        ],
        "\n{}",
        actual.join("\n")
    );
}

#[test]
fn without_a_base_properties_are_not_written() {
    let lacks = sync::lacks(&ours(), &official(), None, None);
    let skip = lacks
        .iter()
        .find(|l| l.location.ends_with("GetVmsRequestBody/properties/skip"))
        .expect("skip is lacking");
    assert!(!skip.writable());
    assert!(skip.to_string().contains("without --base"), "{skip}");
    let value = lacks
        .iter()
        .find(|l| l.location.ends_with("VmStatus/enum"))
        .expect("SUSPENDED is lacking");
    assert!(value.writable(), "{value}");
}

#[test]
fn write_makes_small_textual_edits_and_keeps_the_rest() {
    let (ours, official) = (ours(), official());
    let mut lacks = sync::lacks(&ours, &official, Some(&ours), Some(&descriptions()));
    let written = sync::write(OURS, &ours, &official, &mut lacks).unwrap_or_else(|e| panic!("{e}"));
    // Each new property at its sorted place (above the comment of the
    // next one), documented as `import` documents it (official text, else
    // derived from the name), credentials as `Secret`; required ones in
    // `required`; the enum value at the end; nothing else touched.
    let expected = OURS
        .replace(
            "        first: {type: integer, format: int32, nullable: true}\n",
            "        first: {type: integer, format: int32, nullable: true}\n\
             \x20       skip:\n\
             \x20         description: Skip this many items first.\n\
             \x20         type: integer\n\
             \x20         format: int32\n\
             \x20         nullable: true\n",
        )
        .replace(
            "      required: [id]\n      properties:\n",
            "      required: [id, memory]\n      properties:\n\
             \x20       api_key:\n\
             \x20         description: Api key.\n\
             \x20         allOf: [{$ref: '#/components/schemas/Secret'}]\n\
             \x20         nullable: true\n",
        )
        .replace(
            "        id: {type: string}\n        # Kept",
            "        id: {type: string}\n\
             \x20       memory:\n\
             \x20         description: Memory in bytes.\n\
             \x20         type: integer\n\
             \x20         format: int64\n\
             \x20       # Kept",
        )
        .replace(
            "        name: {type: string}\n",
            "        name: {type: string}\n\
             \x20       password:\n\
             \x20         description: Password.\n\
             \x20         allOf: [{$ref: '#/components/schemas/Secret'}]\n",
        )
        .replace(
            "        status: {$ref: '#/components/schemas/VmStatus'}\n",
            "        previous_status:\n\
             \x20         description: Previous status.\n\
             \x20         allOf: [{$ref: '#/components/schemas/VmStatus'}]\n\
             \x20         nullable: true\n\
             \x20       status: {$ref: '#/components/schemas/VmStatus'}\n",
        )
        .replace(
            "      type: object\n      properties: {id: {type: string}}\n",
            "      type: object\n      required: [name]\n\
             \x20     properties: {id: {type: string}, name: {description: 'Name of the cluster.', type: string}}\n",
        )
        .replace("enum: [RUNNING, STOPPED]", "enum: [RUNNING, STOPPED, SUSPENDED]");
    assert_eq!(written, expected, "\n{written}");
    let written_lacks: Vec<&str> = lacks
        .iter()
        .filter(|l| l.written)
        .map(|l| l.location.as_str())
        .collect();
    assert_eq!(written_lacks.len(), 7, "{written_lacks:?}");
    // Breaking ones, and those that need a schema, are left alone.
    for l in lacks.iter().filter(|l| !l.written) {
        assert!(l.breaking || l.edit.is_none() || l.note.is_some(), "{l}");
    }
    // Written, the spec disagrees with the official document only where
    // it did before: the two lacks that were not written (upstream has all
    // parameters and enum values of what we include).
    let after = spec::parse(&written).unwrap();
    let disagreements: Vec<String> = upstream::compare(&after, &official)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        disagreements,
        [
            "#/paths/~1get-vms/post/parameters: upstream declares parameter `x-trace` (header), missing here",
            "#/components/schemas/Vm/properties/power: enum values missing here: `PAUSED`",
        ]
    );
}

#[test]
fn an_edit_it_cannot_make_textually_is_reported_not_guessed() {
    // The schema is one flow mapping: no line to insert a property at.
    let text = OURS.replace(
        "    NestedCluster:\n      type: object\n      properties: {id: {type: string}}\n",
        "    NestedCluster: {type: object, properties: {id: {type: string}}}\n",
    );
    let ours = spec::parse(&text).unwrap();
    let official = official();
    let mut lacks = sync::lacks(&ours, &official, Some(&ours), None);
    let written =
        sync::write(&text, &ours, &official, &mut lacks).unwrap_or_else(|e| panic!("{e}"));
    let name = lacks
        .iter()
        .find(|l| l.location.ends_with("NestedCluster/properties/name"))
        .unwrap();
    assert!(!name.written);
    assert!(name.to_string().contains("flow style"), "{name}");
    assert!(
        written.contains("    NestedCluster: {type: object, properties: {id: {type: string}}}\n")
    );
    assert!(written.contains("enum: [RUNNING, STOPPED, SUSPENDED]"));
}

#[test]
fn options_are_checked() {
    let args = |a: &[&str]| a.iter().map(ToString::to_string).collect::<Vec<_>>();
    let vendored = std::path::Path::new("upstream/cloudtower/vendored.json");
    let o = sync::Options::parse(
        &args(&["off.json", "--sync", "--base", "old.json", "--write"]),
        vendored,
    )
    .unwrap();
    assert_eq!(o.official.to_str(), Some("off.json"));
    assert_eq!(o.base.as_deref().and_then(|p| p.to_str()), Some("old.json"));
    assert!(o.write && o.descriptions.is_none());
    // Without a document, the vendored one.
    let o = sync::Options::parse(&args(&["--sync"]), vendored).unwrap();
    assert_eq!(o.official, vendored);
    assert!(!o.write && o.base.is_none());
    for (bad, message) in [
        (&["a.json", "--base"][..], "--base needs a file"),
        (&["a.json", "--frob"][..], "unknown option `--frob`"),
        (
            &["a.json", "b.json", "--sync"][..],
            "unexpected argument `b.json`",
        ),
        (&["a.json", "--write"][..], "go with --sync"),
    ] {
        let err = sync::Options::parse(&args(bad), vendored).unwrap_err();
        assert!(err.contains(message), "{bad:?}: {err}");
    }
}

#[test]
fn run_writes_the_file_and_reports_bad_input_clearly() {
    let dir = std::env::temp_dir().join(format!("xtask-sync-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec_path = dir.join("ours.yaml");
    let official_path = dir.join("official.json");
    std::fs::write(&spec_path, OURS).unwrap();
    std::fs::write(&official_path, official().to_string()).unwrap();
    let options = sync::Options {
        official: official_path.clone(),
        base: None,
        descriptions: None,
        write: true,
    };
    let report = sync::run(&spec_path, "ours.yaml", &options).unwrap_or_else(|e| panic!("{e}"));
    // No base and another version: only the enum value is written.
    assert!(report.wrote);
    let text = std::fs::read_to_string(&spec_path).unwrap();
    assert_eq!(
        text,
        OURS.replace("[RUNNING, STOPPED]", "[RUNNING, STOPPED, SUSPENDED]")
    );
    let shown = report.to_string();
    assert!(
        shown.contains(
            "schema `GetVmsRequestBody`: 1 property not in the spec (`skip`), none breaking"
        ),
        "{shown}"
    );
    assert!(!report.clean());

    let missing = sync::Options {
        official: dir.join("missing.json"),
        ..options
    };
    let err = sync::run(&spec_path, "ours.yaml", &missing).unwrap_err();
    assert!(err.contains("missing.json: cannot read the file"), "{err}");
    std::fs::write(&official_path, "{not json").unwrap();
    let err = sync::run(
        &spec_path,
        "ours.yaml",
        &sync::Options {
            official: official_path,
            ..missing
        },
    )
    .unwrap_err();
    assert!(err.contains("not valid YAML or JSON"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The official 4.6.0 document, vendored in `upstream/cloudtower/`.
fn official_4_6_0() -> Value {
    let path = official::document(&xtask::workspace_root().unwrap());
    spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn real_spec() -> (String, Value) {
    let path = xtask::workspace_root()
        .unwrap()
        .join("specs/cloudtower.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = spec::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    (text, value)
}

#[test]
fn the_spec_lacks_nothing_new_in_the_document_it_was_curated_from() {
    let (_, ours) = real_spec();
    let official = official_4_6_0();
    let lacks = sync::lacks(&ours, &official, Some(&official), None);
    assert_eq!(lines(&lacks), Vec::<String>::new());
}

#[test]
fn write_on_the_real_spec_only_inserts_lines() {
    // A future document: 4.6.0 plus one of each writable addition, in the
    // spec's different layouts (a wrapped flow enum, a one-line enum, a
    // block `properties`, a flow `properties` with a flow `required`).
    let (text, ours) = real_spec();
    let base = official_4_6_0();
    let mut newer = base.clone();
    let schemas = &mut newer["components"]["schemas"];
    let push = |v: &mut Value, item: Value| v.as_array_mut().unwrap().push(item);
    push(&mut schemas["VmStatus"]["enum"], json!("PAUSED"));
    push(
        &mut schemas["VmOrderByInput"]["enum"],
        json!("gpu_count_ASC"),
    );
    schemas["Vm"]["properties"]["gpu_count"] =
        json!({"type": "integer", "format": "int32", "nullable": true});
    schemas["NestedCluster"]["properties"]["local_id"] = json!({"type": "string"});
    push(&mut schemas["NestedCluster"]["required"], json!("local_id"));
    let mut lacks = sync::lacks(&ours, &newer, Some(&base), None);
    assert_eq!(
        lines(&lacks),
        [
            "ok        schema `NestedCluster`: property `local_id`: added, required  [--write adds it]",
            "ok        schema `Vm`: property `gpu_count`: added, optional  [--write adds it]",
            "ok        schema `VmOrderByInput`: enum value `gpu_count_ASC` added  [--write adds it]",
            "ok        schema `VmStatus`: enum value `PAUSED` added  [--write adds it]",
        ]
    );
    let written = sync::write(&text, &ours, &newer, &mut lacks).unwrap_or_else(|e| panic!("{e}"));
    assert!(lacks.iter().all(|l| l.written));
    // Eight lines are new (`gpu_count`'s block of five, and `NestedCluster`'s
    // `local_id` block of three); four had a value appended; every
    // other line, comments and blank ones included, is as it was. (Lines
    // that also occur elsewhere in the file, such as `type: integer`, are
    // not in `added`.)
    let old: Vec<&str> = text.lines().collect();
    let new: Vec<&str> = written.lines().collect();
    let edited: Vec<&str> = old.iter().copied().filter(|l| !new.contains(l)).collect();
    let added: Vec<&str> = new.iter().copied().filter(|l| !old.contains(l)).collect();
    assert_eq!(new.len(), old.len() + 8, "{added:#?}");
    assert_eq!(
        added,
        [
            "        vm_tools_version_DESC, vm_usage_ASC, vm_usage_DESC, win_opt_ASC, win_opt_DESC, gpu_count_ASC]",
            "        gpu_count:",
            "          description: GPU count.",
            "      required: [id, name, local_id]",
            "      enum: [DELETED, RUNNING, STOPPED, SUSPENDED, UNKNOWN, PAUSED]",
        ]
    );
    // (`NestedCluster`'s two old lines are also other schemas' lines.)
    assert_eq!(
        edited,
        [
            "        vm_tools_version_DESC, vm_usage_ASC, vm_usage_DESC, win_opt_ASC, win_opt_DESC]",
            "      enum: [DELETED, RUNNING, STOPPED, SUSPENDED, UNKNOWN]",
        ]
    );
    let after = spec::parse(&written).unwrap();
    assert_eq!(upstream::compare(&after, &newer), Vec::new());
}
