// The engine's record of what happened to keys: each event gets an id and the store's time, and is written behind
// the request in batches (EventBuffer). Refusals of bad keys are recorded too (support's "why does my call get
// 400?"), but at most a few per caller, operation and reason each minute, so a flood cannot fill the store.
import { EventBuffer, type EventBufferOptions } from './event-buffer.ts';
import type { EventDetail, IdemEvent, IdemEventType } from './events.ts';
import { newId } from './ids.ts';
import type { KeyRef } from './store.ts';

export interface EventFields {
  keyId?: string | null;
  requestId?: string | null;
  fingerprint?: string | null;
  payload?: string | null;
  detail?: EventDetail | null;
}

export interface EventLog {
  emit(type: IdemEventType, ref: KeyRef, at: number, fields: EventFields): void;
  /** Like emit, for refusals: dropped past the rate limit of its caller, operation and reason. */
  emitRefusal(ref: KeyRef, at: number, reason: string, fields: EventFields): void;
  flush(): Promise<void>;
}

/** Refusals kept per (caller, operation, reason) per minute; more are counted in the next one kept. */
const REFUSALS_PER_MINUTE = 10;
/** Distinct (caller, operation, reason) windows remembered; the oldest go first. */
const MAX_WINDOWS = 10_000;

/**
 * Decides which refusals are recorded: the first ten per caller, operation and reason each minute. Returns null for
 * one dropped, else how many were dropped since the last one kept.
 */
export function refusalLimiter(): (ref: KeyRef, at: number, reason: string) => number | null {
  const windows = new Map<string, { minute: number; kept: number; dropped: number }>();
  return (ref, at, reason) => {
    const id = `${ref.scope}\u0000${ref.procedure}\u0000${reason}`;
    const minute = Math.floor(at / 60_000);
    let window = windows.get(id);
    if (window === undefined || window.minute !== minute) {
      const carried = window?.dropped ?? 0;
      window = { minute, kept: 0, dropped: carried };
      windows.delete(id);
      windows.set(id, window);
      if (windows.size > MAX_WINDOWS) windows.delete(windows.keys().next().value!);
    }
    if (window.kept >= REFUSALS_PER_MINUTE) {
      window.dropped++;
      return null;
    }
    window.kept++;
    const dropped = window.dropped;
    window.dropped = 0;
    return dropped;
  };
}

/** An event log that records nothing (events: false). */
const silent: EventLog = { emit() {}, emitRefusal() {}, flush: async () => {} };

export function createEventLog(
  write: (events: readonly IdemEvent[]) => Promise<void>,
  options: EventBufferOptions | false | undefined,
): EventLog {
  if (options === false) return silent;
  const buffer = new EventBuffer(write, options ?? {});
  const allow = refusalLimiter();

  const emit = (type: IdemEventType, ref: KeyRef, at: number, fields: EventFields): void => {
    buffer.push({
      id: newId(),
      keyId: fields.keyId ?? null,
      scope: ref.scope,
      procedure: ref.procedure,
      kind: ref.kind,
      key: ref.key,
      type,
      at,
      requestId: fields.requestId ?? null,
      fingerprint: fields.fingerprint ?? null,
      payload: fields.payload ?? null,
      detail: fields.detail ?? null,
    });
  };

  return {
    emit,
    emitRefusal(ref, at, reason, fields) {
      const dropped = allow(ref, at, reason);
      if (dropped === null) return;
      emit('refused', ref, at, {
        ...fields,
        detail: { ...fields.detail, reason, ...(dropped > 0 ? { notRecordedBefore: dropped } : {}) },
      });
    },
    flush: () => buffer.flush(),
  };
}
