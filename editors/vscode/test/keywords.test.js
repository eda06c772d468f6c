// Proves that the TextMate grammar highlights exactly the policy language's keywords: the words of
// `repository.keywords` in syntaxes/tollgate.tmLanguage.json must equal `KEYWORDS` in
// grammar/src/lib.rs and the `kw_*` rules of grammar/tollgate.pest, and each keyword, tokenized
// on its own, must get a keyword-like scope. Run with `node --test test/`.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const { loadGrammar, INITIAL } = require("./tokenizer");

const extensionDir = path.resolve(__dirname, "..");
const repoRoot = path.resolve(extensionDir, "..", "..");
const grammarPath = path.join(extensionDir, "syntaxes", "tollgate.tmLanguage.json");
const libPath = path.join(repoRoot, "grammar", "src", "lib.rs");
const pestPath = path.join(repoRoot, "grammar", "tollgate.pest");

/** Scopes that a theme colours as a keyword or a language constant. */
const KEYWORD_SCOPE = /^(keyword|storage|constant\.language|variable\.language)\./;

/** The words of every `\b(?:a|b|c)\b` pattern under `repository.keywords`. */
function textMateKeywords(grammar) {
  const entry = grammar.repository && grammar.repository.keywords;
  assert.ok(entry && Array.isArray(entry.patterns), `${grammarPath}: no \`repository.keywords.patterns\``);
  const words = new Set();
  for (const pattern of entry.patterns) {
    const match = /^\\b\(\?:([A-Za-z_|]+)\)\\b$/.exec(pattern.match || "");
    assert.ok(match, `${grammarPath}: keyword pattern \`${pattern.match}\` is not of the form \\b(?:a|b)\\b`);
    for (const word of match[1].split("|")) {
      assert.ok(!words.has(word), `${grammarPath}: keyword \`${word}\` appears twice`);
      words.add(word);
    }
  }
  return words;
}

/** The string literals of `pub const KEYWORDS: &[&str] = &[ ... ];` in the grammar crate. */
function rustKeywords(source) {
  const block = /pub\s+const\s+KEYWORDS\s*:\s*&\[\s*&str\s*\]\s*=\s*&\[([\s\S]*?)\];/.exec(source);
  assert.ok(block, `${libPath}: no \`pub const KEYWORDS: &[&str] = &[...];\``);
  const body = block[1].replace(/\/\/[^\n]*/g, "");
  const words = [...body.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  assert.ok(words.length > 0, `${libPath}: \`KEYWORDS\` is empty`);
  const set = new Set(words);
  assert.equal(set.size, words.length, `${libPath}: \`KEYWORDS\` lists a word twice`);
  return set;
}

/** The words of the pest keyword rules: `kw_NAME = @{ "word" ~ !ident_char }`. */
function pestKeywords(source) {
  const words = new Set();
  for (const m of source.matchAll(/^\s*kw_\w+\s*=\s*@\{\s*"([^"]+)"\s*~\s*!\s*ident_char\s*\}/gm)) {
    words.add(m[1]);
  }
  assert.ok(words.size > 0, `${pestPath}: no \`kw_* = @{ "word" ~ !ident_char }\` rules`);
  return words;
}

/** Fails with both differences listed when two keyword sets are not equal. */
function assertSameWords(left, leftName, right, rightName) {
  const onlyLeft = [...left].filter((w) => !right.has(w)).sort();
  const onlyRight = [...right].filter((w) => !left.has(w)).sort();
  if (onlyLeft.length > 0 || onlyRight.length > 0) {
    assert.fail(
      `keyword sets differ\n` +
        `  only in ${leftName}: ${onlyLeft.join(", ") || "(none)"}\n` +
        `  only in ${rightName}: ${onlyRight.join(", ") || "(none)"}`,
    );
  }
}

const grammar = JSON.parse(fs.readFileSync(grammarPath, "utf8"));

test("the TextMate keywords are the grammar crate's KEYWORDS", () => {
  assertSameWords(
    textMateKeywords(grammar),
    "syntaxes/tollgate.tmLanguage.json",
    rustKeywords(fs.readFileSync(libPath, "utf8")),
    "grammar/src/lib.rs KEYWORDS",
  );
});

test("the TextMate keywords are the pest grammar's keyword rules", () => {
  assertSameWords(
    textMateKeywords(grammar),
    "syntaxes/tollgate.tmLanguage.json",
    pestKeywords(fs.readFileSync(pestPath, "utf8")),
    "grammar/tollgate.pest kw_* rules",
  );
});

test("every keyword is highlighted as a keyword on its own", async () => {
  const tokenizer = await loadGrammar();
  const unhighlighted = [];
  for (const word of rustKeywords(fs.readFileSync(libPath, "utf8"))) {
    const { tokens } = tokenizer.tokenizeLine(word, INITIAL);
    const whole = tokens.length === 1 && tokens[0].startIndex === 0 && tokens[0].endIndex === word.length;
    const scopes = whole ? tokens[0].scopes : [];
    if (!scopes.some((scope) => KEYWORD_SCOPE.test(scope))) {
      unhighlighted.push(`${word} (${tokens.map((t) => t.scopes.join(" ")).join(" | ")})`);
    }
  }
  assert.deepEqual(unhighlighted, [], "keywords without a keyword scope");
});

test("a plain identifier is not highlighted as a keyword", async () => {
  // Guards the check above against a grammar that scopes every word as a keyword.
  const tokenizer = await loadGrammar();
  for (const word of ["vulnerabilities", "max_fixable", "imagery", "denying", "information"]) {
    const { tokens } = tokenizer.tokenizeLine(word, INITIAL);
    const keywordScopes = tokens.flatMap((t) => t.scopes).filter((s) => KEYWORD_SCOPE.test(s));
    assert.deepEqual(keywordScopes, [], `\`${word}\` got a keyword scope`);
  }
});
