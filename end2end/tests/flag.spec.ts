import { expect, test } from "@playwright/test";
import { exportFile, login, open } from "./helpers";

test("select a span, flag it, resolve it as admin, export with placeholders", async ({ browser }) => {
  const doctor = await browser.newPage();
  await login(doctor, "doctor6");
  await open(doctor, "/review/pii");

  // The phone number was found on import and is highlighted in the answer.
  const answer = doctor.locator('.answer .md:has-text("王小明")');
  await expect(answer.locator("mark.flag.cat-phone")).toHaveText("13812345678");

  // Select the patient's name with the mouse and flag it with F.
  await answer.locator("strong", { hasText: "王小明" }).selectText();
  await doctor.keyboard.press("f");
  await expect(doctor.locator("#flag-text")).toHaveValue("王小明");
  await doctor.locator("#flag-category").selectOption("name");
  await doctor.locator("#flag-save").click();
  await expect(doctor.locator('#flags li[data-kind="name"]')).toContainText("王小明");
  await expect(answer.locator("mark.flag.cat-name")).toHaveText("王小明");

  // Vote for that answer (whichever side it is on) and submit.
  const side = await answer.evaluate((el) => el.closest("article")!.getAttribute("data-answer"));
  await doctor.keyboard.press(side === "A" ? "1" : "2");
  await doctor.keyboard.press("w");
  await doctor.keyboard.press("Enter");
  await expect(doctor.locator("#progress")).toContainText("1 / 1");

  // The admin finds the item in the flag queue and redacts both spans.
  const admin = await browser.newPage();
  await login(admin, "admin");
  await admin.locator("#flags-link").click();
  await expect(admin).toHaveURL(/\/flags$/);
  const row = admin.locator("table.flag-queue tr", { hasText: "孩子发烧" });
  await row.locator("a").click();
  await expect(admin).toHaveURL(/\/flags\/\d+$/);
  const text = admin.locator(".flagged-text", { hasText: "王小明" });
  for (const kind of ["name", "phone"]) {
    await text.locator(`li[data-kind="${kind}"] input[type=checkbox]`).check();
  }
  await admin.locator("#redact").click();
  await expect(admin.locator(".flagged-text", { hasText: "〔姓名〕" })).toContainText("〔电话〕");
  await expect(admin.locator(".flagged-text", { hasText: "王小明" })).toHaveCount(0);

  const file = await exportFile(admin, "dataset=pii&format=trl-dpo");
  expect(file.summary.written).toBe(1);
  const [pair] = file.content.trim().split("\n").map((l: string) => JSON.parse(l));
  expect(pair.chosen).toBe("患儿**〔姓名〕**的情况需要复查血常规，可联系门诊电话〔电话〕预约。");
  expect(file.content).not.toContain("13812345678");
});
