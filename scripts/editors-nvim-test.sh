#!/usr/bin/env bash
# Tests the Neovim setup in editors/nvim with Debian's Neovim (0.7.2; package `neovim`) and
# python3 (stdlib only):
#   1. smoke: the plugin loads headless from the runtime path without errors, detects `*.tg`,
#      sets the buffer options and the syntax groups, and only warns when the server is missing;
#   2. e2e: editors/nvim/test/e2e.lua against editors/nvim/test/fake_server.py receives the
#      diagnostic, the hover and the completion items the fake sends, and Neovim shuts the
#      server down cleanly;
#   3. timeout: with a server that never publishes diagnostics, e2e.lua exits non-zero and
#      says that the diagnostics step failed.
# The real `tollgate lsp` end-to-end run uses the same e2e.lua with TOLLGATE_E2E_CMD unset.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nvim_dir="$root/editors/nvim"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v nvim >/dev/null; then
  echo "editors-nvim-test: \`nvim\` is not installed (apt-get install neovim)" >&2
  exit 1
fi
nvim --version | head -n 1

run_nvim() {
  # A hard limit on top of e2e.lua's own: a hung Neovim must not hang CI.
  timeout 120 nvim --headless -u NONE -i NONE --cmd "set rtp+=$nvim_dir" -c "luafile $1"
}

passed=0
failed=0
result() {
  if [[ "$1" -eq 0 ]]; then
    passed=$((passed + 1)); echo "ok: $2"
  else
    failed=$((failed + 1)); echo "FAILED: $2" >&2
  fi
}

# 1. smoke
status=0
TOLLGATE_SMOKE_FILE="$nvim_dir/test/sample.tg" run_nvim "$nvim_dir/test/smoke.lua" || status=$?
result "$status" "plugin loads headless, filetype, options and syntax"

# 2. e2e against the fake server
status=0
TOLLGATE_E2E_FILE="$nvim_dir/test/sample.tg" \
TOLLGATE_E2E_OUT="$work/e2e.json" \
TOLLGATE_E2E_CMD="[\"python3\", \"$nvim_dir/test/fake_server.py\"]" \
FAKE_LSP_LOG="$work/fake.log" \
  run_nvim "$nvim_dir/test/e2e.lua" || status=$?
if [[ "$status" -eq 0 ]]; then
  python3 - "$work/e2e.json" "$work/fake.log" <<'PY' || status=$?
import json, sys
report = json.load(open(sys.argv[1]))
received = [json.loads(line).get("method") for line in open(sys.argv[2])]
problems = []
def expect(cond, what):
    if not cond:
        problems.append(what)
expect(report["steps"] == ["opened", "attached", "diagnostics", "hover", "completion"], f"steps {report['steps']}")
expect(report["filetype"] == "tollgate", f"filetype {report['filetype']}")
expect(report["client"]["name"] == "tollgate", f"client {report['client']}")
# sample.tg line 7 (0-based 6) is `  when image.config.usr in ...`: the fake flags the word after `image.`.
expect(report["diagnostics"] == [{
    "lnum": 6, "col": 13, "end_lnum": 6, "end_col": 19, "severity": 1,
    "message": "unknown field `config` (fake server)", "code": "E-FAKE", "source": "fake-tollgate",
}], f"diagnostics {report['diagnostics']}")
expect(report["hover"]["position"] == {"line": 6, "character": 7}, f"hover position {report['hover']}")
expect("fake hover at 6:7" in report["hover"]["text"] and "image: Image" in report["hover"]["text"],
       f"hover text {report['hover']['text']!r}")
expect(report["completion"]["position"] == {"line": 6, "character": 13}, f"completion {report['completion']}")
expect([i["label"] for i in report["completion"]["items"]] == ["config", "vulnerabilities", "packages"],
       f"completion items {report['completion']['items']}")
expect(all(i["kind"] == 5 for i in report["completion"]["items"]), "completion kinds")
expect(received[:3] == ["initialize", "initialized", "textDocument/didOpen"], f"first messages {received[:3]}")
expect(received[-2:] == ["shutdown", "exit"], f"last messages {received[-2:]}")
if problems:
    print("e2e report mismatch:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
PY
fi
result "$status" "e2e.lua receives diagnostics, hover and completion from a fake server"

# 3. the timeout path
status=0
TOLLGATE_E2E_FILE="$nvim_dir/test/sample.tg" \
TOLLGATE_E2E_OUT="$work/timeout.json" \
TOLLGATE_E2E_CMD="[\"python3\", \"$nvim_dir/test/fake_server.py\"]" \
TOLLGATE_E2E_TIMEOUT_MS=1500 \
FAKE_LSP_NO_DIAGNOSTICS=1 \
  run_nvim "$nvim_dir/test/e2e.lua" 2>"$work/timeout.err" || status=$?
if [[ "$status" -ne 0 ]] && python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
sys.exit(0 if report.get("failed_step") == "diagnostics" and report["steps"] == ["opened", "attached"] else 1)
' "$work/timeout.json"; then
  result 0 "e2e.lua exits non-zero when no diagnostics arrive"
else
  cat "$work/timeout.err" >&2
  result 1 "e2e.lua exits non-zero when no diagnostics arrive (exit $status)"
fi

echo "editors-nvim-test: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
