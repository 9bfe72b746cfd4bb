// `idem stats` and `idem whoami`: the dashboard's overview (D4), and a check that the configuration reaches the
// app as the person and role it names.
import type { AdminClient } from '../admin-client.ts';
import type { Connection } from '../connection.ts';
import type { Output } from '../output.ts';
import { DEFAULT_WINDOW_MS, overviewLines } from '../views/overview.ts';

export async function stats(
  client: AdminClient,
  options: { windowMs?: number; bucketMs?: number },
  out: Output,
): Promise<void> {
  const overview = await client.overview.query({
    ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    ...(options.bucketMs === undefined ? {} : { bucketMs: options.bucketMs }),
  });
  out.data(overview);
  out.text(...overviewLines(overview, options.windowMs ?? DEFAULT_WINDOW_MS, out.color));
}

export async function whoami(client: AdminClient, connection: Connection, out: Output): Promise<void> {
  const me = await client.whoami.query();
  out.data({ ...me, url: connection.url, path: connection.path });
  const c = out.color;
  out.text(
    `${c.bold(me.actor)} (${me.role}) on the ${me.store} store of ${connection.url}, admin router at ${connection.path}`,
  );
}
