#!/usr/bin/env bash
# The review screens as a clinician's browser gets them: a release build served by the real
# server, loaded in Chromium with a cold cache (a fresh browser context per load, signed in as a
# reviewer). Prints bytes transferred (JS + wasm + CSS, compressed as sent) and the moments the
# first item is visible and the page is interactive, from navigation start, median and worst of
# LOADS loads (default 5) on loopback. Goals (issue 15): < 250 KB, < 300 ms, < 500 ms.
# NO_BUILD=1 measures the release build already in target/site (after scripts/bundle-size.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
loads="${1:-5}"
[ -n "${NO_BUILD:-}" ] || cargo leptos build --release --precompress --split 2>&1 | grep -E "^(error|warning: unused)" || true
bin="$CARGO_TARGET_DIR/release/medpref"
work="$(mktemp -d)"
server=""
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" --data-dir "$work" import --dataset reward --format cmd-reward fixtures/medicalgpt-reward-test-100.jsonl > /dev/null
"$bin" --data-dir "$work" import --dataset sft --format sharegpt fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl > /dev/null
echo "page-timing-password-1" | "$bin" --data-dir "$work" user add --role annotator doctor > /dev/null
port=39190
"$bin" --data-dir "$work" serve --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 & server=$!
for _ in $(seq 1 200); do curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/me" && break; sleep 0.05; done
echo "== review screens, cold cache (release build; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
(cd end2end && node perf/page-timing.mjs "http://127.0.0.1:$port" doctor page-timing-password-1 "$loads" \
  /review/reward /correct/sft)
