// The Tollgate VS Code extension: starts `tollgate lsp` over stdio as a language client for `*.tg` files.
// Highlighting, brackets and snippets are static contributions in package.json; everything semantic
// (diagnostics, hover, completion, ...) comes from the server, so this file only launches and restarts it.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** Reads the server command from the `tollgate.server.*` settings. */
function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("tollgate");
  const configured = config.get<string>("server.path", "tollgate").trim();
  // An empty setting means "use the default", not "run nothing".
  const command = configured === "" ? "tollgate" : configured;
  const extraArgs = config.get<string[]>("server.extraArgs", []);
  const executable = {
    command,
    args: ["lsp", ...extraArgs],
    transport: TransportKind.stdio,
  };
  return { run: executable, debug: executable };
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: "file", language: "tollgate" },
      { scheme: "untitled", language: "tollgate" },
    ],
    synchronize: {
      // Policies import each other and read `tollgate.toml`, so the server needs to hear of changes
      // made outside the editor (git checkout, code generation).
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.tg,tollgate.toml}"),
    },
    outputChannelName: "Tollgate Language Server",
  };
}

async function startClient(): Promise<void> {
  client = new LanguageClient("tollgate", "Tollgate Language Server", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (error) {
    const command = vscode.workspace.getConfiguration("tollgate").get<string>("server.path", "tollgate");
    void vscode.window.showErrorMessage(
      `Tollgate: could not start \`${command} lsp\` (${String(error)}). ` +
        "Install tollgate or set `tollgate.server.path`.",
    );
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined && running.isRunning()) {
    await running.stop();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("tollgate.restartServer", async () => {
      await stopClient();
      await startClient();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // A new server path or new arguments only take effect in a new process.
      if (event.affectsConfiguration("tollgate.server")) {
        await stopClient();
        await startClient();
      }
    }),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
