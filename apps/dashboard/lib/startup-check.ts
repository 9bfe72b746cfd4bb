// Node.js only (imported by instrumentation.ts when the runtime is nodejs): stops the server on a bad config.
import { loadConfig } from './config';

export function checkConfigOrExit(): void {
  try {
    loadConfig();
  } catch (error) {
    console.error(`[dashboard] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
