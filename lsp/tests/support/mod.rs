//! A minimal LSP client for the in-process tests and the benchmark: it runs the server on an
//! in-memory pipe and speaks real JSON-RPC (Content-Length framing) to it.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test support; a protocol failure should fail the test loudly

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};
use tokio::io::{DuplexStream, split};
use tollgate_lsp::{Config, serve};

/// A client connected to a server running in this process.
pub struct TestClient {
    reader: BufReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
    /// Notifications received and not consumed yet.
    pub notifications: Vec<Value>,
}

/// The `file://` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl TestClient {
    /// Starts a server and initializes it with `root` as the workspace root.
    pub async fn start(root: &Path, debounce: Duration) -> TestClient {
        let (client_side, server_side) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = split(server_side);
        tokio::spawn(serve(
            server_read,
            server_write,
            Config {
                debounce,
                test_runner: None,
            },
        ));
        let (read, writer) = split(client_side);
        let mut client = TestClient {
            reader: BufReader::new(read),
            writer,
            next_id: 1,
            notifications: Vec::new(),
        };
        let result = client
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri(root),
                    "capabilities": {},
                }),
            )
            .await;
        assert!(result["capabilities"]["hoverProvider"].as_bool().unwrap());
        client.notify("initialized", json!({})).await;
        client
    }

    async fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    async fn receive(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            let read =
                tokio::time::timeout(Duration::from_secs(30), self.reader.read_line(&mut line))
                    .await
                    .expect("the server did not answer within 30 s")
                    .unwrap();
            assert!(read > 0, "the server closed the stream");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request and returns its result (panics on an error response).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params).await;
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}");
        }
        response["result"].clone()
    }

    /// Sends a request and returns the whole response (result or error).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let message = self.receive().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.handle_incoming(message).await;
        }
    }

    async fn handle_incoming(&mut self, message: Value) {
        if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
            // A request from the server (e.g. a refresh): accept it.
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
            self.send(reply).await;
        } else if message.get("method").is_some() {
            self.notifications.push(message);
        }
    }

    /// Waits for a `publishDiagnostics` for `uri` that satisfies `accept`, and returns its
    /// params.
    pub async fn diagnostics_where(&mut self, uri: &str, accept: impl Fn(&Value) -> bool) -> Value {
        loop {
            if let Some(index) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics"
                    && n["params"]["uri"] == uri
                    && accept(&n["params"])
            }) {
                let found = self.notifications.remove(index);
                self.notifications.retain(|n| {
                    !(n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
                });
                return found["params"].clone();
            }
            let message = self.receive().await;
            self.handle_incoming(message).await;
        }
    }

    /// Waits for a notification of `method` and returns its params.
    pub async fn notification(&mut self, method: &str) -> Value {
        loop {
            if let Some(index) = self
                .notifications
                .iter()
                .position(|n| n["method"] == method)
            {
                return self.notifications.remove(index)["params"].clone();
            }
            let message = self.receive().await;
            self.handle_incoming(message).await;
        }
    }

    /// Opens a document.
    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "tollgate", "version": 1, "text": text}}),
        )
        .await;
    }

    /// Replaces a document's text.
    pub async fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    /// Shuts the server down.
    pub async fn shutdown(mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
    }
}

/// The (line, UTF-16 column) of the first occurrence of `needle` in `text`, plus `shift`
/// characters.
pub fn position_of(text: &str, needle: &str, shift: usize) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column: usize = text[line_start..offset]
        .chars()
        .map(char::len_utf16)
        .sum::<usize>()
        + shift;
    json!({"line": line, "character": column})
}
