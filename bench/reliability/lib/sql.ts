// Plain SQL against a test database, for the harness's own counting: the judge of what ran is the database.
// Goes through @idem/db's Prisma client, so the bench declares no database driver of its own.
import { openDatabase } from '@idem/db';

export interface Sql {
  query<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openSql(url: string): Promise<Sql> {
  const db = await openDatabase({ url, migrate: false, poolSize: 2 });
  return {
    query: <T>(sql: string, ...args: unknown[]) => db.prisma.$queryRawUnsafe<T[]>(sql, ...args),
    close: () => db.prisma.$disconnect(),
  };
}
