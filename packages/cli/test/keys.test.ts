// The admin commands against a real app: the test's HTTP server mounts @idem/admin's router on a real store
// (a SQLite file, then a PostgreSQL database), keys are made by real calls through idem's middleware and client
// link, and every command runs as the built binary in a child process, in table form and with --json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type App, type Backend, postgresBackend, sqliteBackend, startApp } from './app.ts';
import { closedPort, hasEscapes, idem, idemOnTerminal, oneLine, parsed, plain } from './run-cli.ts';

interface KeyRowJson {
  id: string;
  key: string;
  scope: string;
  procedure: string;
  state: string;
  outcomeStatus: number | null;
}
interface PageJson {
  items: KeyRowJson[];
  nextCursor: string | null;
}
interface StoryJson {
  key: string;
  scope: string;
  record: (KeyRowJson & { request: string | null }) | null;
  events: { type: string; payload: string | null }[];
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('idem against the admin API on %s', (_name, open) => {
  let backend: Backend;
  let app: App;
  /** Connection settings as a user exports them. */
  let env: Record<string, string>;

  beforeAll(async () => {
    backend = await open();
    app = await startApp(backend);
    env = { IDEM_ADMIN_URL: app.url, IDEM_ADMIN_TOKEN: ADMIN_TOKEN, IDEM_ADMIN_ACTOR: 'alice' };
    const acme = app.clientFor('acme');
    const globex = app.clientFor('globex');
    // order-1: a first call, a replay and a conflict (another amount under the same key).
    await acme.orders.create.mutate({ amount: 10 }, { context: { idempotencyKey: 'order-1' } });
    await acme.orders.create.mutate({ amount: 10 }, { context: { idempotencyKey: 'order-1' } });
    await expect(
      acme.orders.create.mutate({ amount: 12 }, { context: { idempotencyKey: 'order-1' } }),
    ).rejects.toThrow();
    await acme.orders.create.mutate({ amount: 20 }, { context: { idempotencyKey: 'order-2' } });
    // shared-1: the same key used by two callers.
    await acme.orders.create.mutate({ amount: 1 }, { context: { idempotencyKey: 'shared-1' } });
    await globex.orders.create.mutate({ amount: 1 }, { context: { idempotencyKey: 'shared-1' } });
    await app.engine.flushEvents();
  });

  afterAll(async () => {
    await app?.close();
    await backend?.drop();
  });

  describe('connection', () => {
    it('whoami names the person, the role and the store', async () => {
      const text = await idem(['whoami'], env);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toBe(
        `alice (support) on the ${app.engine.store.kind} store of ${app.url}, admin router at idemAdmin\n`,
      );
      const json = await idem(['whoami', '--json', '--role', 'admin'], env);
      expect(parsed(json)).toEqual({
        actor: 'alice',
        role: 'admin',
        store: app.engine.store.kind,
        url: app.url,
        path: 'idemAdmin',
      });
    });

    it('a wrong token is one line and exit 4', async () => {
      const run = await idem(['keys', 'find'], { ...env, IDEM_ADMIN_TOKEN: 'not-the-token-at-all' });
      expect(run.code).toBe(4);
      expect(oneLine(run)).toBe(
        `idem: the admin API at ${app.url} refused the credentials (The admin API refused these credentials.); check IDEM_ADMIN_TOKEN or --token`,
      );
      expect(run.stdout).toBe('');
    });

    it('an unreachable API is one line and exit 3, with --json too', async () => {
      const url = app.url.replace(/:\d+\//, `:${await closedPort()}/`);
      const run = await idem(['stats'], { ...env, IDEM_ADMIN_URL: url });
      expect(run.code).toBe(3);
      expect(oneLine(run)).toBe(`idem: cannot reach the admin API at ${url} (ECONNREFUSED)`);
      const json = await idem(['keys', 'show', 'order-1', '--json', '--url', url], env);
      expect(json.code).toBe(3);
      expect(JSON.parse(oneLine(json))).toEqual({
        error: {
          code: 'unreachable',
          exitCode: 3,
          message: `cannot reach the admin API at ${url} (ECONNREFUSED)`,
        },
      });
    });

    it('a path with no admin router is one line and exit 3', async () => {
      const run = await idem(['whoami', '--path', 'admin'], env);
      expect(run.code).toBe(3);
      expect(oneLine(run)).toBe(
        `idem: no admin router at path "admin" on ${app.url}; set IDEM_ADMIN_PATH or --path to where the app mounted it`,
      );
    });

    it("a transformer other than the app's is one line and exit 2", async () => {
      const run = await idem(['whoami', '--transformer', 'none'], env);
      expect(run.code).toBe(2);
      expect(oneLine(run)).toBe(
        `idem: the admin API at ${app.url} answers with another transformer than --transformer none: set IDEM_ADMIN_TRANSFORMER or --transformer to superjson`,
      );
    });

    it('no token is a usage error, before anything is sent', async () => {
      const run = await idem(['whoami'], { IDEM_ADMIN_URL: app.url });
      expect(run.code).toBe(2);
      expect(oneLine(run)).toBe(
        'idem: no admin token: set IDEM_ADMIN_TOKEN (or pass --token), the same secret the app has',
      );
    });

    it('bad option values are usage errors', async () => {
      const state = await idem(['keys', 'find', '--state', 'stuck'], env);
      expect(state.code).toBe(2);
      expect(oneLine(state)).toBe(
        "idem: option '--state <state>' argument 'stuck' is invalid. Allowed choices are in_flight, completed, failed, expired.",
      );
      const window = await idem(['stats', '--window', '5 parsecs'], env);
      expect(window.code).toBe(2);
      expect(oneLine(window)).toContain("option '--window <duration>' argument '5 parsecs' is invalid");
      const from = await idem(['keys', 'find', '--from', 'yesterday'], env);
      expect(from.code).toBe(2);
      const missing = await idem(['keys', 'show'], env);
      expect(missing.code).toBe(2);
      expect(oneLine(missing)).toBe("idem: missing required argument 'key-or-id'");
    });
  });

  describe('keys find', () => {
    it('lists keys newest first as a table', async () => {
      const run = await idem(['keys', 'find'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(hasEscapes(run.stdout)).toBe(false);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^ID\s+Key\s+Caller\s+Procedure\s+State\s+Status\s+Created \(UTC\)\s+Expires$/,
      );
      const order1 = lines.find((l) => / order-1 /.test(l));
      expect(order1).toMatch(
        / order-1\s+acme\s+orders\.create\s+completed\s+200\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+in 23 h/,
      );
      expect(lines.at(-1)).toBe('4 keys, newest first.');
      // Newest first: shared-1 (globex) was the last key made.
      expect(lines[1]).toMatch(/ shared-1\s+globex /);
    });

    it('filters like the dashboard, as JSON for scripts', async () => {
      const byCaller = parsed<PageJson>(await idem(['keys', 'find', '--caller', 'globex', '--json'], env));
      expect(byCaller.items.map((k) => [k.key, k.scope])).toEqual([['shared-1', 'globex']]);
      const byPrefix = parsed<PageJson>(
        await idem(['keys', 'find', '--prefix', 'order-', '--order', 'oldest', '--json'], env),
      );
      expect(byPrefix.items.map((k) => k.key)).toEqual(['order-1', 'order-2']);
      const exact = parsed<PageJson>(
        await idem(['keys', 'find', '--key', 'order-2', '--state', 'completed', '--json'], env),
      );
      expect(exact.items.map((k) => [k.key, k.state, k.outcomeStatus])).toEqual([
        ['order-2', 'completed', 200],
      ]);
      const future = await idem(['keys', 'find', '--from', '2999-01-01', '--json'], env);
      expect(parsed<PageJson>(future).items).toEqual([]);
      const none = await idem(['keys', 'find', '--procedure', 'orders.nothing'], env);
      expect(none.stdout).toBe('No key matches.\n');
    });

    it('pages with --limit and --cursor', async () => {
      const first = parsed<PageJson>(await idem(['keys', 'find', '--limit', '2', '--json'], env));
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = parsed<PageJson>(
        await idem(['keys', 'find', '--limit', '2', '--cursor', first.nextCursor!, '--json'], env),
      );
      expect(second.items).toHaveLength(2);
      expect(second.items.map((k) => k.id)).not.toContain(first.items[0]!.id);
      const text = await idem(['keys', 'find', '--limit', '2'], env);
      expect(text.stdout).toContain(
        `2 keys, newest first. More: the same command with --cursor ${first.nextCursor}`,
      );
    });
  });

  describe('keys show', () => {
    it("tells a key's story, with the conflicting request's difference", async () => {
      const run = await idem(['keys', 'show', 'order-1'], env);
      expect(run.code, run.stderr).toBe(0);
      const out = run.stdout;
      expect(hasEscapes(out)).toBe(false);
      expect(out).toMatch(/^order-1 {2}completed\ncaller acme · procedure orders\.create · kind key\n/);
      expect(out).toMatch(/ {2}outcome +200\n/);
      expect(out).toContain('Request (as kept, secrets redacted)\n  {\n    "amount": 10\n  }');
      expect(out).toMatch(/begin +\S+ +Ran the procedure \(new key\)/);
      expect(out).toMatch(/replay +\S+ +Same key and payload: answered 200 from the stored outcome/);
      expect(out).toMatch(
        /conflict +\S+ +Same key, different payload: refused with 422 IDEMPOTENCY_KEY_REUSED\./,
      );
      expect(out).toContain(
        '--- original request\n  +++ conflicting request\n    {\n  -   "amount": 10\n  +   "amount": 12\n    }',
      );
    });

    it('colours the difference on request (FORCE_COLOR), never with NO_COLOR or --json', async () => {
      const coloured = await idem(['keys', 'show', 'order-1'], { ...env, FORCE_COLOR: '1' });
      expect(coloured.stdout).toContain(`${RED}-   "amount": 10`);
      expect(coloured.stdout).toContain(`${GREEN}+   "amount": 12`);
      const noColor = await idem(['keys', 'show', 'order-1'], { ...env, FORCE_COLOR: '1', NO_COLOR: '1' });
      expect(hasEscapes(noColor.stdout)).toBe(false);
      const json = await idem(['keys', 'show', 'order-1', '--json'], { ...env, FORCE_COLOR: '1' });
      expect(hasEscapes(json.stdout)).toBe(false);
      const story = parsed<StoryJson>(json);
      expect(story).toMatchObject({ key: 'order-1', scope: 'acme', record: { state: 'completed' } });
      expect(story.events.map((e) => e.type).sort()).toEqual(['begin', 'complete', 'conflict', 'replay']);
      expect(story.events.find((e) => e.type === 'conflict')?.payload).toContain('"amount": 12');
    });

    it('colours on a terminal by itself', async () => {
      const run = await idemOnTerminal(['keys', 'show', 'order-1'], env);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toContain(`${GREEN}+   "amount": 12`);
    });

    it('takes a record id, and asks which key when several share one', async () => {
      const [row] = parsed<PageJson>(
        await idem(['keys', 'find', '--key', 'shared-1', '--caller', 'globex', '--json'], env),
      ).items;
      const byId = parsed<StoryJson>(await idem(['keys', 'show', row!.id, '--json'], env));
      expect([byId.key, byId.scope]).toEqual(['shared-1', 'globex']);

      const ambiguous = await idem(['keys', 'show', 'shared-1'], env);
      expect(ambiguous.code).toBe(2);
      expect(oneLine(ambiguous)).toMatch(
        /^idem: "shared-1" names 2 keys: add --caller and --procedure, or pass an id: \S+ \(caller globex, orders\.create\), \S+ \(caller acme, orders\.create\)$/,
      );
      const narrowed = parsed<StoryJson>(
        await idem(['keys', 'show', 'shared-1', '--caller', 'acme', '--json'], env),
      );
      expect(narrowed.scope).toBe('acme');
    });

    it('an unknown key is one line and exit 6', async () => {
      const run = await idem(['keys', 'show', 'order-404'], env);
      expect(run.code).toBe(6);
      expect(oneLine(run)).toBe(
        'idem: no stored key "order-404"; a key that expired and was purged is still found with --caller and --procedure',
      );
      const byRef = await idem(
        ['keys', 'show', 'order-404', '--caller', 'acme', '--procedure', 'orders.create'],
        env,
      );
      expect(byRef.code).toBe(6);
      expect(oneLine(byRef)).toBe('idem: No key and no event is known under that name.');
    });
  });

  describe('keys release and void', () => {
    it('releases a key held in flight; the old holder is refused, a second release is exit 7', async () => {
      app.resetHold();
      const holder = app
        .clientFor('acme')
        .orders.hold.mutate({ n: 1 }, { context: { idempotencyKey: 'hold-1' } })
        .catch(() => null);
      await app.held().entered;

      const support = await idem(['keys', 'release', 'hold-1', '--role', 'support'], env);
      expect(support.code).toBe(5);
      expect(oneLine(support)).toBe(
        'idem: Only the admin role may act; the support role is read-only. (acting as alice, role support)',
      );
      const voidInFlight = await idem(['keys', 'void', 'hold-1', '--reason', 'customer asked'], env);
      expect(voidInFlight.code).toBe(7);
      expect(oneLine(voidInFlight)).toBe(
        'idem: This key is still in flight: release it instead, or wait for its outcome.',
      );

      const release = await idem(['keys', 'release', 'hold-1', '--json'], env);
      expect(release.code, release.stderr).toBe(0);
      expect(parsed<{ released: KeyRowJson }>(release).released).toMatchObject({
        key: 'hold-1',
        state: 'in_flight',
      });

      // The holder finishes after the release: its outcome is refused, not stored, and the story says so.
      app.held().open();
      await holder;
      await app.engine.flushEvents();
      const story = parsed<StoryJson>(
        await idem(
          ['keys', 'show', 'hold-1', '--caller', 'acme', '--procedure', 'orders.hold', '--json'],
          env,
        ),
      );
      expect(story.record).toBeNull();
      expect(story.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['begin', 'release', 'lease_lost']),
      );

      const again = await idem(
        ['keys', 'release', 'hold-1', '--caller', 'acme', '--procedure', 'orders.hold'],
        env,
      );
      expect(again.code).toBe(7);
      expect(oneLine(again)).toBe(
        'idem: This key is not in flight (it completed, or is gone): nothing to release.',
      );
    });

    it("voids a failed key with a reason, so the customer's retry runs fresh", async () => {
      const acme = app.clientFor('acme');
      const charge = () =>
        acme.orders.charge.mutate({ amount: 5 }, { context: { idempotencyKey: 'charge-1' } });
      await expect(charge()).rejects.toThrow('card declined (call 1)');
      await expect(charge()).rejects.toThrow('card declined (call 1)'); // the stored 500, replayed

      const noReason = await idem(['keys', 'void', 'charge-1'], env);
      expect(noReason.code).toBe(2);
      expect(oneLine(noReason)).toBe("idem: required option '--reason <text>' not specified");
      const shortReason = await idem(['keys', 'void', 'charge-1', '--reason', ' x '], env);
      expect(shortReason.code).toBe(2);

      const run = await idem(['keys', 'void', 'charge-1', '--reason', 'card replaced by the customer'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(
        'Voided "charge-1" (caller acme, orders.charge): its stored outcome (failed, status 500) is gone, so the next request under this key runs fresh.\n',
      );
      await expect(charge()).rejects.toThrow('card declined (call 2)');
      expect(app.calls.get('charge')).toBe(2);
    });
  });

  describe('purge and stats', () => {
    it('purges expired keys and reports what it deleted', async () => {
      const client = app.clientFor('acme');
      for (let n = 0; n < 7; n++)
        await client.orders.temp.mutate({ n }, { context: { idempotencyKey: `temp-${n}` } });
      expect(await backend.expire('orders.temp')).toBe(7);

      const run = await idem(['purge', '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const job = parsed<{ state: string; deleted: number; expiredBefore: number; actor: string }>(run);
      expect(job).toMatchObject({ state: 'done', deleted: 7, expiredBefore: 7, actor: 'alice' });
      const left = parsed<PageJson>(
        await idem(['keys', 'find', '--procedure', 'orders.temp', '--json'], env),
      );
      expect(left.items).toEqual([]);

      const again = await idem(['purge'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^Purged 0 expired keys in \d+ batch(es)?( in \d.*)?\.\n$/);
    });

    it('draws a progress bar on a terminal', async () => {
      const client = app.clientFor('acme');
      for (let n = 0; n < 3; n++)
        await client.orders.temp.mutate({ n }, { context: { idempotencyKey: `bar-${n}` } });
      expect(await backend.expire('orders.temp')).toBe(3);
      const run = await idemOnTerminal(['purge'], env);
      expect(run.code, run.stdout).toBe(0);
      const screen = plain(run.stdout);
      expect(screen).toContain('Purging expired keys |');
      expect(screen).toMatch(/3\/3 keys · batch 1/);
      expect(screen).toContain('Purged 3 expired keys in 1 batch');
    });

    it('shows the overview', async () => {
      const json = parsed<{
        totals: { replay: number; conflict: number; begin: number };
        expiredNow: number;
      }>(await idem(['stats', '--json', '--window', '1h', '--bucket', '5m'], env));
      expect(json.totals.replay).toBeGreaterThanOrEqual(1);
      expect(json.totals.conflict).toBe(1);
      expect(json.totals.begin).toBeGreaterThanOrEqual(5);
      expect(json.expiredNow).toBe(0);
      const text = await idem(['stats'], env);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^Last 24 h \(/);
      expect(text.stdout).toMatch(/ {2}conflicts +1 +\S+ +\d+\.\d %/);
      expect(text.stdout).toMatch(/ {2}in flight +0/);
    });
  });
});

describe('idem against an app without a transformer', () => {
  let backend: Backend;
  let app: App;
  beforeAll(async () => {
    backend = await sqliteBackend();
    app = await startApp(backend, { transformer: 'none', path: 'support.idem' });
    await app
      .clientFor('acme')
      .orders.create.mutate({ amount: 3 }, { context: { idempotencyKey: 'plain-1' } });
  });
  afterAll(async () => {
    await app?.close();
    await backend?.drop();
  });

  it('reads it with --transformer none and the path the app chose', async () => {
    const env = {
      IDEM_ADMIN_URL: app.url,
      IDEM_ADMIN_TOKEN: ADMIN_TOKEN,
      IDEM_ADMIN_PATH: 'support.idem',
      IDEM_ADMIN_TRANSFORMER: 'none',
    };
    const page = parsed<PageJson>(await idem(['keys', 'find', '--json'], env));
    expect(page.items.map((k) => k.key)).toEqual(['plain-1']);
    const wrong = await idem(['keys', 'find', '--transformer', 'superjson'], env);
    expect(wrong.code).toBe(2);
    expect(oneLine(wrong)).toBe(
      `idem: the admin API at ${app.url} answers with another transformer than --transformer superjson: set IDEM_ADMIN_TRANSFORMER or --transformer to none`,
    );
  });
});
