// The Keys page's filters: read from the URL (so a search can be bookmarked and shared) into the admin
// router's input, and back.
import type { KeyStateName } from './api';

export const STATES: readonly KeyStateName[] = ['in_flight', 'completed', 'failed', 'expired'];

export interface KeyFilters {
  q: string;
  match: 'exact' | 'prefix';
  scope: string;
  procedure: string;
  state: KeyStateName | '';
  naturalId: string;
  from: string;
  to: string;
  order: 'newest' | 'oldest';
  /** Rows per page, as text ('' for the default). */
  limit: string;
}

export const PAGE_SIZES = ['10', '25', '50', '100'] as const;
const DEFAULT_PAGE_SIZE = '50';

type Params = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined): string =>
  (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();

export function readFilters(params: Params): KeyFilters {
  const state = one(params.state);
  return {
    q: one(params.q),
    match: one(params.match) === 'exact' ? 'exact' : 'prefix',
    scope: one(params.scope),
    procedure: one(params.procedure),
    state: (STATES as readonly string[]).includes(state) ? (state as KeyStateName) : '',
    naturalId: one(params.naturalId),
    from: one(params.from),
    to: one(params.to),
    order: one(params.order) === 'oldest' ? 'oldest' : 'newest',
    limit: (PAGE_SIZES as readonly string[]).includes(one(params.limit)) ? one(params.limit) : '',
  };
}

/** A `datetime-local` value, read as UTC; undefined if empty or unreadable. */
function utc(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The admin router's input for these filters. */
export function searchInput(f: KeyFilters, cursor: string | undefined) {
  return {
    ...(f.q === '' ? {} : f.match === 'exact' ? { key: f.q } : { keyPrefix: f.q }),
    ...(f.scope === '' ? {} : { scope: f.scope }),
    ...(f.procedure === '' ? {} : { procedure: f.procedure }),
    ...(f.state === '' ? {} : { state: f.state }),
    ...(f.naturalId === '' ? {} : { naturalId: f.naturalId }),
    ...(utc(f.from) === undefined ? {} : { createdFrom: utc(f.from) }),
    ...(utc(f.to) === undefined ? {} : { createdTo: utc(f.to) }),
    order: f.order,
    ...(cursor === undefined ? {} : { cursor }),
    limit: Number(f.limit || DEFAULT_PAGE_SIZE),
  };
}

/** The URL parameters of a set of filters (empty ones left out). */
export function filterParams(f: KeyFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(f)) {
    if (value === '' || (name === 'order' && value === 'newest') || (name === 'match' && value === 'prefix'))
      continue;
    if (name === 'limit' && value === DEFAULT_PAGE_SIZE) continue;
    q.set(name, value);
  }
  return q;
}

/** Whether any filter is set. */
export const filtered = (f: KeyFilters): boolean =>
  [f.q, f.scope, f.procedure, f.state, f.naturalId, f.from, f.to].some((v) => v !== '');
