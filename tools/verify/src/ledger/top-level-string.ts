// The string value of one top-level key of a JSON object, found by walking the text's structure instead of
// parsing it (JSON.parse of every event cost the verifier more than hashing it): strings are skipped by
// searching for their closing quote, nested values by counting brackets. Whenever the walk meets anything it
// does not expect (an escape in the key or value it reads, the key twice, a shape that is not `{"k":v,...}`),
// it answers with JSON.parse. For any valid JSON text the answer is JSON.parse's.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What walk() answers besides the index of the value's opening quote. */
const ABSENT = -1;
const UNSURE = -2;

/** `JSON.parse(text)[key]` when that is a string, else undefined (also for text that is not JSON). */
export function topLevelString(bytes: Buffer, key: string): string | undefined {
  const quote = walk(bytes, 0, Buffer.from(key, 'utf8'));
  if (quote === UNSURE) return parsed(bytes, 0, key);
  return quote === ABSENT ? undefined : bytes.toString('utf8', quote + 1, stringEnd(bytes, quote));
}

/**
 * Whether `JSON.parse(bytes[from..])[key]` is the string whose UTF-8 bytes are `expected[start, end)`, compared as
 * bytes where the walk is sure (no string built): for a text of valid UTF-8 the answer is comparing the strings.
 */
export function topLevelStringIs(bytes: Buffer, from: number, key: Buffer, expected: Buffer, start: number, end: number): boolean {
  const quote = walk(bytes, from, key);
  if (quote === UNSURE) return parsed(bytes, from, key.toString('utf8')) === expected.toString('utf8', start, end);
  return quote !== ABSENT && expected.compare(bytes, quote + 1, stringEnd(bytes, quote), start, end) === 0;
}

/** The index of the opening quote of the key's string value from `from` on, ABSENT, or UNSURE. */
function walk(bytes: Buffer, from: number, key: Buffer): number {
  const end = bytes.length;
  let at = skipSpace(bytes, from);
  if (bytes[at] !== 0x7b) return UNSURE;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === 0x7d) return skipSpace(bytes, at + 1) === end ? ABSENT : UNSURE;
  let value = ABSENT;
  let seen = false;
  for (;;) {
    // A key.
    if (bytes[at] !== QUOTE) return UNSURE;
    const keyEnd = stringEnd(bytes, at);
    if (keyEnd < 0) return UNSURE;
    const isKey = keyEnd - at - 1 === key.length && bytes.compare(key, 0, key.length, at + 1, keyEnd) === 0;
    if (!isKey && escaped(bytes, at + 1, keyEnd)) return UNSURE;
    at = skipSpace(bytes, keyEnd + 1);
    if (bytes[at] !== 0x3a) return UNSURE;
    at = skipSpace(bytes, at + 1);
    // Its value.
    const valueEnd = valueEndAt(bytes, at);
    if (valueEnd < 0) return UNSURE;
    if (isKey) {
      if (seen) return UNSURE;
      seen = true;
      if (bytes[at] === QUOTE) {
        if (escaped(bytes, at + 1, valueEnd - 1)) return UNSURE;
        value = at;
      }
    }
    at = skipSpace(bytes, valueEnd);
    if (bytes[at] === 0x2c) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    if (bytes[at] === 0x7d && skipSpace(bytes, at + 1) === end) return value;
    return UNSURE;
  }
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
