// Deciding one keyed request (K1–K11): check the key, fingerprint the payload, ask the store, and for duplicates
// under `wait` or `serialize` sleep until the first settles. Every decision is recorded as an event.
import type { BeginRequest, Decision } from './decision.ts';
import { IdemError } from './errors.ts';
import type { EventLog } from './event-log.ts';
import { type ExecutionContext, startExecution } from './execution.ts';
import { type Fingerprint, fingerprint } from './fingerprint.ts';
import { guard } from './guard.ts';
import { checkKey } from './key.ts';
import type { BeginInput } from './key-machine.ts';
import type { Policy } from './policy.ts';
import type { KeyKind, KeyRecord } from './record.ts';
import { keptPayload } from './stored-payload.ts';
import type { KeyRef } from './store.ts';
import { utf8Length } from './runtime/utf8.ts';
import type { Redactor } from './redact.ts';

export interface BeginContext extends ExecutionContext {
  readonly events: EventLog;
  /** Redacts a request's payload, once per payload (redactingOnce): the request log redacts the same one. */
  readonly redactPayload: Redactor;
  readonly leaseOwner: string;
  readonly maxStoredPayloadBytes: number;
  /** An engine-wide lease that replaces every policy's (EngineOptions.leaseMs). */
  readonly leaseMs: number | undefined;
  /** The store's clock minus this process's, kept current from every answer of the store. */
  readonly clock: { skew: number };
}

function payloadBytes(fp: Fingerprint, raw: string | Uint8Array | undefined): number {
  if (raw !== undefined) return typeof raw === 'string' ? utf8Length(raw) : raw.byteLength;
  const text = fp.canonical ?? '';
  // Every UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count when the text is clearly small.
  return text.length * 3 <= 1024 ? text.length : utf8Length(text);
}

/**
 * What the store is asked with. A class, not an object literal with a spread and a getter, which V8 builds slowly
 * (measured: some 14 µs a call in the bench's profile, more than the rest of begin).
 */
class ClaimInput implements BeginInput {
  readonly scope: string;
  readonly procedure: string;
  readonly kind: KeyKind;
  readonly key: string;
  readonly requestId: string | null;
  readonly leaseOwner: string;
  readonly naturalId: string | null;
  readonly #context: Pick<BeginContext, 'leaseOwner' | 'redactPayload' | 'maxStoredPayloadBytes'>;
  readonly #request: Pick<BeginRequest, 'payload' | 'naturalId'>;
  #kept: string | null | undefined;

  constructor(
    ref: KeyRef,
    readonly fingerprint: Fingerprint,
    readonly policy: Policy,
    requestId: string | null,
    context: Pick<BeginContext, 'leaseOwner' | 'redactPayload' | 'maxStoredPayloadBytes'>,
    request: Pick<BeginRequest, 'payload' | 'naturalId'>,
  ) {
    this.#context = context;
    this.#request = request;
    this.scope = ref.scope;
    this.procedure = ref.procedure;
    this.kind = ref.kind;
    this.key = ref.key;
    this.requestId = requestId;
    this.leaseOwner = context.leaseOwner;
    this.naturalId = request.naturalId ?? null;
  }

  /** The payload as kept (redacted, bounded); computed on first read: only a claim stores it. */
  get requestPayload(): string | null {
    this.#kept ??= keptPayload(
      this.#request.payload.value,
      this.fingerprint,
      this.#context.redactPayload,
      this.#context.maxStoredPayloadBytes,
    );
    return this.#kept;
  }
}

export async function begin<Tx>(context: BeginContext, request: BeginRequest): Promise<Decision<Tx>> {
  const { store, events } = context;
  const policy: Policy =
    context.leaseMs === undefined ? request.policy : { ...request.policy, leaseMs: context.leaseMs };
  if (!request.scope || !request.procedure) {
    throw new IdemError('SCOPE_MISSING', 'an idempotent request needs a caller scope and a procedure', {});
  }
  const kind = request.kind ?? 'key';
  const requestId = request.requestId ?? null;
  const answers = request.answers ?? {};

  const refuse = (code: Extract<Decision, { kind: 'invalid' }>['code'], message: string): Decision<Tx> => {
    const ref: KeyRef = {
      scope: request.scope,
      procedure: request.procedure,
      kind,
      key: typeof request.key === 'string' ? request.key.slice(0, 300) : '',
    };
    // The store's clock is not asked for a refusal (no round trip for bad input): the event says when we saw it.
    events.emitRefusal(ref, Date.now(), code, { requestId, detail: { message, ...answers.invalid } });
    return { kind: 'invalid', code, message };
  };

  const checked = checkKey(request.key, policy.key);
  if (!checked.ok) return refuse(checked.code, checked.message);
  if (checked.key === null) {
    // Unprotected calls are not compared with anything; their fingerprint is worked out only if the request log
    // asks for it (possible duplicates under no key, D6).
    let unprotectedFp: string | null | undefined;
    return {
      kind: 'unprotected',
      fingerprint: () => {
        try {
          unprotectedFp ??= fingerprint(request.payload, policy.fingerprint).hash;
        } catch {
          unprotectedFp = null;
        }
        return unprotectedFp;
      },
    };
  }

  let fp: Fingerprint;
  try {
    fp = fingerprint(request.payload, policy.fingerprint);
  } catch (error) {
    if (error instanceof IdemError) return refuse(error.code, error.message);
    throw error;
  }
  if (payloadBytes(fp, request.payload.raw) > policy.maxPayloadBytes) {
    return refuse('PAYLOAD_TOO_LARGE', `the payload is larger than ${policy.maxPayloadBytes} bytes`);
  }

  const ref: KeyRef = { scope: request.scope, procedure: request.procedure, kind, key: checked.key };
  const input = new ClaimInput(ref, fp, policy, requestId, context, request);
  const inFlight = (
    record: KeyRecord,
    now: number,
    leaseRemainingMs: number,
    waited: boolean,
    holder: 'running' | 'finished',
  ): Decision<Tx> => {
    events.emit('in_flight', ref, now, {
      keyId: record.id,
      requestId,
      detail: { waited, holder, ...answers.in_flight },
    });
    return { kind: 'in_flight', record, leaseRemainingMs, waited, holder };
  };

  const started = performance.now();
  let waited = false;
  for (;;) {
    const { answer, now } = await guard('begin', () => store.begin(input));
    context.clock.skew = now - Date.now();
    switch (answer.kind) {
      case 'execute': {
        const { record, reason } = answer;
        events.emit(reason === 'lease_expired' ? 'takeover' : 'begin', ref, now, {
          keyId: record.id,
          requestId,
          fingerprint: fp.hash,
          detail: { reason, fence: record.fence, leaseOwner: context.leaseOwner, policy: policy.name },
        });
        return { kind: 'execute', reason, execution: startExecution<Tx>(context, record, policy, requestId) };
      }
      case 'replay': {
        const { record, outcome, mismatch } = answer;
        // Seed 003: duplicates are processed one after the other, and the later one is refused.
        if (waited && policy.inFlight.mode === 'serialize') return inFlight(record, now, 0, true, 'finished');
        events.emit('replay', ref, now, {
          keyId: record.id,
          requestId,
          fingerprint: fp.hash,
          detail: { status: outcome.status, mismatch, waited, ...answers.replay },
        });
        return { kind: 'replay', outcome, record, mismatch };
      }
      case 'conflict': {
        const { record } = answer;
        events.emit('conflict', ref, now, {
          keyId: record.id,
          requestId,
          fingerprint: fp.hash,
          payload: input.requestPayload,
          detail: { storedFingerprint: record.fingerprint, ...answers.conflict },
        });
        return { kind: 'conflict', record };
      }
      case 'in_flight': {
        const { record, leaseRemainingMs } = answer;
        const remaining = policy.inFlight.waitTimeoutMs - (performance.now() - started);
        if (policy.inFlight.mode !== 'reject' && remaining > 0 && !request.signal?.aborted) {
          waited = true;
          // Sleep until the holder finishes (notified) or its lease could have ended, never in a busy loop.
          await store.waitForChange(ref, record, Math.min(remaining, leaseRemainingMs + 5), request.signal);
          continue;
        }
        return inFlight(record, now, leaseRemainingMs, waited, 'running');
      }
      default: {
        const exhaustive: never = answer;
        throw new Error(`unknown answer ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}
