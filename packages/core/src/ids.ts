// Record and event ids: UUIDv7 (RFC 9562), so they sort by creation time and double as paging cursors.
import { v7 } from 'uuid';

// uuid's own generator asks for 16 random bytes per id, which was a fifth of the engine's CPU per call (three ids
// for a first call: the key and two events). Random bytes are drawn 4 KiB at a time from Web Crypto instead, and
// the time/sequence state is kept here the way uuid keeps it, so ids stay strictly increasing within a process.
const pool = new Uint8Array(4096);
let used = pool.length;
let lastMs = Number.NEGATIVE_INFINITY;
let seq = 0;

function random16(): Uint8Array {
  if (used + 16 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}

/** A UUIDv7: unique, and sorted by creation time. */
export function newId(): string {
  const random = random16();
  const now = Date.now();
  if (now > lastMs) {
    // A fresh millisecond starts the 31-bit sequence at a random point, as RFC 9562's method 1 does.
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return v7({ random, msecs: lastMs, seq });
}

/**
 * A UUIDv7 carrying the time `ms` rather than now: unique (74 random bits), and sorted by that time. The request log
 * names each entry by when it was decided on, so a time range is a range of its primary key.
 */
export function idAt(ms: number): string {
  const random = random16();
  const seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  return v7({ random, msecs: Math.max(0, Math.floor(ms)), seq });
}

/**
 * The smallest UUIDv7 of a millisecond: every id made at or after `ms` sorts at or above it, every earlier one
 * below. Lets "older than" be a range on the primary key.
 */
export function idFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** The creation time (ms since the epoch) a UUIDv7 carries in its first 48 bits. */
export function idTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
