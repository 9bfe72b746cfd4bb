// Helpers for the e2e suite: the API's REST routes as a caller uses them, the crashed-worker fixture, signing
// in as a person does, and screenshots kept both as test artefacts and (on request) in docs/screenshots.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type APIRequestContext, expect, type Page, request, type TestInfo } from '@playwright/test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const apiUrl = process.env.PW_IDEM_API_URL!;
const databaseUrl = process.env.PW_IDEM_DATABASE_URL!;

export interface Sent {
  status: number;
  requestId: string;
  body: unknown;
}

/** A caller of the API's REST routes, with demo caller A's API key. */
export async function caller(): Promise<{
  post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<Sent>;
  dispose: () => Promise<void>;
}> {
  const context: APIRequestContext = await request.newContext({
    baseURL: apiUrl,
    extraHTTPHeaders: { 'x-api-key': 'demo-key-a' },
  });
  return {
    post: async (path, body, headers = {}) => {
      const res = await context.post(path, { data: body, headers, timeout: 30_000 });
      return { status: res.status(), requestId: res.headers()['x-request-id'] ?? '', body: await res.json() };
    },
    dispose: () => context.dispose(),
  };
}

/**
 * A query of the API's admin router, as the dashboard's server makes it (demo admin token). For setting the
 * scene only, e.g. waiting until a key is in flight; what staff see is tested through the dashboard.
 */
export async function adminQuery<T>(procedure: string, input: unknown): Promise<T> {
  const url = `${apiUrl}/trpc/idemAdmin.${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await fetch(url, {
    headers: {
      authorization: 'Bearer demo-admin-token',
      'x-idem-actor': 'e2e-setup',
      'x-idem-role': 'support',
    },
  });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!res.ok || body.result === undefined)
    throw new Error(`idemAdmin.${procedure}: ${res.status} ${JSON.stringify(body)}`);
  return body.result.data.json;
}

/** Runs e2e/fixtures/worker.ts as its own process on the API's database; returns what it printed. */
export function worker(...args: string[]): { keys: string[]; leaseOwner: string } {
  const out = execFileSync(
    process.execPath,
    ['--conditions=idem-source', '--import', 'tsx', join(root, 'e2e/fixtures/worker.ts'), ...args],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as { keys: string[]; leaseOwner: string };
}

export async function signIn(page: Page, user: string, password = 'demo'): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(user);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/**
 * A full-page screenshot, attached to the test report. Written to docs/screenshots/<name>.png as well when
 * that file is missing or IDEM_UPDATE_SCREENSHOTS=1, so that a test run leaves the committed ones alone.
 */
export async function snap(page: Page, name: string, info: TestInfo): Promise<void> {
  // Let charts and fonts settle: wait for the network to go quiet, not for a fixed time.
  await page.waitForLoadState('networkidle');
  // Move the pointer off the page so no tooltip or hover state is captured.
  await page.mouse.move(0, 0);
  const body = await page.screenshot({ fullPage: true, animations: 'disabled' });
  await info.attach(name, { body, contentType: 'image/png' });
  const docs = join(root, 'docs', 'screenshots', `${name}.png`);
  if (process.env.IDEM_UPDATE_SCREENSHOTS === '1' || !existsSync(docs)) {
    mkdirSync(dirname(docs), { recursive: true });
    await page.screenshot({ path: docs, fullPage: true, animations: 'disabled' });
  }
}
