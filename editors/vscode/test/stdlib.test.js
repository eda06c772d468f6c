// Tokenizes the real policy sources shipped in stdlib/ (the facts schema, the builtins, the
// standard rules) with the TextMate grammar and checks that every word and symbol gets a scope
// and that each file ends outside any string, comment or declaration, so that a construct the
// grammar does not know shows up here. Run with `node --test test/stdlib.test.js`.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const { loadGrammar, tokenize, INITIAL } = require("./tokenizer");

const stdlibDir = path.resolve(__dirname, "..", "..", "..", "stdlib");

/** Every `.tg` file under stdlib/. */
function policyFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return policyFiles(full);
    return entry.name.endsWith(".tg") ? [full] : [];
  });
}

const files = policyFiles(stdlibDir);

test("stdlib/ holds policy sources to tokenize", () => {
  assert.ok(files.length >= 3, `only ${files.length} .tg files under ${stdlibDir}`);
});

for (const file of files) {
  const name = path.relative(stdlibDir, file);

  test(`${name}: every token has a scope`, async () => {
    const tokens = await tokenize(fs.readFileSync(file, "utf8"));
    const bare = tokens.filter((t) => t.text.trim() !== "" && t.scopes.length < 2);
    assert.deepEqual(
      bare.map((t) => `${name}:${t.line}:${t.column} ${JSON.stringify(t.text)}`),
      [],
      "tokens with no scope",
    );
    const illegal = tokens.filter((t) => t.scopes.some((s) => s.startsWith("invalid.")));
    assert.deepEqual(illegal.map((t) => `${name}:${t.line}:${t.column} ${t.text}`), [], "invalid tokens");
  });

  test(`${name}: ends outside every string, comment and declaration`, async () => {
    const grammar = await loadGrammar();
    let state = INITIAL;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      state = grammar.tokenizeLine(line, state).ruleStack;
    }
    // A closing line that starts a new item ends every declaration region still open.
    const { tokens } = grammar.tokenizeLine("deny closing_rule", state);
    assert.deepEqual(tokens[0].scopes, ["source.tollgate", "keyword.control.rule.deny.tollgate"]);
  });
}
