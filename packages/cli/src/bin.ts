#!/usr/bin/env node
// The `idem` command. Sets the exit code instead of calling process.exit, so output still being written to a
// pipe is not cut off.
import { run } from './run.ts';

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
