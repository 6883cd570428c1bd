import { expect, Page, test } from "@playwright/test";
import { exportFile, login, open } from "./helpers";

async function exportAs(page: Page, format: string, source = "votes") {
  return exportFile(page, `dataset=sft&format=${format}&source=${source}`);
}

test("correct an answer with reasons, see the diff, submit; it reaches the SFT and preference exports", async ({ browser }) => {
  const doctor = await browser.newPage();
  await login(doctor, "doctor3");
  await open(doctor, "/correct/sft");
  const original = await doctor.locator(".original .md").innerText();
  expect(original.length).toBeGreaterThan(0);

  // Accept the first pair by keyboard: A, Enter.
  await doctor.keyboard.press("a");
  await doctor.keyboard.press("Enter");
  await expect(doctor.locator("#progress")).toContainText("1 / 1000");

  // Edit the second: E focuses the editor, which starts from the original answer.
  const second = await doctor.locator(".original .md").innerText();
  await doctor.keyboard.press("e");
  await expect(doctor.locator("#corrected")).toBeFocused();
  await doctor.keyboard.press("End");
  await doctor.keyboard.type("如症状加重，请及时就医。");
  await doctor.keyboard.press("Escape");
  // The diff shows exactly the addition, as one change.
  await expect(doctor.locator("#diff ins")).toHaveText("如症状加重，请及时就医。");
  await expect(doctor.locator("#diff h3")).toContainText("1 处修改");
  // Without a reason the form refuses, in Chinese.
  await doctor.keyboard.press("Enter");
  await expect(doctor.getByRole("alert")).toHaveText("请至少选择一个原因。");
  await doctor.keyboard.press("5"); // incomplete
  await expect(doctor.locator('button[data-reason="incomplete"]')).toHaveClass(/selected/);
  await doctor.keyboard.press("Enter");
  await expect(doctor.locator("#progress")).toContainText("2 / 1000");
  await expect(doctor.locator(".original .md")).not.toHaveText(second);

  const admin = await browser.newPage();
  await login(admin, "admin");
  const sft = await exportAs(admin, "sft-sharegpt");
  const records = sft.content.trim().split("\n").map((l: string) => JSON.parse(l));
  expect(records).toHaveLength(2);
  expect(records[1].conversations[1].value).toContain("如症状加重，请及时就医。");
  const pairs = await exportAs(admin, "trl-dpo", "corrections");
  const [pair] = pairs.content.trim().split("\n").map((l: string) => JSON.parse(l));
  expect(pair.chosen).toContain("如症状加重，请及时就医。");
  expect(pair.chosen.startsWith(pair.rejected.trim().slice(0, 10))).toBe(true);
  expect(pairs.summary.left_out).toMatchObject({ style_only: 0, not_corrected: 1, disputed: 0, flagged: 0, unsafe: 0, gold: 0 });
});
