#!/usr/bin/env bash
# Tests the VS Code TextMate grammar: the scope assertions in editors/vscode/test/grammar/*.tg
# (vscode-tmgrammar-test), the keyword comparison with the pest grammar
# (editors/vscode/test/keywords.test.js) and a scope on every token of the stdlib/ policies
# (editors/vscode/test/stdlib.test.js), the last two with node's test runner. Needs Node.js >= 20 and npm; the
# npm packages come from editors/vscode/package-lock.json.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/editors/vscode"

# `npm ci` starts from an empty node_modules, so skip it when the packages of the current lock
# file are already installed (npm writes node_modules/.package-lock.json after every install;
# scripts/editors-vsix.sh installs the same lock file).
if [[ ! node_modules/.package-lock.json -nt package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

echo "editors-grammar-test: scope assertions"
npx --no-install vscode-tmgrammar-test --config package.json 'test/grammar/*.tg'

echo "editors-grammar-test: keywords and stdlib sources"
node --test test/keywords.test.js test/stdlib.test.js
