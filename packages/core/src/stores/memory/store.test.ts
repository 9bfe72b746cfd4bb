import { adminConformance, type ConformanceHarness, storeConformance } from '../../conformance/index.ts';
import { createMemoryStore } from './store.ts';

async function openMemory(): Promise<ConformanceHarness> {
  let now = Date.now();
  const store = createMemoryStore({ clock: () => now });
  return {
    store,
    passTime: async (ms) => {
      now += ms;
    },
    close: () => store.close(),
  };
}

storeConformance('memory', openMemory);
adminConformance('memory', openMemory);
