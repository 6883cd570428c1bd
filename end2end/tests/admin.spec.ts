import { expect, Page, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { login, open, waitForHydration } from "./helpers";

const root = resolve(__dirname, "../..");
const SAMPLE = join(root, "fixtures/medicalgpt-reward-test-100.jsonl");

async function signIn(page: Page, name: string, password: string) {
  await page.goto("/login");
  await waitForHydration(page);
  await page.locator('input[name="username"]').fill(name);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await expect(page.locator("header .who")).toContainText(name);
}

/** Creates an account on the people page and returns the password shown once. */
async function addReviewer(page: Page, name: string): Promise<string> {
  await page.locator("#new-person-name").fill(name);
  await page.locator("#new-person-specialties").fill("心内科");
  await page.locator("#create-person").click();
  const shown = page.locator(`#new-password[data-user="${name}"] code`);
  await expect(shown).toHaveText(/^[A-Za-z0-9]{16}$/);
  return shown.innerText();
}

async function vote(page: Page, times: number) {
  await open(page, "/review/console");
  for (let i = 0; i < times; i++) {
    await page.keyboard.press(i % 3 === 2 ? "b" : "1");
    await page.keyboard.press("Enter");
    await expect(page.locator("#progress")).toContainText(`${i + 1} / 100`);
  }
}

test("an admin creates a dataset, uploads the sample, adds reviewers, watches them and downloads every format", async ({ browser, page }) => {
  test.setTimeout(240_000);
  await login(page, "admin");
  await page.locator("#admin-link").click();
  await waitForHydration(page);

  // A new compare dataset reviewed by two people per item.
  await page.locator("#new-dataset-name").fill("console");
  await page.locator("#new-dataset-overlap").fill("2");
  await page.locator("#new-dataset-department").fill("心内科");
  await page.locator("#create-dataset").click();
  await expect(page).toHaveURL(/\/admin\/datasets\/console$/);
  await waitForHydration(page);
  await expect(page.locator("#upload")).toContainText("MB");

  // A file with bad lines: every one is named, and nothing is imported.
  const bad = join(mkdtempSync(join(tmpdir(), "medpref-upload-")), "bad.jsonl");
  writeFileSync(bad, ['{"question":"q","response_chosen":"a","response_rejected":"b"}', "not json", '{"question":1}'].join("\n"));
  await page.locator("#upload-file").setInputFiles(bad);
  await page.locator("#upload-button").click();
  await expect(page.locator("#upload-errors li")).toHaveCount(2);
  await expect(page.locator('#upload-errors li[data-line="2"]')).toBeVisible();
  await expect(page.locator('#upload-errors li[data-line="3"]')).toBeVisible();
  // Each reason in Chinese, with the field named as the file has it (issue 16, item 4).
  await expect(page.locator('#upload-errors li[data-line="2"]')).toContainText("不是有效的 JSON");
  await expect(page.locator('#upload-errors li[data-line="3"]')).toContainText("字段 `question` 应为字符串，实际为数字");
  await expect(page.locator("#upload-errors")).not.toContainText(/invalid JSON|must be|found a/);
  await expect(page.locator("#figure-items b")).toHaveText("0");

  // The real sample: a progress bar while it goes, then the result.
  await page.locator("#upload-file").setInputFiles(SAMPLE);
  await page.locator("#upload-button").click();
  await expect(page.locator("#upload-result")).toHaveAttribute("data-added", "100");
  await expect(page.locator("#figure-items b")).toHaveText("100", { timeout: 10_000 });

  // Two reviewers, each with a password shown once.
  await open(page, "/admin/people");
  const pw1 = await addReviewer(page, "reviewer1");
  const pw2 = await addReviewer(page, "reviewer2");
  await expect(page.locator('tr[data-user="reviewer2"]')).toBeVisible();

  // They work in their own browsers while the admin watches the figures move.
  await open(page, "/admin/datasets/console");
  const ctx1 = await browser.newContext();
  const ctx2 = await browser.newContext();
  const r1 = await ctx1.newPage();
  const r2 = await ctx2.newPage();
  await signIn(r1, "reviewer1", pw1);
  await signIn(r2, "reviewer2", pw2);
  await vote(r1, 6);
  await vote(r2, 4);
  await expect(page.locator("#figure-decisions b")).toHaveText("10", { timeout: 15_000 });
  await expect(page.locator('#chart-reviewers g[data-label="reviewer1"]')).toHaveAttribute("data-value", "6");

  // Browsing: a Chinese substring finds the one item with it; the reviewer filter finds what they voted on.
  await page.locator("#items-link").click();
  await expect(page).toHaveURL(/\/admin\/datasets\/console\/items$/);
  await waitForHydration(page);
  await expect(page.locator("#item-total")).toHaveAttribute("data-total", "100");
  await expect(page.locator("#next-page")).toBeVisible();
  await page.locator("#search-text").fill("北京大学第三医院");
  await page.locator("#search").click();
  await expect(page).toHaveURL(/q=%E5%8C%97/);
  await expect(page.locator("#item-total")).toHaveAttribute("data-total", "1");
  await expect(page.locator("tr[data-item] mark")).toHaveText("北京大学第三医院");
  await page.locator("#search-text").fill("");
  await page.locator("#filter-reviewer").selectOption("reviewer1");
  await page.locator("#search").click();
  await expect(page.locator("#item-total")).toHaveAttribute("data-total", "6");
  await page.locator("#filter-state").selectOption("complete");
  await page.locator("#search").click();
  await expect(page).toHaveURL(/state=complete/);
  // Complete = judged by both; which of reviewer1's items reviewer2 also got varies: ask the API.
  const api = await page.request.post("/api/items", { form: { dataset: "console", state: "complete", reviewer: "reviewer1" } });
  const complete = (await api.json()).total;
  expect(complete).toBeLessThanOrEqual(4);
  await expect(page.locator("#item-total")).toHaveAttribute("data-total", String(complete));
  // An item's record: its judgments by both reviewers if complete, with its history.
  await page.locator("#filter-state").selectOption("");
  await page.locator("#search").click();
  await expect(page.locator("#item-total")).toHaveAttribute("data-total", "6");
  await page.locator("tr[data-item] a").first().click();
  await expect(page.locator("#item-record")).toBeVisible();
  await expect(page.locator("#item-judgments tr[data-judgment]").first()).toContainText("reviewer1");
  await expect(page.locator("#item-judgments")).toContainText(/回答 [12]|一样好|都不好/);
  await expect(page.locator('#item-history tr[data-action="judgment.create"]').first()).toBeVisible();
  await expect(page.locator('#item-history tr[data-action="import"]')).toHaveCount(1);
  await open(page, "/admin/datasets/console");

  // Every export format downloads, with its manifest.
  const dir = mkdtempSync(join(tmpdir(), "medpref-downloads-"));
  const formats = await page.locator("#export-format option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(formats.length).toBe(8);
  for (const format of formats) {
    await page.locator("#export-format").selectOption(format);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-button").click()]);
    expect(download.suggestedFilename()).toBe(`console.${format}.jsonl`);
    await download.saveAs(join(dir, download.suggestedFilename()));
    const row = page.locator(`tr[data-format="${format}"][data-finished="true"]`).first();
    await expect(row).toBeVisible({ timeout: 10_000 });
    const manifest = await page.request.get((await row.locator("a.manifest-link").getAttribute("href"))!);
    expect(manifest.ok()).toBeTruthy();
    writeFileSync(join(dir, `console.${format}.manifest.json`), await manifest.body());
  }
  // Hugging Face `datasets` loads each one and the trainers' rules hold on every record.
  const python = process.env.MEDPREF_PYTHON ?? join(homedir(), ".cache/medpref/venv/bin/python");
  const report = execFileSync(python, [join(root, "scripts/check_exports.py"), dir], { encoding: "utf8" });
  expect(report.match(/: ok/g)?.length).toBe(8);

  // Disabling a reviewer ends their session at once.
  await open(page, "/admin/people");
  await page.locator('tr[data-user="reviewer2"] button.disable').click();
  await expect(page.locator('tr[data-user="reviewer2"]')).toHaveAttribute("data-disabled", "true");
  await r2.goto("/review/console");
  await expect(r2).toHaveURL(/\/login/);
  await ctx1.close();
  await ctx2.close();
});

test("an upload in quarantine mode imports the good lines and offers the bad ones as a file", async ({ page }) => {
  await login(page, "admin");
  await open(page, "/admin");
  await page.locator("#new-dataset-name").fill("quarantine");
  await page.locator("#create-dataset").click();
  await expect(page).toHaveURL(/\/admin\/datasets\/quarantine$/);
  await waitForHydration(page);
  const file = join(mkdtempSync(join(tmpdir(), "medpref-upload-")), "crawled.jsonl");
  const good = (i: number) => JSON.stringify({ question: `问题${i}`, response_chosen: `回答${i}`, response_rejected: `差${i}` });
  writeFileSync(file, [good(1), "not json", '{"question":1}', good(2), good(3)].join("\n"));
  await page.locator("#upload-on-error").selectOption("quarantine");
  await page.locator("#upload-file").setInputFiles(file);
  await page.locator("#upload-button").click();
  await expect(page.locator("#upload-result")).toHaveAttribute("data-added", "3");
  await expect(page.locator("#upload-quarantined")).toHaveAttribute("data-quarantined", "2");
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#upload-rejects").click()]);
  const rejects = (await (await download.createReadStream()).toArray()).join("").trim().split("\n").map((l) => JSON.parse(l));
  expect(rejects.map((r) => r.line)).toEqual([2, 3]);
  expect(rejects[0].record).toBe("not json");
  await expect(page.locator("#figure-items b")).toHaveText("3", { timeout: 10_000 });
});
