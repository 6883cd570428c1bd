#!/usr/bin/env bash
# One command runs every test: unit, integration (real router, a real SQLite file per test),
# and end-to-end in Chromium against the real server binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
step() { printf '\n== %s\n' "$*"; }

step "lints: rustfmt, and clippy with warnings as errors (server side, browser side, tests, benches)"
cargo fmt --check
cargo clippy -p medpref-domain -p medpref-detect -p medpref-stats -p medpref-infer --all-targets -- -D warnings
cargo clippy -p app --features ssr --lib --tests --examples -- -D warnings
cargo clippy -p app --features hydrate --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy -p server --lib --bins --tests --examples -- -D warnings

step "building the app (server + WebAssembly bundle)"
cargo leptos build --split

step "the pure crates on their own: domain, detectors (with the labelled corpus), statistics, model runtime"
cargo test -p medpref-domain -p medpref-detect -p medpref-stats -p medpref-infer

step "unit tests (app, server side)"
cargo test -p app --features ssr

step "integration tests (server: real router, real SQLite files, the CLI binary)"
cargo test -p server

step "end-to-end tests (Playwright + Debian chromium)"
(cd end2end && npx playwright test)
