// A key's story (D2) for a terminal: what the caller sent (secrets redacted by the API), what was answered,
// every replay, conflict and refusal with its time and request id, who holds the lease and until when, how long
// the key has left, and each conflicting request's difference from the original. Durations are measured on the
// store's clock (`story.now`).
import type { EventView, StoryView } from '@idem/admin';
import type { Colors } from '../output.ts';
import { formatDuration, formatTime, relative } from '../time.ts';
import { stateLabel } from './key-state.ts';
import { payloadDiff } from './payload-diff.ts';
import { fields, indented, table } from './table.ts';

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** One line saying what an event meant (the dashboard's wording). */
export function describeEvent(e: EventView): string {
  const d = e.detail ?? {};
  switch (e.type) {
    case 'begin':
      return `Ran the procedure (${d.reason === 'new' ? 'new key' : text(d.reason).replace('_', ' ')}); lease taken by ${text(d.leaseOwner)}, fence ${text(d.fence)}.`;
    case 'takeover':
      return `The previous holder's lease had ended: ${text(d.leaseOwner)} took the key over (fence ${text(d.fence)}) and ran it again.`;
    case 'complete':
      return `Outcome stored: status ${text(d.status)}${d.ok === false ? ' (an error)' : ''}.`;
    case 'replay':
      return `Same key and payload: answered ${text(d.status)} from the stored outcome, without running${d.mismatch ? ' (payload differed; this policy replays anyway)' : ''}${d.waited ? ', after waiting for the first request' : ''}.`;
    case 'conflict':
      return `Same key, different payload: refused with ${text(d.status)} ${text(d.code)}.`;
    case 'in_flight':
      return `Refused while the first request was still running${d.waited ? ' (after waiting)' : ''}; told to retry after ${formatDuration(Number(d.retryAfterMs ?? 0))}.`;
    case 'abandon':
      return `The holder gave the key up without storing an outcome${d.reason ? ` (${text(d.reason)})` : ''}; a retry runs fresh.`;
    case 'lease_lost':
      return `A holder found its lease taken over (${text(d.reason)}); its outcome was refused.`;
    case 'release':
      return `Released by ${text(d.actor)} (was held by ${text(d.leaseOwner) || 'nobody'}, fence ${text(d.fence)}).`;
    case 'void':
      return `Voided by ${text(d.actor)}${d.reason ? `: ${text(d.reason)}` : ''}.`;
    case 'refused':
      return `Refused before running: ${text(d.reason) || 'the request was not acceptable'}.`;
    case 'natural_duplicate':
      return `Refused as ${text(d.code)}: ${text(d.fields)} "${text(d.value)}" already belongs to the request under key ${text(d.heldBy)}.`;
    case 'purge':
      return `Expired keys purged: ${text(d.deleted)}.`;
    default:
      return '';
  }
}

function recordLines(story: StoryView, c: Colors): string[] {
  const r = story.record;
  if (r === null)
    return [
      `  ${c.dim('No longer stored')} (it expired and was purged, or was released or voided); its events remain.`,
    ];
  const at = (ms: number | null) =>
    ms === null ? '—' : `${formatTime(ms)} UTC (${relative(ms, story.now)})`;
  const lease =
    r.state !== 'in_flight' || r.leaseOwner === null
      ? '—'
      : r.leaseExpiresAt !== null && r.leaseExpiresAt > story.now
        ? `held by ${r.leaseOwner} until ${at(r.leaseExpiresAt)}`
        : c.yellow(
            `held by ${r.leaseOwner}, lease ended ${r.leaseExpiresAt === null ? '' : relative(r.leaseExpiresAt, story.now)}: stuck until a retry or a release`,
          );
  return fields(
    [
      ['id', r.id],
      ['policy', r.policy],
      ['fence', String(r.fence)],
      ['request id', r.requestId ?? '—'],
      ['natural id', r.naturalId ?? '—'],
      ['created', at(r.createdAt)],
      ['completed', at(r.completedAt)],
      ['outcome', r.outcome === null ? '—' : `${r.outcome.status}${r.outcome.ok ? '' : ' (an error)'}`],
      ['lease', lease],
      ['expires', r.expiresAt === null ? 'never (kept until voided)' : at(r.expiresAt)],
      ['fingerprint', `${r.fingerprint} (${r.fingerprintAlg}, keyed for display)`],
    ],
    c,
  );
}

/** The story as lines of text. */
export function storyLines(story: StoryView, c: Colors): string[] {
  const r = story.record;
  const lines = [
    `${c.bold(story.key)}  ${r === null ? c.dim('no longer stored') : stateLabel(r.state, c)}`,
    `caller ${c.bold(story.scope)} · procedure ${c.bold(story.procedure)} · kind ${story.kind}`,
    '',
    ...recordLines(story, c),
  ];
  if (r !== null) {
    lines.push(
      '',
      c.bold('Request') + c.dim(' (as kept, secrets redacted)'),
      indented(r.request ?? '(not kept)'),
    );
    if (r.outcome !== null) {
      lines.push('', `${c.bold('Outcome')} ${c.dim('status')} ${r.outcome.status}`);
      for (const [name, value] of Object.entries(r.outcome.headers ?? {}))
        lines.push(`  ${c.dim(`${name}:`)} ${value}`);
      lines.push(indented(r.outcome.body));
    }
  }

  const chronological = [...story.events].reverse();
  lines.push('', c.bold('Events') + c.dim(' (oldest first, UTC)'));
  if (chronological.length === 0) lines.push('  none recorded');
  else
    lines.push(
      indented(
        table(
          ['Time', 'Event', 'Request id', 'What happened'],
          chronological.map((e) => [formatTime(e.at), e.type, e.requestId ?? '—', describeEvent(e)]),
          c,
        ),
      ),
    );

  const conflicts = chronological.filter((e) => e.type === 'conflict' && e.payload !== null);
  conflicts.forEach((e, i) => {
    lines.push(
      '',
      c.bold(`Conflict ${i + 1} of ${conflicts.length}`) +
        ` at ${formatTime(e.at)} UTC, request ${e.requestId ?? '—'}`,
    );
    if (r?.request) lines.push(indented(payloadDiff(r.request, e.payload ?? '', c).join('\n')));
    else
      lines.push(
        c.dim('  (the original request is no longer stored; the conflicting one:)'),
        indented(e.payload ?? ''),
      );
  });
  return lines;
}
