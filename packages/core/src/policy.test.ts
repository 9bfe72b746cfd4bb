import { describe, expect, it } from 'vitest';
import { IdemError } from './errors.ts';
import { definePolicy, presets, storesOutcome } from './policy.ts';

function invalidOption(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof IdemError && error.code === 'INVALID_POLICY') return String(error.details.option);
    throw error;
  }
  return undefined;
}

describe('definePolicy', () => {
  it('K3: the default follows the IETF draft (optional key, 422 on mismatch, 409 + Retry-After in flight, 24 h)', () => {
    const p = definePolicy();
    expect(p.name).toBe('ietf');
    expect(p.key).toMatchObject({ header: 'Idempotency-Key', required: false, maxLength: 255 });
    expect(p.conflict.status).toBe(422);
    expect(p.inFlight).toMatchObject({ mode: 'reject', status: 409 });
    expect(p.ttlMs).toBe(24 * 60 * 60 * 1000);
    expect(p.fingerprint.mode).toBe('canonical');
  });

  it('seed 000 preset: optional key, Idempotent-Replayed, 409 IDEMPOTENCY_CONFLICT, byte-for-byte, 24 h', () => {
    const p = definePolicy({ preset: 'noticia' });
    expect(p.key.required).toBe(false);
    expect(p.replay.header).toBe('Idempotent-Replayed');
    expect(p.conflict).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
    expect(p.fingerprint.mode).toBe('bytes');
    expect(p.ttlMs).toBe(86_400_000);
  });

  it('seed 000 natural keys: N1 upsert re-runs on change, N2 recognised create replays with 200, both forever', () => {
    const upsert = definePolicy({ preset: 'noticia-upsert' });
    expect(upsert).toMatchObject({
      onMismatch: 'execute',
      ttlMs: null,
      key: { source: 'fields', fields: ['external_id'] },
    });
    const create = definePolicy({ preset: 'noticia-recognised-create' });
    expect(create).toMatchObject({ onMismatch: 'replay', ttlMs: null, replay: { status: 200 } });
  });

  it('seed 001 preset: key required, idempotencyStatus body field, 409 idempotency_key_reused', () => {
    const p = definePolicy({ preset: 'shelfcycle' });
    expect(p.key.required).toBe(true);
    expect(p.replay.bodyField).toBe('idempotencyStatus');
    expect(p.conflict).toMatchObject({
      status: 409,
      code: 'idempotency_key_reused',
      message: 'The Idempotency-Key was reused with a different request body.',
    });
  });

  it('seed 002 preset: Idempotency-Replay, 422, 409 + Retry-After, every outcome stored, 24 h 1 min', () => {
    const p = definePolicy({ preset: 'novu' });
    expect(p.replay.header).toBe('Idempotency-Replay');
    expect(p.conflict.status).toBe(422);
    expect(p.inFlight).toMatchObject({ mode: 'reject', status: 409 });
    expect(p.store).toEqual({ success: true, clientErrors: true, serverErrors: true });
    expect(p.ttlMs).toBe(24 * 60 * 60 * 1000 + 60 * 1000);
  });

  it('seed 003 preset: its header, 255, 400 on mismatch, duplicates serialised then 409, 5xx stored', () => {
    const p = definePolicy({ preset: 'salesbricks' });
    expect(p.key).toMatchObject({ header: 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY', maxLength: 255 });
    expect(p.conflict.status).toBe(400);
    expect(p.inFlight).toMatchObject({ mode: 'serialize', status: 409 });
    expect(storesOutcome(p, 500)).toBe(true);
  });

  it('seed 004 presets: N3 documents by (schema, external_id) replay; N4 delivery by execution_id conflicts 409', () => {
    expect(definePolicy({ preset: 'numora-documents' })).toMatchObject({
      onMismatch: 'replay',
      key: { fields: ['schema', 'external_id'] },
      ttlMs: null,
    });
    expect(definePolicy({ preset: 'numora-delivery' })).toMatchObject({
      onMismatch: 'conflict',
      conflict: { status: 409 },
      key: { fields: ['execution_id'] },
    });
  });

  it('K8/N1–N4: natural-key presets never expire and keep successes only', () => {
    for (const name of [
      'noticia-upsert',
      'noticia-recognised-create',
      'numora-documents',
      'numora-delivery',
    ] as const) {
      expect(definePolicy({ preset: name })).toMatchObject({
        ttlMs: null,
        store: { success: true, clientErrors: false, serverErrors: false },
      });
    }
  });

  it('every preset is itself a valid policy', () => {
    for (const name of Object.keys(presets) as (keyof typeof presets)[]) {
      expect(definePolicy({ preset: name }).name).toBe(name);
    }
  });

  it('overrides apply section by section over the preset', () => {
    const p = definePolicy({ preset: 'novu', key: { required: true }, inFlight: { mode: 'wait' } });
    expect(p.key).toMatchObject({ required: true, header: 'Idempotency-Key', maxLength: 255 });
    expect(p.inFlight).toMatchObject({ mode: 'wait', status: 409, retryAfterMs: 1000 });
    expect(p.replay.header).toBe('Idempotency-Replay');
  });

  it('K8: which statuses are stored is per policy', () => {
    const p = definePolicy({ store: { serverErrors: false } });
    expect(storesOutcome(p, 201)).toBe(true);
    expect(storesOutcome(p, 404)).toBe(true);
    expect(storesOutcome(p, 503)).toBe(false);
  });

  it('a bad option fails at construction with a message that names it', () => {
    expect(invalidOption(() => definePolicy({ ttlMs: 0 }))).toBe('ttlMs');
    expect(invalidOption(() => definePolicy({ ttlMs: 1000, leaseMs: 5000 }))).toBe('ttlMs');
    expect(invalidOption(() => definePolicy({ leaseMs: 1.5 }))).toBe('leaseMs');
    expect(invalidOption(() => definePolicy({ key: { maxLength: 0 } }))).toBe('key.maxLength');
    expect(invalidOption(() => definePolicy({ key: { header: 'Bad Header' } }))).toBe('key.header');
    expect(invalidOption(() => definePolicy({ key: { pattern: '([' } }))).toBe('key.pattern');
    expect(invalidOption(() => definePolicy({ key: { source: 'fields' } }))).toBe('key.fields');
    expect(invalidOption(() => definePolicy({ conflict: { status: 200 } }))).toBe('conflict.status');
    expect(invalidOption(() => definePolicy({ inFlight: { mode: 'later' as never } }))).toBe('inFlight.mode');
    expect(invalidOption(() => definePolicy({ fingerprint: { mode: 'bytes', exclude: ['a'] } }))).toBe(
      'fingerprint.exclude',
    );
    expect(invalidOption(() => definePolicy({ replay: { status: 404 } }))).toBe('replay.status');
    expect(invalidOption(() => definePolicy({ preset: 'stripe' as never }))).toBe('preset');
    expect(() => definePolicy({ ttlMs: -1 })).toThrow(/ttlMs must be an integer/);
  });

  it('a policy is frozen', () => {
    const p = definePolicy();
    expect(Object.isFrozen(p)).toBe(true);
  });
});
