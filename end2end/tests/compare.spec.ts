import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  // The source's lengths of each pair (chosen first), to tell which side the chosen answer is on.
  const fixture = readFileSync(join(__dirname, "../../fixtures/medicalgpt-reward-test-100.jsonl"), "utf8");
  const chars = (s: string) => [...s.trim()].length;
  const pairs = fixture
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .map((r) => [chars(r.response_chosen), chars(r.response_rejected)]);
  await login(page, "doctor11");
  await open(page, "/review/reward");
  const lengths = page.locator(".answer .len");
  await expect(lengths).toHaveCount(2);
  await expect(lengths.first()).toContainText("字");

  let [chosenLeft, chosenRight] = [0, 0];
  for (let i = 0; i < 20; i++) {
    const shown = (await lengths.allInnerTexts()).map((t) => parseInt(t, 10));
    const fits = pairs.filter(([c, r]) => c !== r && ((c === shown[0] && r === shown[1]) || (c === shown[1] && r === shown[0])));
    const sides = new Set(fits.map(([c]) => (c === shown[0] ? "left" : "right")));
    if (sides.size === 1) {
      if (sides.has("left")) chosenLeft++;
      else chosenRight++;
    }
    const question = await page.locator(".question .md").innerText();
    await page.keyboard.press("1");
    await page.keyboard.press("Enter");
    await expect(page.locator(".question .md")).not.toHaveText(question);
  }
  // Drawn at random per reviewer and item: over 20 items both orders appear (all on one side by
  // chance: about 2 in a million), and the source's order is not simply kept.
  expect(chosenLeft + chosenRight).toBeGreaterThanOrEqual(15);
  expect(chosenLeft).toBeGreaterThan(0);
  expect(chosenRight).toBeGreaterThan(0);
});
