// `npm start` (via scripts/start.mjs) runs this: the API on port 4000, on the embedded SQLite by default.
import { loadConfig } from './env.ts';
import { startApiServer } from './server.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error(`[api] ${(error as Error).message}`);
  process.exit(1);
}
const api = await startApiServer(config);
const target = api.database.target;
console.log(
  `[api] idem API listening on ${api.url}  (tRPC at ${api.url}/trpc, OpenAPI at ${api.url}/openapi.json)`,
);
console.log(
  `[api] database: ${target.provider === 'sqlite' ? target.file : target.url.replace(/\/\/[^@]*@/, '//***@')}`,
);
if (config.mode === 'demo') {
  const keys = [...config.apiKeys].map(([key, caller]) => `${caller}: ${key}`).join(', ');
  console.log(`[api] demo mode; API keys: ${keys}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
