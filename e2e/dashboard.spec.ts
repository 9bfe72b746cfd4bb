// The dashboard as support staff use it (SPEC D1–D5), against the real API and the real dashboard: keys are
// made through the API's REST routes (a first call, a replay, a conflict, a duplicate refused in flight, a
// natural duplicate) and by a worker process that dies holding a key; then a person signs in, finds each key,
// reads its story and the diff, releases the stuck lease, purges expired keys, checks the audit log, and the
// support role is shown to be read-only.
import { expect, type Page, test } from '@playwright/test';
import { adminQuery, caller, type Sent, signIn, signOut, snap, worker } from './support';

test.describe.configure({ mode: 'serial' });

const run = Date.now().toString(36);
const chargeKey = `crm:evt-${run}:customer:c1:note`;
const slowKey = `order-shipped-${run}`;
const ticket = `ticket-${run}`;
const stuckKey = `stuck-charge-${run}`;
const contactKey = (n: number) => `contact-${run}-${n}`;

let first: Sent;
let replay: Sent;
let conflict: Sent;
let refused: Sent;
let duplicate: Sent;
let stuckOwner: string;

test.beforeAll(async () => {
  const api = await caller();
  try {
    const note = {
      primarySubject: { type: 'customer', id: 'c1' },
      noteType: 'call',
      title: 'Refund call',
      body: 'Customer says they were charged twice',
      password: 'hunter2',
    };
    first = await api.post('/notes', note, { 'Idempotency-Key': chargeKey });
    replay = await api.post('/notes', note, { 'Idempotency-Key': chargeKey });
    conflict = await api.post(
      '/notes',
      { ...note, body: 'Customer says they were charged three times' },
      { 'Idempotency-Key': chargeKey },
    );
    expect([first.status, replay.status, conflict.status]).toEqual([201, 201, 409]);

    // A duplicate that arrives while the first is still running (demo mode holds it for 3 s) is refused.
    const trigger = { name: 'order-shipped', to: { subscriberId: 'sub-1' }, payload: { order: run } };
    const slow = api.post('/v1/events/trigger', trigger, {
      'Idempotency-Key': slowKey,
      'x-demo-delay-ms': '3000',
    });
    await expect
      .poll(
        async () =>
          (await adminQuery<{ items: unknown[] }>('keys', { key: slowKey, state: 'in_flight' })).items,
      )
      .toHaveLength(1);
    refused = await api.post('/v1/events/trigger', trigger, { 'Idempotency-Key': slowKey });
    expect(refused.status).toBe(409);
    expect((refused.body as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect((await slow).status).toBe(201);

    // Natural duplicates: a contact whose name is taken under another key; a sales event sent twice.
    const contact = {
      parent: { type: 'customer', id: `p-${run}` },
      name: 'Ann Lee',
      email: `ann-${run}@example.com`,
    };
    expect((await api.post('/contacts', contact, { 'Idempotency-Key': contactKey(1) })).status).toBe(201);
    duplicate = await api.post('/contacts', contact, { 'Idempotency-Key': contactKey(2) });
    expect(duplicate.status).toBe(409);
    expect((await api.post('/v1/sales-events', { external_id: ticket, amount: 12.5 })).status).toBe(201);
    expect((await api.post('/v1/sales-events', { external_id: ticket, amount: 12.5 })).status).toBe(200);

    // Twelve usage reports, to page through.
    for (let i = 0; i < 12; i++) {
      const usage = {
        order_id: `o-${run}`,
        internal_usage_id: `u-${i}`,
        quantity: i,
        occurred_at: '2026-11-27T10:00:00Z',
      };
      const sent = await api.post('/v1/usage', usage, {
        'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY': `usage-${run}-${i}`,
      });
      expect(sent.status).toBe(201);
    }
  } finally {
    await api.dispose();
  }
  // A worker process claims a key and dies without finishing it; five keys whose retention has ended.
  stuckOwner = worker('hold', 'demo-a', 'billing.charge', stuckKey, '1500').leaseOwner;
  expect(worker('expire', 'demo-b', 'cleanup.task', '5').keys).toHaveLength(5);
});

const timelineTypes = (page: Page) =>
  page
    .getByTestId('timeline')
    .locator('li')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-event')));

test('D5: without a session every page leads to the login page, which shows the demo logins', async ({
  page,
  request,
}, info) => {
  await page.goto('/keys?state=in_flight');
  await expect(page).toHaveURL(/\/login\?from=%2Fkeys%3Fstate%3Din_flight$/);
  await expect(page.getByTestId('demo-logins')).toContainText('admin');
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText(
    'Wrong user name or password.',
  );
  await snap(page, 'login', info);
  // Straight back to the page asked for, once signed in.
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/keys\?state=in_flight$/);
  await expect(page.getByRole('link', { name: stuckKey })).toBeVisible();
  // The JSON route answers 401 without a session; a forged cookie is no session.
  expect((await request.get('/api/purge')).status()).toBe(401);
  const forged = await request.get('/api/purge', {
    headers: { cookie: 'idem_session=eyJ1c2VyIjoiYWRtaW4ifQ.forged' },
  });
  expect(forged.status()).toBe(401);
});

test('D4: the overview counts requests and what was decided for them, each on its own chart', async ({
  page,
}, info) => {
  await signIn(page, 'admin');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  // One count per request: note ×3, trigger ×2, contact ×2, sales event ×2 and 12 usage reports. The worker's keys
  // were claimed by a process of its own, not through a request.
  await expect(page.getByTestId('total-requests')).toHaveText('21');
  await expect(page.getByTestId('total-in-flight')).toHaveText('1');
  await expect(page.getByTestId('total-replay')).toHaveText('2');
  await expect(page.getByTestId('total-conflict')).toHaveText('1');
  await expect(page.getByTestId('replay-rate')).toHaveText(/^\d+(\.\d)? %$/);
  await expect(page.getByTestId('in-flight-now')).toHaveText('1');
  await expect(page.getByRole('heading', { name: 'Requests over time, by decision' })).toBeVisible();
  await expect(page.getByTestId('chart-total-first_call')).toHaveText('16');
  await expect(page.getByTestId('chart-total-duplicate')).toHaveText('1');
  await expect(
    page.locator('li[data-series="first_call"] svg.bars rect:not([height="0"])').first(),
  ).toBeVisible();
  await snap(page, 'overview', info);
  // The same numbers, as a table, for screen readers.
  await page.getByText('Show these numbers as a table').first().click();
  await expect(page.getByRole('table').first()).toContainText('First calls');
});

test('D1/D2: a key found by prefix tells its story: request, outcome, timeline with request ids, and the diff', async ({
  page,
}, info) => {
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^\d+\+? keys$/ })).toBeVisible();
  await snap(page, 'keys', info);
  await page.getByLabel('Key', { exact: true }).fill(`crm:evt-${run}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=crm/);
  await expect(page.getByRole('heading', { name: /^1 key matching/ })).toBeVisible();
  await page.getByRole('link', { name: chargeKey }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(chargeKey);
  await expect(page.getByTestId('fingerprint')).toContainText('sha256');
  await expect(page.getByTestId('request')).toContainText('"password": "[REDACTED]"');
  await expect(page.locator('main')).not.toContainText('hunter2');
  await expect(page.getByRole('heading', { name: 'Stored outcome: status 201' })).toBeVisible();
  await expect(page.getByTestId('outcome')).toContainText('"idempotencyStatus": "created"');
  await expect(page.getByTestId('key-expiry')).toContainText(/in 2[34] h/);
  await expect.poll(() => timelineTypes(page)).toEqual(['begin', 'complete', 'replay', 'conflict']);
  const timeline = page.getByTestId('timeline');
  await expect(timeline.locator('li[data-event=begin]')).toContainText(first.requestId);
  await expect(timeline.locator('li[data-event=replay]')).toContainText(replay.requestId);
  await expect(timeline.locator('li[data-event=conflict]')).toContainText(conflict.requestId);

  const diff = page.getByRole('region', { name: /Difference: original request and Conflicting request 1/ });
  await expect(diff.locator('td.removed')).toContainText('charged twice');
  await expect(diff.locator('td.added')).toContainText('charged three times');
  await expect(diff.locator('td.same').first()).toContainText('{');
  await snap(page, 'key-story', info);
});

test('D2: a duplicate refused while the first still ran is in the story as an in-flight refusal', async ({
  page,
}) => {
  await signIn(page, 'admin');
  await page.goto('/keys');
  await page.getByLabel('Key', { exact: true }).fill(slowKey);
  await page.getByText('More filters').click();
  await page.getByLabel('Match').selectOption('exact');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: slowKey }).click();
  await expect.poll(() => timelineTypes(page)).toEqual(['begin', 'in_flight', 'complete']);
  await expect(page.getByTestId('timeline').locator('li[data-event=in_flight]')).toContainText(
    refused.requestId,
  );
  await expect(page.getByText('0 conflicts, 1 in-flight refusal')).toBeVisible();
});

test('D3: conflicts and natural duplicates are listed newest first, each row leading to its story', async ({
  page,
}, info) => {
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Conflicts' }).click();
  const row = page.getByRole('row').filter({ hasText: chargeKey });
  await expect(row).toContainText('409 idempotency_key_reused');
  await expect(row).toContainText(conflict.requestId);
  await snap(page, 'conflicts', info);
  await row.getByRole('link', { name: chargeKey }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(chargeKey);

  await page.getByRole('link', { name: 'Natural duplicates' }).click();
  const rows = page.locator('tbody tr');
  // Newest first: the sales event sent twice came after the duplicate contact.
  await expect(rows.first()).toContainText('Recognised natural id');
  await expect(rows.first()).toContainText(ticket);
  const contact = rows.filter({ hasText: 'Duplicate under another key' });
  await expect(contact).toContainText(contactKey(2));
  await expect(contact).toContainText(duplicate.requestId);
  await snap(page, 'natural-duplicates', info);
  // The contact the duplicate collided with, one click away.
  await contact.getByRole('link', { name: contactKey(1) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(contactKey(1));
  await expect(page.getByTestId('outcome')).toContainText('"type": "contact"');
});

test('D1: search by caller, procedure, state, natural id and time; sort; page by cursor', async ({
  page,
}) => {
  await signIn(page, 'admin');
  await page.goto('/keys?procedure=salesbricks.usage.report&limit=10');
  const keys = page.locator('tbody td.key-cell a');
  await expect(keys).toHaveCount(10);
  await expect(keys.first()).toHaveText(`usage-${run}-11`);
  await page.getByRole('link', { name: 'Next page →' }).click();
  await expect(keys).toHaveCount(2);
  await expect(keys.last()).toHaveText(`usage-${run}-0`);
  await page.getByRole('link', { name: '← Previous page' }).click();
  await expect(keys).toHaveCount(10);
  await page.getByRole('link', { name: /Created \(UTC\)/ }).click();
  await expect(page).toHaveURL(/order=oldest/);
  await expect(keys.first()).toHaveText(`usage-${run}-0`);

  // The form, as a person fills it: the filters past the search box unfold.
  await page.goto('/keys');
  await page.getByText('More filters').click();
  await page.getByLabel('Caller').fill('demo-b');
  await page.getByLabel('State').selectOption('expired');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(keys).toHaveCount(5);
  await expect(page.locator('tbody .badge.expired')).toHaveCount(5);

  await page.goto(`/keys?naturalId=${ticket}`);
  await expect(keys).toHaveCount(1);
  await expect(page.locator('tbody')).toContainText('noticia.salesEvents.ingest');
  await expect(page.locator('tbody')).toContainText(`external_id=${ticket}`);

  await page.goto('/keys?state=in_flight');
  await expect(keys).toHaveText([stuckKey]);

  const later = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
  await page.goto(`/keys?from=${later}`);
  await expect(page.getByText('No key matches these filters.')).toBeVisible();
});

test('D5: the support role reads everything but cannot act', async ({ page }, info) => {
  await signIn(page, 'support');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Actions' }),
  ).toHaveCount(0);
  await page.goto('/actions');
  await expect(page.getByRole('heading', { name: 'Actions are for admins' })).toBeVisible();
  await page.goto(`/keys?q=${stuckKey}`);
  await page.getByRole('link', { name: stuckKey }).click();
  await expect(page.getByTestId('lease-holder')).toHaveText(stuckOwner);
  await expect(page.getByText('Only an admin can release this key')).toBeVisible();
  await expect(page.getByRole('button', { name: /Release key/ })).toHaveCount(0);
  await snap(page, 'key-story-support', info);
  await signOut(page);
  // A login configured by its scrypt hash (npm run hash-password) signs in like any other, as support.
  await signIn(page, 'hana', 'hana-reads-everything');
  await page.goto('/actions');
  await expect(page.getByRole('heading', { name: 'Actions are for admins' })).toBeVisible();
  await signOut(page);
});

test('D5: an admin releases the stuck lease, and the audit log says who, what, when, before and after', async ({
  page,
}, info) => {
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Actions' }).click();
  const row = page.locator(`tr[data-key="${stuckKey}"]`);
  await expect(row).toContainText(stuckOwner);
  // The worker's 1.5 s lease has ended: the page (refreshing itself) marks the key as stuck.
  await expect(row.getByText('stuck', { exact: true })).toBeVisible();
  await snap(page, 'actions', info);
  await row.getByRole('button', { name: `Release key ${stuckKey}` }).click();
  await row.getByRole('button', { name: 'Yes, release the key' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: `Released "${stuckKey}" (held by ${stuckOwner})` }),
  ).toBeVisible();
  await expect(page.locator(`tr[data-key="${stuckKey}"]`)).toHaveCount(0);

  await page.getByRole('link', { name: 'Audit log' }).click();
  const entry = page.locator('tr[data-action="key.release"]').first();
  await expect(entry).toContainText('admin');
  await expect(entry).toContainText(`demo-a · billing.charge · ${stuckKey}`);
  await expect(entry).toContainText(`"leaseOwner": "${stuckOwner}"`);
  await expect(entry).toContainText('"state": "released"');

  // The key is gone from the store, but its story remains.
  await page.goto(`/keys/lookup?scope=demo-a&procedure=billing.charge&key=${stuckKey}`);
  await expect(page.getByText('No longer stored', { exact: true })).toBeVisible();
  await expect.poll(() => timelineTypes(page)).toEqual(['begin', 'release']);
  await expect(page.getByTestId('timeline')).toContainText('Released by admin');
});

test('D5: an admin purges expired keys, watching the progress, and the purge is audited', async ({
  page,
}, info) => {
  await signIn(page, 'admin');
  await page.goto('/actions');
  await expect(page.getByTestId('expired-count')).toHaveText('5');
  await page.getByRole('button', { name: 'Purge expired keys' }).click();
  await expect(page.getByTestId('purge-progress')).toContainText('Done: deleted 5 expired keys in 1 batch');
  await expect(page.getByTestId('expired-count')).toHaveText('0');
  await page.getByRole('link', { name: 'Audit log' }).click();
  const entry = page.locator('tr[data-action="keys.purge"]').first();
  await expect(entry).toContainText('all expired keys');
  await expect(entry).toContainText('"expiredKeys": 5');
  await expect(entry).toContainText('"deleted": 5');
  await snap(page, 'audit', info);
  await page.goto('/keys?state=expired');
  await expect(page.getByText('No key matches these filters.')).toBeVisible();
});

test('usable at phone width and from the keyboard', async ({ page }, info) => {
  await signIn(page, 'admin');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/keys', `/keys?q=${encodeURIComponent(chargeKey)}&match=exact`]) {
    await page.goto(path);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scrolling on ${path}`).toBeLessThanOrEqual(1);
  }
  await page.goto('/');
  await snap(page, 'overview-phone', info);
  await page.goto(`/keys?q=${encodeURIComponent(chargeKey)}&match=exact`);
  await page.getByRole('link', { name: chargeKey }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(chargeKey);
  await snap(page, 'key-story-phone', info);

  // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page's content.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/keys');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#content')).toBeFocused();
  await page.getByLabel('Key', { exact: true }).focus();
  await page.keyboard.type(slowKey);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('link', { name: slowKey })).toBeVisible();
});

test('D5: a signed-out session stays out, and pages run under their Content-Security-Policy', async ({
  page,
  context,
}) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, 'admin');
  for (const path of ['/', '/keys', `/keys?q=${encodeURIComponent(chargeKey)}&match=exact`, '/actions']) {
    const response = await page.goto(path);
    // The policy is there (a page without one would have no violations to report either).
    expect(response?.headers()['content-security-policy']).toMatch(
      /default-src 'self'.*frame-ancestors 'none'/,
    );
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  }
  expect(violations).toEqual([]);

  // A copy of the cookie taken before signing out is refused after it, though its signature is still good.
  const copied = (await context.cookies()).find((c) => c.name === 'idem_session')!;
  await signOut(page);
  await context.addCookies([copied]);
  await page.goto('/keys');
  await expect(page).toHaveURL(/\/login\?from=%2Fkeys$/);
});
