// The holder's handle on a key it runs under: store the outcome, or give the key up. Both are fenced: a holder
// whose key was taken over after its lease ended is refused (LEASE_LOST) and the new holder's outcome stands.
import type { CompleteOptions, Execution } from './decision.ts';
import { IdemError } from './errors.ts';
import type { EventLog } from './event-log.ts';
import { guard } from './guard.ts';
import type { Heartbeats } from './lease.ts';
import { type Policy, storesOutcome } from './policy.ts';
import type { KeyRecord } from './record.ts';
import type { FenceRef, FenceResult, IdempotencyStore, SettleOptions } from './store.ts';

export interface ExecutionContext {
  readonly store: IdempotencyStore;
  readonly events: EventLog;
  readonly heartbeats: Heartbeats;
  readonly renewLeases: boolean;
}

export function startExecution<Tx>(
  context: ExecutionContext,
  record: KeyRecord,
  policy: Policy,
  requestId: string | null,
): Execution<Tx> {
  const { store, events } = context;
  const ref: FenceRef = {
    scope: record.scope,
    procedure: record.procedure,
    kind: record.kind,
    key: record.key,
    id: record.id,
    fence: record.fence,
  };
  const lease = context.heartbeats.hold(store, ref, policy.leaseMs, context.renewLeases);
  // Duplicates wait (`wait`, `serialize`) only under those modes: then other processes must hear the key settle.
  const notify = policy.inFlight.mode !== 'reject';
  const settle = (tx: Tx | undefined): SettleOptions =>
    (tx === undefined ? { notify } : { tx, notify }) as SettleOptions;

  // A holder that lost its key hears so once: its complete and the abandon that follows are one lost lease.
  let lost = false;
  const refused = (result: Extract<FenceResult, { ok: false }>): never => {
    if (!lost) {
      lost = true;
      events.emit('lease_lost', ref, result.now, {
        keyId: ref.id,
        requestId,
        detail: { fence: ref.fence, reason: result.reason },
      });
    }
    throw new IdemError(
      'LEASE_LOST',
      `the key was taken over by another holder (${result.reason}); this outcome is refused`,
      { key: ref.key, fence: ref.fence, reason: result.reason },
    );
  };

  async function abandon(tx: Tx | undefined, detail: Record<string, string | number | boolean>) {
    const result = await guard('abandon', () => store.abandon(ref, settle(tx)));
    if (!result.ok) refused(result);
    events.emit('abandon', ref, result.now, {
      keyId: ref.id,
      requestId,
      detail: { fence: ref.fence, ...detail },
    });
  }

  return {
    ref,
    policy,
    record,
    // Read through: the lease makes its AbortSignal only when someone asks for it.
    get signal() {
      return lease.signal;
    },
    async complete(outcome, options: CompleteOptions<Tx> = {}) {
      lease.stop();
      const classified = { status: outcome.status, invalidRequest: options.invalidRequest ?? false };
      if (!storesOutcome(policy, classified)) {
        await abandon(options.tx, {
          status: outcome.status,
          reason: options.invalidRequest
            ? 'invalid request not stored by policy'
            : 'status not stored by policy',
        });
        return { stored: false };
      }
      const result = await guard('complete', () => store.complete(ref, outcome, settle(options.tx)));
      if (!result.ok) refused(result);
      events.emit('complete', ref, result.now, {
        keyId: ref.id,
        requestId,
        detail: { status: outcome.status, ok: outcome.ok, fence: ref.fence },
      });
      return { stored: true };
    },
    async abandon(options = {}) {
      lease.stop();
      await abandon(options.tx, {});
    },
  };
}
