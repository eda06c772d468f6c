//! The test code lens end to end: `tollgate lsp`, spoken to over stdio with JSON-RPC as an
//! editor would, runs a policy test through `tollgate test` and reports pass or fail with the
//! runner's explanation.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::{Value, json};
use tollgate_e2e::binary;

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Client {
    fn start(root: &std::path::Path) -> Client {
        let mut child = Command::new(binary())
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed its output"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Sends a request and returns its result, answering nothing else on the way.
    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == id && message.get("method").is_none() {
                return message["result"].clone();
            }
            if message.get("method").is_some() && message.get("id").is_some() {
                // a request from the server (e.g. workDoneProgress/create): accept it
                self.send(&json!({"jsonrpc": "2.0", "id": message["id"], "result": null}));
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

const POLICY: &str = r#"//! Tests run from the editor.
module lens

/// Containers must not run as root.
deny root_user
    when image.config.user in {"", "root", "0"}
    message "image runs as root"

test "root is denied" {
    expect image { config: { user: "root" } } denies root_user
}

test "wrong on purpose" {
    expect image { config: { user: "app" } } denies root_user
}
"#;

#[test]
fn the_code_lens_command_runs_the_test_with_the_real_runner() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lens.tg");
    std::fs::write(&file, POLICY).unwrap();
    let uri = format!("file://{}", file.display());
    let root_uri = format!("file://{}", dir.path().display());
    let mut client = Client::start(dir.path());
    client.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "tollgate", "version": 1, "text": POLICY}}),
    );
    let lenses = client.request(
        2,
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["arguments"][0].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["root is denied", "wrong on purpose"]);

    let passed = client.request(
        3,
        "workspace/executeCommand",
        json!({"command": "tollgate.runTest", "arguments": ["root is denied", uri]}),
    );
    assert_eq!(passed["passed"], true, "{passed}");
    assert!(
        passed["message"]
            .as_str()
            .unwrap()
            .starts_with("ok    root is denied"),
        "{passed}"
    );

    let failed = client.request(
        4,
        "workspace/executeCommand",
        json!({"command": "tollgate.runTest", "arguments": ["wrong on purpose", uri]}),
    );
    assert_eq!(failed["passed"], false, "{failed}");
    let message = failed["message"].as_str().unwrap();
    assert!(message.starts_with("FAIL  wrong on purpose"), "{message}");
    assert!(message.contains("expected the rule to deny"), "{message}");
    assert!(message.contains("actual: no finding"), "{message}");
}
