// JSON nested thousands deep parses fine but overflows the stack of whatever walks it later (a serialiser, a
// validator), which would answer 500 to bad input. Both doors refuse it first, with a 400.

/** Deepest nesting of arrays and objects accepted in a request body. */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `limit`; iterative, so it cannot overflow itself. */
export function tooDeep(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
