// Cold-cache page loads of a review screen in Chromium (scripts/page-timing.sh runs it against a
// release server). Each load gets a fresh browser context, so nothing is cached. Prints, per
// screen: bytes transferred by kind (HTML, JS, wasm, CSS; compressed, as sent), the moment the first
// item's question is on screen and the moment the page is interactive (hydrated), from navigation
// start, as median and worst of the loads.
import { chromium } from "@playwright/test";

const [base, user, password, loads = "5", ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});

// Runs before any page script: notes the first animation frame in which the question exists and
// the first in which the body carries the hydration mark (lib.rs sets it once hydrated).
const probe = () => {
  const t = (window.__timing = {});
  const tick = () => {
    const now = performance.now();
    if (t.visible === undefined && document.querySelector(".question .md")) t.visible = now;
    if (t.interactive === undefined && document.body?.dataset.hydrated === "true") t.interactive = now;
    if (t.visible === undefined || t.interactive === undefined) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

function kind(url) {
  const path = new URL(url).pathname;
  if (path.endsWith(".wasm")) return "wasm";
  if (path.endsWith(".js")) return "js";
  if (path.endsWith(".css")) return "css";
  return "other";
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const path of paths) {
  const runs = [];
  for (let i = 0; i < Number(loads); i++) {
    const context = await browser.newContext({ baseURL: base, locale: "zh-CN" });
    const signIn = await context.request.post("/api/login", {
      form: { username: user, password },
      headers: { origin: base },
    });
    if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()}`);
    const page = await context.newPage();
    await page.addInitScript(probe);
    const bytes = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const kinds = new Map();
    cdp.on("Network.responseReceived", (e) => kinds.set(e.requestId, e.type === "Document" ? "html" : kind(e.response.url)));
    cdp.on("Network.loadingFinished", (e) => {
      const k = kinds.get(e.requestId) ?? "other";
      bytes[k] += e.encodedDataLength;
    });
    const response = await page.goto(path);
    if (!response.ok()) throw new Error(`${path}: HTTP ${response.status()}`);
    await page.waitForFunction(() => window.__timing.visible !== undefined && window.__timing.interactive !== undefined, null, { timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    const timing = await page.evaluate(() => window.__timing);
    runs.push({ ...timing, ...bytes });
    await context.close();
  }
  const kb = (k) => (median(runs.map((r) => r[k])) / 1024).toFixed(1);
  const bundle = median(runs.map((r) => r.js + r.wasm + r.css));
  console.log(
    `${path}: JS+wasm+CSS ${(bundle / 1024).toFixed(1)} KB (wasm ${kb("wasm")}, js ${kb("js")}, css ${kb("css")}; html ${kb("html")})` +
      `  first item visible ${median(runs.map((r) => r.visible)).toFixed(0)} ms (worst ${Math.max(...runs.map((r) => r.visible)).toFixed(0)})` +
      `  interactive ${median(runs.map((r) => r.interactive)).toFixed(0)} ms (worst ${Math.max(...runs.map((r) => r.interactive)).toFixed(0)})` +
      `  loads ${runs.length}`,
  );
}
await browser.close();
