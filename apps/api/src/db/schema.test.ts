// The hand-written SQL migrations and the Prisma schemas must describe the same tables: every model is read
// and written through the generated client on a freshly migrated database of each kind.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Prisma as PostgresPrisma } from '../../generated/postgres/client.ts';
import { readMigrations } from './migrate.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

describe.each(['sqlite', 'postgresql'] as const)('schema and migrations on %s', (provider) => {
  it("the demo's copy of idem's Prisma models is the one idem ships", () => {
    const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
    const shipped = read(`../../../../packages/core/prisma/${provider}.prisma`);
    const demo = read(`../../prisma/${provider === 'sqlite' ? 'sqlite' : 'postgres'}/schema.prisma`);
    const models = shipped.slice(shipped.indexOf('/// One idempotency key')).trim();
    expect(demo).toContain(models);
  });

  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });

  it('every Prisma model can be read after migrating a fresh database', async () => {
    const database = await createTestDatabase(provider);
    databases.push(database);
    const db = await database.open();
    try {
      expect(db.migration?.applied).toEqual(readMigrations(provider).map((m) => m.name));
      for (const model of Object.values(PostgresPrisma.ModelName)) {
        const delegate = (
          db.prisma as unknown as Record<string, { findMany(a: object): Promise<unknown[]> }>
        )[lowerFirst(model)];
        // Readable through the client: every column of every model exists with the type Prisma expects.
        const rows = await delegate!.findMany({ take: 1 });
        expect(rows, model).toEqual(
          model === 'IdemMigration' ? [expect.objectContaining({ version: 1 })] : [],
        );
      }
      const now = new Date('2026-11-27T12:00:00.123Z');
      const created = await db.prisma.profile.create({
        data: { id: 'p1', owner: 'o', externalId: 'e', data: '{}', createdAt: now, updatedAt: now },
      });
      expect(created.createdAt.toISOString()).toBe(now.toISOString());
    } finally {
      await db.prisma.$disconnect();
    }
  });

  it('migrating twice applies nothing the second time, and concurrent migrations do not collide', async () => {
    const database = await createTestDatabase(provider);
    databases.push(database);
    const runs = await Promise.all([database.open(), database.open(), database.open()]);
    const applied = runs.map((r) => r.migration?.applied.length ?? 0);
    expect(applied.reduce((a, b) => a + b, 0)).toBe(readMigrations(provider).length);
    for (const r of runs) await r.prisma.$disconnect();
    const again = await database.open();
    expect(again.migration).toEqual({ applied: [], alreadyApplied: readMigrations(provider).length });
    await again.prisma.$disconnect();
  });
});
