// Secrets never reach storage or a screen: payloads kept for support staff (the request, a conflicting
// request) are redacted first and bounded in size. Stored outcomes are not redacted, because a replay must
// return them byte for byte; the dashboard redacts those at display with the same redactor.

/**
 * Turns a JSON value into one with secrets replaced. Must not mutate its input; returns the input itself when
 * there is nothing to replace.
 */
export type Redactor = (value: unknown) => unknown;

export interface RedactorOptions {
  /**
   * Field-name fragments that mark a secret, compared case-insensitively with `-`, `_` and spaces removed
   * (so "apiKey" also catches "x-api-key" and "API_KEY"). Replaces the defaults; use `extraFields` to add.
   */
  fields?: readonly string[];
  /** Fragments added to the defaults. */
  extraFields?: readonly string[];
  /** Replacement text. */
  mask?: string;
  /** Also mask string values that look like payment card numbers (Luhn-valid, 13–19 digits). Default true. */
  cardNumbers?: boolean;
}

/**
 * The default secret field fragments: authorization, password, token, secret, api key, card number and kin.
 * Fragments, not names, so they stay specific: `pass` or `session` alone would hide `passenger` or `sessionCount`.
 */
export const DEFAULT_SECRET_FIELDS: readonly string[] = [
  'authorization',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'cardnumber',
  'creditcard',
  'cvv',
  'cvc',
  'privatekey',
  'accesskey',
  'credential',
  'pwd',
  'jwt',
  'cookie',
];

export const REDACTED = '[REDACTED]';

const normalise = (name: string): string => name.toLowerCase().replace(/[-_\s]/g, '');

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const CARD_LIKE = /^[\d -]{13,23}$/;
// Credentials in a value whatever the field is called: `Bearer …` and `Basic …` authorization values.
const BEARER = /^(?:bearer|basic)\s+\S/i;
// A card number sent as a JSON number is masked under a card-ish name only: an amount may pass Luhn's check too.
const CARD_FIELD = /card|^pan$/;

function looksLikeCard(value: string): boolean {
  if (!CARD_LIKE.test(value)) return false;
  const digits = value.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhn(digits);
}

/**
 * Builds a redactor.
 *
 * @example
 * const redact = createRedactor({ extraFields: ['iban'] });
 * redact({ user: 'ann', password: 'hunter2', card: '4242 4242 4242 4242' })
 * // { user: 'ann', password: '[REDACTED]', card: '[REDACTED]' }
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const fragments = [...(options.fields ?? DEFAULT_SECRET_FIELDS), ...(options.extraFields ?? [])].map(
    normalise,
  );
  const mask = options.mask ?? REDACTED;
  const cards = options.cardNumbers ?? true;
  // Field names repeat from request to request: remember each verdict (bounded, so hostile names cannot grow it).
  const verdicts = new Map<string, boolean>();
  const isSecretField = (name: string): boolean => {
    let secret = verdicts.get(name);
    if (secret === undefined) {
      const n = normalise(name);
      secret = fragments.some((f) => n.includes(f));
      if (verdicts.size < 10_000) verdicts.set(name, secret);
    }
    return secret;
  };
  // Copy on write: a subtree with nothing to hide is returned as it is, so a payload without secrets costs a walk
  // and no allocation, and the caller can tell (redacted === value) that nothing changed.
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      if (cards && looksLikeCard(value)) return mask;
      if (BEARER.test(value)) return mask;
      return value;
    }
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const next = walk(item, depth + 1);
        if (next !== item && copy === null) copy = value.slice(0, i);
        copy?.push(next);
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | null = null;
    const entries = Object.entries(value);
    for (let i = 0; i < entries.length; i++) {
      const [name, inner] = entries[i]!;
      const next =
        isSecretField(name) && inner !== null && inner !== undefined
          ? mask
          : cards &&
              typeof inner === 'number' &&
              CARD_FIELD.test(normalise(name)) &&
              looksLikeCard(String(inner))
            ? mask
            : walk(inner, depth + 1);
      if (next !== inner && copy === null) copy = Object.fromEntries(entries.slice(0, i));
      if (copy !== null) copy[name] = next;
    }
    return copy ?? value;
  };
  return (value) => walk(value, 0);
}

/** The redactor used when none is configured. */
export const defaultRedactor: Redactor = createRedactor();

/**
 * Cuts a text to at most `maxBytes` UTF-8 bytes, saying how much was dropped. Keeps events and stored
 * payloads bounded whatever a caller sends.
 */
export function boundText(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}…[truncated ${bytes - Buffer.byteLength(cut, 'utf8')} bytes]`;
}
