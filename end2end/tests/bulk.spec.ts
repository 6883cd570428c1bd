import { expect, test } from "@playwright/test";
import { exportFile, login, open } from "./helpers";

// Issue 16, items 7 and 9: what an admin does to many items or spans at once, in the browser.

test("dismiss a whole category after its preview, and stop one category gating a dataset", async ({ page }) => {
  await login(page, "admin");
  await open(page, "/flags");
  await expect(page.locator("#bulk-pick")).toBeVisible();
  await page.locator("#filter-dataset").selectOption("bulk");
  const hospital = page.locator('#bulk-flags tr[data-category="hospital"]');
  await expect(hospital.locator(".count")).toHaveText("5");

  // The first click only previews; the second does it.
  await hospital.locator('button[data-bulk="dismiss"]').click();
  await expect(hospital.locator(".confirm-bulk")).toContainText("将驳回 5 · 医院");
  await hospital.locator('button[data-do="yes"]').click();
  await expect(page.locator("#bulk-message")).toHaveText("已处理片段： 5");
  await expect(hospital.locator(".count")).toHaveText("0");
  await expect(hospital.locator('button[data-bulk="dismiss"]')).toBeDisabled();

  // URLs stop gating this dataset: the switch says so, and the manifest lists it.
  const url = page.locator('#bulk-flags tr[data-category="url"]');
  await expect(url.locator("input[data-gates]")).toBeChecked();
  await url.locator("input[data-gates]").uncheck();
  await expect(url.locator("label")).toContainText("不拦截");
  // The choice is in the address: a reload shows the same panel, the switch still off.
  await expect(page).toHaveURL(/\/flags\?dataset=bulk$/);
  await page.reload();
  await expect(page.locator('#bulk-flags tr[data-category="url"] input[data-gates]')).not.toBeChecked();
  const file = await exportFile(page, "dataset=bulk&format=trl-dpo&source=votes");
  expect(file.manifest.ungated_categories).toEqual(["url"]);
  await page.screenshot({ path: "test-results/bulk-flags.png", fullPage: true });
});

test("mark a selection gold from the browse list, unmark one on its record, exclude another", async ({ page }) => {
  await login(page, "admin");
  await open(page, "/admin/datasets/bulk/items");
  const rows = page.locator("table.items-table tbody tr");
  await expect(rows).toHaveCount(50);
  await rows.nth(0).locator("input.pick").check();
  await rows.nth(1).locator("input.pick").check();
  await expect(page.locator("#selected-count")).toContainText("2");
  await page.locator("#gold-answer").selectOption("tie");
  await page.locator("#mark-gold").click();
  await expect(page.locator("#items-message")).toHaveText("已处理条目： 2");
  await expect(rows.nth(0).locator(".badge")).toHaveText("金标准");
  await expect(rows.nth(1).locator(".badge")).toHaveText("金标准");
  await expect(page.locator("#selected-count")).toContainText("0");
  await page.screenshot({ path: "test-results/bulk-items.png", fullPage: false });

  // On the first item's record: unmark it, then exclude it.
  await rows.nth(0).locator("a").click();
  await expect(page.locator("#item-gold")).toBeVisible();
  await page.locator("#unmark-gold").click();
  await expect(page.locator("#item-gold")).toHaveCount(0);
  page.once("dialog", (d) => d.accept());
  await page.locator("#exclude-items").click();
  await expect(page.locator("#item-excluded")).toBeVisible();
  await expect(page.locator("#item-controls")).toHaveCount(0);
});
