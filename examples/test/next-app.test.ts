// Proof that idem works in a Next.js App Router app as its users would build it (issue "idem installs like any npm
// library"): examples/next-app, installed from the packed packages outside the workspace, built with `next build`
// and started with `next start` on a fresh PostgreSQL database. Its route handler (tRPC's fetch adapter with idem's
// helper) answers a first call, a replay (flagged) and a conflict; and its page, served from one origin, places
// an order on the API at another origin through idem's client link in a real Chromium: CORS lets the keys through
// and the replay flag back, and an origin the API does not allow gets nothing done.
import { createServer } from 'node:net';
import { createTestPostgres, type TestPostgres } from '@idem/testing';
import { type Browser, chromium, type Page } from '@playwright/test';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Consumer, installConsumer } from './consumer.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function createOrder(api: string, key: string, input: unknown) {
  const res = await fetch(`${api}/orders.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': 'alice', 'Idempotency-Key': key },
    body: JSON.stringify(superjson.serialize(input)),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function orderCount(api: string): Promise<number> {
  const res = await fetch(`${api}/orders.count`);
  return ((await res.json()) as { result: { data: { json: number } } }).result.data.json;
}

/** Clicks a button on the page and waits for the result it shows next. */
async function click(page: Page, name: string): Promise<Record<string, unknown>> {
  const result = page.getByTestId('result');
  const before = await result.textContent();
  await page.getByRole('button', { name }).click();
  await expect.poll(() => result.textContent(), { timeout: 15_000 }).not.toBe(before);
  return JSON.parse((await result.textContent()) ?? '{}') as Record<string, unknown>;
}

describe('a Next.js App Router app, built and started as its users would', () => {
  let database: TestPostgres;
  let app: Consumer;
  let browser: Browser;
  let port: number;
  let api: string;

  beforeAll(async () => {
    database = await createTestPostgres();
    app = await installConsumer('next-app', inject('tarballs'));
    await app.exec('npx', ['next', 'build'], { NEXT_TELEMETRY_DISABLED: '1' });
    port = await freePort();
    await app.start(
      'npx',
      ['next', 'start', '-H', '127.0.0.1', '-p', String(port)],
      {
        PORT: String(port),
        NEXT_TELEMETRY_DISABLED: '1',
        DATABASE_URL: database.url,
        // The page is served as http://localhost:<port> and calls the API as http://127.0.0.1:<port>: two origins.
        ALLOWED_ORIGINS: `http://localhost:${port}`,
      },
      /Ready in/,
    );
    api = `http://127.0.0.1:${port}/api/trpc`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    app?.remove();
    await database?.drop();
  });

  it('K1–K3 through the route handler: first call 201, replay flagged with the same body, conflict 422', async () => {
    const first = await createOrder(api, 'order-1', { sku: 'book', quantity: 1 });
    expect(first.status).toBe(201);
    const replay = await createOrder(api, 'order-1', { sku: 'book', quantity: 1 });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toBe(first.body);
    const conflict = await createOrder(api, 'order-1', { sku: 'book', quantity: 2 });
    expect(conflict.status).toBe(422);
    expect(conflict.body).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(await orderCount(api)).toBe(1);
  });

  it('C6 across origins in Chromium: the page places an order, sends it again under its key, and sees the replay', async () => {
    const before = await orderCount(api);
    const page = await browser.newPage();
    try {
      await page.goto(`http://localhost:${port}/?api=${encodeURIComponent(api)}`);
      const placed = await click(page, 'Place an order');
      expect(placed).toMatchObject({ replayed: false });
      expect(placed.id).toEqual(expect.any(Number));
      const again = await click(page, 'Send the same order again');
      expect(again).toEqual({ id: placed.id, replayed: true });
      expect(await orderCount(api)).toBe(before + 1);
    } finally {
      await page.close();
    }
  });

  it('an origin the API does not allow gets no CORS headers: its page cannot place an order', async () => {
    const before = await orderCount(api);
    const page = await browser.newPage();
    try {
      // Served from 127.0.0.1, calling localhost: not in ALLOWED_ORIGINS.
      await page.goto(
        `http://127.0.0.1:${port}/?api=${encodeURIComponent(`http://localhost:${port}/api/trpc`)}`,
      );
      const refused = await click(page, 'Place an order');
      expect(refused).toHaveProperty('error');
      expect(await orderCount(api)).toBe(before);
    } finally {
      await page.close();
    }
  });
});
