// @idem/core/memory: keys in this process's memory. For tests, tools and single-process apps: it cannot protect
// several processes.
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './stores/memory/store.ts';
