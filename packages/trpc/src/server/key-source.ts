// Where an operation's key comes from: a key function, input fields (a natural key), or the policy's header
// (its slot in a batch's keys header first). A request whose key header is ambiguous is refused rather than run
// under a merged or missing key: the header sent twice (Node joins repeats into "a, b"), or headers cut at the
// server's limit, where the key may be among those dropped.
import type { KeyKind } from '@idem/core';
import type { TRPCError } from '@trpc/server';
import { type HttpExchange, keyHeaderValues } from './exchange.ts';
import { fieldKey } from './natural-key.ts';
import type { EdgePolicy } from './policy.ts';
import { refuse } from './refusal.ts';

export type FoundKey =
  | {
      readonly ok: true;
      readonly key: string | undefined;
      readonly kind: KeyKind;
      readonly naturalId: string | null;
    }
  | { readonly ok: false; readonly error: TRPCError };

// Natural ids are kept as text for search: control characters (a NUL, say) are not text a database takes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is removed
const CONTROL = /[\u0000-\u001f\u007f]/g;

export function findKey(
  edge: EdgePolicy,
  input: unknown,
  http: HttpExchange | undefined,
  batchIndex: number,
  keyFn: ((input: never) => string | undefined) | undefined,
): FoundKey {
  if (keyFn !== undefined) return { ok: true, key: keyFn(input as never), kind: 'key', naturalId: null };
  const { source } = edge;
  if (source.kind === 'fields') {
    const found = fieldKey(input, source.fields);
    return {
      ok: true,
      key: found?.key,
      kind: 'natural',
      naturalId: found === undefined ? null : found.naturalId.replace(CONTROL, ' '),
    };
  }
  if (http === undefined) return { ok: true, key: undefined, kind: 'key', naturalId: null };
  if (http.headersTruncated) {
    return {
      ok: false,
      error: refuse(
        431,
        'REQUEST_HEADERS_TOO_LARGE',
        `The request has more headers than the server reads; its ${source.header} may be among those dropped. Send fewer headers.`,
      ),
    };
  }
  const values = keyHeaderValues(http, source.header, batchIndex);
  if (values.length > 1) {
    return {
      ok: false,
      error: refuse(
        edge.presentation.invalidKeyStatus,
        'KEY_REPEATED',
        `The ${source.header} header was sent ${values.length} times; a key is one value.`,
      ),
    };
  }
  return { ok: true, key: values[0], kind: 'key', naturalId: null };
}
