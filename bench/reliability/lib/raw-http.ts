// HTTP/1.1 over plain sockets, for what fetch cannot do: hold many requests one byte short of complete and
// release them together (so duplicates really arrive at once), and send bytes fetch would refuse to send
// (control characters in headers, broken UTF-8, odd encodings).
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Sent exactly as given, in order; values may hold any bytes (as latin1 strings or Buffers). */
  headers?: readonly (readonly [string, string | Buffer])[];
  body?: string | Buffer;
}

/** The request's bytes, with Host, Content-Length and Connection: close added. */
export function encodeRequest(url: string, request: RawRequest): Buffer {
  const { host } = new URL(url);
  const body =
    typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? Buffer.alloc(0));
  const parts: Buffer[] = [
    Buffer.from(`${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\nHost: ${host}\r\n`, 'latin1'),
  ];
  for (const [name, value] of request.headers ?? []) {
    parts.push(
      Buffer.from(`${name}: `, 'latin1'),
      typeof value === 'string' ? Buffer.from(value, 'latin1') : value,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'), body);
  return Buffer.concat(parts);
}

function decodeChunked(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses a complete response (the server closed the connection after it). */
export function parseResponse(data: Buffer): RawResponse {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0)
    throw new Error(`incomplete HTTP response: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let raw = data.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) raw = decodeChunked(raw);
  const body = raw.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

/** A request sent but for its last byte: `release()` completes it, `response` settles when the server answers. */
export interface HeldRequest {
  release(): void;
  readonly response: Promise<RawResponse>;
}

/**
 * Opens a connection and sends all of the request but its last byte; resolves once those bytes are written,
 * so a caller holding many can release them in one tick.
 */
export function holdRequest(url: string, request: RawRequest): Promise<HeldRequest> {
  const bytes = encodeRequest(url, request);
  const { hostname, port } = new URL(url);
  return new Promise((resolveHeld, rejectHeld) => {
    const socket: Socket = connect({ host: hostname, port: Number(port), noDelay: true });
    const chunks: Buffer[] = [];
    const response = new Promise<RawResponse>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        try {
          resolve(parseResponse(Buffer.concat(chunks)));
        } catch (error) {
          reject(error);
        }
      });
      socket.on('error', (error) => {
        // A server that refuses a request at the HTTP level answers and resets at once: keep what it said.
        if (chunks.length === 0) return reject(error);
        try {
          resolve(parseResponse(Buffer.concat(chunks)));
        } catch {
          reject(error);
        }
      });
    });
    // A rejection before anyone awaits `response` (the server died) must not crash the run.
    response.catch(() => {});
    socket.once('error', rejectHeld);
    socket.once('connect', () => {
      socket.write(bytes.subarray(0, bytes.length - 1), () => {
        socket.off('error', rejectHeld);
        resolveHeld({ release: () => socket.write(bytes.subarray(bytes.length - 1)), response });
      });
    });
  });
}

/** Sends one request and waits for its response. */
export async function rawSend(url: string, request: RawRequest): Promise<RawResponse> {
  const held = await holdRequest(url, request);
  held.release();
  return held.response;
}
