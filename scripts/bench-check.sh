#!/usr/bin/env bash
# Whole-process benchmark of `tollgate check --facts FILE`, against baselines in the same run.
#
# The facts are the evaluation benchmark's (`cargo bench -p tollgate-vm --bench evaluate`):
# 10,000 packages, 200,000 files, 20,000 vulnerabilities, 1,000 secrets, written once as JSON by
# the `workload` example of crate tollgate-vm. Timed with hyperfine:
#
#   1. baseline `cat`: reading the JSON file's bytes (`cat FILE > /dev/null`);
#   2. baseline `load`: `tollgate check --facts FILE` with a policy of no rules: process start,
#      reading and parsing the JSON into the facts model, compiling the stdlib, an empty report;
#   3. `check 50 rules`: the benchmark's 50-rule policy, JSON report;
#   4. `check default`: the stdlib's default policy (no `--policy`, run outside any policy
#      repository), JSON report.
#
# Each `check` is reported as a ratio to both baselines: against `load` it is what evaluation and
# reporting add to loading the facts.
#
# Usage: scripts/bench-check.sh [OUTDIR]   (needs hyperfine and jq; OUTDIR defaults to
# target/bench-check; honours CARGO_TARGET_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/target/bench-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)

(cd "$repo" && cargo build --quiet --release -p tollgate-vm --example workload &&
  cargo build --quiet --release -p tollgate)
bin="${CARGO_TARGET_DIR:-$repo/target}/release"
tollgate="$bin/tollgate"

facts="$out/facts.json"
[ -f "$facts" ] || "$bin/examples/workload" facts "$facts"
"$bin/examples/workload" policy "$out/policy.tg"
printf '//! No rules: loading the facts is all that is left.\n' >"$out/empty.tg"

# `--fail-on never`: the policies deny, and hyperfine treats a non-zero exit as a failure.
check="$tollgate check --facts $facts --fail-on never --format json --output $out/report.json"
cd "$out" # no tollgate.toml here: without `--policy`, check uses the default policy
hyperfine --warmup 2 --min-runs 10 --export-json "$out/hyperfine.json" \
  -n cat "cat $facts > /dev/null" \
  -n load "$check --policy $out/empty.tg" \
  -n "check 50 rules" "$check --policy $out/policy.tg" \
  -n "check default" "$check"

jq -r '
  (.results | map({key: .command, value: .mean}) | from_entries) as $mean
  | "",
    "whole process, mean of each (ratios to the baselines):",
    (.results[] | "  \(.command): \(.mean * 1000 | . * 10 | round / 10) ms"
      + (if .command | startswith("check") then
           ", \(.mean / $mean["load"] | . * 100 | round / 100)x load, \(.mean / $mean["cat"] | . * 10 | round / 10)x cat"
         else "" end))
' "$out/hyperfine.json"
