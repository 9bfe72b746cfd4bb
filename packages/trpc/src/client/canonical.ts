// Deterministic serialisation (C2): the same logical input always produces the same bytes, whatever order its
// object keys were built in, so a byte-exact server policy (seed 000) accepts every retry. Only plain objects
// are reordered; Dates, Maps and other class instances pass through for the transformer to encode.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` whose plain objects have their keys in sorted order (recursively).
 *
 * @example
 * JSON.stringify(canonicalInput({ b: 1, a: { d: 2, c: 3 } })) // '{"a":{"c":3,"d":2},"b":1}'
 */
export function canonicalInput<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => canonicalInput(v)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v !== undefined) out[key] = canonicalInput(v);
  }
  return out as T;
}
