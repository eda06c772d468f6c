#!/usr/bin/env bash
# Builds the VS Code extension into a .vsix with @vscode/vsce, checks the package holds what
# the extension needs, and runs the extension's unit tests (test/extension.test.js: activation,
# server command and restart against stand-ins for the VS Code API; manifest and snippets). Needs Node.js >= 20 and npm; every npm package comes from
# editors/vscode/package-lock.json (npm ci), nothing is downloaded outside the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ext="$root/editors/vscode"
cd "$ext"

version="$(node -p 'require("./package.json").version')"
vsix="$ext/tollgate-$version.vsix"
rm -f "$vsix"

npm ci --no-audit --no-fund
# --skip-license: the project's license is declared in package.json (Apache-2.0); the repository
# keeps no LICENSE file inside editors/vscode for vsce to bundle.
npx --no-install vsce package --skip-license --out "$vsix"

if [[ ! -s "$vsix" ]]; then
  echo "editors-vsix: vsce did not write \`$vsix\`" >&2
  exit 1
fi

# A .vsix is a zip: check that the parts VS Code loads are inside it.
missing=0
listing="$(node -e '
  const fs = require("fs");
  const buf = fs.readFileSync(process.argv[1]);
  // Walk the zip central directory (signature 0x02014b50) and print every entry name.
  const names = [];
  for (let i = 0; i + 46 <= buf.length; i++) {
    if (buf.readUInt32LE(i) !== 0x02014b50) continue;
    const nameLength = buf.readUInt16LE(i + 28);
    names.push(buf.toString("utf8", i + 46, i + 46 + nameLength));
  }
  console.log(names.join("\n"));
' "$vsix")"
for part in \
  extension/package.json \
  extension/out/extension.js \
  extension/syntaxes/tollgate.tmLanguage.json \
  extension/language-configuration.json \
  extension/snippets/tollgate.json \
  extension/node_modules/vscode-languageclient/package.json; do
  if ! grep -qx "$part" <<<"$listing"; then
    echo "editors-vsix: \`$vsix\` lacks \`$part\`" >&2
    missing=1
  fi
done
if [[ "$missing" -ne 0 ]]; then
  exit 1
fi

# vsce's prepublish step compiled src/ into out/, which the unit tests load.
node --test test/extension.test.js

echo "editors-vsix: built $vsix ($(stat -c %s "$vsix") bytes, $(wc -l <<<"$listing") files)"
