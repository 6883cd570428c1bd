#!/usr/bin/env python3
"""Writes a tiny random-weight decoder for tests, in the layout medpref loads (the optimum /
onnxruntime-genai export layout) — PyPI packages only (numpy, onnx, tokenizers), no torch, no downloads.

  tiny_model.py OUT_DIR [--seed N]

OUT_DIR gets:
  model.onnx              inputs  input_ids i64[B,S], attention_mask i64[B,P+S], position_ids i64[B,S],
                                  past_key_values.{i}.key|value f32[B,H,P,D]
                          outputs logits f32[B,S,V], present.{i}.key|value f32[B,H,P+S,D]
  tokenizer.json          byte-level BPE trained on a few Chinese medical sentences, with ChatML specials
  generation_config.json  eos ids and a ChatML chat template
  model_config.json       the sizes

With --reward, OUT_DIR gets a tiny sequence-classification reward model instead (model.onnx with inputs
input_ids, attention_mask and output logits f32[B,1], plus the same tokenizer.json).

The model is a pre-norm transformer (learned positions, multi-head attention with a KV cache, a GELU MLP).
Its answers are noise; what tests check is that decoding through medpref's runtime gives the same
tokens as onnxruntime's own Python loop (scripts/reference_decode.py) on the same model and ids.
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LAYERS, HIDDEN, HEADS, FFN, MAX_POS = 2, 64, 4, 128, 2048  # room for a long prompt and 512 new tokens
HEAD = HIDDEN // HEADS
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
          "<|im_start|>assistant\n")
CORPUS = [
    "感冒发烧了应该怎么办？多喝水，注意休息，体温超过三十九度或持续三天不退请及时就医。",
    "高血压患者应低盐饮食，规律服药，定期测量血压，不要自行停药。",
    "糖尿病的常见症状有多饮、多尿、多食和体重下降，需要监测血糖。",
    "胸痛伴大汗、呼吸困难时应立即拨打急救电话。",
    "孩子咳嗽一周了，建议到儿科就诊，必要时拍胸片。",
    "You are a helpful medical assistant. Please answer briefly and safely.",
]


class Graph:
    """Collects nodes and initialisers; `op` returns the name of its (first) output."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, hint):
        self.n += 1
        return f"{hint}_{self.n}"

    def const(self, array, hint="c"):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, kind, inputs, outputs=None, **attrs):
        outputs = outputs or [self.name(kind.lower())]
        self.nodes.append(helper.make_node(kind, inputs, outputs, **attrs))
        return outputs[0]


def i64(v):
    return np.asarray(v, dtype=np.int64)


def f32(v):
    return np.asarray(v, dtype=np.float32)


def tokenizer(out):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    t = Tokenizer(models.BPE())
    t.normalizer = normalizers.NFC()
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    t.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    t.train_from_iterator(CORPUS * 10, trainer)
    t.save(os.path.join(out, "tokenizer.json"))
    return t


def model(vocab, rng, out):
    g = Graph()
    w = lambda *shape: f32(rng.normal(0.0, 0.2, shape))
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", dim])
              for n, dim in (("input_ids", "seq"), ("attention_mask", "total"), ("position_ids", "seq"))]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", vocab])]
    for i in range(LAYERS):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", TensorProto.FLOAT,
                                                        ["batch", HEADS, "past", HEAD]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", TensorProto.FLOAT,
                                                         ["batch", HEADS, "total", HEAD]))

    def norm(x):
        mean = g.op("ReduceMean", [x, g.const(i64([-1]))], keepdims=1)
        centred = g.op("Sub", [x, mean])
        var = g.op("ReduceMean", [g.op("Mul", [centred, centred]), g.const(i64([-1]))], keepdims=1)
        return g.op("Div", [centred, g.op("Sqrt", [g.op("Add", [var, g.const(f32(1e-5))])])])

    def heads(x):  # [B,S,H*D] -> [B,H,S,D]
        return g.op("Transpose", [g.op("Reshape", [x, g.const(i64([0, 0, HEADS, HEAD]))])], perm=[0, 2, 1, 3])

    x = g.op("Add", [g.op("Gather", [g.const(w(vocab, HIDDEN), "embed"), "input_ids"]),
                     g.op("Gather", [g.const(w(MAX_POS, HIDDEN), "positions"), "position_ids"])])
    # Additive mask [B,1,S,T]: a query at absolute position p sees keys 0..p that are not padding.
    seq = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const(i64(1))], axis=0)
    total = g.op("Gather", [g.op("Shape", ["attention_mask"]), g.const(i64(1))], axis=0)
    keys = g.op("Range", [g.const(i64(0)), total, g.const(i64(1))])
    queries = g.op("Range", [g.op("Sub", [total, seq]), total, g.const(i64(1))])
    causal = g.op("LessOrEqual", [g.op("Unsqueeze", [keys, g.const(i64([0]))]),
                                  g.op("Unsqueeze", [queries, g.const(i64([1]))])])
    padding = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.BOOL), g.const(i64([1, 2]))])
    bias = g.op("Where", [g.op("And", [causal, padding]), g.const(f32(0.0)), g.const(f32(-1e9))])
    for i in range(LAYERS):
        h = norm(x)
        q, k, v = (heads(g.op("MatMul", [h, g.const(w(HIDDEN, HIDDEN), n)])) for n in ("q", "k", "v"))
        key = g.op("Concat", [f"past_key_values.{i}.key", k], [f"present.{i}.key"], axis=2)
        value = g.op("Concat", [f"past_key_values.{i}.value", v], [f"present.{i}.value"], axis=2)
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [key], perm=[0, 1, 3, 2])]),
                              g.const(f32(1.0 / np.sqrt(HEAD)))])
        attn = g.op("MatMul", [g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1), value])
        merged = g.op("Reshape", [g.op("Transpose", [attn], perm=[0, 2, 1, 3]), g.const(i64([0, 0, HIDDEN]))])
        x = g.op("Add", [x, g.op("MatMul", [merged, g.const(w(HIDDEN, HIDDEN), "o")])])
        up = g.op("MatMul", [norm(x), g.const(w(HIDDEN, FFN), "up")])
        gelu = g.op("Mul", [up, g.op("Sigmoid", [g.op("Mul", [up, g.const(f32(1.702))])])])
        x = g.op("Add", [x, g.op("MatMul", [gelu, g.const(w(FFN, HIDDEN), "down")])])
    g.op("MatMul", [norm(x), g.const(w(HIDDEN, vocab), "lm_head")], ["logits"])
    graph = helper.make_graph(g.nodes, "tiny_decoder", inputs, outputs, g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="medpref tiny_model.py")
    m.ir_version = 9
    onnx.checker.check_model(m)
    onnx.save_model(m, os.path.join(out, "model.onnx"))


def reward_model(vocab, rng, out):
    """A sequence classifier: masked mean of token embeddings, tanh, one linear score.
    Inputs input_ids, attention_mask i64[B,S]; output logits f32[B,1]."""
    g = Graph()
    w = lambda *shape: f32(rng.normal(0.0, 0.5, shape))
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
              for n in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1])]
    x = g.op("Gather", [g.const(w(vocab, HIDDEN), "embed"), "input_ids"])
    mask = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT), g.const(i64([2]))])
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask]), g.const(i64([1]))], keepdims=0)
    count = g.op("ReduceSum", [mask, g.const(i64([1]))], keepdims=0)
    mean = g.op("Tanh", [g.op("Div", [summed, g.op("Max", [count, g.const(f32(1.0))])])])
    g.op("Add", [g.op("MatMul", [mean, g.const(w(HIDDEN, 1), "score")]), g.const(f32([0.1]))], ["logits"])
    graph = helper.make_graph(g.nodes, "tiny_reward", inputs, outputs, g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="medpref tiny_model.py")
    m.ir_version = 9
    onnx.checker.check_model(m)
    onnx.save_model(m, os.path.join(out, "model.onnx"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reward", action="store_true", help="write a tiny reward model (sequence classifier) instead")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t = tokenizer(a.out)
    vocab = t.get_vocab_size()
    if a.reward:
        reward_model(vocab, np.random.default_rng(a.seed), a.out)
        print(f"{a.out}: tiny reward model, vocab {vocab}")
        return
    model(vocab, np.random.default_rng(a.seed), a.out)
    eos = [t.token_to_id("<|im_end|>"), t.token_to_id("<|endoftext|>")]
    with open(os.path.join(a.out, "generation_config.json"), "w", encoding="utf-8") as f:
        json.dump({"eos_token_id": eos, "chat_template": CHATML}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(a.out, "model_config.json"), "w") as f:
        json.dump({"layers": LAYERS, "hidden": HIDDEN, "heads": HEADS, "head_dim": HEAD, "vocab": vocab,
                   "max_positions": MAX_POS}, f, indent=1)
    print(f"{a.out}: tiny decoder, {LAYERS} layers, vocab {vocab}")


if __name__ == "__main__":
    main()
