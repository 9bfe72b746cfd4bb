// The request log (D1, D6, D7): one entry per request idem decided on, with the request as received (secrets
// redacted) and the answer as sent (status, headers, body), where it came in and from whom. Support staff find a
// request from what the customer has (a request id, a route, a payload field) and quote back exactly what the
// client got. Entries are written behind the request, in batches, like events: the key row stays the only write
// made before answering, and a crash loses at most the last few milliseconds of the log, never a key.
import { jsonTextOf } from './canonical-json.ts';
import type { KeyKind } from './record.ts';
import { boundText, type Redactor } from './redact.ts';
import { utf8Length } from './runtime/utf8.ts';

/**
 * What happened to a request, as the client saw it: it ran (`first_call`, also after an expired key or a dead
 * holder), was answered from the stored outcome (`replay`), was refused for another payload under its key
 * (`conflict`), while its first was running (`in_flight`), for a bad or missing key (`refused`), as a natural
 * duplicate of another key's resource (`duplicate`, N5), or ran without a key on a policy that allows that
 * (`unprotected`).
 */
export const REQUEST_DECISIONS = [
  'first_call',
  'replay',
  'conflict',
  'in_flight',
  'refused',
  'duplicate',
  'unprotected',
] as const;

export type RequestDecision = (typeof REQUEST_DECISIONS)[number];

/** A message as kept: headers (secrets redacted) and the body text, bounded. */
export interface LoggedMessage {
  readonly headers: Readonly<Record<string, string>>;
  /** The body as received or sent; null when there was none or the edge could not see it. */
  readonly body: string | null;
  /** The body's size in bytes before it was bounded; null when unknown. */
  readonly bytes: number | null;
  /** Whether redaction changed the body (then it is no longer byte for byte what travelled). */
  readonly redacted: boolean;
}

/** One request as the log keeps it. */
export interface LoggedRequest {
  /** UUIDv7 carrying `at`: entries sort by when they were decided on, and a time range is a range of ids. */
  readonly id: string;
  /** When the request was decided on, on the store's clock (estimated from the engine's last reading of it). */
  readonly at: number;
  readonly scope: string;
  readonly procedure: string;
  readonly kind: KeyKind;
  /** The key as sent ('' when none was). */
  readonly key: string;
  /** The key record it ran or replayed under, when there was one. */
  readonly keyId: string | null;
  readonly requestId: string | null;
  readonly decision: RequestDecision;
  /** Why: the reason a first call ran (new, key_expired, lease_expired, payload_changed) or a refusal's code. */
  readonly reason: string | null;
  /** The status answered; null when the edge did not say. */
  readonly status: number | null;
  readonly fingerprint: string | null;
  /** A natural key's values as the customer knows them (`invoice_v2 ap-100024`). */
  readonly naturalId: string | null;
  /** Where it came in, as users name it: `POST /v1/usage`, `POST /trpc/novu.events.trigger`. */
  readonly route: string | null;
  readonly userAgent: string | null;
  readonly address: string | null;
  readonly request: LoggedMessage | null;
  readonly response: LoggedMessage | null;
  /**
   * Searchable facts: `field=value` for each scalar field of the payload (nested fields dotted, `to.subscriberId`),
   * and `~value` for the natural id and each of its values.
   */
  readonly terms: readonly string[];
  /** From the decision to the answer, when the edge measured it. */
  readonly durationMs: number | null;
}

/** What the edge reports of one request; the engine redacts, bounds and stamps it. */
export interface RequestReport {
  readonly scope: string;
  readonly procedure: string;
  readonly kind?: KeyKind;
  readonly key?: string | null;
  readonly keyId?: string | null;
  readonly requestId?: string | null;
  readonly decision: RequestDecision;
  readonly reason?: string | null;
  readonly status?: number | null;
  readonly fingerprint?: string | null;
  readonly naturalId?: string | null;
  readonly route?: string | null;
  readonly userAgent?: string | null;
  readonly address?: string | null;
  /** When the request was decided on, by the edge's clock (Date.now()); default: when reported. */
  readonly at?: number;
  readonly durationMs?: number | null;
  /** The request's parsed payload: made searchable (after redaction). */
  readonly payload?: unknown;
  /** The request body as received; default: the payload as JSON. */
  readonly requestBody?: string | null;
  readonly requestHeaders?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly responseBody?: string | null;
  readonly responseHeaders?: Readonly<Record<string, string | number | readonly string[] | undefined>>;
}

/** Terms kept per request at most, and the longest value a term keeps. */
const MAX_TERMS = 64;
/** Scalars the terms walk looks at, at most, whatever the payload's size. */
const MAX_VISITED = 4 * MAX_TERMS;
const MAX_DEPTH = 8;
const MAX_TERM_VALUE = 200;
const MAX_HEADER_VALUE = 1000;
const MAX_HEADERS = 64;

// Terms are matched whole: control characters (the SQLite store's separator among them) become spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f]/g;
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}
// Every logged request cleans each of its terms: most have nothing to replace, found without a regex.
const clean = (text: string, max: number) => {
  const bounded = text.length > max ? text.slice(0, max) : text;
  return hasControl(bounded) ? bounded.replace(CONTROL, ' ') : bounded;
};

/** The term a search for `field = value` looks for. */
export const fieldTerm = (field: string, value: string): string =>
  `${clean(field.trim(), MAX_TERM_VALUE)}=${clean(value.trim(), MAX_TERM_VALUE)}`;

/** The term a search for a natural id value looks for. */
export const naturalTerm = (value: string): string => `~${clean(value.trim(), MAX_TERM_VALUE)}`;

/**
 * The searchable terms of a (redacted) payload and a natural id: each scalar field as `path=value` (array items
 * under their array's path), the natural id and each of its values as `~value`; at most 64, redacted values left
 * out.
 *
 * @example
 * searchTerms({ order_id: 'ord_1', to: { subscriberId: 's-1' } }, null) // ['order_id=ord_1', 'to.subscriberId=s-1']
 */
export function searchTerms(payload: unknown, naturalId: string | null, mask = '[REDACTED]'): string[] {
  const natural = new Set<string>();
  if (naturalId) {
    natural.add(naturalTerm(naturalId));
    for (const value of naturalId.split(' ')) if (value !== '') natural.add(naturalTerm(value));
  }
  return fieldTerms(payload, natural, mask);
}

/** One path of the payload, met once per request however many array items share it. */
interface PathNode {
  readonly path: string;
  /** Its terms' values: shared by the paths that clean to the same `path=` (`a.b` as one name or two). */
  readonly field: Field | null;
  children: Map<string, PathNode> | null;
}
interface Field {
  /** The cleaned `path=` its terms start with. */
  readonly prefix: string;
  /** Its distinct values: cleaned strings, and numbers and booleans as they are until they meet a string. */
  values: Set<unknown>;
  kinds: 0 | typeof STRINGS | typeof OTHERS | typeof TEXT;
}
const STRINGS = 1;
const OTHERS = 2;
/** Both met under one path: every value is kept as its text, so 1 and '1' are one term, as they read. */
const TEXT = 3;

/**
 * The terms, told apart cheaply. Every logged request pays for its terms, and a payload's values repeat (a quantity
 * in every line of an order), so a term's text is built only once it is known to be new: each path is met once per
 * request in a tree of paths, and its values are told apart in a set of their own, where one set of `path=value`
 * texts had to build and hash a new text for every value. Measured at 1 KB (an order of 15 lines): 15–22 µs against
 * 30–39 µs. Past a budget of scalars the walk stops, so a large payload costs no more than a small one.
 *
 * Two paths make the same text only when one holds `=` (`a=b` with `c`, `a` with `b=c`), and a path makes a natural
 * term's text only when it starts with `~`. From the first such path on, new terms are told apart by their whole
 * text instead: the terms are those of one set of texts, in the order the walk meets them (the tests hold the two
 * to each other).
 */
function fieldTerms(payload: unknown, natural: ReadonlySet<string>, mask: string): string[] {
  let count = natural.size;
  let budget = MAX_VISITED;
  const fields = new Map<string, Field>();
  /** Every term's text, once a path could make another's. */
  let texts: Set<string> | null = null;
  const add = (field: Field, value: string | number | boolean) => {
    if (texts !== null) {
      const size = texts.size;
      texts.add(field.prefix + String(value));
      count += texts.size - size;
      return;
    }
    const kind = typeof value === 'string' ? STRINGS : OTHERS;
    if ((field.kinds | kind) === TEXT && field.kinds !== TEXT)
      field.values = new Set([...field.values].map(String));
    field.kinds |= kind;
    const size = field.values.size;
    field.values.add(field.kinds === TEXT ? String(value) : value);
    count += field.values.size - size;
  };
  /** Every term's text: the natural ones, then each path's. */
  const allTexts = () => {
    const all = [...natural];
    for (const field of fields.values())
      for (const value of field.values) all.push(field.prefix + String(value));
    return all;
  };
  const childOf = (node: PathNode, name: string): PathNode => {
    let child = node.children?.get(name);
    if (child === undefined) {
      const path = node.path === '' ? name : `${node.path}.${name}`;
      let field: Field | null = null;
      if (path !== '') {
        const cleaned = clean(path.trim(), MAX_TERM_VALUE);
        // Until now every term was new (`count` counts them all): from here on, whole texts tell them apart.
        if (texts === null && (cleaned.includes('=') || cleaned.startsWith('~'))) texts = new Set(allTexts());
        const prefix = `${cleaned}=`;
        field = fields.get(prefix) ?? null;
        if (field === null) {
          field = { prefix, values: new Set(), kinds: 0 };
          fields.set(prefix, field);
        }
      }
      child = { path, field, children: null };
      node.children ??= new Map();
      node.children.set(name, child);
    }
    return child;
  };
  const walk = (value: unknown, node: PathNode, depth: number): void => {
    if (count >= MAX_TERMS || budget <= 0 || depth > MAX_DEPTH || value === null || value === undefined)
      return;
    switch (typeof value) {
      case 'string':
        budget--;
        if (node.field !== null && value !== mask) add(node.field, clean(value.trim(), MAX_TERM_VALUE));
        return;
      case 'number':
      case 'boolean':
        budget--;
        if (node.field !== null) add(node.field, value);
        return;
      case 'object':
        break;
      default:
        return;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && count < MAX_TERMS && budget > 0; i++)
        walk(value[i], node, depth + 1);
      return;
    }
    for (const name in value) {
      if (count >= MAX_TERMS || budget <= 0) return;
      if (!Object.hasOwn(value, name)) continue;
      walk((value as Record<string, unknown>)[name], childOf(node, name), depth + 1);
    }
  };
  walk(payload, { path: '', field: null, children: null }, 0);
  // Without such a path, no two paths make one text: every term is new, with no set of texts to ask.
  const terms = texts === null ? allTexts() : [...texts];
  return terms.length > MAX_TERMS ? terms.slice(0, MAX_TERMS) : terms;
}

/** Headers as kept: lower-case names, repeated values joined, secrets redacted, bounded. */
function keptHeaders(
  headers: Readonly<Record<string, string | number | readonly string[] | undefined>> | undefined,
  redact: Redactor,
): Record<string, string> {
  if (headers === undefined) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).slice(0, MAX_HEADERS)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[name.toLowerCase()] = text.slice(0, MAX_HEADER_VALUE);
  }
  return redact(out) as Record<string, string>;
}

/** A text bounded to `maxBytes` UTF-8 bytes, given its length in bytes (counted once by the caller). */
function bounded(text: string, bytes: number, maxBytes: number): string {
  return bytes <= maxBytes ? text : boundText(text, maxBytes);
}

/**
 * A body as kept: as it travelled when there is nothing to hide (byte for byte), else its JSON with secrets
 * redacted; bounded in size either way. A body that is not JSON is kept only when the free-text patterns find
 * nothing in it.
 */
function keptBody(
  body: string | null | undefined,
  redact: Redactor,
  maxBytes: number,
): Pick<LoggedMessage, 'body' | 'bytes' | 'redacted'> {
  if (body === null || body === undefined) return { body: null, bytes: null, redacted: false };
  const bytes = utf8Length(body);
  let text = body;
  let redacted = false;
  try {
    const parsed = JSON.parse(body) as unknown;
    const clean = redact(parsed);
    if (clean !== parsed) {
      text = JSON.stringify(clean);
      redacted = true;
    }
  } catch {
    const clean = redact(body);
    if (clean !== body) {
      text = String(clean);
      redacted = true;
    }
  }
  return { body: redacted ? boundText(text, maxBytes) : bounded(text, bytes, maxBytes), bytes, redacted };
}

/**
 * A body rebuilt from the parsed payload, when the door kept no raw body (tRPC's own): the payload's JSON with the
 * payload's redaction, which the caller has already made. Every logged call takes this path, so the payload is
 * neither parsed back nor redacted a second time.
 */
function payloadBody(
  payload: unknown,
  redactedPayload: unknown,
  maxBytes: number,
): Pick<LoggedMessage, 'body' | 'bytes' | 'redacted'> {
  const text = jsonTextOf(payload) ?? JSON.stringify(payload ?? null) ?? 'null';
  const bytes = utf8Length(text);
  if (redactedPayload === payload) return { body: bounded(text, bytes, maxBytes), bytes, redacted: false };
  return {
    body: boundText(JSON.stringify(redactedPayload ?? null) ?? 'null', maxBytes),
    bytes,
    redacted: true,
  };
}

/**
 * A report as the log keeps it (without id and time, which the engine adds). `redactPayload` redacts the payload
 * (default `redact`): the engine passes one that remembers what it made of the same payload for the key row.
 */
export function loggedRequest(
  report: RequestReport,
  redact: Redactor,
  maxBytes: number,
  redactPayload: Redactor = redact,
): Omit<LoggedRequest, 'id' | 'at'> {
  let payload: unknown = report.payload;
  try {
    payload = payload === undefined ? undefined : redactPayload(payload);
  } catch {
    payload = undefined;
  }
  const body =
    typeof report.requestBody === 'string' || report.payload === undefined
      ? keptBody(report.requestBody, redact, maxBytes)
      : payloadBody(report.payload, payload, maxBytes);
  const request: LoggedMessage = { headers: keptHeaders(report.requestHeaders, redact), ...body };
  const response: LoggedMessage | null =
    report.responseBody === undefined && report.responseHeaders === undefined
      ? null
      : {
          headers: keptHeaders(report.responseHeaders, redact),
          ...keptBody(report.responseBody, redact, maxBytes),
        };
  const short = (text: string | null | undefined, max: number) =>
    text === null || text === undefined ? null : text.slice(0, max);
  return {
    scope: report.scope,
    procedure: report.procedure,
    kind: report.kind ?? 'key',
    key: (report.key ?? '').slice(0, 300),
    keyId: report.keyId ?? null,
    requestId: report.requestId ?? null,
    decision: report.decision,
    reason: short(report.reason, 200),
    status: report.status ?? null,
    fingerprint: report.fingerprint ?? null,
    naturalId: short(report.naturalId, 4096),
    route: short(report.route, 500),
    userAgent: short(report.userAgent, 300),
    address: short(report.address, 100),
    request,
    response,
    terms: searchTerms(payload, report.naturalId ?? null),
    durationMs: report.durationMs ?? null,
  };
}
