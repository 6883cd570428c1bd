#!/usr/bin/env python3
"""Greedy decoding with onnxruntime's Python API: the independent reference medpref's runtime is
checked against (tests), and the loop its speed is compared with (scripts/bench.sh generate).

  reference_decode.py MODEL_DIR TEXT [--max-new N] [--no-cache] [--bench]

Encodes TEXT with MODEL_DIR/tokenizer.json (no chat template), decodes greedily until an eos id of
generation_config.json or N new tokens, and prints one JSON line:
  {"prompt_ids": [...], "new_ids": [...], "text": "...", "prefill_tok_s": x, "decode_tok_s": y}
--no-cache recomputes the whole sequence each step (a check of the KV cache itself).
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def model_file(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.onnx")))
    if len(files) != 1:
        raise SystemExit(f"{folder}: expected one .onnx file, found {len(files)}")
    return files[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("text")
    ap.add_argument("--max-new", type=int, default=16)
    ap.add_argument("--no-cache", action="store_true")
    a = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = os.cpu_count() or 1
    session = ort.InferenceSession(model_file(a.model), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    eos = json.load(open(os.path.join(a.model, "generation_config.json")))["eos_token_id"]
    eos = set(eos if isinstance(eos, list) else [eos])
    past_inputs = [i for i in session.get_inputs() if i.name.startswith("past_key_values.")]
    past = {i.name: np.zeros((1, i.shape[1], 0, i.shape[3]), dtype=np.float32) for i in past_inputs}

    prompt = tok.encode(a.text, add_special_tokens=False).ids
    ids, new = list(prompt), []
    step_ids, offset = list(prompt), 0
    prefill = decode = 0.0
    while len(new) < a.max_new:
        if a.no_cache:
            step_ids, offset = list(ids), 0
            past = {k: np.zeros_like(v[:, :, :0]) for k, v in past.items()}
        feed = {
            "input_ids": np.array([step_ids], dtype=np.int64),
            "attention_mask": np.ones((1, offset + len(step_ids)), dtype=np.int64),
            "position_ids": np.arange(offset, offset + len(step_ids), dtype=np.int64)[None, :],
            **past,
        }
        start = time.perf_counter()
        out = session.run(None, feed)
        elapsed = time.perf_counter() - start
        if new or a.no_cache and len(ids) > len(prompt):
            decode += elapsed
        else:
            prefill += elapsed
        names = [o.name for o in session.get_outputs()]
        logits = out[names.index("logits")]
        nxt = int(np.argmax(logits[0, -1]))
        past = {n.replace("present.", "past_key_values."): out[j] for j, n in enumerate(names) if n.startswith("present.")}
        offset += len(step_ids)
        new.append(nxt)
        ids.append(nxt)
        step_ids = [nxt]
        if nxt in eos:
            break
    print(json.dumps({
        "prompt_ids": prompt, "new_ids": new, "text": tok.decode(new, skip_special_tokens=True),
        "prefill_tok_s": len(prompt) / prefill if prefill else None,
        "decode_tok_s": (len(new) - 1) / decode if decode and len(new) > 1 else None,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
