// @idem/cli: the `idem` command (bin.ts). Its run() is exported for tools that embed the CLI, and its exit codes
// for scripts that switch on them.
export { type CliErrorCode, EXIT_CODES } from './cli-error.ts';
export { run, type RunIo } from './run.ts';
