// The Prisma models idem ships (packages/core/prisma/<dialect>.prisma) against the tables idem's own migrations create.
// Prisma's diff from a freshly migrated database to datasource + models must be empty: anything else is what
// `prisma db push` (or a migration from `prisma migrate dev`) would do to idem's tables in an application.
import { readFileSync } from 'node:fs';
import { migrate as migratePostgres } from '@idem/core/pg';
import { migrate as migrateSqlite } from '@idem/core/sqlite';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { describe, expect, it } from 'vitest';
import { prismaDiff } from './lib/prisma-diff.ts';

type Dialect = 'postgresql' | 'sqlite';

/** The models as shipped, behind the blocks an application's schema would have (Prisma 7: no url in it). */
function schemaFor(dialect: Dialect): string {
  const models = readFileSync(
    new URL(`../../../packages/core/prisma/${dialect}.prisma`, import.meta.url),
    'utf8',
  );
  return `generator client {
  provider        = "prisma-client"
  previewFeatures = ["partialIndexes"]
}

datasource db {
  provider = "${dialect}"
}

${models}`;
}

/** The same schema without one index: the diff must notice, or an empty diff proves nothing. */
function withoutJobsIndex(schema: string): string {
  const line = /^.*map: "idem_jobs_type_id".*\n/m;
  expect(schema).toMatch(line);
  return schema.replace(line, '');
}

describe('Prisma models', () => {
  it('the Prisma models shipped for PostgreSQL describe exactly the tables idem migrate creates', async () => {
    const db = await createTestPostgres();
    try {
      await migratePostgres(db.pool);
      const schema = schemaFor('postgresql');
      expect(await prismaDiff({ url: db.url, schema })).toBe('');
      expect(await prismaDiff({ url: db.url, schema: withoutJobsIndex(schema) })).toContain(
        'DROP INDEX "idem_jobs_type_id"',
      );
    } finally {
      await db.drop();
    }
  });

  it('the Prisma models shipped for SQLite describe exactly the tables idem migrate creates', async () => {
    const db = await createTestSqlite();
    try {
      await migrateSqlite(db.database);
      const schema = schemaFor('sqlite');
      expect(await prismaDiff({ url: db.url, schema })).toBe('');
      expect(await prismaDiff({ url: db.url, schema: withoutJobsIndex(schema) })).toContain(
        'DROP INDEX "idem_jobs_type_id"',
      );
    } finally {
      await db.drop();
    }
  });
});
