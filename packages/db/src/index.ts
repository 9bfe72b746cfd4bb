export {
  type Database,
  type OpenDatabaseOptions,
  openDatabase,
  PostgresPrismaClient,
  SqlitePrismaClient,
} from './client.ts';
export { type MigrateResult, type Migration, migrate, readMigrations } from './migrate.ts';
export { type DatabaseTarget, defaultSqliteFile, type Provider, repoRoot, resolveTarget } from './target.ts';
export { createPgChangeFeed, type PgChangeFeed } from './change-feed.ts';
export type { Prisma as PostgresPrisma } from '../generated/postgres/client.ts';
export { createPgSqlClient, type PgSqlClient } from './pg-client.ts';
