#!/usr/bin/env bash
# The review-loop benchmark (scripts/bench.sh serve): see bench.sh for what it prints.
# Bounded: each run is a few seconds of load on loopback, every server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mode="${1:-full}"
SECONDS_PER_RUN="${MEDPREF_BENCH_SECONDS:-5}"

cargo build -q --release -p server --bin medpref --example review_bench
bin="$CARGO_TARGET_DIR/release/medpref"
tool="$CARGO_TARGET_DIR/release/examples/review_bench"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port=39150
wait_up() { # url
  for _ in $(seq 1 200); do curl -fs -o /dev/null -X POST "$1/api/me" && return 0; sleep 0.05; done
  echo "server did not start" >&2; return 1
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# `soak`: one long run (default 300 s) of 32 reviewers on 351,600 items, the server's resident
# memory sampled every 15 s: it must stay flat (no growth with votes, sessions or leases).
if [ "$mode" = soak ]; then
  soak_seconds="${MEDPREF_SOAK_SECONDS:-300}"
  echo "== soak (release build; $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
  python3 scripts/bench_scale.py pref "$work/pref.jsonl" 351600
  "$bin" --data-dir "$work/soak" import --dataset soak --format cmd-reward "$work/pref.jsonl" > /dev/null
  "$tool" prepare "$work/soak" --dataset soak --reviewers 32 > /dev/null
  "$bin" --data-dir "$work/soak" serve --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 & server=$!
  pids+=($server)
  wait_up "http://127.0.0.1:$port"
  ( while kill -0 "$server" 2>/dev/null; do
      awk '/^(RssAnon|RssFile):/ {printf "%s ", $2} END {print ""}' "/proc/$server/status" >> "$work/rss"; sleep 15
    done ) & pids+=($!)
  if ! out=$("$tool" load "http://127.0.0.1:$port" --dataset soak --reviewers 32 --seconds "$soak_seconds"); then
    echo "$out"; tail -5 "$work/server.log"; echo "FAILED: non-2xx answers (above)" >&2; exit 1
  fi
  echo "32 reviewers, ${soak_seconds} s: votes/s $(field votes_per_s "$out"), next p50/p99 $(field next_p50 "$out") / $(field next_p99 "$out") ms, decide p50/p99 $(field decide_p50 "$out") / $(field decide_p99 "$out") ms, errors $(field errors "$out")"
  python3 - "$work/rss" "$(du -m "$work/soak/medpref.db" | cut -f1)" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 2]
anon = [int(a) / 1024 for a, _ in rows]
mapped = [int(f) / 1024 for _, f in rows]
print("server memory every 15 s, heap (RssAnon, MB):  ", " ".join(f"{m:.0f}" for m in anon))
print("database pages mapped (RssFile, MB):           ", " ".join(f"{m:.0f}" for m in mapped))
half = len(anon) // 2
print(f"heap: first half peak {max(anon[:half] or anon):.0f} MB, second half peak {max(anon[half:]):.0f} MB, last {anon[-1]:.0f} MB")
# The bound beside it: SQLite's page caches (8 pool connections x 16 MiB, app/src/store/mod.rs)
# fill as the reviewers move through the file; the mapped pages are the file itself.
print(f"bound: page caches 8 x 16 MiB = 128 MiB above the idle heap ({anon[0]:.0f} MB); "
      f"mapped pages at most the database file ({sys.argv[2]} MB)")
PY
  exit 0
fi

echo "== review loop (release build; $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "   load generator: one thread on the same machine; ${SECONDS_PER_RUN} s measured per run after 2 s warm-up"

# The limits, measured in this run. The SQLite limit on a fresh 41,700-item database.
python3 scripts/bench_scale.py pref "$work/pref-41700.jsonl" 41700
"$bin" --data-dir "$work/limit" import --dataset pref --format cmd-reward "$work/pref-41700.jsonl" > /dev/null
"$tool" prepare "$work/limit" --dataset pref --reviewers 3 > /dev/null
raw=$("$tool" raw "$work/limit" --dataset pref --seconds "$SECONDS_PER_RUN")
raw_vps=$(field votes_per_s "$raw")
"$tool" hello "127.0.0.1:$port" & pids+=($!)
sleep 0.5
hello=$("$tool" load "http://127.0.0.1:$port" --hello --dataset x --reviewers 32 --seconds "$SECONDS_PER_RUN")
hello_vps=$(field votes_per_s "$hello")
kill "${pids[-1]}"; port=$((port + 1))
printf '%-58s %8s votes/s\n' "limit: lease + judgment writes straight on SQLite (WAL, NORMAL)" "$raw_vps"
printf '%-58s %8s votes/s   (2 requests per vote; next p99 %s ms)\n' "limit: axum hello-world, same client, 32 connections" "$hello_vps" "$(field next_p99 "$hello")"
echo

printf '%-9s %-6s %-5s %-9s %9s %17s %17s %6s %8s %9s %9s\n' \
  dataset queue done reviewers votes/s "next p50/p99 ms" "decide p50/p99 ms" errors "RSS MB" "/SQLite" "/hello"
run() { # label queue-kind base-dir done reviewers [--correct]
  local label="$1" kind="$2" base="$3" done="$4" reviewers="$5"; shift 5
  rm -rf "$work/run"; cp -r "$base" "$work/run"
  [ "$done" = 0 ] || "$tool" prepare "$work/run" --dataset "$label" --reviewers 0 --done "$done" > /dev/null
  "$bin" --data-dir "$work/run" serve --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 & local server=$!
  pids+=($server)
  wait_up "http://127.0.0.1:$port"
  local out
  if ! out=$("$tool" load "http://127.0.0.1:$port" --dataset "$label" --reviewers "$reviewers" --seconds "$SECONDS_PER_RUN" "$@"); then
    echo "$out"; tail -5 "$work/server.log"; echo "FAILED: non-2xx answers (above)" >&2; exit 1
  fi
  local rss; rss=$(( $(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$server/status") / 1024 ))
  kill "$server"; wait "$server" 2>/dev/null || true
  port=$((port + 1))
  local vps; vps=$(field votes_per_s "$out")
  printf '%-9s %-6s %-5s %-9s %9s %17s %17s %6s %8s %9s %9s\n' "$label" "$kind" "$done%" "$reviewers" "$vps" \
    "$(field next_p50 "$out") / $(field next_p99 "$out")" "$(field decide_p50 "$out") / $(field decide_p99 "$out")" \
    "$(field errors "$out")" "$rss" \
    "$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0%}')" "$vps" "$raw_vps")" \
    "$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0%}')" "$vps" "$hello_vps")"
  [ "$(field exhausted "$out")" = 0 ] || echo "          ($(field exhausted "$out") reviewers ran out of items during the run)"
}

sizes=(41700)
[ "$mode" = quick ] || sizes+=(351600)
[ "$mode" != correct ] || sizes=()
for size in "${sizes[@]}"; do
  [ -f "$work/pref-$size.jsonl" ] || python3 scripts/bench_scale.py pref "$work/pref-$size.jsonl" "$size"
  base="$work/base-$size"
  "$bin" --data-dir "$base" import --dataset "p$size" --format cmd-reward "$work/pref-$size.jsonl" > /dev/null
  "$tool" prepare "$base" --dataset "p$size" --reviewers 200 > /dev/null
  for done in 0 50 95; do
    for reviewers in 1 32 200; do
      run "p$size" compare "$base" "$done" "$reviewers"
    done
  done
done

if [ "$mode" != quick ]; then
  python3 scripts/bench_scale.py gen "$work"   # qa.jsonl: 351,600 ShareGPT QA pairs
  base="$work/base-qa"
  "$bin" --data-dir "$base" import --dataset qa --format sharegpt "$work/qa.jsonl" > /dev/null
  "$tool" prepare "$base" --dataset qa --reviewers 200 > /dev/null
  for done in 0 95; do
    for reviewers in 32 200; do
      run qa correct "$base" "$done" "$reviewers" --correct
    done
  done
fi
