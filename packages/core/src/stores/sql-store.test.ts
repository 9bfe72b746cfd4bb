import { createTestDatabase } from '@idem/db/testing';
import { storeConformance } from '../conformance/index.ts';
import { createSqlStore } from './sql-store.ts';

for (const provider of ['sqlite', 'postgresql'] as const) {
  storeConformance(`prisma on ${provider}`, async () => {
    const database = await createTestDatabase(provider);
    const db = await database.open();
    const store = createSqlStore({ client: db.prisma, dialect: provider });
    return {
      store,
      close: async () => {
        await store.close();
        await db.prisma.$disconnect();
        await database.drop();
      },
    };
  });
}
