// The request as kept for support staff (D2): redacted, then bounded. When nothing needed hiding, the canonical
// text the fingerprint already made serves, so the common case costs no second serialisation.
import type { Fingerprint } from './fingerprint.ts';
import { boundText, type Redactor } from './redact.ts';

export function keptPayload(
  value: unknown,
  fp: Fingerprint,
  redact: Redactor,
  maxBytes: number,
): string | null {
  if (value === undefined) return null;
  let text: string;
  try {
    const redacted = redact(value);
    text =
      redacted === value && fp.canonical !== undefined ? fp.canonical : (JSON.stringify(redacted) ?? 'null');
  } catch {
    return null;
  }
  return boundText(text, maxBytes);
}
