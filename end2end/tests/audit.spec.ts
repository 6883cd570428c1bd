import { expect, Page, test } from "@playwright/test";
import { login, open } from "./helpers";

/** Votes every item of the dataset with one key (3 = tie, x = both bad). */
async function judgeAll(page: Page, key: string) {
  await open(page, "/review/audited");
  for (let i = 1; i <= 3; i++) {
    await page.keyboard.press(key);
    await page.keyboard.press("Enter");
    await expect(page.locator("#progress")).toContainText(`${i} / 3`);
  }
}

test("an auditor draws a sample, re-labels it blind and reads the report and the agreement page", async ({ browser }) => {
  const tie = await (await browser.newContext()).newPage();
  await login(tie, "doctor9");
  await judgeAll(tie, "3");
  const bad = await (await browser.newContext()).newPage();
  await login(bad, "doctor10");
  await judgeAll(bad, "x");

  const page = await (await browser.newContext()).newPage();
  await login(page, "auditor1");
  await page.locator("#audit-link").click();
  await expect(page).toHaveURL(/\/audit$/);
  await page.locator("#audit-dataset").selectOption("audited");
  await page.locator("#audit-design").selectOption("reviewer");
  await page.locator("#audit-n").fill("3");
  await page.locator("#audit-seed").fill("7");
  await page.locator("#audit-draw").click();
  await expect(page.locator("#audit-created")).toBeVisible();
  await page.locator("#audit-created a").click();

  // Blind: the review screen without anyone's earlier decision; the auditor says both bad,
  // and flags the first item as unsafe (in the audit only: the reviewers never flagged it).
  for (let i = 0; i < 3; i++) {
    await expect(page.locator("#audit-progress")).toHaveAttribute("data-decided", String(i));
    await expect(page.locator(".answer")).toHaveCount(2);
    await expect(page.locator("body")).not.toContainText("doctor9");
    if (i === 0) {
      await page.keyboard.press("f");
      await page.locator("#flag-scope").selectOption("item");
      await page.locator("#flag-severity").selectOption("severe");
      await page.locator("#flag-save").click();
      await expect(page.locator('#flags li[data-kind="unsafe"]')).toBeVisible();
    }
    await page.keyboard.press("x");
    await page.keyboard.press("Enter");
  }
  await expect(page.locator("#audit-all-decided")).toBeVisible();

  await page.getByRole("link", { name: "结果" }).first().click();
  const report = page.locator("#audit-report");
  await expect(report).toHaveAttribute("data-decisions", "6");
  await expect(report).toHaveAttribute("data-errors", "3");
  await expect(page.locator("#audit-error-rate")).toContainText("0.50");
  await expect(page.locator('#audit-reviewers g[data-label="doctor9"]')).toHaveAttribute("data-value", "1.0000");
  await expect(page.locator('#audit-reviewers g[data-label="doctor10"]')).toHaveAttribute("data-value", "0.0000");
  await expect(page.locator("tr.audited-item.disagree")).toHaveCount(3);
  await expect(page.locator("#audit-flags-missed")).toHaveAttribute("data-k", "1");
  await expect(page.locator("#audit-flags-missed")).toHaveAttribute("data-n", "3");
  await expect(page.locator("tr.audited-item.flags-differ .flags-missed")).toHaveCount(1);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), await page.locator("#audit-csv").getAttribute("href"));
  expect(csv.split("\n")[0]).toBe("position,item,stratum,question,auditor,reviewer,reviewer_decision,agrees,auditor_flags,team_flags");

  // The agreement page of the same dataset: two reviewers who never agree.
  await open(page, "/audit/datasets/audited");
  await expect(page.locator("#reliability")).toBeVisible();
  await expect(page.locator("#fleiss")).not.toHaveText("");
  await expect(page.locator('tr.reviewer-bias[data-reviewer="doctor9"]')).toBeVisible();
  // Speed against agreement: a point per reviewer.
  await expect(page.locator('#chart-speed g.point[data-label="doctor10"]')).toBeVisible();
  await expect(page.locator("#model-vs-clinicians")).toContainText("没有带分数的回答");
});
