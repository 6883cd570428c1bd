import { expect, test } from "@playwright/test";
import { login, open } from "./helpers";

test("an admin adds an endpoint; a clinician watches a regenerated answer stream in and adds it", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, "admin");
  await open(admin, "/admin");
  await admin.locator("#endpoint-name").fill("gpu");
  await admin.locator("#endpoint-url").fill(process.env.MEDPREF_E2E_UPSTREAM!);
  await admin.locator("#endpoint-model").fill("qwen2.5-7b-instruct");
  await admin.locator("#endpoint-key").fill("sk-e2e-secret");
  await admin.locator("#save-endpoint").click();
  await expect(admin.locator("#endpoint-saved")).toBeVisible();
  await expect(admin.locator('tr[data-endpoint="gpu"]')).toContainText("qwen2.5-7b-instruct");
  await expect(admin.locator("#local-models")).toHaveText("tiny");
  expect(await admin.content()).not.toContain("sk-e2e-secret");
  await open(admin, "/admin/datasets/stream");
  await admin.locator("#set-model").fill("gpu");
  await admin.locator("#set-temperature").fill("0.3");
  await admin.locator("#set-max-new-tokens").fill("256");
  await admin.locator("#save-settings").click();
  await expect(admin.locator("#settings-saved")).toBeVisible();
  await open(admin, "/admin/datasets/stream");
  await expect(admin.locator("#set-temperature")).toHaveValue("0.3");
  await expect(admin.locator("#set-max-new-tokens")).toHaveValue("256");

  const doctor = await (await browser.newContext()).newPage();
  await login(doctor, "doctor7");
  await open(doctor, "/review/stream");
  await expect(doctor.locator(".answer")).toHaveCount(2);
  await doctor.locator("#regenerate-button").click();
  const answer = doctor.locator("#generated-answer");
  // Part of the answer is on screen while the model is still writing.
  await expect(doctor.locator('#generated-answer[aria-busy="true"]')).toContainText("多喝水，");
  await expect(answer).not.toContainText("及时就医");
  await expect(answer).toHaveAttribute("data-draft", /\d+/);
  await expect(answer).toHaveText("多喝水，注意休息，体温超过三十九度或持续三天不退请及时就医。");
  await expect(doctor.locator("#regenerate")).toContainText("gpu");
  await doctor.locator("#add-generated").click();
  await expect(doctor.locator("#generated-added")).toHaveAttribute("data-items", "2");
  // The old pair is still there to judge, and the judgment goes through as before.
  await doctor.keyboard.press("1");
  await doctor.keyboard.press("Enter");
  await expect(doctor.locator("#progress")).toContainText("1 / 3");

  // Two new pairs for the dataset; the admin sees the item made from the old one.
  await open(admin, "/admin/datasets/stream");
  await expect(admin.locator("#overview")).toHaveAttribute("data-items", "5");
});

test("an admin runs best-of-N on the both-bad items and the new pairs appear in review", async ({ browser }) => {
  const doctor = await (await browser.newContext()).newPage();
  await login(doctor, "doctor8");
  await open(doctor, "/review/regen");
  await expect(doctor.locator("#regenerate-button")).toBeVisible();
  for (const [i, key] of ["x", "x", "1"].entries()) {
    await doctor.keyboard.press(key);
    await doctor.keyboard.press("Enter");
    await expect(doctor.locator("#progress")).toContainText(`${i + 1} / 3`);
  }

  const admin = await (await browser.newContext()).newPage();
  await login(admin, "admin");
  await open(admin, "/admin/datasets/regen");
  await admin.locator("#generate-link").click();
  await expect(admin.locator("#job-model")).toHaveText("tiny");
  await admin.locator("#job-n").fill("3");
  await admin.locator("#job-pairing").selectOption("worst");
  await admin.locator("#job-max-tokens").fill("48");
  await admin.locator("#job-start").click();
  await expect(admin.locator("#job-started")).toBeVisible();
  const job = admin.locator("tr.job").first();
  await expect(job).toHaveAttribute("data-items", "2");
  await expect(job).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  await expect(job).toHaveAttribute("data-created", "2");

  // The new pairs are in review: the doctor has two more items.
  await open(doctor, "/review/regen");
  await expect(doctor.locator("#progress")).toContainText("3 / 5");
  await expect(doctor.locator(".answer")).toHaveCount(2);
});
