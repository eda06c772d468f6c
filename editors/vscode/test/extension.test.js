// Tests the compiled extension (out/extension.js) with stand-ins for the `vscode` API and
// `vscode-languageclient/node`: activation starts `tollgate lsp` from `tollgate.server.path`,
// a settings change restarts it with the new command, and the manifest's contributions point
// at files that exist and agree with each other. Run with `node --test test/` after `npm run compile`.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const test = require("node:test");

const extensionDir = path.resolve(__dirname, "..");
const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, "package.json"), "utf8"));

/** Loads out/extension.js against fake modules; returns the extension and what it did. */
function loadExtension(settings) {
  const events = { clients: [], errors: [], configListeners: [], commands: {} };
  class FakeLanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      this.id = id;
      this.serverOptions = serverOptions;
      this.clientOptions = clientOptions;
      this.running = false;
      this.stopped = false;
      events.clients.push(this);
    }
    async start() {
      if (settings.failStart) throw new Error("spawn ENOENT");
      this.running = true;
    }
    isRunning() {
      return this.running;
    }
    async stop() {
      this.running = false;
      this.stopped = true;
    }
  }
  const vscode = {
    workspace: {
      getConfiguration: (section) => ({
        get: (key, fallback) => {
          const value = settings[`${section}.${key}`];
          return value === undefined ? fallback : value;
        },
      }),
      createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
      onDidChangeConfiguration: (listener) => {
        events.configListeners.push(listener);
        return { dispose() {} };
      },
    },
    window: { showErrorMessage: (message) => events.errors.push(message) },
    commands: {
      registerCommand: (name, fn) => {
        events.commands[name] = fn;
        return { dispose() {} };
      },
    },
  };
  const languageclient = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0, ipc: 1 } };
  const entry = path.join(extensionDir, manifest.main);
  const originalLoad = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === "vscode") return vscode;
    if (request === "vscode-languageclient/node") return languageclient;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    delete require.cache[require.resolve(entry)];
    return { extension: require(entry), events };
  } finally {
    Module._load = originalLoad;
  }
}

const context = () => ({ subscriptions: [] });

test("activation starts `tollgate lsp` from PATH by default", async () => {
  const { extension, events } = loadExtension({});
  await extension.activate(context());
  assert.equal(events.clients.length, 1);
  const client = events.clients[0];
  assert.equal(client.id, "tollgate");
  assert.deepEqual(client.serverOptions.run, { command: "tollgate", args: ["lsp"], transport: 0 });
  assert.deepEqual(client.clientOptions.documentSelector, [
    { scheme: "file", language: "tollgate" },
    { scheme: "untitled", language: "tollgate" },
  ]);
  assert.equal(client.running, true);
  await extension.deactivate();
  assert.equal(client.stopped, true);
});

test("tollgate.server.path and extraArgs choose the command", async () => {
  const { extension, events } = loadExtension({
    "tollgate.server.path": "/opt/tollgate/bin/tollgate",
    "tollgate.server.extraArgs": ["--log", "debug"],
  });
  await extension.activate(context());
  assert.deepEqual(events.clients[0].serverOptions.run.command, "/opt/tollgate/bin/tollgate");
  assert.deepEqual(events.clients[0].serverOptions.run.args, ["lsp", "--log", "debug"]);
});

test("an empty server path falls back to `tollgate`", async () => {
  const { extension, events } = loadExtension({ "tollgate.server.path": "  " });
  await extension.activate(context());
  assert.equal(events.clients[0].serverOptions.run.command, "tollgate");
});

test("changing tollgate.server restarts the server with the new command", async () => {
  const settings = {};
  const { extension, events } = loadExtension(settings);
  await extension.activate(context());
  settings["tollgate.server.path"] = "/usr/local/bin/tollgate";
  for (const listener of events.configListeners) {
    await listener({ affectsConfiguration: (section) => section === "tollgate.server" });
  }
  assert.equal(events.clients.length, 2);
  assert.equal(events.clients[0].stopped, true);
  assert.equal(events.clients[1].serverOptions.run.command, "/usr/local/bin/tollgate");
  // An unrelated setting leaves the server alone.
  for (const listener of events.configListeners) {
    await listener({ affectsConfiguration: () => false });
  }
  assert.equal(events.clients.length, 2);
  await events.commands["tollgate.restartServer"]();
  assert.equal(events.clients.length, 3);
});

test("a server that cannot start shows one error naming the setting", async () => {
  const { extension, events } = loadExtension({ failStart: true, "tollgate.server.path": "/nope/tollgate" });
  await extension.activate(context());
  assert.equal(events.errors.length, 1);
  assert.match(events.errors[0], /`\/nope\/tollgate lsp`/);
  assert.match(events.errors[0], /tollgate\.server\.path/);
});

test("the manifest's contributions exist and agree", () => {
  const contributes = manifest.contributes;
  const language = contributes.languages.find((l) => l.id === "tollgate");
  assert.deepEqual(language.extensions, [".tg"]);
  const grammar = contributes.grammars.find((g) => g.language === "tollgate");
  const tmLanguage = JSON.parse(fs.readFileSync(path.join(extensionDir, grammar.path), "utf8"));
  assert.equal(tmLanguage.scopeName, grammar.scopeName);
  const config = JSON.parse(fs.readFileSync(path.join(extensionDir, language.configuration), "utf8"));
  assert.equal(config.comments.lineComment, "//");
  for (const pattern of Object.values(config.indentationRules)) new RegExp(pattern);
  assert.equal(contributes.configuration.properties["tollgate.server.path"].default, "tollgate");
  assert.ok(contributes.commands.some((c) => c.command === "tollgate.restartServer"));
});

/** Checks VS Code snippet syntax: `$N`, `${N}`, `${N:text}`, `${N|a,b|}`, `$VAR`, `\` escapes. */
function checkSnippet(body) {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      i++;
    } else if (c === "$") {
      const rest = body.slice(i + 1);
      const choice = /^\{\d+\|[^|]*\|\}/.exec(rest);
      const open = /^\{(\d+|[A-Z_]+)(:|\})/.exec(rest);
      const plain = /^(\d+|[A-Z_]+)/.exec(rest);
      if (choice) {
        i += choice[0].length;
      } else if (open) {
        i += open[0].length;
        if (open[2] === ":") depth++;
      } else if (plain) {
        i += plain[0].length;
      } else {
        throw new Error(`a lone \`$\` at ${i} in ${JSON.stringify(body)}`);
      }
    } else if (c === "}" && depth > 0) {
      depth--;
    }
  }
  if (depth !== 0) throw new Error(`unclosed placeholder in ${JSON.stringify(body)}`);
}

test("every snippet parses and the rule skeletons have for, where and message", () => {
  const snippets = JSON.parse(fs.readFileSync(path.join(extensionDir, "snippets", "tollgate.json"), "utf8"));
  for (const [name, snippet] of Object.entries(snippets)) {
    const body = [].concat(snippet.body).join("\n");
    assert.doesNotThrow(() => checkSnippet(body), name);
  }
  for (const action of ["deny", "warn", "info"]) {
    const body = snippets[`${action} rule`].body.join("\n");
    assert.match(body, new RegExp(`^${action} \\$\\{`, "m"), action);
    for (const clause of ["for", "where", "message"]) {
      assert.match(body, new RegExp(`^  ${clause} `, "m"), `${action} rule lacks ${clause}`);
    }
  }
  assert.match(snippets.test.body.join("\n"), /expect image/);
  assert.match(snippets.except.body.join("\n"), /because/);
  assert.match(snippets.param.body.join("\n"), /^param /m);
  assert.match(snippets.fn.body.join("\n"), /^fn .* -> .* = /m);
});
