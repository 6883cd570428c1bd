#!/usr/bin/env bash
# Prints the size of the browser bundle as a release build ships it: the wasm after
# wasm-bindgen and wasm-opt, the JS glue and the CSS, raw, gzip -9 and brotli.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v wasm-opt >/dev/null || npm install -g binaryen@132 --no-audit --no-fund
out=$(mktemp -d)
cargo build -p app --lib --target wasm32-unknown-unknown --profile wasm-release --no-default-features --features hydrate
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name medpref \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/app.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$out/medpref_bg.opt.wasm" "$out/medpref_bg.wasm"
cp style/main.css "$out/medpref.css"
printf '%-22s %10s %10s %10s\n' file raw gzip brotli
for f in medpref_bg.opt.wasm medpref.js medpref.css; do
  raw=$(stat -c %s "$out/$f")
  gz=$(gzip -9c "$out/$f" | wc -c)
  br=$( (command -v brotli >/dev/null && brotli -c -q 11 "$out/$f" | wc -c) || echo "-")
  printf '%-22s %10s %10s %10s\n' "$f" "$raw" "$gz" "$br"
done
rm -rf "$out"
