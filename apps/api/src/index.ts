export { type Database, openDatabase, resilientPool } from './db/client.ts';
export type { DomainTx } from './db/domain.ts';
export type { AppRouter } from './routers/index.ts';
export { type ApiConfig, DEMO_API_KEYS, loadConfig } from './env.ts';
export { type ApiServer, type ApiServerOptions, startApiServer } from './server.ts';
