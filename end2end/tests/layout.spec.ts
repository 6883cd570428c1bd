// Long answers: the submit bar stays on screen, a new item starts at its question, and what a
// key opens (the rating grid, the skip menu) comes into view (issue 16, item 6).
import { expect, Page, test } from "@playwright/test";
import { login, open } from "./helpers";

async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
  });
}

test("long answers: the bar stays in view, R and S show what they open, the next item starts at the top", async ({ page }) => {
  await login(page, "fast1");
  await open(page, "/review/long");
  const height = await page.evaluate(() => document.body.scrollHeight);
  expect(height).toBeGreaterThan(3 * (page.viewportSize()?.height ?? 720));
  // At the top of a long item the submit bar is already on screen (sticky), and stays when scrolled.
  expect(await inViewport(page, "#submit")).toBe(true);
  await page.mouse.wheel(0, 1500);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(1000);
  expect(await inViewport(page, "#submit")).toBe(true);
  // R opens the rating grid: it is brought into view wherever the page is scrolled.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.keyboard.press("r");
  await expect.poll(() => inViewport(page, ".review .ratings")).toBe(true);
  await page.keyboard.press("Escape");
  // S opens the skip menu, on screen.
  await page.keyboard.press("s");
  await expect.poll(() => inViewport(page, ".review .skip-menu")).toBe(true);
  await page.keyboard.press("Escape");
  // Vote from far down the page: the next item starts at its question.
  await page.mouse.wheel(0, 2500);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(1000);
  const first = await page.locator(".question .md").innerText();
  await page.keyboard.press("a");
  await page.keyboard.press("Enter");
  await expect(page.locator(".question .md")).not.toHaveText(first);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  expect(await inViewport(page, ".question")).toBe(true);
});
