import { describe, expect, it } from 'vitest';
import { IdemError } from './errors.ts';
import { DEFAULT_POLICY, definePolicy, storesOutcome } from './policy.ts';

function invalidOption(make: () => unknown): string | undefined {
  try {
    make();
  } catch (error) {
    if (error instanceof IdemError && error.code === 'INVALID_POLICY') return String(error.details.option);
    throw error;
  }
  return undefined;
}

// What a key means lives here; how an answer looks (headers, statuses, codes) and the seeds' presets are the
// edge's (@idem/trpc's presets.test.ts).
describe('definePolicy', () => {
  it('K3/K6/K7: the default follows the IETF draft: optional key ≤ 255, 24 h, canonical, conflicts, refuses duplicates', () => {
    const p = definePolicy();
    expect(p).toEqual(DEFAULT_POLICY);
    expect(p.key).toEqual({ required: false, maxLength: 255, pattern: null });
    expect(p.ttlMs).toBe(24 * 60 * 60 * 1000);
    expect(p.fingerprint.mode).toBe('canonical');
    expect(p.onMismatch).toBe('conflict');
    expect(p.inFlight.mode).toBe('reject');
    expect(p.store).toEqual({
      success: true,
      clientErrors: true,
      serverErrors: true,
      invalidRequests: false,
    });
  });

  it('overrides apply section by section over a base policy', () => {
    const base = definePolicy({ name: 'base', ttlMs: 60_000, inFlight: { mode: 'wait' } });
    const p = definePolicy({ key: { required: true }, inFlight: { waitTimeoutMs: 5 } }, base);
    expect(p.name).toBe('base');
    expect(p.key).toMatchObject({ required: true, maxLength: 255 });
    expect(p.inFlight).toEqual({ mode: 'wait', waitTimeoutMs: 5 });
    expect(p.ttlMs).toBe(60_000);
  });

  it('K8: which outcomes are stored is per policy, invalid requests apart', () => {
    const p = definePolicy({ store: { serverErrors: false } });
    expect(storesOutcome(p, { status: 201 })).toBe(true);
    expect(storesOutcome(p, { status: 404 })).toBe(true);
    expect(storesOutcome(p, { status: 503 })).toBe(false);
    expect(storesOutcome(p, { status: 400, invalidRequest: true })).toBe(false);
    const seed003 = definePolicy({ store: { invalidRequests: true } });
    expect(storesOutcome(seed003, { status: 400, invalidRequest: true })).toBe(true);
  });

  it('K7/N1: ttlMs null keeps a key as long as its entity', () => {
    expect(definePolicy({ ttlMs: null }).ttlMs).toBeNull();
  });

  it('a bad option fails at construction with a message that names it', () => {
    expect(invalidOption(() => definePolicy({ ttlMs: 0 }))).toBe('ttlMs');
    expect(invalidOption(() => definePolicy({ ttlMs: 1000, leaseMs: 5000 }))).toBe('ttlMs');
    expect(invalidOption(() => definePolicy({ leaseMs: 1.5 }))).toBe('leaseMs');
    expect(invalidOption(() => definePolicy({ key: { maxLength: 0 } }))).toBe('key.maxLength');
    expect(invalidOption(() => definePolicy({ key: { pattern: '([' } }))).toBe('key.pattern');
    expect(invalidOption(() => definePolicy({ inFlight: { mode: 'later' as never } }))).toBe('inFlight.mode');
    expect(invalidOption(() => definePolicy({ fingerprint: { mode: 'bytes', exclude: ['a'] } }))).toBe(
      'fingerprint.exclude',
    );
    expect(invalidOption(() => definePolicy({ store: { invalidRequests: 'yes' as never } }))).toBe(
      'store.invalidRequests',
    );
    expect(() => definePolicy({ ttlMs: -1 })).toThrow(/ttlMs must be an integer/);
  });

  it('a policy is frozen, sections included', () => {
    const p = definePolicy({ key: { pattern: '^a' } });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.key)).toBe(true);
    expect(p.key.pattern).toBeInstanceOf(RegExp);
  });
});
