// The names people use. A customer says "my POST /v1/usage call", "our production key", "order ord_1"; idem stores
// procedure paths, caller ids and payload fields. The host app tells the router the names it knows (a directory:
// callers by id, procedures with their routes and product names); these functions turn what staff type into the
// filters the stores answer.
import type { FieldMatch } from '@idem/core/admin';

/** What the host app calls its callers and procedures (see AdminRouterOptions.callers and .procedures). */
export interface Directory {
  /** Caller id (the scope) → the name staff know it by: an account, an API key's label. */
  readonly callers: Readonly<Record<string, string>>;
  /** Procedure path → the names users see: REST routes (`POST /v1/usage`), a product, seed or preset name. */
  readonly procedures: Readonly<Record<string, readonly string[]>>;
}

export const EMPTY_DIRECTORY: Directory = { callers: {}, procedures: {} };

const lower = (text: string) => text.trim().toLowerCase();

/**
 * The caller ids a name stands for: ids equal to it, and ids whose name contains it (case-insensitively). The text
 * itself is always one of them, so an id the directory does not know still finds its keys.
 *
 * @example
 * callerIds('acme', { callers: { 'c-1': 'Acme Corp (key …a1b2)' }, procedures: {} }) // ['acme', 'c-1']
 */
export function callerIds(text: string, directory: Directory): string[] {
  const wanted = lower(text);
  const ids = new Set<string>([text.trim()]);
  for (const [id, name] of Object.entries(directory.callers))
    if (lower(id) === wanted || lower(name).includes(wanted)) ids.add(id);
  return [...ids];
}

/**
 * The procedure paths a name stands for. A name equal to a route or label (with or without its method) picks
 * those procedures only; otherwise every procedure whose path or names contain it (`notes`, `shelfcycle`,
 * `/v1/documents`). `known` adds the procedures the store has seen, for apps without a directory. The text itself
 * is kept, so an exact path always works.
 */
export function procedurePaths(text: string, directory: Directory, known: readonly string[]): string[] {
  const wanted = lower(text);
  const withoutMethod = (label: string) => lower(label).replace(/^[a-z]+\s+/, '');
  const exact = new Set<string>();
  const partial = new Set<string>();
  for (const [path, labels] of Object.entries(directory.procedures)) {
    if (lower(path) === wanted || labels.some((l) => lower(l) === wanted || withoutMethod(l) === wanted))
      exact.add(path);
    else if (lower(path).includes(wanted) || labels.some((l) => lower(l).includes(wanted))) partial.add(path);
  }
  for (const path of known) {
    if (lower(path) === wanted) exact.add(path);
    else if (lower(path).includes(wanted)) partial.add(path);
  }
  const found = exact.size > 0 ? exact : partial;
  return [...new Set([text.trim(), ...found])];
}

/** A status filter: `409`, `4xx`, `500-599`. Undefined when the text is none of these. */
export function statusRange(text: string): { from: number; to: number } | undefined {
  const t = text.trim().toLowerCase();
  let m = /^([1-5])xx$/.exec(t);
  if (m) return { from: Number(m[1]) * 100, to: Number(m[1]) * 100 + 99 };
  m = /^(\d{3})$/.exec(t);
  if (m) return { from: Number(m[1]), to: Number(m[1]) };
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(t);
  if (m && Number(m[1]) <= Number(m[2])) return { from: Number(m[1]), to: Number(m[2]) };
  return undefined;
}

/**
 * Payload fields as staff type them: `order_id = ord_1`, several separated by `;` (`to.subscriberId=s-1; quantity=3`).
 * Undefined when a part has no `=`.
 */
export function fieldMatches(text: string): FieldMatch[] | undefined {
  const parts = text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const fields: FieldMatch[] = [];
  for (const part of parts) {
    const at = part.indexOf('=');
    if (at <= 0) return undefined;
    const name = part.slice(0, at).trim();
    const value = part
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === '') return undefined;
    fields.push({ name, value });
  }
  return fields;
}
