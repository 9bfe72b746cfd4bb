// Keys made of input fields: a natural key (external_id, execution_id … N1–N4) or a unique claim (N5). A key is
// written `field=value&field=value` (URL-encoded, fields in their declared order), so it names the fields it was
// built from, stays printable ASCII whatever the values hold, and two field sets never collide.

function field(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * A text as people mean it: trimmed, inner runs of white space as one space, Unicode-normalised (NFC: a "José"
 * typed with a combining accent equals the precomposed one), case-folded.
 */
export function asPeopleMeanIt(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

export interface FieldKey {
  /** `field=value&…`: the key stored. */
  readonly key: string;
  /** The values as the customer knows them, space-separated: what support searches for. */
  readonly naturalId: string;
}

/**
 * The key an input's fields make, or undefined when one is missing or not a string or number.
 *
 * @example
 * fieldKey({ schema: 'invoice_v2', external_id: 'ap-1' }, ['schema', 'external_id'])
 * // { key: 'schema=invoice_v2&external_id=ap-1', naturalId: 'invoice_v2 ap-1' }
 */
export function fieldKey(
  input: unknown,
  fields: readonly string[],
  compare: 'text' | 'exact' = 'exact',
): FieldKey | undefined {
  const params = new URLSearchParams();
  const values: string[] = [];
  for (const f of fields) {
    const v = field(input, f);
    if ((typeof v !== 'string' || v === '') && typeof v !== 'number') return undefined;
    const raw = String(v);
    const value = compare === 'text' ? asPeopleMeanIt(raw) : raw;
    if (value === '') return undefined;
    params.append(f, value);
    values.push(raw.normalize('NFC'));
  }
  return { key: params.toString(), naturalId: values.join(' ') };
}
