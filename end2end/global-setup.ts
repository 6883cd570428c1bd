// Starts the real medpref binary on a free port with a fresh database, creates accounts
// through the CLI and imports the real sample plus an XSS corpus. State for the tests
// goes into environment variables (inherited by the test workers).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
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
  // One pair with a phone number (found on import) and a name only a reviewer can spot.
  medpref(dataDir, ["import", "--dataset", "pii", "--format", "cmd-reward", join(__dirname, "fixtures/pii.jsonl")]);
  medpref(dataDir, ["dataset", "configure", "--dataset", "pii", "--overlap", "1"]);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ["--data-dir", dataDir, "serve", "--addr", `127.0.0.1:${port}`], {
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
