#!/usr/bin/env python3
"""Loads every medpref export in a folder with Hugging Face `datasets`, as trainers do, and
checks it against its consumer's rules.

Usage: check_exports.py DIR   (DIR holds NAME.jsonl files, each with NAME.manifest.json)

- columns and their types as the TRL dataset-format docs describe each format
  (https://huggingface.co/docs/trl/dataset_formats), LLaMA-Factory's data/README.md,
  MedicalGPT's reward data and OpenAI's preference fine-tuning format;
- LLaMA-Factory sharegpt ranking records: an odd number of turns ending on a human turn,
  roles alternating, chosen and rejected tagged as the assistant (otherwise LLaMA-Factory
  drops the record silently); the dataset_info.json entry's columns exist;
- the manifest: sha256 and size of the data file, and the number of records written.
Exits non-zero with every problem listed.
"""
import hashlib
import json
import pathlib
import sys

from datasets import load_dataset

MESSAGE = {"role", "content"}


def messages(value, roles=None):
    assert isinstance(value, list) and value, f"expected a non-empty message list, got {value!r}"
    for m in value:
        assert set(m) == MESSAGE, f"message keys {set(m)}"
        assert isinstance(m["content"], str) and m["content"], "empty message"
    if roles:
        assert [m["role"] for m in value] == roles, [m["role"] for m in value]


def prompt_roles(value):
    roles = [m["role"] for m in value]
    if roles and roles[0] == "system":
        roles = roles[1:]
    assert roles and roles[-1] == "user", roles
    assert all(r == ("user" if i % 2 == 0 else "assistant") for i, r in enumerate(roles)), roles


def trl_dpo(r):
    for k in ("prompt", "chosen", "rejected"):
        assert isinstance(r[k], str) and r[k], k


def trl_dpo_conversational(r):
    messages(r["prompt"])
    prompt_roles(r["prompt"])
    messages(r["chosen"], ["assistant"])
    messages(r["rejected"], ["assistant"])


def trl_reward(r):
    for k in ("chosen", "rejected"):
        messages(r[k])
        assert r[k][-1]["role"] == "assistant"
        prompt_roles(r[k][:-1])
    assert r["chosen"][:-1] == r["rejected"][:-1], "implicit prompt: both share the same prompt"
    assert isinstance(r["margin"], float), type(r["margin"])


def trl_kto(r):
    assert isinstance(r["prompt"], str) and r["prompt"]
    assert isinstance(r["completion"], str) and r["completion"]
    assert isinstance(r["label"], bool)


def sharegpt_turns(turns, odd):
    froms = [t["from"] for t in turns]
    assert all(isinstance(t["value"], str) and t["value"] for t in turns), "empty turn"
    assert all(f == ("human" if i % 2 == 0 else "gpt") for i, f in enumerate(froms)), froms
    assert (len(froms) % 2 == 1) == odd, froms


def llamafactory_sharegpt(r):
    sharegpt_turns(r["conversations"], odd=True)
    for k in ("chosen", "rejected"):
        assert r[k]["from"] == "gpt" and r[k]["value"], r[k]


def llamafactory_alpaca(r):
    for k in ("instruction", "chosen", "rejected"):
        assert isinstance(r[k], str) and r[k], k
    assert r["input"] == ""


def cmd_reward(r):
    for k in ("question", "response_chosen", "response_rejected"):
        assert isinstance(r[k], str) and r[k], k


def openai_preference(r):
    messages(r["input"]["messages"])
    prompt_roles(r["input"]["messages"])
    messages(r["preferred_output"], ["assistant"])
    messages(r["non_preferred_output"], ["assistant"])


def sft_sharegpt(r):
    sharegpt_turns(r["conversations"], odd=False)


def sft_alpaca(r):
    assert isinstance(r["instruction"], str) and r["instruction"]
    assert isinstance(r["output"], str) and r["output"]


FORMATS = {
    "trl-dpo": ({"prompt", "chosen", "rejected"}, trl_dpo),
    "trl-dpo-conversational": ({"prompt", "chosen", "rejected"}, trl_dpo_conversational),
    "trl-reward": ({"chosen", "rejected", "margin"}, trl_reward),
    "trl-kto": ({"prompt", "completion", "label"}, trl_kto),
    "llamafactory-alpaca": ({"instruction", "input", "chosen", "rejected"}, llamafactory_alpaca),
    "llamafactory-sharegpt": ({"conversations", "chosen", "rejected"}, llamafactory_sharegpt),
    "cmd-reward": ({"question", "response_chosen", "response_rejected"}, cmd_reward),
    "openai-preference": ({"input", "preferred_output", "non_preferred_output"}, openai_preference),
    "sft-sharegpt": ({"conversations"}, sft_sharegpt),
    "sft-alpaca": ({"instruction", "input", "output"}, sft_alpaca),
}
# Columns a format may add when the data has system texts or earlier turns.
OPTIONAL = {"system", "history"}


def check(data: pathlib.Path) -> list[str]:
    problems = []
    manifest = json.loads(data.with_name(data.name.removesuffix(".jsonl") + ".manifest.json").read_text())
    fmt = manifest["format"]
    columns, rule = FORMATS[fmt]
    raw = data.read_bytes()
    if hashlib.sha256(raw).hexdigest() != manifest["sha256"] or len(raw) != manifest["bytes"]:
        problems.append("sha256 or size differs from the manifest")
    ds = load_dataset("json", data_files=str(data), split="train")
    if len(ds) != manifest["counts"]["written"]:
        problems.append(f"{len(ds)} records, manifest says {manifest['counts']['written']}")
    have = set(ds.column_names)
    if not (columns <= have <= columns | OPTIONAL):
        problems.append(f"columns {sorted(have)}, expected {sorted(columns)} (+ {sorted(OPTIONAL)})")
    info = manifest.get("dataset_info")
    if info:
        missing = set(info["columns"].values()) - have
        if missing:
            problems.append(f"dataset_info.json names missing columns {sorted(missing)}")
    for i, record in enumerate(ds):
        try:
            rule(record)
        except (AssertionError, KeyError, TypeError) as e:
            problems.append(f"record {i + 1}: {type(e).__name__} {e}")
            if len(problems) > 10:
                break
    print(f"{data.name}: {len(ds)} records, columns {sorted(have)}: {'ok' if not problems else 'FAILED'}")
    return [f"{data.name}: {p}" for p in problems]


def main() -> int:
    folder = pathlib.Path(sys.argv[1])
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        print(f"no .jsonl files in {folder}")
        return 1
    problems = [p for f in files for p in check(f)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
