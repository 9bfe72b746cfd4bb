// idem's client in a real browser (Debian's Chromium): the link bundled for the web, its journal in
// localStorage, a response lost after the server did the work, a page reloaded with an operation pending, and
// TanStack Query's own retries keeping one key per mutate() through @idem/trpc/tanstack.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import Database from 'better-sqlite3';
import { build } from 'esbuild';

let api: ChildProcess;
let apiUrl: URL;
let apiDatabase: string;
let server: Server;
let origin: string;

// An API of its own on a fresh database, so the dashboard story's counts are not this spec's business.
function startApi(): Promise<URL> {
  const main = fileURLToPath(new URL('../apps/api/src/main.ts', import.meta.url));
  const database = join(mkdtempSync(join(tmpdir(), 'idem-web-client-')), 'api.db');
  apiDatabase = database;
  api = spawn(process.execPath, ['--conditions=idem-source', '--import', 'tsx', main], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: `file:${database}`,
      IDEM_MODE: 'demo',
      IDEM_PURGE_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    api.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(new URL(url));
    });
    api.once('exit', (code) => reject(new Error(`the API exited (${code}): ${out}`)));
  });
}

/** The fixture bundled for the web as an app ships it (the packages' dist/, as users install them). */
async function bundle(fixture: string): Promise<string> {
  const built = await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  });
  return built.outputFiles[0]!.text;
}

/** What the API's database holds: the judge of how many times a mutation ran. */
function workflowRuns(subscriberId: string): string[] {
  const db = new Database(apiDatabase, { readonly: true });
  try {
    const rows = db.prepare('SELECT id FROM workflow_runs WHERE subscriber_id = ?').all(subscriberId);
    return (rows as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

// A tiny web app: two pages and their bundles, with /trpc passed through to the API on the same origin.
test.beforeAll(async () => {
  apiUrl = await startApi();
  const [js, tanstackJs] = await Promise.all([bundle('browser-client.ts'), bundle('tanstack-client.ts')]);
  server = createServer((req, res) => {
    if (req.url?.startsWith('/trpc/')) {
      const upstream = request(
        { host: apiUrl.hostname, port: apiUrl.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
      return;
    }
    if (req.url === '/app.js' || req.url === '/tanstack.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(req.url === '/app.js' ? js : tanstackJs);
      return;
    }
    const script = req.url === '/tanstack' ? '/tanstack.js' : '/app.js';
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<!doctype html><title>app</title><script type="module" src="${script}"></script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  api.kill('SIGTERM');
});

type Idem = {
  trigger(
    subscriber: string,
    key?: string,
  ): Promise<{
    result: { transactionId: string };
    info?: { key: string; replayed: boolean; attempts: number };
  }>;
  leavePending(subscriber: string, key: string): Promise<void>;
  resumed: Promise<
    { key: string; ok: boolean; data: { transactionId: string } | null; replayed: boolean | null }[]
  >;
  pending(): Promise<unknown[]>;
};

async function app(page: Page) {
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'idem' in window);
}

test('C1/C6: in the browser a mutation gets its own UUIDv7 key; a retry of it is a replay, flagged, not an error', async ({
  page,
}) => {
  await app(page);
  const first = await page.evaluate(() => (window as unknown as { idem: Idem }).idem.trigger('browser-1'));
  expect(first.info).toMatchObject({ replayed: false, attempts: 1 });
  expect(first.info!.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  const again = await page.evaluate(
    (key) => (window as unknown as { idem: Idem }).idem.trigger('browser-1', key),
    first.info!.key,
  );
  expect(again.info?.replayed).toBe(true);
  expect(again.result.transactionId).toBe(first.result.transactionId);
  expect(await page.evaluate(() => (window as unknown as { idem: Idem }).idem.pending())).toEqual([]);
});

test('C5: an answer lost after the server processed it is retried with the same key and replayed', async ({
  page,
}) => {
  await app(page);
  let dropped = 0;
  await page.route('**/trpc/**', async (route) => {
    if (dropped === 0) {
      dropped++;
      await route.fetch(); // the server does the work…
      await route.abort('connectionreset'); // …and the answer never arrives
      return;
    }
    await route.continue();
  });
  const outcome = await page.evaluate(() =>
    (window as unknown as { idem: Idem }).idem.trigger('browser-lost'),
  );
  expect(dropped).toBe(1);
  expect(outcome.info).toMatchObject({ replayed: true, attempts: 2 });
});

test('C3: an operation journaled in localStorage by a page that went away is finished on the next load, with its key', async ({
  page,
}) => {
  await app(page);
  const key = `browser-pending-${Date.now()}`;
  await page.evaluate(
    (k) => (window as unknown as { idem: Idem }).idem.leavePending('browser-pending', k),
    key,
  );
  await page.reload();
  await page.waitForFunction(() => 'idem' in window);
  const resumed = await page.evaluate(() => (window as unknown as { idem: Idem }).idem.resumed);
  expect(resumed).toEqual([expect.objectContaining({ key, ok: true, replayed: false })]);
  // Sent again under its key, it is a replay of that one execution.
  const again = await page.evaluate(
    (k) => (window as unknown as { idem: Idem }).idem.trigger('browser-pending', k),
    key,
  );
  expect(again.info?.replayed).toBe(true);
  expect(again.result.transactionId).toBe(resumed[0]!.data!.transactionId);
  expect(await page.evaluate(() => (window as unknown as { idem: Idem }).idem.pending())).toEqual([]);
});

type TanStack = {
  trigger(subscriber: string): Promise<{
    result: { transactionId: string };
    info?: { key: string; replayed: boolean; attempts: number };
    attempts: number;
    keyOfMutate?: string;
  }>;
};

test('C1/C5: TanStack Query retries a mutation whose answer was lost with the same key (@idem/trpc/tanstack): it ran once, the retry is its replay', async ({
  page,
}) => {
  await page.goto(`${origin}/tanstack`);
  await page.waitForFunction(() => 'tanstack' in window);
  const sent: (string | undefined)[] = [];
  await page.route('**/trpc/novu.events.trigger**', async (route) => {
    sent.push(route.request().headers()['x-idempotency-keys']);
    if (sent.length === 1) {
      await route.fetch(); // the server runs the mutation…
      await route.abort('connectionreset'); // …and its answer never arrives
      return;
    }
    await route.continue();
  });
  const subscriber = `tanstack-${Date.now()}`;
  const outcome = await page.evaluate(
    (s) => (window as unknown as { tanstack: TanStack }).tanstack.trigger(s),
    subscriber,
  );
  // TanStack called the mutation function twice (its retry), and both attempts carried the same key.
  expect(outcome.attempts).toBe(2);
  expect(sent).toHaveLength(2);
  expect(sent[1]).toBe(sent[0]);
  const key = Object.values(JSON.parse(sent[0]!) as Record<string, string>)[0];
  expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  expect(outcome.keyOfMutate).toBe(key);
  // The second attempt got the first one's stored outcome, and the database holds one run.
  expect(outcome.info).toMatchObject({ key, replayed: true });
  expect(workflowRuns(subscriber)).toEqual([outcome.result.transactionId]);
});
