import { rmSync } from "node:fs";

export default async function globalTeardown() {
  const pid = Number(process.env.MEDPREF_E2E_PID);
  if (pid) {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      /* already gone */
    }
  }
  if (process.env.MEDPREF_E2E_DATA) rmSync(process.env.MEDPREF_E2E_DATA, { recursive: true, force: true });
}
