// Secrets never reach storage or a screen: payloads kept for support staff (the request, a conflicting
// request) are redacted first and bounded in size. Stored outcomes are not redacted, because a replay must
// return them byte for byte; the dashboard redacts those at display with the same redactor.
import { utf8Length } from './runtime/utf8.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
  /**
   * Also mask, inside any text, what looks like a payment card number (Luhn-valid, 13–19 digits), an IBAN
   * (mod-97 valid), a US social security number, or a Bearer/Basic credential. Default true.
   */
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

// ISO 13616: move the first four characters to the end, letters to numbers (A = 10 …), and the remainder mod 97
// must be 1. Computed piecewise, since the number has up to 70 digits.
function ibanValid(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const c of moved) {
    const code = c.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest === 1;
}

// Secrets found inside free text, whatever the field is called. Each pattern finds candidates; each check keeps
// only real ones, so order numbers and amounts stay readable:
// - card numbers: 13–19 digits, optionally grouped by spaces or dashes, passing Luhn's check;
//   digits glued to letters or underscores belong to an identifier (a random id holds a Luhn-valid run one time in
//   ten), so cards and social security numbers must stand apart from word characters;
// - IBANs: country code, check digits and 11–30 alphanumerics (optionally in groups of four), passing mod 97;
// - US social security numbers: 123-45-6789 with a valid area (not 000, 666 or 9xx), group and serial;
// - `Bearer …` and `Basic …` credentials.
const FREE_TEXT: readonly { pattern: RegExp; check: (match: string) => boolean }[] = [
  {
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    check: (m) => {
      const digits = m.replace(/[ -]/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits);
    },
  },
  {
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    check: (m) => ibanValid(m.replace(/ /g, '')),
  },
  {
    pattern: /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])/g,
    check: (m) => !/^(?:000|666|9\d\d)-|-00-|-0000$/.test(m),
  },
  // Inside prose only a credential-like token counts ("the basic plan" stays); a whole value is checked below.
  {
    pattern: /\b(?:bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/gi,
    check: () => true,
  },
];

// A whole value that is an authorization header's: `Bearer …`, `Basic …`.
const CREDENTIAL = /^(?:bearer|basic)\s+\S+\s*$/i;

const IBAN_START = /[A-Z]{2}\d{2}/;
const AUTH_SCHEME = /bearer|basic/i;

// A quick test before the patterns run, since every string of every logged request passes here: a card number has
// 13 digits or more and a social security number 9; an IBAN starts with a country and two check digits; else only
// an auth scheme can be a secret. Identifiers with a few digits (sku-000123, dates) skip the patterns.
function maybeSecret(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length && digits < 9; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits >= 9) return true;
  if (digits >= 2 && IBAN_START.test(text)) return true;
  return AUTH_SCHEME.test(text);
}

function maskFreeText(text: string, mask: string): string {
  if (!maybeSecret(text)) return text;
  if (CREDENTIAL.test(text)) return mask;
  let out = text;
  for (const { pattern, check } of FREE_TEXT) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, (m) => (check(m) ? mask : m));
  }
  return out;
}

// A card number sent as a JSON number is masked under a card-ish name only: an amount may pass Luhn's check too.
const CARD_FIELD = /card|^pan$/;

// A field of that name on the copy: `__proto__` (JSON.parse makes it an own field) stays data, not a prototype.
function own(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

function looksLikeCard(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  return /^\d{13,19}$/.test(digits) && luhn(digits);
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
  // What a field's name says of its value (secret, card-ish, plain): names repeat from request to request, so each
  // verdict is remembered (bounded, so hostile names cannot grow it).
  const SECRET = 1;
  const CARD = 2;
  const PLAIN = 0;
  const verdicts = new Map<string, number>();
  const verdictOf = (name: string): number => {
    let verdict = verdicts.get(name);
    if (verdict === undefined) {
      const n = normalise(name);
      verdict = fragments.some((f) => n.includes(f)) ? SECRET : CARD_FIELD.test(n) ? CARD : PLAIN;
      if (verdicts.size < 10_000) verdicts.set(name, verdict);
    }
    return verdict;
  };
  // Copy on write: a subtree with nothing to hide is returned as it is, so a payload without secrets costs a walk
  // and no allocation (every logged request is walked: no entry arrays either), and the caller can tell
  // (redacted === value) that nothing changed.
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return cards ? maskFreeText(value, mask) : value;
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
    // What JSON would write of it (a Date's text, say) is what gets checked; it stays as it is when clean.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value);
      const next = json === value ? value : walk(json, depth + 1);
      return next === json ? value : next;
    }
    const object = value as Record<string, unknown>;
    let copy: Record<string, unknown> | null = null;
    for (const name in object) {
      if (!Object.hasOwn(object, name)) continue;
      const inner = object[name];
      const verdict = verdictOf(name);
      const next =
        verdict === SECRET && inner !== null && inner !== undefined
          ? mask
          : verdict === CARD && cards && typeof inner === 'number' && looksLikeCard(String(inner))
            ? mask
            : walk(inner, depth + 1);
      if (next !== inner && copy === null) {
        copy = {};
        for (const before in object) {
          if (before === name) break;
          if (Object.hasOwn(object, before)) own(copy, before, object[before]);
        }
      }
      if (copy !== null) own(copy, name, next);
    }
    return copy ?? value;
  };
  return (value) => walk(value, 0);
}

/**
 * A redactor that redacts each object once: asked again for the same object, it answers what it made the first
 * time. The engine redacts a request's payload for the key row and again for the request log; this makes the second
 * free. Only for values nobody mutates in between (a request's parsed input): the answer is the first one.
 */
export function redactingOnce(redact: Redactor): Redactor {
  const made = new WeakMap<object, unknown>();
  return (value) => {
    if (value === null || typeof value !== 'object') return redact(value);
    if (made.has(value)) return made.get(value);
    const redacted = redact(value);
    made.set(value, redacted);
    return redacted;
  };
}

/** The redactor used when none is configured. */
export const defaultRedactor: Redactor = createRedactor();

/**
 * Cuts a text to at most `maxBytes` UTF-8 bytes, saying how much was dropped. Keeps events and stored
 * payloads bounded whatever a caller sends.
 */
export function boundText(text: string, maxBytes: number): string {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: a text clearly within the bound is not counted.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = utf8Length(text);
  if (bytes <= maxBytes) return text;
  const encoded = encoder.encode(text);
  // A cut through a multi-byte character decodes to U+FFFD at the end: drop it.
  const cut = decoder.decode(encoded.subarray(0, maxBytes)).replace(/\uFFFD$/, '');
  return `${cut}…[truncated ${bytes - utf8Length(cut)} bytes]`;
}
