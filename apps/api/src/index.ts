export type { AppRouter } from './routers/index.ts';
export { type ApiConfig, DEMO_API_KEYS, loadConfig } from './env.ts';
export { type ApiServer, startApiServer } from './server.ts';
