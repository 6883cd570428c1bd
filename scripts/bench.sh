#!/usr/bin/env bash
# Prints medpref's figures (README, "Figures").
#   scripts/bench.sh            both parts below
#   scripts/bench.sh detectors  precision and recall of the sensitive-content detectors on the
#                               labelled corpus (fixtures/flags/), with their throughput
#   scripts/bench.sh markdown   rendering time of pathological markdown (deep lists and quotes,
#                               emphasis runs, link-reference floods, a 1 MB table…), release build
#   scripts/bench.sh signin     server memory under 512 anonymous sign-ins, 64 at a time, each
#                               from its own loopback address; release build
#   scripts/bench.sh scale      import of 351,600 synthetic QA pairs and 41,700 preference items
#                               (ChiMed 2.0's sizes) and export of 41,700 voted items, each with
#                               wall time and peak memory, next to SQLite's own bulk insert of the
#                               same rows, a search over the QA items, the agreement report over the
#                               voted items; release build. Takes a few
#                               minutes.
#   scripts/bench.sh generate [MODEL_DIR]
#                               prefill and decode tokens per second of the local model (greedy,
#                               64 new tokens) through medpref's runtime, next to onnxruntime's own
#                               Python loop on the same model and prompt; default: a fresh tiny
#                               random-weight model (scripts/tiny_model.py). Release build.
#   scripts/bench.sh serve [quick]
#                               the review loop through the real server (release build, real
#                               HTTP on loopback, every reviewer signed in with its own
#                               session): next item and vote latency and votes/s at 1, 32 and
#                               200 concurrent reviewers, on 41,700 and 351,600 preference items
#                               with overlap 3 and 0%, 50% and 95% of the items already
#                               complete; the correct screen's queue on 351,600 QA pairs; beside
#                               them the physical limits of this machine measured in the same
#                               run (the same writes straight on SQLite, an axum hello-world with
#                               the same client) and medpref's ratio to each. `quick`: 41,700
#                               items only; `correct`: the correct screen's rows only. Fails on
#                               any non-2xx answer.
#   scripts/bench.sh serve soak  32 reviewers for 5 minutes (MEDPREF_SOAK_SECONDS) on 351,600
#                               items, the server's heap and mapped database pages every 15 s,
#                               with their bounds; release build
# `scripts/bundle-size.sh` prints the browser bundle's size; `scripts/page-timing.sh` loads the review
# screens in Chromium (cold cache) and prints bytes transferred and first-item / interactive times.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
part="${1:-all}"

if [ "$part" = generate ]; then
  cargo build -q --release -p server
  bin="$CARGO_TARGET_DIR/release/medpref"
  python="${MEDPREF_PYTHON:-$HOME/.cache/medpref/venv/bin/python}"
  model="${2:-}"
  if [ -z "$model" ]; then
    model="$(mktemp -d)"
    trap 'rm -rf "$model"' EXIT
    "$python" scripts/tiny_model.py "$model" > /dev/null
  fi
  prompt=$'<|im_start|>user\n孩子发烧三十九度，咳嗽两天，需要去医院吗？<|im_end|>\n<|im_start|>assistant\n'
  echo "== generate ($(basename "$model"), greedy, up to 64 new tokens, $(nproc) cores)"
  for run in 1 2; do
    ours=$("$bin" generate --model "$model" --prompt "$prompt" --max-new-tokens 64 2>&1 >/dev/null | tail -1)
    theirs=$("$python" scripts/reference_decode.py "$model" "$prompt" --max-new 64)
    python3 - "$ours" "$theirs" <<'PY'
import json, re, sys
ours = dict(re.findall(r"(prefill|decode) ([0-9.]+) tokens/s", sys.argv[1]))
theirs = json.loads(sys.argv[2])
for k in ("prefill", "decode"):
    o, t = float(ours[k]), theirs[f"{k}_tok_s"]
    print(f"{k:8} medpref {o:10.1f} tokens/s   onnxruntime Python {t:10.1f} tokens/s   ratio {o / t:.2f}")
PY
  done
  exit 0
fi

if [ "$part" = serve ]; then
  exec bash scripts/bench_serve.sh "${2:-full}"
fi

if [ "$part" = all ] || [ "$part" = markdown ]; then
  cargo run -q --release -p app --features ssr --example markdown_bench
fi

if [ "$part" = signin ]; then
  # 512 anonymous sign-ins, 64 at a time, from distinct loopback addresses (was: 9.05 GB).
  cargo build -q --release -p server --bin medpref --example signin_bench
  bin="$CARGO_TARGET_DIR/release/medpref"
  work="$(mktemp -d)"
  "$bin" --data-dir "$work" migrate > /dev/null
  "$bin" --data-dir "$work" serve --addr 127.0.0.1:39230 > "$work/server.log" 2>&1 & server=$!
  trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 1 100); do curl -fs -o /dev/null -X POST http://127.0.0.1:39230/api/me && break; sleep 0.1; done
  echo "== sign-in flood (release build; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  checks="$(( $(nproc) > 4 ? 4 : $(nproc) ))"
  # Ordinary traffic first (was: 1.82 GB for 200 sign-ins 8 at a time), then the flood.
  "$CARGO_TARGET_DIR/release/examples/signin_bench" http://127.0.0.1:39230 "$server" 200 8 "$checks"
  "$CARGO_TARGET_DIR/release/examples/signin_bench" http://127.0.0.1:39230 "$server" 512 64 "$checks"
  exit 0
fi

if [ "$part" = all ] || [ "$part" = detectors ]; then
  cargo run -q -p medpref-detect --example flag_corpus
fi
[ "$part" = all ] || [ "$part" = scale ] || exit 0

cargo build -q --release -p server
bin="$CARGO_TARGET_DIR/release/medpref"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/bench_scale.py gen "$work"
measure() { # label, command...: prints wall seconds and the command's peak heap and mapped file pages
  # Peak RSS alone would count the database pages SQLite maps (mmap_size), which the kernel can
  # drop at any time: heap (RssAnon) and mapped file (RssFile) are sampled apart, every 20 ms.
  local label="$1"; shift
  local start end peak_anon=0 peak_file=0 anon file
  start=$(date +%s.%N)
  "$@" > "$work/out" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    read -r anon file < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status" 2> /dev/null || echo "0 0")
    [ "${anon:-0}" -gt "$peak_anon" ] && peak_anon=$anon
    [ "${file:-0}" -gt "$peak_file" ] && peak_file=$file
    sleep 0.02
  done
  wait "$pid" || { cat "$work/out"; exit 1; }
  end=$(date +%s.%N)
  local secs; secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  printf '%-46s %7.2f s  heap %5d MB  mapped %5d MB\n' "$label" "$secs" "$((peak_anon / 1024))" "$((peak_file / 1024))"
  echo "$secs" > "$work/last"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}x')" "$@"; }

echo
echo "== scale (release build; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-46s %s\n' "input" "$(du -h "$work/qa.jsonl" | cut -f1) QA, $(du -h "$work/pref.jsonl" | cut -f1) preference"
longest_hold() { # the longest write transaction the last measured command logged (see store::WriteTx)
  local ms; ms=$(sed 's/\x1b\[[0-9;]*m//g' "$work/out" | grep -o 'held_ms=[0-9]*' | cut -d= -f2 | sort -n | tail -1 || true)
  printf '%-46s %7s ms (every other writer waits this long; logged above 100 ms)\n' "  longest write-lock hold" "${ms:-<100}"
}
export RUST_LOG="info,sqlx=warn,app::store=debug"
measure "import 351,600 QA pairs (sharegpt)" "$bin" --data-dir "$work/db" import --dataset qa --format sharegpt "$work/qa.jsonl"
qa=$(cat "$work/last")
longest_hold
measure "import 41,700 preference items (cmd-reward)" "$bin" --data-dir "$work/db" import --dataset pref --format cmd-reward "$work/pref.jsonl"
pref=$(cat "$work/last")
longest_hold
unset RUST_LOG
measure "search the 351,600 QA items: a rare text" "$bin" --data-dir "$work/db" items --dataset qa --q 不存在的文字
measure "search the 351,600 QA items: a common text" "$bin" --data-dir "$work/db" items --dataset qa --q 头痛
"$bin" --data-dir "$work/raw" migrate > /dev/null
raw_qa=$(python3 scripts/bench_scale.py raw "$work/raw/medpref.db" "$work/qa.jsonl" qa)
raw_pref=$(python3 scripts/bench_scale.py raw "$work/raw/medpref.db" "$work/pref.jsonl" pref)
printf '%-46s %7.2f s  (medpref takes %s of it)\n' "SQLite bulk insert of the same QA rows" "$raw_qa" "$(ratio "$qa" "$raw_qa")"
printf '%-46s %7.2f s  (medpref takes %s of it)\n' "SQLite bulk insert of the same preference rows" "$raw_pref" "$(ratio "$pref" "$raw_pref")"
python3 scripts/bench_scale.py votes "$work/db/medpref.db" pref
for format in trl-dpo trl-reward llamafactory-sharegpt; do
  measure "export 41,700 items × 3 votes as $format" "$bin" --data-dir "$work/db" export --dataset pref --format "$format" "$work/$format.jsonl"
done
grep -o 'wrote [0-9]* records' "$work/out" | sed 's/^/last export: /'
measure "agreement report over 41,700 items × 3 votes" "$bin" --data-dir "$work/db" agreement --dataset pref
