// SHA-256 everywhere else (Deno, Bun, Cloudflare Workers, browsers). Web Crypto's digest is asynchronous, and a
// fingerprint must be computed synchronously so the key reducer stays pure; @noble/hashes is audited, has no
// dependencies and runs on every JavaScript runtime. Node takes ./digest-node.ts instead (package.json
// "imports" #digest), which is several times faster.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base64url } from './base64url.ts';

const encoder = new TextEncoder();

/** SHA-256 of text (as UTF-8) or bytes, base64url-encoded. */
export function sha256(data: string | Uint8Array): string {
  return base64url(nobleSha256(typeof data === 'string' ? encoder.encode(data) : data));
}
