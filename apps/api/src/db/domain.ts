// The domain's view of the database. Both generated clients have identical domain models (only idem's own
// tables differ, as integer milliseconds on SQLite and timestamptz on PostgreSQL, and the domain never touches
// those through Prisma's model API), so the domain is written once against the PostgreSQL client's types.
import type {
  Prisma as PostgresPrisma,
  PrismaClient as PostgresPrismaClient,
} from '../../generated/postgres/client.ts';
import type { Database } from './client.ts';

export type DomainClient = PostgresPrismaClient;
export type DomainTx = PostgresPrisma.TransactionClient;

export function domainClient(db: Database): DomainClient {
  return db.prisma as unknown as DomainClient;
}
