#!/usr/bin/env bash
# Tests editors/emacs/tollgate-mode.el with Emacs in batch mode: it byte-compiles without a
# warning, and the ERT tests in editors/emacs/test/ pass (faces, comments, raw strings,
# indentation, imenu, `.tg' association, eglot registration). Needs the Debian packages
# `emacs-nox` and `elpa-eglot` (eglot is built into Emacs from 29 on).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
emacs_dir="$root/editors/emacs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v emacs >/dev/null; then
  echo "editors-emacs-test: \`emacs\` is not installed (apt-get install emacs-nox elpa-eglot)" >&2
  exit 1
fi
emacs --version | head -n 1

# Debian's elpa-* packages live outside the load path of `emacs -Q`.
load_path=()
for dir in /usr/share/emacs/site-lisp/elpa/eglot-*/; do
  [[ -d "$dir" ]] && load_path+=(-L "$dir")
done

# Byte-compile a copy, so that no .elc is left in the source tree.
cp "$emacs_dir/tollgate-mode.el" "$work/"
emacs -Q --batch "${load_path[@]}" -L "$work" \
  --eval '(setq byte-compile-error-on-warn t)' -f batch-byte-compile "$work/tollgate-mode.el"

status=0
emacs -Q --batch "${load_path[@]}" -L "$emacs_dir" \
  -l "$emacs_dir/test/tollgate-mode-test.el" -f ert-run-tests-batch-and-exit >"$work/ert.log" 2>&1 || status=$?
grep -v '^Indenting region' "$work/ert.log"
summary="$(grep -E '^Ran [0-9]+ tests?, [0-9]+ results? as expected, [0-9]+ unexpected' "$work/ert.log" || true)"
if [[ -z "$summary" ]]; then
  echo "editors-emacs-test: ERT printed no summary" >&2
  exit 1
fi
total="$(sed -E 's/^Ran ([0-9]+) tests?.*/\1/' <<<"$summary")"
unexpected="$(sed -E 's/.* ([0-9]+) unexpected.*/\1/' <<<"$summary")"
echo "editors-emacs-test: $((total - unexpected)) passed, $unexpected failed"
exit "$status"
