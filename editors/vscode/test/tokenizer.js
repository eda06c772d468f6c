// Loads syntaxes/tollgate.tmLanguage.json into vscode-textmate, the tokenizer VS Code itself uses,
// for the tests that tokenize whole lines or files.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const grammarPath = path.resolve(__dirname, "..", "syntaxes", "tollgate.tmLanguage.json");

let loaded = null;

/** The Tollgate grammar, loaded once. */
function loadGrammar() {
  if (loaded === null) {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    const onigLib = oniguruma
      .loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
      .then(() => ({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === "source.tollgate"
          ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
          : null,
    });
    loaded = registry.loadGrammar("source.tollgate");
  }
  return loaded;
}

/** Tokenizes `text` line by line; returns `{ line, text, scopes }` for every token. */
async function tokenize(text) {
  const grammar = await loadGrammar();
  const tokens = [];
  let state = vsctm.INITIAL;
  text.split("\n").forEach((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    for (const token of result.tokens) {
      tokens.push({
        line: index + 1,
        column: token.startIndex + 1,
        text: line.slice(token.startIndex, token.endIndex),
        scopes: token.scopes,
      });
    }
  });
  return tokens;
}

module.exports = { grammarPath, loadGrammar, tokenize, INITIAL: vsctm.INITIAL };
