import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchNpmChromium } from './launchChromium.ts';

// The browser a machine without Debian's chromium gets: checked here even where Debian's is installed.
let browser: Browser;
beforeAll(async () => {
  browser = await launchNpmChromium();
}, 120_000);
afterAll(() => browser?.close());

it('renders pages one after another and reads their text', async () => {
  for (const name of ['first', 'second']) {
    const page = await browser.newPage();
    await page.setContent(`<main><h1>${name} page</h1></main>`);
    expect(await page.getByRole('heading').innerText()).toBe(`${name} page`);
    expect((await page.screenshot()).length).toBeGreaterThan(0);
    await page.close();
  }
});
