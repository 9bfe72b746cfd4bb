// CSV of a search (D1): the same filters as the Requests or Keys page (the page's URL parameters), every match up to
// 10,000 rows, paged through the admin API. Needs a session. Cells a spreadsheet would run as formulas are quoted
// with a leading apostrophe (lib/csv.ts).
import { adminApi, apiError } from '../../../lib/api';
import { csvLine } from '../../../lib/csv';
import { keyInput, readFilters, requestInput } from '../../../lib/search';
import { currentStaff } from '../../../lib/session';

const MAX_ROWS = 10_000;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export async function GET(request: Request): Promise<Response> {
  const staff = await currentStaff();
  if (staff === null) return Response.json({ error: 'Sign in first.' }, { status: 401 });
  const url = new URL(request.url);
  const params = Object.fromEntries(url.searchParams);
  const filters = { ...readFilters(params), limit: '100' };
  const kind = params.kind === 'keys' ? 'keys' : 'requests';
  const api = adminApi(staff);
  const lines: string[] = [];
  try {
    let cursor: string | undefined;
    let rows = 0;
    if (kind === 'requests') {
      lines.push(
        'at,request_id,decision,reason,status,route,procedure,caller,caller_id,key,natural_id,user_agent,address,duration_ms,key_id,id',
      );
      do {
        const page = await api.requests.query({ ...requestInput(filters, cursor), limit: 200, count: false });
        for (const r of page.items)
          lines.push(
            csvLine([
              iso(r.at),
              r.requestId,
              r.decision,
              r.reason,
              r.status,
              r.route,
              r.procedure,
              r.caller,
              r.scope,
              r.key,
              r.naturalId,
              r.userAgent,
              r.address,
              r.durationMs,
              r.keyId,
              r.id,
            ]),
          );
        rows += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && rows < MAX_ROWS);
    } else {
      lines.push(
        'created_at,key,state,caller,caller_id,procedure,kind,natural_id,outcome_status,request_id,expires_at,id',
      );
      do {
        const page = await api.keys.query({ ...keyInput(filters, cursor), limit: 200, count: false });
        for (const k of page.items)
          lines.push(
            csvLine([
              iso(k.createdAt),
              k.key,
              k.state,
              k.caller,
              k.scope,
              k.procedure,
              k.kind,
              k.naturalId,
              k.outcomeStatus,
              k.requestId,
              iso(k.expiresAt),
              k.id,
            ]),
          );
        rows += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && rows < MAX_ROWS);
    }
  } catch (error) {
    const { status, message } = apiError(error);
    return Response.json({ error: message }, { status: status === 400 ? 400 : 502 });
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(`${lines.join('\r\n')}\r\n`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="idem-${kind}-${stamp}.csv"`,
      'cache-control': 'no-store',
    },
  });
}
