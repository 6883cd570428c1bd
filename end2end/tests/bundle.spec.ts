// The browser bundle is split by screen (app/src/pages.rs, `cargo leptos build --split`): the
// clinicians' screens are in the main file, so a clinician on the compare screen downloads none of
// the admin, audit, generation or browsing screens' chunks; those arrive when someone opens them
// (issue 15).
import { expect, Page, test } from "@playwright/test";
import { login, open } from "./helpers";

/** The screens' chunks (`split___<screen>_view_…wasm`) the page has requested so far. */
function screensLoaded(page: Page): Set<string> {
  const screens = new Set<string>();
  page.on("request", (r) => {
    const m = new URL(r.url()).pathname.match(/\/split___([a-z_]+)_view_/);
    if (m) screens.add(m[1]);
  });
  return screens;
}

const ADMIN_SCREENS = ["admin", "dataset", "items", "item", "people", "reviewer", "generate", "audits", "agreement", "flag_queue"];

test("the compare screen loads no other screen's code, and works from the keyboard", async ({ page }) => {
  const screens = screensLoaded(page);
  await login(page, "split1");
  await open(page, "/review/split");
  expect([...screens], "screen chunks loaded on the compare screen").toEqual([]);
  // Hydrated from the main file alone: a vote by keyboard moves to the next item.
  await expect(page.locator("#progress")).toContainText("0 / 100");
  await page.keyboard.press("1");
  await page.keyboard.press("Enter");
  await expect(page.locator("#progress")).toContainText("1 / 100");
});

test("an admin's console arrives when it is opened, and a client-side route change loads the next screen", async ({ page }) => {
  const screens = screensLoaded(page);
  await login(page, "admin");
  expect(screens.has("admin")).toBe(false);
  await page.locator("#admin-link").click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.locator("main h1, main h2").first()).toBeVisible();
  expect(screens.has("admin")).toBe(true);
  for (const other of ADMIN_SCREENS.filter((s) => s !== "admin")) expect(screens.has(other), `${other} loaded on the console`).toBe(false);
});
