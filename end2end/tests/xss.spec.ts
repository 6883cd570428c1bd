import { expect, test } from "@playwright/test";
import { login, open } from "./helpers";

// Imported answers carry script tags, event handlers, javascript: links, SVG, remote images
// and markdown-embedded HTML (fixtures/xss.jsonl). None may run or make a request.
test("imported XSS payloads neither run nor load anything", async ({ page }) => {
  const foreign: string[] = [];
  const dialogs: string[] = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.origin !== new URL(process.env.MEDPREF_E2E_URL!).origin) foreign.push(r.url());
  });
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });

  await login(page, "doctor1");
  await open(page, "/review/xss");
  for (let i = 0; i < 4; i++) {
    await expect(page.locator(".answer")).toHaveCount(2);
    // Raw HTML is shown as text, so the reviewer sees what the model wrote.
    const text = await page.locator("main").innerText();
    expect(text).toMatch(/<script>|<img|<svg|<iframe/);
    // Give any handler a chance to fire, then check nothing did.
    await page.locator(".answer").first().hover();
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await page.locator("main script, main img, main iframe, main svg, main object, main embed, main style").count()).toBe(0);
    const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const h of hrefs) expect(h ?? "").not.toMatch(/^\s*(javascript|data|vbscript):/i);
    await page.keyboard.press("3");
    await page.keyboard.press("Enter");
    if (i < 3) await expect(page.locator("#progress")).toContainText(`${i + 1} / 4`);
  }
  await expect(page.locator("#all-done")).toBeVisible();
  expect(dialogs).toEqual([]);
  expect(foreign).toEqual([]);
});
