import { storeConformance } from '../conformance/index.ts';
import { createMemoryStore } from './memory-store.ts';

storeConformance('memory', async () => {
  let now = Date.now();
  const store = createMemoryStore({ clock: () => now });
  return {
    store,
    passTime: async (ms) => {
      now += ms;
    },
    close: () => store.close(),
  };
});
