// What idem logs of each call (D7): one entry per operation, however many idempotent() layers it passes (a key
// header and a natural key, say), with the decision that answered it, the request as received and the answer as
// the door sent it. The outermost layer opens the trace; every layer adds what it decided; the entry is written
// once the door reports what it sent, or, on a door that does not report, when the call ends.
import type { Engine, KeyKind, RequestDecision, RequestReport } from '@idem/core';
import type { HttpExchange } from './exchange.ts';

/** What one idempotent() layer decided. */
export interface LayerDecision {
  readonly kind: KeyKind;
  readonly key: string | null;
  readonly keyId: string | null;
  readonly decision: RequestDecision;
  readonly reason: string | null;
  /** Worked out only when the entry is written (an unprotected call's fingerprint costs a hash). */
  readonly fingerprint: () => string | null;
  readonly naturalId: string | null;
}

export interface RequestTrace {
  /** Adds one layer's decision, outermost first. */
  decided(layer: LayerDecision): void;
  /** The call ended with this status (the door's own report, when it gives one, takes precedence). */
  finish(status: number): void;
}

/** Decisions that answered the call themselves: they outrank a layer that ran. */
const ANSWERED: readonly RequestDecision[] = ['replay', 'conflict', 'in_flight', 'refused', 'duplicate'];

/** The layer that speaks for the call: the first that answered, else the first that ran, else the first. */
function primary(layers: readonly LayerDecision[]): LayerDecision | undefined {
  return (
    layers.find((l) => ANSWERED.includes(l.decision)) ??
    layers.find((l) => l.decision === 'first_call') ??
    layers[0]
  );
}

/** A route as users name it: `POST /v1/usage`. */
export function routeOf(http: HttpExchange | undefined): string | null {
  const route = http?.client.route;
  return route === undefined ? null : `${http?.client.method ?? 'POST'} ${route}`;
}

export function startTrace(options: {
  engine: Pick<Engine, 'recordRequest'>;
  scope: string;
  procedure: string;
  input: unknown;
  http: HttpExchange | undefined;
}): RequestTrace {
  const { engine, scope, procedure, input, http } = options;
  const layers: LayerDecision[] = [];
  const at = Date.now();
  let done = false;

  const write = (status: number | null, sent: Parameters<HttpExchange['responded']>[0] | null) => {
    const layer = primary(layers);
    if (layer === undefined) return;
    const report: RequestReport = {
      scope,
      procedure,
      kind: layer.kind,
      key: layer.key,
      keyId: layer.keyId,
      requestId: http?.requestId ?? null,
      decision: layer.decision,
      reason: layer.reason,
      status: sent?.status ?? status,
      fingerprint: layer.fingerprint(),
      naturalId: layer.naturalId,
      route: routeOf(http),
      userAgent: http?.client.userAgent ?? null,
      address: http?.client.address ?? null,
      at,
      durationMs: Date.now() - at,
      payload: input,
      // A batch's body holds every operation: each logs its own input instead.
      requestBody:
        http !== undefined && !http.isBatch && http.rawBody !== undefined ? http.rawBody : undefined,
      requestHeaders: http?.requestHeaders(),
      ...(sent === null ? {} : { responseHeaders: sent.headers, responseBody: sent.body }),
    };
    engine.recordRequest(report);
  };

  return {
    decided(layer) {
      layers.push(layer);
    },
    finish(status) {
      if (done) return;
      done = true;
      if (http?.reportsResponse) http.onResponse((sent) => write(status, sent));
      else write(status, null);
    },
  };
}
