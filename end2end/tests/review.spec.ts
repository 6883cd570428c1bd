import { expect, Page, test } from "@playwright/test";
import { login, open } from "./helpers";

async function myJudgments(page: Page, dataset: string) {
  return page.evaluate(async (d) => {
    const res = await fetch("/api/my_judgments", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "dataset=" + encodeURIComponent(d),
    });
    return res.json();
  }, dataset);
}

test("judge an item fully by keyboard: vote, strength, ratings, rationale, submit", async ({ page }) => {
  await login(page, "doctor4");
  await open(page, "/review/full");
  await expect(page.locator(".answer")).toHaveCount(2);
  const firstQuestion = await page.locator(".question .md").innerText();

  await page.keyboard.press("1"); // A is better
  await expect(page.locator('button[data-vote="a"]')).toHaveClass(/selected/);
  await page.keyboard.press("e"); // much better
  await expect(page.locator('button[data-strength="strong"]')).toHaveAttribute("aria-checked", "true");
  // Submitting now must fail: required ratings are missing, and it says so in Chinese.
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert")).toContainText("请为回答 1 评分");
  // R enters the grid: correctness A, correctness B, safety A, safety B, empathy A, empathy B.
  await page.keyboard.press("r");
  for (const d of ["5", "2", "4", "1"]) await page.keyboard.press(d);
  await page.keyboard.press("Escape"); // empathy is optional
  // A strong vote needs a rationale here.
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert")).toContainText("理由");
  await page.keyboard.press("n");
  await page.keyboard.type("B 建议的药物剂量过高");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Enter");

  await expect(page.locator(".question .md")).not.toHaveText(firstQuestion);
  await expect(page.locator("#progress")).toContainText("1 / 100");
  const [j] = await myJudgments(page, "full");
  expect(j.judgment.decision).toEqual({ Pairwise: { vote: "a", strength: "strong" } });
  expect(j.judgment.rationale).toBe("B 建议的药物剂量过高");
  const ratings = Object.fromEntries(j.judgment.ratings.map((r: any) => [`${r.answer}:${r.axis}`, r.value]));
  expect(ratings).toEqual({ "0:correctness": 5, "1:correctness": 2, "0:safety": 4, "1:safety": 1 });
});

test("rank a four-answer item by keyboard and by dragging", async ({ page }) => {
  await login(page, "doctor4");
  await open(page, "/review/best-of-4");
  await expect(page.locator(".answer")).toHaveCount(4);
  await expect(page.locator(".order-list li")).toHaveCount(4);
  // Digits rank the focused answer and move on: answers 1..4 get ranks 2, 1, 4, 3.
  for (const d of ["2", "1", "4", "3"]) await page.keyboard.press(d);
  await expect(page.locator(".order-list li").first()).toContainText("回答 2");
  // Drag answer 1 (rank 2) onto the first place: it becomes rank 1, answer 2 rank 2.
  await page.locator('.order-list li[data-answer="1"]').dragTo(page.locator('.order-list li[data-answer="2"]'));
  await expect(page.locator(".order-list li").first()).toContainText("回答 1");
  await page.keyboard.press("Enter");
  await expect(page.locator("#progress")).toContainText("1 / 3");
  const [j] = await myJudgments(page, "best-of-4");
  expect(j.judgment.decision).toEqual({ Ranking: { ranks: [1, 2, 4, 3] } });
});

test("change a previous judgment from the history", async ({ page }) => {
  await login(page, "doctor5");
  await open(page, "/review/reward");
  await expect(page.locator(".answer")).toHaveCount(2);
  await page.keyboard.press("1");
  await page.keyboard.press("Enter");
  await expect(page.locator("#progress")).toContainText("1 / 100");
  // U opens the judgment just made, as it was made.
  await page.keyboard.press("u");
  await expect(page).toHaveURL(/\/review\/reward\/judgment\/\d+$/);
  await expect(page.locator('button[data-vote="a"]')).toHaveClass(/selected/);
  await page.keyboard.press("x"); // both bad
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/review\/reward\/history$/);
  await expect(page.locator(".history-table td.decision").first()).toHaveText("都不好");
  const [j] = await myJudgments(page, "reward");
  expect(j.judgment.decision).toEqual({ Pairwise: { vote: "both_bad", strength: null } });
});

test("skip with a reason, and open the help and guidelines by key", async ({ page }) => {
  await login(page, "doctor5");
  await open(page, "/review/full");
  await expect(page.locator(".answer")).toHaveCount(2);
  const before = await page.locator(".question .md").innerText();
  await page.keyboard.press("s");
  await expect(page.locator(".skip-menu")).toBeVisible();
  await page.keyboard.press("2"); // can't judge
  await expect(page.locator(".question .md")).not.toHaveText(before);
  await expect(page.locator("#progress")).toContainText("0 / 99");

  await page.keyboard.press("?");
  await expect(page.locator("#keys-help")).toContainText("修改上一条评判");
  await page.keyboard.press("Escape");
  await expect(page.locator("#keys-help")).toHaveCount(0);
  await page.keyboard.press("g");
  await expect(page.locator("#guidelines")).toContainText("医学正确性");
});
