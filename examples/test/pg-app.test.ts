// Proof that a team can put idem on its own stack and support it (issue "Your database and your server"): the
// example app (examples/pg-app: its own PostgreSQL, its own tRPC server on Express, idem's tables migrated by
// @idem/core/pg on start, idem's admin router behind the app's own staff tokens) is installed from the packed
// packages outside the workspace and started on a fresh database; the packed dashboard (@idem/dashboard) is
// installed in an empty folder and started with `npx idem-dashboard` against that app; a real Chromium signs in
// and finds the app's keys and a key's story.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPostgres, type TestPostgres } from '@idem/testing';
import { type Browser, chromium, type Page } from '@playwright/test';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Consumer, installConsumer, installTarball } from './consumer.ts';
import { packDashboard } from './pack.ts';

const API_KEY = 'sk_test_acme_0123456789';
const ADMIN_TOKEN = 'dashboard-admin-token-0123456789';
const READ_ONLY_TOKEN = 'support-cli-token-0123456789';
const ANA_PASSWORD = 'ana-reads-and-acts';
const BO_PASSWORD = 'bo-only-reads-here';

/** The app's configuration, as examples/pg-app/README.md gives it. */
const appEnv = (databaseUrl: string) => ({
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  API_KEYS: `acme:${API_KEY}`,
  STAFF_TOKENS: `dashboard:admin:${ADMIN_TOKEN},support-cli:support:${READ_ONLY_TOKEN}`,
  IDEM_FINGERPRINT_SECRET: 'fingerprint-secret-0123456789',
});

interface Sent {
  status: number;
  headers: Headers;
  body: string;
}

/** A mutation of the app, as any HTTP client sends it (tRPC over HTTP, superjson). */
async function mutate(base: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
    body: JSON.stringify(superjson.serialize(input)),
  });
  return { status: res.status, headers: res.headers, body: await res.text() } satisfies Sent;
}

async function query(base: string, path: string, headers: Record<string, string>, input?: unknown) {
  const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await fetch(`${base}/trpc/${path}${search}`, { headers });
  return { status: res.status, body: (await res.json()) as { result?: { data: { json: unknown } } } };
}

const timelineTypes = (page: Page) =>
  page
    .getByTestId('timeline')
    .locator('li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-event')));

describe('an app of its own on PostgreSQL, supported by the installed dashboard', () => {
  let database: TestPostgres;
  let app: Consumer;
  let dashboard: Consumer;
  let packs: string;
  let api: string;
  let paymentId: string;
  let browser: Browser;

  beforeAll(async () => {
    packs = mkdtempSync(join(tmpdir(), 'idem-dashboard-pack-'));
    database = await createTestPostgres();
    // The app and the dashboard install side by side: the dashboard's pack may build it first (a minute).
    [app, dashboard] = await Promise.all([
      installConsumer('pg-app', inject('tarballs')).then(async (installed) => {
        await installed.exec('npm', ['run', 'build']);
        return installed;
      }),
      packDashboard(packs).then((tarball) => installTarball('dashboard', tarball)),
    ]);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    app?.remove();
    dashboard?.remove();
    await database?.drop();
    if (packs) rmSync(packs, { recursive: true, force: true });
  });

  it("the app migrates idem's tables itself and guards its payments: first call, replay flagged, conflict refused", async () => {
    const { port } = await app.start('npm', ['start'], appEnv(database.url));
    api = `http://127.0.0.1:${port}`;

    const payment = { customer: 'cus_4815', amountCents: 1250, currency: 'EUR' };
    const first = await mutate(api, 'payments.create', payment, { 'Idempotency-Key': 'pay-order-1' });
    expect(first.status).toBe(201);
    const replay = await mutate(api, 'payments.create', payment, { 'Idempotency-Key': 'pay-order-1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toBe(first.body);
    const conflict = await mutate(
      api,
      'payments.create',
      { ...payment, amountCents: 9900 },
      { 'Idempotency-Key': 'pay-order-1' },
    );
    expect(conflict.status).toBe(422);
    expect(conflict.body).toContain('IDEMPOTENCY_KEY_REUSED');

    // A refund keyed by its payment (a natural key): sent twice, refunded once.
    const { id } = superjson.deserialize<{ id: string }>(JSON.parse(first.body).result.data);
    paymentId = id;
    const refunds = [
      await mutate(api, 'payments.refund', { paymentId: id }),
      await mutate(api, 'payments.refund', { paymentId: id }),
    ];
    expect(refunds.map((r) => r.status)).toEqual([200, 200]);
    expect(refunds[1]!.body).toBe(refunds[0]!.body);

    // One payment, refunded once, however many requests were sent.
    const list = await query(api, 'payments.list', { authorization: `Bearer ${API_KEY}` });
    expect(list.body.result?.data.json).toMatchObject([{ id, amountCents: 1250, refundedCents: 1250 }]);
  });

  it("the admin router answers only the app's staff tokens, and a read-only token stays read-only", async () => {
    const as = (token: string, role: string) => ({
      authorization: `Bearer ${token}`,
      'x-idem-actor': 'sam',
      'x-idem-role': role,
    });
    expect((await query(api, 'idemAdmin.whoami', as(API_KEY, 'admin'))).status).toBe(401);
    expect((await query(api, 'idemAdmin.whoami', as(ADMIN_TOKEN, 'admin'))).body.result?.data.json).toEqual({
      actor: 'sam',
      role: 'admin',
      store: 'postgresql',
    });
    // The support CLI's token claims admin: it reads, and acts as support only.
    expect(
      (await query(api, 'idemAdmin.whoami', as(READ_ONLY_TOKEN, 'admin'))).body.result?.data.json,
    ).toMatchObject({ role: 'support' });
    const release = await fetch(`${api}/trpc/idemAdmin.release`, {
      method: 'POST',
      headers: { ...as(READ_ONLY_TOKEN, 'admin'), 'content-type': 'application/json' },
      body: JSON.stringify(
        superjson.serialize({ scope: 'acme', procedure: 'payments.create', key: 'pay-order-1' }),
      ),
    });
    expect(release.status).toBe(403);
  });

  it("D1/D2 through `npx idem-dashboard`: staff sign in, find the app's keys and a key's story", async () => {
    const { port } = await dashboard.start('npx', ['idem-dashboard'], {
      HOST: '127.0.0.1',
      IDEM_MODE: 'production',
      IDEM_ADMIN_URL: `${api}/trpc`,
      IDEM_ADMIN_TOKEN: ADMIN_TOKEN,
      IDEM_DASHBOARD_USERS: `ana:admin:${ANA_PASSWORD},bo:support:${BO_PASSWORD}`,
      IDEM_SESSION_SECRET: 'session-secret-of-32-characters-or-more',
      // Plain HTTP on loopback in this test; behind TLS leave it on (the default in production).
      IDEM_COOKIE_SECURE: 'false',
    });
    const page = await browser.newPage({ baseURL: `http://127.0.0.1:${port}` });
    try {
      await page.goto('/keys');
      await page.waitForURL(/\/login\?from=%2Fkeys$/);
      await page.getByLabel('User name').fill('ana');
      await page.getByLabel('Password').fill(ANA_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-user').filter({ hasText: 'ana' }).waitFor();

      // The app's keys: the payment's (by its header key) and the refund's (by its payment id).
      await page.goto('/keys?scope=acme');
      await page.getByRole('link', { name: 'pay-order-1' }).waitFor();
      const keys = await page.locator('tbody').textContent();
      expect(keys).toContain('payments.refund');
      expect(keys).toContain(`paymentId=${paymentId}`);

      await page.getByLabel('Key', { exact: true }).fill('pay-order');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: /^1 key matching/ }).waitFor();
      await page.getByRole('link', { name: 'pay-order-1' }).click();

      // Its story: the first call, its completion, the replay and the refused conflict, in that order.
      await page.getByRole('heading', { level: 1, name: 'pay-order-1' }).waitFor();
      await page.getByRole('heading', { name: 'Stored outcome: status 201' }).waitFor();
      expect(await page.getByTestId('request').textContent()).toContain('cus_4815');
      await expect
        .poll(() => timelineTypes(page), { timeout: 15_000 })
        .toEqual(['begin', 'complete', 'replay', 'conflict']);
      const diff = page.getByRole('region', {
        name: /Difference: original request and Conflicting request 1/,
      });
      expect(await diff.locator('td.removed').allTextContents()).toContainEqual(
        expect.stringContaining('1250'),
      );
      expect(await diff.locator('td.added').allTextContents()).toContainEqual(
        expect.stringContaining('9900'),
      );
    } finally {
      await page.close();
    }
  });

  it('D1/D2/D5 through the installed `idem` CLI: migrate is a no-op, keys are found and shown, support cannot act', async () => {
    // The support CLI, as the app's developers installed it (a devDependency), with the read-only token.
    const cli = (args: string[], env: Record<string, string> = {}) =>
      app.exec('npx', ['idem', ...args], {
        IDEM_ADMIN_URL: `${api}/trpc`,
        IDEM_ADMIN_TOKEN: READ_ONLY_TOKEN,
        IDEM_ADMIN_ACTOR: 'sam',
        NO_COLOR: '1',
        ...env,
      });

    expect(await cli(['migrate', '--database', database.url])).toMatch(/Nothing to apply/);

    const found = JSON.parse(await cli(['keys', 'find', '--caller', 'acme', '--json'])) as {
      items: { key: string; procedure: string }[];
    };
    expect(found.items.map((k) => k.key).sort()).toEqual(['pay-order-1', `paymentId=${paymentId}`].sort());

    const story = await cli(['keys', 'show', 'pay-order-1', '--caller', 'acme']);
    expect(story).toContain('conflict');
    expect(story).toMatch(/-.*1250/);
    expect(story).toMatch(/\+.*9900/);

    // The read-only token acts as support whatever it claims: a release is refused, with its own exit code.
    const refused = await cli(['keys', 'release', 'pay-order-1', '--caller', 'acme', '--role', 'admin']).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/idem: .*(not allowed|role|admin)/i);
  });

  it('the login throttle counts the address the dashboard saw, not one a client writes in x-idem-client-address', async () => {
    const { port } = await dashboard.start('npx', ['idem-dashboard'], {
      IDEM_MODE: 'production',
      IDEM_ADMIN_URL: `${api}/trpc`,
      IDEM_ADMIN_TOKEN: ADMIN_TOKEN,
      IDEM_DASHBOARD_USERS: `ana:admin:${ANA_PASSWORD},bo:support:${BO_PASSWORD}`,
      IDEM_SESSION_SECRET: 'session-secret-of-32-characters-or-more',
      IDEM_COOKIE_SECURE: 'false',
    });
    const page = await browser.newPage({ baseURL: `http://127.0.0.1:${port}` });
    try {
      const attempt = async (password: string, n: number) => {
        // Each attempt claims to come from somewhere else.
        await page.setExtraHTTPHeaders({
          'x-idem-client-address': `198.51.100.${n}`,
          'x-forwarded-for': `203.0.113.${n}`,
        });
        await page.goto('/login');
        await page.getByLabel('User name').fill('bo');
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
      };
      for (let n = 1; n <= 5; n++) {
        await attempt('not-the-password', n);
        await page.getByText('Wrong user name or password.').waitFor();
      }
      // Five failures from this one connection's address: even the right password is refused for now.
      await attempt(BO_PASSWORD, 6);
      await page.getByText('Too many failed attempts for this user from here.').waitFor();
    } finally {
      await page.close();
    }
  });
});
