import { expect, test } from "@playwright/test";
import { login, open } from "./helpers";

test("vote three pairs with the keyboard only, without a page reload", async ({ page }) => {
  await login(page, "doctor2");
  await open(page, "/review/reward");
  await expect(page.locator(".answer")).toHaveCount(2);
  await expect(page.locator("#progress")).toContainText("0 / 100");
  // Survives only if no full page load happens between votes.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  const questions = new Set<string>();
  for (const [i, key] of ["1", "b", "x"].entries()) {
    const question = page.locator(".question .md");
    const before = await question.innerText();
    questions.add(before);
    await page.keyboard.press(key);
    await page.keyboard.press("Enter");
    await expect(page.locator("#progress")).toContainText(`${i + 1} / 100`);
    await expect(question).not.toHaveText(before);
  }
  expect(questions.size).toBe(3);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // The three judgments are stored: the home page counts them.
  await open(page, "/");
  await expect(page.locator("ul.datasets li", { hasText: "reward" })).toContainText("我已完成 3");
});

test("answers show their length and the side order differs from the source", async ({ page }) => {
  await login(page, "doctor1");
  await open(page, "/review/reward");
  const lengths = page.locator(".answer .len");
  await expect(lengths).toHaveCount(2);
  await expect(lengths.first()).toContainText("字");
});
