#!/usr/bin/env python3
"""Helpers for the scale benchmark (scripts/bench.sh scale): deterministic synthetic data at
ChiMed 2.0's sizes, SQLite's own bulk insert of the same rows as a baseline, and votes.

  bench_scale.py gen DIR            writes DIR/qa.jsonl (351,600 ShareGPT QA pairs) and
                                    DIR/pref.jsonl (41,700 CMD(Reward) preference items)
  bench_scale.py raw DB FILE KIND   inserts FILE's rows into DB (medpref's schema) with one
                                    prepared statement per table in one transaction; prints seconds
  bench_scale.py votes DB DATASET   one vote per item of DATASET by three reviewers (setup, untimed)
  bench_scale.py pref FILE N        writes N CMD(Reward) preference items to FILE
"""
import hashlib
import json
import random
import sqlite3
import sys
import time

QA_ITEMS = 351_600
PREF_ITEMS = 41_700

SYMPTOMS = ["头痛", "发热", "咳嗽", "腹泻", "失眠", "胸闷", "心悸", "腰痛", "皮疹", "乏力", "恶心", "耳鸣"]
WHO = ["我", "孩子", "老人", "我妈妈", "我爸爸", "同事"]
DURATION = ["两天", "一周", "半个月", "三个月", "一年多"]
ADVICE = [
    "建议注意休息，多饮水，清淡饮食。",
    "如症状持续或加重，请及时到医院就诊。",
    "可在医生指导下短期使用对症药物。",
    "需要排除器质性疾病，建议完善相关检查。",
    "避免自行服用抗生素，注意观察体温变化。",
    "保持规律作息，适当运动，减少熬夜。",
]


def question(rng: random.Random, i: int) -> str:
    return (f"{rng.choice(WHO)}{rng.choice(SYMPTOMS)}{rng.choice(DURATION)}了，"
            f"还有{rng.choice(SYMPTOMS)}，这是怎么回事？应该怎么办？（编号{i}）")


def answer(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ADVICE) for _ in range(n))


def gen_pref(path: str, n: int) -> None:
    """n CMD(Reward) preference items, for the review-loop benchmark (scripts/bench.sh serve)."""
    rng = random.Random(20261201)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            rec = {"question": question(rng, i), "response_chosen": answer(rng, 5), "response_rejected": answer(rng, 2)}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def gen(folder: str) -> None:
    rng = random.Random(20261122)
    with open(f"{folder}/qa.jsonl", "w", encoding="utf-8") as f:
        for i in range(QA_ITEMS):
            conv = [{"from": "human", "value": question(rng, i)}, {"from": "gpt", "value": answer(rng, 4)}]
            f.write(json.dumps({"conversations": conv}, ensure_ascii=False) + "\n")
    with open(f"{folder}/pref.jsonl", "w", encoding="utf-8") as f:
        for i in range(PREF_ITEMS):
            rec = {"question": question(rng, i), "response_chosen": answer(rng, 5), "response_rejected": answer(rng, 1)}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def rows(path: str, kind: str):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        r = json.loads(line)
        if kind == "qa":
            yield n, r["conversations"][0]["value"], [r["conversations"][1]["value"]]
        else:
            yield n, r["question"], [r["response_chosen"], r["response_rejected"]]


def raw(db: str, path: str, kind: str) -> None:
    # The rows medpref writes: the same columns, a sha256 content hash per item (the
    # de-duplication key, as random as medpref's) and the candidates' positions. Parsed and
    # hashed before the clock starts: this times the store only.
    data = [(n, q, answers, hashlib.sha256("\x1f".join([q, *answers]).encode()).hexdigest())
            for n, q, answers in rows(path, kind)]
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA cache_size=-65536")  # as medpref's import connection (store::BULK_CACHE_KIB)
    start = time.perf_counter()
    con.execute("BEGIN")
    dataset = con.execute("INSERT INTO datasets (name, kind) VALUES (?, ?) RETURNING id",
                          (f"raw-{kind}", "correct" if kind == "qa" else "compare")).fetchone()[0]
    item_sql = """INSERT INTO items (dataset_id, source_line, content_hash, history, question, meta)
                  VALUES (?, ?, ?, '[]', ?, '{}') RETURNING id"""
    cand_sql = "INSERT INTO candidates (item_id, position, body) VALUES (?, ?, ?)"
    for n, q, answers, digest in data:
        item = con.execute(item_sql, (dataset, n, digest, q)).fetchone()[0]
        con.executemany(cand_sql, [(item, p, a) for p, a in enumerate(answers)])
    con.execute("COMMIT")
    print(f"{time.perf_counter() - start:.2f}")


def votes(db: str, dataset: str) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    users = []
    for name in ("bench1", "bench2", "bench3"):
        users.append(con.execute("INSERT INTO users (username, password_hash, role) VALUES (?, 'x', 'annotator') RETURNING id",
                                 (name,)).fetchone()[0])
    items = con.execute("""SELECT i.id, MIN(c.id), MAX(c.id) FROM items i JOIN candidates c ON c.item_id = i.id
                           JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? GROUP BY i.id""", (dataset,)).fetchall()
    rng = random.Random(7)
    for item, first, second in items:
        for user in users:
            a = con.execute("""INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at, counted)
                               VALUES (?, ?, ?, 'done', '2026-11-22T00:00:00Z', '2026-11-22T00:30:00Z', 1) RETURNING id""",
                            (item, user, json.dumps([first, second]))).fetchone()[0]
            winner = first if rng.random() < 0.8 else second
            con.execute("""INSERT INTO judgments (assignment_id, item_id, user_id, outcome, winner_id, shown_side, strength)
                           VALUES (?, ?, ?, 'decisive', ?, 'left', ?)""",
                        (a, item, user, winner, rng.choice(["slight", "clear", "strong"])))
    con.execute("COMMIT")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "raw":
        raw(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "pref":
        gen_pref(sys.argv[2], int(sys.argv[3]))
    elif cmd == "votes":
        votes(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
