import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { queueName } from '@msd/events';
import { graphqlRequest } from '@msd/testing';
import pg from 'pg';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './support/launchChromium.ts';

const webUrl = inject('webUrl');
const gatewayUrl = inject('gatewayUrl');
const artifacts = path.join(import.meta.dirname, 'artifacts');
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // CHROMIUM_PATH: a browser of the developer's choice; else Debian's, else the one from npm.
  browser = await launchChromium(process.env.CHROMIUM_PATH);
});

afterAll(async () => {
  await browser?.close();
});

async function signIn(
  role: 'customer' | 'rider' | 'operator',
  watch: (page: Page) => void = () => {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(page); // before the first page's requests and sockets
  await page.goto(webUrl);
  await page.getByRole('radio', { name: new RegExp(`^${role}:`) }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Until the gateway reports the service answering and its circuit closed: the tests and files after this one need it. */
async function healthyAgain(service: 'driver' | 'order'): Promise<void> {
  await expect
    .poll(
      async () => {
        const response = await fetch(new URL('/subgraphs', gatewayUrl));
        const report = (await response.json()) as {
          subgraphs: Record<string, { status: string; circuit: string }>;
        };
        return report.subgraphs[service];
      },
      { timeout: 30_000, interval: 500 },
    )
    .toEqual({ status: 'ok', circuit: 'closed' });
}

const operator = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(gatewayUrl, text, variables, { as: 'operator' });

/** The graphql-ws messages pages send to and receive from the gateway, as text, in order. */
function socketMessages() {
  const messages = { sent: [] as string[], received: [] as string[] };
  const watch = (page: Page) =>
    page.on('websocket', (socket) => {
      if (!socket.url().startsWith(gatewayUrl.replace(/^http/, 'ws'))) return;
      socket.on('framesent', ({ payload }) => void messages.sent.push(String(payload)));
      socket.on('framereceived', ({ payload }) => void messages.received.push(String(payload)));
    });
  return { ...messages, watch };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const shotOf = (element: Locator, name: string) =>
  element.screenshot({ path: path.join(artifacts, `${name}.png`) });

describe('the web client in Chromium, through the real gateway', () => {
  it('signs a customer in, places an order and shows it CONFIRMED with its shipment, pushed by subscription', async () => {
    // The order is followed by a subscription over the page's graphql-ws socket, never polled.
    const socket = socketMessages();
    const page = await signIn('customer', socket.watch);
    const catalog = page.getByRole('table', { name: 'Catalog' });
    // A product with stock to spare (the seed gives some products little stock).
    const row = catalog
      .getByRole('row')
      .filter({ has: page.getByTestId('stock').filter({ hasText: /^\d{2,}$/ }) })
      .first();
    await row.getByRole('button', { name: /^Order/ }).click();
    await expect
      .poll(() => page.getByTestId('order-status').innerText(), { timeout: 15_000 })
      .toBe('CONFIRMED');
    // Inventory and shipping react to OrderCreated independently: the shipment may come a little later.
    await expect
      .poll(() => page.getByRole('region', { name: 'Your order' }).innerText(), { timeout: 15_000 })
      .toContain('with shipment PENDING');
    await shot(page, 'shop-order-confirmed');
    // Subscribed by its registered hash over graphql-ws, and the outcome pushed there.
    expect(socket.sent.some((text) => text.includes('"operationName":"OrderUpdated"'))).toBe(true);
    expect(socket.received.some((text) => /"orderUpdated":\{.*"status":"CONFIRMED"/s.test(text))).toBe(true);
    await page.close();
  });

  it('shows a restock in the Shop without a reload: the new stock is pushed, the catalog not read again', async () => {
    const socket = socketMessages();
    const catalogReads: string[] = [];
    const page = await signIn('customer', (page) => {
      socket.watch(page);
      page.on('request', (request) => {
        if ((request.postData() ?? '').includes('"operationName":"ShopCatalog"'))
          catalogReads.push(request.url());
      });
    });
    const firstRow = page.getByRole('table', { name: 'Catalog' }).getByRole('row').nth(1);
    await firstRow.getByTestId('stock').waitFor();
    const { data } = await operator<{ products: { id: string; name: string }[] }>(
      'query { products(first: 1) { id name } }',
    );
    const product = data!.products[0]!;
    expect(await firstRow.getByRole('rowheader').innerText()).toBe(product.name);
    // Each product on the page is followed by a subscription of its own.
    await expect
      .poll(() => socket.sent.filter((text) => text.includes('"operationName":"ProductStock"')).length)
      .toBeGreaterThan(0);
    const readsBefore = catalogReads.length;
    const restocked = await operator<{ restock: { stock: number } }>(
      'mutation ($id: ID!) { restock(productId: $id, quantity: 5) { stock } }',
      { id: product.id },
    );
    expect(restocked.errors).toBeUndefined();
    const stock = restocked.data!.restock.stock;
    await expect
      .poll(() => firstRow.getByTestId('stock').innerText(), { timeout: 15_000 })
      .toBe(String(stock));
    expect(socket.received.some((text) => text.includes(`"id":"${product.id}","stock":${stock}`))).toBe(true);
    expect(catalogReads.length).toBe(readsBefore);
    await shot(page, 'shop-restock-pushed');
    await page.close();
  });

  it('renames a product STRONG as the operator and shows every copy current', async () => {
    const page = await signIn('operator');
    await page.getByRole('link', { name: 'Catalog' }).click();
    // The form is used once the catalog is in (its answer lays the page out again).
    await page.getByLabel('Product').locator('option').first().waitFor({ state: 'attached' });
    const name = `Strong Kettle ${Date.now().toString(36)}`;
    await page.getByLabel('New name').fill(name);
    await page.getByRole('radio', { name: 'STRONG', exact: true }).check();
    await page.getByRole('button', { name: 'Rename' }).click();
    const summary = page.getByTestId('copies-summary');
    await expect
      .poll(() => summary.innerText(), { timeout: 20_000 })
      .toMatch(/^\d+ of \d+ copies current.*\.$/);
    const [, current, total] = /^(\d+) of (\d+) copies current/.exec(await summary.innerText()) ?? [];
    expect(Number(total)).toBeGreaterThan(0);
    expect(current).toBe(total);
    expect(await page.getByText('STRONG: every copy was committed with the product').count()).toBe(1);
    await shot(page, 'catalog-strong-rename');
    await page.close();
  });

  it('refuses a STRONG rename while the order service is down, and shows that nothing changed', async () => {
    const orderPid = inject('orderPid');
    const page = await signIn('operator');
    await page.getByRole('link', { name: 'Catalog' }).click();
    const product = page.getByLabel('Product');
    await product.locator('option').first().waitFor({ state: 'attached' });
    // The last product: the other drills rename the first ones.
    const option = product.locator('option').last();
    const [productId, before] = [await option.getAttribute('value'), await option.innerText()];
    await product.selectOption(productId ?? '');
    await page.getByLabel('New name').fill(`Refused Kettle ${Date.now().toString(36)}`);
    await page.getByRole('radio', { name: 'STRONG', exact: true }).check();
    process.kill(orderPid, 'SIGSTOP');
    try {
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByTestId('unchanged').waitFor({ timeout: 20_000 });
      expect(await page.getByRole('alert').innerText()).toContain(
        'A service taking part did not answer, so nothing was changed anywhere.',
      );
      expect(await page.getByTestId('unchanged').innerText()).toContain(
        `Nothing changed: the product is still named “${before}”`,
      );
      await shot(page, 'catalog-strong-refused');
    } finally {
      process.kill(orderPid, 'SIGCONT');
      await page.close();
    }
    await healthyAgain('order');
    const { data } = await operator<{ product: { name: string } }>(
      'query ($id: ID!) { product(id: $id) { name } }',
      {
        id: productId,
      },
    );
    expect(data?.product.name).toBe(before);
  });

  it('shows a stale order copy beside the live name, its parked event in the console, and the copy current after Replay', async () => {
    const queue = queueName('ProductUpdated', 'order');
    const { data: orders } = await operator<{
      orders: { items: { product: { id: string; name: string } }[] }[];
    }>('{ orders(first: 1) { items { product { id name } } } }');
    const { id: productId, name: before } = orders!.orders[0]!.items[0]!.product;
    const after = `Parked Kettle ${Date.now().toString(36)}`;
    // The order service's own database refuses the effect: its consumer fails every attempt and
    // parks the event, as it would during a botched migration (8 attempts with backoff from the e2e
    // stack's 10 ms: about a second).
    const orderDb = new pg.Client({ connectionString: inject('orderDatabaseUrl') });
    await orderDb.connect();
    let parkedEventId = '';
    try {
      await orderDb.query('ALTER TABLE order_items RENAME COLUMN product_name TO product_name_moved');
      const { errors } = await operator(
        'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name) { id } }',
        { id: productId, name: after },
      );
      expect(errors).toBeUndefined();
      await expect
        .poll(
          async () => {
            const { data } = await operator<{
              parkedEvents: { events: { eventId: string; aggregateId: string }[] }[];
            }>('query ($queue: String) { parkedEvents(queue: $queue) { events { eventId aggregateId } } }', {
              queue,
            });
            parkedEventId =
              data?.parkedEvents[0]?.events.find((event) => event.aggregateId === productId)?.eventId ?? '';
            return parkedEventId;
          },
          { timeout: 30_000, interval: 500 },
        )
        .not.toBe('');
    } finally {
      await orderDb.query('ALTER TABLE order_items RENAME COLUMN product_name_moved TO product_name');
      await orderDb.end();
    }

    const page = await signIn('operator');
    await page.getByRole('link', { name: 'Orders' }).click();
    const staleRow = page.getByRole('row').filter({ hasText: after }).first();
    await expect.poll(() => staleRow.innerText(), { timeout: 15_000 }).toMatch(/stale/);
    expect(await staleRow.innerText()).toContain(before);
    await shotOf(staleRow.locator('xpath=ancestor::table'), 'orders-stale-copy');

    await page.getByRole('link', { name: 'Consistency console' }).click();
    const replay = page.getByRole('button', { name: `Replay event ${parkedEventId}` });
    await replay.waitFor({ timeout: 10_000 });
    expect(
      await page.getByRole('table', { name: new RegExp(`^Parked from ${queue}`) }).innerText(),
    ).toContain('product_name');
    // The copies' figures too, for a screenshot that shows the whole console.
    await expect
      .poll(
        () =>
          page
            .getByRole('table', { name: /^Copies/ })
            .getByRole('row')
            .count(),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(1);
    await shot(page, 'console-parked-events');
    // Keyboard only: focus the button and press Enter.
    await replay.focus();
    await page.keyboard.press('Enter');
    await page.getByText(`Replayed 1 event into ${queue}.`).waitFor({ timeout: 10_000 });
    await expect.poll(() => replay.count(), { timeout: 10_000 }).toBe(0);

    await page.getByRole('link', { name: 'Orders' }).click();
    const repaired = page.getByRole('row').filter({ hasText: after }).first();
    await expect.poll(() => repaired.innerText(), { timeout: 15_000 }).toMatch(/current/);
    expect(await repaired.innerText()).not.toContain(before);
    await shotOf(repaired.locator('xpath=ancestor::table'), 'orders-copy-repaired');
    await page.close();
  }, 150_000);

  it('pushes the console its copies after a rename, without a replicationStatus query', async () => {
    const { data: created } = await operator<{ createProduct: { id: string } }>(
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `console-${Date.now().toString(36)}`, name: 'Pushed Kettle', price: 4 } },
    );
    // The console subscribes over the page's graphql-ws socket.
    const socket = socketMessages();
    const page = await signIn('operator', socket.watch);
    // Every GraphQL request the page sends over HTTP, by operation name.
    const sent: string[] = [];
    page.on('request', (request) => {
      const name = /"operationName":"(\w+)"/.exec(request.postData() ?? '')?.[1];
      if (name) sent.push(name);
    });
    await page.getByRole('link', { name: 'Consistency console' }).click();
    const copy = page
      .getByRole('table', { name: /^Copies/ })
      .getByRole('row')
      .filter({ hasText: 'order.productName' });
    await copy.waitFor({ timeout: 15_000 });
    const before = await copy.innerText();
    const sentBefore = sent.length;
    // One ProductUpdated, which the order copy applies: one more event applied, new lag figures.
    const { errors } = await operator(
      'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
      { id: created!.createProduct.id, name: 'Pushed Kettle, renamed' },
    );
    expect(errors).toBeUndefined();
    await expect.poll(() => copy.innerText(), { timeout: 20_000 }).not.toBe(before);
    // Pushed over the subscription opened with the page: nothing about replicationStatus was sent since.
    expect(sent.slice(sentBefore).filter((name) => /ReplicationStatus/.test(name))).toEqual([]);
    expect(socket.sent.some((text) => text.includes('"operationName":"ReplicationStatusUpdated"'))).toBe(
      true,
    );
    expect(socket.received.some((text) => text.includes('"replicationStatusUpdated"'))).toBe(true);
    await shot(page, 'console-pushed');
    await page.close();
  });

  it('shows rides with their local driver names and says so while the driver service is down', async () => {
    const driverPid = inject('driverPid');
    // Stopped before the page first asks, so the gateway's entity cache holds no driver details for
    // this selection yet; the driver service stops answering and the gateway's time budget runs out.
    process.kill(driverPid, 'SIGSTOP');
    const page = await signIn('rider').catch((error) => {
      process.kill(driverPid, 'SIGCONT');
      throw error;
    });
    try {
      await page.getByTestId('degraded').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('degraded').innerText()).toContain('Driver details are unavailable');
      const names = await page.getByTestId('driver-name').allInnerTexts();
      expect(names.length).toBeGreaterThan(0);
      for (const driverName of names) expect(driverName.trim()).not.toBe('');
      expect(await page.getByRole('table', { name: 'Your rides' }).innerText()).toContain('unavailable');
      await shot(page, 'rides-driver-down');
    } finally {
      process.kill(driverPid, 'SIGCONT');
      await page.close();
      await healthyAgain('driver');
    }
  });

  it('falls back to GraphiQL on the gateway when Apollo Sandbox cannot load, with a working token', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // As on a machine without internet, whether or not this one has it.
    await page.route(/cdn\.apollographql\.com/, (route) => route.abort('internetdisconnected'));
    await page.goto(new URL('/', gatewayUrl).toString());
    await page.waitForURL(/\/graphiql$/, { timeout: 10_000 });
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await expect
      .poll(() => page.locator('.result-window').innerText(), { timeout: 10_000 })
      .toContain('"products"');
    await page.getByText('Headers', { exact: true }).click();
    expect(await page.locator('.graphiql-editor-tool').innerText()).toContain('Bearer ');
    await shot(page, 'graphiql-fallback');
    await page.close();
  });
});
