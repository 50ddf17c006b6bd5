#!/usr/bin/env bash
# Benchmark, not a test (minutes): graft's default head against scikit-learn's
# LogisticRegression and LogisticRegressionCV on the same graft features of three few-shot
# tasks, at 1 to 20 photos a class (tests/reference/head_reference.py). Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
cache="$HOME/.cache/graft"
steps_tag=bench-head
source scripts/steps.sh

steps_current=set-up
scripts/setup.sh --test
steps_current=
step "native build (graft CLI, default_head example)" \
  cargo build --locked --bin graft --example default_head
step "embed the tasks, fit both, compare" "$cache/venv/bin/python" tests/reference/head_reference.py \
  --graft "$CARGO_TARGET_DIR/debug/graft" \
  --default-head "$CARGO_TARGET_DIR/debug/examples/default_head" \
  --skimage-wheel "$(ls "$cache"/pip/scikit_image-0.26.0-*.whl)" \
  --work "$cache/head-reference"
