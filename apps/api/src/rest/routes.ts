// The seeds' own REST routes, each served by the same tRPC procedure a typed client calls. The documents'
// curl examples work unchanged but for host and credentials.
import type { z } from 'zod';
import { ExternalEntity } from '../routers/noticia.ts';
import { TriggerInput } from '../routers/novu.ts';
import { DeliveryInput, DocumentInput } from '../routers/numora.ts';
import { UsageInput } from '../routers/salesbricks.ts';
import { ContactInput, NoteInput } from '../routers/shelfcycle.ts';

export interface RestRoute {
  method: 'POST';
  /** Path with `{param}` segments, as in OpenAPI. */
  path: string;
  /** The tRPC procedure path that serves it. */
  procedure: string;
  /** Which seed document (and preset) the route reproduces. */
  seed: string;
  summary: string;
  input: z.ZodType;
  /** Builds the procedure input from path parameters and the JSON body. */
  toInput: (params: Record<string, string>, body: unknown) => unknown;
  /** Wraps a success value as the document's response body. */
  envelope: (data: unknown) => unknown;
  /** The idempotency header the route reads, if any. */
  keyHeader: { name: string; required: boolean } | null;
  /** Success statuses, for the OpenAPI document. */
  statuses: readonly number[];
}

const body = (_: Record<string, string>, b: unknown) => b;
const plain = (data: unknown) => data;
const data = (d: unknown) => ({ data: d });

export const restRoutes: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/v1/profiles',
    procedure: 'noticia.profiles.upsert',
    seed: '000 (noticia, noticia-upsert)',
    summary: 'Upsert a profile by external_id.',
    input: ExternalEntity,
    toInput: body,
    envelope: plain,
    keyHeader: { name: 'Idempotency-Key', required: false },
    statuses: [201, 200],
  },
  {
    method: 'POST',
    path: '/v1/stores',
    procedure: 'noticia.stores.upsert',
    seed: '000 (noticia, noticia-upsert)',
    summary: 'Upsert a store by external_id.',
    input: ExternalEntity,
    toInput: body,
    envelope: plain,
    keyHeader: { name: 'Idempotency-Key', required: false },
    statuses: [201, 200],
  },
  {
    method: 'POST',
    path: '/v1/sales-events',
    procedure: 'noticia.salesEvents.ingest',
    seed: '000 (noticia, noticia-recognised-create)',
    summary: 'Ingest a sales event; a known external_id is recognised (200) and not written again.',
    input: ExternalEntity,
    toInput: body,
    envelope: plain,
    keyHeader: { name: 'Idempotency-Key', required: false },
    statuses: [201, 200],
  },
  {
    method: 'POST',
    path: '/notes',
    procedure: 'shelfcycle.notes.create',
    seed: '001 (shelfcycle)',
    summary: 'Create a note; the Idempotency-Key is required.',
    input: NoteInput,
    toInput: body,
    envelope: data,
    keyHeader: { name: 'Idempotency-Key', required: true },
    statuses: [201],
  },
  {
    method: 'POST',
    path: '/contacts',
    procedure: 'shelfcycle.contacts.create',
    seed: '001 (shelfcycle-contacts)',
    summary:
      'Create a contact; a name or email already used under the same parent by another key is 409 duplicate_contact.',
    input: ContactInput,
    toInput: body,
    envelope: data,
    keyHeader: { name: 'Idempotency-Key', required: true },
    statuses: [201],
  },
  {
    method: 'POST',
    path: '/v1/events/trigger',
    procedure: 'novu.events.trigger',
    seed: '002 (novu)',
    summary: 'Trigger a workflow (known: welcome, password-reset, order-shipped).',
    input: TriggerInput,
    toInput: body,
    envelope: data,
    keyHeader: { name: 'Idempotency-Key', required: false },
    statuses: [201],
  },
  {
    method: 'POST',
    path: '/v1/usage',
    procedure: 'salesbricks.usage.report',
    seed: '003 (salesbricks)',
    summary: 'Report usage on an order.',
    input: UsageInput,
    toInput: body,
    envelope: plain,
    keyHeader: { name: 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY', required: false },
    statuses: [201],
  },
  {
    method: 'POST',
    path: '/v1/documents',
    procedure: 'numora.documents.create',
    seed: '004 (numora-documents)',
    summary: 'Submit a document; the same external_id for the same schema returns the existing document.',
    input: DocumentInput,
    toInput: body,
    envelope: plain,
    keyHeader: null,
    statuses: [201, 200],
  },
  {
    method: 'POST',
    path: '/v1/documents/{id}/delivery',
    procedure: 'numora.documents.deliver',
    seed: '004 (numora-delivery)',
    summary:
      'Delivery callback; the same execution_id with the same data is accepted again, other data is 409.',
    input: DeliveryInput.omit({ document_id: true }),
    toInput: (params, b) => ({ ...(typeof b === 'object' && b !== null ? b : {}), document_id: params.id }),
    envelope: plain,
    keyHeader: null,
    statuses: [200],
  },
];

/** Finds the route for a method and path, with its path parameters. */
export function matchRoute(
  method: string,
  pathname: string,
): { route: RestRoute; params: Record<string, string> } | null {
  for (const route of restRoutes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    const m = pattern.exec(pathname);
    if (!m) continue;
    try {
      return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    } catch {
      // A malformed escape (%E0%A4%A) names no resource: not found, rather than a URIError's 500.
      return null;
    }
  }
  return null;
}
