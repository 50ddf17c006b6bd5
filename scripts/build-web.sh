#!/usr/bin/env bash
# Builds the page into dist/: the graft-web and graft-worker binaries for wasm32 (release),
# wasm-bindgen's JS glue, index.html, the styles, the service and session workers' scripts,
# embed.js, set-up's generated/ assets and the example tutorial (tutorial/, with its
# presets); each app file also as .br and .gz (precompress.mjs).
# Needs scripts/setup.sh first. GRAFT_NAMES=1 keeps the wasm function names (for a
# profile: see below). With GRAFT_LINT=1 the same build runs clippy on graft's own
# code with -D warnings (RUSTC_WORKSPACE_WRAPPER: dependencies are built as usual, so one
# build serves both the page and the lint).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
target=wasm32-unknown-unknown

if [[ "${GRAFT_LINT:-0}" == 1 ]]; then
  export RUSTC_WORKSPACE_WRAPPER
  RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver)
  export CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
fi
cargo build --locked --release --target "$target" --bin graft-web --bin graft-worker

# Assemble in a fresh folder, then swap it in, so dist/ is never half-written.
out=$(mktemp -d dist.XXXXXX)
trap 'rm -rf "$out"' EXIT
# wasm-opt is not run: rustc already optimises at O3, and Debian's binaryen (v108) would
# need feature flags for SIMD and bulk memory. The function names (the `name` section: 2.5
# and 6.9 MB of 10 and 38 MB, measured 2026-12-06) only name frames in a panic's stack
# trace, and cost every visitor 1.3 MB of 6.0 on the wire (brotli): they are left out.
# GRAFT_NAMES=1 keeps them, for a profile (tests/browser/profile-add.mjs).
names=(--remove-name-section)
[[ "${GRAFT_NAMES:-0}" == 1 ]] && names=()
for bin in graft-web graft-worker; do
  wasm-bindgen --target web --no-typescript "${names[@]}" --out-dir "$out" \
    --out-name "$bin" "$CARGO_TARGET_DIR/$target/release/$bin.wasm"
done
cp index.html static/style.css static/sw.js static/worker.js static/embed.js "$out/"
cp -r static/generated "$out/generated"
# The example tutorial (an article embedding three widgets) and its presets.
mkdir "$out/tutorial"
cp static/tutorial/index.html "$out/tutorial/"
mv "$out/generated/presets" "$out/tutorial/presets"
rm -f "$out/tutorial/presets/stamp"
node scripts/precompress.mjs "$out"
rm -rf dist.old
[[ -d dist ]] && mv dist dist.old
mv "$out" dist
rm -rf dist.old
trap - EXIT
echo "graft: built dist/ ($(du -sh dist | cut -f1))"
