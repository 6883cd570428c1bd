import { expect, test } from "@playwright/test";
import { login, open, password, waitForHydration } from "./helpers";

test("a wrong password is refused and the user stays signed out", async ({ page }) => {
  await open(page, "/login");
  await waitForHydration(page);
  await page.locator('input[name="username"]').fill("doctor1");
  await page.locator('input[name="password"]').fill("definitely-not-it");
  await page.locator('button[type="submit"]').click();
  await expect(page.getByRole("alert")).toHaveText("用户名或密码错误。");
  await expect(page).toHaveURL(/\/login$/);
  const me = await page.evaluate(async () => (await fetch("/api/me", { method: "POST" })).json());
  expect(me).toBeNull();
});

test("sign in, see the datasets, sign out", async ({ page }) => {
  await login(page, "doctor1");
  await expect(page.locator("ul.datasets")).toContainText("reward");
  await page.locator("#sign-out").click();
  await expect(page).toHaveURL(/\/login$/);
  await open(page, "/");
  await expect(page).toHaveURL(/\/login$/);
});

test("the UI switches to English and back", async ({ page }) => {
  await open(page, "/login");
  await waitForHydration(page);
  await expect(page.locator("h1")).toHaveText("登录");
  await page.locator("#switch-language").click();
  await expect(page.locator("h1")).toHaveText("Sign in");
  await page.reload();
  await expect(page.locator("h1")).toHaveText("Sign in");
  // A click before the reloaded page hydrates would be lost.
  await waitForHydration(page);
  await page.locator("#switch-language").click();
  await expect(page.locator("h1")).toHaveText("登录");
});

test("an annotator cannot call import or export as server functions", async ({ page }) => {
  await login(page, "doctor3");
  const statuses = await page.evaluate(async () => {
    const post = (url: string, body: string) =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
    const imp = await post(
      "/api/import",
      "dataset=evil&format=cmd-reward&file_name=x.jsonl&content=" +
        encodeURIComponent('{"question":"q","response_chosen":"c","response_rejected":"r"}'),
    );
    const exp = await post("/api/export", "dataset=reward&format=trl-dpo");
    return [imp.status, await imp.json(), exp.status, await exp.json()];
  });
  expect(statuses).toEqual([403, "Forbidden", 403, "Forbidden"]);
  await open(page, "/");
  await expect(page.locator("ul.datasets")).not.toContainText("evil");
});
