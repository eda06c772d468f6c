#!/bin/sh
# Regenerates docs/stdlib.md from the doc comments of stdlib/std/*.tg (the generator is the
# `reference_docs_are_generated_and_up_to_date` test of tests/tests/stdlib.rs).
set -eu
cd "$(dirname "$0")/.."
TOLLGATE_BLESS=1 cargo test -p tollgate-e2e --test stdlib reference_docs_are_generated_and_up_to_date
