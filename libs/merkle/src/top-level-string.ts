// The string value of one top-level key of a JSON object, found by walking the text's structure instead of
// parsing it (JSON.parse of every event cost the verifier more than hashing it): strings are skipped by
// searching for their closing quote, nested values by counting brackets. Whenever the walk meets anything it
// does not expect (an escape in the key or value it reads, the key twice, a shape that is not `{"k":v,...}`),
// it answers with JSON.parse. For any valid JSON text the answer is JSON.parse's.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What a key's place in `quotes` holds when the key is absent or its value is no string. */
export const ABSENT = -1;
// walk() is synchronous: one answer array serves the one-key forms.
const oneQuote = new Int32Array(1);

/** `JSON.parse(text)[key]` when that is a string, else undefined (also for text that is not JSON). */
export function topLevelString(bytes: Buffer, key: string): string | undefined {
  if (!topLevelStrings(bytes, 0, [Buffer.from(key, 'utf8')], oneQuote)) return parsed(bytes, 0, key);
  return oneQuote[0] === ABSENT ? undefined : bytes.toString('utf8', oneQuote[0] + 1, stringEnd(bytes, oneQuote[0]));
}

/**
 * Whether `JSON.parse(bytes[from..])[key]` is the string whose UTF-8 bytes are `expected[start, end)`, compared as
 * bytes where the walk is sure (no string built): for a text of valid UTF-8 the answer is comparing the strings.
 */
export function topLevelStringIs(bytes: Buffer, from: number, key: Buffer, expected: Buffer, start: number, end: number): boolean {
  if (!topLevelStrings(bytes, from, [key], oneQuote)) return parsed(bytes, from, key.toString('utf8')) === expected.toString('utf8', start, end);
  return stringIs(bytes, oneQuote[0], expected, start, end);
}

/** Whether the string whose opening quote `topLevelStrings` put at `quote` has the bytes `expected[start, end)`. */
export function stringIs(bytes: Buffer, quote: number, expected: Buffer, start: number, end: number): boolean {
  return quote !== ABSENT && expected.compare(bytes, quote + 1, stringEnd(bytes, quote), start, end) === 0;
}

/**
 * One walk for several keys of the JSON object in `bytes[from..]`: `quotes[i]` becomes the index of the opening quote
 * of key i's string value (no escape in it), or ABSENT when JSON.parse would give no string there. False when the walk
 * is not sure (an escape where it reads, a key twice, anything but `{"k":v,...}`): then ask JSON.parse.
 */
export function topLevelStrings(bytes: Buffer, from: number, keys: readonly Buffer[], quotes: Int32Array): boolean {
  quotes.fill(ABSENT);
  const end = bytes.length;
  let at = skipSpace(bytes, from);
  if (bytes[at] !== 0x7b) return false;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === 0x7d) return skipSpace(bytes, at + 1) === end;
  // Bit i: key i seen.
  let seen = 0;
  for (;;) {
    // A key.
    if (bytes[at] !== QUOTE) return false;
    const keyEnd = stringEnd(bytes, at);
    if (keyEnd < 0) return false;
    const which = keyIndex(bytes, at + 1, keyEnd, keys);
    if (which < 0 && escaped(bytes, at + 1, keyEnd)) return false;
    at = skipSpace(bytes, keyEnd + 1);
    if (bytes[at] !== 0x3a) return false;
    at = skipSpace(bytes, at + 1);
    // Its value.
    const valueEnd = valueEndAt(bytes, at);
    if (valueEnd < 0) return false;
    if (which >= 0) {
      if ((seen & (1 << which)) !== 0) return false;
      seen |= 1 << which;
      if (bytes[at] === QUOTE) {
        if (escaped(bytes, at + 1, valueEnd - 1)) return false;
        quotes[which] = at;
      }
    }
    at = skipSpace(bytes, valueEnd);
    if (bytes[at] === 0x2c) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    return bytes[at] === 0x7d && skipSpace(bytes, at + 1) === end;
  }
}

/** Which of `keys` the key bytes `bytes[from, to)` are, or -1. */
function keyIndex(bytes: Buffer, from: number, to: number, keys: readonly Buffer[]): number {
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    if (to - from === key.length && bytes.compare(key, 0, key.length, from, to) === 0) return i;
  }
  return -1;
}

/** Where the value starting at `at` ends (exclusive), or -1. Nested values are only bracket-counted. */
function valueEndAt(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) {
    const close = stringEnd(bytes, at);
    return close < 0 ? -1 : close + 1;
  }
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let i = at; i < bytes.length; i += 1) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        i = stringEnd(bytes, i);
        if (i < 0) return -1;
      } else if (byte === 0x7b || byte === 0x5b) depth += 1;
      else if (byte === 0x7d || byte === 0x5d) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number or literal: up to the next delimiter.
  let i = at;
  while (i < bytes.length && bytes[i] !== 0x2c && bytes[i] !== 0x7d && !isSpace(bytes[i])) i += 1;
  return i > at ? i : -1;
}

/** The index of the quote closing the string that opens at `at`, or -1. */
function stringEnd(bytes: Buffer, at: number): number {
  let close = bytes.indexOf(QUOTE, at + 1);
  while (close !== -1) {
    let slashes = 0;
    while (bytes[close - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return close;
    close = bytes.indexOf(QUOTE, close + 1);
  }
  return -1;
}

/** Whether `bytes[from, to)` holds an escape (keys and ids are short: a loop beats a search to the text's end). */
function escaped(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) if (bytes[i] === BACKSLASH) return true;
  return false;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (at < bytes.length && isSpace(bytes[at])) at += 1;
  return at;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function parsed(bytes: Buffer, from: number, key: string): string | undefined {
  try {
    const value = (JSON.parse(bytes.toString('utf8', from)) as Record<string, unknown> | null)?.[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
