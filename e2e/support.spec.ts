// Support answers from what the customer has (issue 11; SPEC D1–D8), in the real dashboard against the real API:
// every scenario starts from traffic sent over HTTP to the started API, then a person finds it in the dashboard as a
// customer would describe it: a request id, a route, a payload field, a double charge under two keys, a stored 500,
// a failed key voided so the retry runs, every preset's in-flight refusal, counts that agree, and the pages checked
// by axe, at phone width and from the keyboard.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { adminQuery, apiUrl, signIn, snap } from './support';

test.describe.configure({ mode: 'serial' });

const run = Date.now().toString(36);
const usageKey = (n: string) => `usage-${run}-${n}`;
const SALESBRICKS = 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY';

interface Raw {
  status: number;
  requestId: string;
  text: string;
}

/** A request to the API as a customer's client sends it, with the body exactly as it came back. */
async function send(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  key = 'demo-key-a',
): Promise<Raw> {
  const res = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, requestId: res.headers.get('x-request-id') ?? '', text: await res.text() };
}

const usage = (order: string, quantity = 3) => ({
  order_id: order,
  internal_usage_id: `u-${order}`,
  quantity,
  occurred_at: '2026-11-27T10:00:00Z',
});

let charged: Raw;
let chargedAgain: Raw;
let broken: Raw;
let brokenReplay: Raw;

test.beforeAll(async () => {
  // The classic double charge: the same usage report sent again under a new key.
  charged = await send('/v1/usage', usage(`ord_${run}`), {
    [SALESBRICKS]: usageKey('a'),
    'user-agent': 'billing-sync/2.1',
  });
  chargedAgain = await send('/v1/usage', usage(`ord_${run}`), { [SALESBRICKS]: usageKey('b') });
  expect([charged.status, chargedAgain.status]).toEqual([201, 201]);
  // A stored 500: the billing ledger fails, and the retry under the same key gets the same answer.
  broken = await send('/v1/usage', usage(`ord_broken_${run}`), { [SALESBRICKS]: usageKey('broken') });
  brokenReplay = await send('/v1/usage', usage(`ord_broken_${run}`), { [SALESBRICKS]: usageKey('broken') });
  expect([broken.status, brokenReplay.status]).toEqual([500, 500]);
  expect(JSON.parse(broken.text).error.code).toBe('billing_unavailable');
});

/** The page's `Search` box, as a person uses it. */
async function search(page: Page, path: '/requests' | '/keys', text: string) {
  await page.goto(path);
  await page.getByRole('searchbox').fill(text);
  await page.getByRole('button', { name: 'Search' }).click();
}

test('D1/D7: a request is found by its request id, by the route its client called and by a payload field', async ({
  page,
}, info) => {
  await signIn(page, 'support');
  await search(page, '/requests', charged.requestId);
  await expect(page).toHaveURL(new RegExp(`q=${charged.requestId}`));
  // Focus goes to the results, not back to the top of the page.
  const results = page.getByRole('heading', { name: /^1 request matching/ });
  await expect(results).toBeFocused();
  const row = page.locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('POST /v1/usage');
  await expect(row).toContainText('Demo Shop A');
  await snap(page, 'requests', info);
  await row.getByRole('link', { name: charged.requestId }).click();
  await expect(page).toHaveTitle(new RegExp(`Request ${charged.requestId}`));
  await expect(page.getByTestId('response')).toHaveText(charged.text);
  await expect(page.getByTestId('client')).toContainText('billing-sync/2.1');
  await expect(page.getByTestId('decision-meaning')).toContainText('The client got 201');
  await snap(page, 'request', info);

  // By the route as the customer names it and a field of what they sent: both charges, each under its own key.
  await page.goto('/requests');
  await page.getByText('More filters').click();
  await page.getByLabel('Route or procedure').fill('POST /v1/usage');
  await page.getByLabel('Payload field').fill(`order_id = ord_${run}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('heading', { name: /^2 requests matching/ })).toBeVisible();
  await expect(page.locator('tbody tr')).toHaveCount(2);
  await expect(page.locator('tbody')).toContainText(usageKey('a'));
  await expect(page.locator('tbody')).toContainText(usageKey('b'));
  // The URL is the search: shared, it shows the same.
  const shared = page.url();
  await page.goto(shared);
  await expect(page.locator('tbody tr')).toHaveCount(2);
  // And it exports as CSV.
  const csv = await page.request.get(shared.replace('/requests?', '/api/export?kind=requests&'));
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines.join('\n')).toContain(charged.requestId);

  // A plain part of a key finds it too (no exact match: keys containing it).
  await search(page, '/keys', `${run}-brok`);
  await expect(page.getByRole('link', { name: usageKey('broken') })).toBeVisible();
});

test('D6: a double charge made under two keys is in Possible duplicates, each request leading to its story', async ({
  page,
}, info) => {
  await signIn(page, 'support');
  await page.goto('/');
  const count = await page.getByTestId('possible-duplicates').textContent();
  await page.getByTestId('possible-duplicates').click();
  await expect(page).toHaveURL(/\/duplicates\?window=24h/);
  const group = page.locator('article[data-group="payload"]').filter({ hasText: usageKey('a') });
  await expect(group).toContainText('2 requests with the same payload under 2 different keys');
  await expect(group).toContainText(usageKey('b'));
  await expect(group).toContainText('Demo Shop A');
  // The overview counts the groups this page lists.
  const payload = Number(await page.getByTestId('payload-groups').textContent());
  const natural = Number(await page.getByTestId('natural-groups').textContent());
  expect(payload + natural).toBe(Number(count));
  await snap(page, 'duplicates', info);
  await group.getByRole('link', { name: usageKey('b') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(usageKey('b'));
  await expect(page).toHaveTitle(new RegExp(`Key ${usageKey('b')}`));
});

test('D7: a stored 500 shows the error code and the exact body the client got, not the stored tRPC error', async ({
  page,
}) => {
  await signIn(page, 'support');
  await search(page, '/keys', usageKey('broken'));
  await page.getByRole('link', { name: usageKey('broken') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(usageKey('broken'));
  const got = page.getByTestId('client-requests').locator('tbody tr');
  await expect(got).toHaveCount(2);
  await expect(got.first()).toContainText('Replay');
  await expect(got.nth(1)).toContainText('First call');
  await expect(page.getByTestId('summary')).toContainText(`request ${broken.requestId}: Ran the procedure`);
  await expect(page.getByTestId('summary')).toContainText('answered 500');
  await got.nth(1).getByRole('link', { name: broken.requestId }).click();
  await expect(page.getByTestId('response')).toHaveText(broken.text);
  await expect(page.getByTestId('response')).toContainText('"code":"billing_unavailable"');
  await expect(page.locator('main')).not.toContainText('INTERNAL_SERVER_ERROR');
  await page.goBack();
  await got.first().getByRole('link', { name: brokenReplay.requestId }).click();
  await expect(page.getByTestId('response')).toHaveText(brokenReplay.text);
});

test('D8: an admin voids the failed key with a reason; the audit log links to it; the corrected retry runs', async ({
  page,
}) => {
  await signIn(page, 'admin');
  await search(page, '/keys', usageKey('broken'));
  await page.getByRole('link', { name: usageKey('broken') }).click();
  await page.getByRole('button', { name: `Void key ${usageKey('broken')}` }).click();
  await page.getByLabel('Reason').fill('Billing ledger fixed; customer retries ticket #4711');
  await page.getByRole('button', { name: 'Yes, void the key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Voided.' })).toBeVisible();
  await expect(page.getByText('No longer stored', { exact: true })).toBeVisible();
  await expect(page.getByTestId('timeline').locator('li[data-event=void]')).toContainText('Voided by admin');

  // The customer's corrected retry, under the same key, runs now instead of replaying the 500.
  const retry = await send('/v1/usage', usage(`ord_fixed_${run}`), { [SALESBRICKS]: usageKey('broken') });
  expect(retry.status).toBe(201);

  await page.getByRole('link', { name: 'Audit log' }).click();
  const entry = page.locator('tr[data-action="key.void"]').first();
  await expect(entry).toContainText('Voided a key');
  await expect(entry).toContainText('Billing ledger fixed');
  await entry.getByRole('link', { name: new RegExp(usageKey('broken')) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(usageKey('broken'));
  await expect(page.getByRole('heading', { name: 'Stored outcome: status 201' })).toBeVisible();
  const summary = page.getByTestId('summary');
  await expect(summary).toContainText('Voided by admin: “Billing ledger fixed');
  await expect(summary).toContainText(`request ${retry.requestId}: Ran again: the key had been voided`);
  await expect(page.getByTestId('summary-counts')).toContainText('2 runs (1 re-run), 1 replay');
});

/** Sends a first request held in flight (demo delay), then a duplicate while it runs; returns both. */
async function duplicateInFlight(
  path: string,
  body: unknown,
  headers: Record<string, string>,
  inFlight: () => Promise<boolean>,
): Promise<{ first: Raw; second: Raw }> {
  const first = send(path, body, { ...headers, 'x-demo-delay-ms': '2500' });
  await expect.poll(inFlight, { timeout: 10_000 }).toBe(true);
  const second = await send(path, body, headers);
  return { first: await first, second };
}

const keyInFlight = (q: string) => async () =>
  (await adminQuery<{ items: unknown[] }>('keys', { q, state: 'in_flight' })).items.length === 1;

test("D2: every preset's duplicate in flight is explained as its client got it", async ({ page }) => {
  // reject (noticia, shelfcycle, novu): 409 while the first runs.
  const note = { primarySubject: { type: 'customer', id: 'c1' }, noteType: 'call', title: 'Hi', body: 'x' };
  const noteKey = `note-${run}`;
  const notes = await duplicateInFlight('/notes', note, { 'Idempotency-Key': noteKey }, keyInFlight(noteKey));
  expect([notes.first.status, notes.second.status]).toEqual([201, 409]);
  const profileKey = `profile-${run}`;
  const profiles = await duplicateInFlight(
    '/v1/profiles',
    { external_id: `crm-${run}`, first_name: 'Ann' },
    { 'Idempotency-Key': profileKey },
    keyInFlight(profileKey),
  );
  expect([profiles.first.status, profiles.second.status]).toEqual([201, 409]);
  const triggerKey = `trigger-${run}`;
  const triggers = await duplicateInFlight(
    '/v1/events/trigger',
    { name: 'welcome', to: { subscriberId: 's-1' } },
    { 'Idempotency-Key': triggerKey },
    keyInFlight(triggerKey),
  );
  expect([triggers.first.status, triggers.second.status]).toEqual([201, 409]);
  // serialize (salesbricks): the duplicate waits its turn, then is refused.
  const usageSerial = usageKey('serial');
  const serial = await duplicateInFlight(
    '/v1/usage',
    usage(`ord_serial_${run}`),
    { [SALESBRICKS]: usageSerial },
    keyInFlight(usageSerial),
  );
  expect([serial.first.status, serial.second.status]).toEqual([201, 409]);
  // wait (numora): the duplicate waits for the first and answers with its outcome.
  const external = `ap-${run}`;
  const documents = await duplicateInFlight(
    '/v1/documents',
    { schema: 'invoice_v2', file_url: 'https://example.com/a.pdf', external_id: external },
    {},
    keyInFlight(external),
  );
  // N3: the duplicate answers with the existing document, 200.
  expect([documents.first.status, documents.second.status]).toEqual([201, 200]);

  await signIn(page, 'support');
  const story = async (q: string) => {
    await search(page, '/keys', q);
    await page.locator('tbody td.key-cell a').first().click();
    return page.getByTestId('timeline');
  };
  for (const [key, second] of [
    [noteKey, notes.second],
    [profileKey, profiles.second],
    [triggerKey, triggers.second],
  ] as const) {
    expect(JSON.parse(second.text).error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    const timeline = await story(key);
    await expect(timeline.locator('li[data-event=in_flight]')).toContainText(
      'Refused with 409 IDEMPOTENCY_IN_FLIGHT while the first request was still running',
    );
    await expect(page.getByTestId('summary')).toContainText(`request ${second.requestId}: Refused with 409`);
    await expect(page.getByTestId('summary-counts')).toContainText(
      '1 run, 0 replays, 0 conflicts, 1 in-flight refusal',
    );
  }
  let timeline = await story(usageSerial);
  await expect(timeline.locator('li[data-event=in_flight]')).toContainText(
    'Waited its turn, then refused with 409 IDEMPOTENCY_IN_FLIGHT',
  );
  await expect(page.getByTestId('summary')).toContainText(
    `request ${serial.second.requestId}: Waited its turn`,
  );
  timeline = await story(external);
  await expect(timeline.locator('li[data-event=replay]')).toContainText(
    'after waiting for the first request to finish',
  );
  await expect(page.getByTestId('summary-counts')).toContainText('1 run, 1 replay');
});

test('D4: the overview counts each request sent once, and its lists and charts show the same numbers', async ({
  page,
}) => {
  await signIn(page, 'support');
  await page.goto('/?window=1h');
  const number = async (id: string) => Number((await page.getByTestId(id).textContent())!.replace(/,/g, ''));
  const before = { requests: await number('total-requests'), conflicts: await number('total-conflict') };
  // Six requests: two first calls (a profile sent with a key also claims its external_id: still one request), a
  // replay, a conflict, one without a key, and a refusal of a missing key.
  const key = `count-${run}`;
  const profile = { external_id: `crm-count-${run}`, first_name: 'Bo' };
  const sent = [
    await send('/v1/profiles', profile, { 'Idempotency-Key': key }),
    await send('/v1/profiles', profile, { 'Idempotency-Key': key }),
    await send('/v1/profiles', { ...profile, first_name: 'Bob' }, { 'Idempotency-Key': key }),
    await send('/v1/usage', usage(`ord_count_${run}`), { [SALESBRICKS]: usageKey('count') }),
    await send('/v1/events/trigger', { name: 'welcome', to: { subscriberId: `s-${run}` } }),
    await send('/notes', {
      primarySubject: { type: 'customer', id: 'c' },
      noteType: 'call',
      title: 't',
      body: 'b',
    }),
  ];
  expect(sent.map((s) => s.status)).toEqual([201, 201, 409, 201, 201, 400]);
  await expect
    .poll(async () => {
      await page.goto('/?window=1h');
      return number('total-requests');
    })
    .toBe(before.requests + sent.length);
  expect(await number('total-conflict')).toBe(before.conflicts + 1);
  // Charts and counts agree.
  for (const decision of ['first_call', 'replay', 'conflict', 'refused']) {
    const chart = await number(`chart-total-${decision}`);
    const stat =
      decision === 'first_call'
        ? null
        : await number(
            decision === 'conflict'
              ? 'total-conflict'
              : decision === 'replay'
                ? 'total-replay'
                : 'total-refused',
          );
    if (stat !== null) expect(chart, decision).toBe(stat);
  }
  // The list behind a count holds as many.
  const total = await number('total-requests');
  await page.getByTestId('total-requests').click();
  await expect(
    page.getByRole('heading', { name: new RegExp(`^${total.toLocaleString('en')} requests`) }),
  ).toBeVisible();
  await page.goBack();
  const conflicts = await number('total-conflict');
  await page.getByTestId('total-conflict').click();
  await expect(page.getByTestId('conflict-count')).toHaveText(String(conflicts));
  await page.goBack();
  const refused = await number('total-refused');
  await page.getByTestId('total-refused').click();
  await expect(
    page.getByRole('heading', { name: new RegExp(`^${refused} requests? matching`) }),
  ).toBeVisible();
  await expect(page.locator('tbody tr').first()).toContainText('KEY_MISSING');
  await expect(page.locator('tbody tr').first()).toContainText('POST /notes');
});

test('D5: cross-origin posts answer 403; one tab polls; card numbers, IBANs and SSNs in free text are redacted', async ({
  page,
  context,
}) => {
  // A form posted from another site: refused at the door, not a 500.
  for (const path of ['/login', '/keys', '/actions']) {
    const res = await page.request.post(path, {
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      data: 'username=admin&password=demo',
    });
    expect(res.status(), path).toBe(403);
  }

  // Free text with a card number (Luhn-valid), an IBAN and a social security number.
  const note = {
    primarySubject: { type: 'customer', id: 'c1' },
    noteType: 'call',
    title: 'Card on file',
    body: 'Paid with 4111 1111 1111 1111, refund to DE89 3704 0044 0532 0130 00, SSN 123-45-6789.',
  };
  const sent = await send('/notes', note, { 'Idempotency-Key': `redact-${run}` });
  expect(sent.status).toBe(201);
  await signIn(page, 'support');
  await search(page, '/requests', sent.requestId);
  await page.locator('tbody tr').getByRole('link', { name: sent.requestId }).click();
  for (const secret of ['4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', '123-45-6789']) {
    await expect(page.locator('main')).not.toContainText(secret);
  }
  await expect(page.getByTestId('request')).toContainText('[REDACTED]');
  await page.getByRole('link', { name: `redact-${run}` }).click();
  await expect(page.getByTestId('request')).toContainText('[REDACTED]');
  await expect(page.locator('main')).not.toContainText('4111 1111 1111 1111');

  // Two tabs open on the dashboard: the one last focused polls; the other says it waits for its turn.
  await page.goto('/requests');
  const other = await context.newPage();
  await other.goto('/keys');
  await expect(page.getByTestId('live')).toContainText('Live in another tab');
  // Back to the first tab: it catches up with one request, and takes over.
  const seen: string[] = [];
  const count = (r: { url(): string }) => {
    if (r.url().startsWith(new URL(page.url()).origin)) seen.push(r.url());
  };
  page.on('request', count);
  other.on('request', count);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(page.getByTestId('live')).toContainText('Live: refreshes every');
  await expect(other.getByTestId('live')).toContainText('Live in another tab');
  await page.waitForLoadState('networkidle');
  expect(seen, seen.join('\n')).toHaveLength(1);
  await other.close();
});

const PAGES = ['/', '/requests', '/keys', '/duplicates', '/conflicts', '/natural-duplicates', '/audit'];

test('D1/D5: axe finds nothing on any page, signed out or in, as admin or support', async ({ page }) => {
  const check = async (path: string) => {
    // The page itself, not the skeleton shown while its data loads.
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    const results = await new AxeBuilder({ page }).analyze();
    expect(
      results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      path,
    ).toEqual([]);
  };
  await page.goto('/login');
  await check('/login');
  await signIn(page, 'admin');
  for (const path of [...PAGES, '/actions', `/requests?q=${charged.requestId}`]) {
    await page.goto(path);
    await check(path);
  }
  await search(page, '/keys', usageKey('broken'));
  await page.getByRole('link', { name: usageKey('broken') }).click();
  await check('key story');
  await page.getByRole('button', { name: /^Void key/ }).click();
  await check('key story, voiding');
  await search(page, '/requests', charged.requestId);
  await page.locator('tbody tr').getByRole('link', { name: charged.requestId }).click();
  await check('request');
});

test('usable at 390 px: lists fold into cards under one search box, titles name what is shown', async ({
  page,
}, info) => {
  await signIn(page, 'support');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of [...PAGES, `/requests?q=${charged.requestId}`]) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scrolling on ${path}`).toBeLessThanOrEqual(1);
  }
  await page.goto('/requests');
  // One box and its button; the other filters folded away.
  await expect(page.getByRole('searchbox')).toBeVisible();
  await expect(page.getByLabel('Payload field')).toBeHidden();
  // The screenshot of one search's result: a card per request (a whole page of them is 10,000 px tall).
  await search(page, '/requests', charged.requestId);
  await snap(page, 'requests-phone', info);
  await page.goto(`/requests?route=${encodeURIComponent('POST /v1/usage')}`);
  // Each row reads as a card: every value says what it is.
  const card = page.locator('tbody tr').first();
  await expect(card.locator('td[data-label="Route"]')).toBeVisible();
  const box = await card.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  await page.goto('/duplicates');
  await snap(page, 'duplicates-phone', info);
  await search(page, '/keys', usageKey('a'));
  await page.getByRole('link', { name: usageKey('a') }).click();
  await expect(page).toHaveTitle(new RegExp(`^Key ${usageKey('a')}`));
});
