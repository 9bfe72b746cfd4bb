// Prisma CLI configuration. idem keeps one schema per database (SQLite is the embedded default,
// PostgreSQL is production); which one a CLI command uses follows DATABASE_URL, or IDEM_PRISMA_PROVIDER
// when set (the generate script sets it to produce both clients).
// process.env is read directly because prisma/config's env() throws on an unset variable, even for generate.
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'file:./.data/idem.db';
const provider =
  process.env.IDEM_PRISMA_PROVIDER ?? (/^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite');

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: { url },
});
