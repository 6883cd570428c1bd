#!/usr/bin/env python3
"""A reward model's score with onnxruntime's Python API: the independent reference medpref's
reward scoring is checked against (tests).

  reference_score.py MODEL_DIR TEXT

Encodes TEXT with MODEL_DIR/tokenizer.json (no special tokens added), runs the model with an
all-ones attention mask, and prints {"ids": [...], "score": x} (the first value of the first output).
"""
import glob
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main():
    folder, text = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(folder, "*.onnx")))
    session = ort.InferenceSession(files[0], providers=["CPUExecutionProvider"])
    ids = Tokenizer.from_file(os.path.join(folder, "tokenizer.json")).encode(text, add_special_tokens=False).ids
    feeds = {}
    for i in session.get_inputs():
        n = len(ids)
        feeds[i.name] = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, n), dtype=np.int64),
            "position_ids": np.arange(n, dtype=np.int64)[None, :],
        }.get(i.name, np.zeros((1, n), dtype=np.int64))
    score = session.run(None, feeds)[0].reshape(-1)[0]
    print(json.dumps({"ids": ids, "score": float(score)}))


if __name__ == "__main__":
    main()
