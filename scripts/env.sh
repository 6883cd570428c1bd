# Sourced by the scripts: one build cache for the demo and the tests. It lives outside the
# clone so that a fresh clone on the same machine reuses it; an empty one just means a full build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/medpref/target}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$PWD/target/site}"
export MEDPREF_BIN="$CARGO_TARGET_DIR/debug/medpref"
# ONNX Runtime for the local model, as scripts/setup.sh leaves it (an admin may point elsewhere).
export MEDPREF_ORT_DYLIB="${MEDPREF_ORT_DYLIB:-$HOME/.cache/medpref/ort/libonnxruntime.so.1.31.1}"
