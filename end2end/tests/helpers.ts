import { expect, Page } from "@playwright/test";

export function password(name: string): string {
  const pw = process.env[`MEDPREF_E2E_PW_${name.toUpperCase()}`];
  if (!pw) throw new Error(`no password for ${name}`);
  return pw;
}

/** Signs in through the login form and waits for the home page. */
export async function login(page: Page, name: string) {
  await page.goto("/login");
  await waitForHydration(page);
  await page.locator('input[name="username"]').fill(name);
  await page.locator('input[name="password"]').fill(password(name));
  await page.locator('button[type="submit"]').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator("header .who")).toContainText(name);
}

/** Waits until the WebAssembly has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true");
}

/** Goes to a page and waits until it is interactive (keys pressed earlier would be lost). */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await waitForHydration(page);
}

/** Downloads an export as the browser's form does, with its manifest: `{content, summary, manifest}`. */
export async function exportFile(page: Page, body: string) {
  return page.evaluate(async (body) => {
    const res = await fetch("/api/export", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    const content = await res.text();
    const manifest = await (await fetch(`/api/export_part?id=${res.headers.get("x-medpref-export")}&part=manifest`)).json();
    return { content, summary: manifest.counts, manifest };
  }, body);
}
