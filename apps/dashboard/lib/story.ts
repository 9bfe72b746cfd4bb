// A key's story in words (D2, D7): what each event meant for the client, and the whole story in order, one line
// per request (and per staff action), with the runs, re-runs, replays and refusals counted. The words come from
// what was recorded (the decision's own status and code, the policy's reason), so a refusal reads as the client
// got it: a `duplicate_contact` is a 409 duplicate_contact, a serialised duplicate waited its turn.
import type { EventView } from './api';
import { formatDuration } from './format';

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The answer a refusal event records (`409 idempotency_key_reused`), or '' when it recorded none. */
const answer = (d: Record<string, unknown>) => `${text(d.status)} ${text(d.code)}`.trim();

/** The holding key of a natural duplicate: the claim keeps it as JSON (`"c-1"`). */
export function heldKey(heldBy: unknown): string {
  try {
    const parsed = JSON.parse(String(heldBy)) as unknown;
    return typeof parsed === 'string' ? parsed : String(heldBy);
  } catch {
    return String(heldBy);
  }
}

/** Whether this begin was followed, for the same request, by a natural-duplicate refusal: it never ran. */
function refusedAfterClaim(e: EventView, all: readonly EventView[]): boolean {
  return (
    e.requestId !== null &&
    all.some((o) => o.type === 'natural_duplicate' && o.requestId === e.requestId && o.id > e.id)
  );
}

/** One line on what an event meant. `all` is the story's events, for events that only mean something together. */
export function describeEvent(e: EventView, all: readonly EventView[] = []): string {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case 'begin': {
      if (refusedAfterClaim(e, all))
        return 'Claimed the key, then found another key already holds this resource (below): it did not run.';
      const holder = `lease ${text(d.leaseOwner)}, fence ${text(d.fence)}`;
      // A key that went (voided, released, given back) and came back: the same identity, running fresh.
      const gone = [...all]
        .reverse()
        .find((o) => o.id < e.id && ['void', 'release', 'abandon'].includes(o.type));
      if (d.reason === 'new' && gone !== undefined) {
        const how = gone.type === 'void' ? 'voided' : gone.type === 'release' ? 'released' : 'given back';
        return `Ran again: the key had been ${how}, so this request ran fresh (${holder}).`;
      }
      if (d.reason === 'key_expired')
        return `Ran again: the key had expired, so this request counted as new (${holder}).`;
      if (d.reason === 'payload_changed')
        return `Ran again: the same natural id came with changed data, and this policy updates the existing entity (${holder}).`;
      return `Ran the procedure: the first request with this key (${holder}).`;
    }
    case 'takeover':
      return `Ran again: the previous holder's lease ended without an outcome (it likely crashed), so ${text(d.leaseOwner)} took the key over (fence ${text(d.fence)}).`;
    case 'complete':
      return d.ok === false || Number(d.status) >= 400
        ? `Stored the outcome: status ${text(d.status)}, an error. Retries get it again until the key expires or is voided.`
        : `Stored the outcome: status ${text(d.status)}.`;
    case 'replay': {
      const shown = d.answeredStatus ?? d.status;
      const why = d.mismatch
        ? 'the natural id was known; its data differed, and this policy answers with the existing resource'
        : 'same key, same payload';
      return `Answered ${text(shown)} from the stored outcome without running (${why})${d.waited ? ', after waiting for the first request to finish' : ''}.`;
    }
    case 'conflict':
      return `Refused${answer(d) ? ` with ${answer(d)}` : ''}: the key came back with a different payload. Nothing ran. The difference is below.`;
    case 'in_flight':
      if (d.holder === 'finished')
        return `Waited its turn, then refused${answer(d) ? ` with ${answer(d)}` : ''}: this policy processes duplicates one after the other and refuses the later ones (the first had finished).`;
      if (d.waited)
        return `Waited for the first request, which was still running when the wait ended: refused${answer(d) ? ` with ${answer(d)}` : ''}.`;
      return `Refused${answer(d) ? ` with ${answer(d)}` : ''} while the first request was still running; the client may retry later.`;
    case 'refused':
      return `Refused before anything was recorded: ${text(d.reason)}${d.message ? ` (${text(d.message)})` : ''}${d.notRecordedBefore ? `; ${text(d.notRecordedBefore)} more like it were not recorded` : ''}.`;
    case 'abandon':
      if (typeof d.reason === 'string' && d.reason.includes('not stored'))
        return `Gave the key back: this policy does not keep a status ${text(d.status)} outcome, so a retry runs fresh.`;
      if (all.some((o) => o.type === 'natural_duplicate' && o.requestId === e.requestId))
        return 'Gave the key back after the duplicate refusal, so a corrected retry under this key runs.';
      return `Gave the key back without an outcome${d.reason ? ` (${text(d.reason)})` : ''}; a retry runs fresh.`;
    case 'lease_lost':
      return `A holder whose key had been taken over finished late: its outcome was refused (${text(d.reason).replace(/_/g, ' ')}); the new holder's stands.`;
    case 'release':
      return `Released by ${text(d.actor)} (was held by ${text(d.leaseOwner) || 'nobody'}, fence ${text(d.fence)}): the next request runs fresh.`;
    case 'void':
      return `Voided by ${text(d.actor)}${d.reason ? `: “${text(d.reason)}”` : ''}. The next request with this key runs fresh.`;
    case 'natural_duplicate':
      return `Refused${answer(d) ? ` with ${answer(d)}` : ''}: ${text(d.fields).split('+').at(-1)} “${text(d.value)}” already belongs to the request under key ${heldKey(d.heldBy)}. Nothing ran.`;
    case 'purge':
      return `Expired keys purged: ${text(d.deleted)}.`;
    default:
      return '';
  }
}

/** A line of the summary: when, which request (if any), and what happened. */
export interface StoryLine {
  at: number;
  requestId: string | null;
  text: string;
}

/** How a request's events read as one line. */
function requestLine(events: readonly EventView[], all: readonly EventView[]): string {
  const has = (type: string) => events.find((e) => e.type === type);
  const duplicate = has('natural_duplicate');
  if (duplicate) return describeEvent(duplicate, all);
  const run = has('begin') ?? has('takeover');
  if (run) {
    const complete = has('complete');
    const abandon = has('abandon');
    const lost = has('lease_lost');
    const start = describeEvent(run, all).replace(/\.$/, '');
    if (complete) return `${start}; answered ${text(complete.detail?.status)}.`;
    if (lost) return `${start}; it finished after losing its lease, and its outcome was refused.`;
    if (abandon)
      return `${start}; ${describeEvent(abandon, all).charAt(0).toLowerCase()}${describeEvent(abandon, all).slice(1)}`;
    return `${start}; still running.`;
  }
  const answered = events.find((e) => ['replay', 'conflict', 'in_flight', 'refused'].includes(e.type));
  return answered ? describeEvent(answered, all) : describeEvent(events[0]!, all);
}

/** The story in order: one line per request, one per staff action, oldest first; and the counts. */
export function narrate(newestFirst: readonly EventView[]): {
  lines: StoryLine[];
  counts: {
    runs: number;
    reruns: number;
    replays: number;
    conflicts: number;
    inFlight: number;
    refused: number;
  };
} {
  const events = [...newestFirst].reverse();
  const lines: StoryLine[] = [];
  const byRequest = new Map<string, EventView[]>();
  for (const e of events) {
    if (e.type === 'release' || e.type === 'void' || e.type === 'purge' || e.requestId === null) {
      lines.push({ at: e.at, requestId: null, text: describeEvent(e, events) });
      continue;
    }
    const list = byRequest.get(e.requestId);
    if (list === undefined) {
      const fresh = [e];
      byRequest.set(e.requestId, fresh);
      lines.push({ at: e.at, requestId: e.requestId, text: '' });
    } else list.push(e);
  }
  for (const line of lines)
    if (line.requestId !== null) line.text = requestLine(byRequest.get(line.requestId)!, events);
  const runs = events.filter(
    (e) => (e.type === 'begin' && !refusedAfterClaim(e, events)) || e.type === 'takeover',
  ).length;
  return {
    lines,
    counts: {
      runs,
      reruns: Math.max(0, runs - 1),
      replays: events.filter((e) => e.type === 'replay').length,
      conflicts: events.filter((e) => e.type === 'conflict').length,
      inFlight: events.filter((e) => e.type === 'in_flight').length,
      refused: events.filter((e) => e.type === 'natural_duplicate' || e.type === 'refused').length,
    },
  };
}

/** `1.2 s` */
export const took = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
