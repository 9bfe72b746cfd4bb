// Search results (D1) as a table: one key per line, its id first (what `idem keys show` takes), long keys cut
// (the JSON output has them whole), times in UTC, expiry measured on the store's clock.
import type { KeyRow } from '@idem/admin';
import type { Colors } from '../output.ts';
import { formatTime, relative } from '../time.ts';
import { stateLabel } from './key-state.ts';
import { clip, table } from './table.ts';

const KEY_COLUMN = 40;

export function keyTable(items: readonly KeyRow[], now: number, c: Colors): string {
  return table(
    ['ID', 'Key', 'Caller', 'Procedure', 'State', 'Status', 'Created (UTC)', 'Expires'],
    items.map((k) => [
      k.id,
      clip(k.key, KEY_COLUMN),
      k.scope,
      k.procedure,
      stateLabel(k.state, c),
      k.outcomeStatus ?? '—',
      formatTime(k.createdAt),
      k.expiresAt === null ? 'never' : relative(k.expiresAt, now),
    ]),
    c,
  );
}
