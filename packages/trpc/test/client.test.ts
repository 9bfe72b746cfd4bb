// The client half on its own: deterministic inputs, backoff, and the journals (file and Web Storage), including
// the failures a journal must report instead of silently dropping an operation.
import { migrate as migrateSqlite } from '@idem/core/sqlite';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestSqlite, type TestSqlite } from '@idem/testing';
import { createTRPCClient, httpBatchStreamLink, httpLink, TRPCClientError } from '@trpc/client';
import fc from 'fast-check';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backoffMs,
  canonicalInput,
  idempotencyHeaders,
  idempotencyLink,
  idempotencyOf,
  JournalError,
  type StorageLike,
  storageJournal,
} from '../src/client/index.ts';
import { fileJournal } from '../src/client/node.ts';
import { type App, type AppRouter, sqliteBackend, startApp } from './app.ts';

describe('canonicalInput', () => {
  it('C2: logically equal inputs serialise to the same bytes whatever their key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(JSON.stringify(canonicalInput(reversed))).toBe(JSON.stringify(canonicalInput(value)));
      }),
    );
    const at = new Date(0);
    expect(canonicalInput({ b: at, a: [{ d: 1, c: 2 }] })).toEqual({ a: [{ c: 2, d: 1 }], b: at });
    expect(Object.keys(canonicalInput({ b: 1, a: 2 }))).toEqual(['a', 'b']);
  });
});

describe('backoffMs', () => {
  it('C5: full jitter within an exponential cap, never below the server’s Retry-After, never above the max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.option(fc.nat(60_000)),
        (attempt, r, hint) => {
          const delay = backoffMs(
            attempt,
            { baseDelayMs: 100, maxDelayMs: 5_000 },
            hint ?? undefined,
            () => r,
          );
          expect(delay).toBeGreaterThanOrEqual(Math.min(5_000, hint ?? 0));
          expect(delay).toBeLessThanOrEqual(5_000);
          if (hint === null) expect(delay).toBeLessThan(Math.min(5_000, 100 * 2 ** (attempt - 1)) + 1e-9);
        },
      ),
    );
  });
});

// A journal folder that cannot exist: its parent is a regular file (ENOTDIR), as unwritable as a full disk.
function unwritableDir(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'idem-j-')), 'a-file');
  writeFileSync(file, '');
  return join(file, 'journal');
}

describe('journals', () => {
  it('C3: the file journal keeps entries across instances, oldest first, and deletes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-j-'));
    const a = fileJournal(dir);
    await a.put({ key: 'k/2', path: 'p', input: '{}', createdAt: 2 });
    await a.put({ key: 'k1', path: 'p', input: '{"x":1}', createdAt: 1 });
    const b = fileJournal(dir);
    expect((await b.list()).map((e) => e.key)).toEqual(['k1', 'k/2']);
    await b.delete('k1');
    expect((await a.list()).map((e) => e.key)).toEqual(['k/2']);
  });

  it('C3: a corrupt journal file is reported and kept aside, never silently dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-j-'));
    writeFileSync(join(dir, 'broken.json'), '{"key": "half-writ');
    const reported: string[] = [];
    const journal = fileJournal(dir, { onCorrupt: (file, e) => reported.push(`${file}:${e.code}`) });
    expect(await journal.list()).toEqual([]);
    expect(reported).toEqual([`${join(dir, 'broken.json')}:JOURNAL_CORRUPT`]);
    expect(existsSync(join(dir, 'broken.json.corrupt'))).toBe(true);
  });

  it('C3: a journal that cannot be written fails with JOURNAL_WRITE_FAILED', async () => {
    const journal = fileJournal(unwritableDir());
    const error = await journal
      .put({ key: 'k', path: 'p', input: '{}', createdAt: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).code).toBe('JOURNAL_WRITE_FAILED');
  });

  it('C3: the Web Storage journal reports a full storage and skips foreign keys', async () => {
    const map = new Map<string, string>();
    let full = false;
    const storage: StorageLike = {
      getItem: (k) => map.get(k) ?? null,
      setItem: (k, v) => {
        if (full) throw new DOMException('quota exceeded', 'QuotaExceededError');
        map.set(k, v);
      },
      removeItem: (k) => void map.delete(k),
      get length() {
        return map.size;
      },
      key: (i) => [...map.keys()][i] ?? null,
    };
    map.set('unrelated', 'x');
    const journal = storageJournal(storage);
    await journal.put({ key: 'k1', path: 'p', input: '{}', createdAt: 1 });
    expect((await journal.list()).map((e) => e.key)).toEqual(['k1']);
    full = true;
    await expect(journal.put({ key: 'k2', path: 'p', input: '{}', createdAt: 2 })).rejects.toMatchObject({
      code: 'JOURNAL_WRITE_FAILED',
    });
  });
});

describe('idempotencyLink against a real server', () => {
  let database: TestSqlite;
  let app: App;
  beforeAll(async () => {
    database = await createTestSqlite({ migrate: migrateSqlite });
    app = await startApp(await sqliteBackend(database));
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const linked = (link: typeof httpLink | typeof httpBatchStreamLink, options = {}) =>
    createTRPCClient<AppRouter>({
      links: [
        idempotencyLink(options),
        link({
          url: app.url,
          transformer: superjson,
          headers: idempotencyHeaders({ 'x-api-key': 'caller-a' }),
        }),
      ],
    });

  it('C4: with retries on, every logical mutation gets a key of its own, minted as a UUIDv7', async () => {
    const client = linked(httpLink);
    const one = await client.create.mutate({ amount: 61 });
    const two = await client.create.mutate({ amount: 61 });
    for (const result of [one, two]) {
      expect(result.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(idempotencyOf(result)).toMatchObject({ key: result.key, replayed: false, attempts: 1 });
    }
    expect(one.key).not.toBe(two.key);
  });

  it('C4 (seed 001): a key built from stable source facts is the same for every process that builds it', async () => {
    const key = (op: { path: string; input: unknown }) =>
      `billing:${(op.input as { amount: number }).amount}:order:create`;
    const first = await linked(httpLink, { key }).create.mutate({ amount: 62 });
    const again = await linked(httpLink, { key }).create.mutate({ amount: 62 });
    expect(first.key).toBe('billing:62:order:create');
    expect(idempotencyOf(again)?.replayed).toBe(true);
    expect((await app.effects()).filter((l) => l === 'create:62')).toHaveLength(1);
  });

  it('C6: a replay through httpBatchStreamLink, whose headers leave before procedures finish, is flagged', async () => {
    const key = `stream-${crypto.randomUUID()}`;
    const stream = linked(httpBatchStreamLink);
    const first = await stream.create.mutate({ amount: 63 }, { context: { idempotencyKey: key } });
    const [again, other] = await Promise.all([
      stream.create.mutate({ amount: 63 }, { context: { idempotencyKey: key } }),
      stream.create.mutate({ amount: 64 }),
    ]);
    expect(idempotencyOf(first)?.replayed).toBe(false);
    expect(again).toEqual(first);
    expect(idempotencyOf(again)).toMatchObject({ key, replayed: true });
    expect(idempotencyOf(other)?.replayed).toBe(false);
    expect((await app.effects()).filter((l) => l === 'create:63')).toHaveLength(1);
  });

  it('C3: the call fails with the journal error and the mutation is never sent', async () => {
    const client = createTRPCClient<AppRouter>({
      links: [
        idempotencyLink({ journal: fileJournal(unwritableDir()) }),
        httpLink({
          url: app.url,
          transformer: superjson,
          headers: idempotencyHeaders({ 'x-api-key': 'caller-a' }),
        }),
      ],
    });
    const before = app.calls.get('create') ?? 0;
    const error = await client.create.mutate({ amount: 42 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).cause).toBeInstanceOf(JournalError);
    expect(app.calls.get('create') ?? 0).toBe(before);
  });
});
