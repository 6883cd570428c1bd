#!/usr/bin/env bash
# One command: install what is missing, build, create a demo database from the bundled real
# samples with fresh demo accounts (passwords printed once), and serve on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
printf '\n== building medpref\n'
cargo leptos build --split
DATA_DIR="${MEDPREF_DATA_DIR:-data/demo}"
printf '\n== creating the demo database in %s\n' "$DATA_DIR"
"$MEDPREF_BIN" --data-dir "$DATA_DIR" demo
# A model folder so that regeneration and batch jobs can be tried: the tiny random-weight test model (its
# answers are noise) and a tiny reward model. Put a real model directory next to them (see the README).
MODELS="$DATA_DIR/models"
PY="${MEDPREF_VENV:-$HOME/.cache/medpref/venv}/bin/python"
"$PY" scripts/tiny_model.py "$MODELS/tiny-random" >/dev/null
"$PY" scripts/tiny_model.py "$MODELS/tiny-reward" --reward >/dev/null
"$MEDPREF_BIN" --data-dir "$DATA_DIR" dataset configure --dataset medicalgpt-reward-demo \
  --model tiny-random --reward-model tiny-reward
printf '\n== open http://%s and sign in with an account above (Ctrl-C stops)\n' "${MEDPREF_ADDR:-127.0.0.1:3000}"
exec "$MEDPREF_BIN" --data-dir "$DATA_DIR" serve --models "$MODELS"
