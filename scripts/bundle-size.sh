#!/usr/bin/env bash
# Prints the browser bundle as a release build ships it (`cargo leptos build --release
# --precompress --split`): the main WebAssembly file, the JS glue and the CSS every page loads,
# then per screen what it adds on first visit (its own chunk and the shared chunks it needs,
# from cargo-leptos' split manifest) — raw and as sent (brotli, precompressed at build).
# Goal (issue 15): the review screens under 250 KB sent in all; `scripts/page-timing.sh` measures
# the same in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --precompress --split 2>&1 | grep -E "^(error|warning: unused)" || true
python3 - "${LEPTOS_SITE_ROOT:-target/site}/pkg" <<'PY'
import glob, json, os, sys
pkg = sys.argv[1]

def one(pattern):
    found = glob.glob(os.path.join(pkg, pattern))
    if len(found) != 1:
        sys.exit(f"expected one file matching {pattern} in {pkg}, found {len(found)}")
    return found[0]

def sizes(path):
    br = path + ".br"
    return os.path.getsize(path), os.path.getsize(br) if os.path.exists(br) else os.path.getsize(path)

kb = lambda n: f"{n / 1024:8.1f}"
print(f"{'every page loads':44} {'raw KB':>8} {'sent KB':>8}")
base_raw = base_br = 0
for label, pattern in [("main wasm", "medpref.*.wasm"), ("JS glue", "medpref.*.js"),
                       ("split loader JS", "__wasm_split.*.js"), ("CSS", "medpref.*.css")]:
    raw, br = sizes(one(pattern))
    base_raw += raw; base_br += br
    print(f"  {label:42} {kb(raw)} {kb(br)}")
print(f"  {'together':42} {kb(base_raw)} {kb(base_br)}")
manifest = json.load(open(one("__wasm_split_manifest.*.json")))
print(f"\n{'screen (first visit adds; total with the above)':44} {'raw KB':>8} {'sent KB':>8} {'total sent':>10}")
rows = []
for split, chunks in manifest.items():
    # manifest chunk names already carry their content hash
    files = [one(f"split_{split}.*.wasm")] + [one(f"{c}.wasm") for c in chunks]
    raw = sum(sizes(f)[0] for f in files); br = sum(sizes(f)[1] for f in files)
    screen = split.strip("_").rsplit("_view_", 1)[0]
    rows.append((base_br + br, screen, raw, br))
for total, screen, raw, br in sorted(rows):
    print(f"  {screen:42} {kb(raw)} {kb(br)} {kb(total)}")
PY
