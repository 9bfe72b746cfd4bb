// After @idem/core's build: writes each migration as a plain .sql file under dist/sql/<dialect>/, for teams
// that apply migrations with a tool of their own (the runtime uses the same text from dist/stores/sql/migrations.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(process.cwd(), 'dist');
const { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } = await import(join(dist, 'stores', 'sql', 'migrations.js'));
for (const [dialect, migrations] of [
  ['postgresql', POSTGRES_MIGRATIONS],
  ['sqlite', SQLITE_MIGRATIONS],
]) {
  const dir = join(dist, 'sql', dialect);
  mkdirSync(dir, { recursive: true });
  for (const m of migrations) {
    const name = `${String(m.version).padStart(4, '0')}_${m.name}.sql`;
    const header = `-- idem schema migration ${m.version} (${m.name}) for ${dialect}.\n-- Apply in order; record it in idem_migrations as \`idem migrate\` does, or let \`idem migrate\` apply it.\n`;
    writeFileSync(join(dir, name), `${header}${m.sql.trim()}\n`);
  }
}
console.log(
  `[idem] wrote ${POSTGRES_MIGRATIONS.length + SQLITE_MIGRATIONS.length} SQL migrations to dist/sql`,
);
