// The processes the benchmark and the reliability harness start (the bench server, the API) announce
// themselves with a line `listening http://…` on stdout once they accept connections.
import type { ChildProcess } from 'node:child_process';

/**
 * The URL a child announces; rejects with `failure(code, output)` if it exits first. Stdout keeps flowing
 * afterwards, so a chatty child never blocks on a full pipe.
 */
export function untilListening(
  child: ChildProcess,
  failure: (code: number | null, output: string) => Error,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /listening (http:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(url);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(failure(code, out)));
  });
}
