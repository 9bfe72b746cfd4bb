// The REST door: a seed route's HTTP request becomes a call of its tRPC procedure (createCaller), with the
// same idempotency middleware, and the answer is enveloped the way the document shows.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { BATCH_KEYS_HEADER, createExchange, withExchange } from '@idem/trpc';
import { describeError } from '../error-view.ts';
import { BodyTooLargeError, MAX_BODY_BYTES, readBody } from '../http/body.ts';
import { inputShapeProblem, SHAPE_REFUSALS } from '../http/depth.ts';
import type { Context } from '../trpc.ts';
import type { RestRoute } from './routes.ts';

export type Invoke = (ctx: Context, procedure: string, input: unknown) => Promise<unknown>;

/** Sends a JSON body; returns the text sent. */
function writeJson(res: ServerResponse, status: number, body: unknown): string {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
  return text;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, body);
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  code: string,
  message: string,
  requestId: string,
): void {
  sendJson(res, status, { error: { type, code, message, requestId } });
}

export async function handleRest(
  req: IncomingMessage,
  res: ServerResponse,
  match: { route: RestRoute; params: Record<string, string> },
  requestId: string,
  makeContext: (header: (name: string) => string | undefined) => Context,
  invoke: Invoke,
): Promise<void> {
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return sendError(
        res,
        413,
        'invalid_request_error',
        'payload_too_large',
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
        requestId,
      );
    }
    throw error;
  }
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (error) {
    return sendError(
      res,
      400,
      'invalid_request_error',
      'malformed_json',
      `Malformed JSON body: ${(error as Error).message}`,
      requestId,
    );
  }

  const problem = inputShapeProblem(body);
  if (problem !== null) {
    const { status, code, message } = SHAPE_REFUSALS[problem];
    return sendError(res, status, 'invalid_request_error', code, message, requestId);
  }

  // The batch-keys header belongs to tRPC batches; a REST route takes its key from the seed's own header only.
  const batch = BATCH_KEYS_HEADER.toLowerCase();
  const { [batch]: _batchKeys, ...headers } = req.headers;
  const rawHeaders = req.rawHeaders.filter((_, i, all) => all[i - (i % 2)]!.toLowerCase() !== batch);
  const http = createExchange({
    headers,
    rawHeaders,
    setHeader: (name, value) => res.setHeader(name, value),
    rawBody: raw,
    requestId,
    // This door renders its own bodies (the seed's envelope): it tells idem's request log what it sent (D7).
    reportsResponse: true,
    client: {
      method: req.method ?? 'POST',
      route: match.route.path,
      ...(req.socket.remoteAddress ? { address: req.socket.remoteAddress } : {}),
    },
  });
  const ctx = { ...makeContext(http.header), ...withExchange(http) };
  const sent = (status: number, text: string) =>
    http.responded({ status, headers: res.getHeaders() as Record<string, string | number>, body: text });
  try {
    const data = await invoke(ctx, match.route.procedure, match.route.toInput(match.params, body));
    const status = http.status ?? 200;
    sent(status, writeJson(res, status, match.route.envelope(data)));
  } catch (cause) {
    const view = describeError(getTRPCErrorFromUnknown(cause), requestId);
    if (view.status >= 500 && view.code === 'internal_server_error')
      console.error(`[api] ${match.route.path} failed:`, cause);
    const text = writeJson(res, view.status, {
      error: {
        type: view.type,
        code: view.code,
        message: view.message,
        requestId: view.requestId ?? requestId,
        ...(view.idempotency ? { idempotency: view.idempotency } : {}),
        ...(view.details ? { details: view.details } : {}),
      },
    });
    sent(view.status, text);
  }
}
