// Answering a replay (K2, C6): the stored outcome again, with the policy's replay header, the replayed-keys
// header idem's client reads, the stored status (or the policy's), and — for a client that asked, since a
// streamed batch sends its headers before any procedure finishes — the value wrapped in a ReplayEnvelope.
import type { Decision } from '@idem/core';
import { ENVELOPE_FIELD, ENVELOPE_HEADER, type ReplayEnvelope } from '../protocol.ts';
import type { HttpExchange } from './exchange.ts';
import { decodeOutcome, type OutputTransformer } from './outcome.ts';
import type { EdgePolicy } from './policy.ts';
import { withBodyField } from './settlement.ts';

export type Replayed =
  | { readonly ok: true; readonly data: unknown }
  | { readonly ok: false; readonly error: Error };

export function replay(
  decision: Extract<Decision, { kind: 'replay' }>,
  edge: EdgePolicy,
  transformer: OutputTransformer,
  http: HttpExchange | undefined,
): Replayed {
  const { presentation } = edge;
  const { key } = decision.record;
  for (const [name, value] of Object.entries(decision.outcome.headers ?? {})) http?.setHeader(name, value);
  if (presentation.replay.header) http?.setHeader(presentation.replay.header, 'true');
  http?.markReplayed(key);
  const stored = decodeOutcome(decision.outcome, transformer);
  if ('error' in stored) return { ok: false, error: stored.error };
  if (http) http.status = presentation.replay.status ?? decision.outcome.status;
  const data = withBodyField(stored.data, presentation.replay.bodyField, 'replayed');
  if (http?.header(ENVELOPE_HEADER) !== '1') return { ok: true, data };
  const envelope: ReplayEnvelope = { [ENVELOPE_FIELD]: { key, replayed: true }, data };
  return { ok: true, data: envelope };
}
