// Starts the real medpref binary on a free port with a fresh database, creates accounts
// through the CLI and imports the real sample plus an XSS corpus. State for the tests
// goes into environment variables (inherited by the test workers).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const bin = process.env.MEDPREF_BIN ?? join(targetDir, "debug", "medpref");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

function medpref(dataDir: string, args: string[], input?: string) {
  return execFileSync(bin, ["--data-dir", dataDir, ...args], { input, encoding: "utf8" });
}

export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), "medpref-e2e-"));
  const accounts: Record<string, [string, string]> = {
    admin: ["admin", "e2e-admin-password-1"],
    doctor1: ["annotator", "e2e-doctor1-password"],
    doctor2: ["annotator", "e2e-doctor2-password"],
    doctor3: ["annotator", "e2e-doctor3-password"],
    doctor4: ["annotator", "e2e-doctor4-password"],
    doctor5: ["annotator", "e2e-doctor5-password"],
    doctor6: ["annotator", "e2e-doctor6-password"],
    doctor7: ["annotator", "e2e-doctor7-password"],
    doctor8: ["annotator", "e2e-doctor8-password"],
    doctor9: ["annotator", "e2e-doctor9-password"],
    doctor10: ["annotator", "e2e-doctor10-password"],
    doctor11: ["annotator", "e2e-doctor11-password"],
    auditor1: ["auditor", "e2e-auditor1-password"],
    fast1: ["annotator", "e2e-fast1-password-1"],
    split1: ["annotator", "e2e-split1-password-1"],
  };
  for (const [name, [role, password]] of Object.entries(accounts)) {
    medpref(dataDir, ["user", "add", "--role", role, name], password + "\n");
    process.env[`MEDPREF_E2E_PW_${name.toUpperCase()}`] = password;
  }
  medpref(dataDir, ["import", "--dataset", "reward", "--format", "cmd-reward", join(root, "fixtures/medicalgpt-reward-test-100.jsonl")]);
  medpref(dataDir, ["import", "--dataset", "xss", "--format", "cmd-reward", join(__dirname, "fixtures/xss.jsonl")]);
  // A dataset reviewed with every field: required ratings, rationale for strong votes, guidelines.
  medpref(dataDir, ["import", "--dataset", "full", "--format", "cmd-reward", join(root, "fixtures/medicalgpt-reward-test-100.jsonl")]);
  medpref(dataDir, [
    "dataset", "configure", "--dataset", "full", "--axes", "correctness!,safety!,empathy", "--rationale", "strong",
    "--guidelines", join(__dirname, "fixtures/guidelines.md"),
  ]);
  medpref(dataDir, ["import", "--dataset", "best-of-4", "--format", "candidates", join(__dirname, "fixtures/best-of-4.jsonl")]);
  medpref(dataDir, ["import", "--dataset", "sft", "--format", "sharegpt", join(root, "fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "sft", "--overlap", "1"]);
  // Datasets one fast reviewer works through alone (keystrokes across many items).
  medpref(dataDir, ["import", "--dataset", "fast", "--format", "cmd-reward", join(root, "fixtures/medicalgpt-reward-test-100.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "fast", "--overlap", "1"]);
  medpref(dataDir, ["import", "--dataset", "fastqa", "--format", "sharegpt", join(root, "fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "fastqa", "--overlap", "1"]);
  // Answers far longer than a screen, with rating axes: where the bar, the grid and the menu end up.
  const long = (who: string, i: number) =>
    Array.from({ length: 40 }, (_, p) => `${who}第${p + 1}段：头痛伴发热时应注意休息、补充水分，必要时就医。`).join("\n\n") + `（${i}）`;
  const longFile = join(dataDir, "long.jsonl");
  writeFileSync(longFile, [1, 2, 3, 4].map((i) => JSON.stringify({
    question: `长回答问题${i}：头痛发热怎么办？`, response_chosen: long("甲", i), response_rejected: long("乙", i),
  })).join("\n"));
  medpref(dataDir, ["import", "--dataset", "long", "--format", "cmd-reward", longFile]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "long", "--overlap", "1", "--axes", "correctness,safety"]);
  // The bundle split (bundle.spec.ts): a dataset of its own, so its leases take nothing from others.
  medpref(dataDir, ["import", "--dataset", "split", "--format", "cmd-reward", join(root, "fixtures/medicalgpt-reward-test-100.jsonl")]);
  // Bulk actions: flags by category, gold and exclusion on a selection (bulk.spec.ts).
  medpref(dataDir, ["import", "--dataset", "bulk", "--format", "cmd-reward", join(root, "fixtures/medicalgpt-reward-test-100.jsonl")]);
  // One pair with a phone number (found on import) and a name only a reviewer can spot.
  medpref(dataDir, ["import", "--dataset", "pii", "--format", "cmd-reward", join(__dirname, "fixtures/pii.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "pii", "--overlap", "1"]);

  // Generation: the tiny random-weight test model as the local model `tiny`, a dataset that
  // uses it, and a dataset an admin points at an OpenAI-compatible endpoint during the test.
  const python = process.env.MEDPREF_PYTHON ?? join(homedir(), ".cache/medpref/venv/bin/python");
  execFileSync(python, [join(root, "scripts/tiny_model.py"), join(dataDir, "models/tiny")]);
  medpref(dataDir, ["import", "--dataset", "regen", "--format", "cmd-reward", join(__dirname, "fixtures/regen.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "regen", "--overlap", "1", "--model", "tiny"]);
  medpref(dataDir, ["import", "--dataset", "stream", "--format", "cmd-reward", join(__dirname, "fixtures/regen.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "stream", "--overlap", "1"]);
  process.env.MEDPREF_E2E_UPSTREAM = await upstream();
  // A small dataset two reviewers judge and an auditor audits.
  medpref(dataDir, ["import", "--dataset", "audited", "--format", "cmd-reward", join(__dirname, "fixtures/regen.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "audited", "--overlap", "2"]);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ["--data-dir", dataDir, "serve", "--addr", `127.0.0.1:${port}`, "--models", join(dataDir, "models")], {
    env: { ...process.env, LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? join(root, "target/site"), RUST_LOG: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/login`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.MEDPREF_E2E_URL = url;
  process.env.MEDPREF_E2E_DATA = dataDir;
  writeFileSync(join(dataDir, "server.pid"), String(server.pid));
  process.env.MEDPREF_E2E_PID = String(server.pid);
}

/** A stand-in OpenAI-compatible chat-completions server that streams its answer slowly (as a
 *  GPU server does), so the test can see it arrive piece by piece. Returns its base address. */
async function upstream(): Promise<string> {
  const pieces = ["多喝水，", "注意休息，", "体温超过三十九度", "或持续三天不退请及时就医。"];
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      for (const [i, p] of pieces.entries()) {
        const finish = i === pieces.length - 1 ? "stop" : null;
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: p }, finish_reason: finish }] })}\n\n`);
        await new Promise((r) => setTimeout(r, 700));
      }
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  server.unref();
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
}
