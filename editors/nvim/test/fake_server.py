#!/usr/bin/env python3
"""A tiny stand-in for `tollgate lsp` (stdlib only) that proves test/e2e.lua works with Neovim.

It speaks JSON-RPC over stdio with LSP's Content-Length framing and answers just enough:
`initialize` (full sync, hover, completion triggered by `.`), a `publishDiagnostics` with one
error on the first `image.` of every opened or changed document, a hover whose text names the
requested position, and field completions when the character before the cursor is a `.`.
Every message it receives is appended to the file named by FAKE_LSP_LOG, when set. With
FAKE_LSP_NO_DIAGNOSTICS=1 it never publishes diagnostics, so that the test script's timeout path
can be tested too.
"""

import json
import os
import sys

FIELDS = [
    ("config", "Config", "The image config."),
    ("vulnerabilities", "list<Vulnerability>", "Vulnerabilities of installed packages."),
    ("packages", "list<Package>", "Installed packages of every ecosystem."),
]
FIELD_KIND = 5  # CompletionItemKind.Field

documents = {}


def read_message(stream):
    """One JSON-RPC message, or None at the end of the input."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError("message without a Content-Length header")
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def publish_diagnostics(uri):
    if os.environ.get("FAKE_LSP_NO_DIAGNOSTICS") == "1":
        return
    diagnostics = []
    for line_number, line in enumerate(documents[uri].split("\n")):
        column = line.find("image.")
        if column >= 0:
            start = column + len("image.")
            end = start
            while end < len(line) and (line[end].isalnum() or line[end] == "_"):
                end += 1
            diagnostics.append({
                "range": {"start": {"line": line_number, "character": start},
                          "end": {"line": line_number, "character": end}},
                "severity": 1,
                "code": "E-FAKE",
                "source": "fake-tollgate",
                "message": "unknown field `%s` (fake server)" % line[start:end],
            })
            break
    send({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
          "params": {"uri": uri, "diagnostics": diagnostics}})


def handle(message):
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": message["id"], "result": {
            "capabilities": {
                "textDocumentSync": 1,
                "hoverProvider": True,
                "completionProvider": {"triggerCharacters": ["."]},
            },
            "serverInfo": {"name": "fake-tollgate", "version": "0"},
        }})
    elif method == "textDocument/didOpen":
        document = params["textDocument"]
        documents[document["uri"]] = document["text"]
        publish_diagnostics(document["uri"])
    elif method == "textDocument/didChange":
        uri = params["textDocument"]["uri"]
        documents[uri] = params["contentChanges"][-1]["text"]
        publish_diagnostics(uri)
    elif method == "textDocument/hover":
        position = params["position"]
        send({"jsonrpc": "2.0", "id": message["id"], "result": {"contents": {
            "kind": "markdown",
            "value": "```tollgate\nimage: Image\n```\nThe root of the facts (fake hover at %d:%d)."
                     % (position["line"], position["character"]),
        }}})
    elif method == "textDocument/completion":
        position = params["position"]
        lines = documents.get(params["textDocument"]["uri"], "").split("\n")
        line = lines[position["line"]] if position["line"] < len(lines) else ""
        after_dot = 0 < position["character"] <= len(line) and line[position["character"] - 1] == "."
        items = [{"label": name, "kind": FIELD_KIND, "detail": detail, "documentation": doc}
                 for name, detail, doc in FIELDS] if after_dot else []
        send({"jsonrpc": "2.0", "id": message["id"],
              "result": {"isIncomplete": False, "items": items}})
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": message["id"], "result": None})
    elif method == "exit":
        sys.exit(0)
    elif "id" in message and method is not None:
        send({"jsonrpc": "2.0", "id": message["id"],
              "error": {"code": -32601, "message": "method not found: %s" % method}})


def main():
    log_path = os.environ.get("FAKE_LSP_LOG")
    while True:
        message = read_message(sys.stdin.buffer)
        if message is None:
            return
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(message) + "\n")
        handle(message)


if __name__ == "__main__":
    main()
