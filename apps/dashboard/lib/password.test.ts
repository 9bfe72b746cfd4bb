import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from './password';

const root = join(import.meta.dirname, '..', '..', '..');

describe('staff passwords (D5)', () => {
  it('a scrypt hash accepts its password and nothing else; each hash has its own salt', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('a malformed or tampered hash never matches', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const parts = hash.split('$');
    const tampered = [...parts.slice(0, 5), Buffer.alloc(32, 1).toString('base64url')].join('$');
    expect(await verifyPassword(tampered, 'correct horse battery staple')).toBe(false);
    for (const bad of [
      'scrypt$',
      'scrypt$3$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      `${hash}$x`,
    ]) {
      expect(parsePasswordHash(bad)).toBeUndefined();
      expect(await verifyPassword(bad, 'correct horse battery staple')).toBe(false);
    }
  });

  it('plain text still works for trials, compared in constant time', async () => {
    expect(await verifyPassword('demo', 'demo')).toBe(true);
    expect(await verifyPassword('demo', 'demo ')).toBe(false);
    expect(await verifyPassword('demo', '')).toBe(false);
  });

  it('npm run hash-password reads a piped password and prints a hash that verifies', async () => {
    const run = spawnSync('npm', ['run', '-s', 'hash-password'], {
      cwd: root,
      input: 'staple-staple-staple\n',
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const hash = run.stdout.trim();
    expect(await verifyPassword(hash, 'staple-staple-staple')).toBe(true);
    const short = spawnSync('npm', ['run', '-s', 'hash-password'], {
      cwd: root,
      input: 'short',
      encoding: 'utf8',
    });
    expect(short.status).toBe(1);
    expect(short.stdout).toBe('');
    expect(short.stderr).toMatch(/12 characters/);
  });
});
