#!/usr/bin/env bash
# Installs what medpref's build and tests need, skipping what is already there.
# Works on a fresh Debian machine with rustup, node/npm, python3-venv and root (or sudo); needs
# only crates.io, npm, PyPI and Debian's package mirrors.
set -euo pipefail
cd "$(dirname "$0")/.."

LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
step() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
  step "adding clippy and rustfmt (the test command's lint step)"
  rustup component add clippy rustfmt
fi

if ! cargo leptos --version 2>/dev/null | grep -q " $LEPTOS_VERSION"; then
  step "installing cargo-leptos $LEPTOS_VERSION (builds from source: about 20 minutes on 2 cores, once)"
  # no_downloads: take wasm-bindgen from PATH instead of downloading it (there is no internet here).
  cargo install cargo-leptos --version "$LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  # Not --locked: its lock file names a webpki-roots version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt shrinks the release bundle (`cargo leptos build --release`); binaryen from npm.
if ! wasm-opt --version 2>/dev/null | grep -q "version 132"; then
  step "installing wasm-opt (binaryen 132, npm) for release builds"
  as_root npm install -g binaryen@132 --no-audit --no-fund
fi

if ! command -v chromium >/dev/null; then
  step "installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

# PostgreSQL (Debian's package): the tests run the store on it too, in a throwaway cluster.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  step "installing Debian's postgresql for the PostgreSQL tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi

if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  step "installing the browser-test packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# Hugging Face `datasets` loads every export format in the tests, as trainers load them.
VENV="${MEDPREF_VENV:-$HOME/.cache/medpref/venv}"
if ! "$VENV/bin/python" -c "import datasets" 2>/dev/null; then
  step "installing Hugging Face datasets (PyPI) into $VENV for the export tests"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "datasets>=3,<6"
fi

# The local model's runtime: ONNX Runtime's shared library from the PyPI wheel (no download at run
# time; the server only needs the .so, named by MEDPREF_ORT_DYLIB). The same environment builds
# the tests' tiny model (onnx, tokenizers) and runs the reference decoder (onnxruntime).
ORT_VERSION=1.31.1
if ! "$VENV/bin/python" -c "import onnx, tokenizers, onnxruntime; assert onnxruntime.__version__ == '$ORT_VERSION'" 2>/dev/null; then
  step "installing onnxruntime $ORT_VERSION, onnx and tokenizers (PyPI) into $VENV for the local model"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "onnxruntime==$ORT_VERSION" "onnx>=1.16,<2" "tokenizers>=0.20,<1"
fi
ORT_DIR="$HOME/.cache/medpref/ort"
if [ ! -f "$ORT_DIR/libonnxruntime.so.$ORT_VERSION" ]; then
  mkdir -p "$ORT_DIR"
  cp "$("$VENV/bin/python" -c "import onnxruntime, os; print(os.path.dirname(onnxruntime.__file__))")/capi/libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/"
fi
