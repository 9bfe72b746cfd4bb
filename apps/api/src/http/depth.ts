// Input whose shape would make whatever walks it later (a serialiser, a validator, the fingerprint, the
// redactor, the database) fail or take unbounded time is refused first, with a 400 or 413, by both doors:
// - JSON nested thousands deep parses fine but overflows the stack of a recursive walker (a 500 to bad input);
// - superjson's referentialEqualities let a body of a few KB make one object appear under 2^n paths, so a tree
//   walk of it never ends (a 2.4 KB request held the process for 25 s before this guard counted values);
// - a NUL or another control character in a string reaches PostgreSQL, which refuses it: a 500, kept under the
//   key and replayed (text fields take tab, line feed and carriage return; nothing else below U+0020).

/** Deepest nesting of arrays and objects accepted in a request body. */
export const MAX_JSON_DEPTH = 64;

/**
 * Most values (objects, arrays and primitives, each shared one counted at every place it appears) accepted in
 * one input. A 1 MiB body of distinct values holds at most about 524 000 (`[0,0,…]`); real inputs hold far fewer.
 */
export const MAX_JSON_VALUES = 500_000;

export type InputShapeProblem = 'too_deep' | 'too_many_values' | 'control_characters';

/** How both doors answer each problem. */
export const SHAPE_REFUSALS: Record<InputShapeProblem, { status: number; code: string; message: string }> = {
  too_deep: {
    status: 400,
    code: 'payload_too_deep',
    message: `Inputs may nest at most ${MAX_JSON_DEPTH} levels.`,
  },
  too_many_values: {
    status: 413,
    code: 'payload_too_large',
    message: `Inputs may hold at most ${MAX_JSON_VALUES} values.`,
  },
  control_characters: {
    status: 400,
    code: 'invalid_characters',
    message:
      'Text may not hold NUL or other control characters (tab, line feed and carriage return are fine).',
  },
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly the characters refused
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** What is wrong with a parsed input's shape, or null; iterative and bounded by the limits it checks. */
export function inputShapeProblem(
  value: unknown,
  limits: { depth?: number; values?: number } = {},
): InputShapeProblem | null {
  const maxDepth = limits.depth ?? MAX_JSON_DEPTH;
  const maxValues = limits.values ?? MAX_JSON_VALUES;
  let values = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (++values > maxValues) return 'too_many_values';
    if (typeof node === 'string') {
      if (CONTROL.test(node)) return 'control_characters';
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return 'too_deep';
    for (const [name, child] of Object.entries(node)) {
      if (CONTROL.test(name)) return 'control_characters';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}
