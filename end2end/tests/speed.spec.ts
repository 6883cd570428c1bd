// A clinician who works fast starts on the next item the moment it appears. Every key typed
// then must land: the prefetched item is shown at once and the queue reload that follows
// must not rebuild the form under the reviewer's fingers (issue 16, item 5).
import { expect, Page, test } from "@playwright/test";
import { login, open } from "./helpers";

const ITEMS = 30;

/** Waits (checking every frame) until an item other than `previous` is on screen; its assignment. */
async function nextItem(page: Page, previous: string | null): Promise<string> {
  const handle = await page.waitForFunction(
    (previous) => {
      const shown = document.querySelector(".review[data-assignment]")?.getAttribute("data-assignment");
      return shown && shown !== previous ? shown : null;
    },
    previous,
    { polling: "raf" },
  );
  return (await handle.jsonValue()) as string;
}

async function call(page: Page, endpoint: string, body: string) {
  return page.evaluate(
    async ([endpoint, body]) => {
      const res = await fetch(`/api/${endpoint}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body,
      });
      return res.json();
    },
    [endpoint, body],
  );
}

test("compare: keys typed the moment each of 30 items appears all land", async ({ page }) => {
  await login(page, "fast1");
  await open(page, "/review/fast");
  let shown: string | null = null;
  for (let i = 0; i < ITEMS; i++) {
    shown = await nextItem(page, shown);
    // No waiting: vote, strength, the rationale field, a rationale, Ctrl+Enter.
    await page.keyboard.press(i % 2 ? "a" : "b");
    await page.keyboard.press("e");
    await page.keyboard.press("n");
    await page.keyboard.type(`理由${i}号`);
    await page.keyboard.press("Control+Enter");
  }
  await expect(page.locator("#progress")).toContainText(`${ITEMS} / 100`);
  const lines: any[] = await call(page, "my_judgments", "dataset=fast");
  expect(lines).toHaveLength(ITEMS);
  const rationales = lines.map((l) => l.judgment.rationale).sort();
  expect(rationales).toEqual([...Array(ITEMS).keys()].map((i) => `理由${i}号`).sort());
  for (const l of lines) expect(l.judgment.decision.Pairwise.strength).toBe("strong");
});

test("correct: keys typed the moment each of 30 items appears all land", async ({ page }) => {
  await login(page, "fast1");
  await open(page, "/correct/fastqa");
  let shown: string | null = null;
  for (let i = 0; i < ITEMS; i++) {
    shown = await nextItem(page, shown);
    // Edit: E opens the editor, append a sentence, leave it, reason 5 (incomplete), submit.
    await page.keyboard.press("e");
    await page.keyboard.press("Control+End");
    await page.keyboard.type(`补充第${i}条。`);
    await page.keyboard.press("Escape");
    await page.keyboard.press("5");
    await page.keyboard.press("Enter");
  }
  await expect(page.locator("#progress")).toContainText(`${ITEMS} / 1000`);
  const lines: any[] = await call(page, "my_corrections", "dataset=fastqa");
  expect(lines).toHaveLength(ITEMS);
  const added = lines.map((l) => (l.correction.correction.Edit.answer as string).match(/补充第(\d+)条。$/)?.[1]);
  const missed = lines.filter((l, i) => added[i] === undefined).map((l) => (l.correction.correction.Edit.answer as string).slice(-60));
  expect(missed, "answers without the sentence typed").toEqual([]);
  expect(added.map(Number).sort((a, b) => a - b)).toEqual([...Array(ITEMS).keys()]);
  for (const l of lines) expect(l.correction.reasons).toEqual(["incomplete"]);
});
