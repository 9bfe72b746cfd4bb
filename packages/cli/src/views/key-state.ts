// A key's state as people read it, in the colour the dashboard gives it: in flight is the one to watch (yellow),
// failed the one to act on (red).
import type { KeyRow } from '@idem/admin';
import type { Colors } from '../output.ts';

const LABELS: Record<KeyRow['state'], string> = {
  in_flight: 'in flight',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
};

export function stateLabel(state: KeyRow['state'], c: Colors): string {
  const label = LABELS[state];
  switch (state) {
    case 'in_flight':
      return c.yellow(label);
    case 'completed':
      return c.green(label);
    case 'failed':
      return c.red(label);
    case 'expired':
      return c.dim(label);
  }
}
