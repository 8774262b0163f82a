import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@awo/testkit';
import { ensureConsoleBuilt, launchChromium, noBrowser, screenshotPath } from './browser.js';
import { Demo, OPERATOR_TOKEN, VIEWER_TOKEN } from './stack.js';
import { startApi, type RunningApi } from './api.js';

// The console in headless Chromium against the real API server, over real agents on a real
// Redis. Skipped only when Debian's chromium is not installed (.ci/run installs it).

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('token-form').locator('input[name=token]').fill(token);
  await page.getByTestId('token-form').locator('button[type=submit]').click();
  await page.getByTestId('live-state').filter({ hasText: /^live$/ }).waitFor({ timeout: 15_000 });
}

/** The agents of a demo in `mode` and the API over them, started before the block's tests and stopped after. */
function runningStack(mode: 'apply' | 'propose'): { demo: Demo; api: RunningApi } {
  const stack = {} as { demo: Demo; api: RunningApi };
  beforeAll(async () => {
    stack.demo = new Demo(mode);
    await stack.demo.start();
    stack.api = await startApi(stack.demo);
  }, 60_000);
  afterAll(async () => {
    await stack.api?.close();
    await stack.demo?.stop();
  }, 60_000);
  return stack;
}

describe.skipIf(noBrowser !== undefined)(`the console (${noBrowser ?? 'chromium'})`, () => {
  let browser: Browser;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe('over a running autoscale demo', () => {
    const stack = runningStack('apply');

    it('loads: the token form, then every panel, live on the events stream', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        const res = await page.goto(stack.api.url);
        expect(res?.status()).toBe(200);
        expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
        await expect(page.title()).resolves.toBe('awo console');
        await signIn(page, stack.api.url, VIEWER_TOKEN);
        for (const panel of ['goals', 'revisions', 'steering', 'actions', 'dag']) await page.getByTestId(panel).waitFor();
        await page.getByTestId('dag-step').filter({ hasText: 'work' }).waitFor();
        await page.locator('[data-testid=goal][data-goal=wait] canvas').first().waitFor();
        await expect(page.getByTestId('plan-version').textContent()).resolves.toMatch(/^plan v\d+$/);
        // The token is kept for this tab only.
        await expect(page.evaluate("sessionStorage.getItem('awo.console.token')")).resolves.toBe(VIEWER_TOKEN);
        await page.screenshot({ path: screenshotPath('loaded'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);

    it('shows a revision the running demo makes, live, with its diff and its why', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      try {
        await signIn(page, stack.api.url, VIEWER_TOKEN);
        const before = await stack.demo.store.currentVersion();
        stack.demo.startLoad();
        await waitFor(async () => (await stack.demo.store.currentVersion()) > before, 'a scale-up revision by the planner', 30_000, 100);
        const version = before + 1;
        const stored = await stack.demo.store.revision(version);
        expect(stored?.revision.reason).toMatch(/arrival forecast/);
        // No reload: the revision arrives through the events stream.
        const row = page.locator(`[data-testid=revision][data-version="${version}"]`);
        await row.waitFor({ timeout: 15_000 });
        await row.locator('button.row').click();
        const detail = row.getByTestId('revision-detail');
        await detail.locator('.diff li').first().waitFor();
        await expect(detail.locator('.diff').textContent()).resolves.toContain('work.concurrency');
        await expect(detail.locator('.why').textContent()).resolves.toContain(stored?.revision.reason ?? '(none)');
        await page.screenshot({ path: screenshotPath('revision'), fullPage: true });
        // The action that applied it, its result, and its trace as a waterfall.
        const action = page.getByTestId('action').filter({ hasText: 'work.concurrency' }).filter({ hasText: 'ok' }).first();
        await action.waitFor({ timeout: 20_000 });
        await action.getByTestId('action-trace').click();
        await page.getByTestId('span').first().waitFor({ timeout: 25_000 });
        // The spans of the other services arrive in later batches; the panel asks again.
        await waitFor(async () => (await page.getByTestId('span').count()) > 1, 'spans of more than one hop in the waterfall', 20_000, 200);
        await page.getByTestId('waterfall').screenshot({ path: screenshotPath('waterfall') });
      } finally {
        await page.close();
      }
    }, 90_000);
  });

  describe('over a goal in mode: propose', () => {
    const stack = runningStack('propose');

    it('approving a proposal in the page changes the plan (a viewer may not)', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      try {
        await signIn(page, stack.api.url, VIEWER_TOKEN);
        const before = await stack.demo.store.current();
        stack.demo.startLoad(40);
        const proposal = page.getByTestId('proposal').first();
        await proposal.waitFor({ timeout: 30_000 });
        // The plan has not moved: the goal proposes instead of writing revisions.
        expect(await stack.demo.store.currentVersion()).toBe(before.version);
        const id = await proposal.getAttribute('data-id');
        expect(id).toMatch(/^[0-9a-f]{16}$/);
        await page.screenshot({ path: screenshotPath('proposal'), fullPage: true });

        // A viewer's approve is refused, and says so.
        await proposal.getByTestId('approve').click();
        await page.getByTestId('steering-message').filter({ hasText: /403|operator/i }).waitFor();
        expect(await stack.demo.store.currentVersion()).toBe(before.version);

        // An operator's goes through: the leading planner commits the proposal as a revision.
        // While the load rises the goal may supersede a proposal with a newer one before the
        // click lands; then the page says so and the newest open one is approved.
        await page.getByRole('button', { name: 'Change token' }).click();
        await signIn(page, stack.api.url, OPERATOR_TOKEN);
        for (let attempt = 0; ; attempt++) {
          const open = page.getByTestId('proposal').first();
          await open.waitFor({ timeout: 20_000 });
          await open.getByTestId('approve').click();
          const message = page.getByTestId('steering-message');
          await message.waitFor();
          if (/^approved/.test((await message.textContent()) ?? '') || attempt >= 3) break;
        }
        const approved = /^approved proposal ([0-9a-f]{16})$/.exec((await page.getByTestId('steering-message').textContent()) ?? '')?.[1];
        expect(approved, 'the page says which proposal it approved').toBeDefined();
        await waitFor(async () => (await stack.demo.store.currentVersion()) > before.version, 'the approved proposal to be committed as a revision', 20_000, 100);
        const after = await stack.demo.store.current();
        const concurrency = after.steps.work?.params.concurrency;
        expect(concurrency).not.toBe(before.steps.work?.params.concurrency);
        await page.locator(`[data-testid=revision][data-version="${after.version}"]`).waitFor({ timeout: 15_000 });
        await page.getByTestId('plan-version').filter({ hasText: `plan v${after.version}` }).waitFor({ timeout: 15_000 });
        await page.locator(`[data-testid=proposal-decided][data-status=applied]`).first().waitFor({ timeout: 15_000 });
        // The API agrees: that proposal was applied as this revision.
        const res = await fetch(`${stack.api.url}api/v1/proposals`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
        const { items } = (await res.json()) as { items: { id: string; status: string; version?: number; decidedBy?: string }[] };
        expect(items.find((p) => p.id === approved)).toMatchObject({ status: 'applied', version: after.version, decidedBy: 'env' });
        await page.screenshot({ path: screenshotPath('approved'), fullPage: true });
      } finally {
        await page.close();
      }
    }, 120_000);
  });
});
