// The search pages' filters (Requests and Keys, D1): read from the URL, so a search can be bookmarked and shared,
// into the admin router's input, and back. One box takes what a customer quotes (a key or part of one, a request
// id, a natural id); the other filters take the names people use (a route, a caller's name, `4xx`, `order_id = x`).
import type { KeyStateName } from './api';

export const STATES: readonly KeyStateName[] = ['in_flight', 'completed', 'failed', 'expired'];

export const DECISIONS = [
  'first_call',
  'replay',
  'conflict',
  'in_flight',
  'refused',
  'duplicate',
  'unprotected',
] as const;
export type DecisionName = (typeof DECISIONS)[number];

export interface Filters {
  /** A key, part of one, a request id or a natural id. */
  q: string;
  /** '' (exact, then contains), 'exact' or 'contains'. */
  match: '' | 'exact' | 'contains';
  /** Caller by id, name or API key label. */
  caller: string;
  /** Route or procedure by the names users see. */
  route: string;
  /** Requests only: what was decided. */
  decision: DecisionName | '';
  /** `409`, `4xx`, `500-599`. */
  status: string;
  /** `order_id = ord_1`, several separated by `;`. */
  field: string;
  /** Keys only: in flight, completed, failed, expired. */
  state: KeyStateName | '';
  /** Keys only: an exact procedure path (the CLI's and older links' filter). */
  procedure: string;
  /** Keys only: a natural id exactly as stored. */
  naturalId: string;
  /** `datetime-local` values, read as UTC. */
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

/** A `from`/`to` in the URL: a `datetime-local` value, or milliseconds since the epoch (links from the overview). */
function timeParam(v: string): string {
  if (/^\d{12,}$/.test(v)) return new Date(Number(v)).toISOString().slice(0, 23);
  return v;
}

export function readFilters(params: Params): Filters {
  const state = one(params.state);
  const decision = one(params.decision);
  const match = one(params.match);
  return {
    q: one(params.q),
    match: match === 'exact' || match === 'contains' ? match : '',
    caller: one(params.caller) || one(params.scope),
    route: one(params.route),
    decision: (DECISIONS as readonly string[]).includes(decision) ? (decision as DecisionName) : '',
    status: one(params.status),
    field: one(params.field),
    state: (STATES as readonly string[]).includes(state) ? (state as KeyStateName) : '',
    procedure: one(params.procedure),
    naturalId: one(params.naturalId),
    from: timeParam(one(params.from)),
    to: timeParam(one(params.to)),
    order: one(params.order) === 'oldest' ? 'oldest' : 'newest',
    limit: (PAGE_SIZES as readonly string[]).includes(one(params.limit)) ? one(params.limit) : '',
  };
}

/** A `datetime-local` value, read as UTC; undefined if empty or unreadable. */
export function utc(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

const common = (f: Filters) => ({
  ...(f.q === '' ? {} : { q: f.q }),
  ...(f.match === '' ? {} : { match: f.match }),
  ...(f.caller === '' ? {} : { caller: f.caller }),
  ...(f.route === '' ? {} : { route: f.route }),
  ...(f.status === '' ? {} : { status: f.status }),
  ...(f.field === '' ? {} : { field: f.field }),
  order: f.order,
  limit: Number(f.limit || DEFAULT_PAGE_SIZE),
  count: true,
});

/** The admin router's `requests` input for these filters. */
export function requestInput(f: Filters, cursor: string | undefined) {
  return {
    ...common(f),
    ...(f.decision === '' ? {} : { decision: f.decision }),
    ...(utc(f.from) === undefined ? {} : { from: utc(f.from) }),
    ...(utc(f.to) === undefined ? {} : { to: utc(f.to) }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** The admin router's `keys` input for these filters. */
export function keyInput(f: Filters, cursor: string | undefined) {
  return {
    ...common(f),
    ...(f.state === '' ? {} : { state: f.state }),
    ...(f.procedure === '' ? {} : { procedure: f.procedure }),
    ...(f.naturalId === '' ? {} : { naturalId: f.naturalId }),
    ...(utc(f.from) === undefined ? {} : { createdFrom: utc(f.from) }),
    ...(utc(f.to) === undefined ? {} : { createdTo: utc(f.to) }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** The URL parameters of a set of filters (empty and default ones left out). */
export function filterParams(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(f)) {
    if (value === '' || (name === 'order' && value === 'newest')) continue;
    if (name === 'limit' && value === DEFAULT_PAGE_SIZE) continue;
    q.set(name, value);
  }
  return q;
}

/** The filters past the search box: the form shows them open when one is set. */
const REFINEMENTS = [
  'caller',
  'route',
  'decision',
  'status',
  'field',
  'state',
  'procedure',
  'naturalId',
  'from',
  'to',
] as const satisfies readonly (keyof Filters)[];

/** Whether any filter is set. */
export const filtered = (f: Filters): boolean => f.q !== '' || REFINEMENTS.some((name) => f[name] !== '');

/** Whether a filter past the search box is set (how the box matches included): the form then shows them open. */
export const refined = (f: Filters): boolean => f.match !== '' || REFINEMENTS.some((name) => f[name] !== '');

/** A total as people read it: `12`, `≈ 1,200,000`, `10,000+`. */
export function totalText(total: { value: number; relation: string } | null | undefined): string | null {
  if (total === null || total === undefined) return null;
  const n = total.value.toLocaleString('en');
  return total.relation === 'exact' ? n : total.relation === 'estimate' ? `about ${n}` : `${n}+`;
}
