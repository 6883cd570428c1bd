#!/usr/bin/env bash
# Prints medpref's figures: precision and recall of the sensitive-content detectors on the
# labelled corpus (fixtures/flags/), with their throughput. `scripts/bundle-size.sh` prints the
# browser bundle's size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run -q -p app --features ssr --example flag_corpus -- "$@"
