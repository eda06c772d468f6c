//! In-process tests of every feature of the language server, over real policy text: a client
//! speaks JSON-RPC to the server through an in-memory pipe.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: tests fail loudly on anything unexpected

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::{TestClient, position_of, uri};

const COMMON: &str = r#"//! Helpers shared by ACME policies.
module acme.common

/// Whether a path is a shell.
fn is_shell(path: string) -> bool = path matches r"^/(usr/)?bin/(ba|z|k|da)?sh$"
"#;

const PROD: &str = r#"//! Production admission policy for ACME images.
import acme.common as common

/// Highest severity we tolerate when a fix exists.
param max_fixable: Severity = High

/// Fixable vulnerabilities above the threshold must be patched before release.
deny fixable_vulns
  for v in image.vulnerabilities
  let pkg = v.package
  where v.severity > max_fixable and v.fixed_in != none
  message "{v.id} in {pkg.name} (café ☕)"

/// Containers must not run as root.
deny root_user
  when image.config.user in {"", "root", "0"}
  message "image runs as root"

deny shells
  for f in image.files
  where common.is_shell(f.path)
  message "shell {f.path}: {lower(f.path)}"

test "root is denied" {
  expect image { config: { user: "root" } } denies root_user
}
"#;

/// A policy with an error after non-ASCII text on the same line (UTF-16 columns differ from
/// byte columns there).
const BROKEN: &str =
    "deny bad_user\n  when \"é😀\" == \"x\" and image.config.usr == \"root\"\n  message \"bad\"\n";

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("acme")).unwrap();
        std::fs::write(dir.path().join("acme/common.tg"), COMMON).unwrap();
        std::fs::write(dir.path().join("acme/prod.tg"), PROD).unwrap();
        Workspace { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn uri(&self, relative: &str) -> String {
        uri(&self.root().join(relative))
    }
}

async fn start(ws: &Workspace) -> TestClient {
    TestClient::start(ws.root(), Duration::from_millis(10)).await
}

fn pos(uri: &str, text: &str, needle: &str, shift: usize) -> Value {
    json!({"textDocument": {"uri": uri}, "position": position_of(text, needle, shift)})
}

/// Rename params: the position of `needle` (shifted) in `text`, and the new name.
fn rename_to(uri: &str, text: &str, needle: &str, shift: usize, new_name: &str) -> Value {
    let mut params = pos(uri, text, needle, shift);
    params["newName"] = json!(new_name);
    params
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_is_published_with_code_utf16_range_message_and_help() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let broken = ws.uri("acme/broken.tg");
    client.open(&broken, BROKEN).await;
    let published = client
        .diagnostics_where(&broken, |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .await;
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "TG0102");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "tollgate");
    // `usr` is at byte column 40 but UTF-16 column 37: `é` is 2 bytes / 1 unit, `😀` 4 / 2.
    assert_eq!(
        d["range"],
        json!({"start": {"line": 1, "character": 37}, "end": {"line": 1, "character": 40}})
    );
    assert_eq!(d["message"], "no field `usr` on `Config`");
    assert_eq!(d["data"]["replacement"], "user");
    let related = d["relatedInformation"].as_array().unwrap();
    assert!(
        related.iter().any(|r| r["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `user`?")),
        "{related:#?}"
    );

    // Fixing the typo clears the diagnostics (version 2).
    client
        .change(&broken, 2, &BROKEN.replace("usr", "user"))
        .await;
    let cleared = client
        .diagnostics_where(&broken, |p| p["diagnostics"].as_array().unwrap().is_empty())
        .await;
    assert_eq!(cleared["version"], 2);

    // The files read from disk at start-up have no diagnostics.
    let prod = client
        .diagnostics_where(&ws.uri("acme/prod.tg"), |_| true)
        .await;
    assert_eq!(prod["diagnostics"], json!([]), "{prod:#?}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_action_replaces_the_span_with_the_suggestion() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let broken = ws.uri("acme/broken.tg");
    client.open(&broken, BROKEN).await;
    let published = client
        .diagnostics_where(&broken, |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .await;
    let diagnostic = published["diagnostics"][0].clone();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": broken},
                "range": diagnostic["range"],
                "context": {"diagnostics": [diagnostic]},
            }),
        )
        .await;
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["title"], "Replace with `user`");
    let edits = &action["edit"]["changes"][&broken];
    assert_eq!(edits[0]["newText"], "user");
    assert_eq!(edits[0]["range"], diagnostic["range"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_shows_types_and_docs() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    client.open(&prod, PROD).await;

    let hover = |v: &Value| v["contents"]["value"].as_str().unwrap().to_string();
    // A facts field: its type and the schema's doc comment.
    let field = client
        .request(
            "textDocument/hover",
            pos(&prod, PROD, "vulnerabilities\n", 1),
        )
        .await;
    let text = hover(&field);
    assert!(
        text.contains("Image.vulnerabilities: list<Vulnerability>"),
        "{text}"
    );
    assert!(
        text.contains("Vulnerabilities of installed packages"),
        "{text}"
    );
    // A param: declared type and doc.
    let param = client
        .request("textDocument/hover", pos(&prod, PROD, "max_fixable and", 2))
        .await;
    let text = hover(&param);
    assert!(
        text.contains("param acme.prod.max_fixable: Severity"),
        "{text}"
    );
    assert!(text.contains("Highest severity we tolerate"), "{text}");
    // A `let` binding: its type.
    let local = client
        .request("textDocument/hover", pos(&prod, PROD, "pkg.name", 0))
        .await;
    assert!(
        hover(&local).contains("pkg: PackageRef"),
        "{}",
        hover(&local)
    );
    // A user fn across files: signature and doc.
    let function = client
        .request("textDocument/hover", pos(&prod, PROD, "is_shell(f", 2))
        .await;
    let text = hover(&function);
    assert!(
        text.contains("fn acme.common.is_shell(path: string) -> bool"),
        "{text}"
    );
    assert!(text.contains("Whether a path is a shell."), "{text}");
    // A builtin: signatures and docs from stdlib/std/builtins.tg.
    let builtin = client
        .request("textDocument/hover", pos(&prod, PROD, "lower(f", 1))
        .await;
    let text = hover(&builtin);
    assert!(
        text.contains("builtin fn lower(s: string) -> string"),
        "{text}"
    );
    assert!(text.contains("Lowercases a string."), "{text}");
    // A rule, an enum variant, a module alias.
    let rule = client
        .request("textDocument/hover", pos(&prod, PROD, "root_user\n}", 1))
        .await;
    let text = hover(&rule);
    assert!(text.contains("deny acme.prod.root_user"), "{text}");
    assert!(text.contains("Containers must not run as root."), "{text}");
    let variant = client
        .request("textDocument/hover", pos(&prod, PROD, "High\n", 1))
        .await;
    assert!(
        hover(&variant).contains("Severity.High"),
        "{}",
        hover(&variant)
    );
    let module = client
        .request("textDocument/hover", pos(&prod, PROD, "common.is_shell", 1))
        .await;
    let text = hover(&module);
    assert!(text.contains("module acme.common"), "{text}");
    assert!(text.contains("Helpers shared by ACME policies."), "{text}");
    // A stdlib type name.
    let ty = client
        .request("textDocument/hover", pos(&prod, PROD, "Severity =", 1))
        .await;
    assert!(
        hover(&ty).contains("enum std.schema.Severity"),
        "{}",
        hover(&ty)
    );
    client.shutdown().await;
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_offers_fields_methods_names_keywords_modules_and_snippets() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    // The user just typed `image.config.` in a new rule: the text does not parse.
    let typing = format!("{PROD}\ndeny new_rule\n  when image.config.\n");
    client.open(&prod, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(
                &prod,
                &typing,
                "when image.config.\n",
                "when image.config.".len(),
            ),
        )
        .await;
    let fields = labels(&items);
    assert!(fields.contains(&"user".to_string()), "{fields:?}");
    assert!(fields.contains(&"exposed_ports".to_string()), "{fields:?}");
    let user = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "user")
        .unwrap();
    assert_eq!(user["kind"], 5, "a field");
    assert_eq!(user["detail"], "string");
    assert!(!user["documentation"]["value"].as_str().unwrap().is_empty());

    // After a string-typed field: builtin methods whose first parameter is a string.
    let typing = format!("{PROD}\ndeny new_rule\n  when image.config.user.\n");
    client.change(&prod, 2, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "user.\n", "user.".len()),
        )
        .await;
    let methods = labels(&items);
    assert!(methods.contains(&"starts_with".to_string()), "{methods:?}");
    assert!(!methods.contains(&"keys".to_string()), "{methods:?}");

    // After a local of a record type in a rule.
    let typing = format!("{PROD}\ndeny new_rule\n  for p in image.packages\n  where p.\n");
    client.change(&prod, 3, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "where p.\n", "where p.".len()),
        )
        .await;
    let fields = labels(&items);
    assert!(fields.contains(&"name".to_string()), "{fields:?}");
    assert!(fields.contains(&"version".to_string()), "{fields:?}");

    // An enum's variants after `Severity.`, a module's functions after `common.`.
    let typing = format!("{PROD}\ndeny new_rule\n  where Severity.\n");
    client.change(&prod, 4, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "where Severity.\n", "where Severity.".len()),
        )
        .await;
    assert!(labels(&items).contains(&"Critical".to_string()), "{items}");
    let typing = format!("{PROD}\ndeny new_rule\n  where common.\n");
    client.change(&prod, 5, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "where common.\n", "where common.".len()),
        )
        .await;
    assert_eq!(labels(&items), vec!["is_shell".to_string()]);

    // Modules after `import`.
    let typing = format!("import std.\n{PROD}");
    client.change(&prod, 6, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "import std.\n", "import std.".len()),
        )
        .await;
    assert!(labels(&items).contains(&"vulns".to_string()), "{items}");

    // Anywhere else: locals in scope, params, rules, builtins, keywords and snippets.
    let typing = format!("{PROD}\ndeny new_rule\n  for p in image.packages\n  where \n");
    client.change(&prod, 7, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "  where \n", "  where ".len()),
        )
        .await;
    let names = labels(&items);
    for wanted in [
        "p",
        "max_fixable",
        "root_user",
        "lower",
        "image",
        "unless",
        "High",
    ] {
        assert!(
            names.contains(&wanted.to_string()),
            "{wanted} not in {names:?}"
        );
    }
    let snippet = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "deny" && i["kind"] == 15)
        .expect("a deny rule snippet");
    assert_eq!(snippet["insertTextFormat"], 2);
    assert!(
        snippet["insertText"]
            .as_str()
            .unwrap()
            .contains("for ${3:p} in")
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_and_references_cross_files_and_reach_the_stdlib() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    let common = ws.uri("acme/common.tg");
    client.open(&prod, PROD).await;

    let definition = client
        .request("textDocument/definition", pos(&prod, PROD, "is_shell(f", 0))
        .await;
    assert_eq!(definition["uri"], common);
    assert_eq!(
        definition["range"]["start"],
        position_of(COMMON, "is_shell", 0)
    );

    // A schema field: the definition is in a read-only copy of stdlib/std/schema.tg.
    let definition = client
        .request(
            "textDocument/definition",
            pos(&prod, PROD, "vulnerabilities\n", 0),
        )
        .await;
    let target = definition["uri"].as_str().unwrap();
    assert!(target.ends_with("/std/schema.tg"), "{target}");
    let path = target.strip_prefix("file://").unwrap();
    let schema = std::fs::read_to_string(path).unwrap();
    let line = definition["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        schema
            .lines()
            .nth(line)
            .unwrap()
            .trim_start()
            .starts_with("vulnerabilities:"),
        "{}",
        schema.lines().nth(line).unwrap()
    );
    assert!(std::fs::metadata(path).unwrap().permissions().readonly());

    // References of a rule-local binding and of the rule name (test expectation included).
    let references = client
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": prod}, "position": position_of(PROD, "pkg =", 0), "context": {"includeDeclaration": true}}),
        )
        .await;
    assert_eq!(references.as_array().unwrap().len(), 2, "{references:#}");
    let references = client
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": common}, "position": position_of(COMMON, "is_shell", 0), "context": {"includeDeclaration": false}}),
        )
        .await;
    let references = references.as_array().unwrap();
    assert_eq!(references.len(), 1, "{references:#?}");
    assert_eq!(references[0]["uri"], prod);
    assert_eq!(
        references[0]["range"]["start"],
        position_of(PROD, "is_shell(f", 0)
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_edits_every_file_and_refuses_stdlib_names() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    let common = ws.uri("acme/common.tg");
    client.open(&prod, PROD).await;

    let edit = client
        .request(
            "textDocument/rename",
            rename_to(&prod, PROD, "is_shell(f", 1, "is_a_shell"),
        )
        .await;
    assert_eq!(edit["changes"][&prod].as_array().unwrap().len(), 1);
    assert_eq!(edit["changes"][&common].as_array().unwrap().len(), 1);
    assert_eq!(edit["changes"][&common][0]["newText"], "is_a_shell");

    // A rule: its declaration and the test's expectation.
    let edit = client
        .request(
            "textDocument/rename",
            rename_to(&prod, PROD, "root_user\n  when", 0, "no_root"),
        )
        .await;
    assert_eq!(
        edit["changes"][&prod].as_array().unwrap().len(),
        2,
        "{edit:#}"
    );

    // A let binding: the declaration and its use in the message template.
    let edit = client
        .request(
            "textDocument/rename",
            rename_to(&prod, PROD, "pkg =", 0, "package"),
        )
        .await;
    assert_eq!(
        edit["changes"][&prod].as_array().unwrap().len(),
        2,
        "{edit:#}"
    );

    // A schema field and a builtin are refused.
    let refused = client
        .request_raw(
            "textDocument/rename",
            rename_to(&prod, PROD, "vulnerabilities\n", 0, "vulns"),
        )
        .await;
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("stdlib"), "{message}");
    let refused = client
        .request_raw(
            "textDocument/rename",
            rename_to(&prod, PROD, "lower(", 0, "low"),
        )
        .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("built in")
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symbols_tokens_hints_signatures_lenses_and_formatting() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    client.open(&prod, PROD).await;

    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": prod}}),
        )
        .await;
    let names = labels(&Value::Array(
        symbols
            .as_array()
            .unwrap()
            .iter()
            .map(|s| json!({"label": s["name"]}))
            .collect(),
    ));
    assert_eq!(
        names,
        vec![
            "max_fixable",
            "fixable_vulns",
            "root_user",
            "shells",
            "root is denied"
        ]
    );
    let found = client
        .request("workspace/symbol", json!({"query": "shell"}))
        .await;
    let found: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&"is_shell") && found.contains(&"shells"),
        "{found:?}"
    );

    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": prod}}),
        )
        .await;
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode and find the `deny` keyword of the first rule and the `max_fixable` use.
    let mut line = 0;
    let mut column = 0;
    let mut decoded = Vec::new();
    for chunk in data.chunks(5) {
        if chunk[0] > 0 {
            column = 0;
        }
        line += chunk[0];
        column += chunk[1];
        decoded.push((line, column, chunk[2], chunk[3], chunk[4]));
    }
    let deny = position_of(PROD, "deny fixable_vulns", 0);
    assert!(
        decoded.contains(&(deny["line"].as_u64().unwrap(), 0, 4, 8, 0)),
        "{decoded:?}"
    );
    let use_site = position_of(PROD, "max_fixable and", 0);
    assert!(decoded.contains(&(
        use_site["line"].as_u64().unwrap(),
        use_site["character"].as_u64().unwrap(),
        11,
        6,
        0
    )));

    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": prod}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}}),
        )
        .await;
    let hints: Vec<(Value, String)> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["position"].clone(),
                h["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        hints.contains(&(
            position_of(PROD, " in image.vulnerabilities", 0),
            ": Vulnerability".into()
        )),
        "{hints:?}"
    );
    assert!(
        hints.contains(&(position_of(PROD, " = v.package", 0), ": PackageRef".into())),
        "{hints:?}"
    );
    assert!(
        hints.contains(&(position_of(PROD, " in image.files", 0), ": File".into())),
        "{hints:?}"
    );

    // Signature help inside a call: the second argument of `starts_with` in method form.
    let typing = format!("{PROD}\ndeny new_rule\n  where image.config.user.starts_with(\n");
    client.change(&prod, 2, &typing).await;
    let help = client
        .request(
            "textDocument/signatureHelp",
            pos(&prod, &typing, "starts_with(\n", "starts_with(".len()),
        )
        .await;
    assert_eq!(
        help["signatures"][0]["label"],
        "starts_with(s: string, prefix: string) -> bool"
    );
    assert_eq!(help["activeParameter"], 1);
    client.change(&prod, 3, PROD).await;

    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": prod}}),
        )
        .await;
    let lens = &lenses[0];
    assert_eq!(lens["command"]["command"], "tollgate.runTest");
    assert_eq!(
        lens["command"]["arguments"],
        json!(["root is denied", prod])
    );
    assert_eq!(lens["range"]["start"], position_of(PROD, "test \"root", 0));
    let outcome = client
        .request(
            "workspace/executeCommand",
            json!({"command": "tollgate.runTest", "arguments": ["root is denied", prod]}),
        )
        .await;
    let shown = client.notification("window/showMessage").await;
    assert_eq!(shown["message"], outcome["message"]);
    assert!(
        outcome["message"]
            .as_str()
            .unwrap()
            .contains("`root is denied`")
    );

    // Formatting: a badly laid out rule comes back in the canonical layout.
    let messy = "deny   root_user\n      when image.config.user==\"root\"\n";
    let messy_uri = ws.uri("acme/messy.tg");
    client.open(&messy_uri, messy).await;
    let edits = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": messy_uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
        )
        .await;
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(formatted, tollgate_compiler::format::format(messy).unwrap());
    assert!(formatted.starts_with("deny root_user\n"), "{formatted}");
    assert!(
        formatted.contains("image.config.user == \"root\""),
        "{formatted}"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_apply_in_order_and_requests_see_every_earlier_edit() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let broken = ws.uri("acme/broken.tg");
    client.open(&broken, BROKEN).await;
    // Many edits in a row, then a request: it must see the last one.
    for version in 2..40 {
        let text = BROKEN.replace("bad_user", &format!("rule_{version}"));
        client.change(&broken, version, &text).await;
    }
    let last = BROKEN.replace("bad_user", "rule_40").replace("usr", "usre");
    client.change(&broken, 40, &last).await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": broken}}),
        )
        .await;
    assert_eq!(symbols[0]["name"], "rule_40", "{symbols}");
    let published = client
        .diagnostics_where(&broken, |p| p["version"] == 40)
        .await;
    let message = published["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("`usre`"), "{message}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_inside_an_aggregate_and_signature_help_of_a_user_fn() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let prod = ws.uri("acme/prod.tg");
    // The aggregate's own variable is only in scope inside the aggregate.
    let typing =
        format!("{PROD}\ndeny many\n  when count(v in image.vulnerabilities where v.) > 3\n");
    client.open(&prod, &typing).await;
    let items = client
        .request(
            "textDocument/completion",
            pos(&prod, &typing, "where v.)", "where v.".len()),
        )
        .await;
    let fields = labels(&items);
    assert!(fields.contains(&"severity".to_string()), "{fields:?}");
    assert!(fields.contains(&"fixed_in".to_string()), "{fields:?}");

    // Signature help of a user fn called through its module alias.
    let typing = format!("{PROD}\ndeny calls\n  where common.is_shell(\n");
    client.change(&prod, 2, &typing).await;
    let help = client
        .request(
            "textDocument/signatureHelp",
            pos(&prod, &typing, "is_shell(\n", "is_shell(".len()),
        )
        .await;
    assert_eq!(
        help["signatures"][0]["label"],
        "is_shell(path: string) -> bool"
    );
    assert_eq!(help["activeParameter"], 0);

    // Hover on an operator shows the type of the expression around it.
    client.change(&prod, 3, PROD).await;
    let hover = client
        .request("textDocument/hover", pos(&prod, PROD, "> max_fixable", 0))
        .await;
    assert_eq!(hover["contents"]["value"], "```tollgate\nbool\n```");
    client.shutdown().await;
}

/// A rule with an exception that uses its bindings by name.
const EXCEPTED: &str = r#"//! Exceptions see the rule's bindings.
module acme.excepted

deny fixable
  for v in image.vulnerabilities
  let pkg = v.package
  where v.fixed_in != none
  message "{v.id} in {pkg.name}"

deny other
  for v in image.vulnerabilities
  message "{v.id}"

except fixable
  where v.id == "CVE-2024-0727" and pkg.name == "openssl"
  because "not reachable"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_rule_binding_renames_its_uses_in_the_rules_excepts() {
    let ws = Workspace::new();
    let mut client = start(&ws).await;
    let uri = ws.uri("acme/excepted.tg");
    client.open(&uri, EXCEPTED).await;
    // From the rule's `for`: the declaration, two uses in the rule, one in the except; the
    // other rule's `v` is another binding.
    let edit = client
        .request(
            "textDocument/rename",
            rename_to(&uri, EXCEPTED, "v in image", 0, "vuln"),
        )
        .await;
    let edits = edit["changes"][&uri].as_array().unwrap();
    let mut starts: Vec<Value> = edits.iter().map(|e| e["range"]["start"].clone()).collect();
    starts.sort_by_key(|s| (s["line"].as_u64(), s["character"].as_u64()));
    assert_eq!(
        starts,
        vec![
            json!({"line": 4, "character": 6}),
            json!({"line": 5, "character": 12}),
            json!({"line": 6, "character": 8}),
            json!({"line": 7, "character": 12}),
            json!({"line": 14, "character": 8}),
        ],
        "{edit:#}"
    );
    assert!(edits.iter().all(|e| e["newText"] == "vuln"));
    // From the except: the same binding, and the except's rule name is left alone.
    let edit = client
        .request(
            "textDocument/rename",
            rename_to(&uri, EXCEPTED, "pkg.name ==", 0, "package"),
        )
        .await;
    let edits = edit["changes"][&uri].as_array().unwrap();
    let lines: Vec<u64> = edits
        .iter()
        .map(|e| e["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    let mut lines = lines;
    lines.sort_unstable();
    assert_eq!(lines, vec![5, 7, 14], "{edit:#}");
    client.shutdown().await;
}
