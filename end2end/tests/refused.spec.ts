import { expect, Locator, test } from "@playwright/test";
import { login, open } from "./helpers";

// Three English words in a row: a sentence built on the server (issue 18, item 3).
const ENGLISH_SENTENCE = /[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}/;

async function saysInChinese(alert: Locator, expected: string) {
  await expect(alert).toContainText(expected);
  await expect(alert).not.toHaveText(ENGLISH_SENTENCE);
}

test("a refused action is explained in Chinese, with the value the admin typed", async ({ page }) => {
  await login(page, "admin");
  await open(page, "/admin");

  // A dataset whose name is taken.
  const datasetAlert = page.locator("section:has(#new-dataset) p.error");
  await page.locator("#new-dataset-name").fill("split");
  await page.locator("#create-dataset").click();
  await saysInChinese(datasetAlert, "名为 `split` 的数据集已存在");
  // A name the naming rule refuses.
  await page.locator("#new-dataset-name").fill("a/b");
  await page.locator("#create-dataset").click();
  await saysInChinese(datasetAlert, "数据集名称只能包含字母、数字");
  await expect(page).toHaveURL(/\/admin$/);

  // An endpoint with an address that hides a path behind `#`, then one with a bad name.
  const endpointAlert = page.locator("#models p.error");
  await page.locator("#endpoint-name").fill("gpu");
  await page.locator("#endpoint-url").fill("http://127.0.0.1:9/v1#x");
  await page.locator("#endpoint-model").fill("qwen");
  await page.locator("#save-endpoint").click();
  await saysInChinese(endpointAlert, "地址不能包含 `#` 部分");
  await page.locator("#endpoint-name").fill("gpu one");
  await page.locator("#endpoint-url").fill("http://127.0.0.1:9/v1");
  await page.locator("#save-endpoint").click();
  await saysInChinese(endpointAlert, "端点名称须为 1 至 64 个字母");
  await expect(page.locator("#endpoint-saved")).toHaveCount(0);

  // An account whose username is taken.
  await open(page, "/admin/people");
  await page.locator("#new-person-name").fill("admin");
  await page.locator("#create-person").click();
  await saysInChinese(page.locator("section.card:has(table.people) > p.error"), "用户名 `admin` 已被使用");
  await expect(page.locator("#new-password")).toHaveCount(0);
});
